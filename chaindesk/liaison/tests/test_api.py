"""One-to-one service's API (chaindesk/liaison/api.py) on the fixed personas: an enterprise's service and the
liaison assignment under /api/assignments/, visits under /api/visits/ (enterprise users never read the notes,
issues, next steps or photos), through the pages' forms and services; 404 out of scope, 403 for a role or a
reader the page refuses, 422 with Chinese messages, each write audited."""

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from chaindesk.accounts.models import User
from chaindesk.api import services as token_services
from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison.models import LiaisonAssignment, NextStep, Visit
from chaindesk.testkit.personas import Personas

pytestmark = pytest.mark.django_db

NOTES = "接口走访：企业新线调试顺利。"


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


def day(p: Personas, days: int) -> str:
    return (p.today + dt.timedelta(days=days)).isoformat()


# --- assignments ------------------------------------------------------------------------------------------


def test_an_enterprises_service_as_officials_read_it(personas: Personas) -> None:
    ours = personas.ours.enterprise
    body = client(personas.chief).get(f"/api/assignments/{ours.pk}").json()
    assert body["id"] == ours.pk and body["liaison"]["display_name"] == "测试专员"
    assert body["leader"]["display_name"] == "测试链长" and body["current"]["note"] == "测试挂钩"
    assert [p["id"] for p in body["history"]] == [personas.ours.assignment.pk]
    assert body["open_steps"] == 1 and body["stale"] is False and body["may_assign"] is True
    assert client(personas.liaison).get(f"/api/assignments/{ours.pk}").json()["may_assign"] is False
    problem(client(personas.x_chief).get(f"/api/assignments/{ours.pk}"), 404)
    problem(client(personas.ent_user).get(f"/api/assignments/{ours.pk}"), 403)


def test_assign_hands_over_through_the_service(personas: Personas) -> None:
    ours = personas.ours.enterprise
    payload = {"liaison_id": personas.x_liaison.pk, "note": "接口交接"}
    response = send(client(personas.district), "post", f"assignments/{ours.pk}", payload)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["liaison"]["display_name"] == "乙区专员" and body["current"]["started_on"] == personas.today.isoformat()
    assert body["history"][1]["ended_on"] == personas.today.isoformat()
    new = LiaisonAssignment.objects.get(pk=body["current"]["id"])
    assert audited(new, AuditAction.CREATE, personas.district)
    assert Enterprise.objects.get(pk=ours.pk).liaison == personas.x_liaison


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"liaison_id": "chief"}, "liaison_id", "选择一个有效的选项"),  # a city leader is no liaison
        ({"liaison_id": "x_liaison", "started_on": "2000-01-01"}, None, "开始日期不能早于现任挂钩服务专员的开始日期"),
        ({"liaison_id": "x_liaison", "note": "长" * 201}, "note", "过长"),
    ],
)
def test_assign_bad_input_is_422(personas: Personas, payload: dict[str, Any], field: str | None, message: str) -> None:
    payload = {**payload, "liaison_id": personas.user(payload["liaison_id"]).pk}
    body = problem(send(client(personas.member), "post", f"assignments/{personas.ours.enterprise.pk}", payload), 422)
    assert body["errors"][0]["field"] == field and message in json.dumps(body, ensure_ascii=False)
    assert LiaisonAssignment.objects.filter(enterprise=personas.ours.enterprise).count() == 1


def test_assign_refusals(personas: Personas) -> None:
    ours, payload = personas.ours.enterprise, {"liaison_id": personas.x_liaison.pk}
    problem(send(client(personas.liaison), "post", f"assignments/{ours.pk}", payload), 403)  # may not assign
    problem(send(client(personas.ent_user), "post", f"assignments/{ours.pk}", payload), 403)
    problem(send(client(personas.x_district), "post", f"assignments/{ours.pk}", payload), 404)
    assert Enterprise.objects.get(pk=ours.pk).liaison == personas.liaison


# --- reading visits ---------------------------------------------------------------------------------------


