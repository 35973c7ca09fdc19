"""Reading a meeting's agenda (会议议程), and the 下次会议 card of the chain chief's and the team's 工作台.

The agenda page shows each item with the live state of the record it refers to (a decision's progress, a
task's deadline and 督办 mark, a project's 滞后 / 停滞, a demand's status, an 上争事项's 申报截止) and whether the
reader may open that record: all in one query over the items, whatever their number (`agenda_items`).

The card is registered with chaindesk.dashboards.cards and served by it at /cards/next_meeting/, loaded after
the page so the 工作台 stays within its query budget. It shows the next meeting and, once its agenda has been
drafted, the agenda (its size rides on the meeting's query; one more query for its first items); before that,
what to raise there. The meetings app comes after demands, projects and upward in INSTALLED_APPS, so it reads
their selectors directly. Each part is one query, whatever the number of rows: the top rows carry the total
as a window count."""

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value, When, Window
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from chaindesk.accounts.choices import Role
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core import clock
from chaindesk.core.permissions import role_required
from chaindesk.demands.choices import OPEN_TASK, Urgency
from chaindesk.demands.models import Demand, Task
from chaindesk.demands.selectors import STATUS_COLOUR
from chaindesk.demands.selectors_queues import (
    ESCALATION_COLOURS,
    TASK_STATUS_COLOURS,
    count_of,
    supervision_tasks,
    workdays_left,
)
from chaindesk.projects.models import Project
from chaindesk.projects.selectors import filter_flag
from chaindesk.upward.choices import UpwardStage
from chaindesk.upward.models import UpwardRequest

from .agenda_draft import KIND_ORDER, REF_FIELDS
from .models import AgendaItem, AgendaKind, Decision, DecisionDepartment, Meeting
from .progress import progress_case, progress_colour, progress_label

TOP = 3  # rows of each part shown on the card; the count and the 全部 link give the rest
UPWARD_DAYS = 10  # 上争事项 whose 申报截止 falls within this many days are raised at the meeting
AGENDA_ROLES = frozenset({Role.CITY_LEADER, Role.TEAM_MEMBER})
AGENDA_TOP = 5  # items of a drafted agenda shown on the card; its page shows them all


# --- the agenda of a meeting, with the live state of what each item refers to ---------------------------

URGENCY_COLOURS: dict[str, str] = {Urgency.CRITICAL: "red", Urgency.URGENT: "orange", Urgency.NORMAL: "grey"}
UPWARD_STAGE_COLOURS: dict[str, str] = {
    UpwardStage.PLANNING: "grey",
    UpwardStage.APPROVED: "green",
    UpwardStage.DECLINED: "red",
}
SOON_DAYS = 10  # an 上争事项 due within this many days is tagged orange, later ones blue


@dataclass
class LiveState:
    """What an item's record is like now: status tags (label, colour), a department, facts as short texts,
    and the record's page when the reader may open it."""

    tags: list[tuple[str, str]] = field(default_factory=list)
    department: Any = None
    facts: list[str] = field(default_factory=list)
    url: str | None = None


def _colour(colours: Mapping[Any, str], key: str, default: str = "grey") -> str:
    return colours.get(key, default)


def kind_rank() -> Case:
    """The agenda's section order (AgendaKind's) as a number, for ordering in SQL."""
    whens = [When(kind=kind, then=Value(n)) for n, kind in enumerate(KIND_ORDER)]
    return Case(*whens, default=Value(len(KIND_ORDER)), output_field=IntegerField())


def _may_open(user: Any) -> dict[str, Exists]:
    """For each kind of record: whether the reader may see the item's record (an EXISTS on the visible set)."""
    models: dict[str, Any] = {
        "decision": Decision,
        "task": Task,
        "project": Project,
        "demand": Demand,
        "upward": UpwardRequest,
    }
    return {
        f"may_open_{name}": Exists(model.objects.visible_to(user).filter(pk=OuterRef(f"{name}_id")))
        for name, model in models.items()
    }


@dataclass(frozen=True)
class DepartmentName:
    """A department as the |dept filter shows it (the short name, the full name on hover)."""

    name: str
    short_name: str


