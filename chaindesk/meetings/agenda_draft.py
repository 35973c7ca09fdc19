"""What the agenda of a chain's meeting should raise (议程草稿), composed from the records:

(a) the decisions (议定事项) of the chain's earlier meetings not yet done, with their progress;
(b) the chain's 督办 tasks and its other open tasks past their deadline (a task carrying a decision of the
    chain's meetings is left out: its decision is raised in (a), with the task's lateness as its 逾期);
(c) the chain's projects behind 序时进度 or without an update for 30 days (the projects app's 滞后 / 停滞 rules);
(d) the chain's urgent (紧急, 特急) demands still open and submitted since the chain's last meeting before this
    one (every open one when there was none); the demand a decision became is raised in (a);
(e) the chain's 上争事项 still being prepared (谋划) whose 申报截止 falls from today to 30 days after the meeting.

The composition reads by chain, not by reader: the agenda is the team's, and only the chain's team drafts it
(services_agenda). Each part is one query (the total found as a window count, the first PART_LIMIT rows
kept), (d) one more for the last meeting's date: six queries whatever the number of records."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When, Window
from django.utils import timezone

from chaindesk.demands.choices import OPEN_DEMAND, OPEN_TASK, Escalation, Urgency
from chaindesk.demands.models import Demand, Task
from chaindesk.projects.models import Project
from chaindesk.projects.selectors import filter_flag
from chaindesk.upward.choices import UpwardStage
from chaindesk.upward.models import UpwardRequest

from .models import AgendaItem, AgendaKind, Decision, Meeting
from .progress import Progress, annotate_progress

PART_LIMIT = 50  # rows of one part put on an agenda; the draft says how many more there were
UPWARD_DAYS = 30  # 上争事项 whose 申报截止 falls within this many days after the meeting are raised
TITLE_MAX = AgendaItem._meta.get_field("title").max_length or 300
URGENT = (Urgency.CRITICAL, Urgency.URGENT)

# The record each kind of item refers to: the AgendaItem field of that name.
REF_FIELDS: dict[str, str] = {
    AgendaKind.DECISION: "decision",
    AgendaKind.TASK: "task",
    AgendaKind.PROJECT: "project",
    AgendaKind.DEMAND: "demand",
    AgendaKind.UPWARD: "upward",
}
KIND_ORDER: tuple[str, ...] = tuple(AgendaKind.values)  # the agenda's sections, in the order they are printed


@dataclass(frozen=True)
class Proposal:
    """An item the records suggest: its kind, the record it refers to and a title for the agenda."""

    kind: str
    ref_id: int
    title: str

    @property
    def ref(self) -> str:
        return REF_FIELDS[self.kind]


@dataclass
class Composition:
    """The proposed items per kind (at most PART_LIMIT each), how many each part found, and the date of the
    chain's last meeting before this one (None when it is the first)."""

    parts: dict[str, list[Proposal]] = field(default_factory=dict)
    found: dict[str, int] = field(default_factory=dict)
    since: dt.date | None = None

    def proposals(self) -> list[Proposal]:
        """Every proposal, in the agenda's order."""
        return [p for kind in KIND_ORDER for p in self.parts.get(kind, [])]


def _cut(text: str, limit: int = TITLE_MAX) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _of_enterprise(demand: Demand) -> str:
    """A demand as the agenda names it: "企业：诉求" (the title alone for a 交办事项 without an enterprise)."""
    enterprise = demand.enterprise if demand.enterprise_id else None
    return f"{enterprise.name}：{demand.title}" if enterprise else demand.title


def _take(qs: QuerySet[Any]) -> tuple[list[Any], int]:
    """The first PART_LIMIT rows and the number found, in one query (a window count over the whole set)."""
    rows = list(qs.annotate(found=Window(expression=Count("pk")))[:PART_LIMIT])
    return rows, (rows[0].found if rows else 0)


def earlier_than(meeting: Meeting, prefix: str = "") -> Q:
    """The chain's meetings before `meeting`: held on an earlier day, or the same day and recorded before it."""
    return Q(**{f"{prefix}held_on__lt": meeting.held_on}) | Q(
        **{f"{prefix}held_on": meeting.held_on, f"{prefix}pk__lt": meeting.pk}
    )


