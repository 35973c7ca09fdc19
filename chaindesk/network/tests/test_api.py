"""The outside network's API (chaindesk/network/api.py) on the fixed personas: talents (the phone as the reader
may read it), R&D partners and enterprises' cooperations, through the pages' forms and services; 404 out of
scope, 403 for a role or a reader the page refuses, 422 with Chinese messages, each write audited."""

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from chaindesk.accounts.models import User
from chaindesk.api import services as token_services
from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.network.models import RdCooperation, RdPartner, Talent, TalentContact
from chaindesk.testkit.personas import Personas

pytestmark = pytest.mark.django_db

PARTNER = "接口测试研究院"


def client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def send(c: Client, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
    return getattr(c, method)(f"/api/{path}", data=json.dumps(payload or {}), content_type="application/json")


def audited(obj: Any, action: str, actor: User) -> bool:
    return AuditLog.objects.for_object(obj).filter(action=action, actor=actor).exists()


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


def fields(body: dict[str, Any]) -> set[str | None]:
    return {e["field"] for e in body["errors"]}


# --- talents ----------------------------------------------------------------------------------------------


def test_a_talent_with_the_phone_as_the_reader_may_read_it(personas: Personas) -> None:
    talent = personas.ours.talent
    body = client(personas.member).get(f"/api/talents/{talent.pk}").json()
    assert body["name"] == "测试甲链能人" and body["phone"] == "13700000000" and body["full_phone"] is True
    assert body["keeper"]["display_name"] == "测试成员" and [c["name"] for c in body["chains"]] == ["测试甲链"]
    assert body["hometown"]["name"] == "测试甲区" and body["may_edit"] is True
    body = client(personas.liaison).get(f"/api/talents/{talent.pk}").json()
    assert body["phone"] == "137****0000" and body["full_phone"] is False and body["may_edit"] is False
    problem(client(personas.x_district).get(f"/api/talents/{talent.pk}"), 404)
    problem(client(personas.ent_user).get(f"/api/talents/{talent.pk}"), 403)


def test_create_a_talent_kept_by_me(personas: Personas) -> None:
    payload = {"name": "接口能人", "city": "北京", "organisation": "某研究所", "chain_ids": [personas.ours.chain.pk]}
    response = send(client(personas.liaison), "post", "talents/", payload)
    assert response.status_code == 201, response.content
    talent = Talent.objects.get(pk=response.json()["id"])
    assert talent.keeper == personas.liaison and list(talent.chains.all()) == [personas.ours.chain]
    assert audited(talent, AuditAction.CREATE, personas.liaison)


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"phone": "手机号"}, "phone", "电话只能包含数字、空格、+ 和 -。"),
        ({"keeper_id": "ent_user"}, "keeper_id", "选择一个有效的选项"),
        ({"city": ""}, "city", "这个字段是必填项。"),
        ({"chain_ids": [987654]}, "chain_ids", "987654"),
    ],
)
def test_create_a_talent_bad_input_is_422(personas: Personas, extra: dict[str, Any], field: str, message: str) -> None:
    if extra.get("keeper_id") == "ent_user":
        extra = {"keeper_id": personas.ent_user.pk}
    payload = {"name": "接口能人", "city": "北京", "organisation": "某研究所", **extra}
    body = problem(send(client(personas.chief), "post", "talents/", payload), 422)
    assert fields(body) == {field} and message in body["detail"]
    assert not Talent.objects.filter(name="接口能人").exists()


def test_create_a_talent_refused_roles(personas: Personas) -> None:
    payload = {"name": "接口能人", "city": "北京", "organisation": "某研究所"}
    problem(send(client(personas.district), "post", "talents/", payload), 403)
    problem(send(client(personas.ent_user), "post", "talents/", payload), 403)
    assert not Talent.objects.filter(name="接口能人").exists()


def test_patch_a_talent(personas: Personas) -> None:
    talent = personas.ours.talent
    response = send(client(personas.chief), "patch", f"talents/{talent.pk}", {"city": "深圳"})
    assert response.status_code == 200, response.content
    talent.refresh_from_db()
    assert talent.city == "深圳" and talent.phone == "13700000000" and talent.keeper == personas.member
    assert audited(talent, AuditAction.UPDATE, personas.chief)
    problem(send(client(personas.liaison), "patch", f"talents/{talent.pk}", {"city": "x"}), 403)
    problem(send(client(personas.x_district), "patch", f"talents/{talent.pk}", {"city": "x"}), 404)
    body = problem(send(client(personas.chief), "patch", f"talents/{talent.pk}", {"organisation": None}), 422)
    assert fields(body) == {"organisation"}


