from typing import Any

from django import template
from django.utils.html import format_html

from .cd import query_replace

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context: dict[str, Any], key: str, label: str, css: str = "") -> str:
    """A sortable column header: clicking toggles ascending/descending, filters are kept."""
    current = context.get("sort", "")
    target = f"-{key}" if current == key else key
    arrow = ""
    if current.lstrip("-") == key:
        arrow = " ↓" if current.startswith("-") else " ↑"
    url = "?" + query_replace(context, sort=target, page=None)
    aria = "descending" if current == f"-{key}" else ("ascending" if current == key else "none")
    return format_html('<th class="{}" aria-sort="{}"><a href="{}">{}{}</a></th>', css, aria, url, label, arrow)
