"""The projects API: session auth, the visible list, one project, and stage changes through the service
(200, 409 on a stale expected_stage, 422 with the message on a broken rule, 404 outside the scope); and the
other writes of the project pages through their forms and services (register, edit, production lines, yearly
plans, monthly reports), each audited, refused to the readers the pages refuse, and to a read-only token."""

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from chaindesk.api import services as api_services
from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.projects.choices import ProjectStage
from chaindesk.projects.models import InvestmentPlan, InvestmentReport, ProductionLine, Project, StageChange
from chaindesk.testkit.personas import Personas

from .factories import login, project

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too

PREFIX = "测试接口项目"


@pytest.fixture
def membrane(personas: Personas) -> Project:
    """Our enterprise's project at 在谈 on 测试甲链 in 测试甲区, registered by our chief: our liaison (who serves
    the enterprise) and its enterprise user read it too."""
    return project(
        personas, f"{PREFIX}医用膜材", enterprise=personas.ours.enterprise, planned_investment=Decimal("52000")
    )


@pytest.fixture
def jingjiang(personas: Personas) -> Project:
    """An outside investor's project on 测试乙链 in 测试乙区, registered by their chief (no liaison)."""
    return project(
        personas,
        f"{PREFIX}乙区装备",
        actor=personas.x_chief,
        chain=personas.theirs.chain,
        region=personas.theirs.region,
        investor_name="某外地装备集团",
    )


def _post(client: Any, project: Project, **payload: Any) -> Any:
    return client.post(
        f"/api/projects/{project.pk}/transition", data=json.dumps(payload), content_type="application/json"
    )


def test_anonymous_is_refused(client, membrane):
    assert client.get("/api/projects/").status_code == 401
    assert client.get(f"/api/projects/{membrane.pk}").status_code == 401
    assert _post(client, membrane, to_stage="signed").status_code == 401


def test_list_holds_only_visible_projects(personas, membrane, jingjiang):
    items = login(personas.chief).get(f"/api/projects/?q={PREFIX}&limit=100").json()["items"]
    assert [i["name"] for i in items] == [f"{PREFIX}医用膜材"]
    assert items[0]["owner"] == personas.ours.enterprise.name
    assert items[0]["stage"] == "negotiating" and items[0]["stage_label"] == "在谈"
    assert Decimal(str(items[0]["planned_investment"])) == Decimal("52000")
    assert items[0]["plan_amount"] is None and Decimal(str(items[0]["done_ytd"])) == 0 and items[0]["is_stale"] is False
    items = login(personas.x_liaison).get(f"/api/projects/?q={PREFIX}").json()["items"]
    assert [i["name"] for i in items] == []  # an investor-owned 测试乙区 project has no liaison yet
    items = login(personas.x_district).get(f"/api/projects/?q={PREFIX}").json()["items"]
    assert [i["name"] for i in items] == [f"{PREFIX}乙区装备"]


def test_one_project_in_and_out_of_scope(personas, membrane):
    chief = login(personas.chief)
    response = chief.get(f"/api/projects/{membrane.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == f"{PREFIX}医用膜材" and body["allowed_transitions"] == ["signed", "paused", "terminated"]
    reader = login(personas.ent_user).get(f"/api/projects/{membrane.pk}").json()
    assert reader["name"] == f"{PREFIX}医用膜材" and reader["allowed_transitions"] == []
    assert login(personas.x_district).get(f"/api/projects/{membrane.pk}").status_code == 404
    assert chief.get("/api/projects/987654321").status_code == 404


def test_transition_ok(personas, membrane):
    day = timezone.localdate() - dt.timedelta(days=1)
    response = _post(
        login(personas.chief), membrane, to_stage="signed", on=day.isoformat(), expected_stage="negotiating"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["stage"] == "signed" and body["signed_on"] == day.isoformat()
    assert body["allowed_transitions"] == ["started", "paused", "terminated"]
    assert StageChange.objects.filter(project=membrane, to_stage="signed").count() == 1


def test_transition_on_stale_expected_stage_is_409(personas, membrane):
    client = login(personas.chief)
    assert _post(client, membrane, to_stage="signed", expected_stage="negotiating").status_code == 200
    response = _post(login(personas.liaison), membrane, to_stage="paused", expected_stage="negotiating", reason="缓建")
    assert response.status_code == 409
    assert "该项目的阶段已被他人变更为“签约”" in response.json()["detail"]
    assert Project.objects.get(pk=membrane.pk).stage == ProjectStage.SIGNED


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"to_stage": "started"}, "项目不能从“在谈”变更为“开工”。"),
        ({"to_stage": "terminated"}, "须填写原因"),
        ({"to_stage": "signed", "on": "2099-01-01"}, "变更日期不能晚于今天。"),
    ],
)
def test_transition_rule_broken_is_422_with_the_message(personas, membrane, payload, message):
    response = _post(login(personas.chief), membrane, **payload)
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert message in response.json()["detail"]
    assert Project.objects.get(pk=membrane.pk).stage == ProjectStage.NEGOTIATING


