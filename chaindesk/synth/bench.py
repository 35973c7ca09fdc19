"""Server-side timings of the pages people open most, measured in-process with the test client.

Each page is fetched a few times to warm caches, once under CaptureQueriesContext to count its queries, then
`runs` times with perf_counter around `client.get` (no query capture, so the timings carry no debug cost).
`/api/health` (no database, no template) is the floor: the ratio says how much a page costs above the
middleware stack itself.

Aggregates are timed the same way as plain function calls: the chain investment summary through the ORM
(`investment_summary`) against the same numbers from one hand-written SQL statement
(`raw_investment_summary_sql`), measured in the same run; the ratio says what the ORM's query costs above
the baseline. Pages and functions other issues have not delivered yet are reported as pending, not failed."""

import datetime as dt
import importlib
import inspect
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import django
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from chaindesk.accounts.models import Region, User
from chaindesk.chains.models import Chain, ChainNode, TeamMember
from chaindesk.core.models import AuditLog
from chaindesk.enterprises.models import Enterprise, Qualification
from chaindesk.leads.models import Lead, LeadFollowUp
from chaindesk.liaison.models import Visit
from chaindesk.network.models import RdCooperation, RdPartner, Talent
from chaindesk.projects.models import InvestmentPlan, InvestmentReport, Project, StageChange

CHIEF = "jiangdd"  # 生物医药 chain chief: sees every enterprise on the chain
LIAISON = "liming"  # 兴化市 liaison: sees the enterprises assigned to him
FILTER_REGION = "321281"  # 兴化市
FLOOR = "floor"
BENCH_CHAIN = "biomed"
BENCH_QUALIFICATION = "gxjs"  # 国家高新技术企业
BENCH_NODE = "医用膜材"
PENDING_STATUSES = (404, 500)  # pages other issues are still building: reported, never fatal
# The investment summary is timed for this year as seen on this day (the demo's today).
BENCH_YEAR = 2026
BENCH_TODAY = dt.date(2026, 11, 25)
PROGRESS_MODULE = "chaindesk.projects.selectors_progress"


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    persona: str
    path: str
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Measurement:
    page: Page
    status: int
    queries: int
    p50_ms: float
    p95_ms: float
    runs: int


def pages() -> list[Page]:
    region = Region.objects.filter(code=FILTER_REGION).values_list("pk", flat=True).first()
    return [
        Page(FLOOR, "floor: /api/health", CHIEF, "/api/health"),
        Page("home_chief", "工作台 / (链长 jiangdd)", CHIEF, "/"),
        Page("home_liaison", "工作台 / (挂钩服务专员 liming)", LIAISON, "/"),
        Page("enterprises", "企业 /enterprises/ (链长)", CHIEF, "/enterprises/"),
        Page(
            "enterprises_filter",
            "企业 ?q=医药&region=兴化市 (链长)",
            CHIEF,
            "/enterprises/",
            (("q", "医药"), ("region", str(region))),
        ),
        Page("enterprises_page50", "企业 ?page=50 (链长)", CHIEF, "/enterprises/", (("page", "50"),)),
        *_chain_pages(),
        Page("projects", "项目 /projects/ (链长)", CHIEF, "/projects/"),
        Page("projects_stalled", "项目 ?flag=stalled (链长)", CHIEF, "/projects/", (("flag", "stalled"),)),
        Page("leads", "线索 /leads/ (链长)", CHIEF, "/leads/"),
    ]


def _chain_pages() -> list[Page]:
    """The filtered enterprise lists and the chain map of the 生物医药 chain (skipped without the demo chain)."""
    chain = Chain.objects.filter(code=BENCH_CHAIN).values_list("pk", flat=True).first()
    if chain is None:
        return []
    qual = Qualification.objects.filter(code=BENCH_QUALIFICATION).values_list("pk", flat=True).first()
    node = ChainNode.objects.filter(chain_id=chain, name=BENCH_NODE).values_list("pk", flat=True).first()
    params = (("chain", str(chain)), ("qual", str(qual or "")), ("stale", "90"))
    return [
        Page(
            "enterprises_chain_qual_stale",
            "企业 ?chain=生物医药&qual=高新&stale=90 (链长)",
            CHIEF,
            "/enterprises/",
            params,
        ),
        Page("enterprises_node", f"企业 ?node={BENCH_NODE} (链长)", CHIEF, "/enterprises/", (("node", str(node)),)),
        Page("chain_map", "产业链图谱 /chains/<生物医药>/map/ (链长)", CHIEF, f"/chains/{chain}/map/"),
    ]


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def measure(client: Client, page: Page, *, runs: int, warmup: int) -> Measurement:
    data = dict(page.params)
    try:
        probe = client.get(page.path, data)
    except Exception:  # noqa: BLE001 - a page still being built must not stop the benchmark
        return Measurement(page=page, status=500, queries=0, p50_ms=0.0, p95_ms=0.0, runs=0)
    if probe.status_code in PENDING_STATUSES:
        return Measurement(page=page, status=probe.status_code, queries=0, p50_ms=0.0, p95_ms=0.0, runs=0)
    for _ in range(warmup):
        client.get(page.path, data)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(page.path, data)
    queries = len(captured.captured_queries)  # now: the next request's request_started clears the log
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(page.path, data)
        samples.append((time.perf_counter() - started) * 1000)
    return Measurement(
        page=page,
        status=response.status_code,
        queries=queries,
        p50_ms=statistics.median(samples),
        p95_ms=_percentile(samples, 0.95),
        runs=runs,
    )


