"""Meetings in the JSON API: one meeting as its page shows it; the meeting form's writes (create, correct with
its rows, delete) and the decisions' (record, correct, delete, 交办, 转为诉求) through the same forms and services
as the pages: the team of the meeting's chain succeeds and is audited, a reader the pages refuse gets 403, one out
of scope 404, bad input 422 with the Chinese message on the API's field names, and a read-only token cannot write.

On the fixed personas' world (chaindesk/testkit/personas.py): our meeting (测试甲链, 测试甲区) is led by `p_chief`,
attended by `p_chief`, `p_member` and `p_liaison`; its decision 1 is about our enterprise, for 测试甲局, 10 working
days. 测试甲链's team is `p_chief` and `p_member`; `p_x_chief` (测试乙链) sees none of it."""

import datetime as dt
import json
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chaindesk.accounts.models import User
from chaindesk.api import services as api_services
from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.demands.choices import Channel, DemandKind
from chaindesk.demands.models import Demand
from chaindesk.meetings import services, services_meetings
from chaindesk.meetings.models import Decision, Meeting, SiteVisit, Speech
from chaindesk.testkit.personas import Personas, meeting_files

pytestmark = pytest.mark.django_db


def login(user: User | None) -> Client:
    assert user is not None
    client = Client()
    client.force_login(user)
    return client


def send(client: Client, method: str, path: str, payload: Any = None) -> Any:
    body = json.dumps(payload if payload is not None else {})
    return client.generic(method, path, body, content_type="application/json")


def audited(obj: Any, action: str, actor: User) -> bool:
    kind = ContentType.objects.get_for_model(type(obj))
    return AuditLog.objects.filter(content_type=kind, object_id=str(obj.pk), action=action, actor=actor).exists()


def url(p: Personas, rest: str = "") -> str:
    return f"/api/meetings/{p.ours.meeting.pk}{rest}"


def new_meeting(p: Personas, **extra: Any) -> dict[str, Any]:
    return {
        "chain_id": p.ours.chain.pk,
        "held_on": (p.today + dt.timedelta(days=7)).isoformat(),
        "leader_id": p.chief.pk,
        **extra,
    }


# --- reading ----------------------------------------------------------------------------------------------------


def test_the_meeting_as_its_page_shows_it(personas: Personas) -> None:
    meeting_files(personas)
    response = login(personas.chief).get(url(personas))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["title"] == "测试甲链测试例会" and body["chain"]["name"] == "测试甲链"
    assert body["leader"]["name"] == "测试链长" and body["chair"] is None
    assert {p["name"] for p in body["attendance"]["people"]} == {"测试链长", "测试成员", "测试专员"}
    assert [g["key"] for g in body["attendance"]["groups"]] == ["leaders", "departments", "regions"]
    (stop,) = body["site_visits"]
    assert stop["enterprise"]["name"] == personas.ours.enterprise.name and stop["notes"] == "测试观摩情况。"
    assert stop["photos"][0]["url"] == f"/meetings/photos/{personas.ours.site_visit_photo.pk}/"
    assert [a["name"] for a in body["attachments"]] == ["会议通知.pdf"]
    (decision,) = body["decisions"]
    assert decision["content"] == "测试议定事项：协调企业用地。" and decision["working_days"] == 10
    assert [d["short_name"] for d in decision["departments"]] == ["测试甲局"]
    assert decision["progress"] == "not_started" and decision["progress_label"] == "未办"
    assert decision["demand"] is None and decision["deadline"]
    assert body["agenda"] == [] and body["may_manage"] is True


def test_readers_in_scope_and_the_others(personas: Personas) -> None:
    assert login(personas.liaison).get(url(personas)).json()["may_manage"] is False  # attended
    assert login(personas.district).get(url(personas)).status_code == 200  # held in 测试甲区
    assert login(personas.x_chief).get(url(personas)).status_code == 404
    assert login(personas.x_district).get(url(personas)).status_code == 404
    for key in ("handler", "ent_user", "sysadmin"):  # the meeting pages are for officials
        assert login(personas.user(key)).get(url(personas)).status_code == 403
    assert login(personas.chief).get("/api/meetings/987654321").status_code == 404


