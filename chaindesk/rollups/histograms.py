"""A histogram of whole numbers (closed demands by working days to closure) as compact text, "3:5,4:7": the value,
a colon and its count, in order of value, no zero counts. One canonical text per histogram, so stored and live
rows compare as strings."""

from collections import Counter
from collections.abc import Iterable, Mapping


def encode(histogram: Mapping[int, int]) -> str:
    return ",".join(f"{value}:{n}" for value, n in sorted(histogram.items()) if n)


def decode(text: str) -> Counter[int]:
    histogram: Counter[int] = Counter()
    if text:
        add_into(histogram, text)
    return histogram


def add_into(histogram: dict[int, int], text: str) -> None:
    """Add a histogram's text to `histogram` in place (the readers fold thousands of rows: no Counter per row)."""
    get = histogram.get
    for pair in text.split(","):
        value, _, n = pair.partition(":")
        key = int(value)
        histogram[key] = get(key, 0) + int(n)


def add(texts: Iterable[str]) -> str:
    """The histograms added up."""
    total: Counter[int] = Counter()
    for text in texts:
        total.update(decode(text))
    return encode(total)


def subtract(a: str, b: str) -> Counter[int]:
    """a − b, value by value (counts may go negative: a difference to apply)."""
    difference = decode(a)
    difference.subtract(decode(b))
    return difference
