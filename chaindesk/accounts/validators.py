"""Password rules beyond Django's (AUTH_PASSWORD_VALIDATORS in config/settings/base.py), with Chinese messages.

Refused: whitespace only; fewer than three character classes (lower case, upper case, digits, other); one
character repeated with one or two others (`1111111111a`); the city's place names in pinyin or characters
(`taizhou2026`); a year. The demo password is refused outside DEBUG by chaindesk.demo.validators."""

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLength
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The city (泰州), its districts and county-level cities, and the province: the first words a guesser tries.
PLACE_NAMES = (
    "taizhou",
    "xinghua",
    "jingjiang",
    "taixing",
    "jiangyan",
    "hailing",
    "gaogang",
    "jiangsu",
    "泰州",
    "兴化",
    "靖江",
    "泰兴",
    "姜堰",
    "海陵",
    "高港",
    "江苏",
)
YEAR = re.compile(r"(?:19|20)\d{2}")


class MinimumLengthValidator(DjangoMinimumLength):
    """Django's length rule, with a Chinese message (Django's own catalogue misses this plural form)."""

    def get_error_message(self) -> str:
        return _("密码太短，至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}


def _classes(password: str) -> int:
    kinds = set()
    for char in password:
        if char.isascii() and char.islower():
            kinds.add("lower")
        elif char.isascii() and char.isupper():
            kinds.add("upper")
        elif char.isascii() and char.isdigit():
            kinds.add("digit")
        else:
            kinds.add("other")
    return len(kinds)


class ComplexityValidator:
    """Not whitespace only, at least `min_classes` character classes, not one character repeated."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if not password.strip():
            raise ValidationError(_("密码不能只由空格等空白字符组成。"), code="password_blank")
        most = Counter(password).most_common(1)[0][1]
        if len(password) - most <= 2:
            raise ValidationError(_("密码不能由同一字符重复组成。"), code="password_repeated")
        if _classes(password) < self.min_classes:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、符号中的至少 %(n)d 类。") % {"n": self.min_classes},
                code="password_classes",
            )

    def get_help_text(self) -> str:
        return _("密码须包含大写字母、小写字母、数字、符号中的至少 %(n)d 类。") % {"n": self.min_classes}


class GuessableWordsValidator:
    """No place name of the city (pinyin or characters, any case) and no year (19xx, 20xx)."""

    def __init__(self, words: Iterable[str] = PLACE_NAMES) -> None:
        self.words = tuple(w.lower() for w in words)

    def validate(self, password: str, user: Any = None) -> None:
        lowered = password.lower()
        found = next((w for w in self.words if w in lowered), None)
        if found is not None:
            raise ValidationError(
                _("密码不能包含地名（如“%(word)s”），这类密码容易被猜中。") % {"word": found}, code="password_place"
            )
        if YEAR.search(password):
            raise ValidationError(_("密码不能包含年份（如 2026），这类密码容易被猜中。"), code="password_year")

    def get_help_text(self) -> str:
        return _("密码不能包含地名或年份。")
