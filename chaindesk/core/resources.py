"""A resource declared once: the filters of its filter bar and the columns of its table, used by its list
page (`templates/includes/list_page.html` with `includes/filter_bar.html`), its XLSX export and its API list.

A `Filter` names a query parameter, its label and its kind (text, id, choice, days, date, boolean); the kind
picks the `core.params` parser, so the resource states its `ParamSpec` (what `{% params_note %}` reports)
instead of a hand-written copy. A `Col` is one column: its header (with the unit), how a row gives its value,
where it shows (page, export, API), its width in the ledger and its sort key. The selectors still apply the
filters to the reader's visible set (`visible_to` + select_related, `Resource.queryset`); the resource only
says what they are and how each of page, export and API shows the result.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy

from .export import Column, filtered_ledger
from .listing import count_words, paginate
from .params import ParamSpec, declare, param_choice, param_date, param_days, param_id, param_text

Label = str | Promise
Options = Iterable[Any] | Callable[[Any], Iterable[Any]] | str | None

# Filter kinds: how the filter bar shows the field and which parser of core.params reads it.
TEXT, ID, CHOICE, DAYS, DATE, BOOLEAN = "text", "id", "choice", "days", "date", "boolean"
ALL = gettext_lazy("全部")
ANY = gettext_lazy("不限")
BOOLEAN_OPTIONS = (("1", gettext_lazy("是")), ("0", gettext_lazy("否")))
# A column shown from a width up (Tabler's responsive display classes).
MD, LG, XL = "d-none d-md-table-cell", "d-none d-lg-table-cell", "d-none d-xl-table-cell"
ROW_NUMBER = "__row_number__"  # a column whose export value is the row's position (序号)
# What a resource says about its rows when the filters match none, naming them by its `noun` unless it states
# its own sentence.
EMPTY_FILTERED = gettext_lazy("没有符合条件的%(noun)s。")


def _naming(sentence: Label, noun: Label) -> str:
    return str(sentence) % {"noun": noun}


naming = lazy(_naming, str)  # `sentence` with `noun` in it, translated when it is shown


@dataclass(frozen=True)
class Filter:
    """One field of the filter bar. `options` is where a select's options come from: a key of the page's
    choices (an attribute or a dict key, loaded once by the view), a callable taking those choices, or a
    fixed sequence; each option is a (value, label) pair or a bare value shown as itself. `values`, for a
    choice, are the values the parser accepts (what `{% params_note %}` checks); `first` options come
    before the others (e.g. 跟进中 for leads)."""

    name: str
    label: Label
    kind: str = ID
    options: Options = None
    values: Sequence[str] | None = None
    placeholder: Label = ""
    width: str = ""
    blank: Label = ALL
    first: Sequence[tuple[str, Label]] = ()
    input_id: str = ""

    @property
    def col(self) -> str:
        """The field's grid classes: a keyword box is wider than a select."""
        return self.width or ("col-sm-6 col-lg-3" if self.kind == TEXT else "col-sm-6 col-lg-2")

    def parse(self, value: Any) -> Any:
        """The value as the selectors read it, through core.params (None when absent or out of shape)."""
        if self.kind == TEXT:
            return param_text(value) or None
        if self.kind == ID:
            return param_id(value)
        if self.kind == DAYS:
            return param_days(value)
        if self.kind == DATE:
            return param_date(value)
        allowed = BOOLEAN_OPTIONS_VALUES if self.kind == BOOLEAN else (self.values or ())
        return param_choice(value, allowed) if allowed else (param_text(value) or None)

    def bind(self, params: Mapping[str, Any], choices: Any) -> "BoundFilter":
        current = param_text(params.get(self.name))  # echoed as applied: trimmed, no control characters
        return BoundFilter(self, current, [] if self.kind in (TEXT, DATE) else self._options(choices, current))

    def _options(self, choices: Any, current: str) -> list[tuple[str, Label, bool]]:
        source: Any = self.options if self.kind != BOOLEAN else BOOLEAN_OPTIONS
        if isinstance(source, str):
            source = choices.get(source, ()) if isinstance(choices, Mapping) else getattr(choices, source, ())
        elif callable(source):
            source = source(choices)
        pairs = [*self.first, *(o if isinstance(o, tuple | list) else (o, o) for o in source or ())]
        return [(str(value), label, str(value) == current) for value, label in pairs]


