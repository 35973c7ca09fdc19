"""Services: audit lines written, rights checked, bad input refused with a Chinese message and nothing written.

On the fixed personas (chaindesk/testkit/personas.py): the chief and the member are on 测试甲链's team, the
liaison serves our enterprise, x_chief leads 测试乙链 and x_liaison serves theirs."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.network import permissions, services
from chaindesk.network.models import CooperationStatus, RdCooperation, RdPartner, Talent, TalentContact

from . import factories

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too


def _audit(obj, action=AuditAction.CREATE):  # noqa: ANN001, ANN202
    return AuditLog.objects.filter(object_id=str(obj.pk), object_repr=str(obj)[:255], action=action)


# --- talents -------------------------------------------------------------------------------------------


def test_talent_create_is_audited_with_its_chains(personas):
    liaison = personas.liaison
    chain = personas.ours.chain
    talent = services.talent_create(
        actor=liaison,
        name=" 顾测试 ",
        city="上海",
        organisation="复旦大学药学院",
        keeper=liaison,
        hometown=personas.ours.region,
        phone="13912345678",
        chains=[chain],
    )
    assert talent.name == "顾测试" and list(talent.chains.all()) == [chain]
    line = AuditLog.objects.get(
        action=AuditAction.CREATE, object_id=str(talent.pk), actor=liaison, content_type__model="talent"
    )
    assert line.after["name"] == "顾测试"


@pytest.mark.parametrize("key", ["district", "handler", "ent_user"])
def test_talent_create_refused_for_other_roles(personas, key):
    before = Talent.objects.count()
    with pytest.raises(PermissionDenied):
        services.talent_create(
            actor=personas.user(key), name="某", city="上海", organisation="某单位", keeper=personas.liaison
        )
    assert Talent.objects.count() == before


def test_talent_create_refuses_bad_keeper_and_blank_fields(personas):
    before = Talent.objects.count()
    with pytest.raises(ValidationError) as error:
        services.talent_create(
            actor=personas.chief, name="某", city="上海", organisation="某单位", keeper=personas.handler
        )
    assert "联络干部须为在岗的" in error.value.messages[0]
    with pytest.raises(ValidationError) as error:
        services.talent_create(
            actor=personas.chief, name="某", city="  ", organisation="某单位", keeper=personas.liaison
        )
    assert error.value.messages == ["请填写所在城市。"]
    assert Talent.objects.count() == before


def test_talent_update_audits_fields_and_chains(personas):
    talent = factories.talent(personas)
    theirs = personas.theirs.chain
    services.talent_update(actor=personas.chief, talent=talent, city="北京", chains=[theirs])
    talent.refresh_from_db()
    assert talent.city == "北京" and list(talent.chains.all()) == [theirs]
    lines = AuditLog.objects.filter(action=AuditAction.UPDATE, object_id=str(talent.pk), content_type__model="talent")
    assert any(line.after == {"city": "北京"} for line in lines)
    assert any(line.before == {"chains": [personas.ours.chain.pk]} for line in lines)
    assert any(line.after == {"chains": [theirs.pk]} for line in lines)


def test_talent_edit_rights(personas):
    talent = factories.talent(personas)  # kept by the liaison, on 测试甲链
    assert permissions.may_edit_talent(personas.liaison, talent)
    assert permissions.may_edit_talent(personas.chief, talent)
    assert permissions.may_edit_talent(personas.member, talent)
    assert not permissions.may_edit_talent(personas.x_chief, talent)  # chief of another chain
    assert not permissions.may_edit_talent(personas.x_liaison, talent)  # a liaison who is not the keeper
    assert not permissions.may_edit_talent(personas.district, talent)
    with pytest.raises(PermissionDenied):
        services.talent_update(actor=personas.x_chief, talent=talent, city="北京")
    talent.refresh_from_db()
    assert talent.city == "上海"
    unchained = factories.talent(personas, chains=[])
    assert permissions.may_edit_talent(personas.x_chief, unchained)


def test_contact_keeps_the_latest_date_and_is_audited(personas):
    talent = factories.talent(personas)
    liaison, today = personas.liaison, personas.today
    first = services.talent_contact_add(
        actor=liaison, talent=talent, contacted_on=today - dt.timedelta(days=3), notes="电话联系，了解其团队近况。"
    )
    assert talent.last_contact_on == today - dt.timedelta(days=3)
    services.talent_contact_add(
        actor=liaison,
        talent=talent,
        contacted_on=today - dt.timedelta(days=10),
        notes="补记上周的见面。",
        kind="meeting",
    )
    talent.refresh_from_db()
    assert talent.last_contact_on == today - dt.timedelta(days=3)  # an older contact does not move it back
    assert _audit(first).exists()
    derived = AuditLog.objects.filter(
        object_id=str(talent.pk), content_type__model="talent", message="derived from contacts"
    )
    assert derived.count() == 1


def test_contact_refuses_a_future_date_and_blank_notes(personas):
    talent = factories.talent(personas)
    today = personas.today
    with pytest.raises(ValidationError) as error:
        services.talent_contact_add(
            actor=personas.liaison, talent=talent, contacted_on=today + dt.timedelta(days=1), notes="还没联系"
        )
    assert error.value.messages == ["联系日期不能晚于今天。"]
    with pytest.raises(ValidationError) as error:
        services.talent_contact_add(actor=personas.liaison, talent=talent, contacted_on=today, notes="  ")
    assert error.value.messages == ["请填写联系情况。"]
    with pytest.raises(PermissionDenied):
        services.talent_contact_add(actor=personas.x_liaison, talent=talent, contacted_on=today, notes="越权")
    assert not TalentContact.objects.filter(talent=talent).exists()
    talent.refresh_from_db()
    assert talent.last_contact_on is None


# --- partners ------------------------------------------------------------------------------------------


def test_partner_create_audited_and_duplicate_refused(personas):
    partner = services.partner_create(actor=personas.member, name="测试交通大学", city="上海", fields="药学")
    assert _audit(partner).exists()
    with pytest.raises(ValidationError) as error:
        services.partner_create(actor=personas.liaison, name=" 测试交通大学 ", city="北京")
    assert error.value.code == "duplicate_name"
    assert "研发资源“测试交通大学”（上海）已登记，请勿重复添加" in error.value.messages[0]
    assert RdPartner.objects.filter(name="测试交通大学").count() == 1


def test_partner_update_refuses_another_partners_name(personas):
    first = factories.partner(personas, name="测试甲研究院")
    second = factories.partner(personas, name="测试乙研究院")
    with pytest.raises(ValidationError):
        services.partner_update(actor=personas.chief, partner=second, name="测试甲研究院")
    services.partner_update(actor=personas.chief, partner=first, name="测试甲研究院", city="北京")
    second.refresh_from_db()
    assert second.name == "测试乙研究院"
    assert AuditLog.objects.filter(
        action=AuditAction.UPDATE, object_id=str(first.pk), content_type__model="rdpartner", after={"city": "北京"}
    ).exists()


@pytest.mark.parametrize("key", ["ent_user", "handler"])
def test_partner_writes_are_for_officials(personas, key):
    with pytest.raises(PermissionDenied):
        services.partner_create(actor=personas.user(key), name="测试丙大学", city="北京")
    assert not RdPartner.objects.filter(name="测试丙大学").exists()


# --- cooperations --------------------------------------------------------------------------------------


def test_cooperation_create_and_status_change_audited(personas):
    liaison, enterprise = personas.liaison, personas.ours.enterprise
    partner = factories.partner(personas)
    coop = services.cooperation_create(
        actor=liaison,
        enterprise=enterprise,
        partner=partner,
        subject="膜材涂层工艺",
        started_on=dt.date(2026, 1, 5),
        status=CooperationStatus.TALKING,
    )
    assert _audit(coop).exists() and coop.created_by == liaison
    services.cooperation_update(actor=personas.chief, cooperation=coop, status=CooperationStatus.ACTIVE)
    line = AuditLog.objects.get(action=AuditAction.UPDATE, object_id=str(coop.pk), content_type__model="rdcooperation")
    assert line.before == {"status": "talking"} and line.after == {"status": "active"}
    assert line.message == "状态：洽谈中 → 进行中"


def test_cooperation_refuses_end_before_start_and_done_without_end(personas):
    partner = factories.partner(personas)
    liaison, enterprise = personas.liaison, personas.ours.enterprise
    with pytest.raises(ValidationError) as error:
        services.cooperation_create(
            actor=liaison,
            enterprise=enterprise,
            partner=partner,
            subject="工艺",
            started_on=dt.date(2026, 5, 1),
            ended_on=dt.date(2026, 4, 30),
        )
    assert error.value.messages == ["结束日期不能早于开始日期。"]
    with pytest.raises(ValidationError) as error:
        services.cooperation_create(
            actor=liaison,
            enterprise=enterprise,
            partner=partner,
            subject="工艺",
            started_on=dt.date(2026, 5, 1),
            status=CooperationStatus.DONE,
        )
    assert error.value.messages == ["已完成的合作请填写结束日期。"]
    coop = services.cooperation_create(
        actor=liaison, enterprise=enterprise, partner=partner, subject="工艺", started_on=dt.date(2026, 5, 1)
    )
    with pytest.raises(ValidationError):
        services.cooperation_update(actor=liaison, cooperation=coop, ended_on=dt.date(2026, 1, 1))
    coop.refresh_from_db()
    assert coop.ended_on is None
    assert RdCooperation.objects.filter(partner=partner).count() == 1


@pytest.mark.parametrize(
    ("key", "allowed"),
    [
        ("liaison", True),
        ("chief", True),
        ("district", True),
        ("ent_user", False),
        ("x_liaison", False),
        ("x_district", False),
        ("x_chief", False),
        ("handler", False),
    ],
)
def test_cooperation_rights_follow_the_enterprise(personas, key, allowed):
    actor, enterprise = personas.user(key), personas.ours.enterprise
    assert permissions.may_add_cooperation(actor, enterprise) is allowed
    if not allowed:
        partner = factories.partner(personas)
        with pytest.raises(PermissionDenied):
            services.cooperation_create(
                actor=actor, enterprise=enterprise, partner=partner, subject="越权", started_on=dt.date(2026, 1, 1)
            )
        assert not RdCooperation.objects.filter(partner=partner).exists()
