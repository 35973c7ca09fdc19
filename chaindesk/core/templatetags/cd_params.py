"""`{% params_note %}` below a filter bar: names the filters whose value in the URL was ignored."""

from typing import Any

from django import template
from django.utils.html import format_html

from chaindesk.core.params import spec_for

register = template.Library()


@register.simple_tag(takes_context=True)
def params_note(context: dict[str, Any]) -> str:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    spec = spec_for(match.view_name) if match else None
    note = spec.note(request.GET) if spec and request is not None else ""
    if not note:
        return ""
    return format_html(
        '<div class="alert alert-warning py-2 mt-2 mb-0" role="status" data-testid="params-note">{}</div>', note
    )
