"""Investment progress: 序时进度 on the calendar, completion rates in Decimal, the behind / stale rules at
their boundaries, in SQL (annotate_progress, flag_filter) and in Python (project_progress) alike.

The hand-built projects sit on the fixed personas' world (chaindesk/testkit/personas.py): on 测试甲链 in 测试甲区,
recorded by its team member `p_member`; the summaries move some to 测试乙链 and 测试乙区. They are written straight
to the tables (the services would refuse the states these boundaries need: a report of a future month, a project
never updated)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings

from chaindesk.accounts.models import User
from chaindesk.projects import selectors_progress as sp
from chaindesk.projects import selectors_schedule as ss
from chaindesk.projects.choices import ProjectStage
from chaindesk.projects.models import InvestmentPlan, InvestmentReport, Project

pytestmark = pytest.mark.clock  # depends on today: CI runs it under other clocks too


@pytest.fixture(autouse=True)
def _progress_from_the_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests write reports past the services, so the progress sums the reports themselves; that the rollup's
    join gives the same figures is proved in chaindesk/rollups/tests/test_project_years.py."""
    monkeypatch.setattr(ss, "_DONE_JOIN", {})


TODAY = dt.date(2026, 11, 25)
YEAR = 2026


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 1, 1), Decimal("0.0027")),  # 1/365
        (dt.date(2026, 11, 25), Decimal("0.9014")),  # 329/365 = 0.90137
        (dt.date(2026, 12, 31), Decimal("1.0000")),
        (dt.date(2028, 2, 29), Decimal("0.1639")),  # 60/366 = 0.16393, a leap year
        (dt.date(2028, 12, 31), Decimal("1.0000")),  # 366/366
        (dt.date(2026, 7, 2), Decimal("0.5014")),  # 183/365 = 0.501370
    ],
)
def test_schedule_share(day: dt.date, expected: Decimal) -> None:
    share = ss.schedule_share(day)
    assert isinstance(share, Decimal)
    assert share == expected
    assert share.as_tuple().exponent == -4


def test_schedule_share_rounds_half_up() -> None:
    # 2028 has 366 days; day 183 → 0.5 exactly; day 61/366 = 0.166666… → 0.1667.
    assert ss.schedule_share(dt.date(2028, 7, 1)) == Decimal("0.5000")
    assert ss.schedule_share(dt.date(2028, 3, 1)) == Decimal("0.1667")


def test_schedule_for_other_years() -> None:
    assert ss.schedule_for(2025, TODAY) == Decimal("1")
    assert ss.schedule_for(2027, TODAY) == Decimal("0")
    assert ss.schedule_for(2026, TODAY) == Decimal("0.9014")


def test_completion_rate_is_decimal() -> None:
    assert ss.completion_rate(Decimal("0.1") + Decimal("0.2"), Decimal("0.3")) == Decimal("1.0000")
    assert ss.completion_rate(Decimal("1"), Decimal("3")) == Decimal("0.3333")
    assert ss.completion_rate(Decimal("2"), Decimal("3")) == Decimal("0.6667")
    assert ss.completion_rate(Decimal("0.00005"), Decimal("1")) == Decimal("0.0001")  # half up
    assert ss.completion_rate(Decimal("5"), None) is None
    assert ss.completion_rate(Decimal("5"), Decimal("0")) is None
    assert ss.completion_rate(None, Decimal("10")) == Decimal("0.0000")


def test_rules_text_mentions_the_settings() -> None:
    assert ss.rules_text() == "完成率低于序时进度即为滞后；签约至投产阶段的项目 30 天无进展更新即为停滞。"
    with override_settings(CHAINDESK_PROJECT_STALE_DAYS=45, CHAINDESK_PROJECT_BEHIND_TOLERANCE=Decimal("5")):
        text = ss.rules_text()
    assert "45 天" in text and "5 个百分点" in text


