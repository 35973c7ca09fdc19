"""Project kinds, levels and the stage machine (在谈 → 签约 → 开工 → 在建 → 竣工 → 投产 → 达产, 暂停, 终止)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectKind(models.TextChoices):
    NEW = "new", _("新建")
    EXTENSION = "extension", _("扩建")
    RENOVATION = "renovation", _("技术改造")
    EXPANSION = "expansion", _("增资扩产")
    SUPPORTING = "supporting", _("配套")


class ProjectLevel(models.TextChoices):
    PROVINCIAL = "provincial", _("省重大")
    CITY = "city", _("市重大")
    COUNTY = "county", _("县级重点")
    GENERAL = "general", _("一般")


class ProjectStage(models.TextChoices):
    NEGOTIATING = "negotiating", _("在谈")
    SIGNED = "signed", _("签约")
    STARTED = "started", _("开工")
    BUILDING = "building", _("在建")
    COMPLETED = "completed", _("竣工")
    PRODUCING = "producing", _("投产")
    FULL = "full", _("达产")
    PAUSED = "paused", _("暂停")
    TERMINATED = "terminated", _("终止")


# The forward path, in order. 暂停 may be entered from any stage on it before 达产 and left only back to the
# stage it paused (Project.paused_stage); 终止 may be entered from any stage that is not final.
FORWARD: tuple[str, ...] = (
    ProjectStage.NEGOTIATING,
    ProjectStage.SIGNED,
    ProjectStage.STARTED,
    ProjectStage.BUILDING,
    ProjectStage.COMPLETED,
    ProjectStage.PRODUCING,
    ProjectStage.FULL,
)
FINAL = frozenset({ProjectStage.FULL, ProjectStage.TERMINATED})
# Stages in which the project is being built or run, so investment is reported and progress expected.
ACTIVE = frozenset(
    {ProjectStage.SIGNED, ProjectStage.STARTED, ProjectStage.BUILDING, ProjectStage.COMPLETED, ProjectStage.PRODUCING}
)


def _transitions() -> dict[str, frozenset[str]]:
    result: dict[str, frozenset[str]] = {}
    for i, stage in enumerate(FORWARD[:-1]):
        result[stage] = frozenset({FORWARD[i + 1], ProjectStage.PAUSED, ProjectStage.TERMINATED})
    result[ProjectStage.FULL] = frozenset()
    result[ProjectStage.TERMINATED] = frozenset()
    # From 暂停 the only way forward is back to the paused stage (checked against paused_stage) or 终止.
    result[ProjectStage.PAUSED] = frozenset(set(FORWARD[:-1]) | {ProjectStage.TERMINATED})
    return result


TRANSITIONS: dict[str, frozenset[str]] = _transitions()

# The actual key date each forward stage sets on the project.
STAGE_DATE_FIELD: dict[str, str] = {
    ProjectStage.SIGNED: "signed_on",
    ProjectStage.STARTED: "started_on",
    ProjectStage.BUILDING: "building_on",
    ProjectStage.COMPLETED: "completed_on",
    ProjectStage.PRODUCING: "production_on",
    ProjectStage.FULL: "full_production_on",
}


class CapacityPeriod(models.TextChoices):
    YEAR = "year", _("年")
    MONTH = "month", _("月")
    DAY = "day", _("日")
