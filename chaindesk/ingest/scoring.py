"""Scoring a draft against a labelled report, by the rules of `shared/examples/ingest/README.md`.

Every field is scored on its own. The meeting is one record: each of its fields counts. A list (people,
enterprises, projects …) pairs each labelled item with at most one drafted item whose key matches after
normalising (simplified characters, no spaces, full-width to half-width): names equal; for projects one name
contains the other and the owners are equal; for demands, decisions and items sought the drafted text contains the
labelled phrase (`text_contains`), or the other way round. A matched pair's key field is a hit, and each other
field is compared (numbers exactly, lists as sets, texts normalised).

Counting, per (list, field): a labelled value that is not empty is one to find (recall's denominator); a drafted
value that is not empty is one claimed (precision's denominator); a hit is a matched pair whose values are equal
and not empty. An unmatched item's fields are all missed (labelled) or wrong (drafted). The micro-average adds the
counts of every field of every file."""

import dataclasses
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from chaindesk.transfer.values_text import simplified

MEETING_FIELDS = ("date", "place", "chain", "kind", "host", "chair")


def _text(value: Any) -> str:
    """Simplified, half-width (NFKC), without spaces: how two texts are compared."""
    return "".join(simplified(unicodedata.normalize("NFKC", str(value))).split())


def _contains(a: Any, b: Any) -> bool:
    x, y = _text(a or ""), _text(b or "")
    return bool(x and y) and (x in y or y in x)


def _equal_names(a: Mapping[str, Any], b: Mapping[str, Any], key: str) -> bool:
    return bool(a.get(key)) and _text(a.get(key)) == _text(b.get(key) or "")


@dataclasses.dataclass(frozen=True)
class ListRule:
    key: str  # the field that pairs items (a hit when paired)
    matches: Callable[[Mapping[str, Any], Mapping[str, Any]], bool]  # labelled, drafted


def _named(key: str) -> ListRule:
    return ListRule(key, lambda gold, draft: _equal_names(gold, draft, key))


def _phrase(key: str = "text_contains") -> ListRule:
    return ListRule(key, lambda gold, draft: _contains(gold.get(key), draft.get(key)))


LISTS: dict[str, ListRule] = {
    "people": _named("name"),
    "enterprises": _named("name"),
    "projects": ListRule(
        "name",
        lambda gold, draft: (
            _contains(gold.get("name"), draft.get("name"))
            and _text(gold.get("owner") or "") == _text(draft.get("owner") or "")
        ),
    ),
    "demands": _phrase(),
    "decisions": _phrase(),
    "upward_requests": _phrase(),
    "talents": _named("name"),
    "rd_cooperations": ListRule(
        "partner",
        lambda gold, draft: (
            _equal_names(gold, draft, "partner")
            and _text(gold.get("enterprise") or "") == _text(draft.get("enterprise") or "")
        ),
    ),
}


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _canonical(value: Any) -> Any:
    """A value as compared: texts normalised, numbers as numbers, lists as sets of their canonical items."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, Mapping):
        return tuple(sorted((k, _canonical(v)) for k, v in value.items()))
    if isinstance(value, Iterable):
        return frozenset(_canonical(v) for v in value)
    return value


@dataclasses.dataclass
class Counts:
    """Per (list, field): values labelled, values drafted, hits."""

    labelled: Counter[tuple[str, str]] = dataclasses.field(default_factory=Counter)
    drafted: Counter[tuple[str, str]] = dataclasses.field(default_factory=Counter)
    hits: Counter[tuple[str, str]] = dataclasses.field(default_factory=Counter)

    def add(self, other: "Counts") -> None:
        self.labelled.update(other.labelled)
        self.drafted.update(other.drafted)
        self.hits.update(other.hits)

    def fields(self) -> list[tuple[str, str]]:
        return sorted(set(self.labelled) | set(self.drafted))

    def precision(self, field: tuple[str, str] | None = None) -> float:
        drafted = sum(self.drafted.values()) if field is None else self.drafted[field]
        hits = sum(self.hits.values()) if field is None else self.hits[field]
        return hits / drafted if drafted else 1.0

    def recall(self, field: tuple[str, str] | None = None) -> float:
        labelled = sum(self.labelled.values()) if field is None else self.labelled[field]
        hits = sum(self.hits.values()) if field is None else self.hits[field]
        return hits / labelled if labelled else 1.0

    def f1(self, field: tuple[str, str] | None = None) -> float:
        p, r = self.precision(field), self.recall(field)
        return 2 * p * r / (p + r) if p + r else 0.0


def _count_item(counts: Counts, name: str, item: Mapping[str, Any], side: str) -> None:
    target = counts.labelled if side == "labelled" else counts.drafted
    for field_name, value in item.items():
        if not _empty(value):
            target[(name, field_name)] += 1


def score(labelled: Mapping[str, Any], drafted: Mapping[str, Any]) -> Counts:
    """The counts of one report (see the module's docstring)."""
    counts = Counts()
    gold_meeting, draft_meeting = labelled.get("meeting") or {}, drafted.get("meeting") or {}
    for field_name in MEETING_FIELDS:
        gold, draft = gold_meeting.get(field_name), draft_meeting.get(field_name)
        key = ("meeting", field_name)
        if not _empty(gold):
            counts.labelled[key] += 1
        if not _empty(draft):
            counts.drafted[key] += 1
            if not _empty(gold) and _canonical(gold) == _canonical(draft):
                counts.hits[key] += 1
    for name, rule in LISTS.items():
        golds, drafts = list(labelled.get(name) or []), list(drafted.get(name) or [])
        free = list(range(len(drafts)))
        for gold in golds:
            _count_item(counts, name, gold, "labelled")
            found = next((i for i in free if rule.matches(gold, drafts[i])), None)
            if found is None:
                continue
            free.remove(found)
            draft = drafts[found]
            counts.hits[(name, rule.key)] += 1
            for field_name, value in gold.items():
                same = _canonical(value) == _canonical(draft.get(field_name))
                if field_name != rule.key and not _empty(value) and same:
                    counts.hits[(name, field_name)] += 1
        for draft in drafts:
            _count_item(counts, name, draft, "drafted")
    return counts
