"""Writes on users. Every one is audited; passwords never enter the audit trail."""

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from chaindesk.core import audit
from chaindesk.core.actors import Actor, is_system
from chaindesk.core.models import AuditAction
from chaindesk.core.services import audited_update

from .choices import Role
from .models import Department, Region, User


def _guard_separation(
    actor: Actor, *, target_role: str, new_role: str | None = None, target: User | None = None, attempt: str
) -> None:
    """三权分立: a system administrator never creates, changes or resets an audit administrator's account
    (or grants that role); audit administrators are provisioned with `chaindesk createuser` on the server.

    A refusal is recorded (越权访问) before it is raised, so callers check this outside their transaction:
    the refusal's audit line must not be rolled back with the refused write."""
    if getattr(actor, "role", None) != Role.SYS_ADMIN:
        return
    if Role.AUDIT_ADMIN in (target_role, new_role):
        audit.record(
            action=AuditAction.PERMISSION_DENIED,
            actor=actor,
            obj=target,
            message=f"三权分立: {attempt} refused (target role {target_role}, new role {new_role or '-'})"[:500],
        )
        raise ValidationError(
            _("三权分立：系统管理员不能创建或修改审计管理员账户，请由运维人员在服务器上办理。"), code="separation"
        )


def user_create(
    *,
    actor: Actor,
    username: str,
    display_name: str,
    role: Role | str,
    password: str,
    region: Region | None = None,
    department: Department | None = None,
    title: str = "",
    phone: str = "",
    email: str = "",
    check_password: bool = True,
) -> User:
    """Create an account after checking the password rules (AUTH_PASSWORD_VALIDATORS).

    `check_password=False` is for unattended loaders only (a city-wide system actor: the demo city, whose printed
    password the production rules refuse on purpose); a person's request always has its password checked."""
    if not check_password and not is_system(actor):
        raise ValueError("only an unattended loader (a city-wide system actor) may skip the password rules")
    _guard_separation(actor, target_role=str(role), attempt="create")
    with transaction.atomic():
        return _create(
            actor=actor,
            password=password,
            check_password=check_password,
            user=User(
                username=username.strip().lower(),
                display_name=display_name,
                role=role,
                region=region,
                department=department,
                title=title,
                phone=phone,
                email=email,
            ),
        )


def _create(*, actor: Actor, user: User, password: str, check_password: bool) -> User:
    if check_password:
        validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    audit.record(action=AuditAction.CREATE, actor=actor, obj=user, after=audit.snapshot(user))
    return user


def user_set_password(*, actor: Actor, user: User, password: str) -> User:
    _guard_separation(actor, target_role=user.role, target=user, attempt="set password")
    with transaction.atomic():
        validate_password(password, user)
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(action=AuditAction.UPDATE, actor=actor, obj=user, message="password changed")
    return user


def user_update(*, actor: Actor, user: User, **changes: Any) -> User:
    allowed = {"display_name", "role", "title", "region", "department", "phone", "email", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"fields not editable here: {sorted(unknown)}")
    _guard_separation(actor, target_role=user.role, new_role=changes.get("role"), target=user, attempt="update")
    return audited_update(obj=user, actor=actor, **changes)
