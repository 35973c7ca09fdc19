"""The 大屏: who opens it (the cockpit's roles and scope: 200/403/404, the page and its JSON alike), its figures
against the cockpit's selectors for the same reader, the page drawn with the JSON's text, a new record showing at
the next fetch, the intervals kept within bounds, only our own files and the machine's fonts (offline, CSP: no
inline script, no inline style), the cockpit's 大屏 button, and a query count that does not grow with the records.

Records a test counts are made on the test clock's day (this year), so every test holds under every clock CI runs
(the `clock` mark)."""

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chaindesk.accounts.models import User
from chaindesk.core import clock
from chaindesk.demands.tests.factories import DemandWorld
from chaindesk.leads import services as lead_services
from chaindesk.leads.choices import LeadSource
from chaindesk.projects import services as project_services
from chaindesk.projects.choices import ProjectStage
from chaindesk.projects.models import Project
from chaindesk.targets import services as target_services
from chaindesk.targets.choices import Metric, Owner
from chaindesk.testkit.personas import Personas

from .. import selectors
from ..selectors import Area

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

VIEWERS = ("chief", "member", "district", "x_chief", "x_district")
REFUSED = ("liaison", "handler", "ent_user", "sysadmin", "auditor", "x_liaison", "x_handler", "x_ent_user")
CHAIN_STATUS = [
    ("chief", 200),
    ("member", 200),
    ("district", 200),
    ("x_district", 200),  # a district administrator opens every chain, cut to the district
    ("x_chief", 404),  # another chain's chief: missing and forbidden alike
    *((key, 403) for key in REFUSED),
]
STATIC = Path(__file__).resolve().parents[1] / "static" / "cockpit"


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _user(p: Personas, key: str) -> User:
    user = p.user(key)
    assert user is not None
    return user


def _data(user: User, chain: int | None = None) -> dict[str, Any]:
    url = reverse("cockpit:screen_data") if chain is None else reverse("cockpit:chain_screen_data", args=[chain])
    response = _client(user).get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    return dict(response.json())


def _sign(p: Personas, name: str) -> Project:
    project = project_services.project_create(
        actor=p.chief,
        name=name,
        chain=p.ours.chain,
        region=p.ours.region,
        enterprise=p.ent2,
        planned_investment=Decimal("12000.00"),
    )
    return project_services.project_transition(
        project=project, to_stage=ProjectStage.SIGNED, on=clock.today(), actor=p.chief
    )


# --- who opens what: as the cockpit ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["cockpit:screen", "cockpit:screen_data"])
@pytest.mark.parametrize("key", [*VIEWERS, *REFUSED])
def test_city_screen_per_persona(personas: Personas, key: str, name: str) -> None:
    cockpit = _client(personas.user(key)).get(reverse("cockpit:city")).status_code
    response = _client(personas.user(key)).get(reverse(name))
    assert response.status_code == cockpit == (200 if key in VIEWERS else 403)


@pytest.mark.parametrize("name", ["cockpit:chain_screen", "cockpit:chain_screen_data"])
@pytest.mark.parametrize(("key", "status"), CHAIN_STATUS)
def test_chain_screen_per_persona(personas: Personas, key: str, status: int, name: str) -> None:
    pk = personas.ours.chain.pk
    cockpit = _client(personas.user(key)).get(reverse("cockpit:chain", args=[pk])).status_code
    assert _client(personas.user(key)).get(reverse(name, args=[pk])).status_code == cockpit == status


@pytest.mark.parametrize("name", ["cockpit:screen", "cockpit:screen_data"])
def test_anonymous_is_sent_to_login(personas: Personas, name: str) -> None:
    response = Client().get(reverse(name))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_unknown_chain_is_404(personas: Personas) -> None:
    for name in ("cockpit:chain_screen", "cockpit:chain_screen_data"):
        assert _client(personas.chief).get(reverse(name, args=[999_999])).status_code == 404


def test_the_cockpit_has_a_screen_button(personas: Personas) -> None:
    p = personas
    city = _client(p.chief).get(reverse("cockpit:city")).content.decode()
    chain = _client(p.chief).get(reverse("cockpit:chain", args=[p.ours.chain.pk])).content.decode()
    assert f'href="{reverse("cockpit:screen")}" data-testid="cockpit-screen"' in city
    assert f'href="{reverse("cockpit:chain_screen", args=[p.ours.chain.pk])}" data-testid="cockpit-screen"' in chain


# --- the figures: the cockpit's selectors', for the same reader ----------------------------------------------