def test_log_a_contact_with_a_talent(personas: Personas) -> None:
    talent, today = personas.ours.talent, personas.today
    payload = {"contacted_on": today.isoformat(), "kind": "meeting", "notes": "接口联系：约定返乡考察。"}
    response = send(client(personas.member), "post", f"talents/{talent.pk}/contacts", payload)
    assert response.status_code == 201, response.content
    assert response.json()["kind_label"] == "见面"
    contact = TalentContact.objects.get(pk=response.json()["id"])
    assert audited(contact, AuditAction.CREATE, personas.member)
    assert Talent.objects.get(pk=talent.pk).last_contact_on == today
    future = {**payload, "contacted_on": (today + dt.timedelta(days=1)).isoformat()}
    body = problem(send(client(personas.member), "post", f"talents/{talent.pk}/contacts", future), 422)
    assert body["errors"] == [{"field": "contacted_on", "detail": "联系日期不能晚于今天。"}]
    problem(send(client(personas.liaison), "post", f"talents/{talent.pk}/contacts", payload), 403)
    assert TalentContact.objects.filter(talent=talent).count() == 1


# --- partners ---------------------------------------------------------------------------------------------


def test_a_partner_with_the_cooperations_the_reader_may_see(personas: Personas) -> None:
    partner = personas.partner
    body = client(personas.chief).get(f"/api/partners/{partner.pk}").json()
    assert body["name"] == "测试大学" and body["may_edit"] is True
    assert [c["id"] for c in body["cooperations"]] == [personas.ours.cooperation.pk]
    body = client(personas.x_ent_user).get(f"/api/partners/{partner.pk}").json()
    assert [c["id"] for c in body["cooperations"]] == [personas.theirs.cooperation.pk] and body["may_edit"] is False
    problem(client(personas.handler).get(f"/api/partners/{partner.pk}"), 403)
    problem(client(personas.chief).get("/api/partners/987654321"), 404)


def test_create_and_patch_a_partner(personas: Personas) -> None:
    payload = {"name": PARTNER, "kind": "institute", "city": "杭州", "fields": "生物材料"}
    response = send(client(personas.liaison), "post", "partners/", payload)
    assert response.status_code == 201, response.content
    partner = RdPartner.objects.get(pk=response.json()["id"])
    assert partner.fields == "生物材料" and audited(partner, AuditAction.CREATE, personas.liaison)
    response = send(client(personas.member), "patch", f"partners/{partner.pk}", {"city": "宁波"})
    assert response.status_code == 200 and response.json()["fields"] == "生物材料"
    partner.refresh_from_db()
    assert partner.city == "宁波" and audited(partner, AuditAction.UPDATE, personas.member)


def test_partner_refusals(personas: Personas) -> None:
    c = client(personas.chief)
    body = problem(send(c, "post", "partners/", {"name": "测试大学", "city": "上海"}), 422)
    assert fields(body) == {"name"} and "已登记，请勿重复添加" in body["detail"]
    body = problem(send(c, "post", "partners/", {"name": PARTNER, "city": "上海", "kind": "bar"}), 422)
    assert "不是可选的值" in json.dumps(body, ensure_ascii=False)
    problem(send(client(personas.ent_user), "post", "partners/", {"name": PARTNER, "city": "上海"}), 403)
    problem(send(client(personas.ent_user), "patch", f"partners/{personas.partner.pk}", {"city": "x"}), 403)
    body = problem(send(c, "patch", f"partners/{personas.partner.pk}", {"name": ""}), 422)
    assert fields(body) == {"name"}
    assert not RdPartner.objects.filter(name=PARTNER).exists()
    assert RdPartner.objects.get(pk=personas.partner.pk).name == "测试大学"


# --- cooperations -----------------------------------------------------------------------------------------


