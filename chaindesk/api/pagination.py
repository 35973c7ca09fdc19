"""The API's list pagination: keyset (cursor) pages, one mechanism for every list.

A page is `limit` rows (1–200, bounded in the schema: 422 beyond) of the list in the order its selector gives,
with the total `count` (one COUNT) and `next`, the opaque cursor of the following page (null on the last page).
The cursor names the page's last row by the values of the list's ordering, never by a position: the next page
is the rows strictly after those values, so a row added or removed meanwhile neither repeats nor hides another.

How the ordering becomes a keyset (`Keyset`):

- The queryset's ordering (`order_by`, else the model's Meta.ordering) is read key by key: field names, related
  fields (`owner__name`), annotations and expressions (`F("x").asc(nulls_last=True)`, any OrderBy). `pk` ends it
  as the tie-breaker when it is absent (keys after `pk` are dropped: they never decide).
- Each key is annotated (`_cursor_<n>`) and the page is ordered by those annotations with the same directions and
  the NULLs where the list put them: where the OrderBy says, else where the database puts them (last ascending
  on PostgreSQL, first on SQLite: `nulls_order_largest`), now written out, so the WHERE can follow it.
- Ordering (a, -b, pk) after (va, vb, vpk) reads (a > va) OR (a = va AND b < vb) OR (a = va AND b = vb AND
  pk > vpk), each comparison also taking the NULLs that come after a value (or, after a NULL, the values that
  come after NULLs). A filter on an aggregate lands in HAVING, as Django puts it.
- Shapes the keyset cannot follow raise `UnsupportedOrdering` (a programming error, caught by the tests walking
  every list): random order, raw SQL ordering (`extra`), a sliced or combined queryset, DISTINCT ON, ordering
  by a multi-valued relation or by a relation that the related model's Meta.ordering orders.

The cursor is signed (django.core.signing, the SECRET_KEY) and carries a fingerprint of the ordering; its values
go out through DjangoJSONEncoder (times kept to the microsecond) and come back through each key's field
(`to_python`), so dates, times and decimals compare exactly. A cursor that is forged, damaged or from another
ordering answers 422 problem+json on `cursor`. It is signed, not encrypted: it holds the ordering values of a
row the reader was just shown.
"""

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.core import signing
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections
from django.db.models import F, Model, Q, QuerySet
from django.db.models import Field as ModelField
from django.db.models.expressions import Col, OrderBy
from django.db.models.sql.constants import LOUTER
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import ValidationError
from ninja.pagination import PaginationBase

from chaindesk.core.listing import exact_count_limit, planner_rows

MAX_LIMIT = 200
DEFAULT_LIMIT = 100
SALT = "chaindesk.api.cursor"
ESTIMATED = "为 true 时 count 是数据库按统计信息估算的近似值（记录过多时不逐条计数）"
ALIAS = "_cursor_{}"


class UnsupportedOrdering(ValueError):
    """The queryset's ordering is one the keyset cannot follow (see the module docstring)."""


class _Encoder(DjangoJSONEncoder):
    """DjangoJSONEncoder, except that datetimes and times keep their microseconds: a cursor must name its row's
    value exactly, or the rows within the same millisecond would repeat or vanish."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


class _Serializer(signing.JSONSerializer):
    """django.core.signing's serializer, through `_Encoder`."""

    def dumps(self, obj: Any) -> bytes:
        return json.dumps(obj, separators=(",", ":"), cls=_Encoder).encode("latin-1")


def _dump(position: str, values: Any) -> str:
    """The signed cursor: the list's `position` marker (the ordering's fingerprint) and the row's values."""
    return signing.dumps({"o": position, "v": values}, salt=SALT, serializer=_Serializer, compress=True)


def _load(cursor: str) -> dict[str, Any]:
    try:
        payload = signing.loads(cursor, salt=SALT, serializer=_Serializer)
    except signing.BadSignature as error:
        raise _bad_cursor() from error
    if not isinstance(payload, dict) or not isinstance(payload.get("o"), str):
        raise _bad_cursor()
    return payload


def invalid_cursor(detail: str) -> ValidationError:
    """422 problem+json with the error on the `cursor` query parameter (chaindesk/api/errors.py)."""
    return ValidationError([{"loc": ("query", "cursor"), "type": "cursor_invalid", "msg": detail}])


def _bad_cursor() -> ValidationError:
    return invalid_cursor(_("分页游标无效（可能被改动或已损坏），请去掉 cursor 从第一页重新开始。"))


