"""Demand and task states, kinds, channels, urgency and escalation levels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DemandKind(models.TextChoices):
    """An enterprise's demand (诉求), or a meeting decision assigned to departments (交办事项): the latter has no
    enterprise, is accepted when created, and closes when its tasks are done (no enterprise confirmation)."""

    DEMAND = "demand", _("诉求")
    ASSIGNMENT = "assignment", _("交办事项")


class Channel(models.TextChoices):
    LIAISON = "liaison", _("专员走访")
    TEAM = "team", _("服务团队")
    ENTERPRISE = "enterprise", _("企业提交")
    MEETING = "meeting", _("会议决定")
    API = "api", _("接口")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("特急")


class DemandStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    NEEDS_INFO = "needs_info", _("待补充")
    ACCEPTED = "accepted", _("已受理")
    IN_PROGRESS = "in_progress", _("办理中")
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("待企业确认")
    CLOSED = "closed", _("已办结")
    REJECTED = "rejected", _("不予受理")
    MERGED = "merged", _("已合并")


# Triage moves (accept, reject, merge, ask for information) and the moves that follow from the tasks and the
# enterprise's confirmation. 不满意 reopens: 待企业确认 → 办理中.
DEMAND_TRANSITIONS: dict[str, frozenset[str]] = {
    DemandStatus.SUBMITTED: frozenset(
        {DemandStatus.ACCEPTED, DemandStatus.REJECTED, DemandStatus.MERGED, DemandStatus.NEEDS_INFO}
    ),
    DemandStatus.NEEDS_INFO: frozenset({DemandStatus.SUBMITTED, DemandStatus.REJECTED, DemandStatus.MERGED}),
    DemandStatus.ACCEPTED: frozenset({DemandStatus.IN_PROGRESS}),
    DemandStatus.IN_PROGRESS: frozenset({DemandStatus.AWAITING_CONFIRMATION}),
    DemandStatus.AWAITING_CONFIRMATION: frozenset({DemandStatus.CLOSED, DemandStatus.IN_PROGRESS}),
    DemandStatus.CLOSED: frozenset(),
    DemandStatus.REJECTED: frozenset(),
    DemandStatus.MERGED: frozenset(),
}
# A 交办事项 (DemandKind.ASSIGNMENT) is created accepted and has no enterprise to confirm: 办理中 → 已办结 when its
# tasks are done (services_base.DemandMoves.ASSIGNMENT_DONE); nothing else.
ASSIGNMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    **{status: frozenset() for status in DemandStatus.values},
    DemandStatus.ACCEPTED: frozenset({DemandStatus.IN_PROGRESS}),
    DemandStatus.IN_PROGRESS: frozenset({DemandStatus.CLOSED}),
}
OPEN_DEMAND = frozenset(
    {
        DemandStatus.SUBMITTED,
        DemandStatus.NEEDS_INFO,
        DemandStatus.ACCEPTED,
        DemandStatus.IN_PROGRESS,
        DemandStatus.AWAITING_CONFIRMATION,
    }
)


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("待签收")
    IN_PROGRESS = "in_progress", _("办理中")
    EXTENSION_REQUESTED = "extension_requested", _("延期申请中")
    COMPLETION_REQUESTED = "completion_requested", _("申请办结")
    DONE = "done", _("已办结")
    RETURNED = "returned", _("已退回")


TASK_TRANSITIONS: dict[str, frozenset[str]] = {
    # 签收 or 退回 (wrong department)
    TaskStatus.PENDING: frozenset({TaskStatus.IN_PROGRESS, TaskStatus.RETURNED}),
    TaskStatus.IN_PROGRESS: frozenset(
        {TaskStatus.EXTENSION_REQUESTED, TaskStatus.COMPLETION_REQUESTED, TaskStatus.RETURNED}
    ),
    # the team approves or refuses the extension: both go back to 办理中 (approval moves the deadline)
    TaskStatus.EXTENSION_REQUESTED: frozenset({TaskStatus.IN_PROGRESS}),
    # the team accepts the result (已办结) or sends it back (办理中)
    TaskStatus.COMPLETION_REQUESTED: frozenset({TaskStatus.DONE, TaskStatus.IN_PROGRESS}),
    # a reopened demand sends its tasks back to work
    TaskStatus.DONE: frozenset({TaskStatus.IN_PROGRESS}),
    TaskStatus.RETURNED: frozenset(),
}
OPEN_TASK = frozenset(
    {TaskStatus.PENDING, TaskStatus.IN_PROGRESS, TaskStatus.EXTENSION_REQUESTED, TaskStatus.COMPLETION_REQUESTED}
)


class Escalation(models.TextChoices):
    NONE = "", _("正常")
    REMINDED = "reminded", _("临期提醒")
    WARNED = "warned", _("预警")
    SUPERVISED = "supervised", _("督办")


# The marks that put a task on the 督办 queue (预警 below 督办).
ESCALATED = frozenset({Escalation.WARNED, Escalation.SUPERVISED})

# The states in which a task or a demand waits on the chain's team (the 待我处理 queue's sections, longest first).
TASK_QUEUE_STATES = frozenset({TaskStatus.COMPLETION_REQUESTED, TaskStatus.EXTENSION_REQUESTED, TaskStatus.RETURNED})
DEMAND_QUEUE_STATES = frozenset({DemandStatus.NEEDS_INFO, DemandStatus.AWAITING_CONFIRMATION})
