"""Project pages per persona: scope by URL guessing, the list's filters, sort, query count and export, the
create/edit form, the stage buttons (409 on a stale page, a broken rule changes nothing), production lines."""

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from chaindesk.accounts.models import Region, User
from chaindesk.chains.extensions import node_counters
from chaindesk.chains.models import Chain, ChainNode
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.enterprises.models import Enterprise
from chaindesk.projects import services
from chaindesk.projects.choices import ProjectStage
from chaindesk.projects.models import InvestmentPlan, InvestmentReport, ProductionLine, Project, StageChange

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too

BOSHEN = "江苏博生医用新材料股份有限公司"
PREFIX = "测试项目"


def _project(
    name: str,
    *,
    chain: str = "biomed",
    region: str = "321281",
    enterprise: Enterprise | None = None,
    investor: str = "",
    **fields: Any,
) -> Project:
    """Set-up through the create service, as a chain chief (or the chain's own chief for another chain)."""
    chain_obj = Chain.objects.get(code=chain)
    actor = chain_obj.chief if chain != "biomed" else User.objects.get(username="jiangdd")
    return services.project_create(
        actor=actor,
        name=name,
        chain=chain_obj,
        region=Region.objects.get(code=region),
        enterprise=enterprise,
        investor_name=investor,
        **fields,
    )


@pytest.fixture
def boshen() -> Enterprise:
    return Enterprise.objects.get(name=BOSHEN)


@pytest.fixture
def membrane(boshen: Enterprise) -> Project:
    """In scope of the 生物医药 team, 兴化市 (liming serves 博生, zhoutao administers 兴化) and liuyang (博生)."""
    return _project(f"{PREFIX}医用膜材", enterprise=boshen, planned_investment=Decimal("52000"))