def test_transition_bad_payload_is_422(personas, membrane):
    client = login(personas.chief)
    assert _post(client, membrane, to_stage="bogus").status_code == 422
    assert _post(client, membrane, to_stage="signed", on="明天").status_code == 422
    assert Project.objects.get(pk=membrane.pk).stage == ProjectStage.NEGOTIATING


def test_transition_by_reader_is_403_and_outside_scope_404(personas, membrane):
    assert _post(login(personas.ent_user), membrane, to_stage="signed").status_code == 403
    assert _post(login(personas.x_district), membrane, to_stage="signed").status_code == 404
    assert Project.objects.get(pk=membrane.pk).stage == ProjectStage.NEGOTIATING


def test_schema_lists_the_projects_endpoints(personas):
    paths = login(personas.chief).get("/api/openapi.json").json()["paths"]
    assert "/api/projects/" in paths and "/api/projects/{project_id}/transition" in paths


def test_list_query_count_is_pinned(personas, django_assert_max_num_queries):
    chain, region, chief = personas.ours.chain, personas.ours.region, personas.chief
    batch = {f"{PREFIX}批量{i}" for i in range(60)}
    Project.objects.bulk_create(  # bulk set-up only; the services are tested elsewhere
        Project(name=name, investor_name="某投资方", chain=chain, region=region, created_by=chief) for name in batch
    )
    client = login(chief)
    assert client.get("/api/projects/?limit=100").status_code == 200
    with django_assert_max_num_queries(5):
        response = client.get("/api/projects/?limit=100&sort=-investment")
    assert response.status_code == 200
    # our chief sees the 60 and the world's own project of 测试甲链, nothing of 测试乙链
    body = response.json()
    assert body["count"] == 61
    assert {i["name"] for i in body["items"]} == batch | {personas.ours.project.name}


# --- what the project pages offer besides the stage: the form, production lines, plans and reports -------------


def _send(client: Any, method: str, path: str, payload: Any = None) -> Any:
    return client.generic(method, path, json.dumps(payload or {}), content_type="application/json")


def _audited(obj: Any, action: str, actor: Any) -> bool:
    kind = ContentType.objects.get_for_model(type(obj))
    return AuditLog.objects.filter(content_type=kind, object_id=str(obj.pk), action=action, actor=actor).exists()


def _new(personas: Any, **extra: Any) -> dict[str, Any]:
    return {
        "name": f"{PREFIX}新登记",
        "chain_id": personas.ours.chain.pk,
        "region_id": personas.ours.region.pk,
        "enterprise_id": personas.ours.enterprise.pk,
        **extra,
    }


