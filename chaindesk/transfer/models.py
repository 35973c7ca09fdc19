"""Import batches and the column mappings remembered per ledger template."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chaindesk.core.models_files import StoredFile
from chaindesk.core.scope import ScopedQuerySet, ScopePaths
from chaindesk.core.uploads import private_storage

from .choices import BatchStatus


class ImportBatch(StoredFile):
    """One uploaded ledger and what became of it: its dry run (counts here, every row's outcome in `report`, a
    JSON file), its commit and its undo. The audit lines its commit wrote carry `token` as their request id, which
    is how the undo finds what the batch wrote."""

    kind = models.CharField(_("导入类型"), max_length=32)
    file = models.FileField(_("文件"), storage=private_storage, upload_to="imports/%Y/%m/")
    sha256 = models.CharField(_("文件摘要(SHA-256)"), max_length=64)
    token = models.CharField(_("批次标识"), max_length=40, unique=True, editable=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.QUEUED, editable=False
    )
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    mapping = models.JSONField(_("列对应"), default=dict, blank=True)
    counts = models.JSONField(_("统计"), default=dict, blank=True)
    report = models.FileField(_("检查结果"), storage=private_storage, upload_to="imports/%Y/%m/", blank=True)
    # The dry run's plan itself (pickled, our own file), which the commit writes from while nothing it read has
    # changed since (services.checked_plan).
    checked_plan = models.FileField(_("检查计划"), storage=private_storage, upload_to="imports/%Y/%m/", blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    checked_at = models.DateTimeField(_("检查时间"), null=True, blank=True)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The audit lines its commit wrote lie between these ids (after the first, before the second: its IMPORT line), so
    # the undo reads them by the key's range instead of scanning a city's whole trail for the token. None for a
    # batch committed before they were kept (the undo then looks the token up alone).
    lines_after = models.BigIntegerField(_("导入前的最后审计编号"), null=True, blank=True, editable=False)
    import_line = models.BigIntegerField(_("导入审计编号"), null=True, blank=True, editable=False)
    undone_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    # A batch is its uploader's: others see it only through the audit trail.
    scope_paths = ScopePaths(own="uploaded_by")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["uploaded_by", "created_at"], name="transfer_batch_owner_idx")]

    def __str__(self) -> str:
        return f"{_('导入批次')} #{self.pk} {self.original_name}"

    @property
    def is_open(self) -> bool:
        return self.status in (BatchStatus.QUEUED, BatchStatus.CHECKING, BatchStatus.COMMITTING)


class ImportTemplate(models.Model):
    """The column mapping confirmed for a ledger layout (its header signature), used again for the next file with
    the same header."""

    kind = models.CharField(_("导入类型"), max_length=32)
    signature = models.CharField(_("表头特征"), max_length=64)
    headers = models.JSONField(_("表头"), default=list)
    mapping = models.JSONField(_("列对应"), default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_paths = ScopePaths.reference()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入模板")
        verbose_name_plural = _("导入模板")
        constraints = [models.UniqueConstraint(fields=["kind", "signature"], name="transfer_template_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.signature[:8]}"
