"""States of an import batch and the outcome of each row."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class BatchStatus(models.TextChoices):
    """queued → checking → checked → committing → committed → undone; checked/queued → failed on an error the
    file causes; a checked batch that is not committed stays checked (its dry run is still shown)."""

    QUEUED = "queued", _("排队中")
    CHECKING = "checking", _("检查中")
    CHECKED = "checked", _("已检查")
    COMMITTING = "committing", _("导入中")
    COMMITTED = "committed", _("已导入")
    UNDONE = "undone", _("已撤销")
    FAILED = "failed", _("失败")


BATCH_TRANSITIONS: dict[str, frozenset[str]] = {
    BatchStatus.QUEUED: frozenset({BatchStatus.CHECKING, BatchStatus.FAILED}),
    BatchStatus.CHECKING: frozenset({BatchStatus.CHECKED, BatchStatus.FAILED}),
    BatchStatus.CHECKED: frozenset({BatchStatus.CHECKING, BatchStatus.COMMITTING}),
    BatchStatus.COMMITTING: frozenset({BatchStatus.COMMITTED, BatchStatus.CHECKED, BatchStatus.FAILED}),
    BatchStatus.COMMITTED: frozenset({BatchStatus.UNDONE}),
    BatchStatus.UNDONE: frozenset(),
    BatchStatus.FAILED: frozenset(),
}
OPEN_STATUSES = (BatchStatus.QUEUED, BatchStatus.CHECKING, BatchStatus.COMMITTING)


class Outcome(models.TextChoices):
    """What the commit does (or would do) with one data row."""

    NEW = "new", _("新增")
    UPDATE = "update", _("更新")
    UNCHANGED = "unchanged", _("无变化")
    ERROR = "error", _("错误")
