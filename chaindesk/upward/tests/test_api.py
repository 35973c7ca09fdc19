"""The 上争事项 API (chaindesk/upward/api.py) on the fixed personas: one item with its links, create, edit and the
stage move, each for a persona in scope (200/201, with its audit line), one out of scope (404), a role the pages
refuse (403) and bad input (422 with the Chinese message); a stale or forbidden move is 409, as on the page.

The world's own item (`personas.ours.upward`): 测试甲链's, of 测试甲局, in 测试甲区, at 谋划, linked to our enterprise
(served by `p_liaison`, who reads it). Our chain's team, our department's handler and our district admin manage it;
测试乙链's chief does not see it; enterprise users have no 上争事项 pages."""

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from chaindesk.api import services as api_services
from chaindesk.api.tests.test_problem_json import assert_problem
from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.projects.tests.factories import login
from chaindesk.testkit.personas import Personas
from chaindesk.upward.choices import UpwardStage
from chaindesk.upward.models import UpwardRequest

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # stage dates are checked against today


def _json(client: Client, method: str, path: str, payload: dict[str, Any]) -> Any:
    return getattr(client, method)(path, data=json.dumps(payload, default=str), content_type="application/json")


def _lines(obj: Any, action: str) -> Any:
    kind = ContentType.objects.get_for_model(type(obj))
    return AuditLog.objects.filter(content_type=kind, object_id=str(obj.pk), action=action)


@pytest.fixture
def item(personas: Personas) -> UpwardRequest:
    return personas.ours.upward


def url(item: UpwardRequest, action: str = "") -> str:
    return f"/api/upward/{item.pk}" + (f"/{action}" if action else "")


def _new(p: Personas, **fields: Any) -> dict[str, Any]:
    values = {
        "title": "争取省级试点",
        "kind": "pilot",
        "level": "province",
        "counterpart": "省发展改革委",
        "department_id": p.ours.department.pk,
        "chain_id": p.ours.chain.pk,
    }
    return values | fields


def test_anonymous_is_refused(client: Client, item: UpwardRequest) -> None:
    assert_problem(client.get(url(item)), 401)


def test_one_item_with_its_links_and_buttons(personas: Personas, item: UpwardRequest) -> None:
    body = login(personas.chief).get(url(item)).json()
    assert body["title"] == item.title and body["stage"] == "planning" and body["stage_label"] == "谋划"
    assert body["department"] == personas.ours.department.name and Decimal(body["amount_sought"]) == 500
    assert body["enterprises"] == [
        {"id": personas.ours.enterprise.pk, "name": personas.ours.enterprise.name, "visible": True}
    ]
    assert body["may_manage"] is True and body["allowed_stages"] == ["applied"]
    reader = login(personas.liaison).get(url(item)).json()  # linked to the enterprise they serve: reads only
    assert reader["may_manage"] is False and reader["allowed_stages"] == []
    assert login(personas.handler).get(url(item)).json()["may_manage"] is True


def test_out_of_scope_is_404_and_other_roles_403(personas: Personas, item: UpwardRequest) -> None:
    assert_problem(login(personas.x_chief).get(url(item)), 404)
    assert_problem(login(personas.x_handler).get(url(item)), 404)
    assert_problem(login(personas.chief).get("/api/upward/987654321"), 404)
    assert_problem(login(personas.ent_user).get(url(item)), 403)


def test_the_list_still_answers_beside_the_create(personas: Personas, item: UpwardRequest) -> None:
    response = login(personas.chief).get("/api/upward/")
    assert response.status_code == 200 and item.title in {row["title"] for row in response.json()["items"]}


