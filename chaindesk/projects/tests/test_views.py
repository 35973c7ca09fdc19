"""Project pages per persona: scope by URL guessing, the list's filters, sort, query count and export, the
create/edit form, the stage buttons (409 on a stale page, a broken rule changes nothing), production lines.

On the fixed personas' world (chaindesk/testkit/personas.py): our side is 测试甲链 in 测试甲区, theirs 测试乙链 in
测试乙区; the projects the tests add are named 测试项目… (factories.PREFIX)."""

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from chaindesk.chains import services as chain_services
from chaindesk.chains.extensions import node_counters
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.projects import services
from chaindesk.projects.choices import ProjectStage
from chaindesk.projects.models import ProductionLine, Project, StageChange
from chaindesk.testkit.personas import Personas, join_team

from . import factories
from .factories import PREFIX, login

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too


@pytest.fixture
def membrane(personas: Personas) -> Project:
    """Our enterprise's project on 测试甲链 in 测试甲区, in talks: in scope of our chain's team (chief, member), of
    our liaison (who serves the enterprise), our district admin and our enterprise user."""
    return factories.project(
        personas, f"{PREFIX}医用膜材", enterprise=personas.ours.enterprise, planned_investment=Decimal("52000")
    )


@pytest.fixture
def theirs(personas: Personas) -> Project:
    """Their enterprise's project on 测试乙链 in 测试乙区, in talks: in scope of the x_ personas only."""
    return factories.project(
        personas,
        f"{PREFIX}乙链装备",
        actor=personas.x_chief,
        chain=personas.theirs.chain,
        region=personas.theirs.region,
        enterprise=personas.theirs.enterprise,
        planned_investment=Decimal("8000"),
    )


# --- access --------------------------------------------------------------------------------------------


def _urls(project: Project) -> list[str]:
    return [
        reverse("projects:list"),
        reverse("projects:export"),
        reverse("projects:create"),
        reverse("projects:detail", args=[project.pk]),
        reverse("projects:edit", args=[project.pk]),
    ]


