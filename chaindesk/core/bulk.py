"""Set-based writes for batches (an import of a city's ledger): many records created and changed in one
transaction, each with its audit line, at the speed of the database rather than of the ORM's per-object insert.

- `insert` puts rows of plain values in with one multi-row ``INSERT … RETURNING`` per chunk (the statement is
  built once per chunk size; values that need the database's form, such as dates, decimals and JSON, are
  converted per column), and returns the new primary keys in the rows' order, as `bulk_create` does.
- `Trail` collects a batch's audit lines as rows (who, the request id naming the batch, the message, one
  timestamp) and writes them with `insert`: a line per record, as `audit.record` would write one at a time.
- `Writes` is the shape every batch writer repeats: records to create (validated by the caller), records whose
  fields change (their audit snapshot taken before the change), then `save()`: created, changed, audited.

No signals are sent and `save()` is not called, as with `bulk_create`; the services that use this module do
their validation and rights checks before calling it.
"""

import functools
import gc
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models import Lookup, QuerySet, signals
from django.db.models.base import ModelState

from . import audit, clock, context, listeners
from .actors import SystemActor
from .models import AuditAction, AuditLog

M = TypeVar("M", bound=models.Model)
CHUNK = 900  # ids per IN (…) list: SQLite's default limit on variables was 999 before 3.32
ROWS_PER_INSERT = 1000
COPY_ROWS = 10_000
TRAIL_ROWS = 10_000  # audit lines held before they are written
# Field types whose Python value the driver cannot take as it is: converted per value by the field itself.
_PREPARED = (
    models.DateField,  # DateTimeField too (a subclass)
    models.TimeField,
    models.DecimalField,
    models.JSONField,
    models.UUIDField,
    models.GenericIPAddressField,
    models.DurationField,
)


_IMMUTABLE = (models.DateField, models.TimeField, models.DecimalField, models.UUIDField, models.DurationField)


