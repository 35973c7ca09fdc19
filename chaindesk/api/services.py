"""Issuing and revoking API tokens: only the system administrator, every write audited in its transaction.

The secret is returned once by `token_create` and never stored (only its SHA-256), nor written to the audit
trail. The token's user is told in their inbox that a token acting as them was issued."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import User
from chaindesk.core import audit, clock
from chaindesk.core.actors import Actor, person, require_actor
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.models import AuditAction, Notification

from .auth import NO_TOKEN_ROLES, api_resources
from .models import ALL_RESOURCES, MAX_LIFETIME, PREFIX_LENGTH, Access, ApiToken, hash_secret, new_secret

# What the audit trail keeps of a token: never its hash (nor, of course, its secret).
AUDITED_FIELDS = ["name", "user", "scopes", "prefix", "expires_at", "revoked_at", "revoked_by", "created_by"]


def _require_system_admin(actor: Actor) -> User:
    require_actor(actor)
    if getattr(actor, "role", None) != Role.SYS_ADMIN or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("只有系统管理员可以签发或吊销接口令牌。"))
    return person(actor)


def clean_scopes(scopes: Mapping[str, str]) -> dict[str, str]:
    """The scopes as stored: known resources (or "*") mapped to "read" or "write", in name order."""
    known = {*api_resources(), ALL_RESOURCES}
    unknown = sorted(set(scopes) - known)
    if unknown:
        raise ValidationError({"scopes": _("没有这些接口：%(names)s。") % {"names": "、".join(unknown)}})
    if any(level not in Access.values for level in scopes.values()):
        raise ValidationError({"scopes": _("权限只能是“只读”或“读写”。")})
    if not scopes:
        raise ValidationError({"scopes": _("请至少为一个接口选择权限。")})
    return {name: str(scopes[name]) for name in sorted(scopes)}


def _check_request(user: User, name: str, expires_at: dt.datetime, now: dt.datetime) -> None:
    errors: dict[str, Any] = {}
    if not name.strip():
        errors["name"] = _("请填写使用方，如：12345热线平台。")
    if not user.is_active:
        errors["user"] = _("该用户已停用，不能为其签发令牌。")
    elif user.role in NO_TOKEN_ROLES:
        errors["user"] = _("三权分立：不能为系统管理员或审计管理员签发接口令牌。")
    if expires_at <= now:
        errors["expires_at"] = _("有效期须晚于现在。")
    elif expires_at > now + MAX_LIFETIME:
        errors["expires_at"] = _("有效期最长一年。")
    if errors:
        raise ValidationError(errors)


def token_create(
    *, actor: Actor, user: User, name: str, scopes: Mapping[str, str], expires_at: dt.datetime
) -> tuple[ApiToken, str]:
    """Issue a token acting as `user` with `scopes`, usable until `expires_at` (at most a year from now).
    Returns the token and its secret, which is shown once and never stored. Refusals: PermissionDenied for
    anyone but the system administrator; ValidationError (by field) for an inactive or administrator user, an
    empty name, unknown resources, an expiry in the past or beyond a year."""
    admin = _require_system_admin(actor)
    now = clock.now()
    _check_request(user, name, expires_at, now)
    secret = new_secret()
    token = ApiToken(
        name=name.strip(),
        user=user,
        scopes=clean_scopes(scopes),
        prefix=secret[:PREFIX_LENGTH],
        secret_hash=hash_secret(secret),
        expires_at=expires_at,
        created_by=admin,
        created_at=now,
    )
    with transaction.atomic():
        token.full_clean()
        token.save()
        audit.record(
            action=AuditAction.CREATE,
            actor=actor,
            obj=token,
            after=audit.snapshot(token, AUDITED_FIELDS),
            message=_("签发接口令牌"),
        )
        _tell_user(token)
    return token, secret


def _tell_user(token: ApiToken) -> None:
    """The user learns in their inbox that a system may now act as them (and until when)."""
    until = timezone.localtime(token.expires_at)
    Notification.objects.create(
        recipient=token.user,
        kind="api_token",
        title=_("系统管理员为“%(name)s”签发了代表您的接口令牌") % {"name": token.name},
        body=_("该系统可在您的数据范围内调用接口（%(prefix)s…），有效期至 %(until)s。如有疑问请联系系统管理员。")
        % {"prefix": token.prefix, "until": f"{until:%Y-%m-%d %H:%M}"},
        dedupe_key=f"api_token:{token.pk}:issued",
        created_at=token.created_at,
    )


def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Revoke a token now: every later request with it gets 401. A compare-and-set, so of two administrators
    revoking at once one succeeds and the other gets InvalidTransition (409); a revoked token stays revoked."""
    admin = _require_system_admin(actor)
    now = clock.now()
    with transaction.atomic():
        if ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=now, revoked_by=admin) == 0:
            raise InvalidTransition(_("该令牌已被吊销。"))
        audit.record(
            action=AuditAction.UPDATE,
            actor=actor,
            obj=token,
            before={"revoked_at": None, "revoked_by": None},
            after={"revoked_at": audit.json_value(now), "revoked_by": admin.pk},
            message=_("吊销接口令牌"),
        )
    token.revoked_at, token.revoked_by = now, admin
    return token