def test_detail_shows_lines_timeline_plans_and_reports(personas):
    ours, today = personas.ours.project, personas.today
    body = login(personas.chief).get(f"/api/projects/{ours.pk}").json()
    assert [(line["name"], line["count"]) for line in body["lines"]] == [("测试生产线", 1)]
    assert [(c["from_stage"], c["to_stage"]) for c in body["timeline"]] == [("negotiating", "signed")]
    assert body["timeline"][0]["actor"] == "测试链长"
    assert [(p["year"], Decimal(str(p["amount"]))) for p in body["plans"]] == [(today.year, Decimal("8000"))]
    assert [r["month"] for r in body["reports"]] == [today.replace(day=1).isoformat()]
    assert body["may_manage"] is True and body["may_report"] is True and body["description"] == "测试建设内容。"
    reader = login(personas.ent_user).get(f"/api/projects/{ours.pk}").json()
    assert reader["may_manage"] is False and reader["may_report"] is True


def test_register_a_project_through_the_form_rules(personas):
    response = _send(login(personas.chief), "POST", "/api/projects/", _new(personas, planned_investment="5.2亿"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["stage"] == "negotiating" and Decimal(str(body["planned_investment"])) == Decimal("52000")
    assert body["owner"] == personas.ours.enterprise.name and body["may_manage"] is True
    assert _audited(Project.objects.get(pk=body["id"]), AuditAction.CREATE, personas.chief)
    by_liaison = _send(login(personas.liaison), "POST", "/api/projects/", _new(personas, name=f"{PREFIX}专员登记"))
    assert by_liaison.status_code == 201
    assert Project.objects.get(pk=by_liaison.json()["id"]).liaison == personas.liaison  # the liaison follows it


@pytest.mark.parametrize(
    ("key", "extra", "status", "field"),
    [
        ("ent_user", {}, 403, None),
        ("handler", {}, 403, None),
        ("x_chief", {}, 422, "chain_id"),  # not on our chain's team: the form does not offer it
        ("x_district", {}, 422, "region_id"),  # a district admin registers in their own district only
        ("chief", {"enterprise_id": None}, 422, "enterprise_id"),  # no owner
        ("chief", {"node_id": "theirs"}, 422, "node_id"),
        ("chief", {"planned_investment": "很多"}, 422, "planned_investment"),
    ],
)
def test_register_refused(personas, key, extra, status, field):
    if extra.get("node_id") == "theirs":
        extra = {"node_id": personas.theirs.node.pk}
    before = Project.objects.count()
    response = _send(login(personas.user(key)), "POST", "/api/projects/", _new(personas, **extra))
    assert response.status_code == status, response.content
    body = response.json()
    assert body["detail"] and (field is None or field in {e["field"] for e in body["errors"]})
    assert Project.objects.count() == before


def test_edit_changes_what_is_given(personas, membrane):
    client = login(personas.liaison)  # serves the owner enterprise: manages the project
    response = _send(client, "PATCH", f"/api/projects/{membrane.pk}", {"planned_investment": 60000, "land_mu": "85.5"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert Decimal(str(body["planned_investment"])) == Decimal("60000") and Decimal(str(body["land_mu"])) == Decimal(
        "85.5"
    )
    assert body["name"] == f"{PREFIX}医用膜材" and body["enterprise_id"] == personas.ours.enterprise.pk
    assert _audited(membrane, AuditAction.UPDATE, personas.liaison)
    refused = _send(client, "PATCH", f"/api/projects/{membrane.pk}", {"name": " "})
    assert refused.status_code == 422 and refused.json()["errors"] == [
        {"field": "name", "detail": "这个字段是必填项。"}
    ]
    assert _send(login(personas.ent_user), "PATCH", f"/api/projects/{membrane.pk}", {"name": "x"}).status_code == 403
    assert _send(login(personas.x_district), "PATCH", f"/api/projects/{membrane.pk}", {"name": "x"}).status_code == 404
    assert Project.objects.get(pk=membrane.pk).name == f"{PREFIX}医用膜材"


def test_production_lines(personas, membrane):
    client = login(personas.chief)
    response = _send(client, "POST", f"/api/projects/{membrane.pk}/lines", {"name": "腹透袋生产线", "count": 4})
    assert response.status_code == 201, response.content
    line = ProductionLine.objects.get(pk=response.json()["id"])
    assert (line.name, line.count, line.project_id) == ("腹透袋生产线", 4, membrane.pk)
    assert _audited(line, AuditAction.CREATE, personas.chief)
    bad = _send(client, "POST", f"/api/projects/{membrane.pk}/lines", {"name": "x", "count": 0})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "count"
    assert (
        _send(login(personas.ent_user), "POST", f"/api/projects/{membrane.pk}/lines", {"name": "x"}).status_code == 403
    )
    foreign = personas.ours.line
    assert _send(client, "DELETE", f"/api/projects/{membrane.pk}/lines/{foreign.pk}").status_code == 404
    assert _send(client, "DELETE", f"/api/projects/{membrane.pk}/lines/{line.pk}").status_code == 204
    assert not ProductionLine.objects.filter(pk=line.pk).exists()
    assert _audited(line, AuditAction.DELETE, personas.chief)


def test_yearly_plan(personas):
    ours, year = personas.ours.project, personas.today.year
    client = login(personas.chief)
    response = _send(client, "POST", f"/api/projects/{ours.pk}/plans", {"year": year, "amount": "1.2亿"})
    assert response.status_code == 200, response.content
    plan = InvestmentPlan.objects.get(project=ours, year=year)
    assert plan.amount == Decimal("12000") and _audited(plan, AuditAction.UPDATE, personas.chief)
    assert _send(client, "POST", f"/api/projects/{ours.pk}/plans", {"year": year + 1, "amount": 500}).status_code == 200
    for payload, field in (({"year": 1999, "amount": 1}, "year"), ({"year": year, "amount": "很多"}, "amount")):
        bad = _send(client, "POST", f"/api/projects/{ours.pk}/plans", payload)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == field
    refused = _send(login(personas.ent_user), "POST", f"/api/projects/{ours.pk}/plans", {"year": year, "amount": 1})
    assert refused.status_code == 403
    assert InvestmentPlan.objects.get(project=ours, year=year).amount == Decimal("12000")


def test_monthly_report_by_the_enterprise(personas, membrane):
    ours, today = personas.ours.project, personas.today
    client = login(personas.ent_user)
    this_month = f"{today:%Y-%m}"
    response = _send(
        client, "POST", f"/api/projects/{ours.pk}/reports", {"month": this_month, "amount": 700, "note": "主体封顶"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["replaced"] is True and response.json()["reported_by"] == "测试企业用户"
    report = InvestmentReport.objects.get(project=ours, month=today.replace(day=1))
    assert report.amount == Decimal("700") and _audited(report, AuditAction.UPDATE, personas.ent_user)
    future = f"{today.year + 1}年1月"
    for payload, message in (
        ({"month": future, "amount": 1}, "不能填报未来月份的投资。"),
        ({"month": "2026/13", "amount": 1}, "月份格式不正确"),
    ):
        bad = _send(client, "POST", f"/api/projects/{ours.pk}/reports", payload)
        assert bad.status_code == 422 and message in bad.json()["detail"]
    talks = _send(
        login(personas.chief), "POST", f"/api/projects/{membrane.pk}/reports", {"month": this_month, "amount": 1}
    )
    assert talks.status_code == 422 and "“在谈”阶段的项目不填报投资完成情况。" in talks.json()["detail"]
    outside = _send(
        login(personas.x_ent_user), "POST", f"/api/projects/{ours.pk}/reports", {"month": this_month, "amount": 1}
    )
    assert outside.status_code == 404


def test_a_read_token_cannot_register_or_report(personas):
    _token, secret = api_services.token_create(
        actor=personas.sysadmin,
        user=personas.chief,
        name="测试项目只读令牌",
        scopes={"projects": "read"},
        expires_at=clock.now() + dt.timedelta(days=30),
    )
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {secret}"})
    assert client.get(f"/api/projects/{personas.ours.project.pk}").status_code == 200
    before = Project.objects.count()
    response = _send(client, "POST", "/api/projects/", _new(personas))
    assert response.status_code == 403 and "只读" in response.json()["detail"]
    assert _send(client, "PATCH", f"/api/projects/{personas.ours.project.pk}", {"name": "x"}).status_code == 403
    assert Project.objects.count() == before
