"""Two-factor sign-in (两步验证): enrolling an authenticator app, checking its codes and the recovery codes at
sign-in, regenerating the recovery codes, and an administrator's reset. Every step writes its audit line.

Who must use it: the system and audit administrators always (等保 2.0 level 3), and the roles named in
CHAINDESK_2FA_ROLES. Anyone with a confirmed authenticator is asked for a code, required or not.

A wrong code counts as a failed sign-in, like a wrong password: a LOGIN_FAILED line under the account's name and
the client's address, so the same lock-out (LOGIN_FAILURE_LIMIT failures in LOGIN_FAILURE_WINDOW_SECONDS)
covers both. Those lines are written before the refusal is raised and outside any transaction, so no rollback
takes them back. A code of a step already used (or earlier) is refused: a code seen over a shoulder, or sent
twice, does not sign anyone in. Secrets and codes never enter the audit trail."""

import datetime as dt
import hmac
from typing import Literal, NoReturn

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from chaindesk.core import audit, clock, context
from chaindesk.core.actors import Actor, is_system
from chaindesk.core.models import AuditAction

from . import lockout, totp
from .choices import Role
from .models import RecoveryCode, TOTPDevice, User
from .services import _guard_separation

# An unconfirmed enrolment keeps its secret this long, so that reloading the page shows the same QR code.
ENROL_FRESH = dt.timedelta(minutes=10)
ALWAYS = frozenset({Role.SYS_ADMIN, Role.AUDIT_ADMIN})
LOCKED = "locked"  # the refusal's code while the lock-out holds

Factor = Literal["totp", "recovery"]


def required_for(user: User) -> bool:
    """Whether `user` must sign in with a second factor: the two administrators always, and CHAINDESK_2FA_ROLES."""
    return user.role in ALWAYS or user.role in set(settings.CHAINDESK_2FA_ROLES)


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def sign_in_step(user: User) -> Literal["none", "code", "enrol"]:
    """What follows a correct password: nothing, the code of the user's authenticator, or enrolling one."""
    if confirmed_device(user) is not None:
        return "code"
    return "enrol" if required_for(user) else "none"


def recovery_codes_left(device: TOTPDevice) -> int:
    return device.recovery_codes.filter(used_at=None).count()


def enrol_start(*, user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator with a new secret (or the one made in the last ten minutes, so a
    reload shows the same QR code). Refused when the user already has a confirmed one: an administrator resets
    it first (`two_factor_reset`)."""
    device = TOTPDevice.objects.filter(user=user).first()
    if device is not None and device.confirmed_at is not None:
        raise ValidationError(_("您已启用两步验证。如需更换手机，请联系系统管理员重置。"), code="enrolled")
    if device is not None and device.created_at >= clock.now() - ENROL_FRESH:
        return device
    with transaction.atomic():
        device = _replace_device(user, secret=totp.new_secret(), confirmed=False)
        _note(actor=user, user=user, message="two-factor: enrolment started")
    return device


def enrol_confirm(*, user: User, code: str) -> list[str]:
    """Confirm the user's new authenticator with a code it shows; returns the ten recovery codes, the only time
    they exist outside the user's hands. A wrong code is a failed sign-in (see the module's docstring)."""
    device = TOTPDevice.objects.filter(user=user, confirmed_at=None).first()
    if device is None:
        raise ValidationError(_("请重新打开绑定页面，扫描新的二维码。"), code="no_enrolment")
    typed = totp.normalise(code)
    _refuse_if_locked(user)
    step = totp.matching_step(device.secret, typed) if totp.is_totp_code(typed) else None
    if step is None:
        _fail(user, "wrong code at enrolment", code="wrong")
    with transaction.atomic():
        device.confirmed_at = clock.now()
        device.last_step = step
        device.save(update_fields=["confirmed_at", "last_step"])
        codes = _issue_recovery_codes(device)
        _note(actor=user, user=user, message=f"two-factor: authenticator confirmed, {len(codes)} recovery codes issued")
    return codes


def sign_in_verify(*, user: User, code: str) -> tuple[Factor, int]:
    """Check the second factor of a sign-in whose password was right: a six-digit code of the user's
    authenticator (this step or one either side, later than the last one used) or an unused recovery code,
    which is then spent. Returns the factor used and the recovery codes left. The LOGIN line itself is written
    by the sign-in (accounts.signals) once the session is made."""
    device = confirmed_device(user)
    if device is None:
        raise ValidationError(_("该账户尚未绑定身份验证器。"), code="no_device")
    typed = totp.normalise(code)
    _refuse_if_locked(user)
    if totp.is_totp_code(typed):
        step = totp.matching_step(device.secret, typed)
        if step is None:
            _fail(user, "wrong two-factor code", code="wrong")
        # Compare-and-set: of two requests with the same code (or a replay) exactly one moves the step on.
        if not TOTPDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step):
            _fail(user, "two-factor code already used (replay refused)", code="replayed")
        return "totp", recovery_codes_left(device)
    return "recovery", _spend_recovery_code(user, device, typed)


def _spend_recovery_code(user: User, device: TOTPDevice, typed: str) -> int:
    """Spend the recovery code `typed` (each works once); the recovery codes left afterwards."""
    for candidate in device.recovery_codes.filter(used_at=None):
        if not hmac.compare_digest(totp.recovery_digest(typed, candidate.salt), candidate.digest):
            continue
        with transaction.atomic():
            if not RecoveryCode.objects.filter(pk=candidate.pk, used_at=None).update(used_at=clock.now()):
                break  # spent by a concurrent request a moment ago
            left = recovery_codes_left(device)
            _note(actor=user, user=user, message=f"two-factor: recovery code used at sign-in, {left} left")
        return left
    _fail(user, "wrong or used recovery code", code="wrong")


def recovery_codes_regenerate(*, user: User) -> list[str]:
    """Ten new recovery codes for the user's confirmed authenticator; the earlier ones, used or not, stop working."""
    device = confirmed_device(user)
    if device is None:
        raise ValidationError(_("请先启用两步验证。"), code="no_device")
    with transaction.atomic():
        codes = _issue_recovery_codes(device)
        _note(
            actor=user,
            user=user,
            message=f"two-factor: recovery codes regenerated ({len(codes)} new, earlier ones void)",
        )
    return codes


