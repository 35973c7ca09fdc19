"""Demand intake through the JSON API: the same service as the form, with its rules and Chinese messages; and
every action of the demand page and the task page through its form and service (the readers the pages refuse get
403, those out of scope 404, a stale expected_status 409, bad input 422 in Chinese; each write audited).

On the fixed personas: `member` is on 测试甲链's team, `ent_user` is the user of our enterprise (测试甲区, 测试甲链),
whose only demand in the world is `personas.ours.demand`; `handler` works in 测试甲局."""

import datetime as dt
import json
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from chaindesk.accounts.models import User
from chaindesk.api import services as api_services
from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.demands import services
from chaindesk.demands.choices import Channel, DemandStatus
from chaindesk.demands.models import Demand, Task
from chaindesk.testkit.personas import Personas

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client, payload):  # noqa: ANN001, ANN202
    return client.post("/api/demands/", data=json.dumps(payload), content_type="application/json")


def test_team_member_submits_through_the_api_channel(personas: Personas) -> None:
    ours = personas.ours.enterprise
    payload = {
        "enterprise_id": ours.pk,
        "title": "申请二期厂房规划许可加快办理",
        "description": "二期厂房已完成方案设计，希望规划许可在本月内办结。",
        "category": "approval",
        "urgency": "urgent",
    }
    response = _post(_client(personas.member), payload)
    assert response.status_code == 201, response.content
    data = response.json()
    demand = Demand.objects.get(pk=data["id"])
    assert demand.channel == Channel.API and demand.status == DemandStatus.SUBMITTED
    assert data["status"] == "submitted" and data["tasks"] == []
    assert demand.chain == personas.ours.chain and demand.region == personas.ours.region  # 测试甲链, 测试甲区
    assert demand.submitted_by == personas.member


def test_enterprise_user_submits_for_their_own_enterprise_only(personas: Personas) -> None:
    payload = {
        "enterprise_id": personas.ours.enterprise.pk,
        "title": "用电增容",
        "description": "需增容至 4000 kVA。",
        "category": "energy",
    }
    client = _client(personas.ent_user)
    created = _post(client, payload)
    assert created.status_code == 201
    assert Demand.objects.get(pk=created.json()["id"]).channel == Channel.ENTERPRISE
    before = Demand.objects.count()
    assert _post(client, {**payload, "enterprise_id": personas.theirs.enterprise.pk}).status_code == 404
    assert _post(client, {**payload, "enterprise_id": personas.ent2.pk}).status_code == 404  # same chain, not theirs
    assert Demand.objects.count() == before
    assert client.get(f"/api/demands/{created.json()['id']}").status_code == 200


def test_bad_input_answers_422_in_chinese_and_writes_nothing(personas: Personas) -> None:
    ours = personas.ours.enterprise
    before = Demand.objects.count()
    client = _client(personas.member)
    unknown = _post(client, {"enterprise_id": ours.pk, "title": "x", "description": "y", "category": "nope"})
    assert unknown.status_code == 422 and "不存在" in unknown.json()["detail"]
    blank = _post(client, {"enterprise_id": ours.pk, "title": " ", "description": "y", "category": "land"})
    assert blank.status_code == 422 and "诉求事项" in blank.json()["detail"]
    assert Demand.objects.count() == before


def test_scope_and_anonymous(client: Client, personas: Personas) -> None:
    assert _post(client, {"enterprise_id": 1, "title": "x", "description": "y", "category": "land"}).status_code == 401
    mine = _client(personas.ent_user).get("/api/demands/").json()
    assert mine["count"] == 1  # our enterprise has one demand in the world
    assert [d["id"] for d in mine["items"]] == [personas.ours.demand.pk]
    assert _client(personas.handler).get("/api/demands/").status_code == 200


# --- every action of the demand page and the task page -----------------------------------------------------------


def _send(client: Client, path: str, payload: Any = None, method: str = "POST") -> Any:
    return client.generic(method, path, json.dumps(payload or {}), content_type="application/json")


def _audited(obj: Any, action: str, actor: User) -> bool:
    kind = ContentType.objects.get_for_model(type(obj))
    return AuditLog.objects.filter(content_type=kind, object_id=str(obj.pk), action=action, actor=actor).exists()


