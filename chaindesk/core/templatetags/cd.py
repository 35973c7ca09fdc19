"""Template helpers: amounts in 万元/亿元, thousands separators, URL query rewriting, status tags, department
names."""

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def intcomma_cn(value: Any) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


@register.filter
def wan_yuan(value: Any) -> str:
    """An amount stored in 万元, shown as 亿元 from 10,000 万元 up."""
    if value is None or value == "":
        return "—"
    amount = Decimal(str(value))
    if abs(amount) >= 10000:
        return f"{(amount / 10000):,.2f} 亿元"
    return f"{amount:,.2f} 万元"


@register.simple_tag(takes_context=True)
def query_replace(context: dict[str, Any], **kwargs: Any) -> str:
    """The current query string with some parameters replaced (filters survive paging and sorting)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = value
    return str(query.urlencode())


@register.simple_tag
def status_tag(label: Any, colour: str = "grey") -> str:
    return format_html('<span class="badge status-{}">{}</span>', colour, label)


def department_html(value: Any) -> str:
    """One name per department everywhere: the short name, the full name on hover. Any object with `short_name`
    and `name` (core knows no domain app); None reads "" and anything else reads as its text."""
    if value is None or value == "":
        return ""
    short, full = getattr(value, "short_name", None), getattr(value, "name", None)
    if short is None or full is None:
        return format_html("{}", value)
    return format_html('<span class="cd-dept" title="{}">{}</span>', full, short or full)


@register.filter
def dept(value: Any) -> str:
    """`{{ task.lead_department|dept }}`: the department's short name with its full name as the title."""
    return department_html(value)


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key, key)


@register.filter
def app_label(obj: Any) -> str:
    return str(obj._meta.app_label)


@register.filter
def model_name(obj: Any) -> str:
    return str(obj._meta.model_name)
