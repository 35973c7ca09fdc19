"""Pages of investment progress and the virtuous cycle, per persona: anonymous (login), wrong role (403), in
scope (200), out of scope (404); the plan and report forms (htmx and plain); export; query counts pinned."""

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from chaindesk.accounts.models import Region
from chaindesk.chains.models import Chain, TeamMember
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.core.templatetags.cd import wan_yuan
from chaindesk.enterprises.models import Enterprise
from chaindesk.network.models import Talent
from chaindesk.projects import services
from chaindesk.projects.choices import ProjectKind, ProjectStage
from chaindesk.projects.models import InvestmentPlan, InvestmentReport, Project

# Written for the session clock's day (late November: 1,500.5 of 12,000 is behind 序时进度), not for any day.

BOSHEN = "江苏博生医用新材料股份有限公司"
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def boshen() -> Enterprise:
    return Enterprise.objects.get(name=BOSHEN)


@pytest.fixture
def project(persona: Any, boshen: Enterprise) -> Project:
    """博生's signed 医用膜材 project on 生物医药 in 兴化, with a plan and two monthly reports."""
    chief = persona("jiangdd")
    project = services.project_create(
        actor=chief,
        name="进度测试医用膜材项目",
        chain=Chain.objects.get(code="biomed"),
        region=Region.objects.get(code="321281"),
        enterprise=boshen,
        planned_investment=Decimal("52000"),
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


def test_investment_page_roles(client: Any, client_as: Any, project: Project) -> None:
    url = _url("investment")
    assert client.get(url).status_code == 302  # anonymous → login
    for username in ("chenjing", "liuyang", "sysadmin", "auditor"):
        assert client_as(username).get(url).status_code == 403, username
    response = client_as("jiangdd").get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "生物医药" in page and "序时进度" in page
    assert "完成率低于序时进度即为滞后" in page  # the rules are printed
    assert 'data-testid="investment-chart"' in page and "investment-chart-data" in page
    assert "?flag=stalled" in page or "没有滞后或停滞的项目" in page


def test_investment_page_out_of_scope_sees_none_of_the_chain(client_as: Any, project: Project) -> None:
    response = client_as("lead_equip").get(_url("investment"))
    assert response.status_code == 200
    assert "进度测试医用膜材项目" not in response.content.decode()
    rows = response.context["rows"]
    assert all(r.label != "生物医药" for r in rows)


def test_investment_page_by_region_and_year(client_as: Any, project: Project) -> None:
    client = client_as("zhoutao")  # 兴化市 district admin
    response = client.get(_url("investment") + "?by=region&year=2025")
    assert response.status_code == 200
    assert response.context["by"] == "region" and response.context["year"] == 2025
    assert {r.label for r in response.context["rows"]} <= {"兴化市"}
    # Nonsense parameters fall back to this year by chain.
    response = client.get(_url("investment") + "?by=x&year=abc")
    assert response.context["by"] == "chain" and response.context["year"] == timezone.localdate().year


def test_investment_page_lists_flagged_projects(client_as: Any, project: Project) -> None:
    # 1,500.5 of 12,000 by late in the year is behind 序时进度.
    response = client_as("jiangdd").get(_url("investment"))
    flagged = response.context["flagged"]
    mine = next(p for p in flagged if p.pk == project.pk)
    assert mine.is_behind and mine.rate_percent == Decimal("12.50")  # 1500.50 / 12000 = 0.12504 → 12.50 %
    assert f'href="/projects/{project.pk}/"' in response.content.decode()


def test_investment_page_query_count(client_as: Any, project: Project, django_assert_max_num_queries: Any) -> None:
    client = client_as("jiangdd")
    client.get(_url("investment"))  # warm-up: the session's last-seen time
    for query in ("", "?by=region", "?year=2025&by=chain"):
        with django_assert_max_num_queries(6):
            assert client.get(_url("investment") + query).status_code == 200


def test_investment_export(client: Any, client_as: Any, project: Project) -> None:
    assert client.get(_url("investment_export")).status_code == 302
    assert client_as("liuyang").get(_url("investment_export")).status_code == 403
    before = AuditLog.objects.filter(action=AuditAction.EXPORT).count()
    response = client_as("jiangdd").get(_url("investment_export") + "?by=chain")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(body)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    labels = [row[0] for row in values]
    assert "生物医药" in labels and "合计" in labels
    assert AuditLog.objects.filter(action=AuditAction.EXPORT).count() == before + 1


# --- a project's investment section -------------------------------------------------------------------


def test_panel_roles(client: Any, client_as: Any, project: Project) -> None:
    url = _url("investment_panel", project.pk)
    assert client.get(url).status_code == 302
    assert client_as("chenjing").get(url).status_code == 403
    for username in ("lead_equip", "lz_321282", "da_321282"):
        assert client_as(username).get(url).status_code == 404, username
    assert client_as("jiangdd").get(_url("investment_panel", 999_999)).status_code == 404


def test_panel_for_the_chief_full_page_and_fragment(client_as: Any, project: Project) -> None:
    client = client_as("jiangdd")
    response = client.get(_url("investment_panel", project.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" in page and 'data-testid="plan-form"' in page and 'data-testid="report-form"' in page
    assert "同一月份再次填报将替换该月原有数据" in page
    assert f"project-investment-chart-{project.pk}" in page
    assert response.context["progress"].done_ytd == Decimal("1500.50")
    fragment = client.get(_url("investment_panel", project.pk), **HX).content.decode()
    assert "<html" not in fragment and 'data-testid="report-table"' in fragment
    assert fragment.count('data-testid="report-row"') == 2


def test_panel_for_the_enterprise_user_reports_but_does_not_plan(client_as: Any, project: Project) -> None:
    page = client_as("liuyang").get(_url("investment_panel", project.pk)).content.decode()
    assert 'data-testid="report-form"' in page
    assert 'data-testid="plan-form"' not in page


def test_panel_for_a_project_in_talks_offers_no_report(client_as: Any, persona: Any, boshen: Enterprise) -> None:
    talks = services.project_create(
        actor=persona("jiangdd"),
        name="在谈测试项目",
        chain=Chain.objects.get(code="biomed"),
        region=Region.objects.get(code="321281"),
        enterprise=boshen,
    )
    page = client_as("jiangdd").get(_url("investment_panel", talks.pk)).content.decode()
    assert 'data-testid="report-closed"' in page and 'data-testid="report-form"' not in page
    response = client_as("jiangdd").post(
        _url("investment_report", talks.pk), {"month": "2026-01", "amount": "10"}, **HX
    )
    assert "不填报投资完成情况" in response.content.decode()
    assert not InvestmentReport.objects.filter(project=talks).exists()


def test_plan_set_accepts_yi_and_redirects(client_as: Any, project: Project) -> None:
    year = timezone.localdate().year
    client = client_as("jiangdd")
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


def test_plan_set_bad_input_changes_nothing(client_as: Any, project: Project) -> None:
    year = timezone.localdate().year
    client = client_as("jiangdd")
    for data in ({"year": str(year), "amount": "很多"}, {"year": "19", "amount": "100"}, {"year": str(year)}):
        response = client.post(_url("investment_plan", project.pk), data)
        assert response.status_code == 400
        assert 'class="invalid-feedback"' in response.content.decode()
    assert InvestmentPlan.objects.get(project=project, year=year).amount == Decimal("12000")
    response = client.post(_url("investment_plan", project.pk), {"year": str(year), "amount": "x"}, **HX)
    assert response.status_code == 200  # htmx swaps the section with the message in place
    assert "无法识别金额" in response.content.decode()


def test_plan_set_refused_for_reporters_and_outsiders(client_as: Any, project: Project) -> None:
    data = {"year": "2026", "amount": "1"}
    assert client_as("liuyang").post(_url("investment_plan", project.pk), data).status_code == 403
    assert client_as("lead_equip").post(_url("investment_plan", project.pk), data).status_code == 404
    assert client_as("jiangdd").get(_url("investment_plan", project.pk)).status_code == 405
    assert InvestmentPlan.objects.get(project=project, year=timezone.localdate().year).amount == Decimal("12000")


def test_report_by_enterprise_user_and_replace(client_as: Any, project: Project) -> None:
    month = timezone.localdate().replace(day=1)
    client = client_as("liuyang")
    response = client.post(
        _url("investment_report", project.pk), {"month": f"{month:%Y-%m}", "amount": "1200", "note": "设备进场"}, **HX
    )
    assert response.status_code == 200
    assert "已填报" in response.content.decode()
    response = client.post(
        _url("investment_report", project.pk), {"month": f"{month:%Y年%m月}", "amount": "0.15亿", "note": "封顶"}, **HX
    )
    assert "替换原填报数" in response.content.decode()
    report = InvestmentReport.objects.get(project=project, month=month)
    assert report.amount == Decimal("1500") and report.note == "封顶"
    assert InvestmentReport.objects.filter(project=project).count() == 3


def test_report_bad_input_changes_nothing(client_as: Any, project: Project) -> None:
    today = timezone.localdate()
    future = (today.replace(day=28) + dt.timedelta(days=5)).replace(day=1)
    client = client_as("jiangdd")
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


def test_report_refused_out_of_scope(client_as: Any, project: Project) -> None:
    data = {"month": "2026-01", "amount": "1"}
    assert client_as("chenjing").post(_url("investment_report", project.pk), data).status_code == 403
    for username in ("lz_321282", "da_321282", "lead_equip"):
        assert client_as(username).post(_url("investment_report", project.pk), data).status_code == 404
    assert InvestmentReport.objects.filter(project=project).count() == 2


def test_panel_query_count(client_as: Any, project: Project, django_assert_max_num_queries: Any) -> None:
    client = client_as("jiangdd")
    client.get(_url("investment_panel", project.pk), **HX)
    # session, user, project, its plan and its reports, the two permission checks
    with django_assert_max_num_queries(7):
        assert client.get(_url("investment_panel", project.pk), **HX).status_code == 200


# --- the enterprise tab, the chain cycle, the talent tab ---------------------------------------------------


@pytest.fixture
def follow_on(persona: Any, project: Project) -> Project:
    chief = persona("jiangdd")
    follow = services.project_create(
        actor=chief,
        name="进度测试二期增资扩产",
        chain=project.chain,
        region=project.region,
        enterprise=project.enterprise,
        planned_investment=Decimal("5000"),
        kind=ProjectKind.EXPANSION,
        follow_on_of=project,
    )
    return follow


def test_enterprise_tab_roles(client: Any, client_as: Any, boshen: Enterprise, follow_on: Project) -> None:
    url = _url("enterprise_tab", boshen.pk)
    assert client.get(url).status_code == 302
    assert client_as("chenjing").get(url).status_code == 403
    for username in ("lz_321282", "da_321282", "lead_equip"):
        assert client_as(username).get(url).status_code == 404, username
    for username in ("jiangdd", "liuyang", "zhoutao"):
        response = client_as(username).get(url, **HX)
        assert response.status_code == 200, username
        page = response.content.decode()
        assert "<html" not in page
        assert "进度测试医用膜材项目" in page and "进度测试二期增资扩产" in page


def test_enterprise_tab_full_page_and_cycle(client_as: Any, boshen: Enterprise, follow_on: Project) -> None:
    response = client_as("jiangdd").get(_url("enterprise_tab", boshen.pk))
    page = response.content.decode()
    assert "<html" in page and 'data-testid="enterprise-cycle"' in page
    cycle = response.context["cycle"]
    assert follow_on in cycle.follow_ons.projects
    # The demo city may carry follow-ons of its own: the card shows the step's sum, ours included.
    assert cycle.follow_ons.amount >= Decimal("5000")
    assert f'data-testid="cycle-follow_ons-amount">{wan_yuan(cycle.follow_ons.amount)}' in page


def test_enterprise_tab_query_count(
    client_as: Any, boshen: Enterprise, follow_on: Project, django_assert_max_num_queries: Any
) -> None:
    client = client_as("jiangdd")
    client.get(_url("enterprise_tab", boshen.pk), **HX)
    with django_assert_max_num_queries(6):
        assert client.get(_url("enterprise_tab", boshen.pk), **HX).status_code == 200


def test_chain_cycle_roles(client: Any, client_as: Any, follow_on: Project) -> None:
    biomed = Chain.objects.get(code="biomed")
    url = _url("chain_cycle", biomed.pk)
    assert client.get(url).status_code == 302
    for username in ("chenjing", "liuyang"):
        assert client_as(username).get(url).status_code == 403
    assert client_as("lead_equip").get(url).status_code == 404  # not on the 生物医药 team
    response = client_as("jiangdd").get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "增资扩产" in page and "以商引商" in page and "能人引荐" in page
    assert 'data-testid="chain-cycle-chart"' in page
    steps = {s.key: s for s in response.context["steps"]}
    assert steps["signed"].n_landed >= 1 and steps["follow_ons"].n_negotiating >= 1
    assert client_as("liming").get(url).status_code == 200  # liaisons read every chain's outline


def test_chain_cycle_query_count(client_as: Any, follow_on: Project, django_assert_max_num_queries: Any) -> None:
    equip_chain = TeamMember.objects.filter(user__username="lead_equip").values_list("chain_id", flat=True)[0]
    client = client_as("lead_equip")
    client.get(_url("chain_cycle", equip_chain))
    with django_assert_max_num_queries(6):
        assert client.get(_url("chain_cycle", equip_chain)).status_code == 200


@pytest.fixture
def talent(persona: Any, project: Project) -> Talent:
    talent = Talent.objects.create(
        name="进度测试能人",
        city="上海",
        organisation="某研究院",
        hometown=Region.objects.get(code="321281"),
        keeper=persona("jiangdd"),
    )
    services.project_update(project=project, actor=persona("jiangdd"), credited_talent=talent)
    return talent


def test_talent_tab_roles(client: Any, client_as: Any, talent: Talent, project: Project) -> None:
    url = _url("talent_tab", talent.pk)
    assert client.get(url).status_code == 302
    for username in ("chenjing", "liuyang", "sysadmin"):
        assert client_as(username).get(url).status_code == 403, username
    assert client_as("da_321282").get(url).status_code == 404  # hometown 兴化, not 靖江
    page = client_as("jiangdd").get(url, **HX).content.decode()
    assert "<html" not in page and project.name in page
    # 靖江's liaison sees the talent register, but not the project: it is counted, not shown.
    response = client_as("lz_321282").get(url)
    assert response.status_code == 200
    assert project.name not in response.content.decode() and response.context["hidden"] == 1
    assert client_as("zhoutao").get(url).status_code == 200


def test_talent_tab_query_count(client_as: Any, talent: Talent, django_assert_max_num_queries: Any) -> None:
    client = client_as("jiangdd")
    client.get(_url("talent_tab", talent.pk), **HX)
    with django_assert_max_num_queries(5):
        assert client.get(_url("talent_tab", talent.pk), **HX).status_code == 200
