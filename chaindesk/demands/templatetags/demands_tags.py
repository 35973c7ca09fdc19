"""Template helpers of the demands pages."""

import datetime as dt
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from chaindesk.demands.workdays import is_provisional

register = template.Library()


@register.filter
def provisional_mark(day: Any) -> str:
    """ "预估" after a deadline in a year whose official holidays are neither published nor entered yet (the
    statutory holidays are rest days, no make-up workday is guessed: chaindesk/core/holidays.py)."""
    if not isinstance(day, dt.date) or not is_provisional(day):
        return ""
    title = _("该年节假日安排尚未公布，暂按法定节假日预估工作日（不含调休），公布后将重新计算")
    return format_html(' <span class="badge bg-yellow-lt" title="{}">{}</span>', title, _("预估"))
