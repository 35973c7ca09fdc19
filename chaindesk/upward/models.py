"""Items sought from higher levels (上争事项): approvals, funds, pilots, policies and quotas the city asks of
the province or the state, followed through their stages (谋划 → 申报 → 审核中 → 获批/未获批).

The model moved here from the demands app (issue 10) and keeps its tables: `demands_upwardrequest` and its two
link tables. The move was a state-only migration, so a database migrated before it keeps every row."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.models import Department, Region
from chaindesk.chains.models import Chain
from chaindesk.core.scope import ScopedQuerySet, ScopePaths
from chaindesk.enterprises.models import Enterprise
from chaindesk.projects.models import Project

from .choices import UpwardKind, UpwardLevel, UpwardStage

# The tables the model had in the demands app; renaming them would gain nothing and cost a data migration.
TABLE = "demands_upwardrequest"


class UpwardRequestQuerySet(ScopedQuerySet["UpwardRequest"]):
    """Rows the reader may see: `visible_to` follows `UpwardRequest.scope_paths`."""


class UpwardRequest(models.Model):
    """An item sought from the province or the state (上争事项): funds, policy, a pilot, an approval, a quota."""

    title = models.CharField(_("事项名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=UpwardKind.choices)
    level = models.CharField(_("争取层级"), max_length=16, choices=UpwardLevel.choices)
    counterpart = models.CharField(_("对接部门"), max_length=100, help_text=_("如：省发改委、工信部"))
    window_opens_on = models.DateField(_("申报窗口开始"), null=True, blank=True)
    deadline = models.DateField(_("申报截止"), null=True, blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("责任部门"), on_delete=models.PROTECT, related_name="upward_requests"
    )
    chain = models.ForeignKey(
        Chain, verbose_name=_("产业链"), null=True, blank=True, on_delete=models.PROTECT, related_name="upward_requests"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("所在地区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    enterprises = models.ManyToManyField(
        Enterprise,
        verbose_name=_("关联企业"),
        blank=True,
        related_name="upward_requests",
        db_table=f"{TABLE}_enterprises",
    )
    projects = models.ManyToManyField(
        Project, verbose_name=_("关联项目"), blank=True, related_name="upward_requests", db_table=f"{TABLE}_projects"
    )
    stage = models.CharField(
        _("阶段"), max_length=16, choices=UpwardStage.choices, default=UpwardStage.PLANNING, editable=False
    )
    amount_sought = models.DecimalField(
        _("争取金额(万元)"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    amount_obtained = models.DecimalField(
        _("获批金额(万元)"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    description = models.TextField(_("事项说明"), blank=True)
    stage_changed_on = models.DateField(_("阶段变更日期"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    # Chain roles: their chains' items; department handlers: their department's; district admins: their
    # district's; liaisons: items linked to the enterprises they serve.
    scope_paths = ScopePaths(chain="chain", department="department", region="region", liaison="enterprises__liaison")
    objects = UpwardRequestQuerySet.as_manager()

    class Meta:
        db_table = TABLE
        verbose_name = _("上争事项")
        verbose_name_plural = _("上争事项")
        ordering = ["deadline", "pk"]

    def __str__(self) -> str:
        return str(self.title)
