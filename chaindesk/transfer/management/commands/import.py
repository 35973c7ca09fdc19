"""`chaindesk import KIND FILE [--commit] [--user USERNAME]`: a ledger imported from a script (issue 13, item 4).

It runs the batch services the import pages run (chaindesk.transfer.services): import_upload, then the dry run
(run_check) at once, and with --commit import_commit and the commit (run_commit), without waiting for a worker.
The upload and the commit request still enqueue their background task; a worker that picks one up later finds
the batch no longer in the state the task expects and leaves it as it is (run_check's compare-and-set,
run_commit's status check). Should a worker have started first, the command waits for it to finish.

It prints one JSON document on stdout: the kind, the file, its SHA-256, the batch, its status, the counts, the
column mapping, every data row in file order (row number, outcome new/update/unchanged/error, label, errors and
warnings with column letter, header and Chinese message, changes of an update), the skipped rows by reason and
`stopped_at` (where reading stopped when the sheet may hold more below); "error" when it fails, "message" when a
commit had nothing to write.

Without --user it acts as the system actor "数据导入" (city-wide); with --user as that user, in their scope.
Exit status: 0 when every row is valid (dry run) or the commit succeeded (a file whose rows are all unchanged
has nothing to write, which is a success); 1 when rows have errors, the file cannot be read or the import is
refused (the reason in the JSON's "error" and on stderr); 2 for a usage error (unknown kind, unreadable path,
unknown or inactive user).
"""

import hashlib
import json
import time
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from chaindesk.accounts.models import User
from chaindesk.core.actors import IMPORT, Actor
from chaindesk.transfer import kinds, services
from chaindesk.transfer.choices import BatchStatus
from chaindesk.transfer.models import ImportBatch

WAIT_SECONDS = 600.0  # how long to wait for a worker that took the batch first
POLL_SECONDS = 0.5
USAGE, FAILED = 2, 1


class Command(BaseCommand):
    help = (
        "Import a ledger (dry run; --commit to write it) through the same checks as the import pages, and print "
        "every row's outcome as JSON. Exit 0: all rows valid or committed; 1: errors or refused; 2: usage."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help="what the ledger holds: " + ", ".join(k.code for k in kinds.all_kinds()))
        parser.add_argument("file", help="the .xlsx, .xls or .csv file")
        parser.add_argument("--commit", action="store_true", help="write the rows when none has an error")
        parser.add_argument("--user", dest="username", help="act as this user (default: the system import actor)")

    def handle(self, *args: Any, **options: Any) -> None:
        kind = _kind(options["kind"])
        actor = _actor(options["username"])
        path = Path(options["file"])
        data = _read(path)
        try:
            batch = services.import_upload(actor=actor, kind=kind, name=path.name, data=data)
        except (ValidationError, PermissionDenied) as exc:
            self._refused(kind, path, data, _message(exc))
        services.run_check(batch.pk)
        batch = _settled(batch)
        refusal = note = ""
        if options["commit"] and batch.status == BatchStatus.CHECKED and not batch.counts.get("error"):
            refusal, note = _commit(actor, batch)
            batch = _settled(batch)
        output = _document(batch, path)
        error = refusal or _batch_error(batch, output["counts"], committing=options["commit"])
        if error:
            output["error"] = error
        elif note:
            output["message"] = note
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=2, default=str))
        if error:
            raise CommandError(error, returncode=FAILED)

    def _refused(self, kind: str, path: Path, data: bytes, message: str) -> NoReturn:
        """import_upload refused the file (empty, too large, a zip bomb) or the actor: no batch was made."""
        output = {
            "kind": kind,
            "file": str(path),
            "sha256": hashlib.sha256(data).hexdigest(),
            "batch": None,
            "status": "refused",
            "error": message,
        }
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=2))
        raise CommandError(message, returncode=FAILED)


# --- arguments -------------------------------------------------------------------------------------------------


def _kind(code: str) -> str:
    available = kinds.all_kinds()
    if code not in {kind.code for kind in available}:
        names = "、".join(f"{kind.code}（{kind.label}）" for kind in available)
        message = _("未知的导入类型“%(kind)s”。可导入的类型：%(kinds)s。") % {"kind": code, "kinds": names}
        raise CommandError(message, returncode=USAGE)
    return code


