"""Leaders act (领导批示, 催办): the chain chief, the convenor and the lead department's head write an
instruction on a demand or one of its tasks, and urge a task's department.

Same rules as chaindesk/demands/services.py: keyword-only, atomic, audited (`audited_create` writes the audit
line in the same transaction), refusals in Chinese. Each act notifies in-app (the bell; e-mail and the robot
webhook send the same notices, chaindesk/core/notify.py):

- a 批示 on a task → its lead department's handlers (the head among them);
- a 批示 on a demand → the team of the enterprise's chains and the handlers of the departments with an open
  task on it;
- a 催办 → the task's lead department's handlers and its head.

The author is never told of their own act. The notes show on the demand's timeline, the task page and the 督办
queue, and the metrics count the 催办 a department received."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import User
from chaindesk.accounts.selectors import department_alert_recipients
from chaindesk.core import clock
from chaindesk.core.actors import Actor, person
from chaindesk.core.services import audited_create
from chaindesk.enterprises.models import Enterprise

from . import notices, permissions
from .choices import OPEN_DEMAND, OPEN_TASK
from .models import Demand, LeaderNote, Task
from .services_base import _required, demand_status_label, task_status_label
from .workdays import CalendarNotCovered, day_label, workdays_between

INSTRUCTION_MAX = 500
URGE_NOTE_MAX = 300


def _need_leader(actor: Actor, demand: Demand) -> None:
    if not permissions.can_lead(actor, demand):
        raise PermissionDenied(_("您无权批示或催办：只有该产业链的链长、召集人和牵头部门负责人可以操作。"))


def _handlers_and_heads(departments: int | QuerySet[Any]) -> QuerySet[User]:
    """The active handlers of a department (an id) or of several (a subquery of ids), and their heads whatever
    their role."""
    where = Q(department_id=departments) if isinstance(departments, int) else Q(department_id__in=departments)
    return User.objects.filter(where, is_active=True).filter(Q(role=Role.DEPT_HANDLER) | Q(is_department_head=True))


def _department_ears(department_id: int) -> list[User]:
    """Who hears a 批示 or 催办 addressed to one department: its active handlers and heads; when it has none, the
    部门收件人 the administrator named (chaindesk.accounts.selectors), as for a task sent there."""
    return list(_handlers_and_heads(department_id)) or department_alert_recipients([department_id])[department_id]


def _team_people(demand: Demand) -> QuerySet[User]:
    """The active team (city leaders and team members) of the enterprise's chains (of its chain, for a 交办事项)."""
    if demand.enterprise_id is None:  # a 交办事项 always has its meeting's chain
        chain = demand.chain_id or 0
        return User.objects.filter(is_active=True, role__in=permissions.TEAM_ROLES, teams__chain_id=chain)
    chains = Enterprise.chains.through.objects.filter(enterprise_id=demand.enterprise_id).values("chain_id")
    return User.objects.filter(is_active=True, role__in=permissions.TEAM_ROLES, teams__chain_id__in=chains)


def _notify(note: LeaderNote, recipients: Iterable[User], *, title: str, body: str, url: str) -> None:
    """One in-app notice per recipient (the author aside); the key makes a retried call insert nothing."""
    notice = notices.Notice(kind=f"leader_{note.kind}", title=title, body=body, url=url, key=f"leader_note:{note.pk}")
    notices.send(notice, recipients, actor=note.author)


def _open_task(task: Task, refusal: str) -> Task:
    """The task's row, locked, if it is still being worked on (else `refusal`, given the status label)."""
    current = Task.objects.select_for_update().select_related("lead_department", "demand").get(pk=task.pk)
    if current.status not in OPEN_TASK:
        raise ValidationError(refusal % {"status": task_status_label(current.status)}, code="task_closed")
    return current


