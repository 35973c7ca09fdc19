"""Where each draft item comes from: the sentence of the normalised report that names it, so the review page can
mark it beside the item (issue 15, item 3).

A draft item is referred to by its list's letter and its place in the list (`e0` the first enterprise, `p1` the
second project …; `m` the meeting). Its anchor is the phrase the reader took it from (a name, the demand's or
decision's text); the first sentence holding the anchor is its source. Sentences end at 。！？；or a line break."""

import re
from dataclasses import dataclass
from typing import Any

# The draft's lists, the letter of their items' references, and the field each item is found by in the text.
LISTS: tuple[tuple[str, str, str], ...] = (
    ("enterprises", "e", "name"),
    ("projects", "p", "name"),
    ("demands", "d", "text_contains"),
    ("decisions", "c", "text_contains"),
    ("upward_requests", "u", "text_contains"),
    ("talents", "t", "name"),
    ("rd_cooperations", "r", "partner"),
)
_END = re.compile(r"[。！？；;!?]+|\n+")
_SHORTEST = 4  # a shorter prefix of an anchor finds too much


@dataclass(frozen=True)
class Sentence:
    """A sentence of the report, the items it is the source of, its number (its id on the page), and whether
    it opens a paragraph."""

    index: int
    text: str
    refs: tuple[str, ...]
    opens: bool = False


def sentences(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each sentence of `text`, its closing punctuation included; line breaks between."""
    spans, start = [], 0
    for end in _END.finditer(text):
        stop = end.end() if not end.group(0).startswith("\n") else end.start()
        if text[start:stop].strip():
            spans.append((start, stop))
        start = end.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def _anchors(draft: dict[str, Any]) -> list[tuple[str, str]]:
    meeting = draft.get("meeting") or {}
    found = [("m", str(meeting.get("host") or "")), ("m", _date_phrase(meeting.get("date")))]
    for key, letter, field in LISTS:
        for n, item in enumerate(draft.get(key) or []):
            found.append((f"{letter}{n}", str(item.get(field) or "")))
    return [(ref, anchor) for ref, anchor in found if anchor]


def _date_phrase(date: Any) -> str:
    if not isinstance(date, str) or "-" not in date:
        return ""
    month, day = date.split("-", 1)
    return f"{int(month)}月{int(day)}日"


def _locate(text: str, anchor: str) -> int:
    """Where `anchor` is in `text`: the whole phrase, else its longest prefix still found (a demand's text
    the reader trimmed), -1 when not even a few characters are."""
    size = len(anchor)
    while size >= min(_SHORTEST, len(anchor)):
        at = text.find(anchor[:size])
        if at >= 0:
            return at
        size = size * 2 // 3 if size > 12 else size - 1
    return -1


def evidence(text: str, draft: dict[str, Any]) -> dict[str, int]:
    """Each item's source sentence: {reference: sentence number}; an item whose anchor is not found has none."""
    spans = sentences(text)
    sources: dict[str, int] = {}
    for ref, anchor in _anchors(draft):
        if ref in sources:
            continue
        at = _locate(text, anchor)
        if at < 0:
            continue
        sources[ref] = next((n for n, (start, end) in enumerate(spans) if start <= at < end), len(spans) - 1)
    return sources


def marked(text: str, sources: dict[str, int]) -> list[Sentence]:
    """The report as sentences, each with the items it is the source of (for the page's marks)."""
    refs: dict[int, list[str]] = {}
    for ref, index in sources.items():
        refs.setdefault(index, []).append(ref)
    spans = sentences(text)
    return [
        Sentence(
            index=n,
            text=text[start:end].strip(),
            refs=tuple(refs.get(n, ())),
            opens=n == 0 or "\n" in text[spans[n - 1][1] : start],
        )
        for n, (start, end) in enumerate(spans)
    ]


def quote(text: str, index: int | None) -> str:
    """The source sentence number `index` (empty when the item has none)."""
    spans = sentences(text)
    if index is None or not 0 <= index < len(spans):
        return ""
    start, end = spans[index]
    return text[start:end].strip()