def test_anonymous_goes_to_login(client, membrane):
    for url in _urls(membrane):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    response = client.post(reverse("projects:transition", args=[membrane.pk]), {"to_stage": "signed"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Project.objects.get(pk=membrane.pk).stage == ProjectStage.NEGOTIATING


def test_department_handler_is_refused(personas, membrane):
    client = login(personas.handler)
    for url in _urls(membrane):
        assert client.get(url).status_code == 403, url
    response = client.post(reverse("projects:transition", args=[membrane.pk]), _move("signed", "negotiating"))
    assert response.status_code == 403
    assert Project.objects.get(pk=membrane.pk).stage == ProjectStage.NEGOTIATING


@pytest.mark.parametrize(
    ("key", "target", "status"),
    [
        ("chief", "membrane", 200),
        ("member", "membrane", 200),
        ("liaison", "membrane", 200),
        ("district", "membrane", 200),
        ("ent_user", "membrane", 200),
        ("chief", "theirs", 404),
        ("liaison", "theirs", 404),
        ("district", "theirs", 404),
        ("ent_user", "theirs", 404),
        ("x_liaison", "membrane", 404),
        ("x_district", "membrane", 404),
        ("x_chief", "membrane", 404),
        ("x_liaison", "theirs", 200),
        ("x_district", "theirs", 200),
        ("x_chief", "theirs", 200),
    ],
)
def test_detail_scope_by_url_guessing(personas, membrane, theirs, key, target, status):
    project = membrane if target == "membrane" else theirs
    client = login(personas.user(key))
    assert client.get(reverse("projects:detail", args=[project.pk])).status_code == status
    if status == 404:
        for url in (reverse("projects:edit", args=[project.pk]), reverse("projects:transition", args=[project.pk])):
            assert client.post(url, _move("signed", "negotiating")).status_code == 404
        assert Project.objects.get(pk=project.pk).stage == ProjectStage.NEGOTIATING


def test_out_of_scope_lookup_is_audited(personas, membrane):
    login(personas.x_district).get(reverse("projects:detail", args=[membrane.pk]))
    assert AuditLog.objects.filter(
        action=AuditAction.PERMISSION_DENIED, actor=personas.x_district, object_id=str(membrane.pk)
    ).exists()


def test_missing_project_is_404(personas):
    assert login(personas.chief).get(reverse("projects:detail", args=[987654321])).status_code == 404


def test_enterprise_user_reads_but_does_not_manage(personas, membrane):
    client = login(personas.ent_user)
    page = client.get(reverse("projects:detail", args=[membrane.pk])).content.decode()
    assert membrane.name in page and 'data-testid="stage-actions"' not in page
    assert client.get(reverse("projects:edit", args=[membrane.pk])).status_code == 403
    assert client.get(reverse("projects:create")).status_code == 403
    response = client.post(reverse("projects:transition", args=[membrane.pk]), _move("signed", "negotiating"))
    assert response.status_code == 403
    assert client.post(reverse("projects:line_add", args=[membrane.pk]), {"name": "x", "count": 1}).status_code == 403


# --- list ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "?sort=-investment", "?sort=stage&flag=stalled", "?q=测试&region={city}&page=2"])
def test_list_query_count_is_pinned(personas, django_assert_max_num_queries, query):
    factories.many_projects(personas, 65)
    client = login(personas.chief)
    url = reverse("projects:list") + query.format(city=personas.city.pk)
    assert client.get(url).status_code == 200  # warm-up: session, caches
    with django_assert_max_num_queries(6):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["rows"]  # the pin is taken over a page of rows, not an empty list


def test_list_shows_rows_paginated_with_progress(personas):
    factories.many_projects(personas, 65)
    client = login(personas.chief)
    page = client.get(reverse("projects:list") + f"?q={PREFIX}批量&sort=name").content.decode()
    assert "共 65 条" in page and f"{PREFIX}批量000" in page and f"{PREFIX}批量050" not in page
    assert "序时进度" in page and "8.3%" in page  # 100 / 1200 of this year's plan
    second = client.get(reverse("projects:list") + f"?q={PREFIX}批量&sort=name&page=2").content.decode()
    assert f"{PREFIX}批量050" in second


def _names(client: Any, query: str) -> set[str]:
    response = client.get(reverse("projects:list") + query + "&sort=name")
    return {p.name for p in response.context["rows"] if p.name.startswith(PREFIX)}


def test_list_filters(personas, membrane):
    investor = factories.project(
        personas, f"{PREFIX}外地投资", investor_name="上海某医疗器械集团", planned_investment=Decimal("5000")
    )
    client = login(personas.chief)
    assert _names(client, "?q=上海某医疗") == {investor.name}
    assert _names(client, "?q=测试甲企业") == {membrane.name}  # the owner enterprise's name
    assert _names(client, "?stage=negotiating&q=" + PREFIX) == {membrane.name, investor.name}
    assert _names(client, "?stage=signed&q=" + PREFIX) == set()
    assert _names(client, f"?region={personas.city.pk}&q={PREFIX}") == {membrane.name, investor.name}
    assert _names(client, "?stage=bogus&q=" + PREFIX) == {membrane.name, investor.name}  # ignored


def test_list_node_filter_includes_descendants(personas):
    chain, chief = personas.ours.chain, personas.chief
    up = chain_services.node_add(chain=chain, parent=None, name="测试上游", actor=chief)
    leaf = chain_services.node_add(chain=chain, parent=up, name="测试原料药", actor=chief)
    on_leaf = factories.project(personas, f"{PREFIX}原料药", enterprise=personas.ours.enterprise, node=leaf)
    factories.project(personas, f"{PREFIX}无环节", enterprise=personas.ours.enterprise)
    client = login(chief)
    assert _names(client, f"?node={up.pk}") == {on_leaf.name}
    assert _names(client, f"?node={leaf.pk}") == {on_leaf.name}


def test_list_flag_filter_finds_stale_projects(personas, membrane):
    chief = personas.chief
    old = timezone.localdate() - dt.timedelta(days=60)
    services.project_transition(project=membrane, to_stage="signed", on=old, actor=chief)
    fresh = factories.project(
        personas, f"{PREFIX}新签", enterprise=personas.ours.enterprise, planned_investment=Decimal(100)
    )
    services.project_transition(project=fresh, to_stage="signed", on=timezone.localdate(), actor=chief)
    client = login(chief)
    assert _names(client, f"?flag=stale&q={PREFIX}") == {membrane.name}
    page = client.get(reverse("projects:list") + f"?q={PREFIX}").content.decode()
    assert "停滞" in page and 'data-testid="flag-rules"' in page


def test_list_reached_this_year_filter(personas, membrane):
    """本年签约/开工/…: the step's date within this year (what the cockpit's funnel and the targets count)."""
    chief, today = personas.chief, timezone.localdate()
    new_year = today.replace(month=1, day=1)
    started = factories.project(
        personas, f"{PREFIX}今年开工", enterprise=personas.ours.enterprise, planned_investment=Decimal(900)
    )
    factories.advance(started, "started", on=new_year, actor=chief)
    old = factories.project(
        personas, f"{PREFIX}去年签约", enterprise=personas.ours.enterprise, planned_investment=Decimal(800)
    )
    services.project_transition(project=old, to_stage="signed", on=new_year - dt.timedelta(days=1), actor=chief)
    client = login(chief)
    assert _names(client, f"?reached=signed&q={PREFIX}") == {started.name}  # signed and started on 1 January
    assert _names(client, f"?reached=started&q={PREFIX}") == {started.name}
    assert _names(client, f"?reached=production&q={PREFIX}") == set()
    assert _names(client, f"?reached=bogus&q={PREFIX}") == {membrane.name, started.name, old.name}  # ignored


def test_list_scopes_and_create_button(personas, membrane, theirs):
    assert _names(login(personas.ent_user), f"?q={PREFIX}") == {membrane.name}
    assert _names(login(personas.x_liaison), f"?q={PREFIX}") == {theirs.name}
    assert _names(login(personas.district), f"?q={PREFIX}") == {membrane.name}
    assert "新增项目" in login(personas.chief).get(reverse("projects:list")).content.decode()
    assert "新增项目" not in login(personas.ent_user).get(reverse("projects:list")).content.decode()


def test_empty_list_says_why(personas):
    page = login(personas.chief).get(reverse("projects:list") + "?q=不存在的项目名称").content.decode()
    assert "没有符合条件的项目" in page


# --- export --------------------------------------------------------------------------------------------


def test_export_is_the_filtered_ledger_and_audited(personas, membrane, theirs):
    chief = personas.chief
    membrane = services.project_update(
        project=membrane,
        actor=chief,
        capacity_quantity=Decimal("3000"),
        capacity_unit="万平方米",
        land_mu=Decimal("80"),
        planned_started_on=dt.date(2027, 3, 1),
    )
    services.project_transition(project=membrane, to_stage="signed", on=dt.date(2026, 3, 2), actor=chief)
    services.plan_set(project=membrane, year=timezone.localdate().year, amount=Decimal("20000"), actor=chief)
    factories.project(personas, f"{PREFIX}其他", investor_name="某投资方")
    response = login(chief).get(reverse("projects:export") + f"?q={PREFIX}医用")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header_index = next(i for i, r in enumerate(rows) if r[0] == "项目名称")
    header = rows[header_index]
    for column in ("项目单位/投资方", "产业链", "环节", "地区", "建设性质", "级别", "阶段", "计划总投资(万元)", "产能"):
        assert column in header
    assert "用地(亩)" in header and "签约日期" in header and "达产日期" in header and "引荐" in header
    data = rows[header_index + 1 :]
    assert len(data) == 1
    row = dict(zip(header, data[0], strict=False))
    assert row["项目名称"] == f"{PREFIX}医用膜材" and row["项目单位/投资方"] == "测试甲企业有限公司"
    assert row["产业链"] == "测试甲链" and row["地区"] == "测试甲区"
    assert row["阶段"] == "签约" and row["计划总投资(万元)"] == 52000
    assert row["产能"] == "3000 万平方米/年" and row["用地(亩)"] == 80
    assert row["签约日期"] == "2026-03-02" and row["开工日期"] == "计划 2027-03-01"
    assert row["年度计划投资(万元)"] == 20000
    assert AuditLog.objects.filter(
        action=AuditAction.EXPORT, actor=chief, message__contains="项目台账导出 1 条"
    ).exists()


def test_export_respects_scope(personas, membrane, theirs):
    response = login(personas.x_liaison).get(reverse("projects:export") + f"?q={PREFIX}")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    names = {row[0] for row in sheet.iter_rows(values_only=True)}
    assert theirs.name in names and membrane.name not in names


# --- create and edit -----------------------------------------------------------------------------------


def _form(personas: Personas, **extra: Any) -> dict[str, Any]:
    data = {
        "name": f"{PREFIX}新建膜材二期",
        "enterprise": personas.ours.enterprise.pk,
        "investor_name": "",
        "chain": personas.ours.chain.pk,
        "node": "",
        "region": personas.ours.region.pk,
        "kind": "new",
        "level": "city",
        "planned_investment": "5.2亿",
        "capacity_quantity": "3000",
        "capacity_unit": "万平方米",
        "capacity_period": "year",
        "planned_started_on": "2027年3月1日",
    }
    data.update(extra)
    return data


def test_create_saves_amounts_and_dates(personas):
    response = login(personas.chief).post(reverse("projects:create"), _form(personas, expected_output="52,000"))
    project = Project.objects.get(name=f"{PREFIX}新建膜材二期")
    assert response.status_code == 302 and response["Location"] == reverse("projects:detail", args=[project.pk])
    assert project.planned_investment == Decimal("52000") and project.expected_output == Decimal("52000")
    assert project.planned_started_on == dt.date(2027, 3, 1) and project.stage == ProjectStage.NEGOTIATING
    assert project.level == "city" and project.capacity_unit == "万平方米"
    assert project.enterprise == personas.ours.enterprise and project.created_by == personas.chief


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"enterprise": "", "investor_name": ""}, "请选择项目单位，或填写尚未在本地登记的投资方名称。"),
        ({"planned_investment": "五亿"}, "无法识别金额"),
        ({"name": "  "}, "项目名称"),
        ({"planned_started_on": "明年三月"}, "计划开工日期"),
        ({"capacity_unit": ""}, "填写了设计产能时，请同时填写产能单位。"),
        ({"chain": ""}, "产业链"),
    ],
)
def test_create_validation_keeps_input_and_changes_nothing(personas, extra, message):
    before = Project.objects.count()
    response = login(personas.chief).post(reverse("projects:create"), _form(personas, **extra))
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page and 'data-testid="form-errors"' in page
    assert "万平方米" in page  # what was typed is kept
    assert Project.objects.count() == before


