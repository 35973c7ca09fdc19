"""Idle timeout: a session unused for SESSION_IDLE_TIMEOUT seconds is ended.

The last-seen time is refreshed at most once a minute, so an ordinary page view does not write the
session row (Django's SESSION_SAVE_EVERY_REQUEST would cost a write on every request)."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

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
