"""Audit retention (issue 16, item 1): lines are kept at least 180 days, then archived to a checksummed file that
is read back before exactly those lines are deleted, with one audit line saying so. Never younger lines, never
silently."""

import datetime as dt
import gzip
import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from chaindesk.core import audit, audit_archive, clock
from chaindesk.core.models import AuditAction, AuditLog


@pytest.fixture
def folder() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="chaindesk-audit-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _line(at: dt.datetime, message: str) -> AuditLog:
    return AuditLog.objects.create(created_at=at, action=AuditAction.EXPORT, actor_name="tester", message=message)


@pytest.fixture
def lines() -> dict[str, AuditLog]:
    """Lines around the retention limit: the first instant of the day 180 days ago is kept, the one before goes."""
    limit = timezone.make_aware(dt.datetime.combine(audit_archive.oldest_allowed_cut(), dt.time.min))
    at = {
        "a year old": limit - dt.timedelta(days=185),
        "just older": limit - dt.timedelta(seconds=1),
        "at the limit": limit,
        "179 days": limit + dt.timedelta(days=1),
        "today": clock.now(),
    }
    return {name: _line(when, name) for name, when in at.items()}


@pytest.mark.django_db
def test_only_lines_older_than_180_days_are_archived_then_deleted(folder, lines):
    older = list(AuditLog.objects.filter(created_at__lt=lines["at the limit"].created_at).order_by("id"))
    total = AuditLog.objects.count()

    result = audit_archive.archive(directory=folder)

    assert result.before == clock.today() - dt.timedelta(days=180)
    assert result.path is not None
    assert result.rows == len(older) >= 2
    with gzip.open(result.path, "rt", encoding="utf-8") as archived:
        rows = [json.loads(text) for text in archived]
    assert [row["id"] for row in rows] == [line.pk for line in older]
    assert {row["message"] for row in rows} >= {"a year old", "just older"}
    assert rows[-1] == json.loads(json.dumps(_archived(older[-1])))
    remaining = set(AuditLog.objects.values_list("message", flat=True))
    assert {"at the limit", "179 days", "today"} <= remaining
    assert not remaining & {"a year old", "just older"}
    # archived + kept = before; the archive's own audit line is the one row added
    assert AuditLog.objects.count() == total - result.rows + 1


def _archived(line: AuditLog) -> dict[str, object]:
    """What the archive should hold for `line`: every column, and the content type by its natural key."""
    row = {field.attname: audit.json_value(getattr(line, field.attname)) for field in AuditLog._meta.concrete_fields}
    label = f"{line.content_type.app_label}.{line.content_type.model}" if line.content_type else ""
    return row | {"content_type_label": label}


@pytest.mark.django_db
def test_the_archive_has_its_checksum_beside_it_and_the_run_is_audited(folder, lines):
    result = audit_archive.archive(directory=folder)

    digest = hashlib.sha256(result.path.read_bytes()).hexdigest()
    sidecar = result.path.with_name(result.path.name + ".sha256")
    assert sidecar.read_text(encoding="utf-8") == f"{digest}  {result.path.name}\n"
    assert result.sha256 == digest
    record = AuditLog.objects.get(actor_name="系统·审计归档")
    assert record.action == AuditAction.DELETE
    assert record.after["rows"] == result.rows
    assert record.after["sha256"] == digest
    assert record.after["file"] == str(result.path)
    assert digest in record.message


@pytest.mark.django_db
def test_a_date_that_would_cut_younger_lines_is_refused_and_nothing_is_deleted(folder, lines):
    total = AuditLog.objects.count()
    too_late = clock.today() - dt.timedelta(days=179)

    with pytest.raises(audit_archive.ArchiveRefused, match="至少保留 180 天"):
        audit_archive.archive(directory=folder, before=too_late)
    with pytest.raises(CommandError, match="至少保留 180 天") as refused:
        call_command("audit_archive", str(folder), "--before", too_late.isoformat())

    assert refused.value.returncode == 1
    assert AuditLog.objects.count() == total
    assert list(folder.iterdir()) == []


@pytest.mark.django_db
def test_an_earlier_date_archives_less_and_a_second_run_finds_nothing(folder, lines, capsys):
    early = lines["a year old"].created_at.date() + dt.timedelta(days=2)

    call_command("audit_archive", str(folder), "--before", early.isoformat())
    assert "已归档" in capsys.readouterr().out
    assert not AuditLog.objects.filter(message="a year old").exists()
    assert AuditLog.objects.filter(message="just older").exists()
    call_command("audit_archive", str(folder))
    assert "已归档" in capsys.readouterr().out
    call_command("audit_archive", str(folder))

    assert "没有" in capsys.readouterr().out
    assert len(list(folder.glob("*.jsonl.gz"))) == len(list(folder.glob("*.jsonl.gz.sha256"))) == 2
    assert AuditLog.objects.filter(actor_name="系统·审计归档").count() == 2


@pytest.mark.django_db
def test_a_delete_that_would_not_match_the_archive_is_rolled_back(folder, lines, monkeypatch):
    total = AuditLog.objects.count()
    monkeypatch.setattr(audit_archive, "_delete", lambda cutoff, ids: len(ids) - 1)

    with pytest.raises(audit_archive.ArchiveRefused, match="不一致"):
        audit_archive.archive(directory=folder)

    assert AuditLog.objects.count() == total
    assert list(folder.iterdir()) == []


@pytest.mark.django_db
def test_the_append_only_guard_is_back_after_an_archive(folder, lines):
    audit_archive.archive(directory=folder)

    with pytest.raises(Exception, match="append-only|cannot be deleted"):
        AuditLog.objects.filter(message="today").delete()
    if connection.vendor == "postgresql":
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditlog WHERE message = 'today'")
    assert AuditLog.objects.filter(message="today").exists()