def test_create_refuses_node_of_another_chain(personas):
    # The member serves on both chains' teams here: both chains' segments are offered.
    join_team(personas.member, personas.theirs.chain)
    response = login(personas.member).post(reverse("projects:create"), _form(personas, node=personas.theirs.node.pk))
    assert response.status_code == 400
    assert "所选环节不属于“测试甲链”产业链。" in response.content.decode()
    assert Project.objects.filter(name=f"{PREFIX}新建膜材二期").count() == 0


def test_create_refuses_follow_on_of_another_owners_project(personas, theirs):
    chief = login(personas.chief)
    other_owner = factories.project(personas, f"{PREFIX}他人项目", enterprise=personas.ent2)
    response = chief.post(reverse("projects:create"), _form(personas, follow_on_of=other_owner.pk))
    assert response.status_code == 400 and "前期项目须为同一项目单位的项目。" in response.content.decode()
    earlier = factories.project(personas, f"{PREFIX}一期", enterprise=personas.ours.enterprise)
    response = chief.post(reverse("projects:create"), _form(personas, follow_on_of=earlier.pk, kind="expansion"))
    assert response.status_code == 302
    assert Project.objects.get(name=f"{PREFIX}新建膜材二期").follow_on_of == earlier


def test_create_offers_only_creatable_chains(personas):
    client = login(personas.chief)
    form = client.get(reverse("projects:create")).context["form"]
    codes = set(form.fields["chain"].queryset.values_list("code", flat=True))
    assert codes == {"p_ours"}  # the chief is on 测试甲链's team only, not 测试乙链's
    response = client.post(reverse("projects:create"), _form(personas, chain=personas.theirs.chain.pk))
    assert response.status_code == 400
    assert not Project.objects.filter(name=f"{PREFIX}新建膜材二期").exists()