@dataclass(frozen=True)
class Key:
    """One key of the keyset: its annotation, direction and where its NULLs fall (`nullable` False: never NULL)."""

    alias: str
    descending: bool
    nulls_last: bool
    nullable: bool
    field: ModelField  # the key's output field: how a cursor value is read back

    def order(self) -> OrderBy:
        nulls = ({"nulls_last": True} if self.nulls_last else {"nulls_first": True}) if self.nullable else {}
        return OrderBy(F(self.alias), descending=self.descending, **nulls)

    def equal(self, value: Any) -> Q:
        return Q(**{f"{self.alias}__isnull": True}) if value is None else Q(**{self.alias: value})

    def after(self, value: Any) -> Q | None:
        """The rows strictly after `value` on this key alone; None when none can be."""
        if value is None:
            return None if self.nulls_last else Q(**{f"{self.alias}__isnull": False})
        beyond = Q(**{f"{self.alias}__{'lt' if self.descending else 'gt'}": value})
        return beyond | Q(**{f"{self.alias}__isnull": True}) if self.nullable and self.nulls_last else beyond


def _path_check(model: type[Model], name: str, annotations: Any) -> None:
    """An ordering by name must order by one value per row, the value F(name) reads."""
    parts = name.split("__")
    if parts[0] in annotations:
        return
    opts = model._meta
    for index, part in enumerate(parts):
        try:
            field = opts.get_field(part)
        except FieldDoesNotExist:
            return  # pk, a transform (name__lower) or a name Django refuses itself
        if field.many_to_many or field.one_to_many:
            raise UnsupportedOrdering(f"{model.__name__}: ordering by the multi-valued relation {name!r}")
        if not field.is_relation:
            return
        related = field.related_model._meta  # type: ignore[union-attr]
        if index == len(parts) - 1 and related.ordering:
            raise UnsupportedOrdering(
                f"{model.__name__}: ordering by the relation {name!r} orders by {related.label}'s Meta.ordering;"
                " order by its field instead"
            )
        opts = related


def _is_pk(model: type[Model], expression: Any) -> bool:
    pk = model._meta.pk
    names = {"pk", pk.name, pk.attname} if pk is not None else {"pk"}
    return isinstance(expression, F) and getattr(expression, "name", None) in names


def _terms(queryset: QuerySet[Any]) -> list[tuple[Any, bool, bool | None]]:
    """The ordering as (expression, descending, nulls_last or None when the database decides), pk last."""
    query = queryset.query
    model = queryset.model
    if query.is_sliced:
        raise UnsupportedOrdering(f"{model.__name__}: a sliced queryset cannot be paged")
    if query.combinator:
        raise UnsupportedOrdering(f"{model.__name__}: a combined ({query.combinator}) queryset cannot be paged")
    if query.extra_order_by:
        raise UnsupportedOrdering(f"{model.__name__}: ordering by extra(order_by=...) is raw SQL")
    if query.distinct_fields:
        raise UnsupportedOrdering(f"{model.__name__}: DISTINCT ON fixes its own ordering")
    ordering: Sequence[Any] = query.order_by or (model._meta.ordering if query.default_ordering else ())
    terms: list[tuple[Any, bool, bool | None]] = []
    for item in ordering:
        if isinstance(item, str):
            if item == "?" or "." in item:
                raise UnsupportedOrdering(f"{model.__name__}: cannot page an ordering by {item!r}")
            descending, name = item.startswith("-"), item.removeprefix("-")
            _path_check(model, name, query.annotations)
            terms.append((F(name), descending, None))
        elif isinstance(item, OrderBy):
            nulls = True if item.nulls_last else False if item.nulls_first else None
            terms.append((item.expression, item.descending, nulls))
        elif hasattr(item, "resolve_expression"):
            terms.append((item, False, None))
        else:
            raise UnsupportedOrdering(f"{model.__name__}: cannot page an ordering by {item!r}")
        if _is_pk(model, terms[-1][0]):
            return terms  # unique: what follows never decides
    return [*terms, (F("pk"), False, None)]


_ADDRESS = re.compile(r" at 0x[0-9a-f]+")


