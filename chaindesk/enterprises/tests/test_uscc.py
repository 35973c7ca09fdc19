"""The USCC validator's fast path decides as python-stdnum does, on valid codes, near misses and noise."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from stdnum.cn import uscc

from chaindesk.enterprises.models import USCC_ALPHABET, uscc_check_digit, validate_uscc

BODY = st.text(alphabet="0123456789", min_size=8, max_size=8).flatmap(
    lambda head: st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9).map(lambda tail: head + tail)
)
NOISE = st.text(alphabet=USCC_ALPHABET + "IOSVZabc -—０１", min_size=0, max_size=22)


def _ours(value: str) -> bool:
    try:
        validate_uscc(value)
    except ValidationError:
        return False
    return True


@hypothesis_settings(max_examples=400, deadline=None)
@given(BODY)
def test_a_valid_code_passes_and_every_other_check_character_fails(body):
    assert uscc_check_digit(body) == uscc.calc_check_digit(body)
    for check in USCC_ALPHABET:
        code = body + check
        assert _ours(code) == uscc.is_valid(code) == (check == uscc_check_digit(body))


@hypothesis_settings(max_examples=600, deadline=None)
@given(NOISE)
def test_any_text_is_decided_as_stdnum_decides(value):
    assert _ours(value) == uscc.is_valid(value)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("91321200MA1XYW1239", uscc.is_valid("91321200MA1XYW1239")),
        ("9132 1200-MA1XYW123" + uscc_check_digit("91321200MA1XYW123"), True),  # stdnum's separators: still valid
        ("A1321200MA1XYW123" + uscc_check_digit("91321200MA1XYW123"), False),  # a letter in the first eight
        ("91321200MA1XYW12", False),  # short
    ],
)
def test_examples(value, valid):
    assert _ours(value) is valid
    if not valid:
        with pytest.raises(ValidationError, match="统一社会信用代码"):
            validate_uscc(value)