def test_edit_changes_facts_and_is_audited(personas, membrane):
    client = login(personas.liaison)
    page = client.get(reverse("projects:edit", args=[membrane.pk])).content.decode()
    assert membrane.name in page and "52000" in page
    response = client.post(
        reverse("projects:edit", args=[membrane.pk]), _form(personas, name=membrane.name, land_mu="85.5")
    )
    assert response.status_code == 302
    membrane.refresh_from_db()
    assert membrane.land_mu == Decimal("85.5") and membrane.planned_investment == Decimal("52000")
    assert AuditLog.objects.filter(
        action=AuditAction.UPDATE, object_id=str(membrane.pk), actor=personas.liaison
    ).exists()


def test_edit_refuses_out_of_team_reader(personas, membrane):
    response = login(personas.ent_user).post(reverse("projects:edit", args=[membrane.pk]), _form(personas))
    assert response.status_code == 403
    assert Project.objects.get(pk=membrane.pk).name == membrane.name


# --- project page and stage changes --------------------------------------------------------------------


def _move(to_stage: str, expected: str, on: dt.date | None = None, reason: str = "") -> dict[str, str]:
    return {
        "to_stage": to_stage,
        "expected_stage": expected,
        "on": (on or timezone.localdate()).isoformat(),
        "reason": reason,
    }


