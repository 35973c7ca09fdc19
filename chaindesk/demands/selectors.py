"""Reads on demands for the pages: the ledger (台账) with its filters, the triage queue, a demand's timeline and
an enterprise's demands. Every read starts from Demand.objects.visible_to(user); the lists of enterprises'
demands (`ledger_queryset`) leave the meetings' 交办事项 out, a demand's own page (`base_queryset`) reads both."""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, CharField, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import Region
from chaindesk.chains.models import Chain
from chaindesk.core.listing import sort_queryset
from chaindesk.core.params import param_choice, param_date, param_id, param_text
from chaindesk.core.privacy import staff_fields_hidden_from, withhold_staff_fields

from . import permissions
from .choices import OPEN_TASK, Channel, DemandStatus, Escalation, Urgency
from .models import Category, Demand, DemandEvent, LeaderNote, Task, TaskUpdate
from .selectors_queues import rolled_up_states
from .workdays import CalendarNotCovered, workdays_between

# Reading order of the states (the path, then the two ends that leave it).
STATUS_ORDER: tuple[str, ...] = (
    DemandStatus.SUBMITTED,
    DemandStatus.NEEDS_INFO,
    DemandStatus.ACCEPTED,
    DemandStatus.IN_PROGRESS,
    DemandStatus.AWAITING_CONFIRMATION,
    DemandStatus.CLOSED,
    DemandStatus.REJECTED,
    DemandStatus.MERGED,
)
URGENCY_ORDER: tuple[str, ...] = (Urgency.NORMAL, Urgency.URGENT, Urgency.CRITICAL)
# The same colours everywhere (UI.md): grey submitted, blue in progress, orange waiting on someone, purple
# waiting on the enterprise, green closed, red refused.
STATUS_COLOUR: dict[str, str] = {
    DemandStatus.SUBMITTED: "grey",
    DemandStatus.NEEDS_INFO: "orange",
    DemandStatus.ACCEPTED: "blue",
    DemandStatus.IN_PROGRESS: "blue",
    DemandStatus.AWAITING_CONFIRMATION: "purple",
    DemandStatus.CLOSED: "green",
    DemandStatus.REJECTED: "red",
    DemandStatus.MERGED: "grey",
}
TRIAGE_STATUSES = (DemandStatus.SUBMITTED, DemandStatus.NEEDS_INFO)

SORTS = {
    "submitted": "submitted_at",
    "enterprise": "enterprise__name",
    "status": "status_order",
    "urgency": "urgency_order",
    "accepted": "accepted_at",
    "closed": "closed_at",
}


def _ordered(field_name: str, values: tuple[str, ...]) -> Case:
    return Case(
        *(When(**{field_name: v}, then=Value(i)) for i, v in enumerate(values)),
        default=Value(len(values)),
        output_field=IntegerField(),
    )


JOINS = ("enterprise", "category", "chain", "region", "liaison", "project", "merged_into", "submitted_by")


def base_queryset(user: Any) -> QuerySet[Demand]:
    """The user's demands and 交办事项 with what the facts card shows, in one query (a demand's page)."""
    return Demand.objects.visible_to(user).select_related(*JOINS)


def ledger_queryset(user: Any) -> QuerySet[Demand]:
    """The user's enterprises' demands (no 交办事项) with what a row shows: the ledger, its export and API list,
    the triage queue, the portal, an enterprise's tab."""
    return Demand.objects.visible_to(user).enterprise_demands().select_related(*JOINS)


def demand_list(user: Any, params: Mapping[str, str]) -> tuple[QuerySet[Demand], str]:
    """The filtered, sorted ledger a user may see (`filter_demands` on the user's `ledger_queryset`)."""
    return filter_demands(ledger_queryset(user), user, params)


def filter_demands(qs: QuerySet[Demand], user: Any, params: Mapping[str, str]) -> tuple[QuerySet[Demand], str]:
    """`qs` (the user's visible demands) filtered and sorted as the URL says.

    Filters: q (enterprise name or the demand's title), status, category, chain, region (with its child
    regions), urgency, channel, submitted from / to (dates, Asia/Shanghai)."""
    qs = qs.annotate(
        status_order=_ordered("status", STATUS_ORDER),
        urgency_order=_ordered("urgency", URGENCY_ORDER),
        escalated=_escalation_mark(user),
    )
    q = param_text(params.get("q"))
    if q:
        qs = qs.filter(Q(enterprise__name__contains=q) | Q(title__contains=q))
    if status := param_choice(params.get("status"), DemandStatus.values):
        qs = qs.filter(status=status)
    if (category := param_id(params.get("category"))) is not None:
        qs = qs.filter(category_id=category)
    if (chain := param_id(params.get("chain"))) is not None:
        qs = qs.filter(chain_id=chain)
    if (region := param_id(params.get("region"))) is not None:
        qs = qs.filter(Q(region_id=region) | Q(region__parent_id=region))
    if urgency := param_choice(params.get("urgency"), Urgency.values):
        qs = qs.filter(urgency=urgency)
    if channel := param_choice(params.get("channel"), Channel.values):
        qs = qs.filter(channel=channel)
    if (start := param_date(params.get("from"))) is not None:
        qs = qs.filter(submitted_at__gte=_day_start(start))
    if (end := param_date(params.get("to"))) is not None:
        qs = qs.filter(submitted_at__lt=_day_start(end + dt.timedelta(days=1)))
    return sort_queryset(qs, str(params.get("sort", "")), SORTS, "-submitted")