def _fresh_demand(personas: Personas, title: str = "测试接口诉求：申请增容") -> Demand:
    """A new demand of our enterprise, submitted by its user (已提交)."""
    return services.demand_submit(
        actor=personas.ent_user,
        enterprise=personas.ours.enterprise,
        title=title,
        description="需增容至 4000 kVA。",
        category=personas.category,
        channel=Channel.ENTERPRISE,
    )


def test_the_demand_says_what_its_reader_may_do(personas: Personas) -> None:
    path = f"/api/demands/{personas.ours.demand.pk}"
    assert _client(personas.member).get(path).json()["allowed_actions"] == ["tasks", "instruct"]  # 牵头部门负责人
    assert _client(personas.liaison).get(path).json()["allowed_actions"] == []
    reader = _client(personas.ent_user).get(path).json()
    assert reader["allowed_actions"] == [] and reader["leader_notes"] == []
    fresh = _client(personas.member).get(f"/api/demands/{_fresh_demand(personas).pk}").json()
    assert fresh["allowed_actions"] == ["accept", "reject", "merge", "request-info", "instruct"]


def test_accept_then_a_stale_accept_is_409(personas: Personas) -> None:
    demand = _fresh_demand(personas)
    client, path = _client(personas.member), f"/api/demands/{demand.pk}/accept"
    response = _send(client, path, {"expected_status": "submitted", "note": "请甲局办理"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted" and response.json()["allowed_actions"] == ["tasks", "instruct"]
    assert _audited(demand, AuditAction.TRANSITION, personas.member)
    stale = _send(client, path, {"expected_status": "submitted"})
    assert stale.status_code == 409 and "已被他人变更为“已受理”" in stale.json()["detail"]
    illegal = _send(client, path)  # no status given: the service refuses the move itself
    assert illegal.status_code == 422 and "不能变更为" in illegal.json()["detail"]


@pytest.mark.parametrize(("key", "status"), [("liaison", 403), ("handler", 404), ("x_chief", 404), ("auditor", 403)])
def test_triage_is_the_teams(personas: Personas, key: str, status: int) -> None:
    demand, user = _fresh_demand(personas), personas.user(key)
    assert user is not None
    response = _send(_client(user), f"/api/demands/{demand.pk}/accept", {})
    assert response.status_code == status
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.SUBMITTED


def test_reject_needs_a_reason(personas: Personas) -> None:
    demand, client = _fresh_demand(personas), _client(personas.member)
    blank = _send(client, f"/api/demands/{demand.pk}/reject", {"reason": " "})
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "reason"
    done = _send(client, f"/api/demands/{demand.pk}/reject", {"reason": "不属于政府职能范围。"})
    assert done.status_code == 200 and done.json()["status"] == "rejected"
    assert done.json()["status_note"] == "不属于政府职能范围。"


def test_request_and_supply_information(personas: Personas) -> None:
    demand = _fresh_demand(personas)
    asked = _send(_client(personas.member), f"/api/demands/{demand.pk}/request-info", {"note": "请补充用电负荷测算。"})
    assert asked.status_code == 200 and asked.json()["status"] == "needs_info"
    assert asked.json()["allowed_actions"] == ["accept", "reject", "merge", "supply-info", "instruct"]
    by_other = _send(_client(personas.x_ent_user), f"/api/demands/{demand.pk}/supply-info", {"note": "x"})
    assert by_other.status_code == 404
    supplied = _send(
        _client(personas.ent_user),
        f"/api/demands/{demand.pk}/supply-info",
        {"note": "已补充", "expected_status": "needs_info"},
    )
    assert supplied.status_code == 200 and supplied.json()["status"] == "submitted"
    assert _audited(demand, AuditAction.TRANSITION, personas.ent_user)


def test_merge_into_another_demand_of_the_same_enterprise(personas: Personas) -> None:
    demand, client = _fresh_demand(personas), _client(personas.member)
    other = _send(client, f"/api/demands/{demand.pk}/merge", {"into_id": personas.theirs.demand.pk})
    assert other.status_code == 422 and "只能合并至同一企业的另一条诉求。" in other.json()["detail"]
    assert other.json()["errors"][0]["field"] == "into_id"
    merged = _send(client, f"/api/demands/{demand.pk}/merge", {"into_id": personas.ours.demand.pk, "note": "重复"})
    assert merged.status_code == 200, merged.content
    assert merged.json()["status"] == "merged" and merged.json()["merged_into_id"] == personas.ours.demand.pk


def test_split_into_a_task(personas: Personas) -> None:
    demand, client = _fresh_demand(personas), _client(personas.member)
    dept = personas.ours.department.pk
    payload = {"lead_department_id": dept, "instructions": "五个工作日内答复。", "working_days": 5}
    early = _send(client, f"/api/demands/{demand.pk}/tasks", payload)
    assert early.status_code == 422 and "请先受理" in early.json()["detail"]
    services.demand_accept(demand=demand, actor=personas.member)
    bad = _send(client, f"/api/demands/{demand.pk}/tasks", {**payload, "co_department_ids": [dept]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "co_department_ids"
    response = _send(client, f"/api/demands/{demand.pk}/tasks", {**payload, "expected_status": "accepted"})
    assert response.status_code == 201, response.content
    task = response.json()
    assert task["lead_department"] == "测试甲局" and task["status"] == "pending" and task["working_days"] == 5
    assert task["demand_id"] == demand.pk and task["assigned_by"] == "测试成员" and task["warning"] == ""
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.IN_PROGRESS
    assert _audited(Task.objects.get(pk=task["id"]), AuditAction.CREATE, personas.member)
    assert _send(_client(personas.liaison), f"/api/demands/{demand.pk}/tasks", payload).status_code == 403


def test_a_task_as_its_page_shows_it(personas: Personas) -> None:
    path = f"/api/demands/tasks/{personas.ours.task.pk}"
    mine = _client(personas.handler).get(path)
    assert mine.status_code == 200, mine.content
    body = mine.json()
    assert body["status"] == "pending" and body["allowed_actions"] == ["sign", "return"]
    assert (
        body["instructions"] == "测试办理要求：十个工作日内答复。"
        and body["enterprise"] == personas.ours.enterprise.name
    )
    assert _client(personas.chief).get(path).json()["allowed_actions"] == ["instruct", "urge"]
    assert _client(personas.ent_user).get(path).status_code == 403
    assert _client(personas.x_handler).get(path).status_code == 404


def test_the_task_workflow_through_the_api(personas: Personas) -> None:
    task, base = personas.ours.task, f"/api/demands/tasks/{personas.ours.task.pk}"
    handler, team = _client(personas.handler), _client(personas.member)
    assert _send(team, f"{base}/sign").status_code == 403  # the department signs, not the team
    signed = _send(handler, f"{base}/sign", {"expected_status": "pending"})
    assert (
        signed.status_code == 200
        and signed.json()["status"] == "in_progress"
        and signed.json()["handler"] == "测试经办"
    )
    stale = _send(handler, f"{base}/sign", {"expected_status": "pending"})
    assert stale.status_code == 409 and "已不是页面显示的“待签收”" in stale.json()["detail"]
    assert _send(handler, f"{base}/progress", {"note": "已现场踏勘。"}).json()["updates"][-1]["kind"] == "progress"
    bad = _send(handler, f"{base}/extension", {"extra_days": 0, "reason": "等待省厅批复"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "extra_days"
    asked = _send(handler, f"{base}/extension", {"extra_days": 5, "reason": "等待省厅批复"})
    assert asked.json()["status"] == "extension_requested"
    assert _send(handler, f"{base}/extension/decide", {"approve": True}).status_code == 403
    deadline = Task.objects.get(pk=task.pk).deadline
    approved = _send(team, f"{base}/extension/decide", {"approve": True, "expected_status": "extension_requested"})
    assert approved.status_code == 200 and approved.json()["status"] == "in_progress"
    assert Task.objects.get(pk=task.pk).deadline > deadline
    assert _send(handler, f"{base}/completion", {"result": "已完成增容。"}).json()["status"] == "completion_requested"
    no_reason = _send(team, f"{base}/completion/decide", {"accept": False})
    assert no_reason.status_code == 422 and "退回重办须写明理由。" in no_reason.json()["detail"]
    accepted = _send(team, f"{base}/completion/decide", {"accept": True, "note": "同意"})
    assert accepted.status_code == 200 and accepted.json()["status"] == "done"
    assert _audited(task, AuditAction.TRANSITION, personas.member)
    assert Demand.objects.get(pk=task.demand_id).status == DemandStatus.AWAITING_CONFIRMATION


def test_return_needs_the_confirmation(personas: Personas) -> None:
    base = f"/api/demands/tasks/{personas.ours.task.pk}"
    unconfirmed = _send(_client(personas.handler), f"{base}/return", {"reason": "不属于本局职责"})
    assert unconfirmed.status_code == 422 and "请勾选确认后再退回。" in unconfirmed.json()["detail"]
    returned = _send(_client(personas.handler), f"{base}/return", {"reason": "不属于本局职责", "confirm": True})
    assert returned.status_code == 200 and returned.json()["status"] == "returned"


def test_leaders_instruct_and_urge(personas: Personas) -> None:
    base = f"/api/demands/tasks/{personas.ours.task.pk}"
    chief = _client(personas.chief)
    instructed = _send(chief, f"{base}/instruct", {"text": "请本周内解决。"})
    assert instructed.status_code == 200, instructed.content
    assert instructed.json()["leader_notes"][0]["text"] == "请本周内解决。"
    assert _send(chief, f"{base}/urge").status_code == 200
    again = _send(chief, f"{base}/urge", {"note": "再催"})
    assert again.status_code == 422 and "该任务今天已催办过" in again.json()["detail"]
    assert _send(_client(personas.liaison), f"{base}/urge").status_code == 403
    assert _send(_client(personas.handler), f"{base}/instruct", {"text": "x"}).status_code == 403
    on_demand = _send(chief, f"/api/demands/{personas.ours.demand.pk}/instruct", {"text": "抓紧办理。"})
    assert on_demand.status_code == 200
    assert [n["kind"] for n in on_demand.json()["leader_notes"]] == ["instruction", "urge", "instruction"]
    blank = _send(chief, f"/api/demands/{personas.ours.demand.pk}/instruct", {"text": ""})
    assert blank.status_code == 422 and "请填写批示内容。" in blank.json()["detail"]


def test_a_read_token_cannot_act(personas: Personas) -> None:
    _token, secret = api_services.token_create(
        actor=personas.sysadmin,
        user=personas.member,
        name="测试诉求只读令牌",
        scopes={"demands": "read"},
        expires_at=clock.now() + dt.timedelta(days=30),
    )
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {secret}"})
    demand = _fresh_demand(personas)
    assert client.get(f"/api/demands/{demand.pk}").status_code == 200
    response = _send(client, f"/api/demands/{demand.pk}/accept")
    assert response.status_code == 403 and "只读" in response.json()["detail"]
    assert _send(client, f"/api/demands/tasks/{personas.ours.task.pk}/urge").status_code == 403
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.SUBMITTED


def _done(personas: Personas) -> Task:
    """Our task signed, completed and accepted: our demand awaits the enterprise's confirmation."""
    task = personas.ours.task
    services.task_sign(task=task, actor=personas.handler)
    services.task_request_completion(task=task, actor=personas.handler, result="已办结。")
    services.task_accept_completion(task=task, actor=personas.member)
    return task


def test_unsatisfied_reopens_and_satisfied_closes(personas: Personas) -> None:
    task, demand = _done(personas), personas.ours.demand
    path, client = f"/api/demands/{demand.pk}/confirm", _client(personas.ent_user)
    assert _client(personas.member).get(f"/api/demands/{demand.pk}").json()["allowed_actions"] == ["instruct"]
    assert client.get(f"/api/demands/{demand.pk}").json()["allowed_actions"] == ["confirm"]
    no_comment = _send(client, path, {"rating": "unsatisfied"})
    assert no_comment.status_code == 422 and "不满意时请填写意见" in no_comment.json()["detail"]
    reopened = _send(
        client,
        path,
        {
            "rating": "unsatisfied",
            "comment": "仍未通电",
            "reopen_tasks": [task.pk],
            "expected_status": "awaiting_confirmation",
        },
    )
    assert reopened.status_code == 200, reopened.content
    assert reopened.json()["status"] == "in_progress" and Task.objects.get(pk=task.pk).status == "in_progress"
    stale = _send(client, path, {"rating": "satisfied", "expected_status": "awaiting_confirmation"})
    assert stale.status_code == 409
    services.task_request_completion(task=Task.objects.get(pk=task.pk), actor=personas.handler, result="已通电。")
    services.task_accept_completion(task=Task.objects.get(pk=task.pk), actor=personas.member)
    assert _send(_client(personas.member), path, {"rating": "satisfied"}).status_code == 403  # not the enterprise
    closed = _send(client, path, {"rating": "satisfied"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed" and closed.json()["rating"] == "satisfied"
    assert _audited(demand, AuditAction.TRANSITION, personas.ent_user)