class Keyset:
    """A queryset as a keyset: `ordered` is it with one annotation per key, ordered by them (the same order);
    `after(cursor)` the rows past a cursor's row; `cursor(row)` the cursor naming a row of `ordered`."""

    def __init__(self, queryset: QuerySet[Any]) -> None:
        terms = _terms(queryset)
        nulls_largest = connections[queryset.db].features.nulls_order_largest
        annotated = queryset.annotate(**{ALIAS.format(n): expression for n, (expression, _d, _n) in enumerate(terms)})
        keys = []
        for n, (_expression, descending, nulls_last) in enumerate(terms):
            alias = ALIAS.format(n)
            resolved = annotated.query.annotations[alias]
            keys.append(
                Key(
                    alias=alias,
                    descending=descending,
                    nulls_last=nulls_largest != descending if nulls_last is None else nulls_last,
                    nullable=self._nullable(annotated, resolved),
                    field=resolved.output_field,
                )
            )
        self.keys = tuple(keys)
        self.ordered = annotated.order_by(*[key.order() for key in self.keys])
        shape = [
            (_ADDRESS.sub("", repr(e)), k.descending, k.nulls_last) for (e, _d, _n), k in zip(terms, keys, strict=True)
        ]
        self.fingerprint = hashlib.sha256(repr((queryset.model._meta.label, shape)).encode()).hexdigest()[:16]

    @staticmethod
    def _nullable(queryset: QuerySet[Any], resolved: Any) -> bool:
        """Whether the key can be NULL: a column of a NOT NULL field reached through inner joins cannot."""
        if not isinstance(resolved, Col):
            return True
        join = queryset.query.alias_map.get(resolved.alias)
        return bool(resolved.target.null or getattr(join, "join_type", None) == LOUTER)

    def cursor(self, row: Any) -> str:
        return _dump(
            self.fingerprint, [row[k.alias] if isinstance(row, dict) else getattr(row, k.alias) for k in self.keys]
        )

    def values(self, cursor: str) -> list[Any]:
        """The cursor's row's key values, read back through each key's field; 422 for any cursor not ours."""
        payload = _load(cursor)
        if payload["o"] != self.fingerprint or not isinstance(payload.get("v"), list):
            raise invalid_cursor(_("分页游标与当前的排序不符，请去掉 cursor 从第一页重新开始。"))
        if len(payload["v"]) != len(self.keys):
            raise invalid_cursor(_("分页游标与当前的排序不符，请去掉 cursor 从第一页重新开始。"))
        try:
            return [None if v is None else k.field.to_python(v) for k, v in zip(self.keys, payload["v"], strict=True)]
        except (DjangoValidationError, TypeError, ValueError) as error:
            raise _bad_cursor() from error

    def after(self, cursor: str) -> QuerySet[Any]:
        values = self.values(cursor)
        branches = []
        for n, key in enumerate(self.keys):
            step = key.after(values[n])
            if step is not None:
                branches.append(Q(*[k.equal(v) for k, v in zip(self.keys[:n], values[:n], strict=True)], step))
        return self.ordered.filter(reduce(or_, branches)) if branches else self.ordered.none()


def cursor_page(queryset: QuerySet[Any], cursor: str | None, limit: int, *, estimate: bool = False) -> dict[str, Any]:
    """One page of `queryset` in its own order: `limit` rows after `cursor` (from the start without one), the
    total `count` and the `next` cursor (None on the last page). Two queries, whatever the page: the COUNT and
    the rows (plus the queryset's own prefetches). With `estimate`, on PostgreSQL, the planner's estimate is read
    first (a third query) and, past CHAINDESK_EXACT_COUNT_LIMIT rows, is the count (`count_estimated`), as on the
    list pages (`chaindesk.core.listing`): a province's 1.8M demands took 26 s to count."""
    keyset = Keyset(queryset)
    rows = keyset.after(cursor) if cursor else keyset.ordered
    guess = planner_rows(queryset) if estimate else None
    estimated = guess is not None and guess > exact_count_limit()
    count = guess if estimated and guess is not None else queryset.count()
    page = list(rows[: limit + 1])
    more = len(page) > limit
    items = page[:limit]
    return {
        "items": items,
        "count": count,
        "count_estimated": estimated,
        "next": keyset.cursor(items[-1]) if more else None,
    }


def sequence_page(
    rows: Sequence[Any], key: Callable[[Any], int], cursor: str | None, limit: int, *, name: str
) -> dict[str, Any]:
    """The same page over a list in memory, ordered by `key` (an int unique in the list, e.g. an Excel row
    number): `name` tells this list's cursors from others'."""
    ordered = sorted(rows, key=key)
    if cursor:
        payload = _load(cursor)
        if payload["o"] != name or not isinstance(payload.get("v"), int):
            raise invalid_cursor(_("分页游标不属于这份列表，请去掉 cursor 从第一页重新开始。"))
        ordered = [row for row in ordered if key(row) > payload["v"]]
    items = ordered[:limit]
    return {"items": items, "count": len(rows), "next": _dump(name, key(items[-1])) if len(ordered) > limit else None}


class CursorPagination(PaginationBase):
    """`@paginate(CursorPagination)` on a list operation returning a queryset: `cursor` and `limit` in, the page
    (`items`, `count`, `next`) out."""

    class Input(Schema):
        cursor: str | None = Field(None, description="上一页返回的 next；不给则从第一页开始")
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="每页条数（1–200）")

    class Output(Schema):
        items: list[Any]
        count: int = Field(..., description="符合条件的总条数")
        count_estimated: bool = Field(False, description=ESTIMATED)
        next: str | None = Field(..., description="下一页的游标（作为 cursor 传回）；最后一页为 null")

    estimate = False  # EstimatedCursorPagination: the count estimated past CHAINDESK_EXACT_COUNT_LIMIT

    def paginate_queryset(self, queryset: QuerySet[Any], pagination: Input, request: HttpRequest, **params: Any) -> Any:
        return cursor_page(queryset, pagination.cursor, pagination.limit, estimate=self.estimate)


class EstimatedCursorPagination(CursorPagination):
    """`CursorPagination` for a list a province holds millions of rows of (demands, projects): past
    CHAINDESK_EXACT_COUNT_LIMIT rows its `count` is the planner's estimate and `count_estimated` says so."""

    estimate = True
