"""Crash safety (issue 16 item 2): `chaindesk serve` killed with SIGKILL at random moments during concurrent writes.

Each run copies one prepared database (migrate, the demo city, the drill's API tokens and checked import batches:
chaindesk/testkit/crash.py; built once per migration/demo/drill-code change under var/crash/ and, on PostgreSQL, as
a template database) into a scratch database (a file, or a database created and dropped here), then for each round:

1. the server (gunicorn, 2 workers, a process group of its own) takes concurrent writes through the API from four
   clients with API tokens: an enterprise user submitting demands, the team accepting them and cutting tasks for a
   department, the department's handler signing tasks and asking to close them, the team accepting completion and
   moving projects along their stages, and one import commit; meanwhile the escalation job (in round 0 and about
   a third of the others) and a background worker that runs the import's commit (round 1 and about half the
   others) run in processes of their own;
2. at a random moment (RNG seeded: CHAINDESK_CRASH_SEED, else a fresh seed, printed) the server's process group,
   the escalation job and the worker are killed with SIGKILL;
3. `chaindesk recover` resumes what the crash interrupted (chaindesk/core/queue.py), the queued background tasks
   are worked off and the escalation job is run twice (`crash.py after`), the server is restarted, and the
   database is checked:
   - every write acknowledged with a 2xx is there (the demand, the status or stage the answer named, the import);
   - no record is half-written: each demand's status agrees with its tasks (services_base._sync_after_tasks), each
     audited write since the fixture has its audit line and each audit line of a demand, task or project names an
     existing object whose current status is the last one its lines record;
   - the escalation job's second run claims nothing and changes nothing, and its notices belong to claimed runs;
   - a second `recover` finds nothing to do, and the rollup tables agree with the records.

CHAINDESK_CRASH_ROUNDS rounds per database (default 5; `make crash`: 100 on SQLite and on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections

from chaindesk.core.backup_tables import scratch_alias

pytestmark = pytest.mark.crash

ROOT = Path(settings.BASE_DIR)
ROUNDS = int(os.environ.get("CHAINDESK_CRASH_ROUNDS", "5"))
BATCHES = max(ROUNDS, 5)
ENTERPRISE_USCC_PREFIX = "91321281MA"
START_TIMEOUT = 60.0
ESCALATE_SHARE = 0.35
WORKER_SHARE = 0.5
STATUS_FIELD = {"demand": "status", "task": "status", "project": "stage"}


# --- the prepared database ------------------------------------------------------------------------------------------


def _fixture_key() -> str:
    """What the prepared database depends on: the migrations, the demo city and the drill's own code."""
    digest = hashlib.sha256(str(BATCHES).encode())
    sources = sorted(ROOT.glob("chaindesk/*/migrations/*.py")) + sorted(ROOT.glob("chaindesk/demo/*.py"))
    for path in [*sources, ROOT / "chaindesk/testkit/crash.py"]:
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _pg_url(name: str) -> str:
    s = connections["default"].settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{name}"


def _env(var_dir: Path, database: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "CHAINDESK_TEST"))}
    env.pop("REDIS_URL", None)
    env.update(DJANGO_SETTINGS_MODULE="config.settings.dev", CHAINDESK_VAR_DIR=str(var_dir), LOG_LEVEL="ERROR")
    env["GUNICORN_CMD_ARGS"] = "--preload"  # the app imported once, then forked: a restart costs one import, not three
    if database is None:
        env.pop("DATABASE_URL", None)
    else:
        env["DATABASE_URL"] = _pg_url(database)
    return env


def _pg_execute(sql: str) -> None:
    with connections["default"]._nodb_cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute(sql)


@dataclass
class Drill:
    """One run's copy of the prepared database: its var folder, its PostgreSQL database (None: SQLite), its facts."""

    var_dir: Path
    database: str | None
    meta: dict[str, Any]

    @property
    def env(self) -> dict[str, str]:
        return _env(self.var_dir, self.database)


def _pg_stamp(name: str) -> str | None:
    """The stamp written on a template database when it was built (its comment)."""
    with connections["default"]._nodb_cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name])
        row = cursor.fetchone()
    return row[0] if row else None


