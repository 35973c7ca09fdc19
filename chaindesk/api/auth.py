"""How the API knows its caller: an API token (other systems) or the browser's session (with its CSRF check).

`API_AUTH` is the list every router is mounted with (chaindesk/api/api.py): the token first, then django-ninja's
`django_auth` (Django's session; its CSRF check is on, so a browser's POST needs the CSRF token). A request
with `Authorization: Bearer cd_…` is judged by the token alone: an unknown, expired or revoked token, or one whose
user is no longer active, gets 401 problem+json and never falls through to the session.

A usable token makes `request.user` the token's user (so the user's scope, field rules and permissions apply,
exactly as on the pages) and `request.api_token` the token; the token then narrows that user's rights per
resource (the path's first segment under /api/): a resource the token does not name, or a write (any method
but GET/HEAD/OPTIONS) with read-only access, gets 403 problem+json, audited as 越权访问.

Use is audited under the token's name ("令牌·12345热线平台"), as the issue asks, without a write per read:
every write request gets its audit line (the service's own lines of the same request share its request id),
reads get at most one line per token per minute, together with `last_used_at`, which is also refreshed at
most once a minute (a compare-and-set, so concurrent requests write it once).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from typing import Any

from django.http import HttpRequest
from django.urls import URLResolver, get_resolver, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import HttpBearer, django_auth

from chaindesk.accounts.choices import Role
from chaindesk.core import audit, clock
from chaindesk.core.models import AuditAction

from .models import Access, ApiToken, hash_secret

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
USE_RECORDED_EVERY = dt.timedelta(minutes=1)
# Who may never be a token's user: the two administrators (三权分立: a token would hand their rights to a
# machine, and the system administrator who holds the secret would read the audit trail through it).
NO_TOKEN_ROLES = frozenset({Role.SYS_ADMIN, Role.AUDIT_ADMIN})
# The audit action of a token's use (接口调用).
USE_ACTION = AuditAction.API_CALL
# API paths that are no resource: every token may call them (`me` says whom the token acts as).
NOT_RESOURCES = frozenset({"", "openapi.json", "docs", "health", "ready"})
OPEN_TO_EVERY_TOKEN = frozenset({"me"})
RESOURCE_LABELS = {
    "projects": gettext_lazy("项目"),
    "demands": gettext_lazy("诉求"),
    "tasks": gettext_lazy("任务"),
    "enterprises": gettext_lazy("企业"),
    "assignments": gettext_lazy("挂钩服务"),
    "chains": gettext_lazy("产业链"),
    "leads": gettext_lazy("线索"),
    "meetings": gettext_lazy("会议"),
    "notifications": gettext_lazy("通知"),
    "partners": gettext_lazy("研发资源"),
    "talents": gettext_lazy("在外能人"),
    "upward": gettext_lazy("上争事项"),
    "targets": gettext_lazy("年度目标"),
    "users": gettext_lazy("用户"),
    "audit": gettext_lazy("审计日志"),
    "imports": gettext_lazy("数据导入"),
    "visits": gettext_lazy("走访记录"),
    "cooperations": gettext_lazy("研发合作"),
}


@dataclasses.dataclass(frozen=True)
class Found:
    """A bearer secret looked up: the usable token, or why there is none (a Chinese message for the 401)."""

    token: ApiToken | None
    refusal: str = ""


def bearer_secret(request: HttpRequest) -> str | None:
    """The secret of an `Authorization: Bearer …` header (None without one), as django-ninja's HttpBearer reads it."""
    scheme, _space, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else None


def find_token(request: HttpRequest, secret: str) -> Found:
    """The usable token of `secret` (one query, its user joined), looked up once per request."""
    cached: Found | None = getattr(request, "_chaindesk_token", None)
    if cached is None:
        cached = _lookup(secret)
        request._chaindesk_token = cached  # type: ignore[attr-defined]
    return cached


