"""Briefing kinds, the states of a generation (版本) and the text sections the team writes before generating."""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class BriefingKind(models.TextChoices):
    MEETING = "meeting", _("会议简报")
    PERIOD = "period", _("阶段简报")


class VersionStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


# A version moves queued → running → done | failed, once each (compare-and-set in services).
VERSION_TRANSITIONS: dict[str, frozenset[str]] = {
    VersionStatus.QUEUED: frozenset({VersionStatus.RUNNING, VersionStatus.FAILED}),
    VersionStatus.RUNNING: frozenset({VersionStatus.DONE, VersionStatus.FAILED}),
    VersionStatus.DONE: frozenset(),
    VersionStatus.FAILED: frozenset(),
}
OPEN_VERSION = frozenset({VersionStatus.QUEUED, VersionStatus.RUNNING})
VERSION_COLOUR: dict[str, str] = {
    VersionStatus.QUEUED: "grey",
    VersionStatus.RUNNING: "blue",
    VersionStatus.DONE: "green",
    VersionStatus.FAILED: "red",
}

# The sections the team edits (leaders always edit): key → (label, help). Drafted from the records when the
# briefing is created; printed as written.
SECTIONS: dict[str, tuple[Any, Any]] = {  # lazy texts: (label, help)
    "overview": (
        _("开头概述"),
        _("简报开头的一段话：时间、带队领导、活动和会议的主题。已按记录起草，请修改定稿。"),
    ),
    "speech": (_("领导讲话要点"), _("领导在会上强调的要点，每段一行。")),
    "next_steps": (_("下步工作"), _("下一步的工作安排，每段一行。")),
}
SECTION_MAX = 5000  # characters in one section
