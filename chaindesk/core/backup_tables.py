"""Every table's row count and content checksum, the same way on SQLite and PostgreSQL: what a backup's manifest
records and what a restore (and the drill) compares.

A table's checksum is the SHA-256 of its rows in primary-key order, one line per row: the row's column values as
they come back through the ORM (`values_list` of the table's own concrete columns), rendered as compact JSON
(datetimes in UTC ISO 8601, decimals as their text, JSON values with sorted keys, binary as hex). Tables Django
has no model for (none today besides `django_migrations`, read through the migration recorder's model) are read
with plain SQL ordered by every column. Two databases of one vendor holding the same rows give the same
checksums; nothing here promises equality across vendors, and a restore never crosses them.

`scratch_alias` registers a further connection for a while (a backup file to read, a database to restore into),
copied from the default one with the settings given."""

import contextlib
import dataclasses
import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from django.apps import apps
from django.db import connections, models
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend

CHUNK = 2000


@dataclasses.dataclass(frozen=True)
class TableStat:
    """One table's row count and the SHA-256 of its rows."""

    rows: int
    sha256: str

    def as_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "sha256": self.sha256}


def _render(value: Any) -> Any:
    """A value JSON cannot write by itself, as text that is the same whichever database it came from."""
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return f"{value.total_seconds()!r}s"
    if isinstance(value, bytes | memoryview | bytearray):
        return bytes(value).hex()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return str(value)


def row_text(values: Iterable[Any]) -> str:
    """One row as one line of compact JSON (the unit the checksum hashes)."""
    return json.dumps(list(values), default=_render, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _models_by_table() -> dict[str, type[models.Model]]:
    """Every concrete model of every installed app, the auto-created many-to-many tables and the migration
    recorder's table, by table name."""
    found: dict[str, type[models.Model]] = {MigrationRecorder.Migration._meta.db_table: MigrationRecorder.Migration}
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.proxy and model._meta.managed:
            found.setdefault(model._meta.db_table, model)
    return found


def _model_rows(model: type[models.Model], using: str) -> Iterator[tuple[Any, ...]]:
    columns = [field.attname for field in model._meta.local_concrete_fields]
    queryset = model._base_manager.using(using).order_by("pk").values_list(*columns)
    return queryset.iterator(chunk_size=CHUNK)


def _raw_rows(table: str, using: str) -> Iterator[tuple[Any, ...]]:
    """A table no model describes, ordered by every column (no primary key is assumed)."""
    connection = connections[using]
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
        order = ", ".join(connection.ops.quote_name(column) for column in columns)
        cursor.execute(f"SELECT * FROM {quoted} ORDER BY {order}")  # noqa: S608 - names from introspection
        while batch := cursor.fetchmany(CHUNK):
            yield from batch


def table_names(*, using: str = "default") -> list[str]:
    """The database's tables (no views, no SQLite internals), sorted."""
    connection = connections[using]
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
    return sorted(name for name in names if not name.startswith("sqlite_"))


def table_stat(table: str, *, using: str = "default") -> TableStat:
    """The row count and checksum of one table."""
    model = _models_by_table().get(table)
    rows = _model_rows(model, using) if model is not None else _raw_rows(table, using)
    digest = hashlib.sha256()
    count = 0
    for row in rows:
        digest.update(row_text(row).encode())
        digest.update(b"\n")
        count += 1
    return TableStat(rows=count, sha256=digest.hexdigest())


def table_stats(*, using: str = "default") -> dict[str, TableStat]:
    """Every table's row count and checksum, by table name."""
    return {table: table_stat(table, using=using) for table in table_names(using=using)}


def differences(expected: dict[str, TableStat], actual: dict[str, TableStat]) -> list[str]:
    """What differs between two sets of table statistics, one Chinese line per table (empty: identical)."""
    lines: list[str] = []
    for table in sorted(expected.keys() | actual.keys()):
        want, got = expected.get(table), actual.get(table)
        if got is None:
            lines.append(f"表 {table}：目标库中没有这张表")
        elif want is None:
            lines.append(f"表 {table}：备份中没有这张表")
        elif want.rows != got.rows:
            lines.append(f"表 {table}：行数 {got.rows}，备份为 {want.rows}")
        elif want.sha256 != got.sha256:
            lines.append(f"表 {table}：行数相同（{got.rows}），内容校验值不同")
    return lines


def non_empty_tables(*, using: str = "default", ignore: Iterable[str] = ()) -> list[str]:
    """The tables holding at least one row, except those named in `ignore`."""
    connection = connections[using]
    skip = set(ignore)
    found: list[str] = []
    with connection.cursor() as cursor:
        for table in table_names(using=using):
            if table in skip:
                continue
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608
            if cursor.fetchone() is not None:
                found.append(table)
    return found


@contextlib.contextmanager
def scratch_alias(alias: str, **overrides: Any) -> Iterator[str]:
    """A further database connection named `alias`, with the default connection's settings and `overrides`
    (NAME, OPTIONS …), for as long as the block runs, in this thread; closed and forgotten afterwards. It is
    not added to settings.DATABASES: nothing else (migrations' routing, the test runner) needs to know of it."""
    local = connections._connections  # type: ignore[attr-defined]  # the handler's thread-local connections
    if alias in connections.settings or hasattr(local, alias):
        raise ValueError(f"the database alias {alias!r} is taken")
    settings_dict = {**connections["default"].settings_dict, **overrides}
    settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "NAME": settings_dict["NAME"]}
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    setattr(local, alias, wrapper)
    try:
        yield alias
    finally:
        wrapper.close()
        delattr(local, alias)
