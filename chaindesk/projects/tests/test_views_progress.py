"""Pages of investment progress and the virtuous cycle, per persona: anonymous (login), wrong role (403), in
scope (200), out of scope (404); the plan and report forms (htmx and plain); export; query counts pinned.

On the fixed personas' world (chaindesk/testkit/personas.py): our side is 测试甲链 in 测试甲区, whose own project
(测试甲扩产项目) is signed with a plan of 8,000 万元 this year; theirs is 测试乙链 in 测试乙区."""

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.network import services as network_services
from chaindesk.network.models import Talent
from chaindesk.projects import services
from chaindesk.projects.choices import ProjectKind, ProjectStage
from chaindesk.projects.models import InvestmentPlan, InvestmentReport, Project
from chaindesk.testkit.personas import Personas

from . import factories
from .factories import login

# Written for the session clock's day (late November: 1,500.5 of 12,000 is behind 序时进度), not for any day.

HX = {"HX-Request": "true"}


@pytest.fixture
def project(personas: Personas) -> Project:
    """Our enterprise's signed 医用膜材 project on 测试甲链 in 测试甲区, with a plan and two monthly reports."""
    chief = personas.chief
    project = factories.project(
        personas, "进度测试医用膜材项目", enterprise=personas.ours.enterprise, planned_investment=Decimal("52000")
    )
    today = timezone.localdate()
    project = services.project_transition(
        project=project, to_stage=ProjectStage.SIGNED, on=dt.date(today.year, 1, 10), actor=chief
    )
    services.plan_set(project=project, year=today.year, amount=Decimal("12000"), actor=chief)
    services.investment_report(project=project, month=dt.date(today.year, 1, 1), amount=Decimal("1000"), actor=chief)
    services.investment_report(project=project, month=dt.date(today.year, 2, 1), amount=Decimal("500.5"), actor=chief)
    return project


def _url(name: str, pk: int | None = None) -> str:
    from django.urls import reverse

    return reverse(f"projects:{name}", args=[pk] if pk is not None else [])


# --- the summary page -------------------------------------------------------------------------------


def test_investment_page_roles(client: Any, personas: Personas, project: Project) -> None:
    url = _url("investment")
    assert client.get(url).status_code == 302  # anonymous → login
    for key in ("handler", "ent_user", "sysadmin", "auditor"):
        assert login(personas.user(key)).get(url).status_code == 403, key
    response = login(personas.chief).get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "测试甲链" in page and "序时进度" in page
    assert "完成率低于序时进度即为滞后" in page  # the rules are printed
    assert 'data-testid="investment-chart"' in page and "investment-chart-data" in page
    # Our two signed projects are both behind 序时进度 (1,500.5 of 12,000 and 600 of 8,000 by late November).
    assert "?flag=stalled" in page and "没有滞后或停滞的项目" not in page


def test_investment_page_out_of_scope_sees_none_of_the_chain(personas: Personas, project: Project) -> None:
    response = login(personas.x_chief).get(_url("investment"))
    assert response.status_code == 200
    assert "进度测试医用膜材项目" not in response.content.decode()
    rows = response.context["rows"]
    assert all(r.label != "测试甲链" for r in rows)


def test_investment_page_by_region_and_year(personas: Personas, project: Project) -> None:
    client = login(personas.district)  # 测试甲区's district admin
    response = client.get(_url("investment") + "?by=region&year=2025")
    assert response.status_code == 200
    assert response.context["by"] == "region" and response.context["year"] == 2025
    assert {r.label for r in response.context["rows"]} <= {"测试甲区"}
    # Nonsense parameters fall back to this year by chain.
    response = client.get(_url("investment") + "?by=x&year=abc")
    assert response.context["by"] == "chain" and response.context["year"] == timezone.localdate().year


def test_investment_page_lists_flagged_projects(personas: Personas, project: Project) -> None:
    # 1,500.5 of 12,000 by late in the year is behind 序时进度.
    response = login(personas.chief).get(_url("investment"))
    flagged = response.context["flagged"]
    mine = next(p for p in flagged if p.pk == project.pk)
    assert mine.is_behind and mine.rate_percent == Decimal("12.50")  # 1500.50 / 12000 = 0.12504 → 12.50 %
    assert f'href="/projects/{project.pk}/"' in response.content.decode()