def _escalation_mark(user: Any) -> Case | Value:
    """The highest escalation among the demand's open tasks ("supervised", "warned" or ""), in the row's query;
    always "" for readers who may not read tasks' escalation marks (enterprise users)."""
    if "escalation" in staff_fields_hidden_from(Task, user):
        return Value("", output_field=CharField())
    open_tasks = Task.objects.filter(demand=OuterRef("pk"), status__in=OPEN_TASK)
    return Case(
        When(Exists(open_tasks.filter(escalation=Escalation.SUPERVISED)), then=Value(Escalation.SUPERVISED.value)),
        When(Exists(open_tasks.filter(escalation=Escalation.WARNED)), then=Value(Escalation.WARNED.value)),
        default=Value(""),
        output_field=CharField(),
    )


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def with_export_columns(qs: QuerySet[Demand]) -> QuerySet[Demand]:
    """The tasks (with lead and co-departments) the ledger's 主办/协办/办结期限 columns need: two more queries
    per batch, not one per row."""
    tasks = Task.objects.select_related("lead_department").prefetch_related("co_departments").order_by("pk")
    return qs.prefetch_related(Prefetch("tasks", queryset=tasks))


@dataclass
class FilterChoices:
    chains: list[tuple[int, str]] = field(default_factory=list)
    regions: list[tuple[int, str]] = field(default_factory=list)
    categories: list[tuple[int, str]] = field(default_factory=list)
    statuses: list[tuple[str, str]] = field(default_factory=list)
    urgencies: list[tuple[str, str]] = field(default_factory=list)
    channels: list[tuple[str, str]] = field(default_factory=list)


def _row(qs: QuerySet[Any], kind: str) -> QuerySet[Any]:
    sort = Cast("sort_order", IntegerField()) if kind == "category" else Cast("pk", IntegerField())
    return (
        qs.order_by()
        .annotate(
            c_kind=Value(kind, output_field=CharField()),
            c_id=Cast("pk", IntegerField()),
            c_name=Cast("name", CharField()),
            c_sort=sort,
        )
        .values_list("c_kind", "c_id", "c_name", "c_sort")
    )


def filter_choices(user: Any) -> FilterChoices:
    """The filters' options in one UNION query: the chains the user sees, regions, categories."""
    parts = [
        _row(Chain.objects.visible_to(user), "chain"),
        _row(Region.objects.exclude(level="province"), "region"),
        _row(Category.objects.all(), "category"),
    ]
    rows = sorted(parts[0].union(*parts[1:], all=True), key=lambda r: (r[3], r[1]))
    choices = FilterChoices(
        statuses=[(s, str(DemandStatus(s).label)) for s in STATUS_ORDER],
        urgencies=[(u.value, str(u.label)) for u in Urgency],
        channels=[(c.value, str(c.label)) for c in Channel],
    )
    target = {"chain": choices.chains, "region": choices.regions, "category": choices.categories}
    for kind, pk, name, _sort in rows:
        target[kind].append((pk, name))
    return choices


def triage_queue(user: Any) -> QuerySet[Demand]:
    """已提交 and 待补充 demands of the user's chains (visible to them), oldest first (a semi-join on the user's
    teams: no DISTINCT, so the first page is read in submission order, not after sorting every row)."""
    teams = Chain.objects.filter(team__user=user).values("pk")
    return ledger_queryset(user).filter(status__in=TRIAGE_STATUSES, chain_id__in=teams).order_by("submitted_at", "pk")


def triage_count(user: Any) -> int | None:
    """How many rows `triage_queue` holds, from the rollup's demands in a state when it describes the reader (a
    team's chains are the chains it sees), else None (the page counts them)."""
    rolled = rolled_up_states(user) if getattr(user, "role", None) in permissions.TEAM_ROLES else None
    return None if rolled is None else sum(rolled[0][status] for status in TRIAGE_STATUSES)


def waiting_days(demand: Demand, today: dt.date) -> int | None:
    """Working days since submission (None when the calendar does not cover the dates)."""
    try:
        return workdays_between(timezone.localdate(demand.submitted_at), today)
    except CalendarNotCovered:
        return None


