"""Cells as text: the error every parser raises, blanks, and the cleaning of names, codes and prose.

See chaindesk/transfer/values.py for the whole vocabulary and the decisions behind it."""

import functools
import importlib.resources
import math
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Concatenate, ParamSpec, TypeVar

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from opencc import OpenCC

from chaindesk.enterprises.models import validate_uscc

# What python-calamine (and the CSV reader) hands over for one cell.
Cell = str | float | int | datetime | date | bool | None

P = ParamSpec("P")
T = TypeVar("T")


class CellError(ValueError):
    """A cell that cannot be read as its field's type. `message` is the Chinese text shown to the office (it
    names what was expected); `code` says which kind of value failed ("blank", "amount", "date" …)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# Cells that offices leave to mean "nothing here" (a dash, a slash) besides empty ones. "无" is not one of them:
# it is a value for yes/no columns.
BLANK_WORDS = frozenset({"", "-", "--", "—", "——", "/", "\\"})
_SHOWN = 40  # characters of a cell repeated in a message; a 100 000-character cell is cut


def show(value: Cell) -> str:
    """The cell as the office typed it, short enough for a message."""
    text = as_text(value).strip()
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def is_blank(value: Cell) -> bool:
    """None, an empty or white-space cell, or one of BLANK_WORDS (in full- or half-width)."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    if any(map(str.isalnum, value)):  # every blank word is dashes, slashes or white space: a name is not one
        return False
    return clean_code(value) in BLANK_WORDS


def blank_error() -> CellError:
    return CellError(_("此项不能为空"), code="blank")


def optional(parse: Callable[Concatenate[Cell, P], T], value: Cell, /, *args: P.args, **kwargs: P.kwargs) -> T | None:
    """`parse(value, …)`, or None for a blank cell (is_blank). Every parser refuses a blank itself."""
    if is_blank(value):
        return None
    return parse(value, *args, **kwargs)


def number_text(number: float | int | Decimal) -> str:
    """123.0 → "123", 0.1 → "0.1", never an exponent (the shortest repr of a float, as Excel shows it)."""
    if isinstance(number, float) and not math.isfinite(number):
        return str(number)
    exact = Decimal(repr(number)) if isinstance(number, float) else Decimal(number)
    if exact == exact.to_integral_value():
        return str(int(exact))
    return format(exact.normalize(), "f")


def as_text(value: Cell) -> str:
    """Any cell as the text it shows: numbers without a trailing .0, dates as 2025-11-24, booleans as 是/否."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | Decimal):
        return number_text(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    return str(value)


# Full-width ASCII (U+FF01–U+FF5E) to half-width; odd spaces to a plain space; invisible characters dropped.
_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_SPACES = {cp: " " for cp in (0x3000, 0x00A0, 0x1680, 0x202F, 0x205F, *range(0x2000, 0x200B))}
_INVISIBLE: dict[int, None] = {cp: None for cp in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD)}
# Prose keeps the full-width punctuation Chinese text is written with (，：；！？（）～); names and codes do not.
_PROSE_KEEP = "！（），：；？～"
_AGGRESSIVE = str.maketrans({**_FULL_WIDTH, **_SPACES, **_INVISIBLE, 0x2212: "-"})
_GENTLE = str.maketrans(
    {**{cp: t for cp, t in _FULL_WIDTH.items() if chr(cp) not in _PROSE_KEEP}, **_SPACES, **_INVISIBLE}
)
# Registered Chinese enterprise names are written with full-width brackets: 泰州(集团) and 泰州（集团） are one name.
_NAME_BRACKETS = str.maketrans({"(": "（", ")": "）"})
_CJK = r"[\u3400-\u9fff\uf900-\ufaff（）]"
_CJK_GAP = re.compile(rf"(?<={_CJK}) (?={_CJK})")
_RUNS = re.compile(r"[ \t]+")
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")


def half_width(text: str) -> str:
    """Full-width letters, digits, punctuation and spaces to ASCII; zero-width characters removed."""
    return text.translate(_AGGRESSIVE)


@functools.cache
def _opencc() -> tuple[OpenCC, frozenset[str] | None]:
    """The t2s converter, built once on first use, and the characters that make it change anything: a string
    with none of them (nearly every name in a simplified ledger) skips the converter, which costs ~20 µs."""
    converter = OpenCC("t2s")
    try:
        return converter, _traditional_characters()
    except OSError:  # the package's dictionaries moved: convert every string, slower but right
        return converter, None


def _traditional_characters() -> frozenset[str]:
    found: set[str] = set()
    folder = importlib.resources.files("opencc").joinpath("dictionary")
    for name in ("TSCharacters.txt", "TSPhrases.txt"):
        for line in folder.joinpath(name).read_text(encoding="utf-8").splitlines():
            source, _tab, targets = line.partition("\t")
            target = targets.split(" ")[0]
            if target == source:
                continue
            if len(target) == len(source):
                found.update(a for a, b in zip(source, target, strict=True) if a != b)
            else:
                found.update(source)
    return frozenset(found)


def simplified(text: str) -> str:
    """Traditional characters to simplified (OpenCC t2s, phrase-aware)."""
    if text.isascii():
        return text
    converter, triggers = _opencc()
    if triggers is not None and triggers.isdisjoint(text):
        return text
    return str(converter.convert(text))


def clean_name(value: Cell) -> str:
    """A name (enterprise, project, person, a choice word): half-width letters, digits and punctuation,
    full-width brackets, simplified characters, white space collapsed to one space and removed between
    Chinese characters. "" for a blank cell."""
    text = simplified(half_width(as_text(value)).translate(_NAME_BRACKETS))
    text = " ".join(text.split())
    return _CJK_GAP.sub("", text)


def clean_code(value: Cell) -> str:
    """A code (project code, demand number, USCC): half-width, simplified, no white space at all; an Excel
    number 123.0 read from a code column is "123". "" for a blank cell."""
    return "".join(simplified(half_width(as_text(value))).split())


def clean_text(value: Cell) -> str:
    """Prose (notes, descriptions): full-width letters, digits and ASCII symbols to half-width while keeping
    the Chinese punctuation of prose (，。、：；！？（）“”), simplified characters, spaces collapsed within each
    line, lines trimmed, at most one empty line in a row. "" for a blank cell."""
    text = simplified(as_text(value).translate(_GENTLE))
    lines = [_RUNS.sub(" ", line).strip() for line in _NEWLINES.sub("\n", text).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def parse_uscc(value: Cell) -> str:
    """A 统一社会信用代码: upper-case, half-width, without spaces or hyphens, checked as the enterprise form
    checks it (GB 32100 checksum, python-stdnum) and refused with the form's message."""
    code = clean_code(value).replace("-", "").upper()
    if code in BLANK_WORDS:
        raise blank_error()
    try:
        validate_uscc(code)
    except ValidationError as exc:
        raise CellError("".join(exc.messages), code="uscc") from exc
    return code
