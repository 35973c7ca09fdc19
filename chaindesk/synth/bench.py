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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from chaindesk.accounts.models import Region, User
from chaindesk.chains.models import Chain, ChainNode, TeamMember
from chaindesk.core.models import AuditLog
from chaindesk.core.scope import scope_of
from chaindesk.demands.metrics import metric_table
from chaindesk.enterprises.models import Enterprise, Qualification
from chaindesk.leads.models import Lead, LeadFollowUp
from chaindesk.liaison.models import Visit
from chaindesk.network.models import RdCooperation, RdPartner, Talent
from chaindesk.projects.models import InvestmentPlan, InvestmentReport, Project, StageChange
from chaindesk.synth.bench_raw import metric_counts, raw_demand_metrics_sql

CHIEF = "jiangdd"  # 生物医药 chain chief: sees every enterprise on the chain
LIAISON = "liming"  # 兴化市 liaison: sees the enterprises assigned to him
HANDLER = "chenjing"  # 自然资源和规划局 handler: the department task queue
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
        Page("demand_tasks", "部门任务 /demands/tasks/ (部门经办人 chenjing)", HANDLER, "/demands/tasks/"),
        Page("demand_metrics", "办理指标 /demands/metrics/ 按产业链, 本年 (链长)", CHIEF, "/demands/metrics/"),
        Page(
            "demand_metrics_all",
            "办理指标 ?dimension=all 四个维度, 本年 (链长)",
            CHIEF,
            "/demands/metrics/",
            (("dimension", "all"),),
        ),
        Page("cockpit", "驾驶舱 /cockpit/ (链长)", CHIEF, "/cockpit/"),
        Page("cockpit_screen_data", "大屏数据 /cockpit/screen/data/ (链长)", CHIEF, "/cockpit/screen/data/"),
        Page("targets", "年度目标 /targets/ (链长)", CHIEF, "/targets/"),
        Page("targets_sprint", "最后赛段 /targets/sprint/ (链长)", CHIEF, "/targets/sprint/"),
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
    p50, p95, queries, response = time_call(lambda: client.get(page.path, data), runs=runs, warmup=warmup)
    return Measurement(page=page, status=response.status_code, queries=queries, p50_ms=p50, p95_ms=p95, runs=runs)


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
    baseline: str = "summary_raw"  # the key of the raw SQL its ratio is against


def time_call(fn: Callable[[], Any], *, runs: int, warmup: int) -> tuple[float, float, int, Any]:
    """(p50 ms, p95 ms, queries of one call, the result): `warmup` calls, one under CaptureQueriesContext to
    count its queries, then `runs` timed calls (no query capture, so the timings carry no debug cost)."""
    for _ in range(warmup):
        fn()
    with CaptureQueriesContext(connection) as captured:
        result = fn()
    queries = len(captured.captured_queries)  # now: a page's next request_started clears the log
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
    return results + run_metric_aggregates(chief, runs=runs, warmup=warmup)


def run_metric_aggregates(chief: Any, *, runs: int, warmup: int) -> list[CallMeasurement]:
    """办理指标 by chain for the chief over the year: the page's function from the rollup, the same from the
    demands (rollups off), and one hand-written SQL statement over the demands; all three must agree."""
    start = dt.date(BENCH_YEAR, 1, 1)
    chains = sorted(scope_of(chief).team_chains)

    def table() -> Any:
        return metric_table(chief, dimension="chain", start=start, end=BENCH_TODAY, today=BENCH_TODAY)

    results = []
    p50, p95, queries, rolled = time_call(table, runs=runs, warmup=warmup)
    with override_settings(CHAINDESK_ROLLUPS=False):
        p50_live, p95_live, queries_live, live = time_call(table, runs=runs, warmup=warmup)
    p50_raw, p95_raw, queries_raw, raw = time_call(
        lambda: raw_demand_metrics_sql(chains, start, BENCH_TODAY), runs=runs, warmup=warmup
    )
    period = f"{start:%m-%d}..{BENCH_TODAY:%m-%d}"
    agree = metric_counts(rolled) == metric_counts(live) == raw
    note = "" if agree else "the three differ"
    for key, label, timing in (
        ("metrics_rollup", f"办理指标 metric_table(链长, by chain, {period}) from the rollup", (p50, p95, queries)),
        ("metrics_live", "the same from the demands (CHAINDESK_ROLLUPS=False)", (p50_live, p95_live, queries_live)),
        ("metrics_raw", "raw_demand_metrics_sql(by chain), same demands", (p50_raw, p95_raw, queries_raw)),
    ):
        results.append(CallMeasurement(key, label, *timing, runs, rows=len(raw), note=note, baseline="metrics_raw"))
    return results


