"""The global search of the header: each app registers a source (enterprises, projects, leads, demands,
meetings …) from its own `search.py`, discovered on the first search, so core imports no domain app.

A source declares, for its model, the fields the keyword matches (the same as its list page's keyword filter),
the joins a hit needs and how one row shows; the rows are always the reader's visible ones (`visible_to`).
The search takes at most `PER_KIND + 1` rows of each: one query per kind, whatever the number of matches;
the extra row only tells that there are more, and 「更多」 opens the list page filtered by the same keyword."""

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db.models import Model, Q, QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules

from .params import param_text

if TYPE_CHECKING:
    from .resources import Resource

MIN_CHARS = 2
PER_KIND = 5
MAX_CHARS = 50  # a keyword, not a document: longer input is cut


@dataclass(frozen=True)
class Hit:
    """One result: what it is called, a line of context (enterprise, status, date …) and its page."""

    title: str
    url: str
    note: str = ""


@dataclass(frozen=True)
class Source:
    """A kind of record the search looks in, declared: the reader's visible rows of `model` (`visible_to`) where
    any of `fields` contains the keyword or any of `prefixes` starts with it (upper-cased: a credit code), as
    the list page's keyword filter matches them, joined with `related` and in `ordering`. A hit is the row's
    `title` attribute, `note(row)` and its `detail` page. `resource` is the list page: its roles (read when
    searching) say who may search this kind, and 「更多」 opens it with `?q=`."""

    key: str
    label: str | Promise
    resource: "Resource"
    model: type[Model]
    fields: Sequence[str]
    detail: str
    note: Callable[[Any], str]
    title: str = "title"
    prefixes: Sequence[str] = ()
    related: Sequence[str] = ()
    ordering: Sequence[str] = ("-pk",)
    order: int = 100

    def find(self, reader: Any, q: str) -> QuerySet[Any]:
        """The reader's visible matches, ordered (not yet cut)."""
        matches = Q()
        for name in self.fields:
            matches |= Q(**{f"{name}__icontains": q})
        for name in self.prefixes:
            matches |= Q(**{f"{name}__startswith": q.upper()})
        visible = self.model.objects.visible_to(reader)  # type: ignore[attr-defined]
        return visible.filter(matches).select_related(*self.related).order_by(*self.ordering)

    def hit(self, row: Any) -> Hit:
        return Hit(title=getattr(row, self.title), url=reverse(self.detail, args=[row.pk]), note=self.note(row))


@dataclass
class Group:
    """The hits of one kind, and whether the list page has more."""

    source: Source
    q: str
    hits: list[Hit] = field(default_factory=list)
    more: bool = False

    @property
    def list_url(self) -> str:
        """The list page of this kind, filtered by the same keyword (「更多」)."""
        return f"{reverse(self.source.resource.view)}?{urlencode({'q': self.q})}"


@dataclass
class Results:
    """What the search page and the header's dropdown show: the cleaned query, whether it was long enough,
    and the non-empty groups."""

    q: str
    too_short: bool
    groups: list[Group]
    searched: int = 0  # how many kinds the reader may search

    @property
    def total(self) -> int:
        return sum(len(g.hits) for g in self.groups)


_SOURCES: dict[str, Source] = {}


@functools.cache
def _discover() -> None:
    """Import each app's `search.py` once, on the first search (not in core's ready(): the domain apps'
    modules then load after every app is ready, and core names none of them)."""
    autodiscover_modules("search")


def register_search_source(source: Source) -> None:
    """Add (or replace) a kind of record the global search looks in (an app's `search.py`)."""
    _SOURCES[source.key] = source


def sources_for(role: str) -> list[Source]:
    """The kinds a reader of `role` may search, in display order."""
    _discover()
    return sorted((s for s in _SOURCES.values() if role in s.resource.roles), key=lambda s: (s.order, s.key))


def clean_query(raw: Any) -> str:
    """The keyword as searched: trimmed, no control characters, at most `MAX_CHARS`."""
    return param_text(raw, max_length=MAX_CHARS)


def search(reader: Any, raw: Any, *, per_kind: int = PER_KIND) -> Results:
    """Search every kind the reader may see for `raw` (one query per kind); shorter than `MIN_CHARS` → no
    query at all, and `too_short` for the hint."""
    q = clean_query(raw)
    sources = sources_for(getattr(reader, "role", ""))
    if len(q) < MIN_CHARS:
        return Results(q=q, too_short=bool(q), groups=[], searched=len(sources))
    groups = []
    for source in sources:
        rows = list(source.find(reader, q)[: per_kind + 1])
        if rows:
            hits = [source.hit(row) for row in rows[:per_kind]]
            groups.append(Group(source, q, hits, more=len(rows) > per_kind))
    return Results(q=q, too_short=False, groups=groups, searched=len(sources))