def _decisions(meeting: Meeting, today: dt.date) -> tuple[list[Proposal], int]:
    earlier = Decision.objects.filter(earlier_than(meeting, "meeting__"), meeting__chain_id=meeting.chain_id)
    qs = annotate_progress(earlier.select_related("meeting"), today=today).exclude(progress=Progress.DONE)
    rows, found = _take(qs.order_by("meeting__held_on", "meeting_id", "seq"))
    return [Proposal(AgendaKind.DECISION, d.pk, _cut(d.content)) for d in rows], found


def _tasks(meeting: Meeting, today: dt.date) -> tuple[list[Proposal], int]:
    qs = (
        Task.objects.filter(demand__chain_id=meeting.chain_id, status__in=OPEN_TASK)
        .filter(Q(escalation=Escalation.SUPERVISED) | Q(deadline__lt=today))
        .exclude(demand__meeting_decision__meeting__chain_id=meeting.chain_id)
        .select_related("demand__enterprise")
        .annotate(
            level_rank=Case(
                When(escalation=Escalation.SUPERVISED, then=Value(0)),
                When(escalation=Escalation.WARNED, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
    )
    rows, found = _take(qs.order_by("level_rank", "deadline", "pk"))
    return [Proposal(AgendaKind.TASK, t.pk, _cut(_of_enterprise(t.demand))) for t in rows], found


def _projects(meeting: Meeting, today: dt.date) -> tuple[list[Proposal], int]:
    qs = filter_flag(Project.objects.filter(chain_id=meeting.chain_id), "stalled", today)
    rows, found = _take(qs.order_by("-is_behind", "name", "pk"))  # type: ignore[misc]
    return [Proposal(AgendaKind.PROJECT, p.pk, _cut(p.name)) for p in rows], found


def last_meeting_before(meeting: Meeting) -> dt.date | None:
    """The day of the chain's last meeting before this one."""
    earlier = Meeting.objects.filter(earlier_than(meeting), chain_id=meeting.chain_id)
    return earlier.order_by("-held_on", "-pk").values_list("held_on", flat=True).first()


def _demands(meeting: Meeting, since: dt.date | None) -> tuple[list[Proposal], int]:
    qs = Demand.objects.filter(
        chain_id=meeting.chain_id, urgency__in=URGENT, status__in=OPEN_DEMAND, meeting_decision__isnull=True
    )
    if since is not None:  # from the start of that day: a demand of the meeting's own day was not before it
        start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
        qs = qs.filter(submitted_at__gte=start)
    rank = Case(When(urgency=Urgency.CRITICAL, then=Value(0)), default=Value(1), output_field=IntegerField())
    rows, found = _take(qs.select_related("enterprise").annotate(rank=rank).order_by("rank", "submitted_at", "pk"))
    return [Proposal(AgendaKind.DEMAND, d.pk, _cut(_of_enterprise(d))) for d in rows], found


def upward_window(meeting: Meeting, today: dt.date) -> tuple[dt.date, dt.date]:
    """The 申报截止 dates raised: from today to UPWARD_DAYS days after the meeting (or after today, if later)."""
    return today, max(meeting.held_on, today) + dt.timedelta(days=UPWARD_DAYS)


def _upward(meeting: Meeting, today: dt.date) -> tuple[list[Proposal], int]:
    start, end = upward_window(meeting, today)
    qs = UpwardRequest.objects.filter(
        chain_id=meeting.chain_id, stage=UpwardStage.PLANNING, deadline__gte=start, deadline__lte=end
    )
    rows, found = _take(qs.order_by("deadline", "pk"))
    return [Proposal(AgendaKind.UPWARD, u.pk, _cut(u.title)) for u in rows], found


def compose(meeting: Meeting, today: dt.date) -> Composition:
    """What the records suggest for `meeting`'s agenda, as of `today` (six queries)."""
    since = last_meeting_before(meeting)
    result = Composition(since=since)
    for kind, (proposals, found) in (
        (AgendaKind.DECISION, _decisions(meeting, today)),
        (AgendaKind.TASK, _tasks(meeting, today)),
        (AgendaKind.PROJECT, _projects(meeting, today)),
        (AgendaKind.DEMAND, _demands(meeting, since)),
        (AgendaKind.UPWARD, _upward(meeting, today)),
    ):
        result.parts[kind], result.found[kind] = proposals, found
    return result
