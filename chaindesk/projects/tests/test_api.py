"""The projects API: session auth, the visible list, one project, and stage changes through the service
(200, 409 on a stale expected_stage, 422 with the message on a broken rule, 404 outside the scope)."""

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from chaindesk.projects.choices import ProjectStage
from chaindesk.projects.models import Project, StageChange
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