def test_create_by_the_team_and_by_a_department_handler(personas: Personas) -> None:
    p = personas
    payload = _new(p, enterprise_ids=[p.ours.enterprise.pk], deadline="2026-12-31", amount_sought="1200")
    response = _json(login(p.chief), "post", "/api/upward/", payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["stage"] == "planning" and [e["id"] for e in body["enterprises"]] == [p.ours.enterprise.pk]
    assert _lines(UpwardRequest.objects.get(pk=body["id"]), AuditAction.CREATE).exists()
    mine = _json(login(p.handler), "post", "/api/upward/", _new(p, chain_id=None, title="部门争取的资金"))
    assert mine.status_code == 201 and mine.json()["chain_id"] is None


@pytest.mark.parametrize(
    ("persona", "fields", "field", "message"),
    [
        ("chief", {"chain_id": None}, "chain_id", "这个字段是必填项"),
        ("x_chief", {}, "chain_id", "选择一个有效的选项"),
        ("handler", {"department_id": "theirs"}, "department_id", "选择一个有效的选项"),
        ("chief", {"window_opens_on": "2026-12-01", "deadline": "2026-11-30"}, "deadline", "申报截止日期不能早于"),
        ("chief", {"amount_obtained": "100"}, "amount_obtained", "获批金额只能在事项“获批”后填写。"),
        ("chief", {"enterprise_ids": ["theirs"]}, "enterprise_ids", "选择一个有效的选项"),
    ],
)
def test_create_refuses_bad_input_with_the_message(
    personas: Personas, persona: str, fields: dict, field: str, message: str
) -> None:
    p = personas
    swap = {"theirs": p.theirs.department.pk} if field == "department_id" else {"theirs": p.theirs.enterprise.pk}
    fields = {k: [swap[x] for x in v] if isinstance(v, list) else swap.get(v, v) for k, v in fields.items()}
    before = UpwardRequest.objects.count()
    body = assert_problem(_json(login(getattr(p, persona)), "post", "/api/upward/", _new(p, **fields)), 422)
    assert any(e["field"] == field and message in e["detail"] for e in body["errors"]), body
    assert UpwardRequest.objects.count() == before


def test_create_by_a_reader_only_role_is_403(personas: Personas) -> None:
    assert_problem(_json(login(personas.liaison), "post", "/api/upward/", _new(personas)), 403)
    assert_problem(_json(login(personas.ent_user), "post", "/api/upward/", _new(personas)), 403)


def test_edit_changes_only_what_is_sent(personas: Personas, item: UpwardRequest) -> None:
    response = _json(login(personas.handler), "patch", url(item), {"counterpart": "工业和信息化部", "level": "state"})
    assert response.status_code == 200, response.content
    item.refresh_from_db()
    assert (item.counterpart, item.level, item.chain) == ("工业和信息化部", "state", personas.ours.chain)
    assert list(item.enterprises.all()) == [personas.ours.enterprise]  # links not sent: kept
    assert _lines(item, AuditAction.UPDATE).exists()
    response = _json(login(personas.chief), "patch", url(item), {"enterprise_ids": []})
    assert response.status_code == 200 and response.json()["enterprises"] == []


def test_edit_refusals(personas: Personas, item: UpwardRequest) -> None:
    assert_problem(_json(login(personas.liaison), "patch", url(item), {"title": "越权"}), 403)
    assert_problem(_json(login(personas.x_chief), "patch", url(item), {"title": "越权"}), 404)
    body = assert_problem(_json(login(personas.chief), "patch", url(item), {"amount_obtained": 300}), 422)
    assert "获批金额只能在事项“获批”后填写。" in body["detail"]
    bad = {"enterprise_ids": [personas.theirs.enterprise.pk]}
    assert (
        assert_problem(_json(login(personas.chief), "patch", url(item), bad), 422)["errors"][0]["field"]
        == "enterprise_ids"
    )
    assert UpwardRequest.objects.get(pk=item.pk).title == item.title


def test_advance_to_approved_with_the_amount(personas: Personas, item: UpwardRequest) -> None:
    chief = login(personas.chief)
    response = _json(chief, "post", url(item, "advance"), {"to_stage": "applied", "expected_stage": "planning"})
    assert response.status_code == 200 and response.json()["allowed_stages"] == ["reviewing", "approved", "declined"]
    response = _json(chief, "post", url(item, "advance"), {"to_stage": "approved", "amount_obtained": "450"})
    assert response.status_code == 200, response.content
    assert response.json()["stage"] == "approved" and Decimal(response.json()["amount_obtained"]) == 450
    assert _lines(item, AuditAction.TRANSITION).count() == 2


def test_advance_refusals(personas: Personas, item: UpwardRequest) -> None:
    chief = login(personas.chief)
    body = assert_problem(_json(chief, "post", url(item, "advance"), {"to_stage": "approved"}), 409)
    assert "上争事项不能从“谋划”变更为“获批”。" in body["detail"]
    stale = _json(chief, "post", url(item, "advance"), {"to_stage": "applied", "expected_stage": "reviewing"})
    assert "该事项的阶段已被他人变更为“谋划”" in assert_problem(stale, 409)["detail"]
    future = (clock.today() + dt.timedelta(days=1)).isoformat()
    body = assert_problem(_json(chief, "post", url(item, "advance"), {"to_stage": "applied", "on": future}), 422)
    assert "变更日期不能晚于今天。" in body["detail"]
    assert_problem(_json(chief, "post", url(item, "advance"), {"to_stage": "applied", "amount_obtained": -1}), 422)
    assert_problem(_json(login(personas.liaison), "post", url(item, "advance"), {"to_stage": "applied"}), 403)
    assert_problem(_json(login(personas.x_chief), "post", url(item, "advance"), {"to_stage": "applied"}), 404)
    assert UpwardRequest.objects.get(pk=item.pk).stage == UpwardStage.PLANNING


def test_a_read_token_reads_but_cannot_write(personas: Personas, item: UpwardRequest) -> None:
    _token, secret = api_services.token_create(
        actor=personas.sysadmin,
        user=personas.chief,
        name="省级申报平台",
        scopes={"upward": "read"},
        expires_at=clock.now() + dt.timedelta(days=30),
    )
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {secret}"})
    assert client.get(url(item)).status_code == 200
    assert "仅有只读权限" in assert_problem(_json(client, "patch", url(item), {"title": "令牌改名"}), 403)["detail"]
    assert_problem(_json(client, "post", url(item, "advance"), {"to_stage": "applied"}), 403)
    assert UpwardRequest.objects.get(pk=item.pk).stage == UpwardStage.PLANNING
