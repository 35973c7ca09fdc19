"""The enterprise registry's API (chaindesk/enterprises/api.py) on the fixed personas: one enterprise as its page
shows it (phones masked for readers who do not serve it), registering (the form's cleaning, the similar-names
confirmation), the profile, contacts and indicators through the page's services; 404 out of scope, 403 for a
role the page refuses, 422 with Chinese messages, each write audited."""

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from chaindesk.accounts.models import User
from chaindesk.api import services as token_services
from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.enterprises.models import Contact, Enterprise, Indicator
from chaindesk.testkit.personas import Personas, make_uscc

pytestmark = pytest.mark.django_db

NEW_NAME = "测试接口新材料科技有限公司"


def client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def send(c: Client, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
    return getattr(c, method)(
        f"/api/enterprises/{path}", data=json.dumps(payload or {}), content_type="application/json"
    )


def audited(obj: Any, action: str, actor: User) -> bool:
    return AuditLog.objects.for_object(obj).filter(action=action, actor=actor).exists()


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


def new_enterprise(p: Personas, **extra: Any) -> dict[str, Any]:
    return {
        "name": NEW_NAME,
        "uscc": make_uscc(NEW_NAME, p.ours.region.code),
        "region_id": p.ours.region.pk,
        "node_ids": [p.ours.node.pk],
        **extra,
    }


# --- reading ----------------------------------------------------------------------------------------------


def test_detail_shows_the_page_with_phones_as_the_reader_may_read_them(personas: Personas) -> None:
    ours = personas.ours.enterprise
    body = client(personas.chief).get(f"/api/enterprises/{ours.pk}").json()
    assert body["name"] == ours.name and body["region"] == "测试甲区"
    assert [c["name"] for c in body["chains"]] == ["测试甲链"] and body["nodes"][0]["chain"] == "测试甲链"
    assert body["liaison"]["display_name"] == "测试专员" and body["leader"]["display_name"] == "测试链长"
    assert body["contacts"] == [
        {
            "id": personas.ours.contact.pk,
            "name": "测试联系人",
            "title": "总经理",
            "phone": "13900000000",
            "is_primary": True,
        }
    ]
    (year,) = body["indicators"]
    assert year["year"] == personas.today.year - 1 and Decimal(str(year["revenue"])) == Decimal("12000")
    assert body["may_edit"] and body["may_edit_details"]
    # the district admin sees the enterprise, but does not serve it: the phone masked, as on the page
    district = client(personas.district).get(f"/api/enterprises/{ours.pk}").json()
    assert district["contacts"][0]["phone"] == "139****0000"
    assert client(personas.ent_user).get(f"/api/enterprises/{ours.pk}").json()["contacts"][0]["phone"] == "13900000000"


def test_detail_out_of_scope_is_404_and_a_role_the_page_refuses_403(personas: Personas) -> None:
    ours = personas.ours.enterprise
    problem(client(personas.x_chief).get(f"/api/enterprises/{ours.pk}"), 404)
    problem(client(personas.x_ent_user).get(f"/api/enterprises/{ours.pk}"), 404)
    problem(client(personas.chief).get("/api/enterprises/987654321"), 404)
    problem(client(personas.handler).get(f"/api/enterprises/{ours.pk}"), 403)


# --- registering ------------------------------------------------------------------------------------------


def test_create_registers_through_the_service_and_audits(personas: Personas) -> None:
    code = make_uscc(NEW_NAME, "329901")
    payload = new_enterprise(personas, uscc=f" {code[:9].lower()} {code[9:]} ", founded_on="2020-03-01")
    response = send(client(personas.member), "post", "", payload)
    assert response.status_code == 201, response.content
    body = response.json()
    enterprise = Enterprise.objects.get(pk=body["id"])
    assert enterprise.uscc == code  # spaces dropped, upper-cased, as the form does
    assert body["chains"][0]["name"] == "测试甲链" and body["founded_on"] == "2020-03-01"
    assert audited(enterprise, AuditAction.CREATE, personas.member)


def test_a_similar_name_needs_confirm_similar(personas: Personas) -> None:
    c = client(personas.chief)
    payload = new_enterprise(personas, name="测试甲企业股份有限公司", uscc=make_uscc("相近", "329901"))
    body = problem(send(c, "post", "", payload), 422)
    assert "测试甲企业有限公司" in body["detail"] and body["errors"][0]["field"] == "confirm_similar"
    assert not Enterprise.objects.filter(name="测试甲企业股份有限公司").exists()
    assert send(c, "post", "", {**payload, "confirm_similar": True}).status_code == 201


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"uscc": "91329901ABCDEFGH12"}, "uscc", "统一社会信用代码“91329901ABCDEFGH12”无效"),
        ({"name": "  "}, "name", "这个字段是必填项。"),
        ({"node_ids": []}, "node_ids", "请至少选择一个您所在产业链的环节"),
    ],
)
def test_create_refuses_bad_input_with_the_forms_messages(
    personas: Personas, extra: dict[str, Any], field: str, message: str
) -> None:
    body = problem(send(client(personas.member), "post", "", new_enterprise(personas, **extra)), 422)
    assert [e["field"] for e in body["errors"]] == [field] and message in body["detail"]
    assert not Enterprise.objects.filter(name=NEW_NAME).exists()


