"""The cockpit (驾驶舱): /cockpit/ for the city (every chain the reader sees, or a district administrator's
district) and /cockpit/chain/<pk>/ for one chain (404 when the chain is not the reader's); each with its 大屏 for
the meeting room (…/screen/, its figures as JSON at …/screen/data/): the same figures on a 1920×1080 stage.

Each family of figures is read once (chaindesk.cockpit.selectors, one grouped or aggregate query each), so the
page's query count is fixed whatever the number of records; every number links to the list behind it
(chaindesk.cockpit.links)."""

from typing import Any

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from chaindesk.accounts.choices import Role
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.chains.models import Chain
from chaindesk.core import clock
from chaindesk.core.db_router import replica_reads
from chaindesk.core.permissions import role_required
from chaindesk.core.visibility import get_visible_or_404
from chaindesk.projects.selectors_schedule import rules_text
from chaindesk.targets.choices import Owner

from . import charts, panels, screen, selectors
from .links import Links
from .permissions import COCKPIT_VIEWERS
from .selectors import Area

TEMPLATE = "cockpit/page.html"


def _figures(area: Area, goals: panels.Goals, links: Links) -> dict[str, Any]:
    """What both pages show, each family read once."""
    funnels = selectors.funnel_by_chain(area)
    funnel = selectors.total_funnel(funnels)
    months = selectors.investment_by_month(area)
    investment = panels.investment_stat(months, goals, links)
    leads = selectors.lead_counts(area)
    lead_rows, lead_total = panels.lead_rows(leads, links)
    upward = selectors.upward_by_stage(area)
    return {
        "funnels": funnels,
        "project_stats": panels.project_stats(funnel, goals, links),
        "signed_amount": panels.signed_amount_stat(funnel, goals, links),
        "investment": investment,
        "investment_chart": charts.investment_chart(
            months, None if investment.differs else investment.goal, today=area.today, links=links
        ),
        "lead_rows": lead_rows,
        "lead_total": lead_total,
        "lead_stages": panels.LEAD_STAGES,
        "leads_chart": charts.leads_chart(leads, links) if lead_total.total and lead_total.total[0] else None,
        "cycle": panels.cycle_links(selectors.cycle_steps(area), links),
        "upward_rows": panels.upward_rows(upward, links),
        "upward_stats": panels.upward_stats(upward, goals, links),
        "stalled_rows": panels.stalled_rows(selectors.stalled_rows(area), links, area.today),
        "stalled_link": links.stalled(),
        "overdue_rows": [(t, links.demand(t.demand_id)) for t in selectors.overdue_rows(area)],
        "overdue_link": links.overdue(),
        "project_rules": rules_text(),
    }


def _demands(area: Area, goals: panels.Goals, links: Links, tables: dict[str, selectors.DemandTable]) -> dict[str, Any]:
    total = tables["region"].total
    return {
        "demand_steps": panels.demand_steps(total, links),
        "demand_rates": panels.demand_rates(total, goals, links),
        "region_ranking": panels.demand_ranking(tables["region"], goals, links),
        "department_ranking": panels.demand_ranking(tables["department"], goals, links),
        "min_cases": tables["region"].min_cases,
    }


def _common(area: Area, goals: panels.Goals, links: Links) -> dict[str, Any]:
    tables = {d: selectors.demand_table(area, d) for d in ("region", "department")}
    book = goals.book
    return {
        "area": area,
        "year": area.year,
        "today": area.today,
        "elapsed": book.elapsed,
        "days_left": book.days_left,
        "rule": book.rule,
        "own_goals": goals.own,
        "ledger": book,
        "targets_link": links.targets(),
        "metrics_link": links.metrics("region"),
        **_figures(area, goals, links),
        **_demands(area, goals, links, tables),
    }


