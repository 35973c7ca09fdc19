"""序时进度 from a project's start (issue 11 item 9): a project signed or started during the year is held to the
schedule from that day, not from 1 January; the months before its start are not 未填报; the rule is stated on
the pages; the chain's 良性循环 counts click through to exactly the projects they count.

The hand-built projects sit on the personas' chain 测试甲链 and are written straight to the tables, with fixed
dates in 2026 passed as `today`, so the figures hold under every clock; the pages count from the session clock
and their checks say so."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from chaindesk.accounts.models import User
from chaindesk.core import clock
from chaindesk.projects import selectors_progress as sp
from chaindesk.projects import selectors_schedule as ss
from chaindesk.projects.choices import ProjectStage
from chaindesk.projects.models import InvestmentPlan, InvestmentReport, Project
from chaindesk.testkit.html import login
from chaindesk.testkit.personas import Personas

pytestmark = pytest.mark.clock  # the pages count from today: CI runs them under other clocks too


@pytest.fixture(autouse=True)
def _progress_from_the_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests write reports past the services, so the progress sums the reports themselves; that the rollup's
    join gives the same figures is proved in chaindesk/rollups/tests/test_project_years.py."""
    monkeypatch.setattr(ss, "_DONE_JOIN", {})


YEAR = 2026
SIGNED = dt.date(2026, 11, 20)  # a Friday in November
NOV25 = dt.date(2026, 11, 25)


@pytest.fixture
def make(personas: Personas):  # noqa: ANN201 - a factory
    ours, region, owner = personas.ours.chain, personas.ours.region, personas.member

    def build(
        name: str,
        *,
        signed: dt.date | None = None,
        started: dt.date | None = None,
        stage: str = ProjectStage.SIGNED,
        plan: str | None = "100",
        reports: dict[int, str] | None = None,
        investor_name: str = "测试投资方",
        chain: Any = None,
        **fields: Any,
    ) -> Project:
        project = Project.objects.create(
            name=name,
            investor_name=investor_name,
            chain=chain or ours,
            region=region,
            stage=stage,
            signed_on=signed,
            started_on=started,
            last_progress_on=signed or started,
            created_by=owner,
            **fields,
        )
        if plan is not None:
            InvestmentPlan.objects.create(project=project, year=YEAR, amount=Decimal(plan))
        for month, amount in (reports or {}).items():
            InvestmentReport.objects.create(
                project=project, month=dt.date(YEAR, month, 1), amount=Decimal(amount), reported_by=owner
            )
        return project

    return build


def _annotated(*projects: Project, today: dt.date) -> dict[str, Project]:
    qs = ss.annotate_progress(Project.objects.filter(pk__in=[p.pk for p in projects]), year=YEAR, today=today)
    return {p.name: p for p in qs}


def test_schedule_from_the_start_day() -> None:
    assert ss.schedule_from(SIGNED, YEAR, SIGNED) == Decimal("0.0000")  # nothing owed on its first day
    assert ss.schedule_from(SIGNED, YEAR, NOV25) == Decimal("0.1220")  # 5 of the 41 days to 31 December
    assert ss.schedule_from(SIGNED, YEAR, dt.date(2026, 12, 31)) == Decimal("1.0000")
    assert ss.schedule_from(SIGNED, YEAR, dt.date(2026, 11, 1)) == Decimal("0.0000")  # not signed yet
    assert ss.schedule_from(SIGNED, YEAR, dt.date(2027, 3, 1)) == Decimal("1.0000")  # a past year is complete
    assert ss.schedule_from(SIGNED, 2027, dt.date(2027, 3, 1)) == ss.schedule_for(2027, dt.date(2027, 3, 1))
    assert ss.schedule_from(None, YEAR, NOV25) == ss.schedule_for(YEAR, NOV25) == Decimal("0.9014")
    assert ss.schedule_from(dt.date(2025, 6, 1), YEAR, NOV25) == Decimal("0.9014")  # began last year
    assert ss.schedule_from(dt.date(2027, 1, 5), YEAR, NOV25) == Decimal("0.0000")  # begins next year