def _lookup(secret: str) -> Found:
    token = ApiToken.objects.select_related("user").filter(secret_hash=hash_secret(secret)).first() if secret else None
    if token is None:
        return Found(None, _("接口令牌无效，请检查 Authorization 请求头（Bearer cd_…）。"))
    if token.revoked_at is not None:
        return Found(None, _("该接口令牌已被吊销，请联系系统管理员重新签发。"))
    if token.expires_at <= clock.now():
        return Found(None, _("该接口令牌已过期，请联系系统管理员重新签发。"))
    if not token.user.is_active or token.user.role in NO_TOKEN_ROLES:
        return Found(None, _("该接口令牌代表的用户已停用或不能使用接口令牌，请联系系统管理员。"))
    return Found(token)


def resource_of(request: HttpRequest) -> str:
    """The resource a request is about: the first path segment under the API's root ("projects")."""
    root = reverse("api:api-root")
    rest = request.path[len(root) :] if request.path.startswith(root) else request.path.lstrip("/")
    return rest.split("/", 1)[0]


@functools.cache
def api_resources() -> tuple[str, ...]:
    """Every resource the mounted API serves (the first segments of its routes), for the token form."""
    names: set[str] = set()
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "api":
            names.update(str(p.pattern).split("/", 1)[0] for p in entry.url_patterns)
    return tuple(sorted(names - NOT_RESOURCES - OPEN_TO_EVERY_TOKEN))


def resource_label(name: str) -> str:
    label = RESOURCE_LABELS.get(name)
    return f"{label}（{name}）" if label else name


def _check_access(request: HttpRequest, token: ApiToken) -> None:
    """403, audited, unless the token's scopes allow this method on this resource."""
    resource = resource_of(request)
    if resource in OPEN_TO_EVERY_TOKEN:
        return
    access = token.access_to(resource)
    if access is None:
        refusal = _("该接口令牌无权访问“%(resource)s”接口。") % {"resource": resource_label(resource)}
    elif access != Access.WRITE and request.method not in SAFE_METHODS:
        refusal = _("该接口令牌对“%(resource)s”接口仅有只读权限，不能提交修改。") % {
            "resource": resource_label(resource)
        }
    else:
        return
    audit.record(
        action=AuditAction.PERMISSION_DENIED,
        actor=token.user,
        actor_name=token.audit_name,
        obj=token,
        message=f"{request.method} {request.get_full_path()}"[:500],
    )
    raise AuthorizationError(403, refusal)


def record_use(request: HttpRequest, token: ApiToken) -> None:
    """Refresh `last_used_at` at most once a minute; audit every write and, with that refresh, a read."""
    now = clock.now()
    claimed = False
    if token.last_used_at is None or now - token.last_used_at >= USE_RECORDED_EVERY:
        seen = ApiToken.objects.filter(pk=token.pk, last_used_at=token.last_used_at)
        claimed = seen.update(last_used_at=now) == 1
        if claimed:
            token.last_used_at = now
    if claimed or request.method not in SAFE_METHODS:
        audit.record(
            action=USE_ACTION,
            actor=token.user,
            actor_name=token.audit_name,
            obj=token,
            message=f"{request.method} {request.get_full_path()}"[:500],
        )


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer cd_…`: an API token issued in 系统 → 接口令牌 (see the module docstring)."""

    openapi_description = "接口令牌：在请求头中加入 Authorization: Bearer cd_…（由系统管理员在“系统 → 接口令牌”签发）"
    openapi_bearerFormat = "cd_…"  # noqa: N815 - the OpenAPI field's own name

    def __call__(self, request: HttpRequest) -> Any:
        secret = bearer_secret(request)  # the idempotency check reads the header the same way
        return None if secret is None else self.authenticate(request, secret)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = find_token(request, token)
        if found.token is None:
            raise AuthenticationError(401, found.refusal)
        request.user = found.token.user
        request.api_token = found.token  # type: ignore[attr-defined]
        _check_access(request, found.token)
        record_use(request, found.token)
        return found.token


token_auth = ApiTokenAuth()
# The token first: a request that carries one is judged by it, never by a session cookie it may also carry.
API_AUTH = [token_auth, django_auth]
