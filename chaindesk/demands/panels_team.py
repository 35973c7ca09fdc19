"""What the demand page and the task page add for the service team and its leaders: each task row's link to
its page, the team's decision on a pending completion or extension request right on the demand page, and the
leaders' 批示 and 催办 (the notes so far and the forms, shown only to those allowed).

The forms post to the task's own decision routes (chaindesk/demands/views_queues.py) and to the leaders'
routes (views_team.py), with `next` bringing the user back to the page they acted from. Queries: none for an
enterprise user; one for the notes and, for a city leader or team member, one for the leader check and one
for the team check and one for the pending extension requests when a task waits on a decision."""

from typing import Any

from django.urls import reverse

from chaindesk.accounts.choices import OFFICIALS, Role

from . import permissions
from .choices import OPEN_DEMAND, OPEN_TASK, TaskStatus
from .forms import CompletionDecisionForm, ExtensionDecisionForm
from .forms_leaders import InstructionForm, UrgeForm
from .models import Demand, Task, TaskUpdate
from .selectors_team import notes_of

# Who opens a task's page: every official and the departments (as views_queues.py TASK_READERS).
TASK_PAGE_ROLES = frozenset(OFFICIALS | {Role.DEPT_HANDLER})
DECIDABLE = (TaskStatus.COMPLETION_REQUESTED, TaskStatus.EXTENSION_REQUESTED)


def _latest_extension_requests(tasks: list[Task]) -> dict[int, TaskUpdate]:
    """The latest 申请延期 of each task (one query)."""
    rows = TaskUpdate.objects.filter(task_id__in=[t.pk for t in tasks], kind=TaskUpdate.Kind.EXTENSION)
    return {u.task_id: u for u in rows.select_related("actor").order_by("created_at", "pk")}


def _decisions(user: Any, demand: Demand, tasks: list[Task], back: str) -> None:
    """`task.decision` on each task waiting on the team's decision, for a reader on the team."""
    waiting = [t for t in tasks if t.status in DECIDABLE]
    if not waiting or not permissions.is_team_of_demand(user, demand):  # no query for other roles
        return
    asked = _latest_extension_requests([t for t in waiting if t.status == TaskStatus.EXTENSION_REQUESTED])
    for task in waiting:
        initial = {"expected_status": task.status}
        auto_id = f"id_task{task.pk}_%s"
        if task.status == TaskStatus.COMPLETION_REQUESTED:
            form: Any = CompletionDecisionForm(initial=initial, auto_id=auto_id)
            url = reverse("demands:task_decide_completion", args=[task.pk])
        else:
            form = ExtensionDecisionForm(initial=initial, auto_id=auto_id)
            url = reverse("demands:task_decide_extension", args=[task.pk])
        task.decision = {  # type: ignore[attr-defined]
            "kind": "completion" if task.status == TaskStatus.COMPLETION_REQUESTED else "extension",
            "form": form,
            "url": url,
            "asked": asked.get(task.pk),
            "next": back,
        }


def demand_page(user: Any, demand: Demand, tasks: list[Task]) -> dict[str, Any]:
    """The demand page's additions: task links and decisions on the rows, the leaders' notes and forms."""
    back = reverse("demands:detail", args=[demand.pk])
    may_lead = permissions.can_lead(user, demand)
    linked = getattr(user, "role", None) in TASK_PAGE_ROLES
    for task in tasks:
        task.task_url = reverse("demands:task_detail", args=[task.pk]) if linked else None  # type: ignore[attr-defined]
        task.may_urge = may_lead and task.status in OPEN_TASK  # type: ignore[attr-defined]
    _decisions(user, demand, tasks, back)
    return {
        "leader_notes": notes_of(user, demand=demand),
        "may_lead": may_lead,
        "may_instruct": may_lead and demand.status in OPEN_DEMAND,
        "instruct_form": InstructionForm(auto_id="id_instruct_%s"),
        "back_url": back,
    }


def task_page(user: Any, task: Task) -> dict[str, Any]:
    """The task page's additions: the notes on the task and, for a leader, the 批示 and 催办 forms."""
    may_lead = permissions.can_lead(user, task.demand)
    is_open = task.status in OPEN_TASK
    return {
        "leader_notes": notes_of(user, task=task),
        "may_lead": may_lead,
        "may_instruct": may_lead and is_open,
        "may_urge": may_lead and is_open,
        "instruct_form": InstructionForm(auto_id="id_instruct_%s"),
        "urge_form": UrgeForm(auto_id="id_urge_%s"),
    }
