"""Query parameters read safely: one set of parsers every page, export and fragment goes through.

A value out of shape or out of range parses to None, and the caller leaves its filter off (and says so where
the page has a filter bar: `ParamSpec.note`, shown by `{% params_note %}`). Nothing here raises, so no URL
can turn into a server error: Unicode digits that `str.isdigit()` accepts and `int()` refuses (`²`, `١٢`),
integers past the database's 64-bit range, dates whose ±1 day or whose time-zone shift leaves `datetime`'s
range (0001-01-01, 9999-12-31), NUL characters PostgreSQL refuses. Each list page declares its filters once
(`declare`), so its filter bar can name what it ignored."""

import datetime as dt
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Ids and counts: ASCII digits only, at most 18 of them, so every value fits a signed 64-bit column
# (SQLite's INTEGER and PostgreSQL's bigint both overflow at 2**63).
_UNSIGNED = re.compile(r"[0-9]{1,18}")
ID_MAX = 10**18 - 1
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)
DAYS_MAX = 36500  # "no contact in N days" filters: a century is already everything
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def param_int(value: Any, *, lo: int = 0, hi: int = ID_MAX) -> int | None:
    """A non-negative integer in [lo, hi] written in ASCII digits, else None."""
    text = _text(value)
    if not _UNSIGNED.fullmatch(text):
        return None
    number = int(text)
    return number if lo <= number <= hi else None


def param_id(value: Any) -> int | None:
    """A primary key: a positive integer within the 64-bit range, else None."""
    return param_int(value, lo=1)


def param_days(value: Any) -> int | None:
    """A number of days for a "stale for N days" filter (0 to a century), else None."""
    return param_int(value, lo=0, hi=DAYS_MAX)


def param_date(value: Any, *, lo: dt.date = DATE_MIN, hi: dt.date = DATE_MAX) -> dt.date | None:
    """An ISO date (YYYY-MM-DD) between 1900 and 2100, else None (2026-02-30, 0001-01-01, 9999-12-31 …)."""
    text = _text(value)
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return day if lo <= day <= hi else None


def param_choice(value: Any, choices: Collection[str]) -> str | None:
    """The value if it is one of `choices` (exactly, after trimming), else None."""
    text = _text(value)
    return text if text and text in choices else None


def param_text(value: Any, *, max_length: int = 200) -> str:
    """Free text for a keyword filter: trimmed, without control characters (PostgreSQL refuses NUL in a query
    parameter), at most `max_length` characters; "" when absent."""
    text = _CONTROL.sub("", value) if isinstance(value, str) else ""
    return text.strip()[:max_length]


# What the note below a filter bar calls each parameter.
LABELS = {
    "chain": gettext_lazy("产业链"),
    "node": gettext_lazy("环节"),
    "region": gettext_lazy("地区"),
    "category": gettext_lazy("类别"),
    "qual": gettext_lazy("资质"),
    "liaison": gettext_lazy("挂钩专员"),
    "keeper": gettext_lazy("联络人"),
    "owner": gettext_lazy("负责人"),
    "department": gettext_lazy("部门"),
    "stale": gettext_lazy("未联系天数"),
    "from": gettext_lazy("开始日期"),
    "to": gettext_lazy("结束日期"),
    "deadline_from": gettext_lazy("截止日期自"),
    "deadline_to": gettext_lazy("截止日期至"),
    "year": gettext_lazy("年度"),
    "stage": gettext_lazy("阶段"),
    "status": gettext_lazy("状态"),
    "kind": gettext_lazy("类型"),
    "level": gettext_lazy("级别"),
    "flag": gettext_lazy("进度标记"),
    "source": gettext_lazy("来源"),
    "urgency": gettext_lazy("紧急程度"),
    "channel": gettext_lazy("渠道"),
    "role": gettext_lazy("角色"),
    "active": gettext_lazy("账号状态"),
}


@dataclass(frozen=True)
class ParamSpec:
    """The query parameters a list page filters on, by kind: what `ignored` checks (the parsing itself stays
    in the selector, through the parsers above)."""

    ids: tuple[str, ...] = ()
    days: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    choices: Mapping[str, Collection[str]] = field(default_factory=dict)
    labels: Mapping[str, Any] = field(default_factory=dict)  # a label for a parameter the shared LABELS lack

    def ignored(self, params: Mapping[str, Any]) -> list[str]:
        """The names given a value the filters ignore, in the order the spec lists them."""
        checks: list[tuple[str, Callable[[Any], object]]] = [
            *((key, param_id) for key in self.ids),
            *((key, param_days) for key in self.days),
            *((key, param_date) for key in self.dates),
            *((key, partial(param_choice, choices=c)) for key, c in self.choices.items()),
        ]
        return [key for key, parse in checks if _text(params.get(key)) and parse(params.get(key)) is None]

    def note(self, params: Mapping[str, Any]) -> str:
        """One Chinese sentence naming the ignored filters, or "" when every value was understood."""
        names = [str(LABELS.get(key) or self.labels.get(key, key)) for key in self.ignored(params)]
        if not names:
            return ""
        return _("以下筛选条件的取值无效，已忽略：%(names)s。") % {"names": "、".join(names)}


_SPECS: dict[str, ParamSpec] = {}


def declare(*view_names: str, spec: ParamSpec) -> ParamSpec:
    """Register the spec of the pages named (`"enterprises:list"`), for `{% params_note %}` on their filter bar."""
    for name in view_names:
        _SPECS[name] = spec
    return spec


def spec_for(view_name: str) -> ParamSpec | None:
    return _SPECS.get(view_name)
