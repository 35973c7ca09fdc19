"""The backup and restore drill (issue 16, item 1), on whichever database the suite runs on: the demo city, the
personas' world and their files backed up, restored into a fresh database and empty folders, and every table and
file compared row by row and byte by byte; the refusals (a non-empty target, a garbled or tampered manifest, a
tampered dump or file). Transactional: pg_dump and SQLite's backup API read committed data only. A fresh target is
another SQLite file, or a scratch PostgreSQL database created and dropped here; files go to a temporary folder
removed afterwards."""

import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.db import connection, connections, models

from chaindesk.__main__ import ALIASES
from chaindesk.core import backup
from chaindesk.core.backup_tables import _models_by_table, non_empty_tables, scratch_alias, table_names
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.enterprises.models import Enterprise
from chaindesk.meetings.models import MeetingAttachment
from chaindesk.testkit import clock
from chaindesk.testkit import personas as personas_module

committed = pytest.mark.django_db(transaction=True)


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A temporary folder, removed after the test (pytest's tmp_path keeps the last runs' folders)."""
    path = Path(tempfile.mkdtemp(prefix="chaindesk-backup-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _roots(base: Path) -> dict[str, Path]:
    return {"attachments": base / "attachments", "media": base / "media"}


@pytest.fixture
def source_roots(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Every FileField writes to real files under workdir/source (the suite keeps them in memory otherwise)."""
    roots = _roots(workdir / "source")
    storage = FileSystemStorage(location=roots["attachments"], base_url=None)
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                monkeypatch.setattr(field, "storage", storage)
    return roots


@pytest.fixture
def target(workdir: Path) -> Iterator[str]:
    """A connection alias to a fresh, empty database: another SQLite file, or a scratch PostgreSQL database."""
    alias = f"restore_{uuid.uuid4().hex[:8]}"
    if connection.vendor == "sqlite":
        (workdir / "target-var").mkdir()
        with scratch_alias(alias, NAME=str(workdir / "target-var" / "chaindesk.sqlite3")):
            yield alias
        return
    name = f"{connection.settings_dict['NAME']}_{alias}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        with scratch_alias(alias, NAME=name):
            yield alias
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _build() -> personas_module.Personas:
    """The personas' world, committed. A transactional test starts from what the last one's flush left, which also
    took the demand categories of the data migration: they are put back first."""
    return personas_module.build_committed()


def _world(monkeypatch: pytest.MonkeyPatch) -> personas_module.Personas:
    """The demo city (unless an earlier transactional test's flush took it), the personas and their files."""
    from chaindesk.demo import city
    from chaindesk.reports import preview

    import_module("chaindesk.demands.migrations.0002_categories").create_categories(apps, None)
    if not Enterprise.objects.filter(name="江苏金扬子包装科技有限公司").exists():
        monkeypatch.setattr(preview, "available", lambda: False)
        city.load(enterprises=10, today=clock.TEST_TODAY)
    world = _build()
    personas_module.meeting_files(world)
    return world


def _migrate(alias: str, workdir: Path) -> None:
    """`chaindesk migrate` on the target, in a process of its own: some data migrations query the default
    database whatever the alias they are run for."""
    settings_dict = connections[alias].settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CHAINDESK_VAR_DIR": str(workdir / "target-var"),
    }
    if connection.vendor == "postgresql":
        user, host, port = settings_dict["USER"], settings_dict["HOST"], settings_dict["PORT"]
        env["DATABASE_URL"] = f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"
    else:
        env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "chaindesk", "migrate", "--verbosity=0"]
    subprocess.run(command, env=env, check=True, cwd=settings.BASE_DIR)  # noqa: S603


