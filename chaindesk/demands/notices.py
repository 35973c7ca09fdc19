"""Who is told of a demand's hand-overs, and the one way the demand services tell them.

Every hand-over between the team, the departments and the enterprise writes an in-app Notification (the bell);
chaindesk.core.notify then sends the same row by e-mail and to the robot webhook. Each notice names its event
(`key`, e.g. `task:12:completion:345`: the task and the history row that asked); a recipient's dedupe key is the
event's key and their id, so the same event never reaches anyone twice. Nobody is told of their own act.

The people, by side:
- the team (`team_deciders`): who decides on the demand's tasks: the person who cut the task (交办人) and the
  demand's chain's 召集人 and 牵头部门负责人 (the team leads); the chain chief when nobody else is there;
- a department (`department_people`): the handler concerned (who signed or asked) while they still work there,
  else every active handler of the department, else its 部门收件人 or head
  (chaindesk.accounts.selectors.department_alert_recipients);
- the enterprise (`enterprise_people`): its active users; its liaison when it has none (who then confirms on
  its behalf)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import Department, User
from chaindesk.accounts.selectors import department_alert_recipients, departments_without_handler
from chaindesk.chains.models import TeamRole
from chaindesk.core.actors import Actor
from chaindesk.core.models import Notification

from . import permissions
from .models import Demand, Task
from .workdays import day_label

# The team roles told of what waits on the team (besides the person who cut the task).
LEAD_ROLES = (TeamRole.CHAIR, TeamRole.LEAD_DEPT)
BODY_MAX = 300


@dataclass(frozen=True)
class Notice:
    """One message about one event: `key` names the event (each recipient's dedupe key adds their id)."""

    kind: str
    title: str
    body: str
    url: str
    key: str


@dataclass(frozen=True)
class UnstaffedAlert:
    """A department a task was sent to while it has no active handler, and who was told instead."""

    department: Department
    told: list[User]


def send(notice: Notice, users: Iterable[User | None], *, actor: Actor | None = None) -> list[User]:
    """Put `notice` in the inbox of each active user of `users` (once each, the actor left out); returns them."""
    actor_pk = getattr(actor, "pk", None)
    chosen: dict[int, User] = {}
    for user in users:
        if user is not None and user.is_active and user.pk != actor_pk:
            chosen.setdefault(user.pk, user)
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind=notice.kind,
                title=notice.title[:200],
                body=notice.body,
                url=notice.url,
                dedupe_key=f"{notice.key}:{user.pk}"[:120],
            )
            for user in chosen.values()
        ],
        ignore_conflicts=True,
    )
    return list(chosen.values())


# --- the people ----------------------------------------------------------------------------------------------


def team_deciders(demand: Demand, *also: User | None) -> list[User]:
    """The demand's chain's team leads (召集人, 牵头部门负责人) and `also` (who cut the task); the chain chief
    when that is nobody."""
    people: list[User] = [u for u in also if u is not None and u.is_active]
    if demand.chain_id is not None:
        people += list(
            User.objects.filter(
                is_active=True,
                role__in=permissions.TEAM_ROLES,
                teams__chain_id=demand.chain_id,
                teams__team_role__in=LEAD_ROLES,
            ).order_by("pk")
        )
        if not people:
            chief = demand.chain.chief if demand.chain else None
            people = [chief] if chief is not None and chief.is_active else []
    return people


def department_people(department_id: int, concerned: User | None = None) -> list[User]:
    """Who in a department hears of its task: `concerned` (who signed or asked) while an active handler there,
    else every active handler, else the department's 部门收件人 or head."""
    if (
        concerned is not None
        and concerned.is_active
        and concerned.role == Role.DEPT_HANDLER
        and concerned.department_id == department_id
    ):
        return [concerned]
    handlers = list(
        User.objects.filter(is_active=True, role=Role.DEPT_HANDLER, department_id=department_id).order_by("pk")
    )
    return handlers or department_alert_recipients([department_id])[department_id]