def test_create_refuses_a_registered_uscc_on_the_uscc_field(personas: Personas) -> None:
    body = problem(
        send(
            client(personas.chief),
            "post",
            "",
            new_enterprise(personas, uscc=personas.ours.enterprise.uscc, confirm_similar=True),
        ),
        422,
    )
    assert body["errors"] == [{"field": "uscc", "detail": f"该统一社会信用代码已登记：{personas.ours.enterprise.name}"}]


def test_create_by_roles_the_page_refuses_is_403_and_out_of_scope_nodes_422(personas: Personas) -> None:
    for user in (personas.liaison, personas.ent_user, personas.handler):
        problem(send(client(user), "post", "", new_enterprise(personas)), 403)
    body = problem(send(client(personas.x_chief), "post", "", new_enterprise(personas)), 422)  # not their node
    assert body["errors"][0]["field"] == "node_ids"
    assert not Enterprise.objects.filter(name=NEW_NAME).exists()


# --- the profile ------------------------------------------------------------------------------------------


def test_patch_changes_only_the_fields_given(personas: Personas) -> None:
    ours = personas.ours.enterprise
    response = send(client(personas.liaison), "patch", f"{ours.pk}", {"address": "测试甲区新地址8号"})
    assert response.status_code == 200, response.content
    ours.refresh_from_db()
    assert ours.address == "测试甲区新地址8号" and ours.name == "测试甲企业有限公司"
    assert list(ours.nodes.all()) == [personas.ours.node]
    assert audited(ours, AuditAction.UPDATE, personas.liaison)


def test_patch_refusals(personas: Personas) -> None:
    ours = personas.ours.enterprise
    problem(send(client(personas.x_liaison), "patch", f"{ours.pk}", {"address": "x"}), 404)
    problem(send(client(personas.ent_user), "patch", f"{ours.pk}", {"address": "x"}), 403)
    body = problem(send(client(personas.chief), "patch", f"{ours.pk}", {"uscc": "123"}), 422)
    assert body["errors"][0]["field"] == "uscc" and "无效" in body["detail"]
    body = problem(
        send(client(personas.chief), "patch", f"{ours.pk}", {"region_id": personas.theirs.region.pk + 99999}), 422
    )
    assert body["errors"][0]["field"] == "region_id"
    ours.refresh_from_db()
    assert ours.address == "测试甲区测试路1号"


def test_ids_past_the_databases_range_are_unknown_choices_not_a_server_error(personas: Personas) -> None:
    """A pk past 2**63 in a multiple choice was an OverflowError on SQLite (found by schemathesis)."""
    ours, huge = personas.ours.enterprise, 2**64
    for payload, field in (({"qualification_ids": [huge]}, "qualification_ids"), ({"node_ids": [-huge]}, "node_ids")):
        body = problem(send(client(personas.chief), "patch", f"{ours.pk}", payload), 422)
        assert [e["field"] for e in body["errors"]] == [field]
    body = problem(send(client(personas.chief), "post", "", new_enterprise(personas, node_ids=[huge])), 422)
    assert [e["field"] for e in body["errors"]] == ["node_ids"]
    assert list(ours.nodes.all()) == [personas.ours.node]


# --- contacts ---------------------------------------------------------------------------------------------


def test_contacts_added_changed_and_deleted_by_the_enterprises_own_user(personas: Personas) -> None:
    ours, c = personas.ours.enterprise, client(personas.ent_user)
    response = send(c, "post", f"{ours.pk}/contacts", {"name": "测试财务", "phone": "13811112222"})
    assert response.status_code == 201, response.content
    contact = Contact.objects.get(pk=response.json()["id"])
    assert response.json()["phone"] == "13811112222" and audited(contact, AuditAction.CREATE, personas.ent_user)
    response = send(c, "patch", f"{ours.pk}/contacts/{contact.pk}", {"title": "财务总监"})
    assert response.status_code == 200 and response.json()["name"] == "测试财务"
    contact.refresh_from_db()
    assert contact.title == "财务总监" and audited(contact, AuditAction.UPDATE, personas.ent_user)
    assert send(c, "delete", f"{ours.pk}/contacts/{contact.pk}").status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert audited(contact, AuditAction.DELETE, personas.ent_user)