def _scope_text(area: Area, chains: list[Chain]) -> str:
    user = area.user
    if user.role == Role.DISTRICT_ADMIN:
        place = str(user.region) if user.region_id else ""
        if area.chain is not None:
            return _("%(chain)s在%(place)s的项目、诉求、线索和上争事项") % {"chain": area.chain.name, "place": place}
        return _("%(place)s的项目、诉求、线索和上争事项") % {"place": place}
    names = [area.chain.name] if area.chain is not None else [c.name for c in chains]
    return _("%(chains)s（您所在的产业链服务团队）") % {"chains": "、".join(names) or _("无")}


def city_context(user: Any) -> dict[str, Any]:
    """Every figure of the city's (or the district's) cockpit over every chain the reader sees: the page's context,
    and what its 大屏 shows (chaindesk.cockpit.screen)."""
    area = Area(user, clock.today())
    links = Links(area)
    home = selectors.home_region(user)
    goals = panels.Goals(selectors.targets(area), Owner.REGION, home.pk if home else None)
    chains = selectors.visible_chains(user)
    context = _common(area, goals, links)
    context.update(_city(area, goals, links, chains, context))
    context["scope_text"] = _scope_text(area, chains)
    context["place"] = home.name if home is not None else ""
    context["page_title"] = _("%(place)s驾驶舱") % {"place": context["place"]}
    context["breadcrumbs"] = [(_("驾驶舱"), None)]
    return context


@role_required(*COCKPIT_VIEWERS)
@replica_reads
def city_view(request: AuthedRequest) -> HttpResponse:
    """The city's (or the district's) cockpit over every chain the reader sees."""
    return render(request, TEMPLATE, city_context(request.user))


def _stage_counts(funnel: selectors.Funnel | None) -> list[int]:
    return [funnel.counts[m] if funnel else 0 for m in panels.STAGE_KEYS]


def _chain_rows(area: Area, goals: panels.Goals, links: Links, chains: list[Chain], funnels: Any) -> dict[str, Any]:
    """The chains' table of the city page (each chain's figures from the grouped reads) and the totals of the
    stalled projects and overdue tasks."""
    stalled = selectors.stalled_by_chain(area)
    overdue = selectors.overdue_by_chain(area)
    by_chain = {row.key: row for row in selectors.demand_table(area, "chain").rows}
    rows = [
        {
            "chain": chain,
            "url": links.cockpit(chain.pk),
            "counts": _stage_counts(funnels.get(chain.pk)),
            "projects": links.project_events(chain.pk),
            "stalled": (stalled.get(chain.pk, 0), links.stalled(chain.pk)),
            "overdue": (overdue.get(chain.pk, 0), links.overdue(chain.pk)),
            "demands": (by_chain.get(chain.pk), links.demands(chain=chain.pk)),
            "goals": goals.rows.get((Owner.CHAIN, chain.pk)),
        }
        for chain in chains
    ]
    return {"chain_rows": rows, "stalled_count": sum(stalled.values()), "overdue_count": sum(overdue.values())}


def _city(
    area: Area, goals: panels.Goals, links: Links, chains: list[Chain], context: dict[str, Any]
) -> dict[str, Any]:
    """The city page's own parts: the chains' table, the districts' and the departments' targets ranked."""
    minimum = context["min_cases"]
    district_columns, district_ranks = panels.target_ranking(goals.below(Owner.REGION), minimum=minimum)
    department_columns, department_ranks = panels.target_ranking(goals.below(Owner.DEPARTMENT), minimum=minimum)
    return {
        **_chain_rows(area, goals, links, chains, context["funnels"]),
        "district_columns": district_columns,
        "district_ranks": district_ranks,
        "department_columns": department_columns,
        "department_ranks": department_ranks,
        "metric_labels": {str(k): str(v) for k, v in panels.METRIC_SHORT.items()},
        "is_city": True,
    }


