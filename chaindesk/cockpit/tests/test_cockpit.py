"""The cockpit (驾驶舱): who opens which page (200/403/404), the numbers against the lists they click through to
(requested as the same reader), the scope (a chain chief sees their chain, a district administrator their
district, nobody another's), the targets beside the figures, the demand rankings' minimum number of cases, and a
query count that does not grow with the records.

The personas' world is built for the test clock's day; the records a test counts are made that day (this year),
so every test holds under every clock CI runs (the `clock` mark)."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chaindesk.accounts.models import User
from chaindesk.core import clock
from chaindesk.core.navigation import items_for
from chaindesk.demands.jobs import run_escalation
from chaindesk.demands.models import Demand, Task
from chaindesk.demands.tests.factories import DemandWorld
from chaindesk.leads import services as lead_services
from chaindesk.leads.choices import LeadSource
from chaindesk.projects import services as project_services
from chaindesk.projects.choices import ProjectStage
from chaindesk.projects.models import Project
from chaindesk.targets import services as target_services
from chaindesk.targets.choices import Light, Metric, Owner
from chaindesk.testkit.personas import Personas

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

CITY = "cockpit:city"
CHAIN = "cockpit:chain"
VIEWERS = ("chief", "member", "district", "x_chief", "x_district")
REFUSED = ("liaison", "handler", "ent_user", "sysadmin", "auditor", "x_liaison", "x_handler", "x_ent_user")


def _user(p: Personas, key: str) -> User:
    user = p.user(key)
    assert user is not None
    return user


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _get(user: User, url: str) -> Any:
    response = _client(user).get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


def _city(user: User) -> Any:
    return _get(user, reverse(CITY))


def _chain(user: User, p: Personas) -> Any:
    return _get(user, reverse(CHAIN, args=[p.ours.chain.pk]))


def _listed(user: User, url: str | None) -> int:
    """The rows of the list a figure clicks through to, as the same reader sees it."""
    assert url, "the figure has no link"
    return int(_get(user, url).context["page_obj"].paginator.count)


def _stat(response: Any, group: str, key: str) -> Any:
    return next(s for s in response.context[group] if s.key == key)


def _sign(p: Personas, name: str, *, region: Any = None, chain: Any = None) -> Project:
    """A project of our chain (in 测试甲区 unless told) signed today."""
    project = project_services.project_create(
        actor=p.chief,
        name=name,
        chain=chain or p.ours.chain,
        region=region or p.ours.region,
        enterprise=p.ent2,
        planned_investment=Decimal("12000.00"),
    )
    return project_services.project_transition(
        project=project, to_stage=ProjectStage.SIGNED, on=clock.today(), actor=p.chief
    )


def _overdue(task: Task, today: dt.date) -> None:
    """Put the task's deadline 10 days back and run the escalation job: it is marked 预警 or 督办."""
    Task.objects.filter(pk=task.pk).update(deadline=today - dt.timedelta(days=10))
    run_escalation(today=today)


# --- who opens what --------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [*VIEWERS, *REFUSED])
def test_city_page_per_persona(personas: Personas, key: str) -> None:
    response = _client(personas.user(key)).get(reverse(CITY))
    assert response.status_code == (200 if key in VIEWERS else 403)


@pytest.mark.parametrize(
    ("key", "status"),
    [
        ("chief", 200),
        ("member", 200),
        ("district", 200),
        ("x_district", 200),  # a district administrator opens every chain, cut to the district
        ("x_chief", 404),  # another chain's chief: missing and forbidden alike
        *((key, 403) for key in REFUSED),
    ],
)
def test_chain_page_per_persona(personas: Personas, key: str, status: int) -> None:
    response = _client(personas.user(key)).get(reverse(CHAIN, args=[personas.ours.chain.pk]))
    assert response.status_code == status


def test_anonymous_is_sent_to_login(personas: Personas) -> None:
    response = Client().get(reverse(CITY))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_unknown_chain_is_404(personas: Personas) -> None:
    assert _client(personas.chief).get(reverse(CHAIN, args=[999_999])).status_code == 404


def test_menu_entry_for_viewers_only(personas: Personas) -> None:
    assert any(item["key"] == "cockpit" and item["active"] for item in items_for("city_leader", "cockpit"))
    assert not any(item["key"] == "cockpit" for item in items_for("dept_handler", "cockpit"))