def test_visits_as_officials_read_them(personas: Personas) -> None:
    ours = personas.ours.enterprise
    (visit,) = client(personas.chief).get("/api/visits/", {"enterprise_id": ours.pk}).json()
    assert visit["id"] == personas.ours.visit.pk and visit["notes"].startswith("测试走访")
    assert [i["text"] for i in visit["issues"]] == ["测试问题：用地指标紧张。"]
    assert visit["next_steps"][0]["owner"]["display_name"] == "测试经办"
    assert visit["photo_ids"] == [personas.ours.visit_photo.pk] and visit["withheld"] == []
    assert [p["display_name"] for p in visit["participants"]] == ["测试专员"]
    assert client(personas.liaison).get(f"/api/visits/{visit['id']}").json() == visit


def test_an_enterprise_user_reads_the_date_kind_and_who_came_only(personas: Personas) -> None:
    body = client(personas.ent_user).get(f"/api/visits/{personas.ours.visit.pk}").json()
    assert body["kind"] == "visit" and body["participants"][0]["display_name"] == "测试专员"
    assert body["notes"] is None and body["issues"] == [] and body["next_steps"] == [] and body["photo_ids"] == []
    assert body["withheld"] == ["notes", "issues", "next_steps", "photos"]
    assert "测试走访" not in json.dumps(body, ensure_ascii=False)


def test_visits_out_of_scope_404_and_refused_roles_403(personas: Personas) -> None:
    ours, visit = personas.ours.enterprise, personas.ours.visit
    problem(client(personas.x_ent_user).get("/api/visits/", {"enterprise_id": ours.pk}), 404)
    problem(client(personas.x_liaison).get(f"/api/visits/{visit.pk}"), 404)
    problem(client(personas.handler).get(f"/api/visits/{visit.pk}"), 403)
    problem(client(personas.chief).get("/api/visits/"), 422)  # which enterprise?


# --- logging and correcting visits ------------------------------------------------------------------------


def new_visit(p: Personas, **extra: Any) -> dict[str, Any]:
    return {
        "enterprise_id": p.ours.enterprise.pk,
        "visited_on": day(p, -1),
        "kind": "call",
        "notes": NOTES,
        "participant_ids": [p.member.pk],
        "issues": ["接口问题：电价偏高。"],
        "next_steps": [{"text": "接口下一步：对接供电公司", "owner_id": p.liaison.pk, "due_on": day(p, 7)}],
        **extra,
    }


def test_create_logs_the_visit_with_issues_and_next_steps(personas: Personas) -> None:
    response = send(client(personas.liaison), "post", "visits/", new_visit(personas))
    assert response.status_code == 201, response.content
    body = response.json()
    visit = Visit.objects.get(pk=body["id"])
    assert (
        body["notes"] == NOTES and body["kind_label"] == "电话" and body["issues"][0]["text"] == "接口问题：电价偏高。"
    )
    assert body["next_steps"][0]["due_on"] == day(personas, 7) and body["participants"][0]["display_name"] == "测试成员"
    assert audited(visit, AuditAction.CREATE, personas.liaison)
    assert Enterprise.objects.get(pk=personas.ours.enterprise.pk).last_visit_on.isoformat() == day(personas, -1)


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"visited_on": "2999-01-01"}, "visited_on", "走访日期不能晚于今天。"),
        ({"notes": ""}, "notes", "请填写走访情况。"),
        ({"kind": "dinner"}, "kind", "不是可选的值"),
        ({"issues": ["问题"] * 21}, "issues", "一次走访最多记录 20 条。"),
    ],
)
def test_create_bad_input_is_422(personas: Personas, extra: dict[str, Any], field: str, message: str) -> None:
    body = problem(send(client(personas.liaison), "post", "visits/", new_visit(personas, **extra)), 422)
    assert body["errors"][0]["field"] == field and message in json.dumps(body, ensure_ascii=False)
    assert not Visit.objects.filter(notes=NOTES).exists()


def test_a_step_owner_who_does_not_serve_the_enterprise_is_refused_on_that_row(personas: Personas) -> None:
    steps = [
        {"text": "一", "owner_id": personas.liaison.pk, "due_on": day(personas, 3)},
        {"text": "二", "owner_id": personas.x_liaison.pk, "due_on": day(personas, 3)},
    ]
    body = problem(send(client(personas.liaison), "post", "visits/", new_visit(personas, next_steps=steps)), 422)
    assert {e["field"] for e in body["errors"]} == {"next_steps.1.owner_id"}
    assert "请为第 2 项下一步工作选择负责人。" in body["detail"]


