"""Searchable pickers: a choice over many records (enterprises, projects, users, departments …) filters by
characters and by pinyin initials (兴化 → "xh") while staying a plain `<select>`.

The server's part is here: a long select gets `data-picker` and each of its options `data-py` (initials, then
full pinyin: "xhs xinghuashi"); chaindesk/core/static/chaindesk/picker.js turns such a select into a combobox
that writes back into it, so the form posts as before and works without JavaScript.

Forms get it through `PickerMixin` (mixed into `AuditedChoicesMixin`, which every form offering limited
choices uses), hand-written selects (the list pages' filter bar) through the `py` template filter of
`cd_picker`. The count is taken at render time from the options Django already iterates: no extra query.

A choice among records of a model registered with `register_remote_source` (the enterprises: a province has a
million) reads at most `REMOTE_MIN_OPTIONS` + 1 rows; past that it renders only the chosen options and the picker
searches the server as the reader types. The form still posts ids and validates them against its queryset."""

from collections.abc import Callable, Iterator
from functools import cache, lru_cache
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.forms.models import ModelChoiceIterator
from django.http import JsonResponse
from django.urls import reverse
from pypinyin import Style, lazy_pinyin

# More options than this and a select becomes a picker (the "about 20 records").
PICKER_MIN_OPTIONS = 20


@lru_cache(maxsize=50_000)
def pinyin_keys(label: str) -> str:
    """What a pinyin query matches for `label`: its initials and its full pinyin, lower case, letters and
    digits only, separated by a space ("兴化市 A区" → "xhsa xinghuashia"). Cached: labels repeat on every page."""
    initials = "".join(lazy_pinyin(label, style=Style.FIRST_LETTER))
    full = "".join(lazy_pinyin(label))
    return f"{_alnum(initials)} {_alnum(full)}"


def _alnum(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isascii() and ch.isalnum())


def _count(optgroups: list[Any]) -> int:
    return sum(1 for _group, options, _index in optgroups for option in options if option["value"] not in ("", None))


# --- searched on the server: a choice among a province's enterprises ----------------------------------------

# More rows than this in a registered model's choice and the options are not rendered: the picker asks the server.
REMOTE_MIN_OPTIONS = 500
# model -> the URL name answering ?q= with the matching records the reader may see ([{"value", "label"}, …])
_REMOTE_SOURCES: dict[type[Any], str] = {}


def register_remote_source(model: type[Any], url_name: str) -> None:
    """A model whose choices, once past `REMOTE_MIN_OPTIONS`, are searched at `url_name` (the enterprises)."""
    _REMOTE_SOURCES[model] = url_name


REMOTE_MATCHES = 20  # the matches a server-searched picker shows for what was typed


def remote_options(
    visible: QuerySet[Any], text: str, matches: Callable[[str], Q], label: Callable[[Any], str] = str
) -> JsonResponse:
    """A registered source's answer: the first `REMOTE_MATCHES` of the reader's records matching `text` (by their
    name), as {"options": [{"value": pk, "label": label(record)}]}; none (and no query) when nothing was typed."""
    return options_response([(row.pk, label(row)) for row in remote_matches(visible, text, matches)])


def remote_matches(visible: QuerySet[Any], text: str, matches: Callable[[str], Q]) -> list[Any]:
    """The first `REMOTE_MATCHES` records of `visible` matching `text`, by name; none (and no query) for no text."""
    return list(visible.filter(matches(text)).order_by("name", "pk")[:REMOTE_MATCHES]) if text else []


def options_response(options: list[tuple[Any, str]]) -> JsonResponse:
    """A picker's matches as the server-searching picker reads them: {"options": [{"value", "label"}, …]}."""
    return JsonResponse({"options": [{"value": value, "label": label} for value, label in options]})


class _Rows(ModelChoiceIterator):
    """A model choice's options from rows already read (its first rows, or only the chosen ones)."""

    def __init__(self, field: forms.ModelChoiceField, rows: list[Any]) -> None:
        super().__init__(field)
        self.rows = rows

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for row in self.rows:
            yield self.choice(row)

    def __len__(self) -> int:
        return len(self.rows) + (self.field.empty_label is not None)


def _narrowed(widget: forms.Select, value: Any) -> tuple[_Rows, str | None] | None:
    """For a choice of a registered model: its first `REMOTE_MIN_OPTIONS` rows read at once (one query, as the
    render would make); past that, only the chosen rows and the URL to search (a select of 590k enterprises took
    minutes to render). None for any other choice."""
    choices = widget.choices
    if not isinstance(choices, ModelChoiceIterator) or isinstance(choices, _Rows):
        return None
    url_name = _REMOTE_SOURCES.get(choices.queryset.model)
    if url_name is None:
        return None
    first = list(choices.queryset[: REMOTE_MIN_OPTIONS + 1])
    if len(first) <= REMOTE_MIN_OPTIONS:
        return _Rows(choices.field, first), None
    chosen = [v for v in widget.format_value(value) if v not in ("", None)]
    rows = list(choices.queryset.filter(pk__in=chosen)) if chosen else []
    return _Rows(choices.field, rows), reverse(url_name)


class PickerWidgetMixin:
    """A select that marks itself a picker when it has many options (or was opted in with `data-picker`),
    and then gives each option its pinyin keys. A choice of many records of a registered model renders only the
    chosen ones and `data-picker-url`, where the picker searches as the reader types."""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        narrowed = _narrowed(self, value)  # type: ignore[arg-type]
        if narrowed is None:
            context: dict[str, Any] = super().get_context(name, value, attrs)  # type: ignore[misc]
        else:
            full, self.choices = self.choices, narrowed[0]  # type: ignore[has-type]
            try:
                context = super().get_context(name, value, attrs)  # type: ignore[misc]
            finally:
                self.choices = full
            if narrowed[1] is not None:
                context["widget"]["attrs"].update({"data-picker": True, "data-picker-url": narrowed[1]})
                return context  # the options come from the server, without pinyin keys
        widget = context["widget"]
        wanted = widget["attrs"].get("data-picker")
        if wanted == "off" or (wanted is None and _count(widget["optgroups"]) <= PICKER_MIN_OPTIONS):
            return context
        widget["attrs"]["data-picker"] = True
        for _group, options, _index in widget["optgroups"]:
            for option in options:
                if option["value"] not in ("", None) and option["label"]:
                    option["attrs"]["data-py"] = pinyin_keys(str(option["label"]))
        return context


@cache
def _picker_class(cls: type[forms.Select]) -> type[forms.Select]:
    picker: type[forms.Select] = type(f"Picker{cls.__name__}", (PickerWidgetMixin, cls), {"__module__": __name__})
    return picker


def enhance(widget: forms.Widget) -> forms.Widget:
    """Make a (multiple) select a picker in place. The instance's class is swapped rather than the widget
    replaced, so that its choices stay tied to the field (a ModelChoiceField's later `queryset = …` still
    reaches it) and whatever attrs the form set are kept."""
    if (
        isinstance(widget, forms.Select)
        and not isinstance(widget, PickerWidgetMixin | forms.NullBooleanSelect)
        and not widget.is_hidden
    ):
        widget.__class__ = _picker_class(type(widget))
    return widget


class PickerMixin:
    """Every select a form renders is a picker once it has more than `PICKER_MIN_OPTIONS` options. Applied as
    a field is bound (what templates render), so widgets a form sets in its own `__init__` are covered too."""

    def __getitem__(self, name: str) -> forms.BoundField:
        bound: forms.BoundField = super().__getitem__(name)  # type: ignore[misc]
        enhance(bound.field.widget)
        return bound
