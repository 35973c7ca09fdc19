"""Cells as numbers: amounts in 万元, integers, years, percentages and yes/no.

See chaindesk/transfer/values.py for the whole vocabulary and the decisions behind it."""

import math
import re
from decimal import ROUND_HALF_UP, Decimal

import cn2an
from django.utils.translation import gettext as _

from .values_text import BLANK_WORDS, Cell, CellError, blank_error, half_width, show

# The product stores amounts in 万元 as DecimalField(max_digits=14, decimal_places=2) (projects, enterprises'
# indicators, leads, 上争事项): at most 12 digits before the point.
AMOUNT_LIMIT = Decimal(10) ** 12
CENT = Decimal("0.01")
# A unit written in a cell or a header, as a factor to 万元. Longest first: the regex tries them in order.
AMOUNT_UNITS: dict[str, Decimal] = {
    "千万元": Decimal(1000),
    "百万元": Decimal(100),
    "亿元": Decimal(10000),
    "万元": Decimal(1),
    "千元": Decimal("0.1"),
    "千万": Decimal(1000),
    "百万": Decimal(100),
    "亿": Decimal(10000),
    "万": Decimal(1),
    "元": Decimal("0.0001"),
}
_UNIT_ALTERNATION = "|".join(AMOUNT_UNITS)
# Thousands separators only in groups of three, so that a European 1,5 is refused rather than read as 15.
_NUMBER = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+"
_AMOUNT = re.compile(rf"(?P<number>{_NUMBER})(?P<unit>{_UNIT_ALTERNATION})?", re.ASCII)
_CURRENCY = re.compile(r"^(?:人民币|RMB|CNY|¥|￥)+|整$", re.IGNORECASE)
_CN_NUMERALS = frozenset("零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟点负")
# Errors cn2an raises on text it cannot read; it is third-party code fed arbitrary cells.
_CN2AN_ERRORS = (ValueError, KeyError, IndexError, TypeError, AttributeError, ArithmeticError)
_HINT_NOISE = re.compile(r"^单位[:：]?|[()（）\[\]【】]")  # 「单位：万元」, (万元)
INT_LIMIT = 2_147_483_647  # PositiveIntegerField on PostgreSQL
YEAR_MIN, YEAR_MAX = 1900, 2100


def _compact(value: str) -> str:
    return "".join(half_width(value).split())


def _finite(number: float | int) -> Decimal | None:
    if isinstance(number, float) and not math.isfinite(number):
        return None
    return Decimal(repr(number)) if isinstance(number, float) else Decimal(number)


def _chinese_number(text: str, mode: str = "smart") -> Decimal | None:
    """cn2an's reading of Chinese numerals (五千二百, 一亿二千万, 十二点五), or None."""
    if not text or _CN_NUMERALS.isdisjoint(text):
        return None
    try:
        number = cn2an.cn2an(text, mode)
    except _CN2AN_ERRORS:
        return None
    return _finite(number) if isinstance(number, int | float) else None


def _hint_factor(unit_hint: str | None) -> Decimal:
    if unit_hint is None:
        return AMOUNT_UNITS["万元"]
    hint = _HINT_NOISE.sub("", _compact(unit_hint)).removeprefix("人民币")
    if hint in AMOUNT_UNITS:
        return AMOUNT_UNITS[hint]
    raise CellError(_("无法识别的金额单位“%(unit)s”，应为 元、万元 或 亿元") % {"unit": unit_hint}, code="amount")


def _amount_in_wan(text: str, hint: Decimal) -> Decimal | None:
    """The amount in 万元 written in `text`, or None if it is not one."""
    match = _AMOUNT.fullmatch(text)
    if match:
        unit = match["unit"]
        return Decimal(match["number"].replace(",", "")) * (AMOUNT_UNITS[unit] if unit else hint)
    body = text.removesuffix("元")
    in_yuan = body != text or body.endswith(("万", "亿"))
    whole = _chinese_number(body)
    if whole is not None:
        return whole * AMOUNT_UNITS["元"] if in_yuan else whole * hint
    for unit in ("亿", "万"):  # 五点二亿: cn2an reads 五点二 but not 五点二亿
        if body.endswith(unit):
            part = _chinese_number(body[: -len(unit)])
            if part is not None:
                return part * AMOUNT_UNITS[unit]
    return None


def parse_amount(value: Cell, *, unit_hint: str | None = None, allow_negative: bool = False) -> Decimal:
    """An amount in 万元 rounded half-up to 2 decimals. A unit in the cell wins ("5.2亿元", "5,200万", "3000元");
    otherwise `unit_hint` (the header's or the sheet's unit: "万元", "亿元", "元"; None means 万元) applies to a
    bare number. Chinese numerals (五千二百万, 一亿二千万), thousands separators, full-width digits, a 人民币/¥
    prefix and a trailing 整 are read. Refused: blanks, negatives unless `allow_negative`, and amounts that do
    not fit DecimalField(max_digits=14, decimal_places=2)."""
    hint = _hint_factor(unit_hint)
    if isinstance(value, bool) or value is None:
        amount = None
    elif isinstance(value, int | float):
        number = _finite(value)
        amount = None if number is None else number * hint
    elif isinstance(value, str):
        text = _CURRENCY.sub("", _compact(value))
        if text in BLANK_WORDS:
            raise blank_error()
        amount = _amount_in_wan(text, hint)
    else:
        amount = None
    if amount is None:
        if value is None:
            raise blank_error()
        message = _("无法识别的金额“%(value)s”，请写成 5200、5,200万元 或 0.52亿元") % {"value": show(value)}
        raise CellError(message, code="amount")
    return _checked_amount(amount, value, allow_negative=allow_negative)


