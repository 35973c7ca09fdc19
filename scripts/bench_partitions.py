"""Partitioning at province scale, measured: the audit table by month, the demands by city (README "A province").

The README's province topology is one PostgreSQL database for a province. This script measures the two ways of
partitioning it proposes, each against the same rows in a plain table, on a scratch database of the local server
(BENCH_PG_URL's server, database chaindesk_partitions_<pid>, dropped at the end). PARTS selects them (default
"audit,demands"); each query is timed as the median of RUNS runs (default 5) after a warm-up.

audit, by month: the audit trail is the largest table (20 million lines in the synthetic province).
- `audit_plain` and `audit_part` (RANGE (created_at), one partition a month) with core_auditlog's columns and six
  indexes (a partitioned table's primary key must hold the partition key: (id, created_at)); no foreign keys in
  either; AUDIT_ROWS lines (default 20,000,000) spread over the 24 months before 2026-12;
- archiving the six oldest months (`chaindesk audit-archive` past 180 days): DELETE on the plain table, DETACH and
  DROP of six partitions on the other, each in a transaction rolled back; one record's history, newest first (200
  random records); the audit list's first page; a month's logins counted; the sizes.

demands, by city: a province's 13 cities, each team reading its own city's demands.
- `demand_plain` and `demand_city` (LIST (city_id), one partition a city) with a city, district, chain, department,
  status and submission time, indexed as a city's queue is read; DEMAND_ROWS (default 5,000,000: the synthetic
  province's demands) spread over 13 cities of unequal size;
- a city team's queue, newest 50; a city's counts by status; a district's open demands counted; the province's
  counts by status (every city at once); one demand by its id alone (no city given: every partition is asked).

Prints a Markdown report (docs/benchmarks/partitions.md holds the last one):
    .venv/bin/python scripts/bench_partitions.py > docs/benchmarks/partitions.md"""

import datetime as dt
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable

import psycopg

SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres").rsplit("/", 1)[0]
DATABASE = f"chaindesk_partitions_{os.getpid()}"  # a run of its own: never another run's database
ROWS = int(os.environ.get("AUDIT_ROWS", "20000000"))
DEMANDS = int(os.environ.get("DEMAND_ROWS", "5000000"))
PARTS = os.environ.get("PARTS", "audit,demands").split(",")
CITIES = 13
RUNS = int(os.environ.get("AUDIT_RUNS", "5"))
FIRST = dt.date(2024, 12, 1)  # 24 months: 2024-12 .. 2026-11
MONTHS = 24
ARCHIVED = 6  # the six oldest months: older than 180 days on 2026-12-01, and some

COLUMNS = """
    id bigint NOT NULL,
    created_at timestamptz NOT NULL,
    actor_name varchar(150) NOT NULL,
    ip inet,
    request_id varchar(64) NOT NULL,
    action varchar(32) NOT NULL,
    object_id varchar(64) NOT NULL,
    object_repr varchar(255) NOT NULL,
    before jsonb,
    after jsonb,
    message text NOT NULL,
    actor_id bigint,
    content_type_id integer
"""
INDEXES = (  # core_auditlog's, by their columns
    "(action, actor_name, created_at)",
    "(action, ip, created_at)",
    "(actor_id, created_at)",
    "(content_type_id, object_id, created_at)",
    "(created_at)",
)
ACTIONS = ("create", "update", "transition", "delete", "login", "logout", "export", "import", "view", "assign")


def month(i: int) -> dt.date:
    year, index = divmod(FIRST.month - 1 + i, 12)
    return dt.date(FIRST.year + year, index + 1, 1)


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


def median_ms(work: Callable[[], object]) -> float:
    work()  # warm-up
    return statistics.median(timed(work) for _ in range(RUNS))


def build(conn: psycopg.Connection) -> dict[str, float]:
    spent: dict[str, float] = {}
    conn.execute(f"CREATE TABLE audit_plain ({COLUMNS})")
    conn.execute(f"CREATE TABLE audit_part ({COLUMNS}) PARTITION BY RANGE (created_at)")
    for i in range(MONTHS):
        start, end = month(i), month(i + 1)
        conn.execute(
            f"CREATE TABLE audit_part_{start:%Y_%m} PARTITION OF audit_part FOR VALUES FROM ('{start}') TO ('{end}')"
        )
    # The lines, generated once into the plain table, then copied: the same rows in both.
    seconds = MONTHS * 30 * 86400
    started = time.perf_counter()
    conn.execute(
        f"""
        INSERT INTO audit_plain
        SELECT g,
               timestamptz '{FIRST}' + make_interval(secs => (g::bigint * {seconds}) / {ROWS}),
               'user' || (g % 2000), ('10.' || (g % 250) || '.' || (g % 199) || '.' || (g % 97))::inet,
               md5(g::text), (ARRAY{list(ACTIONS)})[(1 + g % 10)::int],
               ((g * 7919) % 1000000)::text, '对象 ' || g,
               jsonb_build_object('status', 'submitted'), jsonb_build_object('status', 'accepted'),
               '', 1 + g % 2000, 1 + (g * 31) % 30
        FROM generate_series(1::bigint, {ROWS}) g
        """  # noqa: S608 - numbers and constants of this script
    )
    spent["fill the plain table"] = time.perf_counter() - started
    started = time.perf_counter()
    conn.execute("INSERT INTO audit_part SELECT * FROM audit_plain")
    spent["copy into the partitioned table"] = time.perf_counter() - started
    started = time.perf_counter()
    conn.execute("ALTER TABLE audit_plain ADD PRIMARY KEY (id)")
    conn.execute("ALTER TABLE audit_part ADD PRIMARY KEY (id, created_at)")
    for n, columns in enumerate(INDEXES):
        conn.execute(f"CREATE INDEX audit_plain_{n} ON audit_plain {columns}")
        conn.execute(f"CREATE INDEX audit_part_{n} ON audit_part {columns}")
    spent["indexes on both"] = time.perf_counter() - started
    conn.execute("VACUUM ANALYZE audit_plain")
    conn.execute("VACUUM ANALYZE audit_part")
    return spent


