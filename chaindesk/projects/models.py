"""Investment projects (项目建设): from 在谈 to 达产, with their investment plans and monthly reports."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.models import Region
from chaindesk.chains.models import Chain, ChainNode
from chaindesk.core.scope import ScopedQuerySet, ScopePaths
from chaindesk.enterprises.models import Enterprise
from chaindesk.network.models import Talent

from .choices import ACTIVE, CapacityPeriod, ProjectKind, ProjectLevel, ProjectStage


class ProjectQuerySet(ScopedQuerySet["Project"]):
    """Rows the reader may see: `visible_to` follows `Project.scope_paths`."""


class Project(models.Model):
    """An investment project of an enterprise (or of an investor not registered here yet)."""

    name = models.CharField(_("项目名称"), max_length=100, db_index=True)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("项目单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    investor_name = models.CharField(
        _("投资方"), max_length=100, blank=True, help_text=_("尚未在本地注册企业时填写投资方名称。")
    )
    chain = models.ForeignKey(Chain, verbose_name=_("产业链"), on_delete=models.PROTECT, related_name="projects")
    node = models.ForeignKey(
        ChainNode,
        verbose_name=_("产业链环节"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    region = models.ForeignKey(Region, verbose_name=_("所在地区"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("建设性质"), max_length=16, choices=ProjectKind.choices, default=ProjectKind.NEW)
    level = models.CharField(_("项目级别"), max_length=16, choices=ProjectLevel.choices, default=ProjectLevel.GENERAL)
    stage = models.CharField(
        _("阶段"), max_length=16, choices=ProjectStage.choices, default=ProjectStage.NEGOTIATING, editable=False
    )
    # The stage a paused project returns to; set when pausing, cleared when resuming.
    paused_stage = models.CharField(
        _("暂停前阶段"), max_length=16, choices=ProjectStage.choices, blank=True, editable=False
    )
    status_reason = models.CharField(_("暂停/终止原因"), max_length=200, blank=True, editable=False)
    description = models.TextField(_("建设内容"), blank=True)
    planned_investment = models.DecimalField(
        _("计划总投资(万元)"), validators=[MinValueValidator(0)], null=True, blank=True, max_digits=14, decimal_places=2
    )
    capacity_quantity = models.DecimalField(
        _("设计产能"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    capacity_unit = models.CharField(_("产能单位"), max_length=20, blank=True, help_text=_("如：万平方米、万只、吨"))
    capacity_period = models.CharField(
        _("产能周期"), max_length=8, choices=CapacityPeriod.choices, default=CapacityPeriod.YEAR
    )
    land_mu = models.DecimalField(
        _("用地(亩)"), max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    expected_output = models.DecimalField(
        _("达产后年产值(万元)"),
        validators=[MinValueValidator(0)],
        null=True,
        blank=True,
        max_digits=14,
        decimal_places=2,
    )
    expected_tax = models.DecimalField(
        _("达产后年税收(万元)"),
        validators=[MinValueValidator(0)],
        null=True,
        blank=True,
        max_digits=14,
        decimal_places=2,
    )
    # The virtuous cycle: a follow-on (增资扩产) of an earlier project, and who brought the project.
    follow_on_of = models.ForeignKey(
        "self", verbose_name=_("前期项目"), null=True, blank=True, on_delete=models.PROTECT, related_name="follow_ons"
    )
    credited_enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("引荐企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credited_projects",
    )
    credited_talent = models.ForeignKey(
        Talent,
        verbose_name=_("引荐能人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credited_projects",
    )
    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("服务专员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="served_projects",
    )
    planned_signed_on = models.DateField(_("计划签约日期"), null=True, blank=True)
    planned_started_on = models.DateField(_("计划开工日期"), null=True, blank=True)
    planned_completed_on = models.DateField(_("计划竣工日期"), null=True, blank=True)
    planned_production_on = models.DateField(_("计划投产日期"), null=True, blank=True)
    planned_full_production_on = models.DateField(_("计划达产日期"), null=True, blank=True)
    # Actual key dates: set only by the stage transitions.
    signed_on = models.DateField(_("签约日期"), null=True, blank=True, editable=False)
    started_on = models.DateField(_("开工日期"), null=True, blank=True, editable=False)
    building_on = models.DateField(_("转入在建日期"), null=True, blank=True, editable=False)
    completed_on = models.DateField(_("竣工日期"), null=True, blank=True, editable=False)
    production_on = models.DateField(_("投产日期"), null=True, blank=True, editable=False)
    full_production_on = models.DateField(_("达产日期"), null=True, blank=True, editable=False)
    stage_changed_on = models.DateField(_("阶段变更日期"), null=True, blank=True, editable=False)
    # The last time anyone reported progress (a transition or an investment report), kept by the services
    # so that "no update for 30 days" is an indexed filter at province scale.
    last_progress_on = models.DateField(_("最近更新"), null=True, blank=True, editable=False, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True, db_index=True)

    scope_paths = ScopePaths(
        chain="chain", liaison=("liaison", "enterprise__liaison"), region="region", enterprise="enterprise"
    )
    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["chain", "stage"], name="project_chain_stage_idx"),
            models.Index(fields=["region", "stage"], name="project_region_stage_idx"),
            # The list filtered by 滞后/停滞 (both need an active stage) in its default order, newest first: walks
            # the active projects only (project_list states the implied stage filter), not every project.
            models.Index(
                fields=["created_at", "id"], condition=Q(stage__in=sorted(ACTIVE)), name="project_active_created_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(enterprise__isnull=False) | ~Q(investor_name=""), name="project_has_owner"
            )
        ]

    def __str__(self) -> str:
        return str(self.name)

    def clean(self) -> None:
        """Cross-field rules, with Chinese messages, checked by every create and update service."""
        errors: dict[str, Any] = {}
        if self.enterprise_id is None and not self.investor_name.strip():
            errors["investor_name"] = _("请选择项目单位，或填写尚未在本地注册的投资方名称。")
        node = self.node
        if node is not None and self.chain_id is not None and node.chain_id != self.chain_id:
            errors["node"] = _("所选环节不属于该产业链。")
        if self.follow_on_of_id is not None:
            earlier = self.follow_on_of
            if earlier is None or (self.pk is not None and earlier.pk == self.pk):
                errors["follow_on_of"] = _("项目不能是自身的后续项目。")
            elif self.enterprise_id is None or earlier.enterprise_id != self.enterprise_id:
                errors["follow_on_of"] = _("增资扩产的前期项目须属于同一项目单位。")
        if self.credited_enterprise_id is not None and self.credited_enterprise_id == self.enterprise_id:
            errors["credited_enterprise"] = _("引荐企业不能是项目单位本身。")
        if errors:
            raise ValidationError(errors)

    @property
    def owner_name(self) -> str:
        return str(self.enterprise) if self.enterprise_id else self.investor_name


class ProductionLine(models.Model):
    """A production line the project builds: 全自动腹透引流袋生产线 × 4, with its capacity in words."""

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="lines")
    name = models.CharField(_("生产线"), max_length=100)
    count = models.PositiveIntegerField(_("条数"), default=1, validators=[MinValueValidator(1)])
    capacity = models.CharField(_("产能"), max_length=100, blank=True, help_text=_("如：年产 1000 万只"))
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    scope_paths = ScopePaths(via="project")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("生产线")
        verbose_name_plural = _("生产线")
        ordering = ["project", "sort_order", "pk"]

    def __str__(self) -> str:
        return f"{self.name} × {self.count}"


class StageChange(models.Model):
    """One stage transition of a project: the timeline on its page (the audit trail has it too)."""

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("原阶段"), max_length=16, choices=ProjectStage.choices, blank=True)
    to_stage = models.CharField(_("新阶段"), max_length=16, choices=ProjectStage.choices)
    changed_on = models.DateField(_("日期"))
    reason = models.CharField(_("说明"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    scope_paths = ScopePaths(via="project")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("阶段变更")
        verbose_name_plural = _("阶段变更")
        ordering = ["project", "changed_on", "pk"]

    def __str__(self) -> str:
        return f"{self.project} {self.from_stage}→{self.to_stage}"


class InvestmentPlan(models.Model):
    """The investment a project plans to complete in one calendar year (万元)."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="investment_plans"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(
        _("年度计划投资(万元)"), validators=[MinValueValidator(0)], max_digits=14, decimal_places=2
    )

    scope_paths = ScopePaths(via="project")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度投资计划")
        verbose_name_plural = _("年度投资计划")
        ordering = ["project", "year"]
        constraints = [models.UniqueConstraint(fields=["project", "year"], name="investment_plan_unique_year")]
        indexes = [models.Index(fields=["year", "project"], name="investment_plan_year_idx")]

    def __str__(self) -> str:
        return f"{self.project} {self.year}"


class InvestmentReport(models.Model):
    """Investment completed in one month (万元), reported by the liaison or the enterprise."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="investment_reports"
    )
    month = models.DateField(_("月份"), help_text=_("所属月份的第一天"))
    amount = models.DecimalField(
        _("当月完成投资(万元)"), validators=[MinValueValidator(0)], max_digits=14, decimal_places=2
    )
    note = models.CharField(_("形象进度"), max_length=200, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("填报时间"), auto_now_add=True)

    scope_paths = ScopePaths(via="project")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("月度投资完成")
        verbose_name_plural = _("月度投资完成")
        ordering = ["project", "month"]
        constraints = [models.UniqueConstraint(fields=["project", "month"], name="investment_report_unique_month")]
        indexes = [models.Index(fields=["month", "project"], name="investment_report_month_idx")]

    def __str__(self) -> str:
        return f"{self.project} {self.month:%Y-%m}"