def markdown_table(head: Sequence[str], rows: Iterable[Sequence[object]], *, text: Sequence[int] = (0,)) -> str:
    """A Markdown table: the columns at the positions in `text` left-aligned, the others (numbers) right."""
    align = ["---" if i in text else "---:" for i in range(len(head))]
    return "\n".join("| " + " | ".join(str(cell) for cell in row) + " |" for row in (head, align, *rows))


def _pending(label: str, reason: str, width: int) -> list[str]:
    """The row of something not measured: its label, n/a (why), and a dash in every other column."""
    return [label, f"n/a ({reason})", *["–"] * (width - 2)]


def _p50_of(results: list[CallMeasurement], key: str) -> float:
    """The p50 of the measured call `key` (a ratio's baseline); 0 when it was not measured."""
    return next((m.p50_ms for m in results if m.key == key and m.runs), 0.0)


def _ratio(p50_ms: float, baseline: float, digits: int) -> str:
    return f"{p50_ms / baseline:.{digits}f}×" if baseline else "–"


def aggregate_table(results: list[CallMeasurement]) -> str:
    head = ("aggregate", "p50 ms", "p95 ms", "queries", "rows", "p50 / raw SQL p50")
    return markdown_table(
        head,
        (
            [
                f"{m.label} ({m.note})" if m.note else m.label,
                f"{m.p50_ms:.1f}",
                f"{m.p95_ms:.1f}",
                m.queries,
                m.rows,
                _ratio(m.p50_ms, _p50_of(results, m.baseline), 2),
            ]
            if m.runs
            else _pending(m.label, m.note, len(head))
            for m in results
        ),
    )


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
    head = ("page", "p50 ms", "p95 ms", "queries", "p50 / floor p50")
    return markdown_table(
        head,
        (
            [
                m.page.label if m.status == 200 else f"{m.page.label} (HTTP {m.status})",
                f"{m.p50_ms:.1f}",
                f"{m.p95_ms:.1f}",
                m.queries,
                _ratio(m.p50_ms, floor, 1),
            ]
            if m.runs
            else _pending(m.page.label, f"page not yet available, HTTP {m.status}", len(head))
            for m in results
        ),
    )


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
    escalation: list[CallMeasurement] | None = None,
    routes: list[str] | None = None,
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
        *(routes or []),
        *_aggregate_section(aggregates),
        *_escalation_section(escalation),
        "Data:",
        "",
        *[f"- {name}: {n:,}" for name, n in data_summary().items()],
        *[f"- {name}: {n:,}" for name, n in _demand_summary_or_empty().items()],
    ]
    if load:
        lines += ["", "Generated in this run: " + ", ".join(f"{k} {v:.1f}s" for k, v in load.items())]
    return "\n".join(lines) + "\n"


def _aggregate_section(aggregates: list[CallMeasurement] | None) -> list[str]:
    if not aggregates:
        return []
    return [
        f"Chain investment summary and 办理指标 by chain for {CHIEF} ({BENCH_YEAR}, as on {BENCH_TODAY:%Y-%m-%d}): "
        "what the pages compute against the same numbers from one hand-written SQL statement over the records, "
        "timed in the same run (function calls, no HTTP); 办理指标 also from the records without its rollup.",
        "",
        aggregate_table(aggregates),
        "",
    ]