def test_investment_page_query_count(personas: Personas, project: Project, django_assert_max_num_queries: Any) -> None:
    client = login(personas.chief)
    client.get(_url("investment"))  # warm-up: the session's last-seen time
    for query in ("", "?by=region", "?year=2025&by=chain"):
        with django_assert_max_num_queries(6):
            assert client.get(_url("investment") + query).status_code == 200


def test_investment_export(client: Any, personas: Personas, project: Project) -> None:
    assert client.get(_url("investment_export")).status_code == 302
    assert login(personas.ent_user).get(_url("investment_export")).status_code == 403
    before = AuditLog.objects.filter(action=AuditAction.EXPORT).count()
    response = login(personas.chief).get(_url("investment_export") + "?by=chain")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(body)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    labels = [row[0] for row in values]
    assert "测试甲链" in labels and "合计" in labels
    assert "测试乙链" not in labels  # the chief is not on 测试乙链's team
    assert AuditLog.objects.filter(action=AuditAction.EXPORT).count() == before + 1


# --- a project's investment section -------------------------------------------------------------------


def test_panel_roles(client: Any, personas: Personas, project: Project) -> None:
    url = _url("investment_panel", project.pk)
    assert client.get(url).status_code == 302
    assert login(personas.handler).get(url).status_code == 403
    for key in ("x_chief", "x_liaison", "x_district"):
        assert login(personas.user(key)).get(url).status_code == 404, key
    assert login(personas.chief).get(_url("investment_panel", 999_999)).status_code == 404