@dataclass(frozen=True)
class CallMeasurement:
    """A function timed like a page: p50/p95 of `runs` calls after `warmup`, queries of one call."""

    key: str
    label: str
    p50_ms: float
    p95_ms: float
    queries: int
    runs: int
    rows: int = 0
    note: str = ""  # why it was not measured


def time_call(fn: Callable[[], Any], *, runs: int, warmup: int) -> tuple[float, float, int, Any]:
    """(p50 ms, p95 ms, queries of one call, the result)."""
    for _ in range(warmup):
        fn()
    with CaptureQueriesContext(connection) as captured:
        result = fn()
    queries = len(captured.captured_queries)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), _percentile(samples, 0.95), queries, result


def _summary_values(rows: Any) -> list[tuple[Any, ...]]:
    """The numbers of summary rows, to check that the ORM and the raw SQL agree."""
    return [(r.key, r.n_projects, r.n_active, r.plan, r.done, r.n_behind, r.n_stale) for r in rows]


def run_aggregates(*, runs: int = 30, warmup: int = 3) -> list[CallMeasurement]:
    """The chain investment summary for the 生物医药 chief: the ORM aggregate and its raw SQL baseline."""
    chief = User.objects.get(username=CHIEF)
    orm_key, raw_key = "summary_orm", "summary_raw"
    orm_label = f"investment_summary(链长, year={BENCH_YEAR}, by=chain)"
    raw_label = f"raw_investment_summary_sql({BENCH_YEAR}, by=chain), same chains"
    try:
        module = importlib.import_module(PROGRESS_MODULE)
    except ImportError as exc:
        note = f"{PROGRESS_MODULE} not available yet ({exc})"
        return [CallMeasurement(orm_key, orm_label, 0, 0, 0, 0, note=note)]
    results: list[CallMeasurement] = []
    summary = getattr(module, "investment_summary", None)
    raw = getattr(module, "raw_investment_summary_sql", None)
    orm_rows = None
    if summary is None:
        results.append(CallMeasurement(orm_key, orm_label, 0, 0, 0, 0, note="investment_summary not written yet"))
    else:
        p50, p95, queries, orm_rows = time_call(
            lambda: summary(chief, year=BENCH_YEAR, today=BENCH_TODAY, by="chain"), runs=runs, warmup=warmup
        )
        results.append(CallMeasurement(orm_key, orm_label, p50, p95, queries, runs, rows=len(orm_rows)))
    if raw is None:
        results.append(
            CallMeasurement(raw_key, raw_label, 0, 0, 0, 0, note="raw_investment_summary_sql not written yet")
        )
        return results
    kwargs: dict[str, Any] = {}
    if "chain_ids" in inspect.signature(raw).parameters:
        kwargs["chain_ids"] = list(TeamMember.objects.filter(user=chief).values_list("chain_id", flat=True))
    p50, p95, queries, raw_rows = time_call(
        lambda: raw(BENCH_YEAR, BENCH_TODAY, "chain", **kwargs), runs=runs, warmup=warmup
    )
    note = ""
    if orm_rows is not None and _summary_values(orm_rows) != _summary_values(raw_rows):
        note = "differs from the ORM result"
    results.append(CallMeasurement(raw_key, raw_label, p50, p95, queries, runs, rows=len(raw_rows), note=note))
    return results