def test_detail_shows_facts_buttons_and_history_tab(personas, membrane):
    page = login(personas.chief).get(reverse("projects:detail", args=[membrane.pk])).content.decode()
    assert "测试甲企业有限公司" in page and "5.20 亿元" in page
    assert 'data-testid="stage-action-signed"' in page and 'data-testid="stage-action-terminated"' in page
    assert 'data-testid="stage-action-started"' not in page  # not offered from 在谈
    assert 'name="expected_stage" value="negotiating"' in page
    assert "确定终止项目" in page  # confirmation before 终止
    assert reverse("core:history", args=["projects", "project", membrane.pk]) in page
    assert 'data-testid="project-investment"' in page


def test_transition_moves_the_stage_and_shows_it_on_the_timeline(personas, membrane):
    client = login(personas.chief)
    day = timezone.localdate() - dt.timedelta(days=3)
    response = client.post(reverse("projects:transition", args=[membrane.pk]), _move("signed", "negotiating", day))
    assert response.status_code == 302
    membrane.refresh_from_db()
    assert membrane.stage == ProjectStage.SIGNED and membrane.signed_on == day
    page = client.get(reverse("projects:detail", args=[membrane.pk])).content.decode()
    timeline = page[page.index('data-testid="stage-timeline"') :]
    assert day.isoformat() in timeline and "在谈 →" in timeline and str(personas.chief) in timeline
    assert 'data-testid="stage-action-started"' in page