def _checked_amount(amount: Decimal, value: Cell, *, allow_negative: bool) -> Decimal:
    if amount < 0 and not allow_negative:
        raise CellError(_("金额“%(value)s”不能为负数") % {"value": show(value)}, code="amount")
    if abs(amount) >= AMOUNT_LIMIT - CENT / 2:
        message = _("金额“%(value)s”过大：换算为万元后超过 12 位整数，请检查单位") % {"value": show(value)}
        raise CellError(message, code="amount")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP) + 0  # + 0 turns -0.00 into 0.00


def _integral(value: Cell, suffixes: str) -> int | None:
    """The whole number in a cell (120, 120.0, "1,200", "120人", "一百二十"), or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = _finite(value)
    elif isinstance(value, str):
        text = _compact(value).rstrip(suffixes)
        match = re.fullmatch(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.0*)?", text, re.ASCII)
        number = Decimal(text.replace(",", "")) if match else _chinese_number(text, "normal")
    else:
        return None
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


def parse_int(value: Cell, *, allow_negative: bool = False) -> int:
    """A whole number: 120, 120.0 (Excel), "1,200", "120人" (a counting word 人/个/家/项/名/户/次/位/台/套 after it),
    "一百二十". Fractions and, unless `allow_negative`, negatives are refused."""
    if value is None or (isinstance(value, str) and _compact(value) in BLANK_WORDS):
        raise blank_error()
    number = _integral(value, "人个家项名户次位台套")
    if number is None:
        raise CellError(_("无法识别的整数“%(value)s”，请写成如 120 的整数") % {"value": show(value)}, code="integer")
    if number < 0 and not allow_negative:
        raise CellError(_("“%(value)s”不能为负数") % {"value": show(value)}, code="integer")
    if abs(number) > INT_LIMIT:
        raise CellError(_("整数“%(value)s”过大") % {"value": show(value)}, code="integer")
    return number


_CN_DIGITS = str.maketrans("〇零○O一二三四五六七八九", "0000123456789")


def parse_year(value: Cell) -> int:
    """A year between 1900 and 2100: 2025, 2025.0, "2025", "2025年", "2025年度", "二〇二五年"."""
    if isinstance(value, str):
        text = _compact(value).removesuffix("度").removesuffix("年").translate(_CN_DIGITS)
        if text in BLANK_WORDS:
            raise blank_error()
        year = int(text) if text.isascii() and text.isdigit() and len(text) == 4 else None
    else:
        year = _integral(value, "")
    if year is None and value is None:
        raise blank_error()
    if year is None or not YEAR_MIN <= year <= YEAR_MAX:
        message = _("无法识别的年份“%(value)s”，请写成 2025 或 2025年（1900—2100年）") % {"value": show(value)}
        raise CellError(message, code="year")
    return year


def parse_percent(value: Cell, *, numbers_are_fractions: bool = False) -> Decimal:
    """A percentage as the number before the % sign, rounded to 2 decimals: "12.5%", "12.5", "百分之十二点五",
    -3%. A number cell is the number shown, unless `numbers_are_fractions` (a column Excel formats as a
    percentage, which it stores as 0.125 for 12.5%)."""
    number: Decimal | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = _finite(value)
        if number is not None and numbers_are_fractions:
            number *= 100
    elif isinstance(value, str):
        text = _compact(value).removeprefix("百分之").removesuffix("%")
        if text in BLANK_WORDS:
            raise blank_error()
        plain = re.fullmatch(_NUMBER, text, re.ASCII)
        number = Decimal(text.replace(",", "")) if plain else _chinese_number(text)
    if number is None or abs(number) >= AMOUNT_LIMIT:
        if value is None:
            raise blank_error()
        raise CellError(
            _("无法识别的百分比“%(value)s”，请写成 12.5%% 或 12.5") % {"value": show(value)}, code="percent"
        )
    return number.quantize(CENT, rounding=ROUND_HALF_UP) + 0


_TRUE_WORDS = frozenset({"是", "有", "√", "✓", "✔", "☑", "对", "Y", "YES", "TRUE", "T", "1"})
_FALSE_WORDS = frozenset({"否", "无", "没有", "不是", "×", "✗", "✘", "☐", "X", "N", "NO", "FALSE", "F", "0"})


def parse_bool(value: Cell) -> bool:
    """Yes or no: 是/否, 有/无, √/×, Y/N, TRUE/FALSE, 1/0 and Excel booleans."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = _compact(value).upper() if isinstance(value, str) else None
    if word in BLANK_WORDS or value is None:
        raise blank_error()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise CellError(_("无法识别“%(value)s”，请填 是 或 否（也可用 有/无、√/×）") % {"value": show(value)}, code="bool")


__all__ = [
    "AMOUNT_LIMIT",
    "AMOUNT_UNITS",
    "parse_amount",
    "parse_bool",
    "parse_int",
    "parse_percent",
    "parse_year",
]