def _lead_department() -> dict[str, Any]:
    """The decision's lead responsible department (牵头, else the first) and how many there are: subqueries."""
    responsible = DecisionDepartment.objects.filter(decision_id=OuterRef("decision_id"))
    first = responsible.order_by("-lead", "pk")
    return {
        "decision_dept_name": Subquery(first.values("department__name")[:1]),
        "decision_dept_short": Subquery(first.values("department__short_name")[:1]),
        "decision_depts": count_of(responsible),
    }


def agenda_items(meeting: Meeting, user: Any, today: dt.date) -> list[AgendaItem]:
    """The meeting's agenda items (dropped ones too), in order, each with `live` (LiveState): one query."""
    project = Project.objects.filter(pk=OuterRef("project_id"))
    qs = (
        AgendaItem.objects.filter(meeting=meeting)
        .select_related(
            "decision__meeting",
            "task__demand",
            "task__lead_department",
            "project__enterprise",
            "demand__enterprise",
            "upward__department",
        )
        .annotate(
            decision_progress=progress_case(today, prefix="decision__"),
            **_lead_department(),
            project_behind=Exists(filter_flag(project, "behind", today)),
            project_stale=Exists(filter_flag(project, "stale", today)),
            **_may_open(user),
        )
        .order_by(kind_rank(), "seq", "pk")
    )
    items: list[AgendaItem] = list(qs)
    for item in items:
        item.live = live_state(item, today)  # type: ignore[attr-defined]
    return items


def live_state(item: AgendaItem, today: dt.date) -> LiveState:
    """The live state of the item's record (none for a written item; 原记录已删除 when it is gone)."""
    if item.kind == AgendaKind.OTHER:
        return LiveState()
    ref = REF_FIELDS.get(item.kind)
    record = getattr(item, ref) if ref else None
    if record is None:
        return LiveState(tags=[(_("原记录已删除"), "grey")])
    state = _STATES[item.kind](item, record, today)
    if getattr(item, f"may_open_{ref}", False):
        state.url = _record_url(item.kind, record)
    return state


def _record_url(kind: str, record: Any) -> str:
    if kind == AgendaKind.DECISION:
        return reverse("meetings:detail", args=[record.meeting_id]) + f"#decision-{record.seq}"
    names: dict[str, str] = {
        AgendaKind.TASK: "demands:task_detail",
        AgendaKind.PROJECT: "projects:detail",
        AgendaKind.DEMAND: "demands:detail",
        AgendaKind.UPWARD: "upward:detail",
    }
    return reverse(names[kind], args=[record.pk])


def _decision_state(item: AgendaItem, d: Decision, today: dt.date) -> LiveState:
    progress = getattr(item, "decision_progress", None)
    source = {"date": d.meeting.held_on.isoformat(), "meeting": d.meeting.title, "seq": d.seq}
    facts = [_("%(date)s《%(meeting)s》议定事项 %(seq)s") % source]
    if d.deadline:
        facts.append(_("办结期限 %(date)s") % {"date": d.deadline.isoformat()})
    name, n = getattr(item, "decision_dept_name", None), getattr(item, "decision_depts", 0) or 0
    department = DepartmentName(name, getattr(item, "decision_dept_short", "") or "") if name else None
    if n > 1:
        facts.insert(0, _("等 %(n)s 个责任部门") % {"n": n})
    return LiveState([(progress_label(progress), progress_colour(progress))], department, facts)


def _task_state(item: AgendaItem, t: Task, today: dt.date) -> LiveState:
    tags = [(str(t.get_escalation_display()), _colour(ESCALATION_COLOURS, t.escalation))] if t.escalation else []
    tags.append((str(t.get_status_display()), _colour(TASK_STATUS_COLOURS, t.status)))
    facts = [_("期限 %(date)s") % {"date": t.deadline.isoformat()}]
    if t.status in OPEN_TASK and t.deadline < today:
        left = workdays_left(t.deadline, today)
        facts.append(_("逾期 %(n)s 个工作日") % {"n": -left} if left is not None and left < 0 else _("已逾期"))
    return LiveState(tags, t.lead_department, facts)


def _project_state(item: AgendaItem, p: Project, today: dt.date) -> LiveState:
    tags = []
    if getattr(item, "project_behind", False):
        tags.append((_("滞后"), "red"))
    if getattr(item, "project_stale", False):
        tags.append((_("停滞"), "orange"))
    facts = [str(p.get_stage_display())]
    if p.enterprise_id and p.enterprise:
        facts.append(p.enterprise.name)
    return LiveState(tags or [(_("进度正常"), "green")], None, facts)


