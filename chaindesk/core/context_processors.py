from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .navigation import items_for

# URL namespaces that belong to an area of the left navigation.
AREA_OF_NAMESPACE = {"core": "system", "accounts": "system"}


def shell(request: HttpRequest) -> dict[str, Any]:
    """Navigation and product name for the page frame."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"product_name": settings.CHAINDESK_PRODUCT_NAME}
    match = getattr(request, "resolver_match", None)
    namespace = match.namespace if match else ""
    area = AREA_OF_NAMESPACE.get(namespace, namespace)
    return {"product_name": settings.CHAINDESK_PRODUCT_NAME, "nav_items": items_for(user.role, area)}
