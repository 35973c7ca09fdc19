"""Enterprises' demands (诉求), the meeting decisions assigned to departments (交办事项), and the department tasks
cut from both.

A demand's state follows from its tasks and the enterprise's confirmation; tasks carry working-day deadlines
and the escalation marks the periodic jobs set (临期提醒 → 预警 → 督办). A 交办事项 is a Demand row of kind
ASSIGNMENT (no enterprise, no category): its tasks follow the same workflow, and it closes when they are done.
Whatever means "an enterprise's demands" (the ledger, metrics, search, the 工作台 cards) reads
`Demand.objects.enterprise_demands()`; the task-facing pages read every kind."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.models import Department, Region
from chaindesk.chains.models import Chain
from chaindesk.core import clock
from chaindesk.core.scope import NONE, Custom, Scope, ScopedQuerySet, ScopePaths, through_key
from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison.models import VisitIssue
from chaindesk.projects.models import Project

from .choices import (
    DEMAND_QUEUE_STATES,
    ESCALATED,
    OPEN_DEMAND,
    OPEN_TASK,
    TASK_QUEUE_STATES,
    Channel,
    DemandKind,
    DemandStatus,
    Escalation,
    Rating,
    TaskStatus,
    Urgency,
)


def attachment_storage() -> FileSystemStorage:
    """Attachments live under CHAINDESK_VAR_DIR/attachments, outside the web root; served only by a view
    that checks the reader may see the demand."""
    return FileSystemStorage(location=settings.VAR_DIR / "attachments", base_url=None)


class Category(models.Model):
    """A demand category (用地规划, 审批手续, 环评能评 …), kept as data."""

    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=30, unique=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    scope_paths = ScopePaths.reference()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("诉求类别")
        verbose_name_plural = _("诉求类别")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return str(self.name)


def _demands_of_department(scope: Scope) -> Q:
    """A department handler sees the demands with a task for their department (主办 or 协办)."""
    if not scope.department_id:
        return Q(pk__in=[])
    dept = scope.department_id
    tasks = Task.objects.filter(Q(lead_department_id=dept) | Q(co_departments=dept)).values("demand_id")
    return Q(pk__in=tasks)


def _assignments_of_chains(scope: Scope) -> Q:
    """A chain's team (chief, members) sees its enterprises' demands and the chain's 交办事项."""
    firms = through_key("enterprise_id", Enterprise.objects.visible_to(scope))
    return firms | Q(kind=DemandKind.ASSIGNMENT, chain_id__in=scope.chain_ids)


def _assignments_of_region(scope: Scope) -> Q:
    """A district administrator sees its enterprises' demands and the 交办事项 of meetings held in the district
    itself (as they see those meetings)."""
    firms = through_key("enterprise_id", Enterprise.objects.visible_to(scope))
    if scope.region_id is None:
        return firms
    return firms | Q(kind=DemandKind.ASSIGNMENT, region_id=scope.region_id)


class DemandQuerySet(ScopedQuerySet["Demand"]):
    """Rows the reader may see: `visible_to` follows `Demand.scope_paths`."""

    def enterprise_demands(self) -> "DemandQuerySet":
        """The enterprises' demands only (诉求), without the meetings' 交办事项: what the ledger, its export and
        API list, the metrics, the search and the 工作台 demand cards count."""
        return self.filter(kind=DemandKind.DEMAND)

    def assignments(self) -> "DemandQuerySet":
        """The meetings' 交办事项 only."""
        return self.filter(kind=DemandKind.ASSIGNMENT)


