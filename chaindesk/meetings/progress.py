"""A decision's progress (落实情况), read from the tasks of its demand: 未办, 办理中, 逾期, 已办结.

A decision is carried by `Decision.demand`: the enterprise's 诉求 for a decision about one enterprise, a
交办事项 demand (one task per responsible department) for any other. Its status, in this order:

- 已办结: the demand is closed (已办结), or it has tasks and every one of them was accepted as done (a task
  退回 by a department that was not the right one does not count);
- 逾期: an open task is past its deadline, or the decision's own deadline (办结期限) has passed;
- 未办: no demand yet, or a demand without a task that counts (none cut yet, or only 退回 ones);
- 办理中: anything else (tasks at work, none overdue).

`annotate_progress` puts that status on a queryset of decisions in SQL (a CASE over EXISTS subqueries on
demands.Task), so a list of decisions costs one query; `progress_case(prefix=…)` gives the same expression
from another model that points at a decision (an agenda item: `prefix="decision__"`)."""

import datetime as dt
from typing import Any

from django.db import models
from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from chaindesk.demands.choices import OPEN_TASK, DemandStatus, TaskStatus
from chaindesk.demands.models import Task


class Progress(models.TextChoices):
    NOT_STARTED = "not_started", _("未办")
    IN_PROGRESS = "in_progress", _("办理中")
    OVERDUE = "overdue", _("逾期")
    DONE = "done", _("已办结")


# The status tags' colours (UI.md: grey 未开始, blue 办理中, red 逾期, green 已办结).
PROGRESS_COLOURS: dict[str, str] = {
    Progress.NOT_STARTED: "grey",
    Progress.IN_PROGRESS: "blue",
    Progress.OVERDUE: "red",
    Progress.DONE: "green",
}
NOT_DONE = frozenset({Progress.NOT_STARTED, Progress.IN_PROGRESS, Progress.OVERDUE})


def progress_case(today: dt.date, *, prefix: str = "") -> Case:
    """The progress of the decision at `prefix` (``""`` on a Decision queryset, ``"decision__"`` from a model
    pointing at one) as a CASE expression; `today` decides what is overdue."""
    tasks = Task.objects.filter(demand_id=OuterRef(f"{prefix}demand_id"))
    counting = tasks.exclude(status=TaskStatus.RETURNED)
    open_tasks = tasks.filter(status__in=OPEN_TASK)
    done = Q(**{f"{prefix}demand__status": DemandStatus.CLOSED}) | (Exists(counting) & ~Exists(open_tasks))
    overdue = Exists(open_tasks.filter(deadline__lt=today)) | Q(**{f"{prefix}deadline__lt": today})
    not_started = Q(**{f"{prefix}demand__isnull": True}) | ~Exists(counting)
    return Case(
        When(done, then=Value(Progress.DONE.value)),
        When(overdue, then=Value(Progress.OVERDUE.value)),
        When(not_started, then=Value(Progress.NOT_STARTED.value)),
        default=Value(Progress.IN_PROGRESS.value),
        output_field=CharField(),
    )


def annotate_progress(qs: QuerySet[Any], *, today: dt.date) -> QuerySet[Any]:
    """`qs` (decisions) with each one's progress as the annotation `progress` (a Progress value), filterable
    and sortable in SQL: no extra query. (Typed `Any`: the annotation is then known to the type checker's
    lookups too.)"""
    return qs.annotate(progress=progress_case(today))


def progress_label(value: str | None) -> str:
    """The status's label (未办 …); "" for None (no decision)."""
    return str(Progress(value).label) if value else ""


def progress_colour(value: str | None) -> str:
    return PROGRESS_COLOURS.get(value or "", "grey")