def enterprise_people(demand: Demand) -> list[User]:
    """The enterprise's active users; its liaison when it has none (who confirms on its behalf). Nobody for a
    交办事项 (no enterprise)."""
    if demand.enterprise_id is None or demand.enterprise is None:
        return []
    users = list(
        User.objects.filter(
            is_active=True, role=Role.ENTERPRISE, enterprise_account__enterprise_id=demand.enterprise_id
        ).order_by("pk")
    )
    if users:
        return users
    liaison = demand.enterprise.liaison
    return [liaison] if liaison is not None and liaison.is_active else []


def names(users: Iterable[User]) -> str:
    return "、".join(u.display_name or u.username for u in users)


def task_url(task: Task) -> str:
    return reverse("demands:task_detail", args=[task.pk])


def demand_url(demand: Demand, anchor: str = "") -> str:
    return reverse("demands:detail", args=[demand.pk]) + (f"#{anchor}" if anchor else "")


# --- a task sent to a department without a handler -------------------------------------------------------------


def alert_unstaffed(*, task: Task, departments: list[Department], actor: Actor) -> list[UnstaffedAlert]:
    """For each of `departments` (the task's lead and co-departments) that has no active handler: tell its
    部门收件人 or head that a task waits there unsigned, and warn the team once. Returns what was told whom."""
    unstaffed_ids = departments_without_handler()
    unstaffed = [d for d in departments if d.pk in unstaffed_ids]
    if not unstaffed:
        return []
    demand = task.demand
    recipients = department_alert_recipients([d.pk for d in unstaffed])
    alerts = []
    for department in unstaffed:
        notice = Notice(
            kind="task_unstaffed",
            title=_("【无人签收】%(department)s有新交办任务：%(title)s")
            % {"department": department.short_name, "title": demand.title},
            body=_(
                "贵部门尚无启用的经办人账号，该任务无人签收。办结期限：%(deadline)s。"
                "请尽快开通经办人账号，或与服务团队联系改派。"
            )
            % {"deadline": day_label(task.deadline)},
            url=task_url(task),
            key=f"task:{task.pk}:unstaffed:{department.pk}",
        )
        alerts.append(UnstaffedAlert(department, send(notice, recipients[department.pk], actor=actor)))
    _warn_team(task, alerts, actor)
    return alerts


def unstaffed_summary(alerts: list[UnstaffedAlert]) -> str:
    """「测试丙局（已通知：张三）、测试丁局（无人可通知）」."""
    parts = []
    for alert in alerts:
        told = _("已通知：%(names)s") % {"names": names(alert.told)} if alert.told else _("无负责人或收件人可通知")
        parts.append(f"{alert.department.short_name}（{told}）")
    return "、".join(parts)


def _warn_team(task: Task, alerts: list[UnstaffedAlert], actor: Actor) -> None:
    demand = task.demand
    notice = Notice(
        kind="task_unstaffed_team",
        title=_("【无人签收】诉求“%(title)s”交办至无经办人部门") % {"title": demand.title},
        body=_("%(departments)s尚无启用的经办人账号，任务将无人签收；请联系系统管理员开通账号，或改派其他部门。")
        % {"departments": unstaffed_summary(alerts)},
        url=demand_url(demand, "tasks"),
        key=f"task:{task.pk}:unstaffed_team",
    )
    send(notice, team_deciders(demand, task.assigned_by), actor=actor)


# --- the hand-overs ------------------------------------------------------------------------------------------


def completion_requested(*, task: Task, event_pk: int, actor: Actor) -> list[User]:
    """申请办结 → the team, who accept or send it back."""
    demand = task.demand
    notice = Notice(
        kind="task_completion_requested",
        title=_("%(department)s申请办结：%(title)s")
        % {"department": task.lead_department.short_name, "title": demand.title},
        body=_("办理结果：%(result)s。请确认办结或退回重办。") % {"result": task.result[:BODY_MAX]},
        url=task_url(task),
        key=f"task:{task.pk}:completion:{event_pk}",
    )
    return send(notice, team_deciders(demand, task.assigned_by), actor=actor)


def completion_rejected(*, task: Task, event_pk: int, note: str, actor: Actor) -> list[User]:
    """退回重办 → the department that asked."""
    notice = Notice(
        kind="task_completion_rejected",
        title=_("办结申请被退回重办：%(title)s") % {"title": task.demand.title},
        body=_("服务团队意见：%(note)s。办结期限：%(deadline)s。")
        % {"note": note, "deadline": day_label(task.deadline)},
        url=task_url(task),
        key=f"task:{task.pk}:completion_rejected:{event_pk}",
    )
    return send(notice, department_people(task.lead_department_id, task.handler), actor=actor)


