"""The leads API (chaindesk/leads/api.py) on the fixed personas: one lead with its follow-ups, create, edit, the
stage moves, 放弃, 签约转项目 and 添加跟进, each for a persona in scope (200/201, with its audit line), one out of
scope (404), a role the lead pages refuse (403) and bad input (422 with the Chinese message).

The world's own lead (`personas.ours.lead`): on 测试甲链, owned by our chief, aimed at 测试甲区, at 新线索, with one
follow-up. Our chain's team (chief, member) manages it; our district admin reads it only; 测试乙链's chief does not
see it; enterprise users and department handlers have no lead pages."""

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from chaindesk.accounts.models import Region
from chaindesk.api import services as api_services
from chaindesk.api.tests.test_problem_json import assert_problem
from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.leads.choices import LeadStage
from chaindesk.leads.models import Lead, LeadFollowUp
from chaindesk.projects.choices import ProjectStage
from chaindesk.projects.tests.factories import login
from chaindesk.testkit.personas import Personas

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # stage and follow-up dates are checked against today


def _json(client: Client, method: str, path: str, payload: dict[str, Any]) -> Any:
    return getattr(client, method)(path, data=json.dumps(payload, default=str), content_type="application/json")


def _lines(obj: Any, action: str, **fields: Any) -> Any:
    kind = ContentType.objects.get_for_model(type(obj))
    return AuditLog.objects.filter(content_type=kind, object_id=str(obj.pk), action=action, **fields)


def _audited(obj: Any, action: str) -> bool:
    return _lines(obj, action).exists()


@pytest.fixture
def lead(personas: Personas) -> Lead:
    return personas.ours.lead


def url(lead: Lead, action: str = "") -> str:
    return f"/api/leads/{lead.pk}" + (f"/{action}" if action else "")


def test_anonymous_is_refused(client: Client, lead: Lead) -> None:
    assert_problem(client.get(url(lead)), 401)
    assert_problem(_json(client, "post", url(lead, "advance"), {"to_stage": "contacted"}), 401)


def test_one_lead_with_its_follow_ups_and_buttons(personas: Personas, lead: Lead) -> None:
    body = login(personas.chief).get(url(lead)).json()
    assert body["title"] == lead.title and body["stage"] == "new" and body["stage_label"] == "新线索"
    assert body["chain"] == personas.ours.chain.name and body["talent"] == personas.ours.talent.name
    assert body["may_manage"] is True and body["allowed_stages"] == ["contacted", "inspected", "negotiating"]
    assert [f["notes"] for f in body["follow_ups"]] == ["测试跟进：已电话沟通。"]
    reader = login(personas.district).get(url(lead)).json()  # aimed at their district: reads, no buttons
    assert reader["title"] == lead.title and reader["may_manage"] is False and reader["allowed_stages"] == []


def test_out_of_scope_is_404_and_other_roles_403(personas: Personas, lead: Lead) -> None:
    assert_problem(login(personas.x_chief).get(url(lead)), 404)
    assert_problem(login(personas.liaison).get(url(lead)), 404)  # a liaison sees only the leads they own
    assert_problem(login(personas.chief).get("/api/leads/987654321"), 404)
    assert_problem(login(personas.ent_user).get(url(lead)), 403)
    assert_problem(login(personas.handler).get(url(lead)), 403)


def test_the_list_still_answers_beside_the_create(personas: Personas, lead: Lead) -> None:
    response = login(personas.chief).get("/api/leads/?stage=open")
    assert response.status_code == 200 and lead.title in {row["title"] for row in response.json()["items"]}


# --- create and edit --------------------------------------------------------------------------------------------


def _new(p: Personas, **fields: Any) -> dict[str, Any]:
    return {
        "title": "接口登记的线索",
        "source": "expo",
        "investor": "深圳某材料集团",
        "chain_id": p.ours.chain.pk,
    } | fields


def test_create_by_the_team_and_by_a_liaison(personas: Personas) -> None:
    p = personas
    response = _json(
        login(p.chief), "post", "/api/leads/", _new(p, estimated_investment="8000", node_id=p.ours.node.pk)
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner_id"] == p.chief.pk and body["stage"] == "new" and Decimal(body["estimated_investment"]) == 8000
    assert _audited(Lead.objects.get(pk=body["id"]), AuditAction.CREATE)
    mine = _json(login(p.liaison), "post", "/api/leads/", _new(p, title="专员的线索"))
    assert mine.status_code == 201 and mine.json()["owner_id"] == p.liaison.pk


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"source": "referral"}, "referrer", "以商引商线索须填写引荐企业。"),
        ({"source": "remote"}, "source_city", "异地对接线索须填写对接城市"),
        ({"owner_id": 987654321}, "owner_id", "选择一个有效的选项"),
        ({"node_id": 987654321}, "node_id", "选择一个有效的选项"),
    ],
)
def test_create_refuses_bad_input_with_the_message(personas: Personas, fields: dict, field: str, message: str) -> None:
    before = Lead.objects.count()
    body = assert_problem(_json(login(personas.chief), "post", "/api/leads/", _new(personas, **fields)), 422)
    assert any(e["field"] == field and message in e["detail"] for e in body["errors"]), body
    assert Lead.objects.count() == before