def _prepared(postgres: bool) -> tuple[Path, str | None, dict[str, Any]]:
    """The prepared folder (and template database), built on first use. The template lives on the shared
    PostgreSQL server, the folder in this checkout: another checkout (a CI clone) may rebuild the template with
    other API tokens, so the two are used together only when the template carries the folder's stamp."""
    key = _fixture_key()
    folder = ROOT / "var" / "crash" / f"{'postgresql' if postgres else 'sqlite'}-{key}"
    template = f"chaindesk_crash_tpl_{key}" if postgres else None
    meta_path = folder / "meta.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        stamp = meta.get("stamp")
        if stamp and (template is None or _pg_stamp(template) == stamp):
            return folder, template, meta
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "var").mkdir(parents=True)
    if template is not None:
        _pg_execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
        _pg_execute(f'CREATE DATABASE "{template}"')
    building = folder / "meta.building.json"
    subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "chaindesk.testkit.crash", "prepare", str(building), str(BATCHES)],
        cwd=ROOT,
        env=_env(folder / "var", template),
        check=True,
    )
    meta = json.loads(building.read_text(encoding="utf-8"))
    meta["stamp"] = uuid.uuid4().hex
    if template is not None:
        _pg_execute(f"""COMMENT ON DATABASE "{template}" IS '{meta["stamp"]}'""")
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    building.unlink()
    return folder, template, meta


