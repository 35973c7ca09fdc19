from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from chaindesk.core import audit, context
from chaindesk.core.models import AuditAction

from .lockout import is_locked, normalise
from .models import User

# Set on a request whose login the lock-out refused: the failed-login signal then adds no second line.
LOCKED_ATTR = "_chaindesk_login_locked"


class ChainDeskBackend(ModelBackend):
    """Django's backend, with the login lock-out on every way in (the product's login page, /django-admin/
    and any later one), and loading the user's region, department and (an enterprise user's) enterprise with
    the user (one query per request)."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        name = normalise(username or kwargs.get(User.USERNAME_FIELD) or "")
        if name and is_locked(username=name, ip=context.current().ip):
            audit.record(action=AuditAction.LOGIN_LOCKED, actor_name=name)
            if request is not None:
                setattr(request, LOCKED_ATTR, True)
            raise PermissionDenied  # Django stops at this backend and reports a failed login
        return super().authenticate(request, username=username, password=password, **kwargs)  # type: ignore[return-value]

    def get_user(self, user_id: Any) -> User | None:
        # The enterprise an enterprise user acts for (a later app's reverse one-to-one, named, not imported)
        # comes in the same query: the top bar names it on every page (User.scope_label).
        related = ("region", "department", "enterprise_account__enterprise__region")
        user = User.objects.select_related(*related).filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
