"""Writes on users. Every one is audited; passwords never enter the audit trail."""

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from chaindesk.core import audit
from chaindesk.core.actors import Actor, SystemActor, is_system
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
    must_change_password: bool | None = None,
) -> User:
    """Create an account after checking the password rules (AUTH_PASSWORD_VALIDATORS).

    `check_password=False` is for unattended loaders only (a city-wide system actor: the demo city, whose printed
    password the production rules refuse on purpose); a person's request always has its password checked.
    `must_change_password` (default: True when a person creates the account, False for a system actor) sends the
    new user to the change-password page at first sign-in: the administrator knew the initial password, so it is
    replaced by one only its owner knows. Loaders, test personas and the server command (`chaindesk createuser`,
    whose operator types the password for themselves) create accounts that sign in straight away."""
    if not check_password and not is_system(actor):
        raise ValueError("only an unattended loader (a city-wide system actor) may skip the password rules")
    _guard_separation(actor, target_role=str(role), attempt="create")
    forced = not isinstance(actor, SystemActor) if must_change_password is None else must_change_password
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
                must_change_password=forced,
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
    """The system administrator resets `user`'s password. Someone else knew it, so the user must change it at
    their next sign-in (`must_change_password`), unless the administrator reset their own."""
    _guard_separation(actor, target_role=user.role, target=user, attempt="set password")
    must_change = getattr(actor, "pk", None) != user.pk
    with transaction.atomic():
        validate_password(password, user)
        user.set_password(password)
        user.must_change_password = must_change
        user.save(update_fields=["password", "must_change_password"])
        message = "password reset, must be changed at next sign-in" if must_change else "password changed"
        audit.record(action=AuditAction.UPDATE, actor=actor, obj=user, message=message)
    return user


def password_change(*, user: User, old_password: str, new_password: str) -> User:
    """A signed-in user replaces their own password: the current one is checked, the new one must pass the
    password rules and differ from it; the forced-change flag clears. The user is the actor (audited, without
    either password). Refusals are ValidationErrors on `old_password` or `new_password`."""
    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("当前密码不正确。")}, code="wrong_password")
    if old_password == new_password:
        raise ValidationError({"new_password": _("新密码不能与当前密码相同。")}, code="same_password")
    try:
        validate_password(new_password, user)
    except ValidationError as error:
        raise ValidationError({"new_password": error.error_list}) from error
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        audit.record(action=AuditAction.UPDATE, actor=user, obj=user, message="own password changed")
    return user


def user_update(*, actor: Actor, user: User, **changes: Any) -> User:
    allowed = {"display_name", "role", "title", "region", "department", "phone", "email", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"fields not editable here: {sorted(unknown)}")
    _guard_separation(actor, target_role=user.role, new_role=changes.get("role"), target=user, attempt="update")
    return audited_update(obj=user, actor=actor, **changes)


def department_set_recipient(*, actor: Actor, department: Department, recipient: User | None) -> Department:
    """Name (or clear, with None) the department's 部门收件人: who is told of a task sent there while the
    department has no active handler (chaindesk.accounts.selectors.department_alert_recipients). Only an active
    account may be named: an inactive one could never read the notice. Audited as a change of the department."""
    if recipient is not None and not recipient.is_active:
        raise ValidationError({"recipient": _("部门收件人须为启用的账户。")}, code="inactive_recipient")
    return audited_update(obj=department, actor=actor, recipient=recipient)  # atomic itself