def test_a_november_project_is_not_behind_on_its_first_day(make) -> None:  # noqa: ANN001
    fresh = make("十一月签约", signed=SIGNED)
    all_year = make("年初以来", signed=dt.date(2025, 6, 1))  # the same figures, held to the whole year
    on_day = _annotated(fresh, all_year, today=SIGNED)
    assert on_day["十一月签约"].is_behind is False
    assert on_day["年初以来"].is_behind is True
    progress = ss.project_progress(fresh, year=YEAR, today=SIGNED)
    assert progress.schedule == Decimal("0") and progress.behind is False and progress.start == SIGNED
    # five days on, 5/41 of the plan is owed: 12.20 of 100 is on schedule, 12.19 behind
    InvestmentReport.objects.create(
        project=fresh, month=dt.date(2026, 11, 1), amount=Decimal("12.19"), reported_by=fresh.created_by
    )
    assert _annotated(fresh, today=NOV25)["十一月签约"].is_behind is True
    assert ss.project_progress(fresh, year=YEAR, today=NOV25).behind is True
    InvestmentReport.objects.filter(project=fresh).update(amount=Decimal("12.20"))
    assert _annotated(fresh, today=NOV25)["十一月签约"].is_behind is False
    assert ss.project_progress(fresh, year=YEAR, today=NOV25).behind is False


def test_sql_and_python_agree_on_every_kind_of_start(make) -> None:  # noqa: ANN001
    projects = [
        make("十一月签约", signed=SIGNED, reports={11: "3"}),
        make("仅有开工日期", started=dt.date(2026, 9, 1), reports={9: "20"}),  # 85 of 121 days owed: behind
        make("开工早于签约记录", signed=dt.date(2026, 7, 1), started=dt.date(2026, 8, 1), reports={7: "60"}),
        make("去年签约", signed=dt.date(2025, 12, 1), reports={1: "90"}),
        make("未记签约", reports={1: "95"}),
        make("明年才签", signed=dt.date(2027, 2, 1), stage=ProjectStage.SIGNED),
        make("今天签约", signed=NOV25),
    ]
    for today in (SIGNED, NOV25, dt.date(2026, 12, 31), dt.date(2026, 1, 15)):
        rows = _annotated(*projects, today=today)
        for project in projects:
            python = ss.project_progress(project, year=YEAR, today=today).behind
            assert rows[project.name].is_behind is python, (project.name, today)
    rows = _annotated(*projects, today=NOV25)
    # 3 of 100 owing 12.20; 20 owing 70.25 (85 of 121 days); 60 owing 80.33 (147 of 183 days, from the
    # signing, the earlier one); 90 owing the whole year's 90.14; 95 is ahead of it
    assert {name for name, p in rows.items() if p.is_behind} == {
        "十一月签约",
        "仅有开工日期",
        "开工早于签约记录",
        "去年签约",
    }


def test_the_summary_and_its_raw_sql_count_the_same_behind_projects(make) -> None:  # noqa: ANN001
    make("十一月签约", signed=SIGNED, reports={11: "13"})  # on schedule from its start
    make("仅有开工日期", started=dt.date(2026, 9, 1), reports={9: "20"})  # behind
    make("今天签约", signed=NOV25)  # owes nothing yet
    make("年初以来", signed=dt.date(2025, 6, 1), reports={1: "13"})  # behind the whole year's schedule
    for today in (NOV25, SIGNED, dt.date(2026, 12, 31)):
        orm = sp.summarize(Project.objects.all(), year=YEAR, today=today, by="chain")
        raw = sp.raw_investment_summary_sql(YEAR, today, "chain")
        assert [(r.key, r.n_projects, r.n_behind) for r in orm] == [(r.key, r.n_projects, r.n_behind) for r in raw]
    ours = next(
        r
        for r in sp.summarize(
            Project.objects.filter(name__in=["十一月签约", "仅有开工日期", "今天签约", "年初以来"]),
            year=YEAR,
            today=NOV25,
            by="chain",
        )
        if not r.is_total
    )
    assert ours.n_behind == 2