# --- hand-built projects ---------------------------------------------------------------------------


@pytest.fixture
def owner(personas) -> User:  # noqa: ANN001
    return personas.member


@pytest.fixture
def make(personas, owner: User):  # noqa: ANN001, ANN201
    chain = personas.ours.chain
    region = personas.ours.region

    def build(
        name: str,
        *,
        stage: str = ProjectStage.BUILDING,
        plan: str | None = None,
        reports: dict[int, str] | None = None,
        last: dt.date | None = TODAY,
        year: int = YEAR,
    ) -> Project:
        project = Project.objects.create(
            name=name,
            investor_name="测试投资方",
            chain=chain,
            region=region,
            stage=stage,
            last_progress_on=last,
            created_by=owner,
        )
        if plan is not None:
            InvestmentPlan.objects.create(project=project, year=year, amount=Decimal(plan))
        for month, amount in (reports or {}).items():
            InvestmentReport.objects.create(
                project=project, month=dt.date(year, month, 1), amount=Decimal(amount), reported_by=owner
            )
        return project

    return build


def _annotated(*projects: Project, year: int = YEAR, today: dt.date = TODAY) -> dict[str, Project]:
    qs = ss.annotate_progress(Project.objects.filter(pk__in=[p.pk for p in projects]), year=year, today=today)
    return {p.name: p for p in qs}


def test_annotations_sum_this_year_up_to_today(make) -> None:  # noqa: ANN001
    p = make("甲", plan="1000", reports={1: "100.10", 6: "200.20", 11: "0.30"})
    # Other years and a future month of the year do not count.
    InvestmentReport.objects.create(
        project=p, month=dt.date(2025, 12, 1), amount=Decimal("999"), reported_by=p.created_by
    )
    InvestmentReport.objects.create(
        project=p, month=dt.date(2026, 12, 1), amount=Decimal("999"), reported_by=p.created_by
    )
    InvestmentPlan.objects.create(project=p, year=2025, amount=Decimal("5"))
    row = _annotated(p)["甲"]
    assert row.plan_amount == Decimal("1000")
    assert row.done_ytd == Decimal("300.60")
    assert row.rate == Decimal("0.3006")
    assert row.is_behind is True
    assert row.is_stale is False


def test_rate_decimal_arithmetic_without_float_error(make) -> None:  # noqa: ANN001
    p = make("乙", plan="0.30", reports={1: "0.10", 2: "0.20"})
    q = make("丙", plan="3", reports={1: "2"})  # 0.66666… → 0.6667
    r = make("丁", plan="20000", reports={3: "1"})  # 0.00005 → 0.0001 (half up)
    rows = _annotated(p, q, r)
    assert rows["乙"].done_ytd == Decimal("0.30")
    assert rows["乙"].rate == Decimal("1.0000")
    assert rows["丙"].rate == Decimal("0.6667")
    assert rows["丁"].rate == Decimal("0.0001")
    for row in rows.values():
        assert isinstance(row.rate, Decimal)
        assert row.rate == ss.completion_rate(row.done_ytd, row.plan_amount)


def test_plan_missing_or_zero_rate_none_and_not_behind(make) -> None:  # noqa: ANN001
    p = make("无计划", reports={1: "10"})
    q = make("零计划", plan="0", reports={1: "10"})
    rows = _annotated(p, q)
    assert rows["无计划"].plan_amount is None and rows["无计划"].rate is None
    assert rows["零计划"].plan_amount == Decimal("0") and rows["零计划"].rate is None
    assert not rows["无计划"].is_behind and not rows["零计划"].is_behind
    progress = ss.project_progress(p, year=YEAR, today=TODAY)
    assert progress.plan is None and progress.rate is None and progress.gap is None and not progress.behind


