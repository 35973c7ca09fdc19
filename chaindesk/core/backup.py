"""Backing up and restoring a whole ChainDesk: the database, the uploaded and generated files, and a manifest that
says what both hold (`chaindesk backup DIR`, `chaindesk restore DIR`; issue 16, item 1).

A backup folder holds:
- `database.sqlite3` (SQLite: a copy made with SQLite's online backup API, consistent while the site serves) or
  `database.dump` (PostgreSQL: `pg_dump --format=custom`, taken from an exported snapshot);
- `files/<root>/…`: every file under the file roots (`file_roots()`: each FileField's storage folder and
  MEDIA_ROOT, named by their path under VAR_DIR: `attachments`, `media`), copied;
- `manifest.json`: the format and version, when it was made (the clock), the database vendor, the database
  file's size and SHA-256, every table's row count and content checksum (chaindesk/core/backup_tables.py,
  computed from the same snapshot as the database file), every file's root, relative path, size and SHA-256,
  and the manifest's own checksum. It is written last: a folder without one is no backup.

A restore goes only into an empty database (no table with rows, apart from those a bare `migrate` fills) and
empty file roots. It checks the manifest, then the database file's and every file's hash, before it writes
anything; then it restores (pg_restore, or SQLite's backup API into the target), copies the files, and compares
every table and file with the manifest. Files are copied after the database snapshot: one uploaded meanwhile is
in the backup without its row, which is harmless."""

import dataclasses
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import connections, models, transaction
from django.utils.translation import gettext as _

from . import clock
from .actors import SystemActor
from .backup_tables import TableStat, differences, non_empty_tables, scratch_alias, table_stats

FORMAT = "chaindesk-backup"
VERSION = 1
MANIFEST = "manifest.json"
FILES = "files"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
# The rows a bare `migrate` writes (its own record, content types, permissions, the demand categories of a data
# migration): a target holding these and nothing else is still empty.
MIGRATE_SEEDED = frozenset({"django_migrations", "django_content_type", "auth_permission", "demands_category"})
BLOCK = 1024 * 1024
ACTOR = SystemActor("backup", "备份恢复")  # who the audit trail names for a backup or a restore


class BackupError(Exception):
    """A backup or restore refused or failed, with its reason in Chinese (nothing was written to the target
    unless the message says so)."""


@dataclasses.dataclass(frozen=True)
class RestoreReport:
    """What a restore wrote and how it compares with the manifest (no differences: identical)."""

    tables: int
    rows: int
    files: int
    differences: list[str]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _copy(source: Path, target: Path) -> tuple[int, str]:
    """Copy one file (never over an existing one), fsynced; its size and SHA-256 as read."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with source.open("rb") as reader, target.open("xb") as writer:
        while block := reader.read(BLOCK):
            digest.update(block)
            writer.write(block)
            size += len(block)
        writer.flush()
        os.fsync(writer.fileno())
    shutil.copystat(source, target)
    return size, digest.hexdigest()


def file_roots() -> dict[str, Path]:
    """Where files live: the folder of every FileField's file-system storage and MEDIA_ROOT, by their path
    under VAR_DIR ("attachments", "media")."""
    var_dir = Path(settings.VAR_DIR).resolve()
    folders = {Path(settings.MEDIA_ROOT)}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                make = getattr(field, "_storage_callable", None)  # the declared storage, not a test's stand-in
                storage = make() if make is not None else field.storage
                if isinstance(storage, FileSystemStorage):
                    folders.add(Path(storage.location))
    roots: dict[str, Path] = {}
    for folder in (folder.resolve() for folder in folders):
        if not folder.is_relative_to(var_dir) or folder == var_dir:
            raise BackupError(
                _("文件目录 %(folder)s 不在数据目录 %(var)s 之下，无法备份。") % {"folder": folder, "var": var_dir}
            )
        roots[folder.relative_to(var_dir).as_posix()] = folder
    return roots


def _files_in(root: Path) -> list[Path]:
    if not root.exists():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file() and not path.is_symlink())


def _prepare(directory: Path) -> None:
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BackupError(_("备份目录 %(dir)s 已存在且不是空目录：请指定一个新的或空的目录。") % {"dir": directory})
    directory.mkdir(parents=True, exist_ok=True)


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """The libpq environment naming the database of `settings_dict` (the password never on a command line)."""
    env = dict(os.environ)
    names = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD", "NAME": "PGDATABASE"}
    for key, variable in names.items():
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    options = settings_dict.get("OPTIONS", {})
    for key in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
        if options.get(key):
            env[f"PG{key.upper()}"] = str(options[key])
    return env


def _run(program: str, arguments: list[str], env: dict[str, str]) -> None:
    binary = shutil.which(program)
    if binary is None:
        raise BackupError(
            _("找不到 %(program)s：请安装与数据库服务器同一主版本的 PostgreSQL 客户端。") % {"program": program}
        )
    done = subprocess.run([binary, *arguments], env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(_("%(program)s 失败：%(error)s") % {"program": program, "error": done.stderr.strip()})


def _dump_postgresql(using: str, target: Path) -> dict[str, TableStat]:
    """pg_dump of an exported repeatable-read snapshot, and the table statistics read in that same snapshot."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        arguments = ["--format=custom", f"--file={target}", f"--snapshot={snapshot}", "--no-password"]
        _run("pg_dump", arguments, _pg_env(connection.settings_dict))
        return table_stats(using=using)