@pytest.fixture
def drill(tmp_path: Path, django_db_blocker: Any) -> Iterator[Drill]:
    postgres = connections["default"].vendor == "postgresql"
    with django_db_blocker.unblock():
        folder, template, meta = _prepared(postgres)
        var_dir = tmp_path / "var"
        shutil.copytree(folder / "var", var_dir)
        database = None
        if template is not None:
            database = f"chaindesk_crash_{os.getpid()}_{int(time.time())}"
            _pg_execute(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
        try:
            yield Drill(var_dir, database, meta)
        finally:
            if database is not None:
                _pg_execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


# --- the server -----------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`chaindesk serve` in a process group of its own, so SIGKILL reaches the master and its workers at once."""

    def __init__(self, drill: Drill) -> None:
        self.drill = drill
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = drill.var_dir.parent / "serve.log"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
                [sys.executable, "-m", "chaindesk", "serve", "--port", str(self.port), "--workers", "2"],
                cwd=ROOT,
                env=self.drill.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited: {self.log.read_text(errors='replace')[-3000:]}")
            try:
                if call(self.port, "GET", "/api/health", None, None)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("the server did not answer /api/health")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None


def call(port: int, method: str, path: str, token: str | None, body: dict[str, Any] | None) -> tuple[int, Any]:
    """One request; (status, JSON body). Raises OSError when the server is gone."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        raw = response.read()
    except (http.client.HTTPException, TimeoutError) as exc:
        raise OSError(str(exc)) from exc
    finally:
        connection.close()
    try:
        return response.status, json.loads(raw) if raw else None
    except ValueError:
        return response.status, None


# --- the clients ----------------------------------------------------------------------------------------------------


@dataclass
class Work:
    """What the clients may act on this round (read from the database after the last restart) and what the server
    acknowledged: (kind, id, status) for transitions, ("demand", id, "created"), ("import", batch id, "committing")."""

    submitted: list[int]
    pending: list[int]
    in_progress: list[int]
    completion_requested: list[int]
    projects: dict[int, str]
    batch: int | None
    acked: list[tuple[str, int, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

    def take(self, queue: list[int]) -> int | None:
        with self.lock:
            return queue.pop(0) if queue else None

    def ack(self, kind: str, pk: int, status: str, then: list[int] | None = None) -> None:
        with self.lock:
            self.acked.append((kind, pk, status))
            if then is not None:
                then.append(pk)


def _enterprise(port: int, drill: Drill, work: Work, rng: random.Random) -> None:
    token = drill.meta["secrets"]["enterprise"]
    while not work.stop.is_set():
        body = {
            "enterprise_id": drill.meta["enterprise_id"],
            "title": f"演练诉求{rng.randrange(10**6)}",
            "description": "用电增容申请需协调。",
            "category": drill.meta["category"],
        }
        status, answer = call(port, "POST", "/api/demands/", token, body)
        if status == 201:
            work.ack("demand", answer["id"], "created", work.submitted)


def _team(port: int, drill: Drill, work: Work) -> None:
    token = drill.meta["secrets"]["team"]
    while not work.stop.is_set():
        task = work.take(work.completion_requested)
        if task is not None:
            body = {"expected_status": "completion_requested", "accept": True, "note": "同意办结"}
            if call(port, "POST", f"/api/demands/tasks/{task}/completion/decide", token, body)[0] == 200:
                work.ack("task", task, "done")
            continue
        demand = work.take(work.submitted)
        if demand is None:
            time.sleep(0.02)
            continue
        if call(port, "POST", f"/api/demands/{demand}/accept", token, {"expected_status": "submitted"})[0] != 200:
            continue
        work.ack("demand", demand, "accepted")
        body = {
            "expected_status": "accepted",
            "lead_department_id": drill.meta["department_id"],
            "instructions": "请于时限内办结。",
            "working_days": 5,
        }
        status, answer = call(port, "POST", f"/api/demands/{demand}/tasks", token, body)
        if status == 201:
            work.ack("demand", demand, "in_progress")
            work.ack("task", answer["id"], "pending", work.pending)


def _handler(port: int, drill: Drill, work: Work) -> None:
    token = drill.meta["secrets"]["handler"]
    while not work.stop.is_set():
        task = work.take(work.in_progress)
        if task is not None:
            body = {"expected_status": "in_progress", "result": "已协调办结。"}
            if call(port, "POST", f"/api/demands/tasks/{task}/completion", token, body)[0] == 200:
                work.ack("task", task, "completion_requested", work.completion_requested)
            continue
        task = work.take(work.pending)
        if task is None:
            time.sleep(0.02)
            continue
        if call(port, "POST", f"/api/demands/tasks/{task}/sign", token, {"expected_status": "pending"})[0] == 200:
            work.ack("task", task, "in_progress", work.in_progress)


def _projects(port: int, drill: Drill, work: Work, rng: random.Random) -> None:
    token = drill.meta["secrets"]["team"]
    forward = ["negotiating", "signed", "started", "building", "completed", "producing", "full"]
    if work.batch is not None and not work.stop.is_set():
        if call(port, "POST", f"/api/imports/{work.batch}/commit", token, None)[0] == 202:
            work.ack("import", work.batch, "committing")
    while not work.stop.is_set():
        with work.lock:
            movable = [pk for pk, stage in work.projects.items() if stage in forward[:-1]]
        if not movable:
            return
        pk = rng.choice(movable)
        stage = work.projects[pk]
        to = forward[forward.index(stage) + 1]
        body = {"to_stage": to, "expected_stage": stage}
        if call(port, "POST", f"/api/projects/{pk}/transition", token, body)[0] == 200:
            work.ack("project", pk, to)
            with work.lock:
                work.projects[pk] = to
        else:
            with work.lock:
                work.projects.pop(pk, None)  # a rule refused it (a date, a missing figure): leave it be


def _client(target: Any, *args: Any) -> threading.Thread:
    def run() -> None:
        try:
            target(*args)
        except OSError:
            pass  # the server was killed: what was not acknowledged does not count

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


# --- reading the database -------------------------------------------------------------------------------------------


def _rows(alias: str, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params or [])
        return list(cursor.fetchall())


def _content_types(alias: str) -> dict[str, int]:
    rows = _rows(alias, "SELECT id, app_label, model FROM django_content_type")
    wanted = {("demands", "demand"): "demand", ("demands", "task"): "task", ("projects", "project"): "project"}
    return {wanted[(app, model)]: pk for pk, app, model in rows if (app, model) in wanted}


def _work(alias: str, drill: Drill, batches: list[int]) -> Work:
    handler_department = drill.meta["department_id"]

    def ids(sql: str, params: list[Any]) -> list[int]:
        return [row[0] for row in _rows(alias, sql, params)]

    tasks = "SELECT id FROM demands_task WHERE lead_department_id = %s AND status = %s ORDER BY id"
    wanted = set(drill.meta["projects"])
    projects = {pk: stage for pk, stage in _rows(alias, "SELECT id, stage FROM projects_project") if pk in wanted}
    return Work(
        submitted=ids(
            "SELECT id FROM demands_demand WHERE enterprise_id = %s AND status = 'submitted' ORDER BY id",
            [drill.meta["enterprise_id"]],
        ),
        pending=ids(tasks, [handler_department, "pending"]),
        in_progress=ids(tasks, [handler_department, "in_progress"]),
        completion_requested=ids(tasks, [handler_department, "completion_requested"]),
        projects=projects,
        batch=batches.pop(0) if batches else None,
    )


def _last_status(alias: str, kinds: dict[str, int], mark: int) -> dict[tuple[str, int], tuple[int, str]]:
    """Per object written since the fixture: (its last audit line recording its status or stage, that value)."""
    found: dict[tuple[str, int], tuple[int, str]] = {}
    for kind, content_type in kinds.items():
        rows = _rows(
            alias,
            "SELECT id, object_id, after FROM core_auditlog WHERE content_type_id = %s AND id > %s ORDER BY id",
            [content_type, mark],
        )
        for pk, object_id, after in rows:
            after = json.loads(after) if isinstance(after, str) else after
            if after and STATUS_FIELD[kind] in after:
                found[(kind, int(object_id))] = (pk, after[STATUS_FIELD[kind]])
    return found


def _check(alias: str, drill: Drill, acked: list[tuple[str, int, str]], escalation: dict[str, Any]) -> list[str]:
    """What is wrong with the database after a crash (nothing: an empty list)."""
    problems: list[str] = []
    kinds = _content_types(alias)
    mark = drill.meta["audit_mark"]
    tables = {"demand": "demands_demand", "task": "demands_task", "project": "projects_project"}
    current: dict[tuple[str, int], str] = {}
    for kind, table in tables.items():
        for pk, value in _rows(alias, f"SELECT id, {STATUS_FIELD[kind]} FROM {table}"):  # noqa: S608 - fixed names
            current[(kind, pk)] = value
    audited = _last_status(alias, kinds, mark)
    history: dict[tuple[str, int], set[str]] = {}
    for kind, content_type in kinds.items():
        for object_id, after, action in _rows(
            alias,
            "SELECT object_id, after, action FROM core_auditlog WHERE content_type_id = %s AND id > %s",
            [content_type, mark],
        ):
            after = json.loads(after) if isinstance(after, str) else after
            states = history.setdefault((kind, int(object_id)), set())
            if action == "create":
                states.add("created")
            if after and STATUS_FIELD[kind] in after:
                states.add(after[STATUS_FIELD[kind]])
    # Every acknowledged write is there, with its audit line.
    for kind, pk, status in acked:
        if kind == "import":
            continue
        if (kind, pk) not in current:
            problems.append(f"acknowledged {kind} {pk} ({status}) is missing")
        elif status not in history.get((kind, pk), set()):
            problems.append(f"acknowledged {kind} {pk} → {status} has no audit line")
    # No audit line without its write; each object's state is the last one its lines record.
    for (kind, pk), (line, value) in audited.items():
        if (kind, pk) not in current:
            problems.append(f"audit line {line} names {kind} {pk}, which does not exist")
        elif current[(kind, pk)] != value:
            problems.append(f"{kind} {pk} is {current[(kind, pk)]!r} but its last audit line {line} says {value!r}")
    # Each demand's status agrees with its tasks.
    tasks: dict[int, list[str]] = {}
    for demand_id, status in _rows(alias, "SELECT demand_id, status FROM demands_task"):
        tasks.setdefault(demand_id, []).append(status)
    for pk, status, kind in _rows(alias, "SELECT id, status, kind FROM demands_demand"):
        live = [s for s in tasks.get(pk, []) if s != "returned"]
        all_done = bool(live) and set(live) == {"done"}
        if status in ("submitted", "needs_info", "accepted") and tasks.get(pk):
            problems.append(f"demand {pk} is {status} but has tasks")
        if status == "in_progress" and (not tasks.get(pk) or all_done):
            problems.append(f"demand {pk} is in progress with tasks {tasks.get(pk)}")
        if status == "awaiting_confirmation" and not all_done:
            problems.append(f"demand {pk} awaits confirmation with tasks {tasks.get(pk)}")
        if status == "closed" and kind == "assignment" and not all_done:
            problems.append(f"assignment {pk} is closed with tasks {tasks.get(pk)}")
    # Imports: every acknowledged commit has committed, each of its enterprises once, with its audit line; no batch
    # is left committing.
    for batch_id, status in _rows(alias, "SELECT id, status FROM transfer_importbatch"):
        if status == "committing":
            problems.append(f"import batch {batch_id} is left committing")
    committed = dict(_rows(alias, "SELECT id, status FROM transfer_importbatch"))
    for kind, pk, _status in acked:
        if kind == "import" and committed.get(pk) != "committed":
            problems.append(f"acknowledged import {pk} is {committed.get(pk)!r}, not committed")
    counts = _rows(
        alias,
        "SELECT uscc, COUNT(*) FROM enterprises_enterprise WHERE uscc LIKE %s GROUP BY uscc",
        [ENTERPRISE_USCC_PREFIX + "%"],
    )
    problems += [f"enterprise {uscc} imported {n} times" for uscc, n in counts if n != 1]
    # Recovery: a second `chaindesk recover` finds nothing to do, and the rollups agree with the records.
    again = escalation["again"]
    if again["interrupted"] or again["resumed"]:
        problems.append(f"a second recover still found work: {again}")
    problems += [f"rollup left behind: {line}" for line in escalation["rollup_differences"]]
    # The escalation job: the second run claims nothing and changes nothing; no notice without its claimed run.
    if any(escalation["second"].values()) or not escalation["unchanged"]:
        problems.append(f"the escalation job changed something twice: {escalation}")
    stamps = set()
    for row in _rows(alias, "SELECT reminded_at, warned_at, supervised_at FROM demands_task"):
        stamps |= {_token(value) for value in row if value is not None}
    notices = "SELECT dedupe_key FROM core_notification WHERE id > %s AND dedupe_key LIKE 'escalation:%%'"
    for (key,) in _rows(alias, notices, [drill.meta["notification_mark"]]):
        if key.rsplit(":", 1)[-1] not in stamps:
            problems.append(f"escalation notice {key} has no claimed task")
    return problems


def _token(value: Any) -> str:
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%f")


# --- the drill ------------------------------------------------------------------------------------------------------


def _after(drill: Drill, today: dt.date) -> dict[str, Any]:
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "chaindesk.testkit.crash", "after", today.isoformat()],
        cwd=ROOT,
        env=drill.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_acknowledged_writes_survive_sigkill(drill: Drill, django_db_blocker: Any) -> None:
    seed = int(os.environ.get("CHAINDESK_CRASH_SEED") or random.SystemRandom().randrange(2**31))
    vendor = "PostgreSQL" if drill.database else "SQLite"
    print(f"crash drill on {vendor}: seed {seed}, {ROUNDS} rounds (CHAINDESK_CRASH_SEED={seed} repeats it)")
    rng = random.Random(seed)
    base = dt.date.fromisoformat(drill.meta["today"])
    batches = list(drill.meta["batches"])
    server = Server(drill)
    name = drill.database or str(drill.var_dir / "chaindesk.sqlite3")
    totals = {"acknowledged": 0, "killed_escalation": 0, "killed_worker": 0, "resumed": 0, "rollups_rebuilt": 0}
    with django_db_blocker.unblock(), scratch_alias("crash_drill", NAME=name) as alias:
        try:
            server.start()
            for number in range(ROUNDS):
                began = time.monotonic()
                work = _work(alias, drill, batches)
                connections[alias].close()
                today = base + dt.timedelta(days=number % 15)
                # The escalation job in a process of its own, killed with the server, in round 0 and about a third
                # of the others (each start costs a Django import; a CI round stays short).
                escalate = None
                if number == 0 or rng.random() < ESCALATE_SHARE:
                    escalate = subprocess.Popen(  # noqa: S603 - fixed arguments
                        [sys.executable, "-m", "chaindesk", "escalate", "--today", today.isoformat(), "--no-deliver"],
                        cwd=ROOT,
                        env=drill.env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                        start_new_session=True,
                    )
                # A background worker (the import commit's task) in about half the rounds, killed with the server.
                worker = None
                if number == 1 or rng.random() < WORKER_SHARE:
                    worker = subprocess.Popen(  # noqa: S603 - fixed arguments
                        [sys.executable, "-m", "chaindesk", "worker", "--interval", "0.05"],
                        cwd=ROOT,
                        env=drill.env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                        start_new_session=True,
                    )
                clients = [
                    _client(_enterprise, server.port, drill, work, random.Random(rng.random())),
                    _client(_team, server.port, drill, work),
                    _client(_handler, server.port, drill, work),
                    _client(_projects, server.port, drill, work, random.Random(rng.random())),
                ]
                # The kill comes at a random moment once writes are flowing (a restarted worker's first request
                # imports the URLs: seconds on a busy machine).
                warm = time.monotonic() + START_TIMEOUT
                while not work.acked and time.monotonic() < warm:
                    time.sleep(0.05)
                time.sleep(rng.uniform(0.0, 3.0))
                server.kill()
                for process, count in ((escalate, "killed_escalation"), (worker, "killed_worker")):
                    if process is not None:
                        if process.poll() is None:
                            os.killpg(process.pid, signal.SIGKILL)
                            totals[count] += 1
                        process.wait()
                work.stop.set()
                for client in clients:
                    client.join(timeout=15)
                escalation = _after(drill, today)
                server.start()
                problems = _check(alias, drill, work.acked, escalation)
                connections[alias].close()
                totals["acknowledged"] += len(work.acked)
                resumed = escalation["recovered"]["resumed"]
                totals["resumed"] += sum(len(lines) for name, lines in resumed.items() if name != "rollups")
                totals["rollups_rebuilt"] += len(escalation["recovered"]["resumed"].get("rollups", []))
                print(f"round {number}: {len(work.acked)} acknowledged, {time.monotonic() - began:.1f} s")
                assert not problems, f"round {number} (seed {seed}): " + "; ".join(problems[:20])
        finally:
            server.kill()
    print(f"crash drill on {vendor}: {ROUNDS} rounds passed, {totals} (seed {seed})")
    assert totals["acknowledged"] > 0, "no write was acknowledged: the drill tested nothing"
