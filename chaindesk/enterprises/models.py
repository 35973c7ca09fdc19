"""The enterprise registry: the firms a chain team serves one-to-one."""

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import Region
from chaindesk.chains.models import Chain, TeamMember
from chaindesk.core.scope import ScopedQuerySet, ScopePaths

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: digits and 21 letters (no I O S V Z)
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_COMPACT = re.compile(r"[0-9]{8}[0-9A-HJ-NPQRTUWXY]{10}")


def uscc_check_digit(body: str) -> str:
    """The GB 32100 check character of a code's first 17 characters (compact, upper-case)."""
    total = sum(_USCC_VALUE[c] * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total) % 31]


def validate_uscc(value: str) -> None:
    """统一社会信用代码 per GB 32100, checksum included. A code already in its compact form (every stored and
    imported one) is checked here directly, a tenth of python-stdnum's time (an import of a city's ledger checks
    100 000 codes twice: its dry run and its commit); anything else goes to python-stdnum, which decides."""
    if _USCC_COMPACT.fullmatch(value) and value[17] == uscc_check_digit(value[:17]):
        return
    try:
        uscc.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            _("统一社会信用代码“%(value)s”无效：应为18位，且校验位正确。"), params={"value": value}
        ) from exc


class EnterpriseQuerySet(ScopedQuerySet["Enterprise"]):
    def count_visible_to(self, user: Any) -> int:
        """`visible_to(user).count()`, computed the cheap way where the scope allows: for chain roles the
        distinct enterprises on the link table (an index-only scan, no join to the enterprise rows)."""
        if getattr(user, "is_authenticated", False) and user.role in (Role.CITY_LEADER, Role.TEAM_MEMBER):
            my_chains = TeamMember.objects.filter(user=user).values("chain_id")
            links = Enterprise.chains.through.objects.filter(chain_id__in=my_chains)
            return links.values("enterprise_id").distinct().count()
        return self.visible_to(user).count()


class Qualification(models.Model):
    """A qualification or title an enterprise holds (国家高新技术企业, 专精特新"小巨人" …), kept as data."""

    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    counts_as_scale = models.BooleanField(
        _("计为规模以上"), default=False, help_text=_("持有该资质的企业在缺链分析中视为达到规模门槛。")
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    scope_paths = ScopePaths.reference()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业资质")
        verbose_name_plural = _("企业资质")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return str(self.name)


class Enterprise(models.Model):
    """An enterprise keyed by its 统一社会信用代码, placed on chain nodes, served by one liaison."""

    name = models.CharField(_("企业名称"), max_length=100, db_index=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc])
    region = models.ForeignKey(Region, verbose_name=_("所在地区"), on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("地址"), max_length=200, blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    # `chains` is the membership that scopes visibility; the services keep it covering the chains of `nodes`.
    chains = models.ManyToManyField(Chain, verbose_name=_("所属产业链"), blank=True, related_name="enterprises")
    nodes = models.ManyToManyField(
        "chains.ChainNode", verbose_name=_("产业链环节"), blank=True, related_name="enterprises"
    )
    qualifications = models.ManyToManyField(
        Qualification, verbose_name=_("资质"), blank=True, related_name="enterprises"
    )
    business = models.TextField(_("主营业务"), blank=True)
    honours = models.CharField(_("其他荣誉"), max_length=200, blank=True)
    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("挂钩服务专员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="served_enterprises",
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("挂钩市领导"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_enterprises",
    )
    # Kept by the visit services of chaindesk.liaison (derived from the visits, stored for cheap filtering
    # and sorting of 1M enterprises by "no visit in N days").
    last_visit_on = models.DateField(_("最近走访"), null=True, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True, db_index=True)  # 工作台: latest first

    scope_paths = ScopePaths(chain="chains", liaison="liaison", region="region", enterprise="pk")
    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return str(self.name)


class EnterpriseAccount(models.Model):
    """Links an enterprise user's login to the one enterprise they act for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="enterprise_account",
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="accounts"
    )

    scope_paths = ScopePaths(via="enterprise")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业账户")
        verbose_name_plural = _("企业账户")

    def __str__(self) -> str:
        return f"{self.user} → {self.enterprise}"


class Indicator(models.Model):
    """One year's key figures of an enterprise, in 万元 (people for 从业人数)."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="indicators"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    revenue = models.DecimalField(_("营业收入/开票销售(万元)"), max_digits=14, decimal_places=2, null=True, blank=True)
    tax = models.DecimalField(_("税收(万元)"), max_digits=14, decimal_places=2, null=True, blank=True)
    employees = models.PositiveIntegerField(_("从业人数"), null=True, blank=True)
    rd_spend = models.DecimalField(_("研发投入(万元)"), max_digits=14, decimal_places=2, null=True, blank=True)

    scope_paths = ScopePaths(via="enterprise")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度指标")
        verbose_name_plural = _("年度指标")
        ordering = ["enterprise", "-year"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "year"], name="indicator_unique_year")]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year}"


class Contact(models.Model):
    """A person to call at the enterprise. Phones are masked for roles that do not need them."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(_("职务"), max_length=100, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    is_primary = models.BooleanField(_("主要联系人"), default=False)

    scope_paths = ScopePaths(via="enterprise")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业联系人")
        verbose_name_plural = _("企业联系人")
        ordering = ["enterprise", "-is_primary", "pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.enterprise}）"