def test_transition_on_a_stale_page_answers_409_and_changes_nothing(personas, membrane):
    services.project_transition(project=membrane, to_stage="signed", on=timezone.localdate(), actor=personas.chief)
    changes = StageChange.objects.filter(project=membrane).count()
    # The liaison's page still shows 在谈: they try to pause it.
    response = login(personas.liaison).post(
        reverse("projects:transition", args=[membrane.pk]), _move("paused", "negotiating", reason="资金未到位")
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert "该项目的阶段已被他人变更为“签约”" in page and 'data-testid="transition-error"' in page
    assert "项目当前阶段：签约" in page
    membrane.refresh_from_db()
    assert membrane.stage == ProjectStage.SIGNED and StageChange.objects.filter(project=membrane).count() == changes


@pytest.mark.parametrize(
    ("move", "message"),
    [
        (("started", "negotiating"), "项目不能从“在谈”变更为“开工”。"),
        (("signed", "negotiating", timezone.localdate() + dt.timedelta(days=1)), "变更日期不能晚于今天。"),
    ],
)
def test_transition_rule_broken_shows_message_and_changes_nothing(personas, membrane, move, message):
    response = login(personas.chief).post(reverse("projects:transition", args=[membrane.pk]), _move(*move))
    assert response.status_code == 400
    assert message in response.content.decode()
    membrane.refresh_from_db()
    assert membrane.stage == ProjectStage.NEGOTIATING and not StageChange.objects.filter(project=membrane).exists()


def test_pause_and_terminate_need_a_reason(personas, membrane):
    client = login(personas.chief)
    for stage in ("paused", "terminated"):
        response = client.post(reverse("projects:transition", args=[membrane.pk]), _move(stage, "negotiating"))
        assert response.status_code == 400 and "暂停或终止项目须填写原因。" in response.content.decode()
    assert Project.objects.get(pk=membrane.pk).stage == ProjectStage.NEGOTIATING
    response = client.post(
        reverse("projects:transition", args=[membrane.pk]), _move("paused", "negotiating", reason="环评待批")
    )
    assert response.status_code == 302
    page = client.get(reverse("projects:detail", args=[membrane.pk])).content.decode()
    assert "环评待批" in page and "恢复为“在谈”" in page


def test_transition_refuses_a_bad_date(personas, membrane):
    data = _move("signed", "negotiating") | {"on": "明天"}
    response = login(personas.chief).post(reverse("projects:transition", args=[membrane.pk]), data)
    assert response.status_code == 400 and 'data-testid="transition-error"' in response.content.decode()
    assert Project.objects.get(pk=membrane.pk).stage == ProjectStage.NEGOTIATING


def test_transition_only_by_post(personas, membrane):
    assert login(personas.chief).get(reverse("projects:transition", args=[membrane.pk])).status_code == 405


def test_production_lines_add_and_remove(personas, membrane):
    client = login(personas.chief)
    url = reverse("projects:line_add", args=[membrane.pk])
    response = client.post(url, {"name": "全自动腹透引流袋生产线", "count": "4", "capacity": "年产 1000 万只"})
    assert response.status_code == 302
    line = ProductionLine.objects.get(project=membrane)
    assert line.count == 4
    page = client.get(reverse("projects:detail", args=[membrane.pk])).content.decode()
    assert "全自动腹透引流袋生产线" in page and "确定删除生产线" in page
    bad = client.post(url, {"name": "", "count": "0"})
    assert bad.status_code == 400 and ProductionLine.objects.filter(project=membrane).count() == 1
    assert client.get(reverse("projects:line_remove", args=[membrane.pk, line.pk])).status_code == 405
    response = client.post(reverse("projects:line_remove", args=[membrane.pk, line.pk]))
    assert response.status_code == 302 and not ProductionLine.objects.filter(pk=line.pk).exists()


def test_line_of_another_project_is_404(personas, membrane):
    other = factories.project(personas, f"{PREFIX}另一个", enterprise=personas.ours.enterprise)
    line = services.line_add(project=other, actor=personas.chief, name="线", count=1)
    response = login(personas.chief).post(reverse("projects:line_remove", args=[membrane.pk, line.pk]))
    assert response.status_code == 404 and ProductionLine.objects.filter(pk=line.pk).exists()


def test_detail_shows_the_lead_it_came_from(personas, membrane):
    # Our lead (测试甲链测试线索, followed up once) becomes the project's origin, the way signing a lead links it.
    # The leads app comes later: reach its model through the reverse accessor instead of importing it.
    lead_model = Project._meta.get_field("lead").related_model
    url = reverse("projects:detail", args=[membrane.pk])
    chief = login(personas.chief)
    assert "测试甲链测试线索" not in chief.get(url).content.decode()
    lead_model.objects.filter(pk=personas.ours.lead.pk).update(project=membrane)
    page = chief.get(url).content.decode()
    assert "测试甲链测试线索" in page and "测试跟进：已电话沟通。" in page
    assert "测试甲链测试线索" not in login(personas.ent_user).get(url).content.decode()


def test_history_tab_lists_the_audit_lines(personas, membrane):
    url = reverse("core:history", args=["projects", "project", membrane.pk])
    assert login(personas.chief).get(url, headers={"HX-Request": "true"}).status_code == 200
    assert login(personas.x_district).get(url).status_code == 404


# --- chain map counter ---------------------------------------------------------------------------------


def test_chain_map_counter_counts_live_projects_per_node(personas):
    chain = personas.ours.chain
    node = chain_services.node_add(chain=chain, parent=None, name="测试计数环节", actor=personas.chief)
    counter = next(c for c in node_counters() if c.key == "projects")
    assert str(counter.label) == "项目(个)"
    assert node.pk not in counter.count(chain)  # a new segment has no project yet
    live = factories.project(personas, f"{PREFIX}计数一", enterprise=personas.ours.enterprise, node=node)
    dead = factories.project(personas, f"{PREFIX}计数二", enterprise=personas.ours.enterprise, node=node)
    services.project_transition(
        project=dead, to_stage="terminated", on=timezone.localdate(), actor=personas.chief, reason="企业放弃"
    )
    assert live.pk
    counts = counter.count(chain)
    assert counts[node.pk] == 1  # the live one, not the terminated one
    assert counts[personas.ours.node.pk] == 1  # our signed project, on the world's own segment


def test_detail_query_count_does_not_grow_with_lines_and_changes(personas, membrane, django_assert_max_num_queries):
    chief = personas.chief
    for i in range(5):
        services.line_add(project=membrane, actor=chief, name=f"生产线{i}", count=i + 1)
    services.project_transition(project=membrane, to_stage="signed", on=timezone.localdate(), actor=chief)
    client = login(chief)
    url = reverse("projects:detail", args=[membrane.pk])
    assert client.get(url).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200


def test_create_form_marks_segments_with_their_chain(personas):
    # The member serves on both chains' teams here: 测试乙链's segment is offered, marked with its chain.
    join_team(personas.member, personas.theirs.chain)
    page = login(personas.member).get(reverse("projects:create")).content.decode()
    chain, node = personas.theirs.chain, personas.theirs.node
    assert f'data-chain="{chain.pk}" value="{node.pk}"' in page or f'value="{node.pk}" data-chain="{chain.pk}"' in page
    assert "projects/form.js" in page


def test_detail_links_the_earlier_project_and_the_credited_talent(personas, membrane):
    talent = personas.ours.talent
    follow_on = factories.project(
        personas,
        f"{PREFIX}二期",
        enterprise=personas.ours.enterprise,
        kind="expansion",
        follow_on_of=membrane,
        credited_enterprise=personas.ent2,
        credited_talent=talent,
    )
    client = login(personas.chief)
    page = client.get(reverse("projects:detail", args=[follow_on.pk])).content.decode()
    assert membrane.name in page and reverse("projects:detail", args=[membrane.pk]) in page
    assert "测试甲链能人（上海·测试研究院）" in page  # the credited talent, as str(talent) shows it
    assert "测试甲二号企业有限公司" in page  # the credited enterprise
    earlier = client.get(reverse("projects:detail", args=[membrane.pk])).content.decode()
    assert 'data-testid="project-follow-ons"' in earlier and follow_on.name in earlier


def test_create_shows_the_services_refusal_next_to_the_field(personas):
    response = login(personas.chief).post(
        reverse("projects:create"), _form(personas, credited_enterprise=personas.ours.enterprise.pk)
    )
    assert response.status_code == 400
    assert "引荐企业不能是项目单位本身。" in response.content.decode()
    assert not Project.objects.filter(name=f"{PREFIX}新建膜材二期").exists()