# --- every number equals the list it clicks through to ---------------------------------------------------


def test_projects_signed_count_and_their_list(personas: Personas) -> None:
    """签约 this year counts the projects signed in the year, and opens exactly them (the projects list's 本年进展
    filter); so do 开工, 竣工 and 投产."""
    p = personas
    signed = [_sign(p, "驾驶舱测试签约一号项目"), _sign(p, "驾驶舱测试签约二号项目")]
    year = clock.today().year
    expected = Project.objects.filter(chain=p.ours.chain, signed_on__year=year).count()
    for response in (_chain(p.chief, p), _city(p.chief)):
        stat = _stat(response, "project_stats", Metric.SIGNED)
        assert stat.value == expected >= len(signed)
        assert stat.link.exact
        listed = _get(p.chief, stat.link.url).context["page_obj"].paginator
        assert listed.count == stat.value
        assert {s.pk for s in signed} <= {row.pk for row in listed.object_list}
        assert response.context["signed_amount"].value >= Decimal("24000.00")
        for metric in (Metric.STARTED, Metric.COMPLETED, Metric.PRODUCTION):
            step = _stat(response, "project_stats", metric)
            assert _get(p.chief, step.link.url).context["page_obj"].paginator.count == step.value, metric


@pytest.mark.parametrize("key", ["chief", "member", "district"])
def test_stalled_projects_equal_the_list(personas: Personas, key: str) -> None:
    p = personas
    _sign(p, "驾驶舱测试停滞项目")  # signed today without a plan: not stale yet
    Project.objects.filter(pk=p.ours.project.pk).update(last_progress_on=clock.today() - dt.timedelta(days=90))
    user = _user(p, key)
    for response in (_city(user), _chain(user, p)):
        assert response.context["stalled_count"] >= 1
        assert response.context["stalled_count"] == _listed(user, response.context["stalled_link"].url)
        assert [r.project.pk for r in response.context["stalled_rows"]][0] == p.ours.project.pk


@pytest.mark.parametrize("page", ["city", "chain"])
def test_overdue_tasks_equal_the_supervision_queue(personas: Personas, page: str) -> None:
    p = personas
    today = clock.today()
    _overdue(p.ours.task, today)
    response = _city(p.chief) if page == "city" else _chain(p.chief, p)
    assert response.context["overdue_count"] == 1
    assert response.context["overdue_count"] == _listed(p.chief, response.context["overdue_link"].url)
    assert [t.pk for t, _url in response.context["overdue_rows"]] == [p.ours.task.pk]


def test_overdue_tasks_of_a_district_have_no_queue_to_open(personas: Personas) -> None:
    p = personas
    _overdue(p.ours.task, clock.today())
    response = _city(p.district)
    assert response.context["overdue_count"] == 1 and response.context["overdue_link"].url is None
    assert _client(p.district).get(reverse("demands:supervision")).status_code == 403


@pytest.mark.parametrize("key", ["chief", "district"])
def test_demands_received_and_closed_equal_the_list(personas: Personas, key: str) -> None:
    p = personas
    world = DemandWorld(p)
    world.demand(title="驾驶舱测试已办结诉求", status="closed")
    world.demand(title="驾驶舱测试待受理诉求")
    user = _user(p, key)
    for response in (_city(user), _chain(user, p)):
        received, closed = (_stat(response, "demand_steps", k) for k in ("received", "closed"))
        assert closed.value >= 1 and received.value >= 3
        assert closed.link.exact and received.link.exact
        assert closed.value == _listed(user, closed.link.url)
        assert received.value == _listed(user, received.link.url)
        closure = _stat(response, "demand_rates", "closure")
        assert closure.value == (
            Decimal(closed.value * 100) / Decimal(_stat(response, "demand_steps", "accepted").value)
        ).quantize(Decimal("0.1"))


def test_region_ranking_clicks_through_to_the_closed_demands(personas: Personas) -> None:
    p = personas
    DemandWorld(p).demand(title="驾驶舱测试地区诉求", status="closed")
    response = _city(p.chief)
    row = next(r for r in response.context["region_ranking"] if r.row.key == p.ours.region.pk)
    assert row.row.closed == _listed(p.chief, row.link.url) >= 1