def two_factor_reset(*, actor: Actor, user: User) -> None:
    """Remove `user`'s authenticator and recovery codes (a lost phone): at their next sign-in they enrol a new one
    (if they must use two-factor sign-in). The system administrator resets others' (三权分立: never an audit
    administrator's, which `chaindesk reset_2fa` does on the server), never their own."""
    if getattr(actor, "pk", None) == user.pk:
        raise ValidationError(_("不能重置自己的两步验证，请由另一位系统管理员操作。"), code="self_reset")
    _guard_separation(actor, target_role=user.role, target=user, attempt="reset two-factor")
    with transaction.atomic():
        removed, _counts = TOTPDevice.objects.filter(user=user).delete()
        if not removed:
            raise ValidationError(_("该用户尚未启用两步验证。"), code="no_device")
        end_sessions(user)  # the lost phone, or whoever holds it, may still be signed in
        _note(actor=actor, user=user, message="two-factor: authenticator reset, the user's sessions ended")


def end_sessions(user: User) -> None:
    """End every session of `user`, on every server and device: their next request is signed out."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])


def loader_enrol(*, actor: Actor, user: User, secret: str) -> TOTPDevice:
    """Bind `user` to an authenticator with a known `secret`, confirmed, without recovery codes: for unattended
    loaders only (the demo city prints its administrators' secret, as it prints their password). Audited without
    the secret; a person's request never comes here."""
    if not is_system(actor):
        raise ValueError("only an unattended loader (a city-wide system actor) may bind a known secret")
    with transaction.atomic():
        device = _replace_device(user, secret=secret, confirmed=True)
        _note(actor=actor, user=user, message="two-factor: bound by a loader")
    return device


def _replace_device(user: User, *, secret: str, confirmed: bool) -> TOTPDevice:
    """The user's only authenticator, new (any earlier one and its recovery codes are deleted)."""
    TOTPDevice.objects.filter(user=user).delete()
    now = clock.now()
    device = TOTPDevice(user=user, created_at=now, confirmed_at=now if confirmed else None)
    device.secret = secret  # sealed as it is set
    device.full_clean()
    device.save()
    return device


def _note(*, actor: Actor, user: User, message: str) -> None:
    """The audit line of a two-factor step, on the user's account (its 历史记录), with no secret and no code."""
    audit.record(action=AuditAction.UPDATE, actor=actor, obj=user, message=message)


def _issue_recovery_codes(device: TOTPDevice) -> list[str]:
    """Replace the device's recovery codes with ten new ones (stored as salted digests); the codes themselves."""
    codes = totp.new_recovery_codes()
    device.recovery_codes.all().delete()
    rows = []
    for code in codes:
        salt = totp.new_salt()
        rows.append(RecoveryCode(device=device, salt=salt, digest=totp.recovery_digest(code, salt)))
    RecoveryCode.objects.bulk_create(rows)
    return codes


def _refuse_if_locked(user: User) -> None:
    """Refuse (and record 登录锁定) while the account or the client's address is locked out."""
    name = lockout.normalise(user.get_username())
    if lockout.is_locked(username=name, ip=context.current().ip):
        audit.record(action=AuditAction.LOGIN_LOCKED, actor_name=name, message="two-factor code refused")
        raise ValidationError(_locked_message(), code=LOCKED)


def _fail(user: User, reason: str, *, code: str) -> NoReturn:
    """Record a failed sign-in (counted by the lock-out like a wrong password) and raise the refusal: the lock-out
    message when this failure reaches the limit."""
    name = lockout.normalise(user.get_username())
    audit.record(action=AuditAction.LOGIN_FAILED, actor_name=name, message=f"two-factor: {reason}")
    if lockout.is_locked(username=name, ip=context.current().ip):
        raise ValidationError(_locked_message(), code=LOCKED)
    if code == "replayed":
        raise ValidationError(_("该验证码已经用过，请等身份验证器显示下一个验证码后再输入。"), code=code)
    raise ValidationError(_("验证码不正确。注意：连续5次失败将锁定15分钟。"), code=code)


def _locked_message() -> str:
    return _("登录失败次数过多，该账户或地址已被锁定15分钟，请稍后再试或联系系统管理员。")