def test_behind_boundary_exactly_on_schedule(make) -> None:  # noqa: ANN001
    # 序时进度 on 2026-11-25 is 0.9014: 9014 of 10000 is on schedule, 9013.99 is behind.
    on = make("正好", plan="10000", reports={1: "9014"})
    below = make("差一分", plan="10000", reports={1: "9013.99"})
    above = make("超过", plan="10000", reports={1: "9014.01"})
    rows = _annotated(on, below, above)
    assert rows["正好"].is_behind is False
    assert rows["差一分"].is_behind is True
    assert rows["超过"].is_behind is False
    for project in (on, below, above):
        assert ss.project_progress(project, year=YEAR, today=TODAY).behind is rows[project.name].is_behind


def test_behind_boundary_with_awkward_decimals(make) -> None:  # noqa: ANN001
    # plan 0.30 split as 0.1 + 0.2 in float is 0.30000000000000004: the rule must not see it as behind
    # on 2026-12-31 (序时进度 1.0000) nor ahead with 0.29.
    dec31 = dt.date(2026, 12, 31)
    exact = make("凑整", plan="0.30", reports={1: "0.10", 2: "0.20"}, last=dec31)
    short = make("差一点", plan="0.30", reports={1: "0.10", 2: "0.19"}, last=dec31)
    rows = _annotated(exact, short, today=dec31)
    assert rows["凑整"].is_behind is False
    assert rows["差一点"].is_behind is True


def test_tolerance_in_points(make) -> None:  # noqa: ANN001
    p = make("容忍", plan="10000", reports={1: "8514"})  # 0.8514 = 0.9014 − 5 points
    q = make("超出容忍", plan="10000", reports={1: "8513.99"})
    with override_settings(CHAINDESK_PROJECT_BEHIND_TOLERANCE=Decimal("5")):
        rows = _annotated(p, q)
        assert ss.project_progress(p, year=YEAR, today=TODAY).behind is False
        assert ss.project_progress(q, year=YEAR, today=TODAY).behind is True
    assert rows["容忍"].is_behind is False
    assert rows["超出容忍"].is_behind is True


def test_stale_boundary_exactly_thirty_days(make) -> None:  # noqa: ANN001
    thirty = make("三十天", last=TODAY - dt.timedelta(days=30))
    thirty_one = make("三十一天", last=TODAY - dt.timedelta(days=31))
    never = make("从未更新", last=None)
    rows = _annotated(thirty, thirty_one, never)
    assert rows["三十天"].is_stale is False
    assert rows["三十一天"].is_stale is True
    assert rows["从未更新"].is_stale is True
    assert ss.project_progress(thirty, year=YEAR, today=TODAY).stale is False
    assert ss.project_progress(thirty_one, year=YEAR, today=TODAY).stale is True


def test_flags_only_for_active_stages(make) -> None:  # noqa: ANN001
    old = TODAY - dt.timedelta(days=200)
    projects = [
        make(stage, stage=stage, plan="100", reports={1: "1"}, last=old)
        for stage in (ProjectStage.NEGOTIATING, ProjectStage.PAUSED, ProjectStage.TERMINATED, ProjectStage.FULL)
    ]
    active = make("签约", stage=ProjectStage.SIGNED, plan="100", reports={1: "1"}, last=old)
    rows = _annotated(*projects, active)
    for project in projects:
        assert rows[project.name].is_stale is False and rows[project.name].is_behind is False
    assert rows["签约"].is_stale is True and rows["签约"].is_behind is True


