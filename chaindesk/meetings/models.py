"""Meetings of a chain's service team: who led, chaired and attended, the enterprises and projects visited (现场观摩),
who spoke (交流发言), the minutes and attachments, what they decided (议定事项), the agenda drafted for them and each
user's private calendar feed. Briefings (简报) live in chaindesk.reports."""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.models import Department, Region
from chaindesk.chains.models import Chain
from chaindesk.core.models_files import StoredFile
from chaindesk.core.scope import NONE, Exact, Person, ScopedQuerySet, ScopePaths
from chaindesk.core.uploads import private_storage
from chaindesk.demands.models import Demand, Task
from chaindesk.enterprises.models import Enterprise
from chaindesk.projects.models import Project
from chaindesk.upward.models import UpwardRequest


class MeetingKind(models.TextChoices):
    REGULAR = "regular", _("工作例会")
    SITE_VISIT = "site_visit", _("现场观摩")
    SYMPOSIUM = "symposium", _("座谈会")
    TOPIC = "topic", _("专题会")
    DISPATCH = "dispatch", _("调度会")


class MeetingQuerySet(ScopedQuerySet["Meeting"]):
    """Rows the reader may see: `visible_to` follows `Meeting.scope_paths`."""


class Meeting(models.Model):
    """A meeting (例会) or site visit (现场观摩) of a chain team, with who chaired and who led it."""

    chain = models.ForeignKey(Chain, verbose_name=_("产业链"), on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField(_("会议名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=16, choices=MeetingKind.choices, default=MeetingKind.REGULAR)
    held_on = models.DateField(_("日期"))
    starts_at = models.TimeField(_("开始时间"), null=True, blank=True)
    ends_at = models.TimeField(_("结束时间"), null=True, blank=True)
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
    attendee_departments = models.ManyToManyField(
        Department, verbose_name=_("参会部门"), blank=True, related_name="meetings_attended"
    )
    attendee_regions = models.ManyToManyField(
        Region, verbose_name=_("参会地区"), blank=True, related_name="meetings_attended"
    )
    attendee_enterprises = models.ManyToManyField(
        Enterprise, verbose_name=_("参会企业"), blank=True, related_name="meetings_attended"
    )
    guests = models.TextField(
        _("其他参会人员"), blank=True, help_text=_("不在系统中的参会人员，每行一位，如：省工信厅 张三")
    )
    summary = models.TextField(_("会议纪要"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True, null=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, null=True)

    # A department handler reads the meetings they or their department attended; enterprise users read none.
    scope_paths = ScopePaths(
        chain="chain",
        region=Exact("region"),
        liaison=Person("attendees"),
        department=(Person("attendees"), "attendee_departments"),
        enterprise=NONE,
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
    """An item a meeting decided (议定事项), numbered within its meeting; optionally about one enterprise, with its
    responsible departments (DecisionDepartment, one of them 牵头) and a deadline in working days from the
    meeting's day. Carried at most once by a demand: the enterprise's 诉求 (channel 会议决定) when it is about one
    enterprise, otherwise a 交办事项 with one task per responsible department."""

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
    working_days = models.PositiveIntegerField(
        _("办理时限(工作日)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(250)]
    )
    deadline = models.DateField(_("办结期限"), null=True, blank=True)
    # The demand the decision became: the enterprise's 诉求 when it is about one enterprise, otherwise the
    # 交办事项 that carries one task per responsible department (Demand.kind == assignment).
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


class DecisionDepartment(models.Model):
    """A department responsible for a decision: each gets its own task (交办事项) when the decision is assigned."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="responsible")
    department = models.ForeignKey(Department, verbose_name=_("责任部门"), on_delete=models.PROTECT, related_name="+")
    lead = models.BooleanField(_("牵头"), default=False)

    scope_paths = ScopePaths(via="decision")  # whoever sees the decision sees who answers for it
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("责任部门")
        verbose_name_plural = _("责任部门")
        ordering = ["decision", "-lead", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "department"], name="meetings_decision_department_unique")
        ]

    def __str__(self) -> str:
        return str(self.department)


class SiteVisit(models.Model):
    """A stop of a meeting's site visit (现场观摩): an enterprise and/or one of its projects, in order, with notes."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="site_visits")
    seq = models.PositiveIntegerField(_("顺序"))
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("观摩企业"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("观摩项目"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    place = models.CharField(_("观摩点"), max_length=200, blank=True, help_text=_("未在系统中的观摩点名称"))
    notes = models.TextField(_("观摩情况"), blank=True)

    scope_paths = ScopePaths(via="meeting")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("观摩点")
        verbose_name_plural = _("观摩点")
        ordering = ["meeting", "seq", "pk"]

    def __str__(self) -> str:
        if self.project_id and self.project:
            return str(self.project)
        if self.enterprise_id and self.enterprise:
            return str(self.enterprise)
        return self.place


class SiteVisitPhoto(StoredFile):
    """A photo of a site-visit stop (JPEG or PNG)."""

    file = models.FileField(_("文件"), storage=private_storage, upload_to="meetings/%Y/%m/")
    site_visit = models.ForeignKey(SiteVisit, verbose_name=_("观摩点"), on_delete=models.CASCADE, related_name="photos")

    scope_paths = ScopePaths(via="site_visit")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("观摩照片")
        verbose_name_plural = _("观摩照片")
        ordering = ["site_visit", "pk"]


class MeetingAttachment(StoredFile):
    """A file of a meeting: the agenda as sent, slides, the signed minutes."""

    file = models.FileField(_("文件"), storage=private_storage, upload_to="meetings/%Y/%m/")
    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="attachments")

    scope_paths = ScopePaths(via="meeting")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("会议附件")
        verbose_name_plural = _("会议附件")
        ordering = ["meeting", "pk"]


class Speech(models.Model):
    """A speech at a meeting (交流发言): who spoke (a department, a district, an enterprise, a person on record,
    or a name as text), on what, and what they said."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="speeches")
    seq = models.PositiveIntegerField(_("顺序"))
    department = models.ForeignKey(
        Department, verbose_name=_("发言部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("发言地区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("发言企业"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    speaker = models.CharField(_("发言人"), max_length=100, blank=True, help_text=_("姓名和职务，如：张三 副市长"))
    topic = models.CharField(_("发言主题"), max_length=200, blank=True)
    content = models.TextField(_("发言要点"), blank=True)

    scope_paths = ScopePaths(via="meeting")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("交流发言")
        verbose_name_plural = _("交流发言")
        ordering = ["meeting", "seq", "pk"]

    def __str__(self) -> str:
        who = self.department or self.region or self.enterprise
        return " ".join(str(x) for x in (who, self.speaker) if x)


class AgendaKind(models.TextChoices):
    DECISION = "decision", _("前次会议议定事项")
    TASK = "task", _("督办、逾期任务")
    PROJECT = "project", _("滞后、停滞项目")
    DEMAND = "demand", _("紧急诉求")
    UPWARD = "upward", _("临近截止的上争事项")
    OTHER = "other", _("其他议题")


class AgendaItem(models.Model):
    """One item of a meeting's agenda (会议议程): drafted from what is overdue or due (a decision, a task, a
    project, a demand, an item sought from above), or written by the team; ordered, annotated, dropped."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="agenda")
    seq = models.PositiveIntegerField(_("顺序"))
    kind = models.CharField(_("类别"), max_length=16, choices=AgendaKind.choices, default=AgendaKind.OTHER)
    title = models.CharField(_("议题"), max_length=300)
    note = models.TextField(_("说明"), blank=True)
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    demand = models.ForeignKey(Demand, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    upward = models.ForeignKey(UpwardRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dropped = models.BooleanField(_("已移出"), default=False)

    scope_paths = ScopePaths(via="meeting")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("议程事项")
        verbose_name_plural = _("议程事项")
        ordering = ["meeting", "seq", "pk"]

    def __str__(self) -> str:
        return self.title


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A user's private calendar feed (ICS) of the meetings they attend: a secret URL, revoked by replacing it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_paths = ScopePaths(own="user")  # a secret of its user's: nobody else reads it
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("会议日历订阅")
        verbose_name_plural = _("会议日历订阅")

    def __str__(self) -> str:
        return str(self.user)
