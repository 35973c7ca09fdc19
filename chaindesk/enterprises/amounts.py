"""Amounts typed the way offices write them, stored in 万元.

"5.2亿" → 52000 万元, "52000" and "52,000" → 52000 万元 (a bare number is already in 万元), "5.2万" →
5.2 万元, "380000元" → 38 万元. Full-width digits and separators are accepted. Chinese numerals
(五亿二千万) are not: cn2an is not a dependency yet, and a wrong guess on money is worse than a refusal.
"""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
# Multipliers into 万元 by the unit the number ends with.
_UNITS = {"": Decimal(1), "万": Decimal(1), "万元": Decimal(1), "亿": Decimal(10000), "亿元": Decimal(10000)}
_YUAN = {"元": Decimal("0.0001")}
_PATTERN = re.compile(r"^(?P<number>\d+(?:\.\d+)?)(?P<unit>亿元|万元|亿|万|元)?$")
MAX_WAN = Decimal("999999999999.99")  # Indicator fields: 14 digits, 2 decimals


def parse_amount(text: str) -> Decimal | None:
    """The amount in 万元 (two decimals), None for an empty input; ValidationError in Chinese otherwise."""
    cleaned = unicodedata.normalize("NFKC", text or "")  # full-width digits, commas and dots
    cleaned = re.sub(r"[\s,]", "", cleaned)
    if not cleaned:
        return None
    match = _PATTERN.match(cleaned)
    if not match:
        raise ValidationError(
            _("无法识别金额“%(value)s”：请填写数字，可带单位万或亿，例如 5.2亿、52000、52,000。"),
            code="amount",
            params={"value": text.strip()},
        )
    unit = match.group("unit") or ""
    try:
        number = Decimal(match.group("number"))
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only valid decimals
        raise ValidationError(_("金额格式不正确。"), code="amount") from exc
    factor = _UNITS.get(unit) or _YUAN[unit]
    amount = number * factor
    if amount <= MAX_WAN + 1:  # rounded only when in reach: quantize fails past 28 digits (8e176 …)
        amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if amount > MAX_WAN:
        raise ValidationError(_("金额过大，请检查单位（按万元计）。"), code="amount")
    return amount


def format_wan(amount: Decimal | None) -> str:
    """52000 → "52,000.00 万元"; used to say which amount and unit were stored."""
    if amount is None:
        return "—"
    return f"{amount:,.2f} 万元"