def test_a_contact_written_by_a_reader_who_does_not_serve_it_comes_back_masked(personas: Personas) -> None:
    response = send(
        client(personas.district),
        "post",
        f"{personas.ours.enterprise.pk}/contacts",
        {"name": "测试区联络", "phone": "13855556666"},
    )
    assert response.status_code == 201 and response.json()["phone"] == "138****6666"
    assert Contact.objects.get(pk=response.json()["id"]).phone == "13855556666"


def test_contact_refusals(personas: Personas) -> None:
    ours, contact = personas.ours.enterprise, personas.ours.contact
    problem(send(client(personas.x_ent_user), "post", f"{ours.pk}/contacts", {"name": "x"}), 404)
    problem(send(client(personas.handler), "post", f"{ours.pk}/contacts", {"name": "x"}), 403)
    body = problem(send(client(personas.liaison), "post", f"{ours.pk}/contacts", {"name": "x", "phone": "电话"}), 422)
    assert body["errors"] == [{"field": "phone", "detail": "电话只能包含数字、空格、+ 和 -。"}]
    theirs = personas.theirs.contact.pk  # another enterprise's contact under ours: not found
    problem(send(client(personas.chief), "patch", f"{ours.pk}/contacts/{theirs}", {"title": "x"}), 404)
    problem(send(client(personas.x_chief), "delete", f"{ours.pk}/contacts/{contact.pk}"), 404)
    assert Contact.objects.filter(pk=contact.pk, title="总经理").exists()


# --- indicators -------------------------------------------------------------------------------------------


def test_indicators_of_a_year_set_in_wan_with_the_change_on_the_year_before(personas: Personas) -> None:
    ours, year = personas.ours.enterprise, personas.today.year
    payload = {"revenue": 13200, "tax": "630.5", "employees": 160, "rd_spend": None}
    response = send(client(personas.ent_user), "put", f"{ours.pk}/indicators/{year}", payload)
    assert response.status_code == 200, response.content
    body = response.json()
    assert Decimal(str(body["revenue"])) == Decimal("13200") and Decimal(str(body["tax"])) == Decimal("630.50")
    assert Decimal(str(body["yoy"]["revenue_yoy"])) == Decimal("10.0") and body["rd_spend"] is None
    indicator = Indicator.objects.get(enterprise=ours, year=year)
    assert indicator.employees == 160 and audited(indicator, AuditAction.CREATE, personas.ent_user)


@pytest.mark.parametrize(
    ("path_year", "payload", "field", "message"),
    [
        (2019, {"revenue": -5}, "revenue", "无法识别金额“-5”"),
        (2019, {"tax": 1e15}, "tax", "金额过大，请检查单位（按万元计）。"),
        (2019, {"revenue": 8.85e176}, "revenue", "金额过大，请检查单位（按万元计）。"),  # was a 500 (schemathesis)
        (1800, {}, "year", "1949"),
        (2019, {"revenue": "五亿"}, "revenue", "须为数字。"),
    ],
)
def test_indicator_bad_input_is_422_in_chinese(
    personas: Personas, path_year: int, payload: dict[str, Any], field: str, message: str
) -> None:
    ours = personas.ours.enterprise
    body = problem(send(client(personas.liaison), "put", f"{ours.pk}/indicators/{path_year}", payload), 422)
    assert body["errors"][0]["field"] == field and message in json.dumps(body, ensure_ascii=False)
    assert not Indicator.objects.filter(enterprise=ours, year=path_year).exists()


def test_indicator_refusals(personas: Personas) -> None:
    ours = personas.ours.enterprise
    problem(send(client(personas.x_liaison), "put", f"{ours.pk}/indicators/2025", {"revenue": 1}), 404)
    problem(send(client(personas.handler), "put", f"{ours.pk}/indicators/2025", {"revenue": 1}), 403)


# --- tokens -----------------------------------------------------------------------------------------------


def test_a_read_token_reads_but_cannot_write(personas: Personas) -> None:
    _token, secret = token_services.token_create(
        actor=personas.sysadmin,
        user=personas.chief,
        name="测试只读令牌",
        scopes={"enterprises": "read"},
        expires_at=clock.now() + dt.timedelta(days=30),
    )
    bearer = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {secret}"})
    ours = personas.ours.enterprise
    assert bearer.get(f"/api/enterprises/{ours.pk}").status_code == 200
    body = problem(send(bearer, "patch", f"{ours.pk}", {"address": "令牌改的地址"}), 403)
    assert "仅有只读权限" in body["detail"]
    problem(send(bearer, "post", "", new_enterprise(personas)), 403)
    ours.refresh_from_db()
    assert ours.address != "令牌改的地址" and not Enterprise.objects.filter(name=NEW_NAME).exists()