def _actor(username: str | None) -> Actor:
    if username is None:
        return IMPORT
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(_("找不到用户“%(name)s”。") % {"name": username}, returncode=USAGE)
    if not user.is_active:
        raise CommandError(_("用户“%(name)s”已停用，不能以其身份导入。") % {"name": username}, returncode=USAGE)
    return user


def _read(path: Path) -> bytes:
    """The file's bytes, at most one more than the import's size limit (import_upload refuses a larger file)."""
    try:
        with path.open("rb") as handle:
            return handle.read(services.max_bytes() + 1)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            reason = _("文件不存在")
        elif isinstance(exc, IsADirectoryError):
            reason = _("这是一个目录")
        elif isinstance(exc, PermissionError):
            reason = _("没有读取权限")
        else:
            reason = exc.strerror or type(exc).__name__
        raise CommandError(
            _("无法读取文件“%(path)s”：%(reason)s。") % {"path": path, "reason": reason}, returncode=USAGE
        ) from exc


# --- the batch -------------------------------------------------------------------------------------------------


def _commit(actor: Actor, batch: ImportBatch) -> tuple[str, str]:
    """Commit the checked batch: (the refusal, "") or ("", a note when there was nothing to write)."""
    try:
        services.import_commit(actor=actor, batch=batch)
    except ValidationError as exc:
        return ("", _message(exc)) if getattr(exc, "code", None) == "nothing" else (_message(exc), "")
    except PermissionDenied as exc:
        return _message(exc), ""
    services.run_commit(batch.pk)
    return "", ""


def _settled(batch: ImportBatch) -> ImportBatch:
    """The batch once no worker is busy with it (or as it is after WAIT_SECONDS)."""
    deadline = time.monotonic() + WAIT_SECONDS
    batch.refresh_from_db()
    while batch.is_open and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        batch.refresh_from_db()
    return batch


def _batch_error(batch: ImportBatch, counts: dict[str, Any], *, committing: bool) -> str:
    """Why the command fails for this batch, or "" when it succeeded."""
    if batch.is_open:
        message = _("导入批次 #%(n)s 仍在处理中（%(status)s），请稍后在导入页面查看结果。")
        return message % {"n": batch.pk, "status": batch.get_status_display()}
    if batch.status == BatchStatus.FAILED:
        return batch.error or _("文件检查失败。")
    if batch.status == BatchStatus.CHECKED and batch.error:  # a commit refused by the second check
        return batch.error
    errors = int(counts.get("error") or 0)
    if not errors:
        return ""
    if committing:
        return _("有 %(n)s 行有错误，未导入任何数据（各行的错误见输出）。") % {"n": errors}
    return _("有 %(n)s 行有错误（各行的错误见输出）。") % {"n": errors}


def _document(batch: ImportBatch, path: Path) -> dict[str, Any]:
    """The JSON printed: the batch and its report (rows in file order)."""
    report = services.load_report(batch) or {}
    columns = {str(index): (letter, name) for index, letter, name in report.get("columns", [])}
    mapping = {}
    for index, field in sorted(report.get("mapping", {}).items(), key=lambda item: int(item[0])):
        letter, name = columns.get(str(index), (str(index), ""))
        mapping[letter] = {"header": name, "field": field}
    # A commit's counts (with "written") describe what it did; otherwise the report is the latest check.
    counts = dict(batch.counts or {})
    if batch.status == BatchStatus.COMMITTED:
        counts = {**report.get("counts", {}), **counts}
    else:
        counts.update(report.get("counts", {}))
    return {
        "kind": batch.kind,
        "file": str(path),
        "sha256": batch.sha256,
        "batch": batch.pk,
        "status": str(batch.status),
        "counts": counts,
        "mapping": mapping,
        "rows": [_row(row) for row in report.get("rows", [])],
        "skipped": report.get("skipped", {}),
        "stopped_at": report.get("stopped_at"),
    }


def _row(row: dict[str, Any]) -> dict[str, Any]:
    issues: dict[str, list[dict[str, str]]] = {"error": [], "warning": []}
    for level, column, header, message in row["issues"]:
        issues.setdefault(level, []).append({"column": column, "header": header, "message": message})
    return {
        "row": row["row"],
        "outcome": row["outcome"],
        "label": row["label"],
        "errors": issues["error"],
        "warnings": issues["warning"],
        "changes": [{"field": field, "before": before, "after": after} for field, before, after in row["changes"]],
    }


def _message(exc: ValidationError | PermissionDenied) -> str:
    return " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