BOOLEAN_OPTIONS_VALUES = tuple(value for value, _label in BOOLEAN_OPTIONS)


@dataclass(frozen=True)
class BoundFilter:
    """A filter with the URL's value and its options, ready for `includes/filter_bar.html`."""

    filter: Filter
    value: str
    options: list[tuple[str, Label, bool]]

    @property
    def id(self) -> str:
        return self.filter.input_id or f"f-{self.filter.name}"


def date_range(start: str, end: str, start_label: Label, end_label: Label) -> tuple[Filter, Filter]:
    """A date range as the filter bar shows it: two date fields (from, to)."""
    return Filter(start, start_label, DATE), Filter(end, end_label, DATE)


@dataclass(frozen=True)
class Col:
    """One column of a resource. `value(row)` gives what the page shows (unless `cell` names a template,
    rendered with `row` and the page's context) and, unless `export` is given, what the ledger holds.
    `header` may be a callable (a header naming this year). `hide` (responsive classes) and `align` apply to
    both the header and the cell, `css` to the cell only; `empty` is shown for a missing value; `link` is the
    URL name of the row's page; `wan` shows an amount in 万元/亿元; `short` is the page's header when the
    ledger's (with its unit) is longer."""

    key: str
    header: Label | Callable[[], Label]
    value: Callable[[Any], Any] | None = None
    export: Callable[[Any], Any] | str | None = None
    width: float = 14
    wrap: bool = False
    page: bool = True
    in_export: bool = True
    api: bool = True
    sort: str = ""
    hide: str = ""
    align: str = ""
    css: str = ""
    cell: str = ""
    link: str = ""
    empty: Label = "—"
    wan: bool = False
    short: Label = ""  # the page's header when shorter than the ledger's

    @property
    def label(self) -> Label:
        return self.header() if callable(self.header) else self.header

    @property
    def page_label(self) -> Label:
        return self.short or self.label

    def translated(self) -> "Col":
        """This column with its header, short header and empty mark as text in the request's language: the list
        page shows the header in every cell (`data-label`), so a lazy one was translated 50 times a page."""
        return replace(self, header=str(self.label), short=str(self.short), empty=str(self.empty))

    @property
    def head_css(self) -> str:
        return " ".join(c for c in (self.align, self.hide) if c)

    @property
    def cell_css(self) -> str:
        return " ".join(c for c in (self.align, self.css, self.hide) if c)

    def raw_value(self, row: Any) -> Any:
        """The ledger's and the API's value before formatting: the export getter where the column has one (so a
        value the export masks is masked in the API too), else the page's."""
        getter = self.export if callable(self.export) else self.value
        return getter(row) if getter else None

    def ledger_value(self, row: Any) -> Any:
        """The cell as the ledger holds it: a date, a time or an amount keeps its type (the sheet formats it as
        Excel's date, time to the minute, number with two decimals); anything else is the API's value, "" for
        none."""
        value = self.raw_value(row)
        if isinstance(value, dt.date | Decimal):
            return value
        value = api_value(value)
        return "" if value is None else value


