"""The kinds, levels and stages of items sought from higher levels (上争事项), and the stage machine."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UpwardKind(models.TextChoices):
    FUNDS = "funds", _("资金")
    POLICY = "policy", _("政策")
    PILOT = "pilot", _("试点")
    APPROVAL = "approval", _("审批")
    QUOTA = "quota", _("要素指标")


class UpwardLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    STATE = "state", _("国家")


class UpwardStage(models.TextChoices):
    PLANNING = "planning", _("谋划")
    APPLIED = "applied", _("申报")
    REVIEWING = "reviewing", _("审核中")
    APPROVED = "approved", _("获批")
    DECLINED = "declined", _("未获批")


UPWARD_TRANSITIONS: dict[str, frozenset[str]] = {
    UpwardStage.PLANNING: frozenset({UpwardStage.APPLIED}),
    UpwardStage.APPLIED: frozenset({UpwardStage.REVIEWING, UpwardStage.APPROVED, UpwardStage.DECLINED}),
    UpwardStage.REVIEWING: frozenset({UpwardStage.APPROVED, UpwardStage.DECLINED}),
    UpwardStage.APPROVED: frozenset(),
    UpwardStage.DECLINED: frozenset(),
}