def _demand_state(item: AgendaItem, d: Demand, today: dt.date) -> LiveState:
    tags = [
        (str(d.get_urgency_display()), _colour(URGENCY_COLOURS, d.urgency)),
        (str(d.get_status_display()), _colour(STATUS_COLOUR, d.status)),
    ]
    facts = [_("提交于 %(date)s") % {"date": clock_date(d.submitted_at).isoformat()}]
    return LiveState(tags, None, facts)


def _upward_state(item: AgendaItem, u: UpwardRequest, today: dt.date) -> LiveState:
    tags = [(str(u.get_stage_display()), _colour(UPWARD_STAGE_COLOURS, u.stage, "blue"))]
    facts = []
    if u.deadline is not None:
        days = (u.deadline - today).days
        if u.stage == UpwardStage.PLANNING:
            if days < 0:
                tags.append((_("已过申报截止"), "red"))
            else:
                label = _("今天截止") if days == 0 else _("%(n)s 天后截止") % {"n": days}
                tags.append((label, "orange" if days <= SOON_DAYS else "blue"))
        facts.append(_("申报截止 %(date)s") % {"date": u.deadline.isoformat()})
    return LiveState(tags, u.department, facts)


_STATES: dict[str, Callable[[AgendaItem, Any, dt.date], LiveState]] = {
    AgendaKind.DECISION: _decision_state,
    AgendaKind.TASK: _task_state,
    AgendaKind.PROJECT: _project_state,
    AgendaKind.DEMAND: _demand_state,
    AgendaKind.UPWARD: _upward_state,
}


def clock_date(moment: dt.datetime) -> dt.date:
    """An instant's local date (Asia/Shanghai)."""
    return timezone.localtime(moment).date()


NUMERALS = "一二三四五六七八九十"


@dataclass
class AgendaSection:
    """A section of the agenda: its kind, its heading and number (一、二 …) and its items (not dropped)."""

    kind: str
    label: str
    items: list[AgendaItem]
    numeral: str = ""


def sections_of(items: list[AgendaItem]) -> tuple[list[AgendaSection], list[AgendaItem]]:
    """The non-empty sections in the agenda's order, numbered, and the dropped items apart."""
    labels = dict(AgendaKind.choices)
    sections = [
        AgendaSection(kind, str(labels[kind]), [i for i in items if i.kind == kind and not i.dropped])
        for kind in KIND_ORDER
    ]
    shown = [s for s in sections if s.items]
    for n, section in enumerate(shown):
        section.numeral = NUMERALS[n] if n < len(NUMERALS) else str(n + 1)
    return shown, [i for i in items if i.dropped]


# --- the 下次会议 card -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaPart:
    """One kind of item to raise: how many, the first few, and the list that shows them all."""

    key: str
    count: int
    rows: list[Any]
    url: str


def _top(qs: QuerySet[Any]) -> tuple[int, list[Any]]:
    """The first TOP rows and the total, in one query (the total as a window count over the whole set)."""
    rows = list(qs.annotate(total=Window(expression=Count("pk")))[:TOP])
    return (rows[0].total if rows else 0), rows


def _list_url(name: str, chain_id: int | None, **params: Any) -> str:
    """The list that shows every row of a part, filtered like the part (to the meeting's chain, if any)."""
    if chain_id is not None:
        params["chain"] = chain_id
    return f"{reverse(name)}?{urlencode(params)}"


def next_meeting(user: Any, today: dt.date) -> Meeting | None:
    """The reader's next meeting: the earliest they may see held today or later, with the number of items on
    its agenda (`agenda_size`, not counting dropped ones) in the same query."""
    qs = Meeting.objects.visible_to(user).filter(held_on__gte=today).select_related("chain", "region", "leader")
    qs = qs.annotate(agenda_size=count_of(AgendaItem.objects.filter(meeting_id=OuterRef("pk"), dropped=False)))
    return qs.order_by("held_on", "pk").first()