def _escalation_section(results: list[CallMeasurement] | None) -> list[str]:
    if not results:
        return []
    return [
        f"Escalation ladder over all open tasks as on {BENCH_TODAY:%Y-%m-%d}: the job (one compare-and-set UPDATE "
        "claiming every rung, a count, and one digest notice per recipient and rung) against the same UPDATE "
        "written by hand, alternating in the same run. daily = the state after yesterday's run (what the job "
        "does every morning); backlog = every mark cleared, all overdue tasks claimed at once (first run over a "
        "migrated ledger). Each timed call's work is undone, untimed, before the next.",
        "",
        escalation_table(results),
        "",
    ]


def _demand_summary_or_empty() -> dict[str, int]:
    try:
        return demand_data_summary()
    except Exception:  # noqa: BLE001 - the demands tables may not exist in an old benchmark database
        return {}


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


# --- the escalation ladder (issue 5) ------------------------------------------------------------------------

JOBS_MODULE = "chaindesk.demands.jobs"
ESCALATION_KINDS = ("task_reminded", "task_warned", "task_supervised")


def _reset_escalation_marks() -> None:
    """Untimed: every task back to no marks (ONE UPDATE) and the ladder's notifications removed, so each timed
    run starts from the same fresh copy of the flags."""
    from chaindesk.core.models import Notification
    from chaindesk.demands.models import Task

    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(Task._meta.db_table)} SET escalation = '', reminded_at = NULL, warned_at = NULL, "  # noqa: S608
            "supervised_at = NULL WHERE escalation <> '' OR reminded_at IS NOT NULL OR warned_at IS NOT NULL "
            "OR supervised_at IS NOT NULL"
        )
    Notification.objects.filter(kind__in=ESCALATION_KINDS).delete()


def _undo_run(now: dt.datetime) -> None:
    """Untimed: take back what the run stamped `now` did (its marks, the tasks' previous rung, its notices), so
    the next timed run starts from the same state as this one."""
    from chaindesk.core.models import Notification
    from chaindesk.demands.models import Task

    jobs = importlib.import_module(JOBS_MODULE)
    table = connection.ops.quote_name(Task._meta.db_table)
    at = connection.ops.adapt_datetimefield_value(now)
    kept = {stamp: f"CASE WHEN {stamp} = %s THEN NULL ELSE {stamp} END" for stamp in _STAMPS}
    previous = " ".join(
        f"WHEN {stamp} IS NOT NULL AND {stamp} <> %s THEN '{level}'" for level, stamp in reversed(_LEVELS)
    )
    sql = (
        f"UPDATE {table} SET "  # noqa: S608 - table and columns are ours
        + ", ".join(f"{stamp} = {expr}" for stamp, expr in kept.items())
        + f", escalation = CASE {previous} ELSE '' END WHERE "
        + " OR ".join(f"{stamp} = %s" for stamp in _STAMPS)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [at] * (3 * len(_STAMPS)))
    Notification.objects.filter(kind__in=ESCALATION_KINDS, dedupe_key__endswith=f":{jobs.run_token(now)}").delete()


_LEVELS = (("reminded", "reminded_at"), ("warned", "warned_at"), ("supervised", "supervised_at"))
_STAMPS = tuple(stamp for _level, stamp in _LEVELS)


