"""The benchmark's route walk (issue 14, item 5): every GET-able route of the product, timed as its owner.

The routes are those of the persona matrix (chaindesk/core/routes.py: every URL pattern, the matrix's `SKIP`, the
htmx fragments). Each route is walked once as the demo-city user whose work it is (`owner`): a small table by
URL namespace (`NAMESPACE_OWNERS`) with the few routes whose owner differs from their namespace's
(`ROUTE_OWNERS`); an API route belongs to whoever owns the pages of the same resource (`API_RESOURCES`). The
owner is the demo city's first user of that role (chaindesk/demo/city.py `PEOPLE`).

A route's path parameters are filled with the first object, by pk, of the model its URL names
(`SEGMENT_MODELS`: the literal segment before the parameter) that the owner may see (`visible_to`); a child
(a chain's node, an enterprise's contact) is chosen first and names its parent. Routes that a GET cannot time
are skipped, each with its reason (`skipped()`): POST-only views, the API's writes, downloads and exports that
stream whole files, redirects, Django's admin.

Each walked case is timed like `bench.measure`: warm-up requests, one under CaptureQueriesContext for the
query count, then `runs` timed; a case that answers other than 200 is recorded with its status, not timed.
A p95 above `THRESHOLD_MS` is flagged SLOW: at province scale, none may be."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Collection, Iterator
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.test import Client, override_settings

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import User
from chaindesk.core import clock, routes
from chaindesk.demo.city import DEMO_LOGINS
from chaindesk.leads import choices as lead_choices
from chaindesk.synth import bench

THRESHOLD_MS = 1000.0  # p95 above this is flagged: issue 14 wants no page over 1 s at province scale
ANON = ""  # not signed in
QUERY_TEXT = "医药"  # what a reader types into the search boxes (the demo chain is 生物医药)

# Who works on a namespace's pages: the demo city's first user of the role is the owner.
NAMESPACE_OWNERS: dict[str, str] = {
    "dashboards": Role.CITY_LEADER,
    "accounts": Role.CITY_LEADER,  # the password page: everyone's
    "core": Role.SYS_ADMIN,  # 系统: users, departments, the working-day calendar, API tokens
    "search": Role.CITY_LEADER,
    "chains": Role.CITY_LEADER,
    "enterprises": Role.CITY_LEADER,
    "meetings": Role.CITY_LEADER,
    "ingest": Role.CITY_LEADER,  # 报道录入: a report is its author's until confirmed
    "reports": Role.CITY_LEADER,
    "transfer": Role.CITY_LEADER,
    "liaison": Role.LIAISON,
    "network": Role.CITY_LEADER,
    "projects": Role.CITY_LEADER,
    "leads": Role.CITY_LEADER,
    "upward": Role.CITY_LEADER,
    "targets": Role.CITY_LEADER,
    "cockpit": Role.CITY_LEADER,
    "demands": Role.CITY_LEADER,
    "api": Role.CITY_LEADER,  # health, me, the docs; the resources follow API_RESOURCES
    "metrics": Role.SYS_ADMIN,  # Prometheus' scrape: from the allowed addresses (the test client's 127.0.0.1)
}

# Routes whose owner is not their namespace's.
ROUTE_OWNERS: dict[str, str] = {
    "accounts:login": ANON,
    "core:audit_list": Role.AUDIT_ADMIN,  # 三权分立: the audit log is the auditor's
    "core:audit_detail": Role.AUDIT_ADMIN,
    "core:history": Role.CITY_LEADER,  # a record's history tab (the @variants have their own owners)
    "core:inbox": Role.CITY_LEADER,
    "core:inbox_badge": Role.CITY_LEADER,
    "liaison:assign": Role.DISTRICT_ADMIN,  # the district's 专班 assigns its liaisons
    "demands:create": Role.ENTERPRISE,  # an enterprise submits its own demand
    "demands:card_enterprise": Role.ENTERPRISE,
    "demands:triage": Role.TEAM_MEMBER,  # the lead department's member accepts and routes demands
    "demands:card_triage": Role.TEAM_MEMBER,
    "demands:tasks": Role.DEPT_HANDLER,
    "demands:task_detail": Role.DEPT_HANDLER,
    "demands:card_department": Role.DEPT_HANDLER,
    "demands:card_liaison": Role.LIAISON,
    "demands:card_district": Role.DISTRICT_ADMIN,
}

# An API resource (the path after `api/`) → the namespace or route whose owner works on it; a resource not
# listed is its own namespace (`api/chains/` → chains).
API_RESOURCES: dict[str, str] = {
    "notifications": "core:inbox",
    "assignments": "liaison",
    "visits": "liaison",
    "talents": "network",
    "partners": "network",
    "cooperations": "network",
    "imports": "transfer",
    "audit": "core:audit_list",
    "users": "core:user_list",
    "tasks": "demands:tasks",
    "demands/tasks": "demands:task_detail",
}

# More cases of a route: another object, or another role's page at the same address. Case → (owner, kwargs).
VARIANTS: dict[str, tuple[str, dict[str, str]]] = {
    "core:history": (Role.CITY_LEADER, {"app_label": "enterprises", "model": "enterprise"}),
    "core:history@visit": (Role.LIAISON, {"app_label": "liaison", "model": "visit"}),
    "core:history@task": (Role.DEPT_HANDLER, {"app_label": "demands", "model": "task"}),
    "core:history@user": (Role.AUDIT_ADMIN, {"app_label": "accounts", "model": "user"}),
    **{f"dashboards:home@{role}": (role, {}) for role in Role if role != Role.CITY_LEADER},  # each role's 工作台
}


@dataclasses.dataclass(frozen=True)
class Segment:
    """The model a path parameter after this URL segment names; `parent`: its FK to the previous parameter's
    object (a node's chain); `attr`: the attribute the URL carries (an indicator's year), pk by default."""

    model: str
    parent: str = ""
    attr: str = "pk"


SEGMENT_MODELS: dict[str, Segment] = {
    "enterprises": Segment("enterprises.Enterprise"),
    "assignments": Segment("enterprises.Enterprise"),  # api/assignments/<enterprise_id>
    "contacts": Segment("enterprises.Contact", parent="enterprise"),
    "indicators": Segment("enterprises.Indicator", parent="enterprise", attr="year"),
    "chains": Segment("chains.Chain"),
    "chain": Segment("chains.Chain"),  # cockpit/chain/<pk>/
    "targets": Segment("chains.Chain"),  # targets/<owner>/<pk>/ with owner "chain"
    "nodes": Segment("chains.ChainNode", parent="chain"),
    "meetings": Segment("meetings.Meeting"),
    "decisions": Segment("meetings.Decision", parent="meeting"),
    "ingest": Segment("ingest.Report"),
    "reports": Segment("reports.Briefing"),
    "templates": Segment("reports.BriefingTemplate"),
    "imports": Segment("transfer.ImportBatch"),
    "visits": Segment("liaison.Visit"),
    "photos": Segment("liaison.VisitPhoto"),  # service/photos/<pk>/remove/
    "talents": Segment("network.Talent"),
    "partners": Segment("network.RdPartner"),
    "cooperations": Segment("network.RdCooperation"),
    "projects": Segment("projects.Project"),
    "leads": Segment("leads.Lead"),
    "upward": Segment("upward.UpwardRequest"),
    "demands": Segment("demands.Demand"),
    "tasks": Segment("demands.Task"),
    "audit": Segment("core.AuditLog"),
    "users": Segment("accounts.User"),
    "departments": Segment("accounts.Department"),
    "notifications": Segment("core.Notification"),
}

# Parameters that name no object: (the segment before it, parameter) → its value.
CONSTANTS: dict[tuple[str, str], Callable[[], Any]] = {
    ("targets", "owner"): lambda: "chain",  # targets/<owner>/<pk>/: a chain's targets
    ("calendar", "year"): lambda: clock.today().year,  # system/calendar/<year>/: this year's working days
    ("options", "kind"): lambda: "who",  # meetings/options/<kind>/: a speech's departments, districts, enterprises
}


# Pages that work only on an object in some state (others redirect): the object is the first by pk among these.
OBJECT_FILTERS: dict[str, Q] = {
    "meetings:decision_to_demand": Q(demand__isnull=True),  # one already turned into a demand goes to it
    "leads:edit": Q(stage__in=lead_choices.OPEN),  # a closed lead goes back to its page
    "leads:sign": Q(stage__in=[s for s, t in lead_choices.TRANSITIONS.items() if lead_choices.LeadStage.SIGNED in t]),
}


@dataclasses.dataclass(frozen=True)
class Pk:
    """A query parameter filled like a path parameter after `segment`."""

    segment: str


QUERY: dict[str, dict[str, str | Pk]] = {
    "search:results": {"q": QUERY_TEXT},
    "leads:enterprise_suggest": {"q": QUERY_TEXT},
    "enterprises:options": {"q": QUERY_TEXT},
    "projects:options": {"q": QUERY_TEXT},
    "meetings:row_options": {"q": QUERY_TEXT},
    "network:talent_options": {"q": QUERY_TEXT},
    "api:list_enterprise_visits": {"enterprise_id": Pk("enterprises")},
    "api:list_enterprise_cooperations": {"enterprise_id": Pk("enterprises")},
}

# --- what is not walked, and why ----------------------------------------------------------------------------

POST_ONLY: dict[str, tuple[str, ...]] = {  # a GET answers 405 (the matrix's route_pins say so for every persona)
    "accounts": ("logout", "two_factor_recovery"),
    "core": ("user_set_active", "user_2fa_reset", "inbox_read_all", "inbox_read", "api_token_revoke"),
    "chains": ("node_add", "node_rename", "node_move", "node_reorder", "node_delete"),
    "meetings": ("decision_add", *(f"agenda_{a}" for a in ("draft", "add", "drop", "restore", "move", "note"))),
    "transfer": ("mapping", "commit", "undo"),
    "liaison": ("next_step_done",),
    "projects": ("transition", "line_add", "line_remove", "investment_plan", "investment_report"),
    "leads": ("advance", "abandon", "follow_up"),
    "upward": ("advance",),
    "demands": (
        "action",
        *(f"task_{a}" for a in ("sign", "progress", "extension", "return", "completion")),
        "task_decide_extension",
        "task_decide_completion",
        "instruct",
        "task_instruct",
        "task_urge",
    ),
}
DOWNLOADS: dict[str, str] = {
    "core:audit_export": "the audit log as .xlsx",
    "chains:gaps_export": "the chain's gaps as .xlsx",
    "enterprises:export": "the enterprise list as .xlsx",
    "meetings:export": "the meeting list as .xlsx",
    "meetings:attachment": "a meeting's attached file",
    "meetings:site_visit_photo": "a site visit's photo",
    "meetings:ics": "a subscriber's .ics calendar (by secret token)",
    "reports:version_file": "a briefing version's .docx/.xlsx",
    "transfer:errors": "an import's errors as .xlsx",
    "transfer:template": "a blank import template .xlsx",
    "liaison:visit_photo": "a visit's photo",
    "network:talents_export": "the talent list as .xlsx",
    "network:partners_export": "the partner list as .xlsx",
    "projects:export": "the project list as .xlsx",
    "projects:investment_export": "the investment progress as .xlsx",
    "leads:export": "the lead list as .xlsx",
    "upward:export": "the upward list as .xlsx",
    "demands:export": "the demand list as .xlsx",
    "demands:attachment": "a demand's attached file",
    "demands:tasks_export": "the department's tasks as .xlsx",
    "api:import_errors": "an import's errors as .xlsx",
}
REDIRECTS: dict[str, str] = {
    "core:system": "goes to the user list (or the auditor's audit log), both walked",
    "network:home": "goes to network:talents, walked",
    "set_language": "Django's language switch: goes back to the page it came from",
    "enterprises:contact_delete": "a GET goes back to the enterprise page; deleting is a POST",
    "network:talent_contact_add": "a GET goes back to the talent page; adding is a POST",
    "leads:queue_card": "without HX-Request it goes to leads:queue; walked as the fragment (#hx)",
    "transfer:progress": "without HX-Request it goes to the batch page; walked as the fragment (#hx)",
    "accounts:two_factor_code": "without a sign-in waiting for its second factor it goes to the login page",
}
OTHER_SKIPS: dict[str, str] = {
    "api:api-root": "django-ninja's root: 404 for everyone, no page",
    "accounts:two_factor_enrol": "a GET issues the owner a new authenticator secret (an audited write), not a read",
}
ADMIN_SKIP = "Django's admin: no demo user is staff (each is sent to the admin's login); not a product page"


@functools.cache
def api_methods() -> dict[str, frozenset[str]]:
    """The HTTP methods of each API route (`api:get_chain` → GET), from the API's OpenAPI description: a path
    serves several operations, each route name being one of them."""
    from chaindesk.api.api import api

    paths = api.get_openapi_schema()["paths"]
    found: dict[str, frozenset[str]] = {}
    for key, route in routes.all_routes().items():
        if not key.startswith("api:"):
            continue
        name = key.removeprefix("api:")
        operations = paths.get("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route), {})
        ids = {m.upper(): op.get("operationId", "") for m, op in operations.items()}  # `<module>_<name>`
        methods = {m for m, op_id in ids.items() if op_id == name or op_id.endswith(f"_{name}")}
        if methods:
            found[key] = frozenset(methods)
    return found


def skipped() -> dict[str, str]:
    """Every case not walked → why (a route key; `leads:queue_card` is walked as its fragment only)."""
    reasons = dict(routes.SKIP)
    reasons |= {f"{ns}:{name}": "POST only: a GET answers 405" for ns, names in POST_ONLY.items() for name in names}
    reasons |= {key: f"a download that streams a whole file ({what})" for key, what in DOWNLOADS.items()}
    reasons |= {key: f"a redirect: {why}" for key, why in REDIRECTS.items()}
    reasons |= OTHER_SKIPS
    for key, methods in api_methods().items():
        if "GET" not in methods:
            reasons[key] = f"an API write ({'/'.join(sorted(methods))}); its path's GET is walked as its own route"
    reasons |= {key: ADMIN_SKIP for key in routes.all_routes() if key.startswith("admin:")}
    return reasons


# --- the cases -------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Case:
    """One walked request: a route (`key` may carry @variant or #hx), its owner's role, fixed kwargs."""

    key: str
    role: str
    fixed: tuple[tuple[str, str], ...] = ()

    @property
    def route(self) -> str:
        return routes.base(self.key)

    @property
    def htmx(self) -> bool:
        return self.key.endswith("#hx")


def owner_of(key: str) -> str:
    """The role that works on a route (ANON: nobody signed in)."""
    if key in ROUTE_OWNERS:
        return ROUTE_OWNERS[key]
    if key.startswith("api:") and key in api_methods():
        rest = routes.all_routes()[key].removeprefix("api/")
        resource = max((r for r in API_RESOURCES if rest.startswith(r + "/")), key=len, default=rest.split("/")[0])
        target = API_RESOURCES.get(resource, resource)  # a route key, or a namespace
        return owner_of(target) if ":" in target else NAMESPACE_OWNERS.get(target, NAMESPACE_OWNERS["api"])
    return NAMESPACE_OWNERS[key.split(":")[0]]


def cases() -> list[Case]:
    """Every case the walk times, in URL order: each route not skipped, its variants, its htmx fragment."""
    skip = skipped()
    found: list[Case] = []
    for key in routes.all_routes():
        for case in [key, *(v for v in VARIANTS if v.startswith(key + "@"))]:
            page = case not in skip
            fragment = case in routes.HTMX and (page or case in REDIRECTS)  # a redirect may answer htmx
            if not (page or fragment):
                continue
            role, fixed = VARIANTS.get(case, (owner_of(key), {}))
            found += [Case(k, role, tuple(fixed.items())) for k, on in ((case, page), (f"{case}#hx", fragment)) if on]
    return found


def owners() -> dict[str, str]:
    """Role → the demo city's first user of it (chaindesk/demo/city.py PEOPLE), and ANON → ""."""
    logins: dict[str, str] = {ANON: ""}
    for role, username in DEMO_LOGINS:
        logins.setdefault(role, username)
    return logins


# --- filling a case's URL ----------------------------------------------------------------------------------


class Unfilled(Exception):
    """No object the owner may see fills the route (e.g. the demo city holds no import batch)."""


def _first(model: type[models.Model], user: Any, where: Q | None = None) -> Any:
    """The first object by pk of the model that the user may see (and that `where` holds)."""
    qs = model._default_manager.visible_to(user)  # type: ignore[attr-defined]
    obj = qs.filter(where or Q()).order_by("pk").first()
    if obj is None:
        which = f" with {where}" if where else ""
        raise Unfilled(f"no {model._meta.label}{which} visible to {getattr(user, 'username', 'anon')}")
    return obj


def _segments(route: str) -> Iterator[tuple[str, str]]:
    """(parameter, the literal URL segment before it) of each path parameter, in order."""
    last = ""
    for part in route.strip("/").split("/"):
        match = re.fullmatch(r"<(?:\w+:)?(\w+)>(?:\.\w+)?", part)
        if match:
            yield match.group(1), last
        else:
            last = part


def fill_kwargs(case: Case, user: Any) -> dict[str, Any]:
    """The route's path parameters: fixed ones, constants, then objects the user may see (children first)."""
    kwargs: dict[str, Any] = dict(case.fixed)
    found = list(_segments(routes.all_routes()[case.route]))
    for i in reversed(range(len(found))):
        param, segment = found[i]
        if param in kwargs:
            continue
        if (segment, param) in CONSTANTS:
            kwargs[param] = CONSTANTS[(segment, param)]()
        elif "app_label" in kwargs and param == "pk":  # a history tab: the record of the variant's model
            kwargs[param] = _first(apps.get_model(kwargs["app_label"], kwargs["model"]), user).pk
        elif segment in SEGMENT_MODELS:
            spec = SEGMENT_MODELS[segment]
            where = OBJECT_FILTERS.get(case.route) if i == len(found) - 1 else None
            obj = _first(apps.get_model(spec.model), user, where)
            kwargs[param] = getattr(obj, spec.attr)
            if spec.parent and i > 0:
                kwargs[found[i - 1][0]] = getattr(obj, f"{spec.parent}_id")
        else:
            raise Unfilled(f"no rule fills <{param}> after {segment!r}")
    return kwargs


def fill_query(case: Case, user: Any) -> tuple[tuple[str, str], ...]:
    spec = QUERY.get(case.route, {})
    return tuple(
        (k, str(_first(apps.get_model(SEGMENT_MODELS[v.segment].model), user).pk) if isinstance(v, Pk) else v)
        for k, v in spec.items()
    )


# --- timing ------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RouteMeasurement(bench.Measurement):
    """A walked case: `bench.Measurement` (its page's key is the case, persona the owner's username), the
    case's role, whether its p95 is over the threshold, and why it was not timed."""

    role: str = ""
    slow: bool = False
    note: str = ""


def _request(client: Client, url: str, query: dict[str, str], headers: dict[str, str]) -> Any:
    response = client.get(url, query, headers=headers)
    if response.streaming:
        b"".join(response.streaming_content)  # type: ignore[attr-defined]  # read to the end, inside the timing
    return response


def measure_case(client: Client, case: Case, page: bench.Page, *, runs: int, warmup: int) -> RouteMeasurement:
    """One case like `bench.measure`: a first request (its status); if 200, `warmup` more, one counted, then
    `runs` timed. Any other status, or an exception, is recorded, never raised."""
    query, headers = dict(page.params), ({"HX-Request": "true"} if case.htmx else {})
    untimed = functools.partial(RouteMeasurement, page=page, queries=0, p50_ms=0.0, p95_ms=0.0, runs=0, role=case.role)
    try:
        status = _request(client, page.path, query, headers).status_code
        if status != 200:
            return untimed(status=status)
        p50, p95, queries, response = bench.time_call(
            lambda: _request(client, page.path, query, headers), runs=runs, warmup=max(warmup - 1, 0)
        )
    except Exception as exc:  # noqa: BLE001 - one broken page must not stop the walk
        return untimed(status=500, note=f"{type(exc).__name__}: {exc}"[:200])
    return RouteMeasurement(
        page=page,
        status=response.status_code,
        queries=queries,
        p50_ms=p50,
        p95_ms=p95,
        runs=runs,
        role=case.role,
        slow=p95 > THRESHOLD_MS,
    )


def walk(
    *,
    runs: int = 30,
    warmup: int = 3,
    only: Collection[str] | None = None,
    log: Callable[[str], None] = lambda _line: None,
) -> list[RouteMeasurement]:
    """Time every case (or the cases named in `only`) as its owner, one signed-in client per owner
    (force_login). A case no object fills, or whose owner the database lacks, is recorded with status 0 and
    the reason."""
    logins = owners()
    users = {u.username: u for u in User.objects.filter(username__in=[n for n in logins.values() if n])}
    clients: dict[str, Client] = {}
    results: list[RouteMeasurement] = []
    todo = [case for case in cases() if only is None or case.key in only]
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        for n, case in enumerate(todo, 1):
            username = logins.get(case.role, "")
            page = bench.Page(case.key, case.key, username or "anon", routes.all_routes()[case.route])
            try:
                page = fill_page(page, case, users.get(username))
            except Unfilled as exc:
                results.append(RouteMeasurement(page, 0, 0, 0.0, 0.0, 0, role=case.role, note=str(exc)))
                continue
            if username not in clients:
                clients[username] = Client()
                if username:
                    clients[username].force_login(users[username])
            results.append(measure_case(clients[username], case, page, runs=max(runs, 1), warmup=warmup))
            log(f"routes {n}/{len(todo)} {case.key} {_status(results[-1])}")
    log(count_line(results))
    return results


def fill_page(page: bench.Page, case: Case, user: Any) -> bench.Page:
    """The page with its URL filled for the owner (`user`; None when not signed in, or missing)."""
    if page.persona != "anon" and user is None:
        raise Unfilled(f"no user {page.persona} in the database")
    return dataclasses.replace(
        page, path=routes.fill(page.path, fill_kwargs(case, user)), params=fill_query(case, user)
    )


def _status(m: RouteMeasurement) -> str:
    if not m.runs:
        return f"HTTP {m.status}" + (f": {m.note}" if m.note else "") if m.status else f"not walked: {m.note}"
    return f"p95 {m.p95_ms:.1f} ms" + (" SLOW" if m.slow else "")


# --- the report --------------------------------------------------------------------------------------------


def count_line(results: list[RouteMeasurement]) -> str:
    timed = [m for m in results if m.runs]
    slow = sum(m.slow for m in timed)
    line = f"{len(timed)} routes walked as their owners, {slow} over {THRESHOLD_MS / 1000:g} s"
    others = len(results) - len(timed)
    return line + (f"; {others} not timed (listed below)" if others else "")


def table(results: list[RouteMeasurement]) -> str:
    """The timed cases, slowest p95 first (the flagged ones lead), then the ones not timed."""
    timed = sorted((m for m in results if m.runs), key=lambda m: (-m.slow, -m.p95_ms))
    head = ("route", "owner", "URL", "p50 ms", "p95 ms", "queries", "flag")
    rows = [
        [m.page.key, m.page.persona, _url(m.page), f"{m.p50_ms:.1f}", f"{m.p95_ms:.1f}", m.queries, _flag(m)]
        for m in timed
    ]
    rows += [[m.page.key, m.page.persona, _url(m.page), "–", "–", "–", _status(m)] for m in results if not m.runs]
    return bench.markdown_table(head, rows, text=(0, 1, 2, 6))


def _flag(m: RouteMeasurement) -> str:
    return f"SLOW (> {THRESHOLD_MS:g} ms)" if m.slow else ""


def _url(page: bench.Page) -> str:
    query = "&".join(f"{k}={v}" for k, v in page.params)
    path = page.path if page.path.startswith("/") else "/" + page.path  # a route left unfilled
    return f"`{path}{'?' + query if query else ''}`"


def report_section(results: list[RouteMeasurement]) -> list[str]:
    """The Markdown lines of the walk for bench.report: the count, the table, and what was skipped, by reason."""
    if not results:
        return []
    reasons: dict[str, int] = {}
    for reason in skipped().values():
        kind = reason.split(":")[0].split(" (")[0]
        reasons[kind] = reasons.get(kind, 0) + 1
    skips = ", ".join(f"{kind} {n}" for kind, n in sorted(reasons.items(), key=lambda kv: -kv[1]))
    return [
        "## Every route as its owner",
        "",
        f"{count_line(results)}.",
        "",
        f"Each GET-able route of the product (htmx fragments as `#hx`, other objects or roles as `@`) requested as "
        f"the demo-city user whose work it is, with the first object by pk that user may see; p95 over "
        f"{THRESHOLD_MS:g} ms is flagged SLOW. Not walked ({sum(reasons.values())} routes, each with its reason in "
        f"chaindesk/synth/bench_routes.py): {skips}.",
        "",
        table(results),
        "",
    ]