def api_value(value: Any) -> Any:
    """A column's value as JSON carries it: text, a number, true/false, an ISO 8601 date or time, or null."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def ledger_only(
    key: str, header: Label | Callable[[], Label], value: Callable[[Any], Any], width: float, **kwargs: Any
) -> Col:
    """A column of the ledger and the API that the page does not show (the page shows it folded into another)."""
    return Col(key, header, value, width=width, page=False, **kwargs)


def page_only(key: str, header: Label | Callable[[], Label], **kwargs: Any) -> Col:
    """A column only the page shows (a composite cell, usually with its own `cell` template)."""
    return Col(key, header, in_export=False, api=False, **kwargs)


def attr(path: str) -> Callable[[Any], Any]:
    """A getter for a dotted attribute path (`"chain.name"`); None when a link on the way is missing."""
    parts = path.split(".")

    def get(row: Any) -> Any:
        value = row
        for part in parts:
            value = getattr(value, part, None)
            if value is None:
                return None
        return value() if callable(value) else value

    return get


@dataclass(frozen=True)
class Ledger:
    """How the resource's export is titled and named (`filtered_ledger`), and what only the rows need:
    `prepare` (joins, prefetches, after the count) and `rows` (per-reader row attributes, e.g. masking; it
    receives the records streamed from the cursor, an iterator, and should stay lazy)."""

    title: Label
    name: str
    # Unused: an export holds every row since issue 13, so no sentence says it was cut. Kept only so the
    # declarations that still pass one keep loading until they drop it.
    prepare: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None
    rows: Callable[[Iterable[Any], Any], Iterable[Any]] | None = None


REGISTRY: dict[str, "Resource"] = {}  # every declared resource by its list page's URL name (tests walk it)


@dataclass(frozen=True)
class Resource:
    """A list's filters and columns, declared once (see the module docstring). `view` is the list page's URL
    name (its filter bar's `{% params_note %}` reads the spec declared under it); `testid` prefixes the
    page's test ids (`enterprise-table`); `queryset(user)` is the reader's visible set with its joins. `noun`
    names the rows (线索) in the sentences the resource does not state itself (`empty_filtered`)."""

    view: str
    testid: str
    filters: Sequence[Filter]
    columns: Sequence[Col]
    sorts: Mapping[str, str] = field(default_factory=dict)
    default_sort: str = ""
    queryset: Callable[[Any], QuerySet[Any]] | None = None
    ledger: Ledger | None = None
    export_view: str = ""
    create_view: str = ""
    create_label: Label = ""
    keep_sort: bool = False  # the filter bar carries the current sort along
    noun: Label = ""
    empty_filtered: Label = ""
    empty: Label = ""
    empty_hint: Label = ""
    empty_icon: str = "ti-inbox"
    row_testid: str = ""
    count_text: Label = gettext_lazy("共 %(n)s 条")  # the count above the table and in the footer (条/项/家)
    # Who reads the list (its page, its export and its API list); empty: every signed-in user.
    roles: AbstractSet[str] = frozenset()
    # The filtered, sorted visible set for (reader, query parameters): what the page, the export and the API
    # list all show. With `api_name`, the list is also served at /api/<api_name>/ (chaindesk/api/lists.py).
    select: Callable[..., tuple[QuerySet[Any], str]] | None = None  # (reader, params)
    api_name: str = ""

    def __post_init__(self) -> None:
        if self.noun and not self.empty_filtered:
            object.__setattr__(self, "empty_filtered", naming(EMPTY_FILTERED, self.noun))
        declare(self.view, spec=self.spec)
        REGISTRY[self.view] = self

    @property
    def spec(self) -> ParamSpec:
        def named(kind: str) -> tuple[str, ...]:
            return tuple(f.name for f in self.filters if f.kind == kind)

        choices: dict[str, Sequence[str]] = {
            f.name: (BOOLEAN_OPTIONS_VALUES if f.kind == BOOLEAN else f.values or ())
            for f in self.filters
            if f.kind == BOOLEAN or (f.kind == CHOICE and f.values)
        }
        labels = {f.name: f.label for f in self.filters}
        return ParamSpec(ids=named(ID), days=named(DAYS), dates=named(DATE), choices=choices, labels=labels)

    @property
    def filter_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.filters)

    def parse(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Each filter's value as core.params reads it (None when absent or ignored)."""
        return {f.name: f.parse(params.get(f.name)) for f in self.filters}

    def active(self, params: Mapping[str, Any]) -> dict[str, str]:
        """The filters the URL sets (non-empty), as given: the empty state says whether any are."""
        return {k: v for k, v in params.items() if k in self.filter_names and v}

    def page_columns(self) -> list[Col]:
        return [c for c in self.columns if c.page]

    def export_columns(self) -> list[Col]:
        return [c for c in self.columns if c.in_export]

    def readable_by(self, user: Any) -> bool:
        """The list's readers: a signed-in user of one of `roles` (any signed-in user when it names none)."""
        if not getattr(user, "is_authenticated", False):
            return False
        return not self.roles or getattr(user, "role", None) in self.roles

    def api_columns(self) -> list[Col]:
        return [c for c in self.columns if c.api and c.export != ROW_NUMBER]

    def reader_rows(self, rows: Iterable[Any], user: Any) -> Iterable[Any]:
        """The rows as this reader may read them: the ledger's per-reader step (masking, withholding)."""
        return self.ledger.rows(rows, user) if self.ledger and self.ledger.rows else rows

    def api_rows(self, rows: Iterable[Any], user: Any) -> list[dict[str, Any]]:
        """Each row's id and its API columns' values, after the same per-reader step as the ledger."""
        columns = self.api_columns()
        return [
            {"id": row.pk, **{c.key: api_value(c.raw_value(row)) for c in columns}}
            for row in self.reader_rows(rows, user)
        ]

    def context(
        self,
        request: HttpRequest,
        *,
        page_obj: Page,
        sort: str,
        choices: Any = None,
        rows: Sequence[Any] | None = None,
        title: Label,
        **extra: Any,
    ) -> dict[str, Any]:
        """What `includes/list_page.html` needs, plus the page's own `extra`."""
        params = request.GET
        context = {
            "resource": self,
            "columns": self.page_columns(),
            "bound_filters": [f.bind(params, choices) for f in self.filters],
            "page_obj": page_obj,
            "rows": list(page_obj.object_list) if rows is None else rows,
            "sort": sort,
            "filters": self.active(params),
            "choices": choices,
            "export_query": params.urlencode(),
            "count_text": count_words(page_obj, self.count_text),
            "page_title": title,
            "breadcrumbs": [(title, None)],
            **extra,
        }
        context["columns"] = [c.translated() for c in context["columns"]]  # (a page may pass its own)
        return context

    def render(
        self,
        request: HttpRequest,
        template: str,
        queryset: QuerySet[Any],
        sort: str,
        *,
        title: Label,
        choices: Any = None,
        decorate: Callable[[list[Any]], Sequence[Any]] | None = None,
        estimate: bool = False,
        **extra: Any,
    ) -> HttpResponse:
        """The list page: `queryset` (already filtered and sorted) cut to the requested page of 50 rows;
        `decorate` adds what the row cells need to the page's rows. With `estimate`, a list past
        CHAINDESK_EXACT_COUNT_LIMIT rows shows the planner's estimate as its total (`core.listing`)."""
        page_obj = paginate(queryset, request.GET.get("page"), estimate=estimate)
        rows = list(page_obj.object_list)
        context = self.context(
            request,
            page_obj=page_obj,
            sort=sort,
            choices=choices,
            rows=decorate(rows) if decorate else rows,
            title=title,
            **extra,
        )
        return render(request, template, context)

    def ledger_rows(self, rows: Iterable[Any], user: Any) -> Iterator[list[Any]]:
        """The export columns' values for each row (after the ledger's per-reader `rows` step), one at a time."""
        columns = self.export_columns()
        for index, row in enumerate(self.reader_rows(rows, user), start=1):
            yield [index if c.export == ROW_NUMBER else c.ledger_value(row) for c in columns]

    def export(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse:
        """Exactly the filtered list `queryset` as the resource's .xlsx ledger: every row, streamed from the
        database in chunks and masked for the reader as the page masks it (`ledger_rows`); audited."""
        if self.ledger is None:
            raise ValueError(f"{self.view} declares no ledger")
        ledger = self.ledger
        return filtered_ledger(
            request,
            queryset=queryset,
            prepare=ledger.prepare,
            rows=lambda part: self.ledger_rows(part, request.user),
            columns=[Column(c.label, c.width, c.wrap) for c in self.export_columns()],
            title=str(ledger.title),
            name=ledger.name,
        )

    def api_filters(self, name: str) -> type:
        """A ninja Schema of the API list's query parameters: the resource's filters and `sort`, as strings
        (the selectors parse them as the list page does)."""
        from ninja import Schema
        from pydantic import create_model

        fields: dict[str, Any] = {f.name: (str, "") for f in self.filters}
        fields["sort"] = (str, "")
        return create_model(name, __base__=Schema, **fields)