def measure(conn: psycopg.Connection) -> list[tuple[str, float, float]]:
    cutoff = month(ARCHIVED)
    rows: list[tuple[str, float, float]] = []

    def rolled_back(sql_plain: list[str], sql_part: list[str]) -> tuple[float, float]:
        def run(statements: list[str]) -> Callable[[], None]:
            def work() -> None:
                with conn.transaction(force_rollback=True):
                    for statement in statements:
                        conn.execute(statement)  # type: ignore[arg-type]

            return work

        return median_ms(run(sql_plain)), median_ms(run(sql_part))

    detach = []
    for i in range(ARCHIVED):
        name = f"audit_part_{month(i):%Y_%m}"
        detach += [f"ALTER TABLE audit_part DETACH PARTITION {name}", f"DROP TABLE {name}"]
    delete = f"DELETE FROM audit_plain WHERE created_at < '{cutoff}'"  # noqa: S608 - a date of this script
    plain, part = rolled_back([delete], detach)
    rows.append((f"archive the {ARCHIVED} oldest months ({ARCHIVED * ROWS // MONTHS:,} lines)", plain, part))

    rng = random.Random(7)  # noqa: S311 - a sample of records, not a secret
    objects = [(1 + (g * 31) % 30, str((g * 7919) % 1_000_000)) for g in rng.sample(range(1, ROWS), 200)]

    def history(table: str) -> Callable[[], None]:
        def work() -> None:
            for content_type, object_id in objects:
                conn.execute(
                    f"SELECT id, created_at, action FROM {table} WHERE content_type_id = %s AND object_id = %s "  # noqa: S608
                    "ORDER BY created_at DESC LIMIT 50",
                    [content_type, object_id],
                ).fetchall()

        return work

    rows.append(
        ("one record's history, newest 50 (per record)", median_ms(history("audit_plain")) / 200,
         median_ms(history("audit_part")) / 200)
    )  # fmt: skip

    def first_page(table: str) -> Callable[[], object]:
        return lambda: conn.execute(f"SELECT * FROM {table} ORDER BY created_at DESC LIMIT 50").fetchall()  # noqa: S608

    rows.append(("the audit list's first page (newest 50)", median_ms(first_page("audit_plain")),
                 median_ms(first_page("audit_part"))))  # fmt: skip
    last = month(MONTHS - 1)

    def logins(table: str) -> Callable[[], object]:
        return lambda: conn.execute(
            f"SELECT count(*) FROM {table} WHERE action = 'login' AND created_at >= %s AND created_at < %s",  # noqa: S608
            [last, month(MONTHS)],
        ).fetchone()

    rows.append(("a month's logins counted", median_ms(logins("audit_plain")), median_ms(logins("audit_part"))))
    return rows


def build_demands(conn: psycopg.Connection) -> float:
    columns = """
        id bigint NOT NULL, city_id integer NOT NULL, region_id integer NOT NULL, chain_id integer NOT NULL,
        department_id integer NOT NULL, status varchar(16) NOT NULL, submitted_at timestamptz NOT NULL,
        title varchar(200) NOT NULL
    """
    conn.execute(f"CREATE TABLE demand_plain ({columns})")
    conn.execute(f"CREATE TABLE demand_city ({columns}) PARTITION BY LIST (city_id)")
    for city in range(1, CITIES + 1):
        conn.execute(f"CREATE TABLE demand_city_{city} PARTITION OF demand_city FOR VALUES IN ({city})")
    started = time.perf_counter()
    # Cities of unequal size (the largest about 3.5 times the smallest): city = 1 + floor(13 * u^1.5).
    conn.execute(
        f"""
        INSERT INTO demand_plain
        SELECT g, c, c * 10 + g % 8, 1 + g % 12, 1 + (g * 7) % 40,
               (ARRAY['submitted','accepted','handling','closing','closed','returned'])[(1 + (g * 13) % 6)::int],
               timestamptz '2024-01-01' + make_interval(secs => (g * 94608000) / {DEMANDS}), '诉求 ' || g
        FROM (SELECT g, 1 + floor({CITIES} * power(((g * 2654435761) % 1000003) / 1000003.0, 1.5))::int AS c
              FROM generate_series(1::bigint, {DEMANDS}) g) s
        """  # noqa: S608 - numbers and constants of this script
    )
    conn.execute("INSERT INTO demand_city SELECT * FROM demand_plain")
    conn.execute("ALTER TABLE demand_plain ADD PRIMARY KEY (id)")
    conn.execute("ALTER TABLE demand_city ADD PRIMARY KEY (id, city_id)")
    for n, index in enumerate(("(city_id, submitted_at)", "(city_id, status)", "(region_id, status)")):
        conn.execute(f"CREATE INDEX demand_plain_idx{n} ON demand_plain {index}")
        conn.execute(f"CREATE INDEX demand_city_idx{n} ON demand_city {index}")
    conn.execute("VACUUM ANALYZE demand_plain")
    conn.execute("VACUUM ANALYZE demand_city")
    return time.perf_counter() - started