@pytest.fixture
def jingjiang() -> Project:
    """A 高端装备 project in 靖江市, owned by a firm lz_321282 serves: out of scope of the 生物医药 personas."""
    firm = Enterprise.objects.filter(liaison__username="lz_321282").first()
    assert firm is not None
    equip = Chain.objects.get(code="equip")
    return services.project_create(
        actor=equip.chief,
        name=f"{PREFIX}靖江装备",
        chain=equip,
        region=Region.objects.get(code="321282"),
        enterprise=firm,
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


def test_department_handler_is_refused(client_as, membrane):
    client = client_as("chenjing")
    for url in _urls(membrane):
        assert client.get(url).status_code == 403, url
    response = client.post(reverse("projects:transition", args=[membrane.pk]), _move("signed", "negotiating"))
    assert response.status_code == 403
    assert Project.objects.get(pk=membrane.pk).stage == ProjectStage.NEGOTIATING


@pytest.mark.parametrize(
    ("username", "target", "status"),
    [
        ("jiangdd", "membrane", 200),
        ("wangzh", "membrane", 200),
        ("liming", "membrane", 200),
        ("zhoutao", "membrane", 200),
        ("liuyang", "membrane", 200),
        ("jiangdd", "jingjiang", 404),
        ("liming", "jingjiang", 404),
        ("zhoutao", "jingjiang", 404),
        ("liuyang", "jingjiang", 404),
        ("lz_321282", "membrane", 404),
        ("da_321282", "membrane", 404),
        ("lead_equip", "membrane", 404),
        ("lz_321282", "jingjiang", 200),
        ("da_321282", "jingjiang", 200),
        ("lead_equip", "jingjiang", 200),
    ],
)
def test_detail_scope_by_url_guessing(client_as, membrane, jingjiang, username, target, status):
    project = membrane if target == "membrane" else jingjiang
    client = client_as(username)
    assert client.get(reverse("projects:detail", args=[project.pk])).status_code == status
    if status == 404:
        for url in (reverse("projects:edit", args=[project.pk]), reverse("projects:transition", args=[project.pk])):
            assert client.post(url, _move("signed", "negotiating")).status_code == 404
        assert Project.objects.get(pk=project.pk).stage == ProjectStage.NEGOTIATING


def test_out_of_scope_lookup_is_audited(client_as, membrane):
    client_as("da_321282").get(reverse("projects:detail", args=[membrane.pk]))
    assert AuditLog.objects.filter(
        action=AuditAction.PERMISSION_DENIED, actor__username="da_321282", object_id=str(membrane.pk)
    ).exists()


def test_missing_project_is_404(client_as):
    assert client_as("jiangdd").get(reverse("projects:detail", args=[987654321])).status_code == 404


def test_enterprise_user_reads_but_does_not_manage(client_as, membrane):
    client = client_as("liuyang")
    page = client.get(reverse("projects:detail", args=[membrane.pk])).content.decode()
    assert membrane.name in page and 'data-testid="stage-actions"' not in page
    assert client.get(reverse("projects:edit", args=[membrane.pk])).status_code == 403
    assert client.get(reverse("projects:create")).status_code == 403
    response = client.post(reverse("projects:transition", args=[membrane.pk]), _move("signed", "negotiating"))
    assert response.status_code == 403
    assert client.post(reverse("projects:line_add", args=[membrane.pk]), {"name": "x", "count": 1}).status_code == 403


# --- list ----------------------------------------------------------------------------------------------


def _bulk(count: int, boshen: Enterprise) -> None:
    """Many projects on the 生物医药 chain, each with this year's plan and a report, spread over stages."""
    chain = Chain.objects.get(code="biomed")
    node = ChainNode.objects.filter(chain=chain).first()
    region = Region.objects.get(code="321281")
    chief = User.objects.get(username="jiangdd")
    stages = [ProjectStage.NEGOTIATING, ProjectStage.SIGNED, ProjectStage.STARTED, ProjectStage.BUILDING]
    projects = Project.objects.bulk_create(
        Project(
            name=f"{PREFIX}批量{i:03d}",
            enterprise=boshen if i % 2 else None,
            investor_name="" if i % 2 else f"测试投资方{i}",
            chain=chain,
            node=node,
            region=region,
            stage=stages[i % len(stages)],
            planned_investment=Decimal(1000 + i),
            last_progress_on=timezone.localdate() - dt.timedelta(days=i),
            created_by=chief,
        )
        for i in range(count)
    )
    year = timezone.localdate().year
    InvestmentPlan.objects.bulk_create(InvestmentPlan(project=p, year=year, amount=Decimal(1200)) for p in projects)
    InvestmentReport.objects.bulk_create(
        InvestmentReport(project=p, month=dt.date(year, 1, 1), amount=Decimal(100), reported_by=chief) for p in projects
    )


@pytest.mark.parametrize("query", ["", "?sort=-investment", "?sort=stage&flag=stalled", "?q=测试&region=1&page=2"])
def test_list_query_count_is_pinned(client_as, boshen, django_assert_max_num_queries, query):
    _bulk(65, boshen)
    client = client_as("jiangdd")
    url = reverse("projects:list") + query
    assert client.get(url).status_code == 200  # warm-up: session, caches
    with django_assert_max_num_queries(6):
        response = client.get(url)
    assert response.status_code == 200


def test_list_shows_rows_paginated_with_progress(client_as, boshen):
    _bulk(65, boshen)
    page = client_as("jiangdd").get(reverse("projects:list") + f"?q={PREFIX}批量&sort=name").content.decode()
    assert "共 65 条" in page and f"{PREFIX}批量000" in page and f"{PREFIX}批量050" not in page
    assert "序时进度" in page and "8.3%" in page  # 100 / 1200 of this year's plan
    second = client_as("jiangdd").get(reverse("projects:list") + f"?q={PREFIX}批量&sort=name&page=2").content.decode()
    assert f"{PREFIX}批量050" in second


def _names(client: Any, query: str) -> set[str]:
    response = client.get(reverse("projects:list") + query + "&sort=name")
    return {p.name for p in response.context["rows"] if p.name.startswith(PREFIX)}


def test_list_filters(client_as, boshen, membrane):
    investor = _project(f"{PREFIX}外地投资", investor="上海某医疗器械集团", planned_investment=Decimal("5000"))
    client = client_as("jiangdd")
    assert _names(client, "?q=上海某医疗") == {investor.name}
    assert _names(client, "?q=博生") == {membrane.name}
    assert _names(client, "?stage=negotiating&q=" + PREFIX) == {membrane.name, investor.name}
    assert _names(client, "?stage=signed&q=" + PREFIX) == set()
    xinghua = Region.objects.get(code="321281")
    taizhou = xinghua.parent
    assert taizhou is not None
    assert _names(client, f"?region={taizhou.pk}&q={PREFIX}") == {membrane.name, investor.name}
    assert _names(client, "?stage=bogus&q=" + PREFIX) == {membrane.name, investor.name}  # ignored


def test_list_node_filter_includes_descendants(client_as, boshen):
    chain = Chain.objects.get(code="biomed")
    up, _ = ChainNode.objects.get_or_create(chain=chain, parent=None, name="测试上游")
    leaf, _ = ChainNode.objects.get_or_create(chain=chain, parent=up, name="测试原料药")
    on_leaf = _project(f"{PREFIX}原料药", enterprise=boshen, node=leaf)
    _project(f"{PREFIX}无环节", enterprise=boshen)
    client = client_as("jiangdd")
    assert _names(client, f"?node={up.pk}") == {on_leaf.name}
    assert _names(client, f"?node={leaf.pk}") == {on_leaf.name}


def test_list_flag_filter_finds_stale_projects(client_as, boshen, membrane):
    chief = User.objects.get(username="jiangdd")
    old = timezone.localdate() - dt.timedelta(days=60)
    services.project_transition(project=membrane, to_stage="signed", on=old, actor=chief)
    fresh = _project(f"{PREFIX}新签", enterprise=boshen, planned_investment=Decimal(100))
    services.project_transition(project=fresh, to_stage="signed", on=timezone.localdate(), actor=chief)
    client = client_as("jiangdd")
    assert _names(client, f"?flag=stale&q={PREFIX}") == {membrane.name}
    page = client.get(reverse("projects:list") + f"?q={PREFIX}").content.decode()
    assert "停滞" in page and 'data-testid="flag-rules"' in page


def test_list_scopes_and_create_button(client_as, membrane, jingjiang):
    assert _names(client_as("liuyang"), f"?q={PREFIX}") == {membrane.name}
    assert _names(client_as("lz_321282"), f"?q={PREFIX}") == {jingjiang.name}
    assert _names(client_as("zhoutao"), f"?q={PREFIX}") == {membrane.name}
    assert "新增项目" in client_as("jiangdd").get(reverse("projects:list")).content.decode()
    assert "新增项目" not in client_as("liuyang").get(reverse("projects:list")).content.decode()


def test_empty_list_says_why(client_as):
    page = client_as("jiangdd").get(reverse("projects:list") + "?q=不存在的项目名称").content.decode()
    assert "没有符合条件的项目" in page


# --- export --------------------------------------------------------------------------------------------


def test_export_is_the_filtered_ledger_and_audited(client_as, boshen, membrane, jingjiang):
    chief = User.objects.get(username="jiangdd")
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
    _project(f"{PREFIX}其他", investor="某投资方")
    response = client_as("jiangdd").get(reverse("projects:export") + f"?q={PREFIX}医用")
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
    assert row["项目名称"] == membrane.name and row["项目单位/投资方"] == BOSHEN
    assert row["阶段"] == "签约" and row["计划总投资(万元)"] == 52000
    assert row["产能"] == "3000 万平方米/年" and row["用地(亩)"] == 80
    assert row["签约日期"] == "2026-03-02" and row["开工日期"] == "计划 2027-03-01"
    assert row["年度计划投资(万元)"] == 20000
    assert AuditLog.objects.filter(
        action=AuditAction.EXPORT, actor=chief, message__contains="项目台账导出 1 条"
    ).exists()


def test_export_respects_scope(client_as, membrane, jingjiang):
    response = client_as("lz_321282").get(reverse("projects:export") + f"?q={PREFIX}")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    names = {row[0] for row in sheet.iter_rows(values_only=True)}
    assert jingjiang.name in names and membrane.name not in names


# --- create and edit -----------------------------------------------------------------------------------


def _form(**extra: Any) -> dict[str, Any]:
    data = {
        "name": f"{PREFIX}新建膜材二期",
        "enterprise": Enterprise.objects.get(name=BOSHEN).pk,
        "investor_name": "",
        "chain": Chain.objects.get(code="biomed").pk,
        "node": "",
        "region": Region.objects.get(code="321281").pk,
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


def test_create_saves_amounts_and_dates(client_as):
    response = client_as("jiangdd").post(reverse("projects:create"), _form(expected_output="52,000"))
    project = Project.objects.get(name=f"{PREFIX}新建膜材二期")
    assert response.status_code == 302 and response["Location"] == reverse("projects:detail", args=[project.pk])
    assert project.planned_investment == Decimal("52000") and project.expected_output == Decimal("52000")
    assert project.planned_started_on == dt.date(2027, 3, 1) and project.stage == ProjectStage.NEGOTIATING
    assert project.level == "city" and project.capacity_unit == "万平方米"


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
def test_create_validation_keeps_input_and_changes_nothing(client_as, extra, message):
    before = Project.objects.count()
    response = client_as("jiangdd").post(reverse("projects:create"), _form(**extra))
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page and 'data-testid="form-errors"' in page
    assert "万平方米" in page  # what was typed is kept
    assert Project.objects.count() == before


def test_create_refuses_node_of_another_chain(client_as):
    # wangzh serves on both the 生物医药 and the 化工及新材料 teams: both chains' segments are offered.
    node = ChainNode.objects.filter(chain__code="chem").first()
    response = client_as("wangzh").post(reverse("projects:create"), _form(node=node.pk))
    assert response.status_code == 400
    assert "所选环节不属于“生物医药”产业链。" in response.content.decode()
    assert Project.objects.filter(name=f"{PREFIX}新建膜材二期").count() == 0


def test_create_refuses_follow_on_of_another_owners_project(client_as, jingjiang, boshen):
    firm = Enterprise.objects.visible_to(User.objects.get(username="jiangdd")).exclude(pk=boshen.pk).first()
    other_owner = _project(f"{PREFIX}他人项目", enterprise=firm)
    response = client_as("jiangdd").post(reverse("projects:create"), _form(follow_on_of=other_owner.pk))
    assert response.status_code == 400 and "前期项目须为同一项目单位的项目。" in response.content.decode()
    earlier = _project(f"{PREFIX}一期", enterprise=boshen)
    response = client_as("jiangdd").post(reverse("projects:create"), _form(follow_on_of=earlier.pk, kind="expansion"))
    assert response.status_code == 302
    assert Project.objects.get(name=f"{PREFIX}新建膜材二期").follow_on_of == earlier


def test_create_offers_only_creatable_chains(client_as):
    form = client_as("jiangdd").get(reverse("projects:create")).context["form"]
    codes = set(form.fields["chain"].queryset.values_list("code", flat=True))
    assert "biomed" in codes and "equip" not in codes
    equip = Chain.objects.get(code="equip")
    response = client_as("jiangdd").post(reverse("projects:create"), _form(chain=equip.pk))
    assert response.status_code == 400


def test_edit_changes_facts_and_is_audited(client_as, membrane):
    client = client_as("liming")
    page = client.get(reverse("projects:edit", args=[membrane.pk])).content.decode()
    assert membrane.name in page and "52000" in page
    response = client.post(reverse("projects:edit", args=[membrane.pk]), _form(name=membrane.name, land_mu="85.5"))
    assert response.status_code == 302
    membrane.refresh_from_db()
    assert membrane.land_mu == Decimal("85.5") and membrane.planned_investment == Decimal("52000")
    assert AuditLog.objects.filter(action=AuditAction.UPDATE, object_id=str(membrane.pk)).exists()


def test_edit_refuses_out_of_team_reader(client_as, membrane):
    assert client_as("liuyang").post(reverse("projects:edit", args=[membrane.pk]), _form()).status_code == 403
    assert Project.objects.get(pk=membrane.pk).name == membrane.name


# --- project page and stage changes --------------------------------------------------------------------


def _move(to_stage: str, expected: str, on: dt.date | None = None, reason: str = "") -> dict[str, str]:
    return {
        "to_stage": to_stage,
        "expected_stage": expected,
        "on": (on or timezone.localdate()).isoformat(),
        "reason": reason,
    }


def test_detail_shows_facts_buttons_and_history_tab(client_as, membrane):
    page = client_as("jiangdd").get(reverse("projects:detail", args=[membrane.pk])).content.decode()
    assert BOSHEN in page and "5.20 亿元" in page
    assert 'data-testid="stage-action-signed"' in page and 'data-testid="stage-action-terminated"' in page
    assert 'data-testid="stage-action-started"' not in page  # not offered from 在谈
    assert 'name="expected_stage" value="negotiating"' in page
    assert "确定终止项目" in page  # confirmation before 终止
    assert reverse("core:history", args=["projects", "project", membrane.pk]) in page
    assert 'data-testid="project-investment"' in page


def test_transition_moves_the_stage_and_shows_it_on_the_timeline(client_as, membrane):
    client = client_as("jiangdd")
    day = timezone.localdate() - dt.timedelta(days=3)
    response = client.post(reverse("projects:transition", args=[membrane.pk]), _move("signed", "negotiating", day))
    assert response.status_code == 302
    membrane.refresh_from_db()
    assert membrane.stage == ProjectStage.SIGNED and membrane.signed_on == day
    page = client.get(reverse("projects:detail", args=[membrane.pk])).content.decode()
    timeline = page[page.index('data-testid="stage-timeline"') :]
    assert day.isoformat() in timeline and "在谈 →" in timeline and str(membrane.created_by) in timeline
    assert 'data-testid="stage-action-started"' in page


def test_transition_on_a_stale_page_answers_409_and_changes_nothing(client_as, membrane):
    chief = User.objects.get(username="jiangdd")
    services.project_transition(project=membrane, to_stage="signed", on=timezone.localdate(), actor=chief)
    changes = StageChange.objects.filter(project=membrane).count()
    # liming's page still shows 在谈: he tries to pause it.
    response = client_as("liming").post(
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
def test_transition_rule_broken_shows_message_and_changes_nothing(client_as, membrane, move, message):
    response = client_as("jiangdd").post(reverse("projects:transition", args=[membrane.pk]), _move(*move))
    assert response.status_code == 400
    assert message in response.content.decode()
    membrane.refresh_from_db()
    assert membrane.stage == ProjectStage.NEGOTIATING and not StageChange.objects.filter(project=membrane).exists()


def test_pause_and_terminate_need_a_reason(client_as, membrane):
    client = client_as("jiangdd")
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


def test_transition_refuses_a_bad_date(client_as, membrane):
    data = _move("signed", "negotiating") | {"on": "明天"}
    response = client_as("jiangdd").post(reverse("projects:transition", args=[membrane.pk]), data)
    assert response.status_code == 400 and 'data-testid="transition-error"' in response.content.decode()
    assert Project.objects.get(pk=membrane.pk).stage == ProjectStage.NEGOTIATING


def test_transition_only_by_post(client_as, membrane):
    assert client_as("jiangdd").get(reverse("projects:transition", args=[membrane.pk])).status_code == 405


def test_production_lines_add_and_remove(client_as, membrane):
    client = client_as("jiangdd")
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


def test_line_of_another_project_is_404(client_as, membrane, boshen):
    other = _project(f"{PREFIX}另一个", enterprise=boshen)
    line = services.line_add(project=other, actor=User.objects.get(username="jiangdd"), name="线", count=1)
    response = client_as("jiangdd").post(reverse("projects:line_remove", args=[membrane.pk, line.pk]))
    assert response.status_code == 404 and ProductionLine.objects.filter(pk=line.pk).exists()


def test_detail_shows_the_lead_it_came_from(client_as, membrane):
    # The leads app comes later: reach its model through the reverse accessor instead of importing it.
    lead_model = Project._meta.get_field("lead").related_model
    chief = User.objects.get(username="jiangdd")
    lead = lead_model.objects.create(
        title="测试线索：膜材扩产",
        source="business",
        investor="江苏博生",
        chain=membrane.chain,
        owner=chief,
        created_by=chief,
        project=membrane,
    )
    lead.follow_ups.create(followed_on=dt.date(2026, 5, 6), notes="企业确认扩产意向", created_by=chief)
    page = client_as("jiangdd").get(reverse("projects:detail", args=[membrane.pk])).content.decode()
    assert "测试线索：膜材扩产" in page and "企业确认扩产意向" in page
    assert (
        "测试线索：膜材扩产"
        not in client_as("liuyang").get(reverse("projects:detail", args=[membrane.pk])).content.decode()
    )


def test_history_tab_lists_the_audit_lines(client_as, membrane):
    url = reverse("core:history", args=["projects", "project", membrane.pk])
    assert client_as("jiangdd").get(url, headers={"HX-Request": "true"}).status_code == 200
    assert client_as("da_321282").get(url).status_code == 404


# --- chain map counter ---------------------------------------------------------------------------------


def test_chain_map_counter_counts_live_projects_per_node(boshen):
    chain = Chain.objects.get(code="biomed")
    node = ChainNode.objects.filter(chain=chain).first()
    counter = next(c for c in node_counters() if c.key == "projects")
    assert str(counter.label) == "项目(个)"
    before = counter.count(chain).get(node.pk, 0)
    live = _project(f"{PREFIX}计数一", enterprise=boshen, node=node)
    dead = _project(f"{PREFIX}计数二", enterprise=boshen, node=node)
    services.project_transition(
        project=dead,
        to_stage="terminated",
        on=timezone.localdate(),
        actor=User.objects.get(username="jiangdd"),
        reason="企业放弃",
    )
    assert live.pk
    assert counter.count(chain)[node.pk] == before + 1


def test_detail_query_count_does_not_grow_with_lines_and_changes(client_as, membrane, django_assert_max_num_queries):
    chief = User.objects.get(username="jiangdd")
    for i in range(5):
        services.line_add(project=membrane, actor=chief, name=f"生产线{i}", count=i + 1)
    services.project_transition(project=membrane, to_stage="signed", on=timezone.localdate(), actor=chief)
    client = client_as("jiangdd")
    url = reverse("projects:detail", args=[membrane.pk])
    assert client.get(url).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200


def test_create_form_marks_segments_with_their_chain(client_as):
    page = client_as("wangzh").get(reverse("projects:create")).content.decode()
    chem = Chain.objects.get(code="chem")
    node = ChainNode.objects.filter(chain=chem).first()
    assert f'data-chain="{chem.pk}" value="{node.pk}"' in page or f'value="{node.pk}" data-chain="{chem.pk}"' in page
    assert "projects/form.js" in page


def test_detail_links_the_earlier_project_and_the_credited_talent(client_as, boshen, membrane):
    talent_model = Project._meta.get_field("credited_talent").related_model
    talent = talent_model.objects.first()
    follow_on = _project(
        f"{PREFIX}二期",
        enterprise=boshen,
        kind="expansion",
        follow_on_of=membrane,
        credited_enterprise=Enterprise.objects.exclude(pk=boshen.pk).filter(chains__code="biomed").first(),
        credited_talent=talent,
    )
    page = client_as("jiangdd").get(reverse("projects:detail", args=[follow_on.pk])).content.decode()
    assert membrane.name in page and reverse("projects:detail", args=[membrane.pk]) in page
    if talent is not None:
        assert str(talent) in page
    earlier = client_as("jiangdd").get(reverse("projects:detail", args=[membrane.pk])).content.decode()
    assert 'data-testid="project-follow-ons"' in earlier and follow_on.name in earlier


def test_create_shows_the_services_refusal_next_to_the_field(client_as, boshen):
    response = client_as("jiangdd").post(reverse("projects:create"), _form(credited_enterprise=boshen.pk))
    assert response.status_code == 400
    assert "引荐企业不能是项目单位本身。" in response.content.decode()
    assert not Project.objects.filter(name=f"{PREFIX}新建膜材二期").exists()