def _expected(user: User, chain: Any = None) -> dict[str, Any]:
    """The cockpit's figures read straight from its selectors."""
    area = Area(user, clock.today(), chain)
    funnel = selectors.total_funnel(selectors.funnel_by_chain(area))
    demands = selectors.demand_table(area, "region").total
    leads = selectors.lead_counts(area)
    return {
        "counts": {str(m): n for m, n in funnel.counts.items()},
        "signed_amount": funnel.signed_amount,
        "investment": sum(selectors.investment_by_month(area).values(), Decimal(0)),
        "stalled": sum(selectors.stalled_by_chain(area).values()),
        "overdue": sum(selectors.overdue_by_chain(area).values()),
        "received": demands.received,
        "closed": demands.closed,
        "closure": demands.percents["closure"],
        "leads": sum(leads.values()),
    }


def _targets(p: Personas) -> None:
    year = clock.today().year
    values: dict[str, Decimal | None] = {Metric.SIGNED: Decimal("4"), Metric.CLOSURE_RATE: Decimal("90")}
    for owner, obj in ((Owner.CHAIN, p.ours.chain), (Owner.REGION, p.city)):
        target_services.targets_save(actor=p.chief, year=year, owner=owner, owner_obj=obj, values=values)


def _world(p: Personas) -> None:
    """A signed project, a closed and an open demand, a lead, targets for the chain and the city."""
    _sign(p, "大屏测试签约项目")
    world = DemandWorld(p)
    world.demand(title="大屏测试已办结诉求", status="closed")
    world.demand(title="大屏测试待受理诉求")
    lead_services.lead_create(
        actor=p.chief, title="大屏测试线索", source=LeadSource.EXPO, investor="测试投资方", chain=p.ours.chain
    )
    _targets(p)


def _same(data: dict[str, Any], expected: dict[str, Any]) -> None:
    figures = data["figures"]
    assert {k: figures["projects"][k] for k in expected["counts"]} == expected["counts"]
    assert Decimal(figures["projects"]["signed_amount"]) == expected["signed_amount"]
    assert Decimal(figures["projects"]["investment"]) == expected["investment"]
    assert figures["stalled"] == expected["stalled"] and figures["overdue"] == expected["overdue"]
    assert figures["demands"]["received"] == expected["received"]
    assert figures["demands"]["closed"] == expected["closed"]
    closure = figures["rates"]["closure"]
    assert (None if closure is None else Decimal(closure)) == expected["closure"]
    assert figures["leads"] == expected["leads"]
    assert data["fields"]["p.signed.value"] == f"{expected['counts'][Metric.SIGNED]:,}"
    assert data["fields"]["d.closed.value"] == f"{expected['closed']:,}"


@pytest.mark.parametrize("key", ["chief", "member", "district", "x_chief", "x_district"])
def test_city_figures_equal_the_cockpit_selectors(personas: Personas, key: str) -> None:
    _world(personas)
    user = _user(personas, key)
    _same(_data(user), _expected(user))


@pytest.mark.parametrize("key", ["chief", "district", "x_district"])
def test_chain_figures_equal_the_cockpit_selectors(personas: Personas, key: str) -> None:
    _world(personas)
    user, chain = _user(personas, key), personas.ours.chain
    _same(_data(user, chain.pk), _expected(user, chain))


def test_the_screen_shows_what_the_cockpit_shows(personas: Personas) -> None:
    """The same figures, the same targets, the same lists as the cockpit's page for the same reader."""
    p = personas
    _world(p)
    page = _client(p.chief).get(reverse("cockpit:chain", args=[p.ours.chain.pk])).context
    data = _data(p.chief, p.ours.chain.pk)
    for stat in page["project_stats"]:
        assert data["figures"]["projects"][stat.key] == stat.value
        assert data["fields"][f"p.{stat.key}.goal"] == ("1" if stat.goal else "")
        assert data["fields"][f"p.{stat.key}.light"] == (stat.goal.light if stat.goal else "none")
    assert [row["key"] for row in data["lists"]["stalled"]] == [str(r.project.pk) for r in page["stalled_rows"]]
    assert [row["key"] for row in data["lists"]["overdue"]] == [str(t.pk) for t, _url in page["overdue_rows"]]
    assert data["charts"]["investment"]["series"][0]["data"] == page["investment_chart"]["series"][0]["data"]
    assert data["fields"]["t.own"] == p.ours.chain.name
    assert {row["key"] for row in data["lists"]["goals"]} == {Metric.SIGNED, Metric.CLOSURE_RATE}


