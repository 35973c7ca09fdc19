"""Investment leads (潜在项目、潜在线索) and their follow-ups; a signed lead becomes a project."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.models import Region
from chaindesk.chains.models import Chain, ChainNode
from chaindesk.core.scope import ScopedQuerySet, ScopePaths
from chaindesk.enterprises.models import Enterprise
from chaindesk.network.models import RdPartner, Talent
from chaindesk.projects.models import Project

from .choices import LeadSource, LeadStage


class LeadQuerySet(ScopedQuerySet["Lead"]):
    """Rows the reader may see: `visible_to` follows `Lead.scope_paths`."""


class Lead(models.Model):
    """A potential project or investor before signing, with where it came from and who chases it."""

    title = models.CharField(_("线索名称"), max_length=100, db_index=True)
    source = models.CharField(_("线索来源"), max_length=16, choices=LeadSource.choices)
    referrer = models.ForeignKey(
        Enterprise,
        verbose_name=_("引荐企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referred_leads",
        help_text=_("以商引商时填写。"),
    )
    talent = models.ForeignKey(
        Talent,
        verbose_name=_("引荐能人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        help_text=_("在外能人引荐时填写。"),
    )
    rd_partner = models.ForeignKey(
        RdPartner, verbose_name=_("研发机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="leads"
    )
    source_city = models.CharField(_("对接城市"), max_length=30, blank=True, help_text=_("如：上海、北京、深圳"))
    investor = models.CharField(_("投资方"), max_length=100)
    chain = models.ForeignKey(Chain, verbose_name=_("产业链"), on_delete=models.PROTECT, related_name="leads")
    node = models.ForeignKey(
        ChainNode, verbose_name=_("目标环节"), null=True, blank=True, on_delete=models.PROTECT, related_name="leads"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("拟落户地区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    estimated_investment = models.DecimalField(
        _("预计投资(万元)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    description = models.TextField(_("线索情况"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("跟进责任人"), on_delete=models.PROTECT, related_name="owned_leads"
    )
    stage = models.CharField(_("阶段"), max_length=16, choices=LeadStage.choices, default=LeadStage.NEW, editable=False)
    abandon_reason = models.CharField(_("放弃原因"), max_length=200, blank=True, editable=False)
    stage_changed_on = models.DateField(_("阶段变更日期"), null=True, blank=True, editable=False)
    # The next action agreed at the latest follow-up, kept by the follow-up services for the owner's queue.
    next_action = models.CharField(_("下一步行动"), max_length=200, blank=True, editable=False)
    next_action_on = models.DateField(_("下次跟进日期"), null=True, blank=True, editable=False)
    last_follow_up_on = models.DateField(_("最近跟进"), null=True, blank=True, editable=False)
    project = models.OneToOneField(
        Project,
        verbose_name=_("转化项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True, db_index=True)

    scope_paths = ScopePaths(chain="chain", liaison="owner", region="region")  # confidential until signed
    objects = LeadQuerySet.as_manager()

    class Meta:
        verbose_name = _("线索")
        verbose_name_plural = _("线索")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["owner", "stage", "next_action_on"], name="lead_owner_queue_idx"),
            models.Index(fields=["chain", "stage"], name="lead_chain_stage_idx"),
            # The list's 负责人 filter: who owns a lead on the reader's chains, one index probe per user (the
            # chain_id index alone read every visible lead: 0.5 s for a province's chain chief).
            models.Index(fields=["chain", "owner"], name="lead_chain_owner_idx"),
        ]

    def __str__(self) -> str:
        return str(self.title)


class LeadFollowUp(models.Model):
    """One follow-up on a lead: what happened, and the next action with its date."""

    lead = models.ForeignKey(Lead, verbose_name=_("线索"), on_delete=models.CASCADE, related_name="follow_ups")
    followed_on = models.DateField(_("跟进日期"))
    notes = models.TextField(_("跟进情况"))
    next_action = models.CharField(_("下一步行动"), max_length=200, blank=True)
    next_action_on = models.DateField(_("下次跟进日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    scope_paths = ScopePaths(via="lead")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("跟进记录")
        verbose_name_plural = _("跟进记录")
        ordering = ["-followed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.followed_on:%Y-%m-%d} {self.lead}"
