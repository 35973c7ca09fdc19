"""Lead sources and the lead stage machine (新线索 → 接洽 → 考察 → 洽谈 → 签约, or 放弃)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LeadSource(models.TextChoices):
    REFERRAL = "referral", _("以商引商")
    TALENT = "talent", _("在外能人")
    REMOTE = "remote", _("异地对接")
    EXPO = "expo", _("展会")
    RD = "rd", _("研发机构")
    OTHER = "other", _("其他")


class LeadStage(models.TextChoices):
    NEW = "new", _("新线索")
    CONTACTED = "contacted", _("接洽")
    INSPECTED = "inspected", _("考察")
    NEGOTIATING = "negotiating", _("洽谈")
    SIGNED = "signed", _("签约")
    ABANDONED = "abandoned", _("放弃")


FORWARD: tuple[str, ...] = (
    LeadStage.NEW,
    LeadStage.CONTACTED,
    LeadStage.INSPECTED,
    LeadStage.NEGOTIATING,
    LeadStage.SIGNED,
)
FINAL = frozenset({LeadStage.SIGNED, LeadStage.ABANDONED})
OPEN = frozenset(set(FORWARD) - FINAL)

# A lead moves forward one step at a time, may skip ahead (a referral can go straight to 洽谈), and may be
# abandoned from any open stage. 签约 is reached only through the signing service, which creates the project.
TRANSITIONS: dict[str, frozenset[str]] = {
    stage: frozenset({*FORWARD[i + 1 :], LeadStage.ABANDONED}) for i, stage in enumerate(FORWARD[:-1])
}
TRANSITIONS[LeadStage.SIGNED] = frozenset()
TRANSITIONS[LeadStage.ABANDONED] = frozenset()