class Demand(models.Model):
    """An enterprise's problem or request, from any channel, followed until the enterprise confirms it; or a
    meeting decision assigned to departments (kind 交办事项: no enterprise, closed when its tasks are done)."""

    kind = models.CharField(
        _("类型"), max_length=16, choices=DemandKind.choices, default=DemandKind.DEMAND, editable=False
    )
    # Empty only for a 交办事项 (the check constraint below), as are the category and the region.
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demands",
    )
    title = models.CharField(_("诉求事项"), max_length=100)
    description = models.TextField(_("具体内容"))
    category = models.ForeignKey(
        Category, verbose_name=_("类别"), null=True, blank=True, on_delete=models.PROTECT, related_name="demands"
    )
    urgency = models.CharField(_("紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices)
    project = models.ForeignKey(
        Project, verbose_name=_("关联项目"), null=True, blank=True, on_delete=models.PROTECT, related_name="demands"
    )
    visit_issue = models.OneToOneField(
        VisitIssue,
        verbose_name=_("走访反映问题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demand",
    )
    # Where a demand came from beyond its channel, set by the intake that knows it (e.g. a meeting's decision:
    # "《…工作例会》议定事项 3" and the meeting's page), so this app needs no import of the later ones.
    source_label = models.CharField(_("来源说明"), max_length=200, blank=True, editable=False)
    source_url = models.CharField(_("来源链接"), max_length=300, blank=True, editable=False)
    # Copied from the enterprise at intake, for the metrics per chain, region and liaison at province scale.
    chain = models.ForeignKey(
        Chain, verbose_name=_("产业链"), null=True, blank=True, on_delete=models.PROTECT, related_name="demands"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("所在地区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("挂钩服务专员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="liaison_demands",
    )
    status = models.CharField(
        _("状态"), max_length=24, choices=DemandStatus.choices, default=DemandStatus.SUBMITTED, editable=False
    )
    status_note = models.CharField(_("说明"), max_length=300, blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("合并至"), null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), db_index=True)
    # when it entered its current status (the services' moves set it): the 待我处理 queue's longest wait first
    status_since = models.DateTimeField(_("进入当前状态时间"), default=clock.now, editable=False)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True, editable=False)
    # Working days from submission to the response (受理, 不予受理 or 合并) and to closure, stored when they
    # happen (metrics: 响应率, 办结用时).
    response_days = models.PositiveIntegerField(_("受理用时(工作日)"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True, editable=False)
    close_days = models.PositiveIntegerField(_("办结用时(工作日)"), null=True, blank=True, editable=False)
    closed_on_time = models.BooleanField(_("按时办结"), null=True, blank=True, editable=False)
    rating = models.CharField(_("评价"), max_length=16, choices=Rating.choices, blank=True, editable=False)
    rating_comment = models.CharField(_("评价意见"), max_length=300, blank=True, editable=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    # A liaison may confirm on the enterprise's behalf only with a recorded note.
    proxy_note = models.CharField(_("代为确认说明"), max_length=300, blank=True, editable=False)
    reopen_count = models.PositiveIntegerField(_("重办次数"), default=0, editable=False)

    # Whoever may see the enterprise sees its demands; a department handler those with a task for them. A
    # 交办事项 has no enterprise: the chain's team sees it, a district administrator when the meeting was held
    # in their district, the departments through their tasks; liaisons and enterprise users never.
    scope_paths = ScopePaths(
        via="enterprise",
        chain=Custom(_assignments_of_chains),
        region=Custom(_assignments_of_region),
        department=Custom(_demands_of_department),
    )
    objects = DemandQuerySet.as_manager()

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="demand_status_idx"),
            models.Index(fields=["enterprise", "status"], name="demand_enterprise_idx"),
            models.Index(fields=["chain", "submitted_at"], name="demand_chain_idx"),
            # the meetings' 交办事项, a few among a province's millions of demands (the team's queue counts their
            # tasks beside the enterprises' demands' from the rollup)
            models.Index(fields=["chain"], condition=Q(kind=DemandKind.ASSIGNMENT), name="demand_assignment_idx"),
            # the triage queue (已提交 and 待补充, oldest first): the newest of a province's 5M demands, read in order
            models.Index(
                fields=["submitted_at", "id"],
                condition=Q(status__in=[DemandStatus.NEEDS_INFO, DemandStatus.SUBMITTED]),
                name="demand_triage_idx",
            ),
            # the open demands oldest first (the district's and the liaison's cards)
            models.Index(
                fields=["submitted_at", "id"], condition=Q(status__in=sorted(OPEN_DEMAND)), name="demand_open_idx"
            ),
            # the 待我处理 queue's demand sections, the longest waiting first
            models.Index(
                fields=["status", "status_since", "id"],
                condition=Q(status__in=sorted(DEMAND_QUEUE_STATES)),
                name="demand_queue_wait_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=DemandKind.ASSIGNMENT)
                | Q(enterprise__isnull=False, category__isnull=False, region__isnull=False),
                name="demand_enterprise_unless_assignment",
                violation_error_message=_("诉求须有企业、类别和所在地区；只有会议交办事项可以不指定企业。"),
            )
        ]

    def __str__(self) -> str:
        return str(self.title)

    @property
    def is_assignment(self) -> bool:
        """A meeting decision assigned to departments (交办事项), not an enterprise's demand."""
        return self.kind == DemandKind.ASSIGNMENT

    @property
    def owner_name(self) -> str:
        """Whom it is for, as a task row shows it: the enterprise's name, or 会议交办 for a 交办事项."""
        if self.enterprise_id is not None and self.enterprise is not None:
            return str(self.enterprise.name)
        return str(_("会议交办"))


class DemandEvent(models.Model):
    """One step in a demand's life (submitted, accepted, split into tasks, rated, reopened …): its timeline."""

    demand = models.ForeignKey(Demand, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=32)
    from_status = models.CharField(_("原状态"), max_length=24, blank=True)
    to_status = models.CharField(_("新状态"), max_length=24, blank=True)
    note = models.TextField(_("说明"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    scope_paths = ScopePaths(via="demand")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("诉求进展")
        verbose_name_plural = _("诉求进展")
        ordering = ["demand", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.demand} {self.kind}"


class Attachment(models.Model):
    """A file attached to a demand, checked by its content (not its name) and stored outside the web root."""

    demand = models.ForeignKey(Demand, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), storage=attachment_storage, upload_to="demands/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小(字节)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    scope_paths = ScopePaths(via="demand")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["demand", "pk"]

    def __str__(self) -> str:
        return self.original_name


class TaskQuerySet(ScopedQuerySet["Task"]):
    """Rows the reader may see: `visible_to` follows `Task.scope_paths`."""


class Task(models.Model):
    """A department's assignment cut from a demand or a meeting's 交办事项: lead and co-departments, a working-day
    deadline, a handler who signs for it, and the escalation marks the jobs set."""

    demand = models.ForeignKey(Demand, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="tasks")
    lead_department = models.ForeignKey(
        Department, verbose_name=_("主办部门"), on_delete=models.PROTECT, related_name="lead_tasks"
    )
    # its link table also has an index (department, task) made in migration 0010 (the 协办 queue's count)
    co_departments = models.ManyToManyField(Department, verbose_name=_("协办部门"), blank=True, related_name="co_tasks")
    instructions = models.TextField(_("办理要求"))
    working_days = models.PositiveIntegerField(_("办理时限(工作日)"), validators=[MinValueValidator(1)])
    deadline = models.DateField(_("办结期限"), db_index=True)
    status = models.CharField(
        _("状态"), max_length=24, choices=TaskStatus.choices, default=TaskStatus.PENDING, editable=False
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_tasks",
        editable=False,
    )
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True, editable=False)
    result = models.TextField(_("办理结果"), blank=True, editable=False)
    status_note = models.CharField(_("说明"), max_length=300, blank=True, editable=False)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True, editable=False)
    # How often the enterprise's 不满意 sent this task back to work: the reopen rate counts per task.
    reopen_count = models.PositiveIntegerField(_("重办次数"), default=0, editable=False)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("交办人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("交办时间"), auto_now_add=True)
    # when it entered its current status (the services' moves set it): the 待我处理 queue's longest wait first
    status_since = models.DateTimeField(_("进入当前状态时间"), default=clock.now, editable=False)
    # Escalation ladder, set by the periodic job (chaindesk.demands.jobs) with one UPDATE. None of these four
    # columns is indexed and the table keeps free room in its pages (fillfactor, PostgreSQL), so that UPDATE
    # is a heap-only (HOT) update that touches none of the table's indexes; the queues that filter on the mark
    # bound their scan by deadline instead (selectors_queues.marked_before).
    escalation = models.CharField(
        _("预警级别"), max_length=16, choices=Escalation.choices, blank=True, default="", editable=False
    )
    reminded_at = models.DateTimeField(_("临期提醒时间"), null=True, blank=True, editable=False)
    warned_at = models.DateTimeField(_("预警时间"), null=True, blank=True, editable=False)
    supervised_at = models.DateTimeField(_("督办时间"), null=True, blank=True, editable=False)

    # A department handler: their department's tasks (主办 or 协办); everyone else the tasks of the demands they
    # may see, except enterprise users, who follow the demand, not the departments' work.
    scope_paths = ScopePaths(via="demand", department=("lead_department", "co_departments"), enterprise=NONE)
    objects = TaskQuerySet.as_manager()

    # Internal to the government side: the team's instructions to the department and the escalation ladder.
    # Enterprise users never read them (chaindesk/core/privacy.py).
    staff_only_fields = ("instructions", "escalation", "reminded_at", "warned_at", "supervised_at")

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = _("任务")
        ordering = ["deadline", "pk"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="task_open_deadline_idx"),
            models.Index(fields=["lead_department", "status", "deadline"], name="task_department_queue_idx"),
            # The open tasks only (a seventh of the table, the part that moves), for a department's task queue
            # (selectors_queues.department_tasks): 主办, its rows in order and its count, index-only; 协办, its rows
            # in order (each probed in the co-department links) and its count (joined with them).
            models.Index(
                fields=["lead_department", "deadline", "id"],
                condition=Q(status__in=sorted(OPEN_TASK)),
                name="task_dept_open_queue_idx",
            ),
            models.Index(
                fields=["deadline", "id", "lead_department", "status"],  # the last two: for index-only scans
                condition=Q(status__in=sorted(OPEN_TASK)),
                name="task_open_queue_idx",
            ),
            # The tasks marked 预警 or 督办 (the 督办 queue, its 工作台 card, the cockpit's overdue tasks): a few
            # among a province's millions, found without reading the rest.
            # the 待我处理 queue's task sections, the longest waiting first
            models.Index(
                fields=["status", "status_since", "id"],
                condition=Q(status__in=sorted(TASK_QUEUE_STATES)),
                name="task_queue_wait_idx",
            ),
            models.Index(
                fields=["escalation", "deadline", "id"],
                condition=Q(escalation__in=sorted(ESCALATED)),
                name="task_escalated_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.demand} · {self.lead_department}"


class TaskUpdate(models.Model):
    """Progress on a task, a request for extension (with the decision), a return or a completion request."""

    class Kind(models.TextChoices):
        SIGN = "sign", _("签收")
        PROGRESS = "progress", _("办理进展")
        EXTENSION = "extension", _("申请延期")
        EXTENSION_APPROVED = "extension_approved", _("同意延期")
        EXTENSION_REFUSED = "extension_refused", _("不同意延期")
        RETURN = "return", _("退回")
        COMPLETION = "completion", _("申请办结")
        COMPLETION_ACCEPTED = "completion_accepted", _("确认办结")
        COMPLETION_REJECTED = "completion_rejected", _("退回重办")
        REOPEN = "reopen", _("重新办理")

    task = models.ForeignKey(Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    note = models.TextField(_("内容"), blank=True)
    extra_days = models.PositiveIntegerField(_("延期(工作日)"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    scope_paths = ScopePaths(via="task")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("任务进展")
        verbose_name_plural = _("任务进展")
        ordering = ["task", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.task} {self.kind}"


def _leader_notes_of_department(scope: Scope) -> Q:
    """A department handler reads the 批示 and 催办 addressed to their department, and the 批示 on a whole demand
    they work on (not another department's 催办)."""
    if not scope.department_id:
        return Q(pk__in=[])
    return Q(department_id=scope.department_id) | Q(
        department__isnull=True, demand__in=Demand.objects.filter(_demands_of_department(scope)).values("pk")
    )


class LeaderNote(models.Model):
    """A leader's act on a demand: a 批示 (an instruction, on the demand or one of its tasks) or a 催办 (an urge
    to a task's department, with an optional note), written by the chain chief or a team lead. Internal to the
    government side: enterprise users never read them."""

    class Kind(models.TextChoices):
        INSTRUCTION = "instruction", _("批示")
        URGE = "urge", _("催办")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    demand = models.ForeignKey(Demand, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="leader_notes")
    task = models.ForeignKey(
        Task, verbose_name=_("任务"), null=True, blank=True, on_delete=models.CASCADE, related_name="leader_notes"
    )
    # The department addressed (the task's lead department); empty for a 批示 on the whole demand.
    department = models.ForeignKey(
        Department,
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leader_notes",
    )
    text = models.TextField(_("内容"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("批示人"), on_delete=models.PROTECT, related_name="+"
    )
    # Set by the service from chaindesk.core.clock (the metrics count 催办 received in a period by this time).
    created_at = models.DateTimeField(_("时间"), db_index=True)

    scope_paths = ScopePaths(via="demand", department=Custom(_leader_notes_of_department), enterprise=NONE)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("领导批示")
        verbose_name_plural = _("领导批示")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["task", "kind", "created_at"], name="leader_note_task_idx")]

    def __str__(self) -> str:
        return f"{self.demand} {self.get_kind_display()}"