def raw_escalation_sql(today: dt.date, now: dt.datetime) -> int:
    """The same three rules as run_escalation, written by hand as the job does them: ONE UPDATE over the open
    tasks with the same working-day boundaries, each rule's stamp set by a CASE; no notifications. The
    baseline the job is measured against. Returns the rows updated."""
    from chaindesk.demands.choices import OPEN_TASK
    from chaindesk.demands.models import Task

    jobs = importlib.import_module(JOBS_MODULE)
    remind_limit = jobs.remind_before(today)
    supervise_limit = jobs.supervise_before(today, jobs.supervise_after_workdays())
    table = connection.ops.quote_name(Task._meta.db_table)
    statuses = sorted(OPEN_TASK)
    ops = connection.ops
    t, r, s = (ops.adapt_datefield_value(d) for d in (today, remind_limit, supervise_limit))
    at = ops.adapt_datetimefield_value(now)
    rules = {  # condition SQL and its parameters
        "reminded": ("reminded_at IS NULL AND deadline >= %s", [t]),
        "warned": ("warned_at IS NULL AND deadline < %s", [t]),
        "supervised": ("supervised_at IS NULL AND deadline < %s", [s]),
    }
    sets, params = [], []
    for level, stamp in _LEVELS:
        sets.append(f"{stamp} = CASE WHEN {rules[level][0]} THEN %s ELSE {stamp} END")
        params += [*rules[level][1], at]
    ladder = []
    for level, _stamp in reversed(_LEVELS):
        ladder.append(f"WHEN {rules[level][0]} THEN '{level}'")
        params += rules[level][1]
    where = " OR ".join(f"({rules[level][0]})" for level, _stamp in _LEVELS)
    params += [*statuses, r]
    for level, _stamp in _LEVELS:
        params += rules[level][1]
    sql = (
        f"UPDATE {table} SET {', '.join(sets)}, escalation = CASE {' '.join(ladder)} ELSE escalation END "  # noqa: S608
        f"WHERE status IN ({', '.join(['%s'] * len(statuses))}) AND deadline < %s AND ({where})"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _claimed(now: dt.datetime) -> dict[str, int]:
    """Untimed check: how many tasks each rung stamped with `now`."""
    from django.db.models import Count, Q

    from chaindesk.demands.models import Task

    return Task.objects.aggregate(**{level: Count("pk", filter=Q(**{stamp: now})) for level, stamp in _LEVELS})


def _timed_once(fn: Callable[[], Any]) -> tuple[float, int, Any]:
    """(ms, statements, the result) of one call, its statements captured while it is timed."""
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        result = fn()
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, len(captured.captured_queries), result


def _yesterday(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=1)


def run_escalation_bench(*, runs: int = 5, today: dt.date = BENCH_TODAY) -> list[CallMeasurement]:
    """run_escalation(today=…) against the hand-written UPDATE, alternating in the same run, in two settings:

    - daily: the state the job leaves after yesterday's run (run untimed once), then today's run — what the
      job does every morning; each timed call's work is undone (untimed) before the next;
    - backlog: every mark cleared, so every open task past a threshold is claimed at once (the first run
      over a migrated ledger, the worst case)."""
    from chaindesk.demands.choices import OPEN_TASK
    from chaindesk.demands.models import Task

    open_tasks = Task.objects.filter(status__in=OPEN_TASK).count()
    try:
        jobs = importlib.import_module(JOBS_MODULE)
    except ImportError as exc:
        return [CallMeasurement("escalation_job", "run_escalation", 0, 0, 0, 0, note=f"not available ({exc})")]
    results: list[CallMeasurement] = []
    for setting in ("daily", "backlog"):
        _reset_escalation_marks()
        if setting == "daily":
            jobs.run_escalation(today=_yesterday(today), now=dt.datetime.combine(today, dt.time(0, 30), tzinfo=dt.UTC))
        job_samples: list[float] = []
        raw_samples: list[float] = []
        job_counts: dict[str, int] = {}
        raw_counts: dict[str, int] = {}
        job_queries = raw_queries = 0
        for i in range(max(runs, 1)):
            now = dt.datetime.combine(today, dt.time(6, 0, i), tzinfo=dt.UTC)
            elapsed, job_queries, job_counts = _timed_once(partial(jobs.run_escalation, today=today, now=now))
            job_samples.append(elapsed)
            _undo_run(now)
            elapsed, raw_queries, raw_rows = _timed_once(partial(raw_escalation_sql, today, now))
            raw_samples.append(elapsed)
            raw_counts = _claimed(now)
            _undo_run(now)
        same = all(job_counts.get(k) == v for k, v in raw_counts.items())
        job_note = ", ".join(f"{k} {v:,}" for k, v in job_counts.items())
        raw_note = f"{raw_rows:,} rows updated; " + ", ".join(f"{k} {v:,}" for k, v in raw_counts.items())
        raw_note += "" if same else "; DIFFERS from the job"
        n = len(job_samples)
        when = (
            f"after the run of {_yesterday(today):%Y-%m-%d}" if setting == "daily" else "every mark cleared (backlog)"
        )
        results += [
            CallMeasurement(
                f"escalation_job_{setting}",
                f"{setting}: run_escalation(today={today:%Y-%m-%d}) over {open_tasks:,} open tasks, {when}, "
                "with notices",
                statistics.median(job_samples), _percentile(job_samples, 0.95), job_queries, n,
                rows=sum(job_counts.get(k, 0) for k in raw_counts), note=job_note,
            ),
            CallMeasurement(
                f"escalation_raw_{setting}",
                f"{setting}: the same claims as ONE hand-written UPDATE, no notices",
                statistics.median(raw_samples), _percentile(raw_samples, 0.95), raw_queries, n,
                rows=sum(raw_counts.values()), note=raw_note,
            ),
        ]  # fmt: skip
    _reset_escalation_marks()
    _settle_tasks()
    return results


def _settle_tasks() -> None:
    """Untimed, PostgreSQL only: VACUUM (ANALYZE) the task table after the escalation runs. Their claims and undos
    rewrite some 200k tasks several times over (a backlog no daily run makes), which clears the visibility map of
    most of the table's pages: the department's queue and card, whose counts are index-only scans, then read the
    heap for every open task (1.1 s instead of 0.14 s). The pages timed after this are measured on the table as
    vacuum leaves it, not as the bench's own writes did. Skipped inside a transaction (VACUUM cannot run there: the
    tests)."""
    from chaindesk.demands.models import Task

    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(Task._meta.db_table)}")


