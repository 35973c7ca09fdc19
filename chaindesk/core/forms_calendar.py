"""The form of 系统 → 节假日日历 → a year: the holidays and make-up workdays as the State Council's notice lists
them, one per line, typed or pasted (`春节 2027-02-05 至 2027-02-11`, `2027-02-14`). It works without
JavaScript; the service (chaindesk/core/services_calendar.py) checks what the lines mean."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .services_calendar import NOTICE_MAX, HolidayRange

# 2027-01-01, 2027/1/1, 2027.1.1, 2027年1月1日, or 1月1日 / 1-1 within the form's year
_DATE = re.compile(
    r"(?:(?P<y>\d{4})\s*[-/.年]\s*)?(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?(?![\d])",
)
_SEPARATORS = " \t,，、;；:：至到~～—-"


def _dates(line: str, year: int, number: int) -> tuple[list[dt.date], str]:
    """The dates of a line, in order, and the text before the first one (a holiday's name)."""
    found = list(_DATE.finditer(line))
    days = []
    for match in found:
        try:
            days.append(dt.date(int(match["y"] or year), int(match["m"]), int(match["d"])))
        except ValueError as exc:
            raise ValidationError(
                _("第%(n)s行：“%(text)s”不是有效日期。") % {"n": number, "text": match.group(0).strip()}
            ) from exc
    name = line[: found[0].start()].strip(_SEPARATORS) if found else line.strip()
    return days, name


class OfficialCalendarForm(forms.Form):
    """A year's official schedule as text: `holidays` one holiday per line, `workdays` one make-up day per line."""

    notice = forms.CharField(
        label=gettext_lazy("发布文件"),
        required=False,
        max_length=NOTICE_MAX,
        help_text=gettext_lazy("例如：国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕X号）"),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    holidays = forms.CharField(
        label=gettext_lazy("放假安排"),
        help_text=gettext_lazy("每行一个节日：名称、起止日期，如“春节 2027-02-05 至 2027-02-11”；只放一天写一个日期。"),
        widget=forms.Textarea(attrs={"class": "form-control font-monospace", "rows": 9}),
    )
    workdays = forms.CharField(
        label=gettext_lazy("调休上班日"),
        required=False,
        help_text=gettext_lazy("每行一个日期，如“2027-02-14”，可在日期后注明节日；没有调休则留空。"),
        widget=forms.Textarea(attrs={"class": "form-control font-monospace", "rows": 5}),
    )

    def __init__(self, *args: object, year: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.year = year

    def clean_holidays(self) -> list[HolidayRange]:
        ranges = []
        for number, line in _lines(self.cleaned_data["holidays"]):
            days, name = _dates(line, self.year, number)
            if not days or len(days) > 2:
                raise ValidationError(
                    _("第%(n)s行：请写成“名称 开始日期 至 结束日期”或“名称 日期”。") % {"n": number}, code="format"
                )
            if not name:
                raise ValidationError(_("第%(n)s行：请在日期前写明节日名称。") % {"n": number}, code="format")
            ranges.append(HolidayRange(name=name, start=days[0], end=days[-1]))
        if not ranges:
            raise ValidationError(_("请至少填写一个节假日。"), code="required")
        return ranges

    def clean_workdays(self) -> list[dt.date]:
        days: list[dt.date] = []
        for number, line in _lines(self.cleaned_data.get("workdays") or ""):
            found, _name = _dates(line, self.year, number)
            if not found:
                raise ValidationError(_("第%(n)s行：请填写调休上班的日期。") % {"n": number}, code="format")
            days += found
        return days


def _lines(text: str) -> list[tuple[int, str]]:
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def initial_text(runs: list[tuple[str, dt.date, dt.date]], workdays: list[dt.date]) -> dict[str, str]:
    """The form's text for a schedule: one line per holiday run, one per make-up workday."""
    lines = [f"{name} {start:%Y-%m-%d}" + (f" 至 {end:%Y-%m-%d}" if end != start else "") for name, start, end in runs]
    return {"holidays": "\n".join(lines), "workdays": "\n".join(f"{d:%Y-%m-%d}" for d in workdays)}