def _converter(field: Any, db: Any) -> Any:
    """How `insert` puts a value of `field` in the database's form: None when the driver takes it as it is. The
    conversion of an immutable value (a date, a time, a decimal) is kept for the value it last converted: a batch's
    rows often repeat one (every audit line of a batch carries one timestamp, converted once instead of 300,000
    times)."""
    if not isinstance(field, _PREPARED):
        return None
    if isinstance(field, models.JSONField):  # the text Django would send (its json.dumps), without the driver's
        return functools.partial(json.dumps, cls=field.encoder)  # wrapper per value (300,000 audit lines a batch)
    if not isinstance(field, _IMMUTABLE):
        return lambda value: field.get_db_prep_save(value, db)
    last: list[Any] = [object(), None]

    def convert(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, field.get_db_prep_save(value, db)
        return last[1]

    return convert


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@models.ForeignObject.register_lookup  # a foreign key's lookups are its own
@models.Field.register_lookup
class AnyOf(Lookup):
    """`field__any_of=[…]`: PostgreSQL's ``= ANY(%s)`` with the whole list as one array parameter (an IN list
    binds, and Django prepares, every value on its own)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def among(queryset: QuerySet[Any], field: str, values: Sequence[Any]) -> Iterator[QuerySet[Any]]:
    """`queryset` filtered to `field` in `values`, as few querysets as the database allows: one on PostgreSQL
    (`any_of`), CHUNK values each on SQLite. Iterate each: together they hold every match once."""
    if not values:
        return
    if connection.vendor == "postgresql":
        yield queryset.filter(**{f"{field}__any_of": list(values)})
        return
    for part in chunks(values):
        yield queryset.filter(**{f"{field}__in": part})


class Maker(Generic[M]):
    """Unsaved instances of `model` for a batch: `maker(name=…, enterprise_id=…)` is `model(name=…, …)` taking
    attribute names only, built by copying a template made once (Django's `__init__` walks every field and sends
    two signals: a tenth of an import's commit for 300 000 records). Models whose fields have callable defaults,
    or with init signal receivers, are built by their own `__init__`."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        fields = model._meta.concrete_fields
        self._attnames = frozenset(field.attname for field in fields)
        plain = not any(callable(field.default) and field.has_default() for field in fields) and not (
            signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)
        )
        template = model()
        self._defaults: dict[str, Any] | None = None
        if plain:
            self._defaults = {key: value for key, value in template.__dict__.items() if key != "_state"}

    def __call__(self, **values: Any) -> M:
        unknown = values.keys() - self._attnames
        if unknown:
            raise TypeError(f"{self.model.__name__}: not a field's attribute name: {sorted(unknown)}")
        if self._defaults is None:
            return self.model(**values)
        obj = self.model.__new__(self.model)
        state = obj.__dict__
        state.update(self._defaults)
        state.update(values)
        state["_state"] = ModelState()
        return obj


def _max_params() -> int:
    if connection.vendor == "sqlite":
        import sqlite3

        connection.ensure_connection()
        return int(connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return 65535  # PostgreSQL's wire protocol


def _stamped(field: Any) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def insert(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    ignore_conflicts: bool = False,
    returning: bool = True,
) -> list[int]:
    """Insert `rows` (tuples of values in the order of `fields`, foreign keys by id) and return the new primary
    keys in order. Fields left out take their default as a new instance would (computed once for the call; now
    for an auto_now(_add) field). With
    `ignore_conflicts`, a row that would break a unique constraint is skipped and no keys are returned (a
    many-to-many link already there). With `returning=False` no keys are returned either: the database numbers the
    rows itself (audit lines, links: on PostgreSQL a tenth of a batch's time went to taking keys it never used)."""
    meta = model._meta
    given = [meta.get_field(name) for name in fields]
    attnames = {field.attname for field in given}  # type: ignore[union-attr]
    defaults = [f for f in meta.concrete_fields if f.attname not in attnames and not f.primary_key]
    columns: list[str] = [field.column for field in (*given, *defaults)]  # type: ignore[union-attr,misc]
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself: `connection` looks it up on every use
    prepare = [_converter(field, db) for field in given]
    now = clock.now()
    tail = tuple(field.get_db_prep_save(now if _stamped(field) else field.get_default(), db) for field in defaults)
    converters = [(index, convert) for index, convert in enumerate(prepare) if convert is not None]

    def prepared() -> Iterator[list[Any]]:
        for row in rows:
            values = list(row)
            for index, convert in converters:
                if values[index] is not None:
                    values[index] = convert(values[index])
            values.extend(tail)
            yield values

    pk_column = str(meta.pk.column)  # type: ignore[union-attr]
    if connection.vendor == "postgresql" and not ignore_conflicts:
        return _copy(meta.db_table, pk_column if returning else None, columns, prepared())
    return _insert_statements(
        meta.db_table, pk_column, columns, prepared(), ignore_conflicts=ignore_conflicts, returning=returning
    )


def _insert_statements(
    table: str,
    pk_column: str,
    columns: Sequence[str],
    rows: Iterable[list[Any]],
    *,
    ignore_conflicts: bool,
    returning: bool = True,
) -> list[int]:
    """Multi-row INSERT statements, each RETURNING the new keys when asked (or skipping conflicting rows)."""
    quote = connection.ops.quote_name
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    # Identifiers from the model's own metadata, quoted; every value goes as a parameter.
    head = f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) VALUES "  # noqa: S608
    keys = returning and not ignore_conflicts
    tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else (f" RETURNING {quote(pk_column)}" if keys else "")
    per_statement = max(1, min(ROWS_PER_INSERT, _max_params() // max(1, len(columns))))
    statements: dict[int, str] = {}
    ids: list[int] = []
    pending: list[Any] = []
    count = 0

    def flush() -> None:
        nonlocal pending, count
        if not count:
            return
        sql = statements.get(count)
        if sql is None:
            sql = statements[count] = head + ", ".join([one] * count) + tail
        with connection.cursor() as cursor:
            cursor.execute(sql, pending)
            if keys:
                ids.extend(row[0] for row in cursor.fetchall())
        pending, count = [], 0

    for values in rows:
        pending.extend(values)
        count += 1
        if count == per_statement:
            flush()
    flush()
    return ids


def _copy(table: str, pk_column: str | None, columns: Sequence[str], rows: Iterable[list[Any]]) -> list[int]:
    """PostgreSQL: the keys taken from the table's sequence first (unless `pk_column` is None: the table numbers
    the rows and no keys are returned), then the rows sent with COPY (psycopg's binary-backed row writer), a chunk
    at a time."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in ((pk_column, *columns) if pk_column else columns))
    sql = f"COPY {quote(table)} ({names}) FROM STDIN"
    ids: list[int] = []
    chunk: list[list[Any]] = []

    def flush() -> None:
        if not chunk:
            return
        with connection.cursor() as cursor:
            out: Iterable[Sequence[Any]] = chunk
            if pk_column is not None:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [quote(table), pk_column, len(chunk)],
                )
                keys = [row[0] for row in cursor.fetchall()]
                ids.extend(keys)
                out = ((key, *values) for key, values in zip(keys, chunk, strict=True))
            with cursor.cursor.copy(sql) as copy:
                for row in out:
                    copy.write_row(row)
        chunk.clear()

    for values in rows:
        chunk.append(values)
        if len(chunk) == COPY_ROWS:
            flush()
    flush()
    return ids


def update(model: type[models.Model], fields: Sequence[str], objs: Sequence[models.Model]) -> int:
    """Write `fields` of the registered records `objs` (as `bulk_update` does: no signals, no `save()`), and
    return how many. PostgreSQL: one ``UPDATE … FROM (VALUES …)`` per chunk, each value cast to its column's type;
    SQLite: the same UPDATE for each record, prepared once (in-process, a statement costs microseconds). Django's
    `bulk_update` builds a CASE per field over every record of its batch instead: about 0.1 ms per field and
    record in Python (0.9 s for 400 records of 25 fields), and PostgreSQL then scans each CASE for every row."""
    if not objs or not fields:
        return 0
    meta = model._meta
    given: list[Any] = [meta.get_field(name) for name in fields]  # concrete fields (a foreign key by its id)
    db = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    table, key = quote(meta.db_table), meta.pk

    def values(obj: models.Model) -> list[Any]:
        return [*(f.get_db_prep_save(getattr(obj, f.attname), db) for f in given), obj.pk]

    if connection.vendor != "postgresql":
        sets = ", ".join(f"{quote(f.column)} = %s" for f in given)
        with connection.cursor() as cursor:
            # Identifiers from the model's own metadata, quoted; every value goes as a parameter.
            sql = f"UPDATE {table} SET {sets} WHERE {quote(str(key.column))} = %s"  # type: ignore[union-attr]  # noqa: S608
            cursor.executemany(sql, [values(obj) for obj in objs])
        return len(objs)
    sets = ", ".join(f"{quote(f.column)} = v.c{index}::{f.cast_db_type(db)}" for index, f in enumerate(given))
    names = ", ".join(f"c{index}" for index in range(len(given)))
    one = "(" + ", ".join(["%s"] * (len(given) + 1)) + ")"
    match = f"{table}.{quote(str(key.column))} = v.pk::{key.cast_db_type(db)}"  # type: ignore[union-attr]
    for part in chunks(objs, max(1, min(ROWS_PER_INSERT, _max_params() // (len(given) + 1)))):
        # Identifiers from the model's own metadata, quoted; every value goes as a parameter.
        sql = f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([one] * len(part))}) AS v({names}, pk) WHERE {match}"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [value for obj in part for value in values(obj)])
    return len(objs)


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while a batch runs, and run once after (a context manager, or a decorator of
    a batch task's whole body). A batch keeps hundreds of thousands of objects alive (a ledger's rows, their records
    and audit lines) and allocates millions more; every so many allocations the collector walks the survivors
    again, a fifth of an import's time for no garbage: the records and rows a batch drops are freed by reference
    counting as it goes. Process-wide, for the batch's duration."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
            gc.collect()


def replan() -> None:
    """PostgreSQL: plan every statement of this connection afresh, the foreign-key checks a batch deferred to its
    commit included. A connection keeps the plan of each check it ran; one made while a table held a few rows scans
    the whole table, and a batch that has since written tens of thousands would have it scan the table once for each
    of its rows (a first large import after a small one: 20,000 enterprises committed in 68 s instead of 15 s). Call
    it at the end of a large batch's transaction, before it commits."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DISCARD PLANS")


_AUDIT_FIELDS = (
    "created_at",
    "actor",
    "actor_name",
    "ip",
    "request_id",
    "action",
    "content_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "message",
)


class Trail:
    """The audit lines of one batch write: each as `audit.line` would make it (the actor, the batch's `tag` as
    the request id, the current client address, `message`), kept as rows and written in order, every
    TRAIL_ROWS lines and by `write()` (call it last, and before another writer's lines must follow these)."""

    def __init__(self, actor: Any, *, tag: str, message: str = "") -> None:
        user = actor if getattr(actor, "is_authenticated", False) else None
        name = str(actor) if isinstance(actor, SystemActor) else (user.get_username() if user else "")
        ctx = context.current()
        self._head = (user.pk if user else None, name, ctx.ip, tag or ctx.request_id)
        self._message = message
        self._types: dict[type[models.Model], int] = {}
        self.rows: list[tuple[Any, ...]] = []
        self.written = 0

    def _type(self, obj: models.Model) -> int:
        model = type(obj)
        found = self._types.get(model)
        if found is None:
            found = self._types[model] = ContentType.objects.get_for_model(obj).pk
        return found

    def add(
        self,
        action: str,
        obj: models.Model,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        self.rows.append(
            (
                *self._head,
                str(action),
                self._type(obj),
                str(obj.pk),
                str(obj)[:255],
                before,
                after,
                self._message,
            )
        )
        listeners.heard(type(obj), obj.pk, obj, before, after, str(action))
        if len(self.rows) >= TRAIL_ROWS:  # written as it goes: a batch's lines never all sit in memory
            self.write()

    def created(self, obj: models.Model, after: dict[str, Any] | None = None) -> None:
        self.add(AuditAction.CREATE, obj, after=audit.snapshot(obj) if after is None else after)

    def updated(self, obj: models.Model, before: dict[str, Any], after: dict[str, Any]) -> None:
        self.add(AuditAction.UPDATE, obj, before=before, after=after)

    def write(self) -> int:
        """Insert the lines collected so far (one timestamp for all), then forget them."""
        now = clock.now()
        insert(AuditLog, _AUDIT_FIELDS, ((now, *row) for row in self.rows), returning=False)
        written, self.rows = len(self.rows), []
        self.written += written
        return written


class Writes:
    """Records of one model to create and to change in a batch, each audited on `trail`.

    `new(obj)` takes an unsaved, validated instance; `changing(obj)` is called before the caller sets fields on
    a registered record and `changed(obj)` after: the fields that differ are written and audited (before,
    after), a record whose fields did not change is left alone. `save()` writes the lot and returns how many
    records it created and changed."""

    def __init__(self, model: type[models.Model], trail: Trail) -> None:
        self.model = model
        self.trail = trail
        self.created: list[models.Model] = []
        self._changed: list[models.Model] = []
        self._fields: set[str] = set()
        self._before: dict[int, dict[str, Any]] = {}
        self._extra: dict[int, dict[str, Any]] = {}

    def new(self, obj: models.Model, extra: dict[str, Any] | None = None) -> None:
        """`extra`: more for its audit line's `after` than its own fields (its many-to-many links)."""
        self.created.append(obj)
        if extra:
            self._extra[id(obj)] = extra

    def changing(self, obj: models.Model) -> None:
        self._before[id(obj)] = audit.snapshot(obj)

    def changed(self, obj: models.Model) -> bool:
        before, after = audit.diff(self._before.pop(id(obj)), audit.snapshot(obj))
        if not after:
            return False
        self._changed.append(obj)
        self._fields.update(after)  # snapshot keys are field names
        self.trail.updated(obj, before, after)
        return True

    def save(self) -> int:
        fields = [field for field in self.model._meta.concrete_fields if not field.primary_key]
        names = [field.name for field in fields]
        attnames = [field.attname for field in fields]
        stamped = [f.attname for f in fields if _stamped(f)]
        if stamped:
            now = clock.now()
            for obj in self.created:
                for attname in stamped:
                    setattr(obj, attname, now)
        ids = insert(self.model, names, ([getattr(obj, a) for a in attnames] for obj in self.created))
        for obj, pk in zip(self.created, ids, strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias
            self.trail.created(obj, audit.snapshot(obj) | self._extra.get(id(obj), {}))
        if self._changed:
            update(self.model, sorted(self._fields), self._changed)
        return len(self.created) + len(self._changed)
