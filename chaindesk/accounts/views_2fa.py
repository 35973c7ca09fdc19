"""The pages of two-factor sign-in (两步验证): the code asked after a correct password, enrolling an authenticator,
the recovery codes shown once, and the user's own 两步验证 page.

A sign-in whose password was right but whose second factor is still due is *not* logged in: the session holds
only a pending marker (the user's id, the backend, the password hash's HMAC, when, where to go next), so every
other page still sees an anonymous visitor and sends it to the login page. `login()` is called once the code is
right (or, for a user who must enrol, once the new authenticator is confirmed). The marker lapses after
CHAINDESK_2FA_PENDING_SECONDS, and when the user's password changes meanwhile."""

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chaindesk.core import clock
from chaindesk.core.errors import service_errors, service_messages

from . import services_2fa, totp
from .forms import TwoFactorCodeForm
from .models import TOTPDevice, User
from .requests import AuthedRequest
from .signals import SECOND_FACTOR_ATTR

PENDING = "_chaindesk_2fa_pending"


def start_pending(request: HttpRequest, user: User, *, next_url: str) -> None:
    """Remember a sign-in whose password was right and whose second factor is due; nothing is logged in yet."""
    request.session.cycle_key()  # a new session id for the half-signed-in state, and again at login()
    request.session[PENDING] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0]),
        "hash": user.get_session_auth_hash(),
        "since": int(clock.now().timestamp()),
        "next": next_url,
    }


def pending_user(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    """The user of the session's pending sign-in and its marker; None (and the marker dropped) when there is none,
    it has lapsed, the account was deactivated or its password changed since."""
    data = request.session.get(PENDING)
    if not isinstance(data, dict):
        return None
    age = int(clock.now().timestamp()) - int(data.get("since", 0))
    user = User.objects.filter(pk=int(data.get("user") or 0), is_active=True).first()
    if (
        user is None
        or not 0 <= age <= settings.CHAINDESK_2FA_PENDING_SECONDS
        or not constant_time_compare(str(data.get("hash", "")), user.get_session_auth_hash())
    ):
        request.session.pop(PENDING, None)
        return None
    return user, data


def _finish(request: HttpRequest, user: User, data: dict[str, Any], factor: str) -> None:
    """Log the pending user in (Django's login(): a new session id, the LOGIN audit line naming the factor)."""
    request.session.pop(PENDING, None)
    setattr(request, SECOND_FACTOR_ATTR, factor)
    login(request, user, backend=data["backend"])


def _restart(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:  # signed in already: nothing is waiting for a code
        return redirect(settings.LOGIN_REDIRECT_URL)
    messages.info(request, _("登录已超时，请重新输入用户名和密码。"))
    return redirect("accounts:login")


def two_factor_code(request: HttpRequest) -> HttpResponse:
    """The code of the authenticator (or a recovery code), after a correct password."""
    found = pending_user(request)
    if found is None:
        return _restart(request)
    user, data = found
    if services_2fa.confirmed_device(user) is None:
        return redirect("accounts:two_factor_enrol")
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form, default_field="code"):
            factor, left = services_2fa.sign_in_verify(user=user, code=form.cleaned_data["code"])
            _finish(request, user, data, factor)
            if factor == "recovery":
                messages.warning(
                    request,
                    _("您使用了一个恢复码登录，还剩 %(left)d 个。手机找回前请妥善保管其余恢复码，必要时重新生成。")
                    % {"left": left},
                )
            return redirect(data.get("next") or settings.LOGIN_REDIRECT_URL)
    context = {"form": form, "pending": user}
    return render(request, "accounts/two_factor_code.html", context, status=400 if form.errors else 200)


def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Bind an authenticator: a new secret as a QR code and in text; a code from the app confirms it, and the
    recovery codes are shown once. Reached right after the password by a user who must use two-factor sign-in
    and has none yet (nothing else opens until it is done), or by a signed-in user from their 两步验证 page."""
    found = pending_user(request)
    if found is None and not request.user.is_authenticated:
        return _restart(request)
    user, data = found or (cast(User, request.user), {})
    if services_2fa.confirmed_device(user) is not None:
        return redirect("accounts:two_factor_code" if found is not None else "accounts:two_factor")
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form, default_field="code"):
            codes = services_2fa.enrol_confirm(user=user, code=form.cleaned_data["code"])
            if found is not None:
                _finish(request, user, data, "totp")
            next_url = data.get("next") or reverse(settings.LOGIN_REDIRECT_URL)
            return _recovery_codes_page(request, user, codes, next_url=next_url, first=True)
    device = services_2fa.enrol_start(user=user)
    return render(
        request,
        "accounts/two_factor_enrol.html",
        {"form": form, "pending": user, **_enrolment(device, user)},
        status=400 if form.errors else 200,
    )


def _enrolment(device: TOTPDevice, user: User) -> dict[str, Any]:
    issuer = str(settings.CHAINDESK_PRODUCT_NAME)
    uri = totp.provisioning_uri(secret=device.secret, account=user.get_username(), issuer=issuer)
    return {
        "qr_svg": totp.qr_svg(uri, title=_("身份验证器二维码")),
        "secret_lines": totp.grouped(device.secret),
        "issuer": issuer,
    }


def _recovery_codes_page(
    request: HttpRequest, user: User, codes: list[str], *, next_url: str, first: bool
) -> HttpResponse:
    """The recovery codes, shown this once (the page is the POST's answer, never stored or cached)."""
    response = render(
        request,
        "accounts/two_factor_recovery.html",
        {"codes": codes, "next": next_url, "first": first, "pending": user},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def two_factor(request: AuthedRequest) -> HttpResponse:
    """两步验证: whether the user's authenticator is bound, since when, how many recovery codes are left."""
    device = services_2fa.confirmed_device(request.user)
    context = {
        "device": device,
        "left": services_2fa.recovery_codes_left(device) if device else 0,
        "required": services_2fa.required_for(request.user),
        "page_title": _("两步验证"),
        "breadcrumbs": [(_("两步验证"), None)],
    }
    return render(request, "accounts/two_factor.html", context)


@login_required
@require_POST
def two_factor_recovery(request: AuthedRequest) -> HttpResponse:
    """Ten new recovery codes (the page asks for confirmation first); the earlier ones stop working."""
    with service_messages(request):
        codes = services_2fa.recovery_codes_regenerate(user=request.user)
        return _recovery_codes_page(request, request.user, codes, next_url=reverse("accounts:two_factor"), first=False)
    return redirect("accounts:two_factor")
