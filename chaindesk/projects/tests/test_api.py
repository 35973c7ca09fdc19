"""The projects API: session auth, the visible list, one project, and stage changes through the service
(200, 409 on a stale expected_stage, 422 with the message on a broken rule, 404 outside the scope)."""

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from chaindesk.accounts.models import Region, User
from chaindesk.chains.models import Chain
from chaindesk.enterprises.models import Enterprise
from chaindesk.projects import services
from chaindesk.projects.choices import ProjectStage
from chaindesk.projects.models import Project, StageChange

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too

BOSHEN = "江苏博生医用新材料股份有限公司"
PREFIX = "测试接口项目"


@pytest.fixture
def membrane() -> Project:
    return services.project_create(
        actor=User.objects.get(username="jiangdd"),
        name=f"{PREFIX}医用膜材",
        chain=Chain.objects.get(code="biomed"),
        region=Region.objects.get(code="321281"),
        enterprise=Enterprise.objects.get(name=BOSHEN),
        planned_investment=Decimal("52000"),
    )


@pytest.fixture
def jingjiang() -> Project:
    equip = Chain.objects.get(code="equip")
    return services.project_create(
        actor=equip.chief,
        name=f"{PREFIX}靖江装备",
        chain=equip,
        region=Region.objects.get(code="321282"),
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


def test_list_holds_only_visible_projects(client_as, membrane, jingjiang):
    items = client_as("jiangdd").get(f"/api/projects/?q={PREFIX}&limit=100").json()["items"]
    assert [i["name"] for i in items] == [membrane.name]
    assert items[0]["owner"] == BOSHEN and items[0]["stage"] == "negotiating" and items[0]["stage_label"] == "在谈"
    assert Decimal(str(items[0]["planned_investment"])) == Decimal("52000")
    assert items[0]["plan_amount"] is None and Decimal(str(items[0]["done_ytd"])) == 0 and items[0]["is_stale"] is False
    items = client_as("lz_321282").get(f"/api/projects/?q={PREFIX}").json()["items"]
    assert [i["name"] for i in items] == []  # an investor-owned 靖江 project has no liaison yet
    items = client_as("da_321282").get(f"/api/projects/?q={PREFIX}").json()["items"]
    assert [i["name"] for i in items] == [jingjiang.name]


def test_one_project_in_and_out_of_scope(client_as, membrane):
    response = client_as("jiangdd").get(f"/api/projects/{membrane.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == membrane.name and body["allowed_transitions"] == ["signed", "paused", "terminated"]
    reader = client_as("liuyang").get(f"/api/projects/{membrane.pk}").json()
    assert reader["allowed_transitions"] == []
    assert client_as("da_321282").get(f"/api/projects/{membrane.pk}").status_code == 404
    assert client_as("jiangdd").get("/api/projects/987654321").status_code == 404


def test_transition_ok(client_as, membrane):
    day = timezone.localdate() - dt.timedelta(days=1)
    response = _post(
        client_as("jiangdd"), membrane, to_stage="signed", on=day.isoformat(), expected_stage="negotiating"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["stage"] == "signed" and body["signed_on"] == day.isoformat()
    assert body["allowed_transitions"] == ["started", "paused", "terminated"]
    assert StageChange.objects.filter(project=membrane, to_stage="signed").count() == 1


def test_transition_on_stale_expected_stage_is_409(client_as, membrane):
    client = client_as("jiangdd")
    assert _post(client, membrane, to_stage="signed", expected_stage="negotiating").status_code == 200
    response = _post(client_as("liming"), membrane, to_stage="paused", expected_stage="negotiating", reason="缓建")
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
def test_transition_rule_broken_is_422_with_the_message(client_as, membrane, payload, message):
    response = _post(client_as("jiangdd"), membrane, **payload)
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert message in response.json()["detail"]
    assert Project.objects.get(pk=membrane.pk).stage == ProjectStage.NEGOTIATING


def test_transition_bad_payload_is_422(client_as, membrane):
    assert _post(client_as("jiangdd"), membrane, to_stage="bogus").status_code == 422
    assert _post(client_as("jiangdd"), membrane, to_stage="signed", on="明天").status_code == 422


def test_transition_by_reader_is_403_and_outside_scope_404(client_as, membrane):
    assert _post(client_as("liuyang"), membrane, to_stage="signed").status_code == 403
    assert _post(client_as("da_321282"), membrane, to_stage="signed").status_code == 404
    assert Project.objects.get(pk=membrane.pk).stage == ProjectStage.NEGOTIATING


def test_schema_lists_the_projects_endpoints(client_as):
    paths = client_as("jiangdd").get("/api/openapi.json").json()["paths"]
    assert "/api/projects/" in paths and "/api/projects/{project_id}/transition" in paths


def test_list_query_count_is_pinned(client_as, django_assert_max_num_queries):
    chain = Chain.objects.get(code="biomed")
    region = Region.objects.get(code="321281")
    chief = User.objects.get(username="jiangdd")
    Project.objects.bulk_create(
        Project(name=f"{PREFIX}批量{i}", investor_name="某投资方", chain=chain, region=region, created_by=chief)
        for i in range(60)
    )
    client = client_as("jiangdd")
    assert client.get("/api/projects/?limit=100").status_code == 200
    with django_assert_max_num_queries(5):
        response = client.get("/api/projects/?limit=100&sort=-investment")
    assert response.status_code == 200 and response.json()["count"] >= 60