def test_the_detail_reads_a_fixed_number_of_queries(personas: Personas) -> None:
    """More stops, speeches and decisions cost no more queries (each part is read once for the whole meeting)."""
    meeting_files(personas)
    client, meeting = login(personas.chief), personas.ours.meeting

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(personas)).status_code == 200
        return len(queries)

    count()  # the first request of a session reads what later ones find cached
    before = count()
    for n in range(3):
        services_meetings.speech_add(
            actor=personas.member, meeting=meeting, data=services_meetings.SpeechInput(speaker=f"发言人{n}")
        )
        services_meetings.site_visit_add(
            actor=personas.member, meeting=meeting, data=services_meetings.SiteVisitInput(place=f"观摩点{n}")
        )
        services.decision_add(actor=personas.member, meeting=meeting, content=f"议定{n}", working_days=5)
    assert count() == before


def test_the_list_still_answers_at_the_same_address(personas: Personas) -> None:
    body = login(personas.chief).get("/api/meetings/").json()
    assert [row["title"] for row in body["items"]] == ["测试甲链测试例会"]


# --- the meeting form -------------------------------------------------------------------------------------------


def test_team_records_a_meeting_with_people_stops_and_speeches(personas: Personas) -> None:
    p = personas
    payload = new_meeting(
        p,
        starts_at="09:30",
        ends_at="11:30",
        region_id=p.ours.region.pk,
        location="测试甲区政府三楼会议室",
        attendee_ids=[p.member.pk, p.handler.pk],
        attendee_department_ids=[p.ours.department.pk],
        attendee_enterprise_ids=[p.ours.enterprise.pk],
        guests="省工信厅 张三\n",
        site_visits=[{"enterprise_id": p.ours.enterprise.pk, "notes": "察看二期厂房。"}, {"place": "测试产业园"}],
        speeches=[{"department_id": p.ours.department.pk, "speaker": "李四 局长", "content": "用地指标已报省厅。"}],
    )
    response = send(login(p.member), "POST", "/api/meetings/", payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "测试甲链产业链服务团队工作例会"  # a blank title is the chain and kind
    assert body["starts_at"] == "09:30:00" and body["place"] == "测试甲区政府三楼会议室"  # the place names its region
    assert {x["name"] for x in body["attendance"]["people"]} == {"测试成员", "测试经办"}
    assert body["attendance"]["guests"] == ["省工信厅 张三"]
    assert [s["place"] or s["enterprise"]["name"] for s in body["site_visits"]] == [
        p.ours.enterprise.name,
        "测试产业园",
    ]
    assert body["speeches"][0]["department"]["short_name"] == "测试甲局"
    meeting = Meeting.objects.get(pk=body["id"])
    assert meeting.created_by == p.member and audited(meeting, AuditAction.CREATE, p.member)


def test_only_a_team_records_meetings(personas: Personas) -> None:
    before = Meeting.objects.count()
    assert send(login(personas.liaison), "POST", "/api/meetings/", new_meeting(personas)).status_code == 403
    assert send(login(personas.handler), "POST", "/api/meetings/", new_meeting(personas)).status_code == 403
    # 乙链's chief is on a team, but not on 测试甲链's: the form refuses the chain
    response = send(login(personas.x_chief), "POST", "/api/meetings/", new_meeting(personas))
    assert response.status_code == 422
    assert response.json()["errors"][0] == {"field": "chain_id", "detail": "请选择您所在服务团队的产业链。"}
    assert Meeting.objects.count() == before


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"starts_at": "10:00", "ends_at": "09:00"}, "ends_at", "结束时间须晚于开始时间。"),
        ({"leader_id": 0}, "leader_id", "选择"),
        ({"attendee_enterprise_ids": [2**64]}, "attendee_enterprise_ids", str(2**64)),  # was a 500 (schemathesis)
        (
            {"site_visits": [{"notes": "什么也没选"}]},
            "site_visits.0.enterprise_id",
            "请选择观摩企业或项目，或填写观摩点。",
        ),
        (
            {"speeches": [{"speaker": "王五"}, {"department_id": 1, "region_id": 1}]},
            "speeches.1.department_id",
            "只能选择一个",
        ),
    ],
)
def test_bad_meeting_is_422_on_the_api_fields(
    personas: Personas, extra: dict[str, Any], field: str, message: str
) -> None:
    before = (Meeting.objects.count(), SiteVisit.objects.count(), Speech.objects.count())
    response = send(login(personas.member), "POST", "/api/meetings/", new_meeting(personas, **extra))
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert any(e["field"] == field and message in e["detail"] for e in errors), errors
    assert (Meeting.objects.count(), SiteVisit.objects.count(), Speech.objects.count()) == before


def test_a_stop_of_another_chain_is_refused(personas: Personas) -> None:
    payload = new_meeting(personas, site_visits=[{"enterprise_id": personas.theirs.enterprise.pk}])
    response = send(login(personas.member), "POST", "/api/meetings/", payload)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "site_visits.0.enterprise_id"


