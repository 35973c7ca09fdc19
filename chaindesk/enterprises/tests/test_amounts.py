from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from chaindesk.enterprises.amounts import format_wan, parse_amount


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5.2亿", Decimal("52000.00")),
        ("5.2亿元", Decimal("52000.00")),
        ("52000", Decimal("52000.00")),
        ("52,000", Decimal("52000.00")),
        ("５２，０００", Decimal("52000.00")),  # full-width digits and comma
        (" 52 000 ", Decimal("52000.00")),
        ("5.2万", Decimal("5.20")),
        ("5.2万元", Decimal("5.20")),
        ("380000元", Decimal("38.00")),
        ("0.125", Decimal("0.13")),  # rounded half up to the cent
        ("", None),
        ("   ", None),
    ],
)
def test_parse_amount(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text", ["abc", "五亿", "-5", "5.2.1亿", "5亿万", "1e5", "99999999999999亿"])
def test_parse_amount_refuses_with_a_chinese_message(text):
    with pytest.raises(ValidationError) as info:
        parse_amount(text)
    assert "金额" in " ".join(info.value.messages)


def test_format_wan():
    assert format_wan(Decimal("52000")) == "52,000.00 万元"
    assert format_wan(None) == "—"
