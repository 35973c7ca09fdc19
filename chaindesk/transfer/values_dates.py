"""Cells as dates and months, in every way offices write them.

See chaindesk/transfer/values.py for the whole vocabulary and the decisions behind it."""

import math
import re
from datetime import date, datetime, timedelta
from typing import Literal

import cn2an
from django.utils.translation import gettext as _

from .values_numbers import YEAR_MAX, YEAR_MIN
from .values_text import BLANK_WORDS, Cell, CellError, blank_error, half_width, number_text, show

Precision = Literal["day", "month"]
Kind = Literal["date", "month"]

# Excel's 1900 date system counts 1900-02-29, a day that never was (serial 60, kept from Lotus 1-2-3): serials
# after it are days since 1899-12-30, serials before it days since 1899-12-31.
_EPOCH_AFTER_BUG = date(1899, 12, 30)
_EPOCH_BEFORE_BUG = date(1899, 12, 31)
_PHANTOM_SERIAL = 60
_SERIAL_MAX = (date(YEAR_MAX, 12, 31) - _EPOCH_AFTER_BUG).days

_TIME = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$", re.ASCII)
_ZERO = "〇零○O"
_N = rf"[\d{_ZERO}一二三四五六七八九十]"
# 2025-11-24, 2025/11/24, 2025.11.24 (one separator throughout), or a month: 2025-10, 2025.10.
_SEPARATED = re.compile(r"(?P<y>\d+)(?P<s>[./-])(?P<m>\d{1,2})(?:(?P=s)(?P<d>\d{1,2}))?", re.ASCII)
# 2025年11月24日, 二〇二五年九月一日, 2025年11月24号, 2025年10月, 2025年10月份.
_CHINESE = re.compile(rf"(?P<y>{_N}+)年(?P<m>{_N}{{1,3}})月(?:份|(?P<d>{_N}{{1,3}})[日号]?)?", re.ASCII)
_DAY_FIRST = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{4}", re.ASCII)
_YEAR_DIGITS = str.maketrans(_ZERO + "一二三四五六七八九", "0000123456789")


def _messages(kind: Kind) -> dict[str, str]:
    example = "2025-11-24 或 2025年11月24日" if kind == "date" else "2025-11-24、2025年11月24日 或 2025年10月"
    what = _("日期") if kind == "date" else _("日期或月份")
    return {
        "bad": _("无法识别的%(what)s“%(value)s”，请写成 %(example)s"),
        "two_digit": _("“%(value)s”的年份只有两位，请写满四位，如 %(example)s"),
        "year_like": _("“%(value)s”像是年份，不是%(what)s，请写成 %(example)s"),
        "day_first": _("“%(value)s”的年月日顺序无法确定，请按 年-月-日 写，如 %(example)s"),
        "range": _("%(what)s“%(value)s”不在 1900—2100 年之间"),
        "phantom": _("Excel 日期序号 60 是 1900年2月29日，这一天并不存在，请改写%(what)s，如 %(example)s"),
        "_what": what,
        "_example": example,
    }


def _refuse(reason: str, value: Cell, kind: Kind) -> CellError:
    texts = _messages(kind)
    params = {"what": texts["_what"], "example": texts["_example"], "value": show(value)}
    return CellError(texts[reason] % params, code=kind)


def _built(year: int, month: int, day: int | None, value: Cell, kind: Kind) -> tuple[date, Precision]:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise _refuse("range", value, kind)
    try:
        return date(year, month, day or 1), "day" if day else "month"
    except ValueError as exc:  # 2025年13月1日, 2025-02-30
        raise _refuse("bad", value, kind) from exc


def _from_serial(serial: int, value: Cell, kind: Kind) -> tuple[date, Precision]:
    if serial == _PHANTOM_SERIAL:
        raise _refuse("phantom", value, kind)
    epoch = _EPOCH_AFTER_BUG if serial > _PHANTOM_SERIAL else _EPOCH_BEFORE_BUG
    return epoch + timedelta(days=serial), "day"


def _year_month_float(number: float, value: Cell, kind: Kind) -> tuple[date, Precision]:
    """2025.11 typed into a number cell: a month (which parse_date refuses as a month). 2025.1 is refused:
    Excel stores 2025.10 the same way."""
    year_text, _dot, fraction = number_text(number).partition(".")
    if len(fraction) > 2:
        raise _refuse("year_like", value, kind)
    if fraction == "1":
        message = _("“%(value)s”分不清是%(year)s年1月还是%(year)s年10月，请写成 %(year)s-10 或 %(year)s年10月")
        raise CellError(message % {"value": show(value), "year": year_text}, code=kind)
    return _built(int(year_text), int(fraction), None, value, kind)