def aggregate_table(results: list[CallMeasurement]) -> str:
    baseline = next((m.p50_ms for m in results if m.key == "summary_raw" and m.runs), 0.0)
    lines = [
        "| aggregate | p50 ms | p95 ms | queries | rows | p50 / raw SQL p50 |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for m in results:
        if m.runs == 0:
            lines.append(f"| {m.label} | n/a ({m.note}) | – | – | – | – |")
            continue
        ratio = f"{m.p50_ms / baseline:.2f}×" if baseline else "–"
        note = f" ({m.note})" if m.note else ""
        lines.append(f"| {m.label}{note} | {m.p50_ms:.1f} | {m.p95_ms:.1f} | {m.queries} | {m.rows} | {ratio} |")
    return "\n".join(lines)


def run(*, runs: int = 30, warmup: int = 3) -> list[Measurement]:
    """Measure every page for its persona (force_login: a session like a real sign-in, no password hashing)."""
    clients: dict[str, Client] = {}
    results = []
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        for page in pages():
            if page.persona not in clients:
                clients[page.persona] = Client()
                clients[page.persona].force_login(User.objects.get(username=page.persona))
            results.append(measure(clients[page.persona], page, runs=max(runs, 1), warmup=warmup))
    return results


def data_summary() -> dict[str, int]:
    chief = User.objects.get(username=CHIEF)
    liaison = User.objects.get(username=LIAISON)
    return {
        "users": User.objects.count(),
        "enterprises": Enterprise.objects.count(),
        "enterprise–chain links": Enterprise.chains.through.objects.count(),
        "enterprise–node links": Enterprise.nodes.through.objects.count(),
        "visits": Visit.objects.count(),
        "audit rows": AuditLog.objects.count(),
        f"enterprises visible to {CHIEF}": Enterprise.objects.visible_to(chief).count(),
        f"enterprises visible to {LIAISON}": Enterprise.objects.visible_to(liaison).count(),
        "projects": Project.objects.count(),
        "stage changes": StageChange.objects.count(),
        "investment plans": InvestmentPlan.objects.count(),
        "investment reports": InvestmentReport.objects.count(),
        f"projects visible to {CHIEF}": Project.objects.visible_to(chief).count(),
        "leads": Lead.objects.count(),
        "lead follow-ups": LeadFollowUp.objects.count(),
        f"leads visible to {CHIEF}": Lead.objects.visible_to(chief).count(),
        "talents": Talent.objects.count(),
        "R&D partners": RdPartner.objects.count(),
        "R&D cooperations": RdCooperation.objects.count(),
    }


def table(results: list[Measurement]) -> str:
    floor = next((m.p50_ms for m in results if m.page.key == FLOOR), 0.0)
    lines = [
        "| page | p50 ms | p95 ms | queries | p50 / floor p50 |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for m in results:
        if m.runs == 0:
            lines.append(f"| {m.page.label} | n/a (page not yet available, HTTP {m.status}) | – | – | – |")
            continue
        ratio = f"{m.p50_ms / floor:.1f}×" if floor else "–"
        status = "" if m.status == 200 else f" (HTTP {m.status})"
        lines.append(f"| {m.page.label}{status} | {m.p50_ms:.1f} | {m.p95_ms:.1f} | {m.queries} | {ratio} |")
    return "\n".join(lines)


def database_label() -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def report(
    results: list[Measurement],
    *,
    scale: str,
    runs: int,
    warmup: int,
    load: dict[str, Any],
    aggregates: list[CallMeasurement] | None = None,
) -> str:
    """The whole Markdown document written to docs/benchmarks/<db>-<scale>.md."""
    lines = [
        f"# Benchmark: {database_label()}, {scale} scale",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} with `chaindesk bench --scale {scale} --runs {runs}` "
        f"({warmup} warm-up requests per page, then {runs} timed). Server time in-process with "
        "django.test.Client: no network, no browser. Floor: `/api/health`, which touches no table.",
        "",
        f"Machine: {platform.machine()}, {_cpus()} CPUs, Python {platform.python_version()}, "
        f"Django {django.get_version()}.",
        "",
        table(results),
        "",
        *_aggregate_section(aggregates),
        "Data:",
        "",
        *[f"- {name}: {n:,}" for name, n in data_summary().items()],
    ]
    if load:
        lines += ["", "Generated in this run: " + ", ".join(f"{k} {v:.1f}s" for k, v in load.items())]
    return "\n".join(lines) + "\n"


def _aggregate_section(aggregates: list[CallMeasurement] | None) -> list[str]:
    if not aggregates:
        return []
    return [
        f"Chain investment summary for {CHIEF} ({BENCH_YEAR}, as on {BENCH_TODAY:%Y-%m-%d}): the ORM aggregate "
        "against the same numbers from one hand-written SQL statement, timed in the same run (function calls, "
        "no HTTP).",
        "",
        aggregate_table(aggregates),
        "",
    ]


def _cpus() -> int:
    import os

    return os.cpu_count() or 1