def test_flag_filter(make) -> None:  # noqa: ANN001
    behind = make("滞后", plan="100", reports={1: "1"})
    stale = make("停滞", plan="100", reports={1: "100"}, last=TODAY - dt.timedelta(days=60))
    both = make("两者", plan="100", reports={1: "1"}, last=None)
    fine = make("正常", plan="100", reports={1: "95"})
    base = ss.annotate_progress(
        Project.objects.filter(pk__in=[behind.pk, stale.pk, both.pk, fine.pk]), year=YEAR, today=TODAY
    )

    def names(flag: str) -> set[str]:
        return set(ss.flag_filter(base, flag, year=YEAR, today=TODAY).values_list("name", flat=True))

    assert names("behind") == {"滞后", "两者"}
    assert names("stale") == {"停滞", "两者"}
    assert names("stalled") == {"滞后", "停滞", "两者"}
    assert names("nonsense") == {"滞后", "停滞", "两者", "正常"}
    plain = Project.objects.filter(pk__in=[behind.pk, stale.pk, both.pk, fine.pk])
    assert {p.name for p in ss.flag_filter(plain, "stalled", year=YEAR, today=TODAY)} == {"滞后", "停滞", "两者"}


def test_annotate_progress_one_query_no_fan_out(make, django_assert_num_queries) -> None:  # noqa: ANN001
    made = [make(f"项目{i}", plan="100", reports={m: "1" for m in range(1, 12)}) for i in range(5)]
    qs = ss.annotate_progress(Project.objects.filter(pk__in=[p.pk for p in made]), year=YEAR, today=TODAY)
    with django_assert_num_queries(1):
        rows = list(qs)
    assert len(rows) == 5
    assert {r.done_ytd for r in rows} == {Decimal("11")}


def test_project_progress_months_and_gap(make) -> None:  # noqa: ANN001
    p = make("月度", plan="1200", reports={1: "100", 3: "250.50", 11: "49.50"})
    progress = ss.project_progress(p, year=YEAR, today=TODAY)
    assert progress.plan == Decimal("1200")
    assert progress.done_ytd == Decimal("400.00")
    assert progress.rate == Decimal("0.3333")
    assert progress.schedule == Decimal("0.9014")
    assert progress.gap == Decimal("56.81")
    assert progress.behind is True
    assert len(progress.months) == 11
    assert progress.months[0] == (dt.date(2026, 1, 1), Decimal("100"), Decimal("100"))
    assert progress.months[1] == (dt.date(2026, 2, 1), None, Decimal("100"))
    assert progress.months[2][2] == Decimal("350.50")
    assert progress.months[-1] == (dt.date(2026, 11, 1), Decimal("49.50"), Decimal("400.00"))


def test_project_progress_other_years(make) -> None:  # noqa: ANN001
    p = make("去年", plan="100", reports={12: "100"}, year=2025)
    last_year = ss.project_progress(p, year=2025, today=TODAY)
    assert last_year.schedule == Decimal("1") and len(last_year.months) == 12
    assert last_year.rate == Decimal("1.0000") and not last_year.behind
    next_year = ss.project_progress(p, year=2027, today=TODAY)
    assert next_year.months == [] and next_year.plan is None


# --- summaries --------------------------------------------------------------------------------------


def _numbers(rows: list[sp.SummaryRow]) -> dict[object, tuple[object, ...]]:
    return {
        (r.key, r.is_total): (r.label, r.n_projects, r.n_active, r.plan, r.done, r.rate, r.n_behind, r.n_stale)
        for r in rows
    }


@pytest.fixture
def summary_data(personas, make) -> dict[str, Project]:  # noqa: ANN001
    """Two chains and two regions, awkward decimals, a project without a plan, flags of each kind: 甲 to 丁 on
    测试甲链, 戊 and 己 on 测试乙链; 乙 and 己 in 测试乙区, the others in 测试甲区."""
    other_chain = personas.theirs.chain
    jingjiang = personas.theirs.region
    made = {
        "a": make("汇总甲", plan="0.30", reports={1: "0.10", 2: "0.20"}),
        "b": make("汇总乙", plan="1000", reports={3: "100.05"}, last=TODAY - dt.timedelta(days=31)),
        "c": make("汇总丙", reports={4: "12.34"}),  # no plan
        "d": make("汇总丁", stage=ProjectStage.NEGOTIATING, plan="500"),
        "e": make("汇总戊", plan="10000", reports={1: "9014"}, last=None),  # on schedule, stale
        "f": make("汇总己", plan="200", reports={5: "10"}),
    }
    Project.objects.filter(pk__in=[made["e"].pk, made["f"].pk]).update(chain=other_chain)
    Project.objects.filter(pk__in=[made["b"].pk, made["f"].pk]).update(region=jingjiang)
    return made