def test_panel_for_the_chief_full_page_and_fragment(personas: Personas, project: Project) -> None:
    client = login(personas.chief)
    response = client.get(_url("investment_panel", project.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" in page and 'data-testid="plan-form"' in page and 'data-testid="report-form"' in page
    assert "同一月份再次填报将替换该月原有数据" in page
    assert f"project-investment-chart-{project.pk}" in page
    assert response.context["progress"].done_ytd == Decimal("1500.50")
    fragment = client.get(_url("investment_panel", project.pk), headers=HX).content.decode()
    assert "<html" not in fragment and 'data-testid="report-table"' in fragment
    assert fragment.count('data-testid="report-row"') == 2


def test_panel_for_the_enterprise_user_reports_but_does_not_plan(personas: Personas, project: Project) -> None:
    page = login(personas.ent_user).get(_url("investment_panel", project.pk)).content.decode()
    assert 'data-testid="report-form"' in page
    assert 'data-testid="plan-form"' not in page


def test_panel_for_a_project_in_talks_offers_no_report(personas: Personas) -> None:
    talks = factories.project(personas, "在谈测试项目", enterprise=personas.ours.enterprise)
    client = login(personas.chief)
    page = client.get(_url("investment_panel", talks.pk)).content.decode()
    assert 'data-testid="report-closed"' in page and 'data-testid="report-form"' not in page
    response = client.post(_url("investment_report", talks.pk), {"month": "2026-01", "amount": "10"}, headers=HX)
    assert "不填报投资完成情况" in response.content.decode()
    assert not InvestmentReport.objects.filter(project=talks).exists()


def test_plan_set_accepts_yi_and_redirects(personas: Personas, project: Project) -> None:
    year = timezone.localdate().year
    client = login(personas.chief)
    next_url = f"/projects/{project.pk}/"
    response = client.post(
        _url("investment_plan", project.pk), {"year": str(year), "amount": "1.5亿", "next": next_url}
    )
    assert response.status_code == 302 and response["Location"] == next_url
    assert InvestmentPlan.objects.get(project=project, year=year).amount == Decimal("15000")
    # An outside `next` is ignored.
    response = client.post(
        _url("investment_plan", project.pk), {"year": str(year + 1), "amount": "1200", "next": "https://evil.example/"}
    )
    assert response["Location"] == _url("investment_panel", project.pk)
    assert InvestmentPlan.objects.get(project=project, year=year + 1).amount == Decimal("1200")


def test_plan_set_bad_input_changes_nothing(personas: Personas, project: Project) -> None:
    year = timezone.localdate().year
    client = login(personas.chief)
    for data in ({"year": str(year), "amount": "很多"}, {"year": "19", "amount": "100"}, {"year": str(year)}):
        response = client.post(_url("investment_plan", project.pk), data)
        assert response.status_code == 400
        assert 'class="invalid-feedback"' in response.content.decode()
    assert InvestmentPlan.objects.get(project=project, year=year).amount == Decimal("12000")
    response = client.post(_url("investment_plan", project.pk), {"year": str(year), "amount": "x"}, headers=HX)
    assert response.status_code == 200  # htmx swaps the section with the message in place
    assert "无法识别金额" in response.content.decode()


def test_plan_set_refused_for_reporters_and_outsiders(personas: Personas, project: Project) -> None:
    data = {"year": "2026", "amount": "1"}
    assert login(personas.ent_user).post(_url("investment_plan", project.pk), data).status_code == 403
    assert login(personas.x_chief).post(_url("investment_plan", project.pk), data).status_code == 404
    assert login(personas.chief).get(_url("investment_plan", project.pk)).status_code == 405
    assert InvestmentPlan.objects.get(project=project, year=timezone.localdate().year).amount == Decimal("12000")


def test_report_by_enterprise_user_and_replace(personas: Personas, project: Project) -> None:
    month = timezone.localdate().replace(day=1)
    client = login(personas.ent_user)
    response = client.post(
        _url("investment_report", project.pk),
        {"month": f"{month:%Y-%m}", "amount": "1200", "note": "设备进场"},
        headers=HX,
    )
    assert response.status_code == 200
    assert "已填报" in response.content.decode()
    response = client.post(
        _url("investment_report", project.pk),
        {"month": f"{month:%Y年%m月}", "amount": "0.15亿", "note": "封顶"},
        headers=HX,
    )
    assert "替换原填报数" in response.content.decode()
    report = InvestmentReport.objects.get(project=project, month=month)
    assert report.amount == Decimal("1500") and report.note == "封顶" and report.reported_by == personas.ent_user
    assert InvestmentReport.objects.filter(project=project).count() == 3


def test_report_bad_input_changes_nothing(personas: Personas, project: Project) -> None:
    today = timezone.localdate()
    future = (today.replace(day=28) + dt.timedelta(days=5)).replace(day=1)
    client = login(personas.chief)
    cases = [
        ({"month": f"{future:%Y-%m}", "amount": "10"}, "不能填报未来月份"),
        ({"month": "2026-13", "amount": "10"}, "月份格式不正确"),
        ({"month": f"{today:%Y-%m}", "amount": "-5"}, "无法识别金额"),
        ({"month": f"{today:%Y-%m}", "amount": ""}, "请填写当月完成投资"),
    ]
    for data, message in cases:
        response = client.post(_url("investment_report", project.pk), data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    assert InvestmentReport.objects.filter(project=project).count() == 2


def test_report_refused_out_of_scope(personas: Personas, project: Project) -> None:
    data = {"month": "2026-01", "amount": "1"}
    assert login(personas.handler).post(_url("investment_report", project.pk), data).status_code == 403
    for key in ("x_liaison", "x_district", "x_chief"):
        assert login(personas.user(key)).post(_url("investment_report", project.pk), data).status_code == 404, key
    assert InvestmentReport.objects.filter(project=project).count() == 2


def test_panel_query_count(personas: Personas, project: Project, django_assert_max_num_queries: Any) -> None:
    client = login(personas.chief)
    client.get(_url("investment_panel", project.pk), headers=HX)
    # session, user, project, its plan and its reports, the two permission checks
    with django_assert_max_num_queries(7):
        assert client.get(_url("investment_panel", project.pk), headers=HX).status_code == 200


# --- the enterprise tab, the chain cycle, the talent tab ---------------------------------------------------


@pytest.fixture
def follow_on(personas: Personas, project: Project) -> Project:
    """A 5,000 万元 follow-on (增资扩产) of the project, still in talks: our enterprise's only follow-on."""
    return factories.project(
        personas,
        "进度测试二期增资扩产",
        chain=project.chain,
        region=project.region,
        enterprise=project.enterprise,
        planned_investment=Decimal("5000"),
        kind=ProjectKind.EXPANSION,
        follow_on_of=project,
    )


def test_enterprise_tab_roles(client: Any, personas: Personas, follow_on: Project) -> None:
    url = _url("enterprise_tab", personas.ours.enterprise.pk)
    assert client.get(url).status_code == 302
    assert login(personas.handler).get(url).status_code == 403
    for key in ("x_liaison", "x_district", "x_chief"):
        assert login(personas.user(key)).get(url).status_code == 404, key
    for key in ("chief", "ent_user", "district"):
        response = login(personas.user(key)).get(url, headers=HX)
        assert response.status_code == 200, key
        page = response.content.decode()
        assert "<html" not in page
        assert "进度测试医用膜材项目" in page and "进度测试二期增资扩产" in page


def test_enterprise_tab_full_page_and_cycle(personas: Personas, follow_on: Project) -> None:
    response = login(personas.chief).get(_url("enterprise_tab", personas.ours.enterprise.pk))
    page = response.content.decode()
    assert "<html" in page and 'data-testid="enterprise-cycle"' in page
    cycle = response.context["cycle"]
    assert cycle.follow_ons.projects == [follow_on]
    assert cycle.follow_ons.amount == Decimal("5000")
    assert 'data-testid="cycle-follow_ons-amount">5,000.00 万元' in page


def test_enterprise_tab_query_count(personas: Personas, follow_on: Project, django_assert_max_num_queries: Any) -> None:
    url = _url("enterprise_tab", personas.ours.enterprise.pk)
    client = login(personas.chief)
    client.get(url, headers=HX)
    with django_assert_max_num_queries(6):
        assert client.get(url, headers=HX).status_code == 200


def test_chain_cycle_roles(client: Any, personas: Personas, follow_on: Project) -> None:
    url = _url("chain_cycle", personas.ours.chain.pk)
    assert client.get(url).status_code == 302
    for key in ("handler", "ent_user"):
        assert login(personas.user(key)).get(url).status_code == 403, key
    assert login(personas.x_chief).get(url).status_code == 404  # not on 测试甲链's team
    response = login(personas.chief).get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "增资扩产" in page and "以商引商" in page and "能人引荐" in page
    assert 'data-testid="chain-cycle-chart"' in page
    steps = {s.key: s for s in response.context["steps"]}
    # Landed on 测试甲链: the world's signed 测试甲扩产项目 and the signed 医用膜材 project; in talks: the follow-on.
    assert steps["signed"].n_landed == 2 and steps["follow_ons"].n_negotiating == 1
    assert steps["follow_ons"].n_landed == 0 and steps["follow_ons"].amount_negotiating == Decimal("5000")
    for key in ("liaison", "x_liaison"):  # liaisons read every chain's outline
        assert login(personas.user(key)).get(url).status_code == 200, key


def test_chain_cycle_query_count(personas: Personas, follow_on: Project, django_assert_max_num_queries: Any) -> None:
    url = _url("chain_cycle", personas.theirs.chain.pk)
    client = login(personas.x_chief)
    client.get(url)
    with django_assert_max_num_queries(6):
        assert client.get(url).status_code == 200


@pytest.fixture
def talent(personas: Personas, project: Project) -> Talent:
    """A talent from 测试甲区, credited with the project."""
    talent = network_services.talent_create(
        actor=personas.chief,
        name="进度测试能人",
        city="上海",
        organisation="某研究院",
        hometown=personas.ours.region,
        keeper=personas.chief,
    )
    services.project_update(project=project, actor=personas.chief, credited_talent=talent)
    return talent


def test_talent_tab_roles(client: Any, personas: Personas, talent: Talent, project: Project) -> None:
    url = _url("talent_tab", talent.pk)
    assert client.get(url).status_code == 302
    for key in ("handler", "ent_user", "sysadmin"):
        assert login(personas.user(key)).get(url).status_code == 403, key
    assert login(personas.x_district).get(url).status_code == 404  # hometown 测试甲区, not 测试乙区
    page = login(personas.chief).get(url, headers=HX).content.decode()
    assert "<html" not in page and project.name in page
    # Their liaison sees the talent register, but not our project: it is counted, not shown.
    response = login(personas.x_liaison).get(url)
    assert response.status_code == 200
    assert project.name not in response.content.decode() and response.context["hidden"] == 1
    assert login(personas.district).get(url).status_code == 200


def test_talent_tab_query_count(personas: Personas, talent: Talent, django_assert_max_num_queries: Any) -> None:
    client = login(personas.chief)
    client.get(_url("talent_tab", talent.pk), headers=HX)
    with django_assert_max_num_queries(5):
        assert client.get(_url("talent_tab", talent.pk), headers=HX).status_code == 200
