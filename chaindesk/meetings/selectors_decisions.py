"""Reads of a meeting's decisions (议定事项) for the meeting page's table: each decision with its enterprise, its
responsible departments (the lead first), its deadline, its status (chaindesk.meetings.progress: 未办, 办理中,
逾期, 已办结) and the demand that carries it (the enterprise's 诉求, or the 交办事项 with its tasks).

Two queries whatever the number of decisions: the decisions (with the carrying demand, whether the reader may
open it, the status and the number of tasks, all in the same row) and their departments."""

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch

from chaindesk.demands.choices import TaskStatus
from chaindesk.demands.models import Demand, Task
from chaindesk.demands.selectors import STATUS_COLOUR
from chaindesk.demands.selectors_queues import count_of

from .models import Decision, DecisionDepartment, Meeting
from .progress import annotate_progress, progress_colour, progress_label


def decision_rows(user: Any, meeting: Meeting, today: dt.date) -> list[Decision]:
    """The meeting's decisions, numbered order, each with `departments` (lead first), `lead_id`, `progress`
    (with `progress_label` and `progress_colour`), `task_count` (the carrying demand's tasks not returned),
    `demand_colour` and `demand_visible` (whether the reader may open the carrying demand)."""
    tasks = Task.objects.filter(demand_id=OuterRef("demand_id")).exclude(status=TaskStatus.RETURNED)
    responsible = DecisionDepartment.objects.select_related("department").order_by("-lead", "pk")
    readable = Demand.objects.visible_to(user).filter(pk=OuterRef("demand_id"))
    qs = (
        meeting.decisions.select_related("enterprise", "demand")
        .prefetch_related(Prefetch("responsible", queryset=responsible))
        .annotate(task_count=count_of(tasks), demand_visible=Exists(readable))
        .order_by("seq")
    )
    rows: list[Decision] = list(annotate_progress(qs, today=today))
    for d in rows:
        links = list(d.responsible.all())
        d.departments = [r.department for r in links]  # type: ignore[attr-defined]
        d.lead_id = next((r.department_id for r in links if r.lead), None)  # type: ignore[attr-defined]
        d.progress_label = progress_label(d.progress)  # type: ignore[attr-defined]
        d.progress_colour = progress_colour(d.progress)  # type: ignore[attr-defined]
        d.demand_colour = STATUS_COLOUR.get(d.demand.status, "grey") if d.demand else ""  # type: ignore[attr-defined]
    return rows