def test_leads_cycle_and_upward_equal_their_lists(personas: Personas) -> None:
    p = personas
    lead_services.lead_create(
        actor=p.chief, title="驾驶舱测试线索", source=LeadSource.EXPO, investor="测试投资方", chain=p.ours.chain
    )
    follow_on = _sign(p, "驾驶舱测试增资项目")
    response = _chain(p.chief, p)
    cells = [(n, link) for row in response.context["lead_rows"] for n, link in row.cells if n]
    assert cells
    for n, link in cells:
        assert n == _listed(p.chief, link.url)
    total, link = response.context["lead_total"].total
    assert total == _listed(p.chief, link.url) == 2
    for item in response.context["cycle"]:
        assert item["step"].n_landed == _listed(p.chief, item["landed"].url)
        assert item["step"].n_negotiating == _listed(p.chief, item["talks"].url)
    assert follow_on.pk  # counted among the landed ones above
    for row in response.context["upward_rows"]:
        if row.is_open:
            assert row.figure.count == _listed(p.chief, row.link.url)


def test_investment_equals_the_investment_page(personas: Personas) -> None:
    p = personas
    today = clock.today()
    project = _sign(p, "驾驶舱测试投资项目")
    project_services.investment_report(
        project=project, month=today.replace(day=1), amount=Decimal("345.60"), actor=p.chief
    )
    response = _city(p.chief)
    stat = response.context["investment"]
    page = _get(p.chief, stat.link.url)
    assert stat.value == page.context["total"].done >= Decimal("345.60")


# --- scope -----------------------------------------------------------------------------------------------


def test_another_chains_chief_sees_none_of_ours(personas: Personas) -> None:
    p = personas
    _sign(p, "驾驶舱测试甲链项目")
    DemandWorld(p).demand(title="驾驶舱测试甲链诉求", status="closed")
    ours, theirs = _city(p.chief), _city(p.x_chief)
    assert [r["chain"].pk for r in theirs.context["chain_rows"]] == [p.theirs.chain.pk]
    assert p.ours.chain.pk not in theirs.context["funnels"]
    assert _stat(ours, "project_stats", Metric.SIGNED).value >= 1
    assert _stat(theirs, "project_stats", Metric.SIGNED).value == 0
    visible = Demand.objects.visible_to(p.x_chief).enterprise_demands().filter(chain=p.ours.chain)
    assert not visible.exists()
    assert _stat(theirs, "demand_steps", "closed").value == 0
    assert p.ours.chain.name not in theirs.content.decode()


def test_a_district_sees_only_its_district(personas: Personas) -> None:
    p = personas
    _sign(p, "驾驶舱测试甲区项目")
    _sign(p, "驾驶舱测试乙区项目", region=p.theirs.region)  # our chain, their district
    chief, district, x_district = (
        _stat(_city(u), "project_stats", Metric.SIGNED).value for u in (p.chief, p.district, p.x_district)
    )
    year = clock.today().year
    signed = Project.objects.filter(signed_on__year=year)
    assert district == signed.filter(region=p.ours.region).count()
    assert x_district == signed.filter(region=p.theirs.region).count() >= 1
    assert (
        chief
        == signed.filter(chain=p.ours.chain).count()
        == district + signed.filter(chain=p.ours.chain, region=p.theirs.region).count()
    )
    chain_page = _chain(p.x_district, p)
    assert (
        _stat(chain_page, "project_stats", Metric.SIGNED).value
        == signed.filter(chain=p.ours.chain, region=p.theirs.region).count()
    )
    assert "测试乙区" in chain_page.context["scope_text"]


# --- targets beside the figures, rankings ----------------------------------------------------------------


def test_chain_targets_beside_the_funnel(personas: Personas) -> None:
    p = personas
    _sign(p, "驾驶舱测试目标项目")
    year = clock.today().year
    target_services.targets_save(
        actor=p.chief, year=year, owner=Owner.CHAIN, owner_obj=p.ours.chain, values={Metric.SIGNED: Decimal("4")}
    )
    response = _chain(p.chief, p)
    stat = _stat(response, "project_stats", Metric.SIGNED)
    assert stat.goal is not None and stat.goal.target == Decimal("4")
    assert stat.goal.actual == stat.value  # the chain's team sees all the chain's projects
    assert stat.goal.light in (Light.GREEN, Light.YELLOW, Light.RED)
    assert _stat(response, "project_stats", Metric.STARTED).goal is None
    assert 'data-testid="light"' in response.content.decode()