def test_another_chains_chief_sees_none_of_ours(personas: Personas) -> None:
    p = personas
    _world(p)
    theirs = _data(p.x_chief)
    assert theirs["figures"]["projects"][Metric.SIGNED] == 0
    assert theirs["figures"]["demands"]["closed"] == 0
    assert p.ours.chain.name not in str(theirs)


def test_a_new_record_shows_at_the_next_fetch(personas: Personas) -> None:
    p = personas
    before = _data(p.chief)
    _sign(p, "大屏测试刷新项目")
    after = _data(p.chief)
    assert after["figures"]["projects"][Metric.SIGNED] == before["figures"]["projects"][Metric.SIGNED] + 1
    assert after["layout"] == before["layout"]  # the same stage: updated in place


def test_the_page_is_drawn_with_the_jsons_text(personas: Personas) -> None:
    p = personas
    _world(p)
    html = _client(p.chief).get(reverse("cockpit:screen")).content.decode()
    fields = _data(p.chief)["fields"]
    for key in ("p.signed.value", "d.received.value", "r.closure.value", "a.stalled", "a.overdue", "t.red"):
        assert re.search(rf'data-f="{re.escape(key)}"[^>]*>{re.escape(fields[key])}<', html), key
    assert 'id="sc-data" type="application/json"' in html


# --- the stage: intervals, offline, CSP ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "refresh", "slide"),
    [("", 60, 15), ("?refresh=2&slide=3", 2, 3), ("?refresh=0&slide=1", 2, 3), ("?refresh=x&slide=99999", 60, 600)],
)
def test_intervals_from_the_query_string_within_bounds(
    personas: Personas, query: str, refresh: int, slide: int
) -> None:
    html = _client(personas.chief).get(reverse("cockpit:screen") + query).content.decode()
    assert f'data-refresh="{refresh}"' in html and f'data-slide="{slide}"' in html


def test_only_our_own_files_no_inline_script_nor_style(personas: Personas) -> None:
    html = _client(personas.chief).get(reverse("cockpit:screen")).content.decode()
    for url in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert url.startswith("/"), url  # our static files and our pages: nothing from the network
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert " src=" in tag or 'type="application/json"' in tag, tag
    assert " style=" not in html and "<style" not in html
    assert "/static/vendor/echarts/echarts.min.js" in html and "/static/cockpit/screen.js" in html


def test_the_machines_fonts_and_no_web_font() -> None:
    """Chinese is drawn with the CJK fonts the machine has (Noto Sans CJK here, the usual ones elsewhere): no
    @font-face to fetch, no font the screen would wait for, and a generic family last."""
    css = (STATIC / "screen.css").read_text(encoding="utf-8")
    stack = re.search(r"--sc-font:\s*([^;]+);", css)
    assert stack and "Noto Sans CJK SC" in stack.group(1) and stack.group(1).strip().endswith("sans-serif")
    assert "@font-face" not in css and "@import" not in css and "url(" not in css
    script = (STATIC / "screen.js").read_text(encoding="utf-8")
    assert "http://" not in script and "https://" not in script


def test_headline_numbers_are_large() -> None:
    """Legible from the back of the room: the headline numerals at least 72 px on the 1920 px stage."""
    css = (STATIC / "screen.css").read_text(encoding="utf-8")
    sizes = [int(n) for n in re.findall(r"\.sc-big[^{]*\{[^}]*font-size:\s*(\d+)px", css)]
    assert sizes and min(sizes) >= 72, sizes


# --- queries ---------------------------------------------------------------------------------------------


def _queries(user: User, url: str) -> int:
    client = _client(user)
    client.get(url)  # the session, the calendar: warmed
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("key", ["chief", "district"])
def test_query_count_is_bounded_and_does_not_grow(
    personas: Personas, key: str, django_assert_max_num_queries: Any
) -> None:
    p = personas
    user = _user(p, key)
    pk = p.ours.chain.pk
    urls = [reverse(n) for n in ("cockpit:screen", "cockpit:screen_data")]
    urls += [reverse(n, args=[pk]) for n in ("cockpit:chain_screen", "cockpit:chain_screen_data")]
    _targets(p)
    before = [_queries(user, url) for url in urls]
    _world(p)
    for i in range(3):
        _sign(p, f"大屏测试查询项目{i}")
        DemandWorld(p).demand(title=f"大屏测试查询诉求{i}", status="closed")
    after = [_queries(user, url) for url in urls]
    assert after == before, (before, after)
    client = _client(user)
    client.get(urls[1])
    for url in urls:
        with django_assert_max_num_queries(35):  # 办理指标's rankings from its rollup name their groups: +3
            client.get(url)
