"""系统 → 接口令牌: the system administrator issues API tokens for other systems (12345 热线、统计局 …), sees
which are in use and revokes them. The secret is shown once, on the answer to the form, and never again.

The routes live in the 系统 area's `core` namespace (config/urls.py mounts chaindesk/api/urls.py there), like
accounts' user management. Every write goes through an audited service (chaindesk/api/services.py)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from chaindesk.accounts.choices import Role
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core import clock
from chaindesk.core.errors import service_errors
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.pages import form_page
from chaindesk.core.permissions import role_required
from chaindesk.core.visibility import get_visible_or_404

from . import services
from .auth import resource_label
from .forms import TokenForm
from .models import ALL_RESOURCES, ApiToken, TokenStatus

# The tag colours of UI.md: green in force, orange about to expire, grey over, red revoked.
STATUS_COLOURS = {
    TokenStatus.ACTIVE: "green",
    TokenStatus.EXPIRING: "orange",
    TokenStatus.EXPIRED: "grey",
    TokenStatus.REVOKED: "red",
}


def _breadcrumbs(*tail: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [(_("系统"), None), (_("接口令牌"), reverse("core:api_token_list") if tail else None), *tail]


def scope_lines(token: ApiToken) -> list[tuple[str, str]]:
    """(resource, access) for the list: "全部接口" first, then by name."""
    lines = []
    for name, level in token.scopes.items():
        label = _("全部接口") if name == ALL_RESOURCES else resource_label(name)
        lines.append((label, _("读写") if level == "write" else _("只读")))
    return sorted(lines, key=lambda line: (line[0] != _("全部接口"), line[0]))


@role_required(Role.SYS_ADMIN)
def token_list(request: AuthedRequest) -> HttpResponse:
    now = clock.now()
    tokens = list(ApiToken.objects.visible_to(request.user).select_related("user", "created_by"))
    for token in tokens:
        status = token.status(now)
        token.status_label = status.label  # type: ignore[attr-defined]
        token.colour = STATUS_COLOURS[status]  # type: ignore[attr-defined]
        token.usable = status in (TokenStatus.ACTIVE, TokenStatus.EXPIRING)  # type: ignore[attr-defined]
        token.scope_lines = scope_lines(token)  # type: ignore[attr-defined]
    context = {"tokens": tokens, "page_title": _("接口令牌"), "breadcrumbs": _breadcrumbs()}
    return render(request, "api/token_list.html", context)


@never_cache  # the answer holds the secret: no cache keeps it
@role_required(Role.SYS_ADMIN)
def token_create(request: AuthedRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            token, secret = services.token_create(
                actor=request.user,
                user=form.cleaned_data["user"],
                name=form.cleaned_data["name"],
                scopes=form.scopes(),
                expires_at=form.expires_at(),
            )
            context = {
                "token": token,
                "secret": secret,
                "scope_lines": scope_lines(token),
                "api_root": request.build_absolute_uri(reverse("api:api-root")),
                "page_title": _("令牌已签发"),
                "breadcrumbs": _breadcrumbs((token.name, None)),
            }
            return render(request, "api/token_created.html", context)
    context = {"form": form, "page_title": _("签发接口令牌"), "breadcrumbs": _breadcrumbs((_("签发令牌"), None))}
    return form_page(request, "api/token_form.html", context)


@role_required(Role.SYS_ADMIN)
@require_POST
def token_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    """吊销 a token (the list asks for confirmation first); a token already revoked says so."""
    token = get_visible_or_404(ApiToken.objects.visible_to(request.user), pk, user=request.user)
    try:
        services.token_revoke(actor=request.user, token=token)
    except InvalidTransition as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("已吊销“%(name)s”的接口令牌，使用该令牌的请求将被拒绝。") % {"name": token.name})
    return redirect("core:api_token_list")