def test_city_targets_and_districts_ranking(personas: Personas) -> None:
    p = personas
    _sign(p, "驾驶舱测试市目标项目")
    year = clock.today().year
    for owner_obj, value in ((p.city, "10"), (p.ours.region, "1"), (p.theirs.region, "50")):
        target_services.targets_save(
            actor=p.chief, year=year, owner=Owner.REGION, owner_obj=owner_obj, values={Metric.SIGNED: Decimal(value)}
        )
    response = _city(p.chief)
    goal = _stat(response, "project_stats", Metric.SIGNED).goal
    assert goal is not None and goal.owner_name == p.city.name and goal.target == Decimal("10")
    ranks = {r.row.name: r for r in response.context["district_ranks"]}
    ours, theirs = ranks[p.ours.region.name], ranks[p.theirs.region.name]
    assert ours.lights[Light.GREEN] == 1 and ours.rank == 1  # its one project done: ahead of schedule
    # theirs has done nothing: behind from the first weeks of the year on, level with ours before
    assert theirs.rank == (1 if theirs.key == ours.key else 2)


def test_department_ranking_keeps_the_minimum_number_of_cases(personas: Personas) -> None:
    """Below the minimum number of cases a department is listed, unranked and without a light; its target rate is
    shown beside it, and its targets have a row of their own."""
    p = personas
    DemandWorld(p).demand(title="驾驶舱测试部门诉求", status="closed")
    target_services.targets_save(
        actor=p.chief,
        year=clock.today().year,
        owner=Owner.DEPARTMENT,
        owner_obj=p.ours.department,
        values={Metric.CLOSURE_RATE: Decimal("90")},
    )
    response = _city(p.chief)
    rows = response.context["department_ranking"]
    minimum = response.context["min_cases"]
    assert rows and all(r.row.rank is None and r.light == Light.NONE for r in rows if r.row.accepted < minimum)
    ours = next(r for r in rows if r.row.key == p.ours.department.pk)
    assert ours.target == Decimal("90")
    assert [r.row.name for r in response.context["department_ranks"]] == [p.ours.department.short_name]
    assert "基数不足" in response.content.decode()


# --- queries ---------------------------------------------------------------------------------------------


def _queries(user: User, url: str) -> int:
    client = _client(user)
    client.get(url)  # the session, the calendar: warmed
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("key", ["chief", "district"])
def test_query_count_is_bounded_and_does_not_grow(personas: Personas, key: str) -> None:
    p = personas
    user = _user(p, key)
    year = clock.today().year
    every: dict[str, Decimal | None] = {
        m: Decimal("5") for m in (Metric.SIGNED, Metric.INVESTMENT, Metric.CLOSURE_RATE, Metric.UPWARD_OBTAINED)
    }
    for owner, obj in ((Owner.CHAIN, p.ours.chain), (Owner.REGION, p.city), (Owner.REGION, p.ours.region)):
        target_services.targets_save(actor=p.chief, year=year, owner=owner, owner_obj=obj, values=every)
    target_services.targets_save(
        actor=p.chief,
        year=year,
        owner=Owner.DEPARTMENT,
        owner_obj=p.ours.department,
        values={Metric.CLOSURE_RATE: Decimal("90")},
    )
    urls = (reverse(CITY), reverse(CHAIN, args=[p.ours.chain.pk]))
    before = [_queries(user, url) for url in urls]
    world = DemandWorld(p)
    for i in range(3):
        _sign(p, f"驾驶舱测试查询项目{i}")
        world.demand(title=f"驾驶舱测试查询诉求{i}", status="closed")
        lead_services.lead_create(
            actor=p.chief, title=f"驾驶舱测试查询线索{i}", source=LeadSource.EXPO, investor="测试", chain=p.ours.chain
        )
    _overdue(p.ours.task, clock.today())
    after = [_queries(user, url) for url in urls]
    assert after == before, (before, after)
    assert max(after) <= 35