def test_create_refusals(personas: Personas) -> None:
    problem(send(client(personas.district), "post", "visits/", new_visit(personas)), 403)  # sees, may not log
    problem(send(client(personas.ent_user), "post", "visits/", new_visit(personas)), 403)
    problem(send(client(personas.x_liaison), "post", "visits/", new_visit(personas, participant_ids=[])), 404)
    assert not Visit.objects.filter(notes=NOTES).exists()


def test_patch_corrects_the_fields_given(personas: Personas) -> None:
    visit = personas.ours.visit
    response = send(client(personas.chief), "patch", f"visits/{visit.pk}", {"notes": NOTES, "kind": "site"})
    assert response.status_code == 200, response.content
    visit.refresh_from_db()
    assert visit.notes == NOTES and visit.kind == "site" and list(visit.participants.all()) == [personas.liaison]
    assert audited(visit, AuditAction.UPDATE, personas.chief)


def test_patch_refusals(personas: Personas) -> None:
    visit = personas.ours.visit
    problem(send(client(personas.district), "patch", f"visits/{visit.pk}", {"notes": NOTES}), 403)
    problem(send(client(personas.x_chief), "patch", f"visits/{visit.pk}", {"notes": NOTES}), 404)
    body = problem(send(client(personas.liaison), "patch", f"visits/{visit.pk}", {"notes": " "}), 422)
    assert body["errors"] == [{"field": "notes", "detail": "请填写走访情况。"}]
    assert not Visit.objects.filter(notes=NOTES).exists()


def test_participants_past_the_databases_range_are_refused_not_a_server_error(personas: Personas) -> None:
    """A participant id past 2**63 was an OverflowError on SQLite (found by schemathesis)."""
    visit = personas.ours.visit
    body = problem(send(client(personas.liaison), "patch", f"visits/{visit.pk}", {"participant_ids": [2**64]}), 422)
    assert [e["field"] for e in body["errors"]] == ["participant_ids"]
    body = problem(send(client(personas.liaison), "post", "visits/", new_visit(personas, participant_ids=[2**70])), 422)
    assert [e["field"] for e in body["errors"]] == ["participant_ids"]
    assert not Visit.objects.filter(notes=NOTES).exists()


# --- next steps -------------------------------------------------------------------------------------------


def test_a_next_step_marked_done(personas: Personas) -> None:
    step, visit = personas.ours.next_step, personas.ours.visit
    response = send(client(personas.liaison), "post", f"visits/{visit.pk}/next-steps/{step.pk}/done")
    assert response.status_code == 200, response.content
    assert response.json()["done_on"] == personas.today.isoformat()
    step.refresh_from_db()
    assert step.done_on == personas.today and audited(step, AuditAction.UPDATE, personas.liaison)


def test_next_step_refusals(personas: Personas) -> None:
    step, visit = personas.ours.next_step, personas.ours.visit
    path = f"visits/{visit.pk}/next-steps/{step.pk}/done"
    body = problem(send(client(personas.liaison), "post", path, {"done_on": day(personas, 1)}), 422)
    assert "完成日期不能晚于今天。" in body["detail"]
    problem(send(client(personas.handler), "post", path), 403)  # its owner, but the page refuses the role
    problem(send(client(personas.x_liaison), "post", path), 404)
    problem(send(client(personas.chief), "post", f"visits/{personas.theirs.visit.pk}/next-steps/{step.pk}/done"), 404)
    assert NextStep.objects.get(pk=step.pk).done_on is None


# --- tokens -----------------------------------------------------------------------------------------------


def test_a_read_token_reads_but_cannot_write(personas: Personas) -> None:
    _token, secret = token_services.token_create(
        actor=personas.sysadmin,
        user=personas.chief,
        name="测试只读令牌",
        scopes={"assignments": "read", "visits": "read"},
        expires_at=clock.now() + dt.timedelta(days=30),
    )
    bearer = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {secret}"})
    assert bearer.get(f"/api/visits/{personas.ours.visit.pk}").status_code == 200
    assert "仅有只读权限" in problem(send(bearer, "post", "visits/", new_visit(personas)), 403)["detail"]
    payload = {"liaison_id": personas.x_liaison.pk}
    problem(send(bearer, "post", f"assignments/{personas.ours.enterprise.pk}", payload), 403)
    assert not Visit.objects.filter(notes=NOTES).exists()
    assert Enterprise.objects.get(pk=personas.ours.enterprise.pk).liaison == personas.liaison
