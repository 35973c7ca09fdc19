"""Briefings (简报 / 会议纪要) of a chain's service team: one per meeting or per period, the text sections the team
writes before generating, every generation kept as a version (DOCX, the XLSX ledger pack, a PNG of the first
page), and the offices' own 红头 templates. The content is read from the records when a version is generated
(chaindesk.reports.content); the layouts that print it are chaindesk.reports.layout and .template_fill."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from chaindesk.chains.models import Chain
from chaindesk.core.models_files import StoredFile
from chaindesk.core.scope import NONE, ScopedQuerySet, ScopePaths
from chaindesk.core.uploads import private_storage
from chaindesk.meetings.models import Meeting

from .choices import BriefingKind, VersionStatus


class BriefingTemplate(StoredFile):
    """An office's own 红头 template: a DOCX with placeholders (chaindesk.reports.template_fill), checked before it
    is stored. Used by the chain's team instead of the built-in layout; deactivated, never deleted (the versions
    made with it keep pointing to it)."""

    file = models.FileField(_("文件"), storage=private_storage, upload_to="reports/templates/")
    chain = models.ForeignKey(
        Chain, verbose_name=_("产业链"), on_delete=models.PROTECT, related_name="briefing_templates"
    )
    name = models.CharField(_("模板名称"), max_length=100)
    active = models.BooleanField(_("启用"), default=True)

    scope_paths = ScopePaths(chain="chain")  # the chain's team; nobody else uses or sees an office's template
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("简报模板")
        verbose_name_plural = _("简报模板")
        ordering = ["-active", "-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name


class BriefingQuerySet(ScopedQuerySet["Briefing"]):
    """Rows the reader may see: `visible_to` follows `Briefing.scope_paths`."""


class Briefing(models.Model):
    """A briefing of a chain: about one meeting (会议简报) or a period (阶段简报), with its issue number (期号), the
    issuing body (发文机关), the date it is dated, the sections the team edits and who it goes to (分送)."""

    chain = models.ForeignKey(Chain, verbose_name=_("产业链"), on_delete=models.PROTECT, related_name="briefings")
    kind = models.CharField(_("类型"), max_length=16, choices=BriefingKind.choices)
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), null=True, blank=True, on_delete=models.PROTECT, related_name="briefings"
    )
    title = models.CharField(_("标题"), max_length=200)
    period_start = models.DateField(_("统计期起"), null=True, blank=True)
    period_end = models.DateField(_("统计期止"), null=True, blank=True)
    number = models.PositiveIntegerField(_("期号"), validators=[MinValueValidator(1), MaxValueValidator(9999)])
    issuer = models.CharField(_("发文机关"), max_length=100)
    dated_on = models.DateField(_("成文日期"))
    sections = models.JSONField(_("正文段落"), default=dict, blank=True)
    distribution = models.TextField(_("分送"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # The chain's team; a liaison or a department handler reads the briefing of a meeting they may read (they, or
    # for a handler their department, attended it: Meeting.scope_paths), as it is sent to them. A period
    # briefing is the team's only; districts and enterprises read none.
    scope_paths = ScopePaths(chain="chain", region=NONE, enterprise=NONE, via="meeting")
    objects = BriefingQuerySet.as_manager()

    class Meta:
        verbose_name = _("简报")
        verbose_name_plural = _("简报")
        ordering = ["-dated_on", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def number_text(self) -> str:
        """The issue line as printed: 第 12 期."""
        return str(_("第 %(n)s 期") % {"n": self.number})


class BriefingVersion(models.Model):
    """One generation of a briefing, kept: its state and progress while the background task runs, and the DOCX,
    the XLSX ledger pack and the first page as PNG it produced (the preview may be missing: `preview_note`
    says why), or the error it failed with."""

    briefing = models.ForeignKey(Briefing, verbose_name=_("简报"), on_delete=models.CASCADE, related_name="versions")
    n = models.PositiveIntegerField(_("版本"))
    status = models.CharField(
        _("状态"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.QUEUED, editable=False
    )
    progress = models.PositiveSmallIntegerField(
        _("进度"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    error = models.TextField(_("错误信息"), blank=True)
    template = models.ForeignKey(
        BriefingTemplate,
        verbose_name=_("模板"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="versions",
    )
    docx = models.FileField(_("Word 文档"), storage=private_storage, upload_to="reports/%Y/%m/", blank=True)
    xlsx = models.FileField(_("台账表格"), storage=private_storage, upload_to="reports/%Y/%m/", blank=True)
    preview = models.FileField(_("首页预览"), storage=private_storage, upload_to="reports/%Y/%m/", blank=True)
    preview_note = models.CharField(_("预览说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    scope_paths = ScopePaths(via="briefing")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("简报版本")
        verbose_name_plural = _("简报版本")
        ordering = ["briefing", "-n"]
        constraints = [models.UniqueConstraint(fields=["briefing", "n"], name="reports_version_unique_n")]

    def __str__(self) -> str:
        return f"{self.briefing} · {_('第 %(n)s 版') % {'n': self.n}}"

    @property
    def is_open(self) -> bool:
        """Queued or running: the page polls its progress."""
        return self.status in (VersionStatus.QUEUED, VersionStatus.RUNNING)
