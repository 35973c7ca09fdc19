"""Organisation (regions, departments) and users with their role and scope."""

from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from chaindesk.core import sealing
from chaindesk.core.scope import ALL, ScopedQuerySet, ScopePaths, visible

from .choices import DepartmentKind, RegionLevel, Role


class Region(models.Model):
    """An administrative division keyed by its GB/T 2260 six-digit code."""

    code = models.CharField(
        _("行政区划代码"),
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^\d{6}$", _("行政区划代码应为6位数字（GB/T 2260）。"))],
    )
    name = models.CharField(_("名称"), max_length=50)
    level = models.CharField(_("级别"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    scope_paths = ScopePaths.reference()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    def subtree_ids(self) -> list[int]:
        """This region and its descendants (two levels below a city are enough for a province)."""
        children = list(Region.objects.filter(parent=self).values_list("pk", flat=True))
        grandchildren = list(Region.objects.filter(parent__in=children).values_list("pk", flat=True))
        return [self.pk, *children, *grandchildren]


class Department(models.Model):
    """A department or body that takes tasks (发改委, 工信局, 供电公司 …); kept as data, not code."""

    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("全称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=30)
    kind = models.CharField(_("类别"), max_length=16, choices=DepartmentKind.choices, default=DepartmentKind.GOVERNMENT)
    region = models.ForeignKey(Region, verbose_name=_("所属地区"), on_delete=models.PROTECT)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    # Who is told of a task sent here while the department has no active handler account (部门收件人), named by
    # the system administrator; without one, the department's head is told.
    recipient = models.ForeignKey(
        "accounts.User",
        verbose_name=_("部门收件人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_paths = ScopePaths.reference()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.short_name


class ChainDeskUserManager(UserManager["User"]):
    def visible_to(self, user: Any) -> "models.QuerySet[User]":
        """By `User.scope_paths`: system administrators manage every account; everyone else sees only themselves."""
        return visible(self.all(), user)

    def history_visible_to(self, user: Any) -> "models.QuerySet[User]":
        """Whose 历史记录 (audit lines) the user may read: only the audit administrator reads the audit trail
        of accounts (等保 三权分立); the system administrator manages accounts but never reads their trail."""
        if getattr(user, "is_authenticated", False) and user.role == Role.AUDIT_ADMIN:
            return self.all()
        return self.none()


class User(AbstractUser):
    """A person who signs in. One role; region and department give the scope the role needs."""

    display_name = models.CharField(_("姓名"), max_length=50)
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    title = models.CharField(_("职务"), max_length=100, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("所属地区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    # A department handler who heads the department: overdue tasks of the department warn them (预警).
    is_department_head = models.BooleanField(_("部门负责人"), default=False)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    # Set for a new account and after a password reset: the first sign-in leads to the change-password page.
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    # Raised to end every session of the user at once (their authenticator reset: a lost phone may still be
    # signed in somewhere); part of the session's auth hash, as the password is.
    session_generation = models.PositiveIntegerField(_("会话代次"), default=0, editable=False)

    scope_paths = ScopePaths(admin=ALL, own="pk")
    objects = ChainDeskUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's hash of the password (a changed password ends the other sessions), mixed with the session
        generation once it is raised (`end_sessions`); unchanged before that, so no session ends on an upgrade."""
        base = super()._get_session_auth_hash(secret=secret)  # type: ignore[misc]
        if not self.session_generation:
            return str(base)
        salt = "chaindesk.accounts.User.session_generation"
        return salted_hmac(salt, f"{base}:{self.session_generation}", secret=secret, algorithm="sha256").hexdigest()

    def clean(self) -> None:
        super().clean()
        if self.role == Role.DEPT_HANDLER and not self.department_id:
            raise ValidationError({"department": _("部门经办人必须指定所属部门。")})
        if self.role == Role.DISTRICT_ADMIN and not self.region_id:
            raise ValidationError({"region": _("市(区)管理员必须指定所属地区。")})

    @cached_property
    def scope_label(self) -> str:
        """What the top bar shows, e.g. 兴化市 · 挂钩服务专员; for an enterprise user their enterprise and its
        region (江苏某药业有限公司 · 兴化市), not a role's place: they act for that enterprise."""
        if self.role == Role.ENTERPRISE and (enterprise := self._own_enterprise()) is not None:
            return f"{enterprise} · {enterprise.region}"
        place = self.department or self.region
        role = self.get_role_display()
        return f"{place} · {role}" if place else str(role)

    def _own_enterprise(self) -> Any:
        """The enterprise an enterprise user acts for, with its region, through the reverse accessor (accounts is
        an earlier app than enterprises and never imports it). The signed-in user is loaded with both
        (backends.ChainDeskBackend.get_user), so the top bar costs no query of its own."""
        try:
            account: Any = getattr(self, "enterprise_account")  # noqa: B009 - a later app's reverse accessor
        except ObjectDoesNotExist:
            return None
        return account.enterprise


class TOTPDevice(models.Model):
    """A user's authenticator app (TOTP, RFC 6238: six digits every 30 s), the second factor of the password
    sign-in (chaindesk.accounts.twofactor). One per user. Unconfirmed while the user has scanned the QR code but
    not yet typed a code from it; only a confirmed device is asked for at sign-in.

    `secret` is the shared key in base32: the server must read it to check a code, so it cannot be hashed (as in
    django-otp); the table keeps it sealed (`sealed_secret`, chaindesk.core.sealing: encrypted under keys kept in
    the settings, not in the database or its backups). It is never written to the audit trail, a log or a page
    after enrolment. `last_step` is the 30-second step of the last code accepted: a code of that step or an
    earlier one is refused (no replay)."""

    user = models.OneToOneField(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="totp_device")
    sealed_secret = models.CharField(_("密钥（加密）"), max_length=255)
    created_at = models.DateTimeField(_("创建时间"))
    confirmed_at = models.DateTimeField(_("启用时间"), null=True, blank=True)
    last_step = models.BigIntegerField(_("最近使用的时间步"), default=0)

    scope_paths = ScopePaths(own="user")  # a secret of its user's: nobody else reads it (resets go by username)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("身份验证器")
        verbose_name_plural = _("身份验证器")

    def __str__(self) -> str:
        return f"{self.user} · TOTP"

    @property
    def secret(self) -> str:
        return sealing.unseal(self.sealed_secret)

    @secret.setter
    def secret(self, value: str) -> None:
        self.sealed_secret = sealing.seal(value)


class RecoveryCode(models.Model):
    """One of a device's ten single-use recovery codes (恢复码), for a sign-in without the phone. Only a salted
    SHA-256 of the code is kept; the code itself is shown once, when made. `used_at` is set when it is spent."""

    device = models.ForeignKey(
        TOTPDevice, verbose_name=_("身份验证器"), on_delete=models.CASCADE, related_name="recovery_codes"
    )
    salt = models.CharField(_("盐"), max_length=32)
    digest = models.CharField(_("摘要"), max_length=64)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    scope_paths = ScopePaths(own="device__user")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("恢复码")
        verbose_name_plural = _("恢复码")

    def __str__(self) -> str:
        return f"{self.device} · {self.pk}"
