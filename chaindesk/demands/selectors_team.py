"""Reads for the service team and its leaders: the 待我处理 queue (what waits on the team), its 工作台 counts,
the leaders' 批示 and 催办 on a demand or a task, their marks on the 督办 queue and how often a task was urged
(the 督办 queue's count, and the metrics' 被催办 summed per department: chaindesk/demands/metrics.py).

Every read starts from visible_to(user) and the chains whose team the reader is on; each page or card is a fixed
number of queries whatever the rows."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.choices import Role
from chaindesk.chains.models import Chain

from . import permissions
from .choices import DemandKind, DemandStatus, TaskStatus
from .models import Demand, LeaderNote, Task, TaskUpdate
from .selectors_queues import count_of, demands_in_states, rolled_up_states
from .workdays import CalendarNotCovered, workdays_between

# --- the 待我处理 queue -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One part of the queue: its key in the URL (?show=), its label, whether its rows are tasks or demands,
    and the sentence saying what waits there."""

    key: str
    label: Promise
    of_tasks: bool
    help: Promise


SECTIONS: tuple[Section, ...] = (
    Section("completion", _("办结申请"), True, _("部门已申请办结，等待服务团队确认办结或退回重办。")),
    Section("extension", _("延期申请"), True, _("部门申请延长办理时限，等待服务团队审批。")),
    Section("returned", _("退回任务"), True, _("部门认为不属本部门职责而退回的任务，等待服务团队重新交办。")),
    Section("needs_info", _("待补充材料"), False, _("已请企业补充材料的诉求：企业补充后回到待受理。")),
    Section("awaiting", _("待企业确认"), False, _("各部门已办结，等待企业确认评价的诉求。")),
)
SECTION_KEYS = tuple(s.key for s in SECTIONS)
# The demand states of the demand sections.
DEMAND_SECTION_STATUS = {"needs_info": DemandStatus.NEEDS_INFO, "awaiting": DemandStatus.AWAITING_CONFIRMATION}
# A returned task waits on the team while its demand is still being split and worked on.
REASSIGNABLE = (DemandStatus.ACCEPTED, DemandStatus.IN_PROGRESS)


def section_of(key: str | None) -> Section:
    """The section named in the URL; the first one (办结申请) when absent or unknown."""
    return next((s for s in SECTIONS if s.key == key), SECTIONS[0])


def _team_chains(user: Any) -> QuerySet[Chain]:
    return Chain.objects.visible_to(user).values("pk")


def _is_team(user: Any) -> bool:
    return getattr(user, "role", None) in permissions.TEAM_ROLES


def _team_tasks(user: Any) -> QuerySet[Task]:
    qs = Task.objects.visible_to(user).filter(demand__chain_id__in=_team_chains(user))
    return qs if _is_team(user) else qs.none()


def _team_demands(user: Any) -> QuerySet[Demand]:
    qs = Demand.objects.visible_to(user).filter(chain_id__in=_team_chains(user))
    return qs if _is_team(user) else qs.none()


def _latest_update(kind: str, value: str = "created_at") -> Subquery:
    """A value of the task's latest update of `kind` (when it was asked, the days and the reason)."""
    rows = TaskUpdate.objects.filter(task_id=OuterRef("pk"), kind=kind).order_by("-created_at", "-pk")
    return Subquery(rows.values(value)[:1])


def _reassigned() -> Exists:
    """Another task was cut from the same demand after this one was returned: the team has dealt with it."""
    returns = TaskUpdate.objects.filter(task_id=OuterRef(OuterRef("pk")), kind=TaskUpdate.Kind.RETURN)
    returned_at = Subquery(returns.order_by("-created_at").values("created_at")[:1])
    later = Task.objects.filter(demand_id=OuterRef("demand_id"), created_at__gt=returned_at)
    return Exists(later)


def _waiting_return() -> Q:
    return Q(status=TaskStatus.RETURNED, demand__status__in=REASSIGNABLE) & ~Q(_reassigned())


TASK_SECTION_FILTER: dict[str, Any] = {
    "completion": lambda: Q(status=TaskStatus.COMPLETION_REQUESTED),
    "extension": lambda: Q(status=TaskStatus.EXTENSION_REQUESTED),
    "returned": _waiting_return,
}
# Every state a task section counts (each section's filter keeps one of them).
TASK_SECTION_STATE = {
    "completion": TaskStatus.COMPLETION_REQUESTED,
    "extension": TaskStatus.EXTENSION_REQUESTED,
    "returned": TaskStatus.RETURNED,
}
TASK_SECTION_STATUS = tuple(TASK_SECTION_STATE.values())
TASK_SECTION_KIND = {
    "completion": TaskUpdate.Kind.COMPLETION,
    "extension": TaskUpdate.Kind.EXTENSION,
    "returned": TaskUpdate.Kind.RETURN,
}