def test_an_enterprises_cooperations_and_one_cooperation(personas: Personas) -> None:
    ours = personas.ours
    (row,) = client(personas.ent_user).get("/api/cooperations/", {"enterprise_id": ours.enterprise.pk}).json()
    assert row["id"] == ours.cooperation.pk and row["partner"] == "测试大学" and row["status_label"] == "进行中"
    assert client(personas.chief).get(f"/api/cooperations/{ours.cooperation.pk}").json() == row
    problem(client(personas.x_ent_user).get("/api/cooperations/", {"enterprise_id": ours.enterprise.pk}), 404)
    problem(client(personas.x_chief).get(f"/api/cooperations/{ours.cooperation.pk}"), 404)
    problem(client(personas.handler).get(f"/api/cooperations/{ours.cooperation.pk}"), 403)


def cooperation(p: Personas, **extra: Any) -> dict[str, Any]:
    return {
        "enterprise_id": p.ours.enterprise.pk,
        "partner_id": p.partner.pk,
        "subject": "接口合作：缓释制剂",
        "started_on": (p.today - dt.timedelta(days=30)).isoformat(),
        **extra,
    }


def test_record_and_edit_a_cooperation(personas: Personas) -> None:
    response = send(client(personas.liaison), "post", "cooperations/", cooperation(personas))
    assert response.status_code == 201, response.content
    made = RdCooperation.objects.get(pk=response.json()["id"])
    assert made.created_by == personas.liaison and audited(made, AuditAction.CREATE, personas.liaison)
    done = {"status": "done", "ended_on": personas.today.isoformat()}
    response = send(client(personas.chief), "patch", f"cooperations/{made.pk}", done)
    assert response.status_code == 200 and response.json()["status_label"] == "已完成"
    line = AuditLog.objects.for_object(made).get(action=AuditAction.UPDATE, actor=personas.chief)
    assert line.message == "状态：进行中 → 已完成"


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"ended_on": "2000-01-01"}, "ended_on", "结束日期不能早于开始日期。"),
        ({"status": "done"}, None, "已完成的合作请填写结束日期。"),
        ({"partner_id": 987654}, "partner_id", "选择一个有效的选项"),
        ({"subject": ""}, "subject", "这个字段是必填项。"),
    ],
)
def test_record_a_cooperation_bad_input_is_422(
    personas: Personas, extra: dict[str, Any], field: str | None, message: str
) -> None:
    body = problem(send(client(personas.liaison), "post", "cooperations/", cooperation(personas, **extra)), 422)
    assert fields(body) == {field} and message in body["detail"]
    assert not RdCooperation.objects.filter(subject="接口合作：缓释制剂").exists()


def test_cooperation_refusals(personas: Personas) -> None:
    made = personas.ours.cooperation
    problem(send(client(personas.ent_user), "post", "cooperations/", cooperation(personas)), 403)
    problem(send(client(personas.x_liaison), "post", "cooperations/", cooperation(personas)), 404)
    problem(send(client(personas.ent_user), "patch", f"cooperations/{made.pk}", {"subject": "x"}), 403)
    problem(send(client(personas.x_chief), "patch", f"cooperations/{made.pk}", {"subject": "x"}), 404)
    assert not RdCooperation.objects.filter(subject__in=["x", "接口合作：缓释制剂"]).exists()


# --- tokens -----------------------------------------------------------------------------------------------


def test_a_read_token_reads_but_cannot_write(personas: Personas) -> None:
    _token, secret = token_services.token_create(
        actor=personas.sysadmin,
        user=personas.chief,
        name="测试只读令牌",
        scopes={"talents": "read", "partners": "read", "cooperations": "read"},
        expires_at=clock.now() + dt.timedelta(days=30),
    )
    bearer = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {secret}"})
    made = personas.ours.cooperation
    assert bearer.get(f"/api/cooperations/{made.pk}").status_code == 200
    assert "仅有只读权限" in problem(send(bearer, "patch", f"cooperations/{made.pk}", {"subject": "x"}), 403)["detail"]
    problem(send(bearer, "post", "partners/", {"name": PARTNER, "city": "杭州"}), 403)
    problem(send(bearer, "patch", f"talents/{personas.ours.talent.pk}", {"city": "x"}), 403)
    assert not RdPartner.objects.filter(name=PARTNER).exists()
    assert RdCooperation.objects.get(pk=made.pk).subject != "x"