def tasks_of(demand: Demand, user: Any) -> list[Task]:
    """The demand's tasks as its reader may see them, with departments and handler.

    Officials: the tasks in their task scope (`Task.objects.visible_to`). Enterprise users follow the demand,
    not the departments' work: no task is visible to them (no task page, no task history), but the page and
    the API of their own demand (which the caller has already looked up in their visible set) list its tasks'
    departments, deadlines, states and results, with the staff-only fields (instructions, escalation marks)
    withheld."""
    if getattr(user, "role", None) == Role.ENTERPRISE:
        tasks = Task.objects.filter(demand=demand)
    else:
        tasks = Task.objects.visible_to(user).filter(demand=demand)
    rows = (
        tasks.select_related("lead_department", "handler")
        .prefetch_related("co_departments")
        .order_by("created_at", "pk")
    )
    return withhold_staff_fields(rows, user)


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    actor: Any
    label: str
    note: str
    scope: str  # "" for the demand, else the task's lead department


# Timeline event kinds (DemandEvent.kind) and their labels: the one table, for the demand page.
EVENT_LABELS = {
    "submitted": pgettext_lazy("timeline event", "提交诉求"),
    "accepted": _("受理"),
    "rejected": _("不予受理"),
    "merged": _("合并至另一诉求"),
    "merged_from": _("并入重复诉求"),
    "info_requested": _("要求补充材料"),
    "info_supplied": _("补充材料"),
    "task_created": _("交办任务"),
    "task_returned": _("任务被退回"),
    "task_redated": _("办结期限按官方节假日安排调整"),
    "task_done": _("任务办结"),
    "awaiting_confirmation": _("全部任务办结，待企业确认"),
    "reopened": _("企业不满意，重新办理"),
    "confirmed": _("企业确认办结"),
    "assigned": _("会议议定事项交办"),
    "assignment_closed": _("全部任务办结，交办事项办结"),
}


def _event_label(event: DemandEvent) -> str:
    if event.kind in EVENT_LABELS:
        return str(EVENT_LABELS[event.kind])
    if event.to_status in DemandStatus.values:
        return str(DemandStatus(event.to_status).label)
    return event.kind


SAME_STEP_SECONDS = 5  # a task's accepted completion and the demand's 任务办结 event are one service call


def timeline(demand: Demand, tasks: list[Task], notes: Iterable[LeaderNote] = ()) -> list[TimelineEntry]:
    """The demand's events, its (visible) tasks' updates and the leaders' 批示 and 催办 the reader may read
    (`notes`, chaindesk/demands/selectors_team.py `notes_of`), oldest first, one line each. An accepted
    completion is written twice (the task's update and the demand's 任务办结 event, for readers who do not see
    that task); a reader who sees the task gets it once, from the task."""
    by_pk = {t.pk: t for t in tasks}
    updates = (
        list(TaskUpdate.objects.filter(task_id__in=by_pk).select_related("actor").order_by("created_at", "pk"))
        if by_pk
        else []
    )
    shown_done = [
        (by_pk[u.task_id].lead_department.name, u.created_at)
        for u in updates
        if u.kind == TaskUpdate.Kind.COMPLETION_ACCEPTED
    ]

    def told_by_a_task(event: DemandEvent) -> bool:
        return event.kind == "task_done" and any(
            name == event.note and abs((event.created_at - at).total_seconds()) < SAME_STEP_SECONDS
            for name, at in shown_done
        )

    entries = [
        TimelineEntry(e.created_at, e.actor, _event_label(e), e.note, "")
        for e in DemandEvent.objects.filter(demand=demand).select_related("actor")
        if not told_by_a_task(e)
    ]
    entries += [
        TimelineEntry(u.created_at, u.actor, u.get_kind_display(), u.note, str(by_pk[u.task_id].lead_department))
        for u in updates
    ]
    entries += [
        TimelineEntry(n.created_at, n.author, n.get_kind_display(), n.text, str(n.department or "")) for n in notes
    ]
    return sorted(entries, key=lambda e: e.at)


def enterprise_demands(user: Any, enterprise: Any) -> QuerySet[Demand]:
    return ledger_queryset(user).filter(enterprise=enterprise).order_by("-submitted_at", "-pk")


def merge_candidates(user: Any, demand: Demand) -> QuerySet[Demand]:
    """Other open demands of the same enterprise the user sees: where a duplicate may be merged."""
    return (
        Demand.objects.visible_to(user)
        .filter(enterprise_id=demand.enterprise_id)
        .exclude(pk=demand.pk)
        .exclude(status__in=(DemandStatus.MERGED, DemandStatus.REJECTED))
        .order_by("-submitted_at")
    )
