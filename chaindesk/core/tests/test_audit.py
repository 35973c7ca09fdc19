"""The audit trail: every service write leaves one line in the same transaction; nobody can change it."""

import pytest
from django.db import IntegrityError, connection, transaction

from chaindesk.accounts.models import Region
from chaindesk.core import audit, context
from chaindesk.core.exceptions import AppendOnlyError
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.core.services import audited_create, audited_update
from chaindesk.enterprises.models import Enterprise


@pytest.mark.django_db
def test_create_and_update_record_actor_context_and_changed_values(persona):
    actor = persona("wangzh")
    token = context.activate(context.RequestContext(request_id="req-1234abcd", ip="192.0.2.10"))
    try:
        region = audited_create(model=Region, actor=actor, code="321299", name="测试区", level="district")
        audited_update(obj=region, actor=actor, name="测试新区")
        audited_update(obj=region, actor=actor, name="测试新区")  # no change, no line
    finally:
        context.deactivate(token)
    lines = list(AuditLog.objects.for_object(region).order_by("id"))
    assert [line.action for line in lines] == [AuditAction.CREATE, AuditAction.UPDATE]
    created, updated = lines
    assert created.after["name"] == "测试区"
    assert created.actor == actor and created.actor_name == "wangzh"
    assert (created.ip, created.request_id) == ("192.0.2.10", "req-1234abcd")
    assert updated.before == {"name": "测试区"} and updated.after == {"name": "测试新区"}
    assert updated.changed_fields() == [("name", "测试区", "测试新区")]


@pytest.mark.django_db
def test_invalid_write_changes_nothing_and_records_nothing(persona):
    count = AuditLog.objects.count()
    with pytest.raises(Exception):  # noqa: B017 - validation error from full_clean
        audited_create(model=Region, actor=persona("wangzh"), code="bad", name="x", level="district")
    assert AuditLog.objects.count() == count
    assert not Region.objects.filter(name="x").exists()


@pytest.mark.django_db
def test_audit_line_rolls_back_with_the_write(persona):
    count = AuditLog.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        audited_create(model=Region, actor=persona("wangzh"), code="321298", name="回滚区", level="district")
        raise IntegrityError("simulated failure after the write")
    assert AuditLog.objects.count() == count


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
def test_demo_objects_have_their_creation_in_history():
    enterprise = Enterprise.objects.get(name="江苏金扬子包装科技有限公司")
    line = AuditLog.objects.for_object(enterprise).get(action=AuditAction.CREATE)
    assert line.after["founded_on"] == "1998-07-01"


@pytest.mark.django_db
def test_history_reads_like_a_ledger(client_as, persona, django_assert_max_num_queries):
    enterprise = Enterprise.objects.get(name="江苏金扬子包装科技有限公司")
    new_region = Region.objects.get(code="321283")
    audited_update(obj=enterprise, actor=persona("wangzh"), region=new_region, address="泰兴市经济开发区")
    client = client_as("jiangdd")
    url = f"/system/history/enterprises/enterprise/{enterprise.pk}/"
    client.get("/")
    with django_assert_max_num_queries(8):
        page = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "所在地区" in page and "兴化市" in page and "泰兴市" in page  # labels and names, not ids
    assert "1998-07-01" in page and "王志华" in page
    assert "region" not in page.replace("region_", "")


@pytest.mark.django_db
def test_history_names_the_system_for_unattended_writes_and_hides_the_own_id(client_as):
    enterprise = Enterprise.objects.get(name="江苏金扬子包装科技有限公司")
    page = client_as("liming").get(f"/system/history/enterprises/enterprise/{enterprise.pk}/").content.decode()
    assert ">系统·演示数据<" in page  # loaded by the demo command (a named system actor), not by a person
    assert "ID：" not in page
