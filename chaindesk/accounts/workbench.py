"""The system administrator's 工作台 card: accounts by role (the dashboards app, above accounts, registers it)."""

from typing import Any

from django.db.models import Count

from .choices import Role
from .models import User


def accounts_card(user: Any) -> dict[str, Any]:
    """Accounts per role and in all: two queries."""
    return {
        "users_by_role": list(User.objects.values("role").annotate(n=Count("pk")).order_by("role")),
        "user_count": User.objects.count(),
        "role_labels": dict(Role.choices),
    }
