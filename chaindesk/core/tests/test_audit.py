"""The audit trail: every service write leaves one line in the same transaction; nobody can change it.

On the fixed personas (chaindesk/testkit/personas.py): writes are made by `p_member` (测试成员) and read by
`p_chief` and `p_liaison`; our enterprise (测试甲区, founded 2010-05-01) is the object whose history is read."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client

from chaindesk.accounts.models import Region, User
from chaindesk.core import audit, context
from chaindesk.core.exceptions import AppendOnlyError
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.core.services import audited_create, audited_update
from chaindesk.enterprises.models import Enterprise


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_create_and_update_record_actor_context_and_changed_values(personas):
    actor = personas.member
    token = context.activate(context.RequestContext(request_id="req-1234abcd", ip="192.0.2.10"))
    try:
        region = audited_create(model=Region, actor=actor, code="329909", name="测试区", level="district")
        audited_update(obj=region, actor=actor, name="测试新区")
        audited_update(obj=region, actor=actor, name="测试新区")  # no change, no line
    finally:
        context.deactivate(token)
    lines = list(AuditLog.objects.for_object(region).order_by("id"))
    assert [line.action for line in lines] == [AuditAction.CREATE, AuditAction.UPDATE]
    created, updated = lines
    assert created.after["name"] == "测试区"
    assert created.actor == actor and created.actor_name == "p_member"
    assert (created.ip, created.request_id) == ("192.0.2.10", "req-1234abcd")
    assert updated.before == {"name": "测试区"} and updated.after == {"name": "测试新区"}
    assert updated.changed_fields() == [("name", "测试区", "测试新区")]


@pytest.mark.django_db
def test_invalid_write_changes_nothing_and_records_nothing(personas):
    count = AuditLog.objects.count()
    with pytest.raises(Exception):  # noqa: B017 - validation error from full_clean
        audited_create(model=Region, actor=personas.member, code="bad", name="x", level="district")
    assert AuditLog.objects.count() == count
    assert not Region.objects.filter(name="x").exists()


@pytest.mark.django_db
def test_audit_line_rolls_back_with_the_write(personas):
    count = AuditLog.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        audited_create(model=Region, actor=personas.member, code="329908", name="回滚区", level="district")
        raise IntegrityError("simulated failure after the write")
    assert AuditLog.objects.count() == count
    assert not Region.objects.filter(code="329908").exists()


@pytest.mark.django_db
def test_audit_records_cannot_be_changed_or_deleted_through_the_orm():
    entry = audit.record(action=AuditAction.EXPORT, message="x")
    entry.message = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=entry.pk).update(message="changed")
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=entry.pk).delete()
    assert AuditLog.objects.get(pk=entry.pk).message == "x"


@pytest.mark.django_db
def test_postgresql_refuses_raw_update_and_delete_of_audit_rows():
    if connection.vendor != "postgresql":
        pytest.skip("the database trigger exists on PostgreSQL only; SQLite is covered by the ORM guards")
    entry = audit.record(action=AuditAction.EXPORT, message="raw")
    for sql in ["UPDATE core_auditlog SET message = 'x' WHERE id = %s", "DELETE FROM core_auditlog WHERE id = %s"]:
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [entry.pk])
    assert AuditLog.objects.get(pk=entry.pk).message == "raw"


@pytest.mark.django_db
@pytest.mark.demo
def test_demo_objects_have_their_creation_in_history():
    """The demo smoke set: the demo loader writes through the audited services too."""
    enterprise = Enterprise.objects.get(name="江苏金扬子包装科技有限公司")
    line = AuditLog.objects.for_object(enterprise).get(action=AuditAction.CREATE)
    assert line.after["founded_on"] == "1998-07-01"


@pytest.mark.django_db
def test_created_objects_have_their_creation_in_history(personas):
    line = AuditLog.objects.for_object(personas.ours.enterprise).get(action=AuditAction.CREATE)
    assert line.actor == personas.chief  # personas.py creates it through enterprise_create as 测试链长
    assert line.after["founded_on"] == "2010-05-01"
    assert line.after["name"] == "测试甲企业有限公司"


@pytest.mark.django_db
def test_history_reads_like_a_ledger(personas, django_assert_max_num_queries):
    enterprise = personas.ours.enterprise
    assert enterprise.region == personas.ours.region  # 测试甲区
    audited_update(obj=enterprise, actor=personas.member, region=personas.theirs.region, address="测试乙区测试路2号")
    client = _client(personas.chief)
    url = f"/system/history/enterprises/enterprise/{enterprise.pk}/"
    client.get("/")
    with django_assert_max_num_queries(8):
        page = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "所在地区" in page and "测试甲区" in page and "测试乙区" in page  # labels and names, not ids
    assert "2010-05-01" in page and "测试成员" in page
    assert "region" not in page.replace("region_", "")


@pytest.mark.django_db
def test_history_names_the_system_for_unattended_writes_and_hides_the_own_id(personas):
    chain = personas.ours.chain  # loaded by personas.py as the named system actor FIXTURES, not by a person
    assert AuditLog.objects.for_object(chain).get(action=AuditAction.CREATE).actor is None
    page = _client(personas.liaison).get(f"/system/history/chains/chain/{chain.pk}/").content.decode()
    assert ">系统·测试数据<" in page
    assert "ID：" not in page
