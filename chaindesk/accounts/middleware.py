"""Idle timeout: a session unused for SESSION_IDLE_TIMEOUT seconds is ended. Forced password change: a user
whose password someone else set changes it before anything else.

The last-seen time is refreshed at most once a minute, so an ordinary page view does not write the
session row (Django's SESSION_SAVE_EVERY_REQUEST would cost a write on every request)."""

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from chaindesk.core.errors import Problem, problem_response

LAST_SEEN = "_chaindesk_last_seen"
REFRESH_EVERY = 60


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN, now)
            if now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, _("您已超过30分钟未操作，为保护数据安全已自动退出，请重新登录。"))
                return redirect(f"{settings.LOGIN_URL_PATH}?next={request.path}")
            if now - last_seen >= REFRESH_EVERY or LAST_SEEN not in request.session:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


class ForcedPasswordChangeMiddleware:
    """A signed-in user whose password someone else set (a new account, an administrator's reset:
    `User.must_change_password`) may open nothing but the change-password page, logout and static files until
    they have changed it. A page goes there (an htmx request by HX-Redirect, so no fragment swaps a whole page
    in); the API answers 403 problem+json, since a client cannot follow a page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not (user.is_authenticated and getattr(user, "must_change_password", False)):
            return self.get_response(request)
        if request.path in self.open_paths or request.path.startswith(settings.STATIC_URL):
            return self.get_response(request)
        if request.path.startswith(reverse("api:api-root")):
            detail = _("首次登录或密码被重置后须先修改密码：请在网页上修改密码后再使用接口。")
            return problem_response(Problem(403, detail, "password-change-required"))
        target = reverse("accounts:password_change")
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        if request.method == "GET":
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        return redirect(target)

    @cached_property
    def open_paths(self) -> tuple[str, ...]:
        # Resolved on first use: the URLconf is not loaded when the middleware is built.
        return (reverse("accounts:password_change"), reverse("accounts:logout"))