def test_patch_changes_what_is_given_and_keeps_the_rest(personas: Personas) -> None:
    meeting_files(personas)
    client = login(personas.member)
    response = send(client, "PATCH", url(personas), {"summary": "修改后的纪要。", "chair_id": personas.member.pk})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["summary"] == "修改后的纪要。" and body["chair"]["name"] == "测试成员"
    assert len(body["site_visits"]) == 1 and body["site_visits"][0]["photos"]  # rows and photos kept
    assert len(body["attendance"]["people"]) == 3 and body["title"] == "测试甲链测试例会"
    assert audited(personas.ours.meeting, AuditAction.UPDATE, personas.member)
    stop = body["site_visits"][0]
    rows = [{"place": "新增观摩点"}, {"id": stop["id"], "enterprise_id": personas.ours.enterprise.pk, "notes": "改"}]
    body = send(client, "PATCH", url(personas), {"site_visits": rows}).json()
    assert [(s["place"], s["notes"]) for s in body["site_visits"]] == [("新增观摩点", ""), ("", "改")]
    body = send(client, "PATCH", url(personas), {"site_visits": []}).json()
    assert body["site_visits"] == [] and not SiteVisit.objects.filter(meeting=personas.ours.meeting).exists()


def test_patch_by_a_reader_or_out_of_scope(personas: Personas) -> None:
    assert send(login(personas.liaison), "PATCH", url(personas), {"summary": "x"}).status_code == 403
    assert send(login(personas.district), "PATCH", url(personas), {"summary": "x"}).status_code == 403
    assert send(login(personas.x_chief), "PATCH", url(personas), {"summary": "x"}).status_code == 404
    assert Meeting.objects.get(pk=personas.ours.meeting.pk).summary == "测试会议纪要。"


def test_a_row_of_another_meeting_is_refused(personas: Personas) -> None:
    meeting_files(personas)
    other = send(login(personas.member), "POST", "/api/meetings/", new_meeting(personas, site_visits=[{"place": "甲"}]))
    foreign = other.json()["site_visits"][0]["id"]
    response = send(login(personas.member), "PATCH", url(personas), {"site_visits": [{"id": foreign, "place": "乙"}]})
    assert response.status_code == 422 and "不属于本次会议" in response.json()["detail"]


def test_delete_a_meeting_unless_a_decision_became_a_demand(personas: Personas) -> None:
    client = login(personas.member)
    created = send(client, "POST", "/api/meetings/", new_meeting(personas)).json()
    assert send(login(personas.liaison), "DELETE", f"/api/meetings/{created['id']}").status_code == 404
    assert send(client, "DELETE", f"/api/meetings/{created['id']}").status_code == 204
    assert not Meeting.objects.filter(pk=created["id"]).exists()
    decision = personas.ours.decision
    converted = send(client, "POST", url(personas, f"/decisions/{decision.pk}/to-demand"), {"category": "land"})
    assert converted.status_code == 200, converted.content
    refused = send(client, "DELETE", url(personas))
    assert refused.status_code == 422
    assert "该会议已有议定事项转为诉求或交办事项，不能删除。" in refused.json()["detail"]
    assert Meeting.objects.filter(pk=personas.ours.meeting.pk).exists()


# --- decisions ------------------------------------------------------------------------------------------------


def test_record_correct_and_delete_a_decision(personas: Personas) -> None:
    p, client = personas, login(personas.member)
    payload = {"content": "协调电力增容。", "department_ids": [p.ours.department.pk], "working_days": 5}
    response = send(client, "POST", url(p, "/decisions"), payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["seq"] == 2 and body["enterprise"] is None and body["deadline"]
    decision = Decision.objects.get(pk=body["id"])
    assert audited(decision, AuditAction.CREATE, p.member)
    response = send(client, "PATCH", url(p, f"/decisions/{decision.pk}"), {"working_days": 8})
    assert response.status_code == 200 and response.json()["working_days"] == 8
    assert response.json()["content"] == "协调电力增容。"
    assert send(client, "DELETE", url(p, f"/decisions/{decision.pk}")).status_code == 204
    assert not Decision.objects.filter(pk=decision.pk).exists()


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"content": " ", "working_days": 5}, "content", "请填写议定内容。"),
        ({"content": "x", "working_days": 0}, "working_days", "办理时限须在1至250个工作日之间。"),
        ({"content": "x", "working_days": 5, "department_ids": "both"}, "lead_department_id", "请指定其中的牵头部门"),
        ({"content": "x", "working_days": 5, "enterprise_id": "theirs"}, "enterprise_id", "请选择本产业链的企业。"),
    ],
)
def test_bad_decision_is_422(personas: Personas, payload: dict[str, Any], field: str, message: str) -> None:
    if payload.get("department_ids") == "both":
        payload["department_ids"] = [personas.ours.department.pk, personas.theirs.department.pk]
    if payload.get("enterprise_id") == "theirs":
        payload["enterprise_id"] = personas.theirs.enterprise.pk
    before = Decision.objects.count()
    response = send(login(personas.member), "POST", url(personas, "/decisions"), payload)
    assert response.status_code == 422, response.content
    assert any(e["field"] == field and message in e["detail"] for e in response.json()["errors"])
    assert Decision.objects.count() == before


