"""Header and cell of a resource's column on the generic list page (`includes/list_page.html`)."""

import datetime as dt
from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from chaindesk.core.resources import Col

from .cd import department_html, wan_yuan
from .cd_sort import sort_header

register = template.Library()


@register.simple_tag(takes_context=True)
def column_header(context: dict[str, Any], column: Col) -> str:
    """A sortable header when the column has a sort key, else a plain one (with its classes)."""
    if column.sort:
        return sort_header(context, column.sort, str(column.page_label), column.head_css)
    if column.head_css:
        return format_html('<th class="{}">{}</th>', column.head_css, column.page_label)
    return format_html("<th>{}</th>", column.page_label)


@register.simple_tag
def column_value(column: Col, row: Any) -> str:
    """A plain cell's content: dates as 2026-11-24, amounts in 万元/亿元 when asked, `empty` when missing,
    a link to the row's page when the column names one."""
    value = column.value(row) if column.value else None
    if column.wan:
        text = wan_yuan(value)
    elif value is None or value == "":
        text = str(column.empty)
    elif isinstance(value, dt.datetime):
        text = f"{timezone.localtime(value):%Y-%m-%d}"
    elif isinstance(value, dt.date):
        text = f"{value:%Y-%m-%d}"
    elif hasattr(value, "short_name") and not column.link:
        return department_html(value)  # a department: its short name, the full name on hover
    else:
        text = str(value)
    if column.link:
        return format_html('<a href="{}">{}</a>', reverse(column.link, args=[row.pk]), text)
    return format_html("{}", text)
