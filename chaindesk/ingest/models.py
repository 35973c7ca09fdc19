"""A meeting report as received (issue 15): its text, the draft the reader made of it, the reviewer's edits, and
once confirmed the meeting it became and every record the confirmation created, updated or linked (ReportRecord),
so the meeting keeps its source and each record can name the report it came from."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chaindesk.core.scope import Person, ScopedQuerySet, ScopePaths
from chaindesk.meetings.models import Meeting


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("待确认")
    CONFIRMED = "confirmed", _("已录入")
    DISCARDED = "discarded", _("已放弃")


class ReportQuerySet(ScopedQuerySet["Report"]):
    """Rows the reader may see: `visible_to` follows `Report.scope_paths`."""


class Report(models.Model):
    """A meeting report pasted or uploaded for reading: the text as received, the normalised text the draft was
    read from (the review page shows it with each item's source sentence marked), the draft with its matches,
    the reviewer's saved edits, and the meeting it became once confirmed. Confirmed once: the status moves
    draft → confirmed by compare-and-set, so a second confirmation creates nothing."""

    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    original = models.TextField(_("原文"))
    text = models.TextField(_("规范化文本"))
    digest = models.CharField(_("文本摘要"), max_length=64, db_index=True)
    title = models.CharField(_("标题"), max_length=200)
    draft = models.JSONField(_("识别结果"), default=dict)
    review = models.JSONField(_("审核修改"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    meeting = models.OneToOneField(
        Meeting,
        verbose_name=_("会议"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="source_report",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("录入时间"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    # A draft is its author's alone; once confirmed, whoever sees its meeting (the chain's team, the district)
    # reads the report too.
    scope_paths = ScopePaths(
        chain=("meeting__chain", Person("created_by")),
        region=("meeting__region", Person("created_by")),
        own="created_by",
    )
    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("会议报道")
        verbose_name_plural = _("会议报道")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return str(self.title)


class RecordKind(models.TextChoices):
    MEETING = "meeting", _("会议")
    SITE_VISIT = "site_visit", _("观摩点")
    ENTERPRISE = "enterprise", _("企业")
    PROJECT = "project", _("项目")
    DEMAND = "demand", _("诉求")
    DECISION = "decision", _("议定事项")
    UPWARD = "upward", _("上争事项")
    TALENT = "talent", _("在外能人")
    PARTNER = "partner", _("研发资源")
    COOPERATION = "cooperation", _("研发合作")


class RecordAction(models.TextChoices):
    CREATED = "created", _("新建")
    UPDATED = "updated", _("补充")
    LINKED = "linked", _("关联")


class ReportRecord(models.Model):
    """A record a confirmed report created, updated or linked to: the way back from the record to its source."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="records")
    kind = models.CharField(_("类型"), max_length=16, choices=RecordKind.choices)
    object_id = models.PositiveBigIntegerField(_("记录编号"))
    action = models.CharField(_("操作"), max_length=16, choices=RecordAction.choices)
    label = models.CharField(_("名称"), max_length=200)

    scope_paths = ScopePaths(via="report")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("报道录入记录")
        verbose_name_plural = _("报道录入记录")
        ordering = ["report", "pk"]
        indexes = [models.Index(fields=["kind", "object_id"], name="ingest_record_kind_object")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.label}"
