"""Login, logout and failed logins go into the audit trail."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from chaindesk.core import audit
from chaindesk.core.models import AuditAction

from .backends import LOCKED_ATTR
from .lockout import normalise

# Set by the two-factor sign-in on the request it logs in: the LOGIN line names the second factor used.
SECOND_FACTOR_ATTR = "_chaindesk_second_factor"
FACTOR_NOTES = {"totp": "second factor: authenticator code", "recovery": "second factor: recovery code"}


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    note = FACTOR_NOTES.get(getattr(request, SECOND_FACTOR_ATTR, ""), "")
    audit.record(action=AuditAction.LOGIN, actor=user, actor_name=normalise(user.get_username()), message=note)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(action=AuditAction.LOGOUT, actor=user, actor_name=normalise(user.get_username()))


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    if getattr(request, LOCKED_ATTR, False):
        return  # refused by the lock-out before the password was checked: already recorded as 登录锁定
    audit.record(action=AuditAction.LOGIN_FAILED, actor_name=normalise(credentials.get("username", "")))