def test_decisions_are_the_teams(personas: Personas) -> None:
    payload = {"content": "越权", "working_days": 5}
    assert send(login(personas.liaison), "POST", url(personas, "/decisions"), payload).status_code == 403
    assert send(login(personas.x_chief), "POST", url(personas, "/decisions"), payload).status_code == 404
    decision = personas.ours.decision
    assert send(login(personas.liaison), "PATCH", url(personas, f"/decisions/{decision.pk}"), {}).status_code == 403
    other = f"/api/meetings/{personas.theirs.meeting.pk}/decisions/{decision.pk}"
    assert send(login(personas.member), "PATCH", other, {}).status_code == 404


def test_assign_a_decision_to_its_departments(personas: Personas) -> None:
    p = personas
    decision = services.decision_add(
        actor=p.member,
        meeting=p.ours.meeting,
        content="各部门梳理用地需求。",
        departments=[p.ours.department],
        working_days=5,
    )
    client = login(p.member)
    response = send(client, "POST", url(p, f"/decisions/{decision.pk}/assign"))
    assert response.status_code == 200, response.content
    demand = response.json()["demand"]
    assert demand["task_count"] == 1 and demand["visible"] is True
    assert Demand.objects.get(pk=demand["id"]).kind == DemandKind.ASSIGNMENT
    assert audited(decision, AuditAction.UPDATE, p.member)
    again = send(client, "POST", url(p, f"/decisions/{decision.pk}/assign"))
    assert again.status_code == 422 and "该议定事项已交办" in again.json()["detail"]
    about_one = send(client, "POST", url(p, f"/decisions/{p.ours.decision.pk}/assign"))
    assert about_one.status_code == 422 and "请转为该企业的诉求" in about_one.json()["detail"]


def test_a_decision_about_an_enterprise_becomes_its_demand(personas: Personas) -> None:
    p, client = personas, login(personas.member)
    path = url(p, f"/decisions/{p.ours.decision.pk}/to-demand")
    bad = send(client, "POST", path, {"category": "nope"})
    assert bad.status_code == 422 and "请选择列表中的类别。" in bad.json()["detail"]
    response = send(client, "POST", path, {"category": "land", "urgency": "urgent"})
    assert response.status_code == 200, response.content
    demand = Demand.objects.get(pk=response.json()["demand"]["id"])
    assert demand.title == "测试议定事项：协调企业用地。" and demand.channel == Channel.MEETING
    assert demand.enterprise == p.ours.enterprise and demand.urgency == "urgent"
    again = send(client, "POST", path, {"category": "land"})
    assert again.status_code == 422 and "已转为诉求" in again.json()["detail"]
    assert send(login(p.liaison), "POST", path, {"category": "land"}).status_code == 403


def test_a_read_token_cannot_write_meetings(personas: Personas) -> None:
    _token, secret = api_services.token_create(
        actor=personas.sysadmin,
        user=personas.member,
        name="测试会议只读令牌",
        scopes={"meetings": "read"},
        expires_at=clock.now() + dt.timedelta(days=30),
    )
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {secret}"})
    assert client.get(url(personas)).status_code == 200
    assert client.get("/api/meetings/").status_code == 200
    before = Decision.objects.count()
    response = send(client, "POST", url(personas, "/decisions"), {"content": "令牌", "working_days": 5})
    assert response.status_code == 403 and "只读" in response.json()["detail"]
    assert send(client, "DELETE", url(personas)).status_code == 403
    assert Decision.objects.count() == before


def test_the_schema_lists_the_operations(personas: Personas) -> None:
    paths = login(personas.chief).get("/api/openapi.json").json()["paths"]
    assert set(paths["/api/meetings/"]) == {"get", "post"}
    assert {"get", "patch", "delete"} <= set(paths["/api/meetings/{meeting_id}"])
    assert "/api/meetings/{meeting_id}/decisions/{decision_id}/to-demand" in paths