def escalation_table(results: list[CallMeasurement]) -> str:
    head = ("escalation", "p50 ms", "p95 ms", "statements", "tasks claimed", "p50 / raw SQL p50", "detail")
    return markdown_table(
        head,
        (
            [
                m.label,
                f"{m.p50_ms:.1f}",
                f"{m.p95_ms:.1f}",
                m.queries,
                f"{m.rows:,}",
                _ratio(m.p50_ms, _p50_of(results, f"escalation_raw_{m.key.rpartition('_')[2]}"), 2),
                m.note,
            ]
            if m.runs
            else _pending(m.label, m.note, len(head))
            for m in results
        ),
        text=(0, len(head) - 1),
    )


def demand_data_summary() -> dict[str, int]:
    from chaindesk.demands.choices import OPEN_TASK
    from chaindesk.demands.models import Demand, DemandEvent, Task, TaskUpdate

    chief = User.objects.get(username=CHIEF)
    handler = User.objects.filter(username=HANDLER).first()
    summary = {
        "demands": Demand.objects.count(),
        "tasks": Task.objects.count(),
        "open tasks": Task.objects.filter(status__in=OPEN_TASK).count(),
        f"open tasks overdue on {BENCH_TODAY:%Y-%m-%d}": Task.objects.filter(
            status__in=OPEN_TASK, deadline__lt=BENCH_TODAY
        ).count(),
        "task updates": TaskUpdate.objects.count(),
        "demand events": DemandEvent.objects.count(),
        f"demands visible to {CHIEF}": Demand.objects.visible_to(chief).count(),
    }
    if handler is not None:
        summary[f"tasks of {HANDLER}'s department"] = Task.objects.visible_to(handler).count()
    return summary


# --- the import benchmark (issue 13, item 5) ----------------------------------------------------------------


def run_import(*, rows: int, out_dir: Path, log: Callable[[str], None] = lambda _line: None) -> str:
    """The enterprise import benchmark (chaindesk.synth.bench_import) on the benchmark database, written to
    `out_dir`/<db>-import.md; returns its summary table and where it was written, for the console."""
    from . import bench_import

    result = bench_import.run_import_bench(rows=rows, log=log)
    written = bench_import.write_import_report(result, out_dir)
    return f"{bench_import.import_table(result)}\nbench: import benchmark written to {written}"
