"""The soak (issue 16 item 3, `make soak`): `chaindesk serve` with several workers on PostgreSQL and Redis at city
scale, 100 simulated officials (scripts/soak/locustfile.py) for SOAK_MINUTES minutes (default 10), then the report in
docs/benchmarks/soak.md: errors, latency percentiles, each worker's memory (RSS from /proc every few seconds) and the
database connections (pg_stat_activity) before, during and after.

Environment: SOAK_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/chaindesk_soak, filled by `make soak` with
the demo city and `chaindesk synth --scale city` on first use), REDIS_URL (default redis://127.0.0.1:6379/3),
SOAK_USERS (100), SOAK_WORKERS (8) and SOAK_THREADS (2) (processes rather than threads: see the README),
SOAK_MINUTES (10), SOAK_SPAWN_RATE (1 official signing in per second: a morning's arrivals, not a stampede; each
sign-in is a deliberately slow password hash), SOAK_WARMUP_SECONDS (150: every official signed in and every worker's
caches filled). Every request counts toward the latencies, the ramp included."""

import csv
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("SOAK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/chaindesk_soak")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3")
USERS = int(os.environ.get("SOAK_USERS", "100"))
WORKERS = int(os.environ.get("SOAK_WORKERS", "8"))
MINUTES = float(os.environ.get("SOAK_MINUTES", "10"))
SPAWN_RATE = float(os.environ.get("SOAK_SPAWN_RATE", "1"))
WARMUP = float(os.environ.get("SOAK_WARMUP_SECONDS", "150"))
SAMPLE_EVERY = 5.0
THREADS = int(os.environ.get("SOAK_THREADS", "2"))  # chaindesk serve's --threads
REPORT = ROOT / "docs" / "benchmarks" / "soak.md"
OUT = ROOT / "var" / "soak"


def connections_now() -> int:
    """Backends connected to the soak's database (pg_stat_activity)."""
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[-1]
    base = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(base) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]).fetchone()
    return int(row[0]) if row else 0


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "CHAINDESK_VAR_DIR": str(OUT),
        "WEB_CONCURRENCY": str(WORKERS),
        "LOG_LEVEL": "ERROR",
    }
    before = connections_now()
    log = (OUT / "serve.log").open("wb")
    server = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            sys.executable,
            "-m",
            "chaindesk",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(WORKERS),
            "--threads",
            str(THREADS),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):  # noqa: S310 - local
                break
        except OSError:
            time.sleep(0.2)
    samples: list[tuple[float, dict[int, int], int]] = []
    stop = threading.Event()
    started = time.monotonic()

    def sample() -> None:
        while not stop.is_set():
            pids = children(server.pid)
            rss = {}
            for pid in pids:
                try:
                    rss[pid] = rss_kib(pid)
                except OSError:
                    pass
            samples.append((time.monotonic() - started, rss, connections_now()))
            stop.wait(SAMPLE_EVERY)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    seconds = int(MINUTES * 60)
    command = [
        str(ROOT / ".venv" / "bin" / "locust"),
        "-f",
        str(ROOT / "scripts" / "soak" / "locustfile.py"),
        "--headless",
        "--host",
        f"http://127.0.0.1:{port}",
        "--users",
        str(USERS),
        "--spawn-rate",
        f"{SPAWN_RATE:g}",
        "--run-time",
        f"{seconds}s",
        "--csv",
        str(OUT / "locust"),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    locust = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    (OUT / "locust.log").write_text(locust.stdout + locust.stderr, encoding="utf-8")
    time.sleep(SAMPLE_EVERY)  # one idle sample after the load
    stop.set()
    sampler.join()
    idle = connections_now()
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=60)
    time.sleep(1)
    after = connections_now()
    return write_report(seconds, before, idle, after, samples)