def _sqlite_uri(path: Path) -> str:
    return f"{path.resolve().as_uri()}?mode=ro&immutable=1"


def _dump_sqlite(using: str, target: Path) -> dict[str, TableStat]:
    """SQLite's online backup of the live database into `target` (rollback journal, so the file stands alone),
    and the table statistics read from that copy."""
    connection = connections[using]
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
    with scratch_alias(f"backup_{os.getpid()}", NAME=_sqlite_uri(target), OPTIONS={}) as alias:
        return table_stats(using=alias)


def _dump(using: str, directory: Path) -> tuple[dict[str, Any], dict[str, TableStat]]:
    connection = connections[using]
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(_("不支持备份 %(vendor)s 数据库。") % {"vendor": connection.vendor})
    if connection.in_atomic_block:
        raise BackupError(_("备份须在数据库事务之外运行。"))
    target = directory / DATABASE_FILES[connection.vendor]
    dump = _dump_postgresql if connection.vendor == "postgresql" else _dump_sqlite
    stats = dump(using, target)
    about = {"vendor": connection.vendor, "file": target.name, "size": target.stat().st_size}
    return about | {"sha256": sha256_of(target)}, stats


def _copy_roots(roots: dict[str, Path], directory: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for label, root in sorted(roots.items()):
        for path in _files_in(root):
            relative = path.relative_to(root).as_posix()
            size, digest = _copy(path, directory / FILES / label / relative)
            entries.append({"root": label, "path": relative, "size": size, "sha256": digest})
    return entries


def _checksum(manifest: dict[str, Any]) -> str:
    body = {key: value for key, value in manifest.items() if key != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def backup(*, directory: Path, using: str = "default", roots: dict[str, Path] | None = None) -> dict[str, Any]:
    """Write a backup of the database `using` and the files under `roots` (default `file_roots()`) into
    `directory`, which must be empty or absent; returns the manifest. Raises BackupError with the reason."""
    roots = file_roots() if roots is None else roots
    _prepare(directory)
    database, stats = _dump(using, directory)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": clock.now().isoformat(),
        "database": database,
        "tables": {table: stat.as_json() for table, stat in stats.items()},
        "files": _copy_roots(roots, directory),
    }
    manifest["checksum"] = _checksum(manifest)
    partial = directory / f".{MANIFEST}.partial"
    with partial.open("w", encoding="utf-8") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    partial.rename(directory / MANIFEST)  # last, and whole: a folder without a manifest is no backup
    return manifest


def _garbled(reason: str) -> BackupError:
    return BackupError(_("备份清单 manifest.json 无效：%(reason)s") % {"reason": reason})


def _valid_relative(path: Any) -> bool:
    if not isinstance(path, str) or not path:
        return False
    pure = PurePosixPath(path)
    return not pure.is_absolute() and ".." not in pure.parts and "\\" not in path


def _check_shape(manifest: Any) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _garbled(_("不是 ChainDesk 的备份清单"))
    if manifest.get("version") != VERSION:
        raise _garbled(_("格式版本 %(version)s 不受支持") % {"version": manifest.get("version")})
    if manifest.get("checksum") != _checksum(manifest):
        raise _garbled(_("清单的校验值不符，清单已被改动或损坏"))
    database, tables, files = manifest.get("database"), manifest.get("tables"), manifest.get("files")
    if (
        not isinstance(database, dict)
        or DATABASE_FILES.get(database.get("vendor", "")) != database.get("file")
        or not isinstance(database.get("sha256"), str)
    ):
        raise _garbled(_("数据库部分不完整"))
    if not isinstance(tables, dict) or not all(
        isinstance(t, dict) and {"rows", "sha256"} <= t.keys() for t in tables.values()
    ):
        raise _garbled(_("数据表部分不完整"))
    if not isinstance(files, list) or not all(
        isinstance(f, dict)
        and {"size", "sha256"} <= f.keys()
        and _valid_relative(f.get("root"))
        and _valid_relative(f.get("path"))
        for f in files
    ):
        raise _garbled(_("文件部分不完整，或有文件路径越出目录"))


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest of the backup in `directory`, checked (shape, version, its own checksum)."""
    path = directory / MANIFEST
    if not path.is_file():
        raise BackupError(_("%(dir)s 中没有备份清单 manifest.json：这不是一份完整的备份。") % {"dir": directory})
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _garbled(_("无法解析（%(error)s）") % {"error": exc}) from exc
    _check_shape(manifest)
    return manifest


def _verify_backup(directory: Path, manifest: dict[str, Any], roots: dict[str, Path]) -> None:
    """The database file and every file hash to what the manifest says, before anything is written."""
    database = manifest["database"]
    dump = directory / database["file"]
    if not dump.is_file() or sha256_of(dump) != database["sha256"]:
        raise BackupError(_("数据库备份文件 %(file)s 缺失或与清单的校验值不符。") % {"file": database["file"]})
    for entry in manifest["files"]:
        if entry["root"] not in roots:
            raise BackupError(_("备份中的文件目录 %(root)s 在本系统中不存在。") % {"root": entry["root"]})
        path = directory / FILES / entry["root"] / entry["path"]
        if not path.is_file() or sha256_of(path) != entry["sha256"]:
            raise BackupError(
                _("备份文件 %(path)s 缺失或与清单的校验值不符。") % {"path": f"{entry['root']}/{entry['path']}"}
            )


def _require_empty(using: str, roots: dict[str, Path]) -> None:
    busy = non_empty_tables(using=using, ignore=MIGRATE_SEEDED)
    if busy:
        raise BackupError(
            _("目标数据库不是空的（%(tables)s 等 %(count)s 张表中有数据）：恢复只写入空库，请换一个新建的空库。")
            % {"tables": "、".join(busy[:5]), "count": len(busy)}
        )
    for label, root in sorted(roots.items()):
        if _files_in(root):
            raise BackupError(
                _("文件目录 %(root)s（%(path)s）中已有文件：恢复只写入空目录。") % {"root": label, "path": root}
            )


def _restore_database(directory: Path, manifest: dict[str, Any], using: str) -> None:
    connection = connections[using]
    dump = directory / manifest["database"]["file"]
    if connection.vendor == "postgresql":
        connection.close()  # pg_restore drops what a bare migrate made: no session of ours may hold a lock
        options = ["--no-owner", "--no-privileges", "--clean", "--if-exists", "--single-transaction", "--exit-on-error"]
        _run(
            "pg_restore",
            [*options, "--no-password", f"--dbname={connection.settings_dict['NAME']}", str(dump)],
            _pg_env(connection.settings_dict),
        )
        return
    connection.ensure_connection()
    source = sqlite3.connect(_sqlite_uri(dump), uri=True)
    try:
        source.backup(connection.connection)
    finally:
        source.close()
    connection.close()  # the next use reconnects and sets the connection up afresh (WAL, foreign keys)


def _restore_files(directory: Path, manifest: dict[str, Any], roots: dict[str, Path]) -> list[str]:
    problems: list[str] = []
    for entry in manifest["files"]:
        name = f"{entry['root']}/{entry['path']}"
        size, digest = _copy(directory / FILES / entry["root"] / entry["path"], roots[entry["root"]] / entry["path"])
        if (size, digest) != (entry["size"], entry["sha256"]):
            problems.append(_("文件 %(name)s：写入后的校验值与清单不符") % {"name": name})
    return problems


def compare_files(manifest: dict[str, Any], roots: dict[str, Path]) -> list[str]:
    """Every file under `roots` against the manifest's list: missing, extra or different files."""
    expected = {(e["root"], e["path"]): e["sha256"] for e in manifest["files"]}
    actual = {
        (label, path.relative_to(root).as_posix()): sha256_of(path)
        for label, root in roots.items()
        for path in _files_in(root)
    }
    lines = [
        _("文件 %(name)s：恢复后缺失") % {"name": "/".join(key)} for key in sorted(expected.keys() - actual.keys())
    ]
    lines += [
        _("文件 %(name)s：备份中没有") % {"name": "/".join(key)} for key in sorted(actual.keys() - expected.keys())
    ]
    lines += [
        _("文件 %(name)s：内容不同") % {"name": "/".join(key)}
        for key in sorted(expected.keys() & actual.keys())
        if expected[key] != actual[key]
    ]
    return lines


def restore(*, directory: Path, using: str = "default", roots: dict[str, Path] | None = None) -> RestoreReport:
    """Restore the backup in `directory` into the empty database `using` and the empty `roots` (default
    `file_roots()`), then compare every table and file with the manifest. Refusals raise BackupError before
    anything is written; the report lists any difference found after writing."""
    roots = file_roots() if roots is None else roots
    manifest = read_manifest(directory)
    vendor = connections[using].vendor
    if manifest["database"]["vendor"] != vendor:
        raise BackupError(
            _("这是 %(source)s 数据库的备份，目标是 %(target)s：不能跨数据库恢复。")
            % {"source": manifest["database"]["vendor"], "target": vendor}
        )
    _verify_backup(directory, manifest, roots)
    _require_empty(using, roots)
    _restore_database(directory, manifest, using)
    problems = _restore_files(directory, manifest, roots)
    expected = {table: TableStat(rows=t["rows"], sha256=t["sha256"]) for table, t in manifest["tables"].items()}
    problems += differences(expected, table_stats(using=using)) + compare_files(manifest, roots)
    rows = sum(stat.rows for stat in expected.values())
    return RestoreReport(tables=len(expected), rows=rows, files=len(manifest["files"]), differences=problems)