def _from_number(number: float | int, value: Cell, kind: Kind) -> tuple[date, Precision]:
    """An Excel serial (1 = 1900-01-01, a fraction is the time of day), or digits typed as a number:
    20251124, 202510 and, for months, 2025.11. A bare year (2025) is refused rather than read as 1905-07-17."""
    if not math.isfinite(number):
        raise _refuse("bad", value, kind)
    if YEAR_MIN <= number <= YEAR_MAX:
        if number == int(number):
            raise _refuse("year_like", value, kind)
        return _year_month_float(float(number), value, kind)
    whole = int(number)
    if whole == number and 19000101 <= whole <= 21001231:
        return _built(whole // 10000, whole // 100 % 100, whole % 100, value, kind)
    if whole == number and 190001 <= whole <= 210012:
        return _built(whole // 100, whole % 100, None, value, kind)
    if 1 <= number < _SERIAL_MAX + 1:
        return _from_serial(math.floor(number), value, kind)
    raise _refuse("bad", value, kind)


def _part(text: str | None) -> int | None:
    """A month or day written in digits or Chinese numerals (十一, 二十四)."""
    if text is None:
        return None
    if text.isascii():
        return int(text)
    try:
        number = cn2an.cn2an(text, "normal")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return 0  # no month 0 nor day 0: refused by _built
    return number if isinstance(number, int) else 0


def _from_text(text: str, value: Cell, kind: Kind) -> tuple[date, Precision]:
    compact = "".join(_TIME.sub("", half_width(text).strip()).split())
    if compact.isascii() and compact.isdigit():
        if len(compact) in (6, 8):
            return _from_number(int(compact), value, kind)
        if len(compact) == 4:
            raise _refuse("year_like", value, kind)
    if re.fullmatch(r"\d{5}(?:\.\d+)?", compact, re.ASCII):  # a serial that became text on the way (CSV, a text cell)
        return _from_number(float(compact), value, kind)
    if _DAY_FIRST.fullmatch(compact):
        raise _refuse("day_first", value, kind)
    match = _SEPARATED.fullmatch(compact) or _CHINESE.fullmatch(compact)
    if match is None:
        raise _refuse("bad", value, kind)
    year_text = match["y"].translate(_YEAR_DIGITS)
    if not year_text.isdigit() or len(year_text) != 4:
        raise _refuse("two_digit" if len(year_text) == 2 else "bad", value, kind)
    return _built(int(year_text), _part(match["m"]) or 0, _part(match["d"]), value, kind)


def _read(value: Cell, kind: Kind) -> tuple[date, Precision]:
    if value is None or (isinstance(value, str) and "".join(half_width(value).split()) in BLANK_WORDS):
        raise blank_error()
    if isinstance(value, datetime):  # python-calamine gives datetimes for cells formatted as dates
        value = value.date()
    if isinstance(value, date):
        return _built(value.year, value.month, value.day, value, kind)
    if isinstance(value, bool):
        raise _refuse("bad", value, kind)
    if isinstance(value, int | float):
        return _from_number(value, value, kind)
    if isinstance(value, str):
        return _from_text(value, value, kind)
    raise _refuse("bad", value, kind)


def parse_date(value: Cell) -> date:
    """A day: 2025年11月24日, 2025.11.24, 2025/11/24, 2025-11-24, 2025-11-24 00:00:00, 20251124, Chinese
    numerals (二〇二五年九月一日), a datetime or date, an Excel serial (1900 system). Refused with a message
    naming the accepted forms: two-digit years, day-first orders, impossible days, a bare year, a month only."""
    found, precision = _read(value, "date")
    if precision != "day":
        message = _("“%(value)s”只写到月份，这里需要具体日期，如 2025-11-24") % {"value": show(value)}
        raise CellError(message, code="date")
    return found


def parse_month(value: Cell) -> tuple[date, Precision]:
    """A day or a month, with its precision: 2025年10月, 2025.10, 2025-10, 202510 → (2025-10-01, "month");
    anything parse_date reads → (that day, "day")."""
    return _read(value, "month")