def test_create_on_a_chain_outside_the_team_or_an_unseen_referrer_is_422(personas: Personas) -> None:
    p = personas
    body = assert_problem(_json(login(p.x_chief), "post", "/api/leads/", _new(p)), 422)
    assert [e["field"] for e in body["errors"]] == ["chain_id"]
    hidden = _new(p, source="referral", referrer_id=p.theirs.enterprise.pk)
    body = assert_problem(_json(login(p.chief), "post", "/api/leads/", hidden), 422)
    assert body["errors"] == [{"field": "referrer_id", "detail": "引荐企业不存在或您无权查看。"}]
    body = assert_problem(_json(login(p.chief), "post", "/api/leads/", {"title": "缺投资方"}), 422)
    assert {e["field"] for e in body["errors"]} == {"source", "investor", "chain_id"}


def test_create_by_a_role_that_records_no_leads_is_403(personas: Personas) -> None:
    assert_problem(_json(login(personas.district), "post", "/api/leads/", _new(personas)), 403)
    assert_problem(_json(login(personas.ent_user), "post", "/api/leads/", _new(personas)), 403)


def test_edit_changes_only_what_is_sent(personas: Personas, lead: Lead) -> None:
    response = _json(
        login(personas.member), "patch", url(lead), {"title": "改名后的线索", "estimated_investment": 30000}
    )
    assert response.status_code == 200, response.content
    lead.refresh_from_db()
    assert lead.title == "改名后的线索" and lead.estimated_investment == Decimal("30000")
    assert lead.talent == personas.ours.talent and lead.node == personas.ours.node  # not sent: kept
    assert _audited(lead, AuditAction.UPDATE)


def test_edit_refusals(personas: Personas, lead: Lead) -> None:
    assert_problem(_json(login(personas.district), "patch", url(lead), {"title": "越权"}), 403)
    assert_problem(_json(login(personas.x_chief), "patch", url(lead), {"title": "越权"}), 404)
    body = assert_problem(_json(login(personas.chief), "patch", url(lead), {"talent_id": None}), 422)
    assert "在外能人线索须填写引荐能人。" in body["detail"]
    assert_problem(_json(login(personas.chief), "patch", url(lead), {"title": ""}), 422)
    assert Lead.objects.get(pk=lead.pk).title == lead.title


# --- stages ---------------------------------------------------------------------------------------------------


def test_advance_and_the_409_of_a_stale_page(personas: Personas, lead: Lead) -> None:
    chief = login(personas.chief)
    response = _json(chief, "post", url(lead, "advance"), {"to_stage": "inspected", "expected_stage": "new"})
    assert response.status_code == 200 and response.json()["allowed_stages"] == ["negotiating"]
    assert _lines(lead, AuditAction.TRANSITION).count() == 1
    stale = _json(
        login(personas.member), "post", url(lead, "advance"), {"to_stage": "contacted", "expected_stage": "new"}
    )
    body = assert_problem(stale, 409)
    assert "该线索已被他人变更为“考察”" in body["detail"]
    assert Lead.objects.get(pk=lead.pk).stage == LeadStage.INSPECTED


def test_advance_refusals(personas: Personas, lead: Lead) -> None:
    chief = login(personas.chief)
    body = assert_problem(_json(chief, "post", url(lead, "advance"), {"to_stage": "signed"}), 422)
    assert "签约请使用“签约转项目”" in body["detail"]
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    body = assert_problem(_json(chief, "post", url(lead, "advance"), {"to_stage": "contacted", "on": future}), 422)
    assert "日期不能晚于今天。" in body["detail"]
    assert_problem(_json(chief, "post", url(lead, "advance"), {"to_stage": "bogus"}), 422)
    assert_problem(_json(login(personas.district), "post", url(lead, "advance"), {"to_stage": "contacted"}), 403)
    assert_problem(_json(login(personas.x_chief), "post", url(lead, "advance"), {"to_stage": "contacted"}), 404)
    assert Lead.objects.get(pk=lead.pk).stage == LeadStage.NEW


def test_abandon_needs_a_reason(personas: Personas, lead: Lead) -> None:
    chief = login(personas.chief)
    body = assert_problem(_json(chief, "post", url(lead, "abandon"), {"reason": "  "}), 422)
    assert "放弃线索须填写原因。" in body["detail"]
    response = _json(chief, "post", url(lead, "abandon"), {"reason": "投资方转投外省", "expected_stage": "new"})
    assert response.status_code == 200 and response.json()["abandon_reason"] == "投资方转投外省"
    assert _lines(lead, AuditAction.TRANSITION, message="投资方转投外省").exists()
    body = assert_problem(_json(chief, "patch", url(lead), {"title": "已放弃的线索"}), 422)
    assert "线索已放弃，不能再修改。" in body["detail"]