def extension_decided(*, task: Task, event_pk: int, approved: bool, asker: User | None, actor: Actor) -> list[User]:
    """延期审批 → the handler who asked (or the department's handlers)."""
    if approved:
        title = _("延期申请已同意：%(title)s")
        body = _("新的办结期限：%(deadline)s。")
    else:
        title = _("延期申请未获同意：%(title)s")
        body = _("办结期限仍为%(deadline)s。")
    text = body % {"deadline": day_label(task.deadline)}
    if task.status_note:
        text += _("审批意见：%(note)s") % {"note": task.status_note}
    notice = Notice(
        kind="task_extension_decided",
        title=title % {"title": task.demand.title},
        body=text,
        url=task_url(task),
        key=f"task:{task.pk}:extension_decided:{event_pk}",
    )
    return send(notice, department_people(task.lead_department_id, asker), actor=actor)


def awaiting_confirmation(*, demand: Demand, event_pk: int, actor: Actor) -> list[User]:
    """Every task accepted → the enterprise, with the link to the rating."""
    notice = Notice(
        kind="demand_awaiting_confirmation",
        title=_("诉求已办理完毕，请您确认评价：%(title)s") % {"title": demand.title},
        body=_("各承办部门已办结，请查看办理结果并评价（满意、基本满意或不满意）；不满意的事项将退回重新办理。"),
        url=demand_url(demand, "panel-confirm"),
        key=f"demand:{demand.pk}:awaiting:{event_pk}",
    )
    return send(notice, enterprise_people(demand), actor=actor)


def assignment_closed(*, demand: Demand, event_pk: int, actor: Actor) -> list[User]:
    """The last task of a 交办事项 accepted → the team: the meeting's decision is done (no enterprise confirms)."""
    cutters = User.objects.filter(pk__in=Task.objects.filter(demand=demand).values("assigned_by_id"))
    notice = Notice(
        kind="assignment_closed",
        title=_("会议交办事项已办结：%(title)s") % {"title": demand.title},
        body=_("各责任部门均已办结。来源：%(source)s。") % {"source": demand.source_label or demand.title},
        url=demand_url(demand),
        key=f"demand:{demand.pk}:assignment_closed:{event_pk}",
    )
    return send(notice, team_deciders(demand, *cutters), actor=actor)


def what_for(demand: Demand) -> str:
    """Whom a task serves, in a notice's body: 「企业：…」, or 「会议交办：《…》议定事项 3」 for a 交办事项."""
    if demand.enterprise_id is not None and demand.enterprise is not None:
        return _("企业：%(name)s") % {"name": demand.enterprise.name}
    return _("会议交办：%(source)s") % {"source": demand.source_label or demand.title}


def reopened(*, demand: Demand, tasks: list[Task], event_pk: int, comment: str, actor: Actor) -> list[User]:
    """不满意 → the team, and each department whose task went back to work."""
    departments = "、".join(t.lead_department.short_name for t in tasks)
    team = Notice(
        kind="demand_reopened",
        title=_("企业不满意，诉求退回重新办理：%(title)s") % {"title": demand.title},
        body=_("企业意见：%(comment)s。重新办理的部门：%(departments)s。")
        % {"comment": comment, "departments": departments},
        url=demand_url(demand, "tasks"),
        key=f"demand:{demand.pk}:reopened:{event_pk}",
    )
    told = send(team, team_deciders(demand, *(t.assigned_by for t in tasks)), actor=actor)
    for task in tasks:
        notice = Notice(
            kind="task_reopened",
            title=_("企业不满意，任务退回重新办理：%(title)s") % {"title": demand.title},
            body=_("企业意见：%(comment)s。请重新办理后再次申请办结；办结期限：%(deadline)s。")
            % {"comment": comment, "deadline": day_label(task.deadline)},
            url=task_url(task),
            key=f"task:{task.pk}:reopened:{event_pk}",
        )
        told += send(notice, department_people(task.lead_department_id, task.handler), actor=actor)
    return told