@transaction.atomic
def leader_instruct(*, actor: Actor, text: str, demand: Demand | None = None, task: Task | None = None) -> LeaderNote:
    """批示: an instruction on a demand (still open) or on one of its tasks (still being worked on)."""
    if (demand is None) == (task is None):
        raise TypeError("leader_instruct takes a demand or a task, not both")
    target = task.demand if task is not None else demand
    assert target is not None  # noqa: S101 - for mypy: one of the two was given
    _need_leader(actor, target)
    text = _required(text, "text", _("请填写批示内容。"), INSTRUCTION_MAX)
    if task is not None:
        task = _open_task(task, _("任务当前为“%(status)s”，已不在办理中，不能批示。"))
    else:
        status = Demand.objects.values_list("status", flat=True).get(pk=target.pk)
        if status not in OPEN_DEMAND:
            raise ValidationError(
                _("诉求当前为“%(status)s”，已不在办理中，不能批示。") % {"status": demand_status_label(status)},
                code="demand_closed",
            )
    note = audited_create(
        model=LeaderNote,
        actor=actor,
        message=text,
        kind=LeaderNote.Kind.INSTRUCTION,
        demand=target,
        task=task,
        department=task.lead_department if task is not None else None,
        text=text,
        author=person(actor),
        created_at=clock.now(),
    )
    title = _("领导批示：%(title)s") % {"title": target.title}
    body = _("%(author)s批示：%(text)s") % {"author": note.author, "text": text}
    if task is not None:
        url = reverse("demands:task_detail", args=[task.pk])
        _notify(note, _department_ears(task.lead_department_id), title=title, body=body, url=url)
    else:
        open_departments = Task.objects.filter(demand=target, status__in=OPEN_TASK).values("lead_department_id")
        recipients = [*_team_people(target), *_handlers_and_heads(open_departments)]
        _notify(note, recipients, title=title, body=body, url=reverse("demands:detail", args=[target.pk]))
    return note


def _local_day_start(moment: dt.datetime) -> dt.datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _urge_body(note: LeaderNote, task: Task, today: dt.date) -> str:
    body = _("%(author)s催办%(department)s：办结期限%(deadline)s") % {
        "author": note.author,
        "department": task.lead_department.short_name,
        "deadline": day_label(task.deadline),  # 预估 where the calendar is estimated
    }
    try:
        left = workdays_between(today, task.deadline)
    except CalendarNotCovered:
        left = None
    if left is not None and left < 0:
        body += _("，已逾期%(n)s个工作日") % {"n": -left}
    body += "。"
    return body + note.text if note.text else body


@transaction.atomic
def leader_urge(*, task: Task, actor: Actor, note: str = "") -> LeaderNote:
    """催办: urge the task's lead department (the task still being worked on), with an optional note. Once a day
    per task: a second 催办 the same day (a double click, or two leaders at once) is refused."""
    _need_leader(actor, task.demand)
    text = (note or "").strip()
    if len(text) > URGE_NOTE_MAX:
        raise ValidationError({"note": _("内容请控制在%(n)s字以内。") % {"n": URGE_NOTE_MAX}}, code="too_long")
    task = _open_task(task, _("任务当前为“%(status)s”，无需催办。"))
    now = clock.localnow()
    if LeaderNote.objects.filter(task=task, kind=LeaderNote.Kind.URGE, created_at__gte=_local_day_start(now)).exists():
        raise ValidationError(_("该任务今天已催办过，请明天再催办，或写批示说明要求。"), code="urged_today")
    urge = audited_create(
        model=LeaderNote,
        actor=actor,
        message=text or _("催办"),
        kind=LeaderNote.Kind.URGE,
        demand=task.demand,
        task=task,
        department=task.lead_department,
        text=text,
        author=person(actor),
        created_at=clock.now(),
    )
    title = _("催办：%(title)s") % {"title": task.demand.title}
    body = _urge_body(urge, task, now.date())
    url = reverse("demands:task_detail", args=[task.pk])
    _notify(urge, _department_ears(task.lead_department_id), title=title, body=body, url=url)
    return urge