def test_sign_creates_the_project(personas: Personas, lead: Lead) -> None:
    p = personas
    payload = {
        "name": "接口签约项目",
        "region_id": p.ours.region.pk,
        "planned_investment": "21000",
        "expected_stage": "new",
    }
    response = _json(login(p.chief), "post", url(lead, "sign"), payload | {"enterprise_id": p.ours.enterprise.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["project"] == "接口签约项目" and body["lead"]["stage"] == "signed"
    assert body["lead"]["project_id"] == body["project_id"]
    project = Lead.objects.get(pk=lead.pk).project
    assert project is not None and project.stage == ProjectStage.SIGNED and project.enterprise == p.ours.enterprise
    assert project.credited_talent == p.ours.talent and _audited(project, AuditAction.CREATE)
    assert _lines(lead, AuditAction.UPDATE, after={"project": project.pk}).exists()


def test_sign_refusals_change_nothing(personas: Personas, lead: Lead) -> None:
    p = personas
    chief = login(p.chief)
    province = Region.objects.filter(level="province").first()
    if province is not None:  # the form offers no province
        body = assert_problem(_json(chief, "post", url(lead, "sign"), {"name": "省级", "region_id": province.pk}), 422)
        assert body["errors"][0]["field"] == "region_id"
    hidden = {"name": "乙区企业项目", "region_id": p.ours.region.pk, "enterprise_id": p.theirs.enterprise.pk}
    body = assert_problem(_json(chief, "post", url(lead, "sign"), hidden), 422)
    assert body["errors"] == [{"field": "enterprise_id", "detail": "项目单位不存在或您无权查看。"}]
    body = assert_problem(_json(chief, "post", url(lead, "sign"), {"name": "缺地区", "region_id": None}), 422)
    assert body["errors"] == [{"field": "region_id", "detail": "请选择项目所在地区。"}]
    stale = {"name": "迟到的签约", "region_id": p.ours.region.pk, "expected_stage": "contacted"}
    assert_problem(_json(chief, "post", url(lead, "sign"), stale), 409)
    assert_problem(_json(login(p.district), "post", url(lead, "sign"), stale | {"expected_stage": "new"}), 403)
    assert Lead.objects.get(pk=lead.pk).stage == LeadStage.NEW and Lead.objects.get(pk=lead.pk).project_id is None


def test_sign_starts_from_the_leads_values_as_the_form_does(personas: Personas, lead: Lead) -> None:
    response = _json(login(personas.member), "post", url(lead, "sign"), {})
    assert response.status_code == 201, response.content
    project = Lead.objects.get(pk=lead.pk).project
    assert project is not None and (project.name, project.investor_name) == (lead.title, lead.investor)
    assert project.region == personas.ours.region and project.planned_investment == Decimal("20000")


def test_follow_up_sets_the_next_action(personas: Personas, lead: Lead) -> None:
    today = clock.today()
    payload = {"notes": "赴深圳洽谈", "next_action": "报送投资协议", "next_action_on": today + dt.timedelta(days=3)}
    response = _json(login(personas.member), "post", url(lead, "follow-ups"), payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["next_action"] == "报送投资协议" and body["last_follow_up_on"] == today.isoformat()
    assert body["follow_ups"][0]["notes"] == "赴深圳洽谈" and len(body["follow_ups"]) == 2
    assert _audited(LeadFollowUp.objects.get(lead=lead, notes="赴深圳洽谈"), AuditAction.CREATE)


def test_follow_up_refusals(personas: Personas, lead: Lead) -> None:
    body = assert_problem(
        _json(login(personas.chief), "post", url(lead, "follow-ups"), {"notes": "x", "next_action": "y"}), 422
    )
    assert body["errors"] == [{"field": "next_action_on", "detail": "请填写下次跟进日期。"}]
    assert_problem(_json(login(personas.chief), "post", url(lead, "follow-ups"), {}), 422)
    assert_problem(_json(login(personas.district), "post", url(lead, "follow-ups"), {"notes": "越权"}), 403)
    assert_problem(_json(login(personas.x_chief), "post", url(lead, "follow-ups"), {"notes": "越权"}), 404)
    assert LeadFollowUp.objects.filter(lead=lead).count() == 1


def test_a_read_token_reads_but_cannot_write(personas: Personas, lead: Lead) -> None:
    _token, secret = api_services.token_create(
        actor=personas.sysadmin,
        user=personas.chief,
        name="招商系统",
        scopes={"leads": "read"},
        expires_at=clock.now() + dt.timedelta(days=30),
    )
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {secret}"})
    assert client.get(url(lead)).status_code == 200
    body = assert_problem(_json(client, "post", url(lead, "advance"), {"to_stage": "contacted"}), 403)
    assert "仅有只读权限" in body["detail"]
    assert_problem(_json(client, "post", "/api/leads/", _new(personas)), 403)
    assert Lead.objects.get(pk=lead.pk).stage == LeadStage.NEW
