"""Annual targets (年度目标) of chains, regions (the city and its districts) and departments, and the thresholds
of their traffic lights.

A target is one figure for one metric, owner and year: the ledger's cell. Its progress is never stored: it is
measured from the projects, investment reports, indicators, demands and 上争事项 (chaindesk.targets.actuals)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.models import Department, Region
from chaindesk.chains.models import Chain
from chaindesk.core.scope import Custom, Scope, ScopedQuerySet, ScopePaths

from .choices import Metric, Owner


def _chain_roles(scope: Scope) -> Q:
    """Chain chiefs and their teams read their chains' targets and every region's and department's: the city's
    targets and the rankings of districts and departments are theirs to follow."""
    return Q(chain_id__in=scope.chain_ids) | Q(chain__isnull=True)


class TargetQuerySet(ScopedQuerySet["Target"]):
    """Targets the reader may see: `visible_to` follows `Target.scope_paths`."""


class Target(models.Model):
    """One metric's figure for one owner (a chain, a region or a department) and one year."""

    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)], db_index=True
    )
    metric = models.CharField(_("指标"), max_length=24, choices=Metric.choices)
    owner = models.CharField(_("目标类别"), max_length=16, choices=Owner.choices)
    chain = models.ForeignKey(
        Chain, verbose_name=_("产业链"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("地区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    value = models.DecimalField(
        _("目标值"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # Region targets: the district administrator's district and the districts below it (a city administrator
    # reads the city's and every district's); department targets: the department's handlers.
    scope_paths = ScopePaths(
        chain=Custom(_chain_roles), region="region", department="department", admin=None, audit=None
    )
    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度目标")
        verbose_name_plural = _("年度目标")
        ordering = ["year", "owner", "chain_id", "region_id", "department_id", "metric"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(owner=Owner.CHAIN, chain__isnull=False, region__isnull=True, department__isnull=True)
                    | Q(owner=Owner.REGION, chain__isnull=True, region__isnull=False, department__isnull=True)
                    | Q(owner=Owner.DEPARTMENT, chain__isnull=True, region__isnull=True, department__isnull=False)
                ),
                name="target_one_owner",
            ),
            models.UniqueConstraint(
                fields=["year", "metric", "chain"], condition=Q(owner=Owner.CHAIN), name="target_unique_chain"
            ),
            models.UniqueConstraint(
                fields=["year", "metric", "region"], condition=Q(owner=Owner.REGION), name="target_unique_region"
            ),
            models.UniqueConstraint(
                fields=["year", "metric", "department"],
                condition=Q(owner=Owner.DEPARTMENT),
                name="target_unique_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.owner_name} {self.get_metric_display()}"

    @property
    def owner_obj(self) -> models.Model | None:
        return {Owner.CHAIN: self.chain, Owner.REGION: self.region, Owner.DEPARTMENT: self.department}.get(
            Owner(self.owner)
        )

    @property
    def owner_id(self) -> int | None:
        return {Owner.CHAIN: self.chain_id, Owner.REGION: self.region_id, Owner.DEPARTMENT: self.department_id}.get(
            Owner(self.owner)
        )

    @property
    def owner_name(self) -> str:
        return str(self.owner_obj or "")


class LightRule(models.Model):
    """The thresholds of the traffic lights, one row for the city (pk 1), stated on every page that shows a
    light. A target is yellow from `yellow` percentage points behind and red beyond `red`: behind 序时进度 for
    the accumulating targets, behind the target rate for the rates (办结率, 满意率)."""

    yellow = models.DecimalField(
        _("黄灯起点（落后序时进度，百分点）"), max_digits=5, decimal_places=1, default=Decimal("10")
    )
    red = models.DecimalField(
        _("红灯起点（落后序时进度超过，百分点）"), max_digits=5, decimal_places=1, default=Decimal("30")
    )
    rate_yellow = models.DecimalField(
        _("比率类黄灯起点（低于目标，百分点）"), max_digits=5, decimal_places=1, default=Decimal("2")
    )
    rate_red = models.DecimalField(
        _("比率类红灯起点（低于目标超过，百分点）"), max_digits=5, decimal_places=1, default=Decimal("5")
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_paths = ScopePaths.reference()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("红黄绿灯阈值")
        verbose_name_plural = _("红黄绿灯阈值")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "LightRule":
        """The city's rule (the defaults until someone changes them; not written by a read)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)