def measure_demands(conn: psycopg.Connection) -> list[tuple[str, float, float]]:
    city = 5  # a middle-sized city
    open_statuses = "('submitted','accepted','handling','closing')"
    queries = [
        ("a city team's queue, newest 50", f"WHERE city_id = {city} ORDER BY submitted_at DESC LIMIT 50", "*"),
        ("a city's demands counted by status", f"WHERE city_id = {city} GROUP BY status", "status, count(*)"),
        ("a district's open demands counted", f"WHERE region_id = {city * 10 + 3} AND status IN {open_statuses}",
         "count(*)"),
        ("the province's demands counted by status", "GROUP BY status", "status, count(*)"),
        ("one demand by its id alone", "WHERE id = 2500001", "*"),
    ]  # fmt: skip
    rows = []
    for what, tail, select in queries:

        def run(table: str, tail: str = tail, select: str = select) -> Callable[[], object]:
            return lambda: conn.execute(f"SELECT {select} FROM {table} {tail}").fetchall()  # noqa: S608

        rows.append((what, median_ms(run("demand_plain")), median_ms(run("demand_city"))))
    return rows


def table_sizes(conn: psycopg.Connection, plain: str, parted: str) -> tuple[float, float]:
    query = "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = %s::regclass"
    parts = conn.execute(query, [parted]).fetchone()[0]  # type: ignore[index]
    whole = conn.execute("SELECT pg_total_relation_size(%s::regclass)", [plain]).fetchone()[0]  # type: ignore[index]
    return int(whole) / 2**30, int(parts) / 2**30


def report(title: str, lines: list[str], rows: list[tuple[str, float, float]], sizes: tuple[float, float]) -> None:
    print(f"## {title}\n")
    for line in lines:
        print(f"- {line}")
    print("\n| measure | plain table | partitioned | plain / partitioned |")
    print("| --- | ---: | ---: | ---: |")
    for what, plain, part in rows:
        print(f"| {what} | {plain:,.1f} ms | {part:,.1f} ms | {plain / part:,.2f}× |")
    print(f"| size with indexes | {sizes[0]:.2f} GiB | {sizes[1]:.2f} GiB | {sizes[0] / sizes[1]:.2f}× |\n")


def main() -> int:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    sections = []
    try:
        with psycopg.connect(f"{SERVER}/{DATABASE}", autocommit=True) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
            if "audit" in PARTS:
                print(f"building {ROWS:,} audit lines twice …", file=sys.stderr)
                spent = build(conn)
                lines = [
                    f"{ROWS:,} lines over {MONTHS} months ({month(0):%Y-%m} to {month(MONTHS - 1):%Y-%m}), "
                    "core_auditlog's columns and six indexes, no foreign keys",
                    "built in: " + "; ".join(f"{what} {seconds:.0f} s" for what, seconds in spent.items()),
                ]
                sections.append(("The audit table, partitioned by month", lines, measure(conn),
                                 table_sizes(conn, "audit_plain", "audit_part")))  # fmt: skip
                conn.execute("DROP TABLE audit_plain, audit_part")
            if "demands" in PARTS:
                print(f"building {DEMANDS:,} demands twice …", file=sys.stderr)
                spent_demands = build_demands(conn)
                lines = [
                    f"{DEMANDS:,} demands in {CITIES} cities (the largest about 3.5 times the smallest), 8 districts "
                    "a city, 12 chains, 40 departments, six statuses; indexed by (city, submitted), (city, status), "
                    "(district, status)",
                    f"built in {spent_demands:.0f} s",
                ]
                sections.append(("The demands, partitioned by city", lines, measure_demands(conn),
                                 table_sizes(conn, "demand_plain", "demand_city")))  # fmt: skip
    finally:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    print("# Partitioning at province scale: the audit table by month, the demands by city\n")
    print("Generated by `scripts/bench_partitions.py` (read its docstring); do not edit by hand.\n")
    print(f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on PostgreSQL {version}, {os.cpu_count()} cores, "
          f"{platform.platform()}; each figure the median of {RUNS} runs after a warm-up.\n")  # fmt: skip
    for section in sections:
        report(*section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