def queue_counts(user: Any) -> dict[str, int]:
    """How many rows wait in each section. Where the rollup describes the reader: the enterprises' demands and
    their tasks from it, the 交办事项's tasks counted (a meeting's few); else two queries, the tasks' (only the rows
    in its sections' states: an index range) and the demands'."""
    if not _is_team(user):
        return dict.fromkeys(SECTION_KEYS, 0)
    rolled = rolled_up_states(user)
    if rolled is not None:
        counts = rolled[0]
        assignments = _task_counts(_team_tasks(user).filter(demand__kind=DemandKind.ASSIGNMENT))
        return {key: counts[key] + assignments.get(key, 0) for key in TASK_SECTION_FILTER} | {
            key: counts[status] for key, status in DEMAND_SECTION_STATUS.items()
        }
    states = demands_in_states(user)
    return _task_counts(_team_tasks(user)) | {key: states[status] for key, status in DEMAND_SECTION_STATUS.items()}


def _task_counts(tasks: QuerySet[Task]) -> dict[str, int]:
    figures = tasks.filter(status__in=TASK_SECTION_STATUS).aggregate(
        **{key: Count("pk", filter=build()) for key, build in TASK_SECTION_FILTER.items()}
    )
    return {key: int(figures[key] or 0) for key in TASK_SECTION_FILTER}


def queue_rows(user: Any, section: Section) -> QuerySet[Any]:
    """The rows of one section, the longest waiting first; `waiting_since` is when the wait began (the request,
    the return, the request for information, the last task done: the row's `status_since`, so that a page reads
    the section's partial index in order instead of sorting every waiting row)."""
    if section.of_tasks:
        qs = (
            _team_tasks(user)
            .filter(TASK_SECTION_FILTER[section.key]())
            .select_related("demand", "demand__enterprise", "lead_department", "handler")
            .annotate(waiting_since=F("status_since"))
        )
        if section.key == "extension":
            qs = qs.annotate(
                asked_days=_latest_update(TaskUpdate.Kind.EXTENSION, "extra_days"),
                asked_reason=_latest_update(TaskUpdate.Kind.EXTENSION, "note"),
            )
        return qs.order_by("status_since", "pk")
    return (
        _team_demands(user)
        .filter(status=DEMAND_SECTION_STATUS[section.key])
        .select_related("enterprise", "category")
        .annotate(waiting_since=F("status_since"))
        .order_by("status_since", "pk")
    )


def waited_days(since: dt.datetime | None, today: dt.date) -> int | None:
    """Working days since `since` (None when unknown or the calendar does not cover the dates)."""
    if since is None:
        return None
    try:
        return workdays_between(timezone.localdate(since), today)
    except CalendarNotCovered:
        return None


# --- 批示 and 催办 -----------------------------------------------------------------------------------------


def notes_of(user: Any, *, demand: Demand | None = None, task: Task | None = None) -> list[LeaderNote]:
    """The 批示 and 催办 on a demand (all its tasks') or on one task that the reader may read, oldest first; none
    (and no query) for enterprise users."""
    if getattr(user, "role", None) == Role.ENTERPRISE:
        return []
    qs = LeaderNote.objects.visible_to(user).select_related("author", "department", "task")
    qs = qs.filter(task=task) if task is not None else qs.filter(demand=demand)
    return list(qs.order_by("created_at", "pk"))


def with_leader_marks(qs: QuerySet[Task]) -> QuerySet[Task]:
    """Each task with how often it was urged (`urge_count`) and the latest 批示 on it or its whole demand
    (`latest_instruction`, `latest_instruction_at`): two correlated subqueries, no query per row."""
    instructions = LeaderNote.objects.filter(kind=LeaderNote.Kind.INSTRUCTION).filter(
        Q(task_id=OuterRef("pk")) | Q(task__isnull=True, demand_id=OuterRef("demand_id"))
    )
    latest = instructions.order_by("-created_at", "-pk")
    return qs.annotate(
        urge_count=urges_of_task(),
        latest_instruction=Subquery(latest.values("text")[:1]),
        latest_instruction_at=Subquery(latest.values("created_at")[:1]),
    )


def urges_of_task() -> Subquery:
    """How often the task (OuterRef("pk")) was urged: a scalar COUNT without GROUP BY, so 0 rather than NULL
    when never (the metrics add it up per department: 被催办)."""
    return count_of(LeaderNote.objects.filter(task_id=OuterRef("pk"), kind=LeaderNote.Kind.URGE))
