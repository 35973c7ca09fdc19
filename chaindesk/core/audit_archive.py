"""Audit retention: lines are kept at least 180 days (等保 2.0 and 网络安全法 Art. 21 ask for six months), then
may be archived to a file and only then removed from the database (`chaindesk audit-archive DIR`).

The archive is gzip-compressed JSON Lines, one audit line per line in id order (every column, the content type
also by its natural key "app_label.model"), with a sidecar `NAME.sha256` in `sha256sum` format. The file is
read back and checked (its hash, every line's id in order) before a single row is deleted; the rows are then
deleted in one transaction that also appends one audit line naming the file, its checksum and the count, and
that rolls back unless exactly the archived rows went. Nothing is deleted silently, and nothing younger than
180 days is ever archived.

On PostgreSQL the audit table refuses DELETE by a trigger (core/migrations/0002); the archive switches it off
inside its own transaction only (DDL is transactional there: no other session sees it off, and the ALTER TABLE
lock holds other writers of the audit trail back for the moment the delete takes). SQLite has only the model's
guards, which raw SQL passes."""

import dataclasses
import datetime as dt
import gzip
import json
import os
import uuid
from pathlib import Path
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, clock
from .actors import SystemActor
from .backup import sha256_of
from .models import AuditAction, AuditLog

RETENTION_DAYS = 180
ACTOR = SystemActor("audit_archive", "审计归档")
TRIGGER = "core_auditlog_append_only"
CHUNK = 2000


class ArchiveRefused(Exception):
    """The archive was refused or its file failed its check; the reason in Chinese. No row was deleted."""


@dataclasses.dataclass(frozen=True)
class Archive:
    """What an archive run wrote and deleted (`rows` 0: nothing old enough, no file written)."""

    before: dt.date
    rows: int
    path: Path | None = None
    sha256: str = ""


def oldest_allowed_cut() -> dt.date:
    """The latest `before` date allowed: today (the clock's) minus the retention."""
    return clock.today() - dt.timedelta(days=RETENTION_DAYS)


def _cutoff(before: dt.date) -> dt.datetime:
    """The first instant of `before` in the site's time zone: rows strictly earlier are archived."""
    return timezone.make_aware(dt.datetime.combine(before, dt.time.min))


def _rows(cutoff: dt.datetime) -> Any:
    columns = [field.attname for field in AuditLog._meta.concrete_fields]
    queryset = AuditLog._base_manager.filter(created_at__lt=cutoff).order_by("id").values(*columns)
    return queryset.iterator(chunk_size=CHUNK)


def _write(path: Path, cutoff: dt.datetime) -> list[int]:
    """Write the archive; the ids written, in order."""
    labels = {ct.pk: f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all()}
    ids: list[int] = []
    with path.open("xb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed:
        for row in _rows(cutoff):
            row["content_type_label"] = labels.get(row["content_type_id"], "")
            line = json.dumps({k: audit.json_value(v) for k, v in row.items()}, ensure_ascii=False, sort_keys=True)
            packed.write(line.encode() + b"\n")
            ids.append(row["id"])
        packed.close()
        raw.flush()
        os.fsync(raw.fileno())
    return ids


def _read_back(path: Path, sha256: str, ids: list[int]) -> None:
    """The written file, read again: the same hash, every line JSON, the ids written and no other."""
    if sha256_of(path) != sha256:
        raise ArchiveRefused(_("归档文件 %(file)s 读回后的校验值不符：没有删除任何记录。") % {"file": path})
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        found = [json.loads(line)["id"] for line in lines]
    if found != ids:
        raise ArchiveRefused(_("归档文件 %(file)s 读回后的内容与数据库不符：没有删除任何记录。") % {"file": path})


def _delete(cutoff: dt.datetime, ids: list[int]) -> int:
    """Delete the archived rows (raw SQL: the model refuses deletes); the number deleted."""
    table = connection.ops.quote_name(AuditLog._meta.db_table)
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:  # ALTER TABLE refuses while deferred foreign-key checks are pending (an enclosing transaction)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {TRIGGER}")
        cursor.execute(
            f"DELETE FROM {table} WHERE created_at < %s AND id BETWEEN %s AND %s",  # noqa: S608 - the model's table
            [cutoff, ids[0], ids[-1]],
        )
        deleted = cursor.rowcount
        if postgres:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {TRIGGER}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's foreign keys are initially deferred
    return deleted


def _refuse_young(before: dt.date) -> None:
    limit = oldest_allowed_cut()
    if before > limit:
        raise ArchiveRefused(
            _("审计记录至少保留 %(days)s 天：只能归档 %(limit)s 之前的记录，不能归档 %(before)s 之前的。")
            % {"days": RETENTION_DAYS, "limit": limit, "before": before}
        )


def archive(*, directory: Path, before: dt.date | None = None) -> Archive:
    """Archive the audit lines older than `before` (default and latest allowed: today minus 180 days) into a
    new file in `directory`, check it, then delete exactly those lines and audit the run, in one transaction.
    Raises ArchiveRefused (nothing deleted) for a date that would cut younger lines or a file that fails."""
    before = before or oldest_allowed_cut()
    _refuse_young(before)
    cutoff = _cutoff(before)
    if not AuditLog._base_manager.filter(created_at__lt=cutoff).exists():
        return Archive(before=before, rows=0)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = clock.now().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"audit-before-{before.isoformat()}-{stamp}-{uuid.uuid4().hex[:6]}.jsonl.gz"
    ids = _write(path, cutoff)
    if not ids:  # the old lines were archived by a run that finished meanwhile
        path.unlink()
        return Archive(before=before, rows=0)
    sha256 = sha256_of(path)
    sidecar = path.with_name(path.name + ".sha256")
    sidecar.write_text(f"{sha256}  {path.name}\n", encoding="utf-8")
    _read_back(path, sha256, ids)
    with transaction.atomic():
        deleted = _delete(cutoff, ids)
        if deleted != len(ids):  # the exception rolls the delete back
            for written in (path, sidecar):
                written.unlink()
            raise ArchiveRefused(
                _("待删除的记录（%(deleted)s 条）与归档的（%(rows)s 条）不一致：已撤销，没有删除任何记录。")
                % {"deleted": deleted, "rows": len(ids)}
            )
        _record(before, len(ids), path, sha256, ids)
    return Archive(before=before, rows=len(ids), path=path, sha256=sha256)


def _record(before: dt.date, rows: int, path: Path, sha256: str, ids: list[int]) -> None:
    message = _("归档并删除 %(before)s 之前的审计记录 %(rows)s 条，归档文件 %(file)s，SHA-256 %(sha256)s") % {
        "before": before,
        "rows": rows,
        "file": path,
        "sha256": sha256,
    }
    after = {"before": before.isoformat(), "rows": rows, "file": str(path), "sha256": sha256}
    audit.record(action=AuditAction.DELETE, actor=ACTOR, message=message, after=after | {"ids": [ids[0], ids[-1]]})