def test_months_before_the_start_are_not_unreported(make) -> None:  # noqa: ANN001
    fresh = make("十一月签约", signed=dt.date(2026, 11, 3))
    progress = ss.project_progress(fresh, year=YEAR, today=NOV25)
    assert [m for m, _amount, _total in progress.months] == [dt.date(2026, 11, 1)]  # not January to October
    assert [row["month"] for row in progress.month_rows] == [dt.date(2026, 11, 1)]
    chart = progress.chart
    schedule_line = chart["series"][2]["data"]
    assert schedule_line[:10] == [None] * 10  # no schedule before the start month
    assert schedule_line[10] == float(
        (Decimal("100") * ss.schedule_from(dt.date(2026, 11, 3), YEAR, dt.date(2026, 11, 30))).quantize(Decimal("0.01"))
    )
    assert schedule_line[11] == 100.0
    assert chart["yAxis"]["name"] == "万元"
    # a month reported before the signing still shows, and the list runs on from it
    early = make("提前填报", signed=dt.date(2026, 11, 3), reports={9: "5"})
    months = [m.month for m, _a, _t in ss.project_progress(early, year=YEAR, today=NOV25).months]
    assert months == [9, 10, 11]
    # a project that began before the year lists every month
    old = make("去年签约", signed=dt.date(2025, 5, 1))
    assert len(ss.project_progress(old, year=YEAR, today=NOV25).months) == 11


def test_the_panel_states_the_rule_and_leaves_earlier_months_out(personas: Personas, make) -> None:  # noqa: ANN001
    today = clock.today()
    project = make("本月签约", signed=today.replace(day=1), plan=None)  # this month, by the session's clock
    InvestmentPlan.objects.create(project=project, year=today.year, amount=Decimal("100"))
    page = login(personas.chief).get(reverse("projects:investment_panel", args=[project.pk])).content.decode()
    assert 'data-testid="investment-start"' in page and ss.start_rule_text() in page
    assert page.count("未填报") == 1  # this month only, not the months before the signing
    summary = login(personas.chief).get(reverse("projects:investment")).content.decode()
    assert 'data-testid="start-rule"' in summary and ss.start_rule_text() in summary


def _landed_links(page: str) -> dict[str, str]:
    """The 良性循环 table's links: cycle value -> URL."""
    links: dict[str, str] = {}
    for chunk in page.split('href="')[1:]:
        url = chunk.split('"', 1)[0].replace("&amp;", "&")
        if "cycle=" in url:
            links[parse_qs(urlsplit(url).query)["cycle"][0]] = url
    return links


def _listed(user: User, url: str) -> set[str]:
    response = login(user).get(url)
    assert response.status_code == 200
    return {p.name for p in response.context["page_obj"].object_list}


def test_the_cycle_counts_click_through_to_their_projects(personas: Personas, make) -> None:  # noqa: ANN001
    world = personas.ours.project  # the personas' own project of 测试甲链: signed
    a = personas.ours.enterprise
    make("增资扩产已签", signed=SIGNED, follow_on_of=world, enterprise=a, investor_name="")
    make("增资扩产在谈", stage=ProjectStage.NEGOTIATING, follow_on_of=world, enterprise=a, investor_name="")
    make("配套已开工", stage=ProjectStage.STARTED, signed=SIGNED, credited_enterprise=a)
    make("配套已终止", stage=ProjectStage.TERMINATED, credited_enterprise=a)
    make("暂停的签约项目", stage=ProjectStage.PAUSED, paused_stage=ProjectStage.SIGNED, signed=SIGNED)
    make("他链项目", signed=SIGNED, chain=personas.theirs.chain)
    chain = personas.ours.chain
    page = login(personas.chief).get(reverse("projects:chain_cycle", args=[chain.pk])).content.decode()
    links = _landed_links(page)
    assert set(links) == set(sp.CYCLE_VALUES)
    steps = {s.key: s for s in sp.chain_cycle(chain, personas.chief)}
    expected = {
        "signed": {world.name, "增资扩产已签", "配套已开工", "暂停的签约项目"},
        "signed_talks": {"增资扩产在谈"},
        "follow_ons": {"增资扩产已签"},
        "follow_ons_talks": {"增资扩产在谈"},
        "supporting": {"配套已开工"},
        "supporting_talks": set(),
        "talents": set(),
        "talents_talks": set(),
    }
    for value, names in expected.items():
        url = links[value]
        assert parse_qs(urlsplit(url).query)["chain"] == [str(chain.pk)]
        assert _listed(personas.chief, url) == names, value
        step = steps[value.removesuffix("_talks")]
        assert len(names) == (step.n_negotiating if value.endswith("_talks") else step.n_landed), value
    # the list shows the filter applied, and an unknown value filters nothing out
    listed = login(personas.chief).get(links["follow_ons"]).content.decode()
    assert "增资扩产（已落地）" in listed
    assert len(_listed(personas.chief, reverse("projects:list") + f"?chain={chain.pk}&cycle=nonsense")) >= 6


