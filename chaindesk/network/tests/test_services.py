"""Services: audit lines written, rights checked, bad input refused with a Chinese message and nothing written."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chaindesk.accounts.models import Region
from chaindesk.chains.models import Chain
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.network import permissions, services
from chaindesk.network.models import CooperationStatus, RdCooperation, RdPartner, Talent, TalentContact

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too


def _audit(obj, action=AuditAction.CREATE):  # noqa: ANN001, ANN202
    return AuditLog.objects.filter(object_id=str(obj.pk), object_repr=str(obj)[:255], action=action)


# --- talents -------------------------------------------------------------------------------------------


def test_talent_create_is_audited_with_its_chains(persona):
    liming = persona("liming")
    biomed = Chain.objects.get(code="biomed")
    talent = services.talent_create(
        actor=liming,
        name=" 顾测试 ",
        city="上海",
        organisation="复旦大学药学院",
        keeper=liming,
        hometown=Region.objects.get(code="321281"),
        phone="13912345678",
        chains=[biomed],
    )
    assert talent.name == "顾测试" and list(talent.chains.all()) == [biomed]
    line = AuditLog.objects.get(
        action=AuditAction.CREATE, object_id=str(talent.pk), actor=liming, content_type__model="talent"
    )
    assert line.after["name"] == "顾测试"


@pytest.mark.parametrize("username", ["zhoutao", "chenjing", "liuyang"])
def test_talent_create_refused_for_other_roles(persona, username):
    with pytest.raises(PermissionDenied):
        services.talent_create(
            actor=persona(username), name="某", city="上海", organisation="某单位", keeper=persona("liming")
        )


def test_talent_create_refuses_bad_keeper_and_blank_fields(persona):
    before = Talent.objects.count()
    with pytest.raises(ValidationError) as error:
        services.talent_create(
            actor=persona("jiangdd"), name="某", city="上海", organisation="某单位", keeper=persona("chenjing")
        )
    assert "联络干部须为在岗的" in error.value.messages[0]
    with pytest.raises(ValidationError) as error:
        services.talent_create(
            actor=persona("jiangdd"), name="某", city="  ", organisation="某单位", keeper=persona("liming")
        )
    assert error.value.messages == ["请填写所在城市。"]
    assert Talent.objects.count() == before


def test_talent_update_audits_fields_and_chains(persona, make_talent):
    talent = make_talent()
    chem = Chain.objects.get(code="chem")
    services.talent_update(actor=persona("jiangdd"), talent=talent, city="北京", chains=[chem])
    talent.refresh_from_db()
    assert talent.city == "北京" and list(talent.chains.all()) == [chem]
    lines = AuditLog.objects.filter(action=AuditAction.UPDATE, object_id=str(talent.pk), content_type__model="talent")
    assert any(line.after == {"city": "北京"} for line in lines)
    assert any(line.after == {"chains": [chem.pk]} for line in lines)


def test_talent_edit_rights(persona, make_talent):
    talent = make_talent()  # kept by liming, on 生物医药
    assert permissions.may_edit_talent(persona("liming"), talent)
    assert permissions.may_edit_talent(persona("jiangdd"), talent)
    assert permissions.may_edit_talent(persona("wangzh"), talent)
    assert not permissions.may_edit_talent(persona("lead_equip"), talent)  # chief of another chain
    assert not permissions.may_edit_talent(persona("lz_321282"), talent)  # a liaison who is not the keeper
    assert not permissions.may_edit_talent(persona("zhoutao"), talent)
    with pytest.raises(PermissionDenied):
        services.talent_update(actor=persona("lead_equip"), talent=talent, city="北京")
    unchained = make_talent(chains=[])
    assert permissions.may_edit_talent(persona("lead_equip"), unchained)


def test_contact_keeps_the_latest_date_and_is_audited(persona, make_talent, today):
    talent = make_talent()
    liming = persona("liming")
    first = services.talent_contact_add(
        actor=liming, talent=talent, contacted_on=today - dt.timedelta(days=3), notes="电话联系，了解其团队近况。"
    )
    assert talent.last_contact_on == today - dt.timedelta(days=3)
    services.talent_contact_add(
        actor=liming,
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


def test_contact_refuses_a_future_date_and_blank_notes(persona, make_talent, today):
    talent = make_talent()
    with pytest.raises(ValidationError) as error:
        services.talent_contact_add(
            actor=persona("liming"), talent=talent, contacted_on=today + dt.timedelta(days=1), notes="还没联系"
        )
    assert error.value.messages == ["联系日期不能晚于今天。"]
    with pytest.raises(ValidationError) as error:
        services.talent_contact_add(actor=persona("liming"), talent=talent, contacted_on=today, notes="  ")
    assert error.value.messages == ["请填写联系情况。"]
    with pytest.raises(PermissionDenied):
        services.talent_contact_add(actor=persona("lz_321282"), talent=talent, contacted_on=today, notes="越权")
    assert not TalentContact.objects.filter(talent=talent).exists()
    talent.refresh_from_db()
    assert talent.last_contact_on is None


# --- partners ------------------------------------------------------------------------------------------


def test_partner_create_audited_and_duplicate_refused(persona):
    partner = services.partner_create(actor=persona("wangzh"), name="测试交通大学", city="上海", fields="药学")
    assert _audit(partner).exists()
    with pytest.raises(ValidationError) as error:
        services.partner_create(actor=persona("liming"), name=" 测试交通大学 ", city="北京")
    assert error.value.code == "duplicate_name"
    assert "研发资源“测试交通大学”（上海）已登记，请勿重复添加" in error.value.messages[0]
    assert RdPartner.objects.filter(name="测试交通大学").count() == 1


def test_partner_update_refuses_another_partners_name(persona, make_partner):
    first, second = make_partner(name="测试甲研究院"), make_partner(name="测试乙研究院")
    with pytest.raises(ValidationError):
        services.partner_update(actor=persona("jiangdd"), partner=second, name="测试甲研究院")
    services.partner_update(actor=persona("jiangdd"), partner=first, name="测试甲研究院", city="北京")
    second.refresh_from_db()
    assert second.name == "测试乙研究院"
    assert AuditLog.objects.filter(
        action=AuditAction.UPDATE, object_id=str(first.pk), content_type__model="rdpartner", after={"city": "北京"}
    ).exists()


@pytest.mark.parametrize("username", ["liuyang", "chenjing"])
def test_partner_writes_are_for_officials(persona, username):
    with pytest.raises(PermissionDenied):
        services.partner_create(actor=persona(username), name="测试丙大学", city="北京")


# --- cooperations --------------------------------------------------------------------------------------


def test_cooperation_create_and_status_change_audited(persona, boshen, make_partner):
    liming = persona("liming")
    partner = make_partner()
    coop = services.cooperation_create(
        actor=liming,
        enterprise=boshen,
        partner=partner,
        subject="膜材涂层工艺",
        started_on=dt.date(2026, 1, 5),
        status=CooperationStatus.TALKING,
    )
    assert _audit(coop).exists() and coop.created_by == liming
    services.cooperation_update(actor=persona("jiangdd"), cooperation=coop, status=CooperationStatus.ACTIVE)
    line = AuditLog.objects.get(action=AuditAction.UPDATE, object_id=str(coop.pk), content_type__model="rdcooperation")
    assert line.before == {"status": "talking"} and line.after == {"status": "active"}
    assert line.message == "状态：洽谈中 → 进行中"


def test_cooperation_refuses_end_before_start_and_done_without_end(persona, boshen, make_partner):
    partner = make_partner()
    liming = persona("liming")
    with pytest.raises(ValidationError) as error:
        services.cooperation_create(
            actor=liming,
            enterprise=boshen,
            partner=partner,
            subject="工艺",
            started_on=dt.date(2026, 5, 1),
            ended_on=dt.date(2026, 4, 30),
        )
    assert error.value.messages == ["结束日期不能早于开始日期。"]
    with pytest.raises(ValidationError) as error:
        services.cooperation_create(
            actor=liming,
            enterprise=boshen,
            partner=partner,
            subject="工艺",
            started_on=dt.date(2026, 5, 1),
            status=CooperationStatus.DONE,
        )
    assert error.value.messages == ["已完成的合作请填写结束日期。"]
    coop = services.cooperation_create(
        actor=liming, enterprise=boshen, partner=partner, subject="工艺", started_on=dt.date(2026, 5, 1)
    )
    with pytest.raises(ValidationError):
        services.cooperation_update(actor=liming, cooperation=coop, ended_on=dt.date(2026, 1, 1))
    coop.refresh_from_db()
    assert coop.ended_on is None
    assert RdCooperation.objects.filter(partner=partner).count() == 1


@pytest.mark.parametrize(
    ("username", "allowed"),
    [
        ("liming", True),
        ("jiangdd", True),
        ("zhoutao", True),
        ("liuyang", False),
        ("lz_321282", False),
        ("da_321282", False),
        ("lead_equip", False),
        ("chenjing", False),
    ],
)
def test_cooperation_rights_follow_the_enterprise(persona, boshen, make_partner, username, allowed):
    actor = persona(username)
    assert permissions.may_add_cooperation(actor, boshen) is allowed
    if not allowed:
        with pytest.raises(PermissionDenied):
            services.cooperation_create(
                actor=actor, enterprise=boshen, partner=make_partner(), subject="越权", started_on=dt.date(2026, 1, 1)
            )
