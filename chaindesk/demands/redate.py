"""Re-dating the open tasks' deadlines when a year's official holiday schedule is entered (系统 → 节假日日历).

A deadline is the working days a task was given (its `working_days`, plus approved extensions) counted from
the day it was assigned. The schedule only changes which days of its year are working days, so each open task
whose deadline lies in or after that year keeps its number of working days and is counted again:
`n = before.workdays_between(anchor, deadline)`, `new = after.add_workdays(anchor, n)`, from the later of the
day it was assigned and the eve of the year (days before the year count the same under both calendars).
A make-up Saturday brings a deadline earlier, an extra holiday pushes it later.

Each moved task: compare-and-set on the old deadline (a concurrent extension wins), an audit line, a timeline
event on its demand and a notice to its lead department (its handlers, else its 部门收件人 or head). A deadline
moved later clears the escalation marks the job set against the old one, as an approved extension does; one
moved earlier keeps them (they stay true). Registered by the demands app with core.holidays, which calls it
inside the saving transaction; returns how many tasks moved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.utils import timezone
from django.utils.translation import gettext as _

from chaindesk.core import audit
from chaindesk.core.actors import Actor
from chaindesk.core.models import AuditAction

from . import notices
from .choices import OPEN_TASK
from .models import DemandEvent, Task
from .services_base import _event
from .workdays import Calendar, current, day_label

EVENT_KIND = "task_redated"


def redate_open_tasks(*, year: int, previous: Mapping[dt.date, bool] | None, actor: Actor) -> int:
    """Count every open task touching `year` again under the new schedule; returns how many moved."""
    after = current()
    before = after.with_year(year, previous)
    eve = dt.date(year - 1, 12, 31)
    next_year = dt.datetime(year + 1, 1, 1, tzinfo=timezone.get_current_timezone())
    tasks = (
        Task.objects.filter(status__in=OPEN_TASK, deadline__gt=eve, created_at__lt=next_year)
        .select_related("demand", "lead_department", "handler")
        .order_by("pk")
    )
    moved = 0
    for task in tasks:
        anchor = max(timezone.localdate(task.created_at), eve)
        old = task.deadline
        new = after.add_workdays(anchor, before.workdays_between(anchor, old))
        if new != old and _move(task, old, new, year=year, actor=actor, before=before):
            moved += 1
    return moved


def _move(task: Task, old: dt.date, new: dt.date, *, year: int, actor: Actor, before: Calendar) -> bool:
    """Set the new deadline if the task still has the old one; record and announce it."""
    changes: dict[str, object] = {"deadline": new}
    if new > old:
        changes.update(escalation="", reminded_at=None, warned_at=None, supervised_at=None)
    if not Task.objects.filter(pk=task.pk, deadline=old, status__in=OPEN_TASK).update(**changes):
        return False
    old_text = f"{old:%Y-%m-%d}" + (_("（预估）") if before.is_provisional(old) else "")
    new_text = day_label(new)
    note = _("%(year)s年官方节假日安排录入，%(department)s任务办结期限由%(old)s调整为%(new)s") % {
        "year": year,
        "department": task.lead_department.short_name,
        "old": old_text,
        "new": new_text,
    }
    audit.record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=task,
        before={"deadline": old.isoformat()},
        after={"deadline": new.isoformat()},
        message=note,
    )
    event: DemandEvent = _event(demand=task.demand, kind=EVENT_KIND, actor=actor, note=note)
    notice = notices.Notice(
        kind=EVENT_KIND,
        title=_("办结期限调整：%(title)s") % {"title": task.demand.title},
        body=_("国务院办公厅%(year)s年节假日安排已录入，按官方日历重新计算：办结期限由%(old)s调整为%(new)s。")
        % {"year": year, "old": old_text, "new": new_text},
        url=notices.task_url(task),
        key=f"task:{task.pk}:redated:{event.pk}",
    )
    notices.send(notice, notices.department_people(task.lead_department_id, task.handler), actor=actor)
    return True