@pytest.mark.parametrize("by", ["chain", "region"])
def test_summary_equals_raw_sql(summary_data, by: str, django_assert_num_queries) -> None:  # noqa: ANN001
    with django_assert_num_queries(1):
        orm = sp.summarize(Project.objects.all(), year=YEAR, today=TODAY, by=by)
    with django_assert_num_queries(1):
        raw = sp.raw_investment_summary_sql(YEAR, TODAY, by)
    assert _numbers(orm) == _numbers(raw)
    assert orm[-1].is_total and raw[-1].is_total
    for other_today in (dt.date(2026, 1, 15), dt.date(2026, 12, 31)):
        assert _numbers(sp.summarize(Project.objects.all(), year=YEAR, today=other_today, by=by)) == _numbers(
            sp.raw_investment_summary_sql(YEAR, other_today, by)
        )


def test_summary_numbers_on_hand_built_data(summary_data) -> None:  # noqa: ANN001
    ids = [p.pk for p in summary_data.values()]
    rows = sp.summarize(Project.objects.filter(pk__in=ids), year=YEAR, today=TODAY, by="chain")
    assert sorted(r.label for r in rows if not r.is_total) == sorted(["测试甲链", "测试乙链"])
    ours, other, total = (
        next(r for r in rows if r.label == "测试甲链"),
        next(r for r in rows if r.label == "测试乙链"),
        rows[-1],
    )
    assert (ours.n_projects, ours.n_active) == (4, 3)
    assert ours.plan == Decimal("1500.30")  # 0.30 + 1000 + 500 (在谈 has a plan too)
    assert ours.done == Decimal("112.69")  # 0.30 + 100.05 + 12.34
    assert ours.rate == Decimal("0.0751")
    assert (ours.n_behind, ours.n_stale) == (1, 1)  # 汇总乙 behind and stale; 汇总甲 on plan
    assert (other.n_projects, other.plan, other.done, other.n_behind, other.n_stale) == (
        2,
        Decimal("10200"),
        Decimal("9024"),
        1,
        1,
    )
    assert total.n_projects == 6 and total.plan == Decimal("11700.30") and total.done == Decimal("9136.69")
    assert total.schedule == Decimal("0.9014") and total.behind is True
    chain_ids = list(Project.objects.filter(pk__in=ids).values_list("chain_id", flat=True).distinct())
    raw = sp.raw_investment_summary_sql(YEAR, TODAY, "chain", chain_ids=chain_ids)
    everything = sp.summarize(Project.objects.filter(chain_id__in=chain_ids), year=YEAR, today=TODAY, by="chain")
    assert _numbers(raw) == _numbers(everything)


def test_summary_follows_visibility(summary_data, personas) -> None:  # noqa: ANN001
    # 测试甲链 holds 汇总甲 to 汇总丁 and the world's own project (测试甲扩产项目); 测试乙区 holds 汇总乙, 汇总己
    # and the world's project of 测试乙链.
    chief = sp.investment_summary(personas.chief, year=YEAR, today=TODAY, by="chain")
    assert {r.label for r in chief if not r.is_total} == {"测试甲链"}
    assert [r.n_projects for r in chief if r.label == "测试甲链"] == [5]
    district = sp.investment_summary(personas.x_district, year=YEAR, today=TODAY, by="region")
    assert {r.label for r in district if not r.is_total} == {"测试乙区"}
    assert district[-1].n_projects == 3
    assert sp.investment_summary(personas.handler, year=YEAR, today=TODAY, by="chain")[-1].n_projects == 0