def _all_rows(using: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, through the ORM, independently of the checksums."""
    found: dict[str, list[tuple[object, ...]]] = {}
    models_by_table = _models_by_table()
    for table in table_names(using=using):
        model = models_by_table[table]
        columns = [field.attname for field in model._meta.local_concrete_fields]
        found[table] = list(model._base_manager.using(using).order_by("pk").values_list(*columns))
    return found


def _same_tree(left: Path, right: Path) -> bool:
    if not left.exists():
        return not right.exists() or not any(right.rglob("*"))
    comparison = filecmp.dircmp(left, right)
    files = [path.relative_to(left) for path in left.rglob("*") if path.is_file()]
    mismatch = filecmp.cmpfiles(left, right, [str(path) for path in files], shallow=False)[1:]
    return not comparison.left_only and not comparison.right_only and mismatch == ([], [])


@committed
def test_drill_backup_then_restore_elsewhere_differs_in_nothing(workdir, source_roots, target, monkeypatch):
    world = _world(monkeypatch)
    attachment = MeetingAttachment.objects.get(pk=world.ours.meeting_attachment.pk)
    started = time.monotonic()
    manifest = backup.backup(directory=workdir / "backup", roots=source_roots)
    backed_up = time.monotonic()
    target_roots = _roots(workdir / "target")
    report = backup.restore(directory=workdir / "backup", using=target, roots=target_roots)
    restored = time.monotonic()
    print(
        f"drill on {connection.vendor}: {report.tables} tables, {report.rows} rows, {report.files} files; "
        f"backup {backed_up - started:.2f} s, restore and compare {restored - backed_up:.2f} s"
    )

    assert report.differences == []
    assert report.files == len(manifest["files"]) >= 4  # the photo, the attachment, the briefing's DOCX and XLSX
    assert manifest["tables"]["meetings_meetingattachment"]["rows"] >= 1
    assert manifest["database"]["vendor"] == connection.vendor
    source, restored_rows = _all_rows("default"), _all_rows(target)
    assert source.keys() == restored_rows.keys()
    assert [table for table in source if source[table] != restored_rows[table]] == []
    assert sum(len(rows) for rows in source.values()) == report.rows
    for label in source_roots:
        assert _same_tree(source_roots[label], target_roots[label]), label
    assert (target_roots["attachments"] / attachment.file.name).read_bytes() == attachment.file.open("rb").read()


@committed
def test_a_database_fresh_from_migrate_counts_as_empty_and_is_restored_into(workdir, source_roots, target):
    _build()
    backup.backup(directory=workdir / "backup", roots=source_roots)
    _migrate(target, workdir)
    assert non_empty_tables(using=target, ignore=backup.MIGRATE_SEEDED) == []

    report = backup.restore(directory=workdir / "backup", using=target, roots=_roots(workdir / "target"))

    assert report.differences == []


@committed
def test_the_commands_back_up_refuse_a_non_empty_target_and_audit(workdir, capsys):
    _build()
    directory = workdir / "backup"

    call_command("backup", str(directory))

    assert "备份完成" in capsys.readouterr().out
    line = AuditLog.objects.get(action=AuditAction.EXPORT, actor_name="系统·备份恢复")
    assert line.after["manifest_checksum"] == backup.read_manifest(directory)["checksum"]
    with pytest.raises(CommandError, match="目标数据库不是空的") as refused:
        call_command("restore", str(directory))
    assert refused.value.returncode == 1
    with pytest.raises(CommandError, match="不是空目录") as again:
        call_command("backup", str(directory))
    assert again.value.returncode == 1


def _tampered(directory: Path, workdir: Path, name: str) -> Path:
    copy = workdir / name
    shutil.copytree(directory, copy)
    return copy


def _rewrite(manifest_path: Path, change: dict[str, object], *, reseal: bool) -> None:
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest.update(change)
    if reseal:
        manifest["checksum"] = backup._checksum(manifest)
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")


@committed
def test_restore_refuses_a_missing_garbled_or_tampered_backup_or_a_target_with_files(workdir, source_roots, target):
    """Every refusal comes before anything is written; a manifest edited and resealed (its own checksum
    recomputed) passes the checks, and the comparison after the restore finds exactly the edited table."""
    personas_module.meeting_files(_build())
    directory = workdir / "backup"
    manifest = backup.backup(directory=directory, roots=source_roots)
    roots = _roots(workdir / "target")
    entry = manifest["files"][0]
    cases: dict[str, Path] = {name: _tampered(directory, workdir, name) for name in ("missing", "garbled", "edited")}
    cases |= {name: _tampered(directory, workdir, name) for name in ("dump", "file", "escape", "resealed")}
    (cases["missing"] / backup.MANIFEST).unlink()
    (cases["garbled"] / backup.MANIFEST).write_text("{not json", encoding="utf-8")
    tables = manifest["tables"] | {"core_auditlog": {"rows": 1, "sha256": "0" * 64}}
    _rewrite(cases["edited"] / backup.MANIFEST, {"tables": tables}, reseal=False)
    _rewrite(cases["resealed"] / backup.MANIFEST, {"tables": tables}, reseal=True)
    with (cases["dump"] / manifest["database"]["file"]).open("ab") as handle:
        handle.write(b"\0")
    (cases["file"] / backup.FILES / entry["root"] / entry["path"]).write_bytes(b"changed")
    _rewrite(cases["escape"] / backup.MANIFEST, {"files": [entry | {"path": "../../outside"}]}, reseal=True)
    refusals = {"missing": "没有备份清单", "garbled": "无法解析", "edited": "清单的校验值不符"}
    refusals |= {"dump": "数据库备份文件", "file": "备份文件 ", "escape": "越出目录"}

    for name, message in refusals.items():
        with pytest.raises(backup.BackupError, match=message):
            backup.restore(directory=cases[name], using=target, roots=roots)
    roots["media"].mkdir(parents=True)
    (roots["media"] / "left-over.pdf").write_bytes(b"%PDF")
    with pytest.raises(backup.BackupError, match="已有文件"):
        backup.restore(directory=directory, using=target, roots=roots)
    assert table_names(using=target) == []
    assert not roots["attachments"].exists()
    (roots["media"] / "left-over.pdf").unlink()

    report = backup.restore(directory=cases["resealed"], using=target, roots=roots)

    assert len(report.differences) == 1
    assert report.differences[0].startswith("表 core_auditlog：行数")


def test_the_file_roots_hold_every_file_field_and_the_media_root(settings):
    roots = backup.file_roots()

    assert roots == {
        "attachments": Path(settings.VAR_DIR).resolve() / "attachments",
        "media": settings.MEDIA_ROOT.resolve(),
    }


def test_every_chaindesk_alias_names_a_command():
    assert {"backup", "restore"} <= get_commands().keys()
    assert [alias for alias in ALIASES.values() if alias not in get_commands()] == []
