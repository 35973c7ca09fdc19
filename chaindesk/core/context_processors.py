from typing import Any

from django.conf import settings
from django.http import HttpRequest

from . import clock
from .navigation import items_for

# URL namespaces that belong to an area of the left navigation.
AREA_OF_NAMESPACE = {"core": "system", "accounts": "system"}
# Pages inside a namespace that have a navigation entry of their own (when the user's menu has that entry).
AREA_OF_VIEW_PREFIX = (
    ("demands:task", "tasks"),
    ("demands:team_queue", "team_queue"),
    ("demands:metrics", "metrics"),
    ("core:department", "departments"),
    ("core:calendar", "calendar"),
    ("core:api_token", "api_tokens"),
)


def shell(request: HttpRequest) -> dict[str, Any]:
    """Navigation and product name for the page frame."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"product_name": settings.CHAINDESK_PRODUCT_NAME}
    match = getattr(request, "resolver_match", None)
    namespace = match.namespace if match else ""
    area = AREA_OF_NAMESPACE.get(namespace, namespace)
    view_name = match.view_name if match else ""
    specific = next((key for prefix, key in AREA_OF_VIEW_PREFIX if view_name.startswith(prefix)), None)
    items = items_for(user.role, specific or area)
    if specific and not any(item["active"] for item in items):
        items = items_for(user.role, area)  # e.g. a team member on a task page: no 部门任务 entry, so 诉求与任务
    # printed_at: the time a printed page carries under its title (print.css shows it, the screen does not).
    return {"product_name": settings.CHAINDESK_PRODUCT_NAME, "nav_items": items, "printed_at": clock.localnow()}
