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
    """ "预估" after a deadline in a year whose official holidays are not published yet (Monday–Friday count)."""
    if not isinstance(day, dt.date) or not is_provisional(day):
        return ""
    title = _("节假日安排尚未公布，暂按周一至周五计算工作日")
    return format_html(' <span class="badge bg-yellow-lt" title="{}">{}</span>', title, _("预估"))
