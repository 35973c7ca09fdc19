"""The crash drill's fixture and its after-crash jobs (issue 16 item 2; the test is chaindesk/core/tests/test_crash.py).

Run inside a process whose settings point at the drill's own database (never the one the app or the tests use):

    python -m chaindesk.testkit.crash prepare META.json BATCHES
        migrate, load the demo city (40 enterprises), rebuild the rollups, issue the API tokens of the drill's
        users and check BATCHES enterprise ledgers (two new enterprises each) ready to commit; the facts the test
        needs (token secrets, ids, the last audit line's id) go to META.json.
    python -m chaindesk.testkit.crash after YYYY-MM-DD
        what an operator runs after a crash: `chaindesk recover` (interrupted tasks resumed, stale rollups
        rebuilt), the background tasks left queued (an import commit acknowledged before the crash) by
        `worker --batch`, then the escalation job for that day twice; prints JSON with what recover did, a
        second recover (it must find nothing), the rollup differences left, both escalation runs' counts and
        whether the second changed anything (the task stamps and the notices).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

DRILL_USERS = {"enterprise": "liuyang", "team": "wangzh", "handler": "chenjing"}
SCOPES = {"demands": "write", "projects": "write", "imports": "write", "enterprises": "read"}
LEDGER_ROWS = 2
ESCALATION_KINDS = ("task_reminded", "task_warned", "task_supervised")


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()


def uscc(number: int) -> str:
    """A valid 统一社会信用代码 (GB 32100 check digit) for the drill's ledger row `number`."""
    from stdnum.cn import uscc as std

    body = f"91321281MA{number:07d}"
    return body + std.calc_check_digit(body)


def ledger(batch: int) -> bytes:
    """An enterprise ledger of LEDGER_ROWS new enterprises, distinct for each batch."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["企业名称", "统一社会信用代码", "所在地区", "所属产业链"])
    for row in range(LEDGER_ROWS):
        number = batch * 10 + row
        sheet.append([f"崩溃演练{number}号医药科技有限公司", uscc(number), "兴化市", "生物医药"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def prepare(meta_path: Path, batches: int) -> None:
    """Build the drill's database (see the module docstring) and write its facts to `meta_path`."""
    _setup()
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from chaindesk.accounts.choices import Role
    from chaindesk.accounts.models import User
    from chaindesk.api.services import token_create
    from chaindesk.core import clock
    from chaindesk.core.models import AuditLog, Notification
    from chaindesk.demands.models import Category
    from chaindesk.demo import city
    from chaindesk.projects import permissions as project_permissions
    from chaindesk.projects.choices import FORWARD
    from chaindesk.projects.models import Project
    from chaindesk.rollups import engine
    from chaindesk.transfer import services as transfer

    call_command("migrate", verbosity=0, interactive=False)
    today = clock.today()
    city.load(enterprises=40, today=today)
    engine.rebuild()
    admin = User.objects.get(role=Role.SYS_ADMIN, username="sysadmin")
    users = {key: User.objects.get(username=name) for key, name in DRILL_USERS.items()}
    expires = clock.now() + dt.timedelta(days=360)
    secrets = {}
    for key, user in users.items():
        _token, secret = token_create(actor=admin, user=user, name=f"崩溃演练·{key}", scopes=SCOPES, expires_at=expires)
        secrets[key] = secret
    batch_ids = []
    for number in range(batches):
        batch = transfer.import_upload(
            actor=users["team"], kind="enterprises", name=f"drill-{number}.xlsx", data=ledger(number)
        )
        transfer.run_check(batch.pk)
        batch.refresh_from_db()
        if batch.status != "checked" or not batch.counts.get("new"):
            raise SystemExit(f"drill ledger {number} did not check: {batch.status} {batch.counts} {batch.error}")
        batch_ids.append(batch.pk)
    DBTaskResult.objects.all().delete()  # the dry runs' queued tasks: done above
    team = users["team"]
    candidates = Project.objects.visible_to(team).filter(stage__in=FORWARD[:-1]).order_by("pk")
    projects = [project.pk for project in candidates if project_permissions.can_manage(team, project)]
    meta = {
        "today": today.isoformat(),
        "secrets": secrets,
        "batches": batch_ids,
        "enterprise_id": users["enterprise"].enterprise_account.enterprise_id,  # type: ignore[attr-defined]
        "category": Category.objects.order_by("pk").values_list("code", flat=True)[0],
        "department_id": users["handler"].department_id,
        "projects": projects,
        "audit_mark": AuditLog.objects.order_by("-pk").values_list("pk", flat=True)[0],
        "notification_mark": Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
    }
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")


def escalation_state() -> tuple[list[tuple[Any, ...]], int]:
    """The escalation job's marks on every task and the number of its notices."""
    from chaindesk.core.models import Notification
    from chaindesk.demands.models import Task

    stamps = list(
        Task.objects.order_by("pk").values_list("pk", "escalation", "reminded_at", "warned_at", "supervised_at")
    )
    return stamps, Notification.objects.filter(kind__in=ESCALATION_KINDS).count()


def after(today: dt.date) -> dict[str, Any]:
    """The after-crash jobs (see the module docstring); returns what they did."""
    _setup()
    from django.core.management import call_command

    from chaindesk.core import queue, worker_lock
    from chaindesk.demands import jobs
    from chaindesk.rollups import engine

    with worker_lock.for_recovery() as free:  # the killed worker's lock died with it
        if not free:
            raise RuntimeError("recover refused: a killed worker still holds the workers' lock")
        recovered = queue.recover()
    call_command("worker", batch=True, verbosity=0)
    first = jobs.run_escalation(today=today)
    state = escalation_state()
    second = jobs.run_escalation(today=today)
    return {
        "recovered": recovered,
        "again": queue.recover(),
        "rollup_differences": [str(d) for d in engine.check()[:5]],
        "first": first,
        "second": second,
        "unchanged": escalation_state() == state,
    }


def main(argv: list[str]) -> None:
    if argv[:1] == ["prepare"]:
        prepare(Path(argv[1]), int(argv[2]))
    elif argv[:1] == ["after"]:
        print(json.dumps(after(dt.date.fromisoformat(argv[1])), default=str))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