def write_report(
    seconds: int, before: int, idle: int, after: int, samples: list[tuple[float, dict[int, int], int]]
) -> int:
    with (OUT / "locust_stats.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    requests = int(total["Request Count"])
    failures = int(total["Failure Count"])
    p50, p95, p99 = (float(total[k]) for k in ("50%", "95%", "99%"))
    worst = sorted((r for r in rows if r["Name"] != "Aggregated"), key=lambda r: -float(r["99%"] or 0))[:8]
    workers: dict[int, list[tuple[float, int]]] = {}
    for at, rss, _count in samples:
        for pid, kib in rss.items():
            workers.setdefault(pid, []).append((at, kib))
    growth = {}
    for pid, series in workers.items():
        warm = [kib for at, kib in series if at >= WARMUP]
        if len(warm) >= 2:
            growth[pid] = (warm[0], warm[-1], 100.0 * (warm[-1] - warm[0]) / warm[0])
    during = [count for _at, _rss, count in samples]
    max_growth = max((g for _a, _b, g in growth.values()), default=0.0)
    limit = WORKERS * (THREADS + 1)  # each request thread, and each worker's main thread (checks at start-up)
    checks = {
        "0 errors": failures == 0,
        "p99 ≤ 1 s": p99 <= 1000,
        "worker memory growth ≤ 10 % after warm-up": bool(growth) and max_growth <= 10.0,
        "no leaked database connections": max(during, default=0) <= limit + before and after <= before,
    }
    lines = [
        "# Soak: 100 simulated officials against `chaindesk serve` (PostgreSQL, Redis, city scale)",
        "",
        "Generated by `make soak` (scripts/soak/run.py, scripts/soak/locustfile.py); do not edit by hand.",
        "",
        f"- command: `make soak` (SOAK_MINUTES={MINUTES:g}, SOAK_USERS={USERS}, SOAK_WORKERS={WORKERS}, "
        f"SOAK_THREADS={THREADS}), "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- machine: {platform.node()}, {os.cpu_count()} cores, {platform.platform()}, "
        f"Python {platform.python_version()}, load average at the end {os.getloadavg()[0]:.1f} "
        "(the server, PostgreSQL and locust share these cores)",
        f"- server: `chaindesk serve --workers {WORKERS} --threads {THREADS}` (gunicorn), DATABASE_URL on "
        "PostgreSQL (`chaindesk demo` + `chaindesk synth --scale city`), REDIS_URL for the cache",
        f"- load: {USERS} users (locust, headless; 1–5 s between steps), signing in at {SPAWN_RATE:g} a second, "
        f"{seconds} s in all (every request counted, the ramp included), memory compared after {WARMUP:g} s",
        "",
        "| check | result |",
        "| --- | --- |",
        *(f"| {name} | {'pass' if ok else 'FAIL'} |" for name, ok in checks.items()),
        "",
        f"Requests {requests}, failures {failures}, {float(total['Requests/s']):.1f} requests/s; "
        f"latency p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms, "
        f"max {float(total['Max Response Time']):.0f} ms.",
        "",
        "Slowest requests by p99:",
        "",
        "| request | count | failures | p50 ms | p99 ms |",
        "| --- | --- | --- | --- | --- |",
        *(
            f"| {r['Type']} {r['Name']} | {r['Request Count']} | {r['Failure Count']} | {r['50%']} | {r['99%']} |"
            for r in worst
        ),
        "",
        f"Worker memory (RSS, sampled every {SAMPLE_EVERY:g} s; first sample after warm-up → last):",
        "",
        "| worker pid | after warm-up MiB | end MiB | growth |",
        "| --- | --- | --- | --- |",
        *(f"| {pid} | {a / 1024:.1f} | {b / 1024:.1f} | {g:+.1f} % |" for pid, (a, b, g) in sorted(growth.items())),
        "",
        f"Database connections to the soak database (pg_stat_activity): {before} before the server started, "
        f"at most {max(during, default=0)} during the load (median {statistics.median(during) if during else 0:g}; "
        f"the ceiling is {WORKERS} workers × ({THREADS} threads + 1) = {limit}), {idle} idle after the load "
        f"(CONN_MAX_AGE 60 s keeps them open), {after} after the server stopped.",
        "",
    ]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