def _agenda_preview(meeting: Meeting) -> list[AgendaItem]:
    """The first AGENDA_TOP items of a drafted agenda, in the agenda's order, each with its short kind."""
    short = short_kinds()
    rows = list(
        AgendaItem.objects.filter(meeting=meeting, dropped=False).order_by(kind_rank(), "seq", "pk")[:AGENDA_TOP]
    )
    for row in rows:
        row.short_kind = short[row.kind]  # type: ignore[attr-defined]
    return rows


def short_kinds() -> dict[str, str]:
    """The kinds as a line on the card names them."""
    kinds: dict[str, str] = {
        AgendaKind.DECISION: _("议定事项"),
        AgendaKind.TASK: _("督办任务"),
        AgendaKind.PROJECT: _("项目"),
        AgendaKind.DEMAND: _("紧急诉求"),
        AgendaKind.UPWARD: _("上争事项"),
        AgendaKind.OTHER: _("其他"),
    }
    return kinds


def _supervised(user: Any, chain_id: int | None, today: dt.date) -> AgendaPart:
    """督办 tasks (of the meeting's chain, if any), and the 督办 queue filtered the same way (show=, chain=)."""
    params = {"show": "supervised"} | ({"chain": str(chain_id)} if chain_id is not None else {})
    qs, _state = supervision_tasks(user, params, today)
    count, rows = _top(qs)
    return AgendaPart("supervised", count, rows, _list_url("demands:supervision", chain_id, show="supervised"))


def _projects(user: Any, chain_id: int | None, today: dt.date) -> AgendaPart:
    """Projects behind 序时进度 or without an update for 30 days (the projects app's 滞后 / 停滞 rules)."""
    qs = Project.objects.visible_to(user).select_related("enterprise")
    if chain_id is not None:
        qs = qs.filter(chain_id=chain_id)
    stalled = filter_flag(qs, "stalled", today).order_by("-is_behind", "name", "pk")  # type: ignore[misc]
    count, rows = _top(stalled)  # behind (滞后) first, then the ones without an update
    return AgendaPart("projects", count, rows, _list_url("projects:list", chain_id, flag="stalled"))


def _upward(user: Any, chain_id: int | None, today: dt.date) -> AgendaPart:
    """上争事项 still being prepared (谋划) whose 申报截止 falls within UPWARD_DAYS days."""
    until = today + dt.timedelta(days=UPWARD_DAYS)
    qs = UpwardRequest.objects.visible_to(user).filter(
        stage=UpwardStage.PLANNING, deadline__gte=today, deadline__lte=until
    )
    if chain_id is not None:
        qs = qs.filter(chain_id=chain_id)
    count, rows = _top(qs.select_related("department").order_by("deadline", "pk"))
    url = _list_url("upward:list", chain_id, stage=UpwardStage.PLANNING, deadline_from=today, deadline_to=until)
    return AgendaPart("upward", count, rows, url)


def next_meeting_card(user: Any) -> dict[str, Any]:
    """The next meeting and, once its agenda is drafted, the agenda's size and first items (two queries);
    before that, for its chain (every chain of the reader's when none is planned), the 督办 tasks, the stalled
    or behind projects and the 上争事项 due within ten days (four queries)."""
    today = clock.today()
    meeting = next_meeting(user, today)
    chain_id = meeting.chain_id if meeting else None
    size = getattr(meeting, "agenda_size", 0) or 0
    context: dict[str, Any] = {
        "meeting": meeting,
        "days_to_meeting": (meeting.held_on - today).days if meeting else None,
        "agenda_size": size,
        "agenda_items": _agenda_preview(meeting) if meeting and size else [],
        "agenda_url": reverse("meetings:agenda", args=[meeting.pk]) if meeting else None,
        "agenda": [],
        "upward_days": UPWARD_DAYS,
        "today": today,
    }
    if not size:  # what to raise, until the team has drafted the agenda
        context["agenda"] = [
            _supervised(user, chain_id, today),
            _projects(user, chain_id, today),
            _upward(user, chain_id, today),
        ]
    return context


@role_required(*AGENDA_ROLES)
def next_meeting_card_view(request: AuthedRequest) -> HttpResponse:
    """The 下次会议 card, an htmx fragment of the 工作台."""
    return render(request, "meetings/partials/next_meeting_card.html", next_meeting_card(request.user))
