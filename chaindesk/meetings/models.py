"""Meetings of a chain's service team and what they decide (议定事项); briefings arrive with the meetings issue."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.models import Department, Region
from chaindesk.chains.models import Chain
from chaindesk.core.scope import Exact, Person, ScopedQuerySet, ScopePaths
from chaindesk.demands.models import Demand
from chaindesk.enterprises.models import Enterprise


class MeetingKind(models.TextChoices):
    REGULAR = "regular", _("工作例会")
    SITE_VISIT = "site_visit", _("现场观摩")
    SYMPOSIUM = "symposium", _("座谈会")


class MeetingQuerySet(ScopedQuerySet["Meeting"]):
    """Rows the reader may see: `visible_to` follows `Meeting.scope_paths`."""


class Meeting(models.Model):
    """A meeting (例会) or site visit (现场观摩) of a chain team, with who chaired and who led it."""

    chain = models.ForeignKey(Chain, verbose_name=_("产业链"), on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField(_("会议名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=16, choices=MeetingKind.choices, default=MeetingKind.REGULAR)
    held_on = models.DateField(_("日期"))
    region = models.ForeignKey(
        Region,
        verbose_name=_("地点所在地区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    location = models.CharField(_("地点"), max_length=200, blank=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("带队领导"), on_delete=models.PROTECT, related_name="+"
    )
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("主持人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("参会人员"), blank=True, related_name="meetings_attended"
    )
    summary = models.TextField(_("会议纪要"), blank=True)

    scope_paths = ScopePaths(
        chain="chain", region=Exact("region"), liaison=Person("attendees"), department=Person("attendees")
    )
    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return str(self.title)

    @property
    def place(self) -> str:
        """Where it was held as the pages show it: the place, after its region unless the place names it
        ("" when neither is known)."""
        region = self.region.name if self.region_id and self.region else ""
        if region and self.location and region not in self.location:
            return f"{region} {self.location}"
        return self.location or region


class DecisionQuerySet(ScopedQuerySet["Decision"]):
    """Rows the reader may see: `visible_to` follows `Decision.scope_paths`."""


class Decision(models.Model):
    """An item a meeting decided (议定事项), numbered within its meeting; optionally about one enterprise and
    given to a responsible department. Turned into a demand (诉求, channel 会议决定) at most once."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="decisions")
    seq = models.PositiveIntegerField(_("序号"), editable=False)
    content = models.TextField(_("议定内容"))
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("涉及企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_decisions",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("责任部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_decisions",
    )
    demand = models.OneToOneField(
        Demand,
        verbose_name=_("诉求"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="meeting_decision",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    scope_paths = ScopePaths(via="meeting")  # whoever sees the meeting sees what it decided
    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("议定事项")
        verbose_name_plural = _("议定事项")
        ordering = ["meeting", "seq"]
        constraints = [models.UniqueConstraint(fields=["meeting", "seq"], name="meetings_decision_unique_seq")]

    def __str__(self) -> str:
        return f"{self.meeting} · {_('议定事项 %(seq)s') % {'seq': self.seq}}"
