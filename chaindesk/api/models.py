"""API tokens for other systems, and the Idempotency-Key records of the API's POST requests.

A token is issued by the system administrator for an existing, active user and acts as that user: the user's
scope (chaindesk/core/scope.py) applies to everything it reads or writes, narrowed further by the token's own
`scopes` (per resource, read or read-write). Its rights can therefore never exceed the user's. Only the SHA-256
of the secret is stored; the secret itself is shown once, when the token is issued (services.token_create).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from chaindesk.core import clock
from chaindesk.core.scope import ALL, ScopedQuerySet, ScopePaths

SECRET_PREFIX = "cd_"  # noqa: S105 - the public marker of our tokens, not a secret
PREFIX_LENGTH = len(SECRET_PREFIX) + 8  # what the list shows to tell tokens apart ("cd_ab12cd34…")
ALL_RESOURCES = "*"
MAX_LIFETIME = dt.timedelta(days=365)
EXPIRING_SOON = dt.timedelta(days=14)


class Access(models.TextChoices):
    READ = "read", _("只读")
    WRITE = "write", _("读写")


class TokenStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    EXPIRING = "expiring", _("即将过期")
    EXPIRED = "expired", _("已过期")
    REVOKED = "revoked", _("已吊销")


def new_secret() -> str:
    """A fresh secret: the prefix and 32 random bytes, URL-safe (43 characters)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """What is stored of a secret. A plain SHA-256 is enough: the secret is 256 random bits, not a password."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(ScopedQuerySet["ApiToken"]):
    def usable(self, now: dt.datetime) -> ApiTokenQuerySet:
        return self.filter(revoked_at=None, expires_at__gt=now)


class ApiToken(models.Model):
    """A bearer token another system calls the API with (`Authorization: Bearer cd_…`), acting as `user`.

    `scopes` maps a resource (the API path's first segment: "projects", "demands", "enterprises" …, or "*" for
    every resource) to its access, "read" or "write"; a resource not named is refused (403). The token is
    usable from issue until `expires_at` (at most a year later) unless revoked."""

    name = models.CharField(_("使用方"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("代表用户"), on_delete=models.PROTECT, related_name="api_tokens"
    )
    scopes = models.JSONField(_("权限"), default=dict)
    prefix = models.CharField(_("令牌前缀"), max_length=16)
    secret_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True)
    expires_at = models.DateTimeField(_("有效期至"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("吊销人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("签发人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("签发时间"), default=clock.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    # Only the system administrator manages tokens; nobody else reads them (the audit trail names their uses).
    scope_paths = ScopePaths(admin=ALL)
    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @property
    def audit_name(self) -> str:
        """The name the audit trail gives the token's uses ("令牌·12345热线平台")."""
        return f"令牌·{self.name}"[:150]

    def access_to(self, resource: str) -> str | None:
        """ "write", "read" or None (no access): the resource's own entry or the "*" entry, the wider of them."""
        levels = {self.scopes.get(resource), self.scopes.get(ALL_RESOURCES)}
        if Access.WRITE in levels:
            return Access.WRITE
        return Access.READ if Access.READ in levels else None

    def status(self, now: dt.datetime) -> TokenStatus:
        if self.revoked_at is not None:
            return TokenStatus.REVOKED
        if self.expires_at <= now:
            return TokenStatus.EXPIRED
        return TokenStatus.EXPIRING if self.expires_at - now <= EXPIRING_SOON else TokenStatus.ACTIVE

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if not isinstance(self.scopes, dict) or not self.scopes:
            errors["scopes"] = _("请至少为一个接口选择权限。")
        elif any(not isinstance(k, str) or v not in Access.values for k, v in self.scopes.items()):
            errors["scopes"] = _("权限只能是“只读”或“读写”。")
        if self.expires_at and self.created_at and self.expires_at > self.created_at + MAX_LIFETIME:
            errors["expires_at"] = _("有效期最长一年。")
        if errors:
            raise ValidationError(errors)


class IdempotencyState(models.TextChoices):
    IN_PROGRESS = "in_progress", _("处理中")
    DONE = "done", _("已完成")


class IdempotencyKey(models.Model):
    """One POST made with an `Idempotency-Key` header (chaindesk/api/idempotency.py): inserted before the request
    runs (the unique (owner, key) pair keeps a concurrent twin out), then completed with the response that a
    retry with the same key and the same request gets back. Kept 24 hours."""

    owner = models.CharField(_("调用方"), max_length=40)  # "token:<pk>" or "user:<pk>"
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("幂等键"), max_length=255)
    method = models.CharField(_("方法"), max_length=10)
    path = models.CharField(_("地址"), max_length=500)
    fingerprint = models.CharField(_("请求摘要"), max_length=64)  # SHA-256 of method, full path and body
    state = models.CharField(
        _("状态"), max_length=16, choices=IdempotencyState.choices, default=IdempotencyState.IN_PROGRESS
    )
    status_code = models.PositiveSmallIntegerField(_("响应状态"), null=True, blank=True)
    content_type = models.CharField(_("响应类型"), max_length=200, blank=True)
    body = models.BinaryField(_("响应内容"), blank=True, default=b"")
    created_at = models.DateTimeField(_("时间"), default=clock.now, db_index=True)

    scope_paths = ScopePaths(own="user")  # a response is its caller's own
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("幂等请求")
        verbose_name_plural = _("幂等请求")
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="api_idempotency_owner_key")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"