def chain_context(user: Any, chain: Chain) -> dict[str, Any]:
    """Every figure of one chain's cockpit (a district administrator's: the chain in the district)."""
    area = Area(user, clock.today(), chain)
    links = Links(area)
    goals = panels.Goals(selectors.targets(area), Owner.CHAIN, chain.pk)
    context = _common(area, goals, links)
    context["stalled_count"] = sum(selectors.stalled_by_chain(area).values())
    context["overdue_count"] = sum(selectors.overdue_by_chain(area).values())
    context["scope_text"] = _scope_text(area, [chain])
    context["page_title"] = _("%(chain)s · 驾驶舱") % {"chain": chain.name}
    context["breadcrumbs"] = [(_("驾驶舱"), reverse("cockpit:city")), (chain.name, None)]
    context["chain"] = chain
    return context


@role_required(*COCKPIT_VIEWERS)
@replica_reads
def chain_view(request: AuthedRequest, pk: int) -> HttpResponse:
    """One chain's cockpit (404 when the chain is not the reader's)."""
    chain = get_visible_or_404(Chain.objects.visible_to(request.user), pk, user=request.user)
    return render(request, TEMPLATE, chain_context(request.user, chain))


# --- 大屏: the cockpit on the meeting room's screen ------------------------------------------------------------

SCREEN_TEMPLATE = "cockpit/screen.html"


def _screen_title(context: dict[str, Any]) -> str:
    if context.get("chain") is not None:
        return _("%(chain)s · 产业链驾驶舱") % {"chain": context["chain"].name}
    return _("%(place)s产业链驾驶舱") % {"place": context.get("place", "")}


def _screen(request: AuthedRequest, context: dict[str, Any], *, data_url: str, back_url: str) -> HttpResponse:
    """The stage, drawn with the figures of now; screen.js fetches `data_url` every `refresh` seconds."""
    title = _screen_title(context)
    page = screen.page_context(context, screen.payload(context, title=title))
    page.update(
        page_title=title,
        data_url=data_url,
        back_url=back_url,
        refresh=screen.seconds(request.GET.get("refresh"), screen.REFRESH),
        slide_seconds=screen.seconds(request.GET.get("slide"), screen.SLIDE),
    )
    return render(request, SCREEN_TEMPLATE, page)


def _screen_data(context: dict[str, Any]) -> JsonResponse:
    return JsonResponse(
        screen.payload(context, title=_screen_title(context)), json_dumps_params={"ensure_ascii": False}
    )


@never_cache
@role_required(*COCKPIT_VIEWERS)
@replica_reads
def screen_view(request: AuthedRequest) -> HttpResponse:
    """The city's (or the district's) 大屏."""
    context = city_context(request.user)
    return _screen(request, context, data_url=reverse("cockpit:screen_data"), back_url=reverse("cockpit:city"))


@never_cache
@role_required(*COCKPIT_VIEWERS)
@replica_reads
def screen_data(request: AuthedRequest) -> JsonResponse:
    """The city's 大屏 figures as JSON (the same as the page's), fetched every minute by the stage."""
    return _screen_data(city_context(request.user))


@never_cache
@role_required(*COCKPIT_VIEWERS)
@replica_reads
def chain_screen_view(request: AuthedRequest, pk: int) -> HttpResponse:
    """One chain's 大屏 (404 as its cockpit when the chain is not the reader's)."""
    chain = get_visible_or_404(Chain.objects.visible_to(request.user), pk, user=request.user)
    context = chain_context(request.user, chain)
    data_url, back_url = reverse("cockpit:chain_screen_data", args=[pk]), reverse("cockpit:chain", args=[pk])
    return _screen(request, context, data_url=data_url, back_url=back_url)


@never_cache
@role_required(*COCKPIT_VIEWERS)
@replica_reads
def chain_screen_data(request: AuthedRequest, pk: int) -> JsonResponse:
    """One chain's 大屏 figures as JSON."""
    chain = get_visible_or_404(Chain.objects.visible_to(request.user), pk, user=request.user)
    return _screen_data(chain_context(request.user, chain))