# --- the chain's 序时进度 summary: each project from its own start ------------------------------------------


def _summary(*projects: Project, today: dt.date) -> list[sp.SummaryRow]:
    return sp.summarize(Project.objects.filter(pk__in=[p.pk for p in projects]), year=YEAR, today=today, by="chain")


def _ours(*projects: Project, today: dt.date) -> sp.SummaryRow:
    rows = _summary(*projects, today=today)
    assert [r.is_total for r in rows] == [False, True]  # one chain, then the total
    return rows[0]


def test_the_chain_summary_holds_a_november_project_to_the_schedule_from_its_signing(make) -> None:  # noqa: ANN001
    all_year = make("全年在建", signed=dt.date(2025, 6, 1), plan="1000", reports={1: "450", 6: "451.40"})
    november = make("十一月签约", signed=SIGNED, plan="100", reports={11: "12.20"})
    ours = _ours(all_year, november, today=NOV25)
    # expected to date: 1,000 × 0.9014 (the whole year) + 100 × 0.1220 (5 of the 41 days from 20 November)
    assert (ours.plan, ours.done, ours.expected) == (Decimal("1100"), Decimal("913.60"), Decimal("913.60"))
    assert ours.expected_text == "913.60"
    assert ours.schedule == Decimal("0.8305") and ours.schedule_percent == Decimal("83.05")  # 913.60 / 1,100
    assert ours.rate == Decimal("0.8305") and ours.gap == Decimal("0.00")
    assert ours.behind is False and ours.n_behind == 0
    # the whole year's 序时进度 (90.14 %) would have owed 991.54 and called the chain behind
    assert ss.schedule_for(YEAR, NOV25) == Decimal("0.9014") and ours.schedule < Decimal("0.9014")
    total = _summary(all_year, november, today=NOV25)[-1]
    assert (total.expected, total.schedule, total.behind) == (ours.expected, ours.schedule, False)
    # one 分 short on the November project: it and the chain are behind, the all-year project is not
    InvestmentReport.objects.filter(project=november).update(amount=Decimal("12.19"))
    ours = _ours(all_year, november, today=NOV25)
    assert ours.behind is True and ours.n_behind == 1 and ours.expected == Decimal("913.60")
    # on its signing day the November project owes nothing: 1,000 × 0.8877 (324/365) over 1,100
    on_day = _ours(all_year, november, today=SIGNED)
    assert (on_day.expected, on_day.schedule) == (Decimal("887.70"), Decimal("0.8070"))
    # at the year's end both owe their whole plan
    dec31 = _ours(all_year, november, today=dt.date(2026, 12, 31))
    assert (dec31.expected, dec31.schedule) == (Decimal("1100"), Decimal("1.0000"))


def _mixed(make) -> list[Project]:  # noqa: ANN001
    """All year, signed in November, started in September (no signing date), and one without a plan."""
    return [
        make("全年在建", signed=dt.date(2025, 6, 1), plan="1000", reports={1: "846.40"}),
        make("十一月签约", signed=SIGNED, plan="100", reports={11: "12.20"}),
        make("仅有开工日期", started=dt.date(2026, 9, 1), plan="0.30", reports={9: "0.10"}),
        make("无计划", signed=SIGNED, plan=None),
    ]


