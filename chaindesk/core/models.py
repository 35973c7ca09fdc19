"""The audit trail: one append-only table recording every write, login and permission denial."""

from typing import Any, NoReturn

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .exceptions import AppendOnlyError
from .scope import ALL, ScopedQuerySet, ScopePaths


class AuditAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    TRANSITION = "transition", _("状态变更")
    LOGIN = "login", _("登录")
    LOGOUT = "logout", _("退出")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOGIN_LOCKED = "login_locked", _("登录锁定")
    PERMISSION_DENIED = "permission_denied", _("越权访问")
    EXPORT = "export", _("导出")
    IMPORT = "import", _("导入")
    IMPORT_UNDO = "import_undo", _("撤销导入")
    API_CALL = "api_call", _("接口调用")


class AuditQuerySet(ScopedQuerySet["AuditLog"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit records cannot be updated")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AppendOnlyError("audit records cannot be deleted")

    def for_object(self, obj: models.Model) -> "AuditQuerySet":
        ct = ContentType.objects.get_for_model(obj)
        return self.filter(content_type=ct, object_id=str(obj.pk))


class AuditLog(models.Model):
    """One immutable line of the audit trail: who did what to which object, when and from where."""

    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # audit_actor_idx (actor, created_at) serves it: one index less to write per line
        # No constraint in the database (PROTECT still refuses deleting a user with lines, in Django): a batch of
        # 300,000 lines would otherwise have PostgreSQL look the user up 300,000 times at its commit. Lines are only
        # ever written with the signed-in user's id, and users are deactivated, never deleted.
        db_constraint=False,
    )
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("客户端地址"), null=True, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    action = models.CharField(_("动作"), max_length=32, choices=AuditAction.choices)
    content_type = models.ForeignKey(  # audit_object_idx (content_type, object_id, created_at) serves it
        ContentType,
        verbose_name=_("对象类型"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        db_constraint=False,  # as the actor's: ContentType's own ids, looked up per model and cached
    )
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=255, blank=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    message = models.TextField(_("说明"), blank=True)

    # The audit administrator reads the trail; others read an object's lines only on its 历史记录 tab, after
    # the object itself was found in their scope (三权分立: the system administrator reads none).
    scope_paths = ScopePaths(audit=ALL)
    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "created_at"], name="audit_object_idx"),
            models.Index(fields=["action", "actor_name", "created_at"], name="audit_action_actor_idx"),
            models.Index(fields=["action", "ip", "created_at"], name="audit_action_ip_idx"),
            models.Index(fields=["actor", "created_at"], name="audit_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit records cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit records cannot be deleted")

    def changed_fields(self) -> list[tuple[str, Any, Any]]:
        """(field, before, after) triples for display in the 历史记录 tab."""
        before = self.before or {}
        after = self.after or {}
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [(k, before.get(k), after.get(k)) for k in keys]


class NotificationQuerySet(ScopedQuerySet["Notification"]):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at=None)


class Notification(models.Model):
    """A message in a user's in-app inbox (the bell), also sent by e-mail and to the robot webhook.

    `dedupe_key` is unique: a job that notifies about the same event twice (run again, or by two workers at
    once) inserts nothing the second time. The delivery stamps are set by the sender, once."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=32)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    dedupe_key = models.CharField(_("去重键"), max_length=120, unique=True)
    # A default, not auto_now_add: a job stamps its notices with its own run time.
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    pushed_at = models.DateTimeField(_("机器人推送时间"), null=True, blank=True)

    scope_paths = ScopePaths(own="recipient")  # everyone reads only their own inbox
    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx")]

    def __str__(self) -> str:
        return self.title


from .models_calendar import OfficialDay, OfficialYear  # noqa: E402, F401 - the official holiday schedules