def _orm_equals_raw(chain: int, today: dt.date) -> None:
    """The ORM's and the raw SQL's figures for the chain (with the personas' own project on it) agree."""
    orm = sp.summarize(Project.objects.filter(chain_id=chain), year=YEAR, today=today, by="chain")
    raw = sp.raw_investment_summary_sql(YEAR, today, "chain", chain_ids=[chain])
    figures = [
        [(r.key, r.plan, r.done, r.expected, r.schedule, r.behind, r.n_behind) for r in rows] for rows in (orm, raw)
    ]
    assert figures[0] == figures[1], today


def test_the_chain_summary_and_its_raw_sql_agree_on_the_expected_amount(make) -> None:  # noqa: ANN001
    projects = _mixed(make)
    for today in (SIGNED, NOV25, dt.date(2026, 12, 31), dt.date(2026, 1, 15)):
        _orm_equals_raw(projects[0].chain_id, today)
        by_project = Decimal("0")
        for project in projects:
            progress = ss.project_progress(project, year=YEAR, today=today)
            by_project += (progress.plan or Decimal("0")) * progress.schedule
        assert _ours(*projects, today=today).expected == by_project, today


def test_the_chain_summary_takes_the_tolerance_off_the_plan(make, settings) -> None:  # noqa: ANN001
    # with 5 points tolerated the chain may fall 5 % of its plan below the expected amount:
    # 913.60 + 0.30 × 0.7025 (85 of 121 days) = 913.81075 expected, less 55.015 = 858.79575
    projects = _mixed(make)
    settings.CHAINDESK_PROJECT_BEHIND_TOLERANCE = Decimal("5")
    ours = _ours(*projects, today=NOV25)
    assert ours.expected == Decimal("913.81075") and ours.expected_text == "913.81"
    InvestmentReport.objects.filter(project=projects[0]).update(amount=Decimal("846.50"))
    ours = _ours(*projects, today=NOV25)
    assert ours.done == Decimal("858.80") and ours.behind is False
    InvestmentReport.objects.filter(project=projects[0]).update(amount=Decimal("846.49"))
    ours = _ours(*projects, today=NOV25)
    assert ours.done == Decimal("858.79") and ours.behind is True
    _orm_equals_raw(projects[0].chain_id, NOV25)


def test_the_summary_page_states_the_rule_and_weights_each_project_from_its_start(
    personas: Personas,
    make,  # noqa: ANN001
) -> None:
    today = clock.today()  # the page counts from the session's clock: the figures are computed, not fixed
    for name, start in (("全年在建", dt.date(today.year - 1, 6, 1)), ("本月签约", today.replace(day=1))):
        project = make(name, signed=start, plan=None)
        InvestmentPlan.objects.create(project=project, year=today.year, amount=Decimal("1000"))
    response = login(personas.chief).get(reverse("projects:investment"))
    page = response.content.decode()
    assert 'data-testid="summary-rule"' in page and sp.summary_rule_text() in page
    assert 'data-testid="start-rule"' in page and ss.start_rule_text() in page
    row = next(r for r in response.context["rows"] if r.key == personas.ours.chain.pk)
    expected = Decimal("0")
    for project in Project.objects.visible_to(personas.chief).filter(chain=personas.ours.chain):
        progress = ss.project_progress(project, year=today.year, today=today)
        expected += (progress.plan or Decimal("0")) * progress.schedule
    assert row.expected == expected and row.plan > 0
    assert row.schedule == (expected / row.plan).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    assert row.schedule <= ss.schedule_for(today.year, today)  # a project signed this month owes less
    assert f'data-testid="row-expected">{row.expected_text}<' in page
    assert f'data-testid="row-schedule">{row.schedule_percent}%<' in page
    schedule_line = response.context["chart"]["series"][3]
    assert schedule_line["name"] == "序时进度"
    assert schedule_line["data"][[r.key for r in response.context["rows"]].index(row.key)] == float(
        row.schedule_percent
    )
