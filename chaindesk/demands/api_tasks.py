"""A department task in the JSON API (/api/demands/tasks/{task_id}), on the demands router (chaindesk/demands/api.py
imports this module): the task as its page shows it, and every action of the task page through its form and
service: the lead department's handlers 签收, report 进展, 申请延期, 退回 (wrong department) and 申请办结; the chain's
team decides an extension (延期审批) and a completion (确认办结 or 退回重办); the chain's leaders write a 批示 and
催办 the department.

The task page's readers are officials and department handlers (403 for enterprise users and the administrators);
404 for a task missing or out of scope alike; 403 for a reader the action is not for; 409 when the task is no longer
in the `expected_status` the caller saw (or someone else moved it first); 422 with the Chinese messages for bad input
or a move its state does not allow."""

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from chaindesk.accounts.choices import OFFICIALS, Role
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.visibility import get_visible_or_404

from . import permissions, services, services_leaders
from .api import WRITE, cleaned, note_rows, router
from .choices import OPEN_TASK, TaskStatus
from .forms import (
    CompletionDecisionForm,
    CompletionForm,
    ExpectedStatusForm,
    ExtensionDecisionForm,
    ExtensionForm,
    ProgressForm,
    ReturnForm,
)
from .forms_leaders import InstructionForm, UrgeForm
from .models import Task
from .schemas import (
    CompletionDecisionIn,
    CompletionIn,
    ExtensionDecisionIn,
    ExtensionIn,
    InstructIn,
    ProgressIn,
    ReturnIn,
    TaskActionIn,
    TaskDetailOut,
    UrgeIn,
)
from .selectors_team import notes_of

TASK_READERS = frozenset(OFFICIALS | {Role.DEPT_HANDLER})
ACTED = {200: TaskDetailOut, **WRITE}
# What the task page offers by status (views_queues.HANDLER_ACTIONS, TEAM_ACTIONS), by this API's action names.
HANDLER_ACTIONS: dict[str, tuple[str, ...]] = {
    TaskStatus.PENDING: ("sign", "return"),
    TaskStatus.IN_PROGRESS: ("progress", "extension", "completion", "return"),
    TaskStatus.EXTENSION_REQUESTED: ("progress",),
    TaskStatus.COMPLETION_REQUESTED: ("progress",),
}
TEAM_ACTIONS: dict[str, tuple[str, ...]] = {
    TaskStatus.EXTENSION_REQUESTED: ("extension/decide",),
    TaskStatus.COMPLETION_REQUESTED: ("completion/decide",),
}


def _task(request: HttpRequest, task_id: int) -> Task:
    """The task from the reader's visible set (404 otherwise), for a role the task page lets in (403 otherwise)."""
    if getattr(request.user, "role", None) not in TASK_READERS:
        raise PermissionDenied
    qs = Task.objects.visible_to(request.user).select_related(
        "demand", "demand__enterprise", "demand__chain", "lead_department", "handler", "assigned_by"
    )
    return get_visible_or_404(qs, task_id, user=request.user)


def _allowed(user: Any, task: Task) -> list[str]:
    may_manage = getattr(user, "role", None) in permissions.TEAM_ROLES and permissions.can_manage_task(user, task)
    actions = list(HANDLER_ACTIONS.get(task.status, ()) if permissions.can_handle(user, task) else ())
    actions += TEAM_ACTIONS.get(task.status, ()) if may_manage else ()
    if task.status in OPEN_TASK and permissions.can_lead(user, task.demand):
        actions += ["instruct", "urge"]
    return actions


def task_detail(request: HttpRequest, task_id: int, *, warning: str = "") -> Task:
    """The task as its page shows it: its history, the leaders' notes on it and what the reader may do now."""
    task = _task(request, task_id)
    task.update_rows = [  # type: ignore[attr-defined]
        {
            "kind": u.kind,
            "kind_label": str(u.get_kind_display()),
            "note": u.note,
            "extra_days": u.extra_days,
            "actor": str(u.actor),
            "created_at": u.created_at,
        }
        for u in task.updates.select_related("actor").order_by("created_at", "pk")
    ]
    task.note_rows = note_rows(notes_of(request.user, task=task))  # type: ignore[attr-defined]
    task.allowed = _allowed(request.user, task)  # type: ignore[attr-defined]
    task.warning = warning  # type: ignore[attr-defined]
    return task


@router.get("/tasks/{task_id}", response={200: TaskDetailOut, 403: WRITE[403], 404: WRITE[404]})
def get_demand_task(request: HttpRequest, task_id: int) -> Any:
    """One task as its page shows it (officials and department handlers who see it)."""
    return 200, task_detail(request, task_id)


# --- the task page's actions ----------------------------------------------------------------------------------

Run = Callable[[Task, Any, dict[str, Any]], Any]


def _handler(user: Any, task: Task) -> None:
    if not permissions.can_handle(user, task):
        raise PermissionDenied(_("您无权办理该任务：只有主办部门的经办人可以操作。"))


def _manager(user: Any, task: Task) -> None:
    if not permissions.can_manage_task(user, task):
        raise PermissionDenied(_("您无权审批该任务：只有该产业链的服务团队可以审批。"))


def _act(
    request: AuthedRequest,
    task_id: int,
    payload: TaskActionIn,
    check: Callable[[Any, Task], None],
    form_class: type[ExpectedStatusForm],
    data: Mapping[str, Any],
    run: Run,
) -> Any:
    """One action, as the task page runs it: who may (403), the form (422), the status the caller saw (409),
    then the service; the answer is the task as it now stands."""
    task = _task(request, task_id)
    check(request.user, task)
    expected = payload.expected_status.value if payload.expected_status is not None else task.status
    fields = cleaned(form_class({"expected_status": expected, **data}))
    if task.status != expected:
        raise InvalidTransition(
            _("任务当前状态为“%(now)s”，已不是页面显示的“%(then)s”，操作未执行。请查看最新情况后再操作。")
            % {"now": task.get_status_display(), "then": TaskStatus(expected).label}
        )
    run(task, request.user, fields)
    return 200, task_detail(request, task.pk)


@router.post("/tasks/{task_id}/sign", response=ACTED)
def sign_task(request: AuthedRequest, task_id: int, payload: TaskActionIn) -> Any:
    """签收 (the lead department's handlers): 待签收 → 办理中; the signer becomes its handler."""
    return _act(
        request, task_id, payload, _handler, ExpectedStatusForm, {}, lambda t, a, d: services.task_sign(task=t, actor=a)
    )


@router.post("/tasks/{task_id}/progress", response=ACTED)
def report_task_progress(request: AuthedRequest, task_id: int, payload: ProgressIn) -> Any:
    """办理进展 (the handlers), while the task is being worked on."""

    def run(task: Task, actor: Any, data: dict[str, Any]) -> Any:
        return services.task_progress(task=task, actor=actor, note=data["note"])

    return _act(request, task_id, payload, _handler, ProgressForm, {"note": payload.note}, run)


@router.post("/tasks/{task_id}/extension", response=ACTED)
def request_task_extension(request: AuthedRequest, task_id: int, payload: ExtensionIn) -> Any:
    """申请延期 (the handlers): 办理中 → 延期申请中, with the working days asked for and the reason."""

    def run(task: Task, actor: Any, data: dict[str, Any]) -> Any:
        return services.task_request_extension(
            task=task, actor=actor, extra_days=data["extra_days"], reason=data["reason"]
        )

    data = {"extra_days": str(payload.extra_days), "reason": payload.reason}
    return _act(request, task_id, payload, _handler, ExtensionForm, data, run)


@router.post("/tasks/{task_id}/return", response=ACTED)
def return_task(request: AuthedRequest, task_id: int, payload: ReturnIn) -> Any:
    """退回 (the handlers, confirming their department is not the right one): the team assigns it again."""

    def run(task: Task, actor: Any, data: dict[str, Any]) -> Any:
        return services.task_return(task=task, actor=actor, reason=data["reason"])

    data = {"reason": payload.reason, "confirm": "on" if payload.confirm else ""}
    return _act(request, task_id, payload, _handler, ReturnForm, data, run)


@router.post("/tasks/{task_id}/completion", response=ACTED)
def request_task_completion(request: AuthedRequest, task_id: int, payload: CompletionIn) -> Any:
    """申请办结 (the handlers) with the result: the team decides."""

    def run(task: Task, actor: Any, data: dict[str, Any]) -> Any:
        return services.task_request_completion(task=task, actor=actor, result=data["result"])

    return _act(request, task_id, payload, _handler, CompletionForm, {"result": payload.result}, run)


@router.post("/tasks/{task_id}/extension/decide", response=ACTED)
def decide_task_extension(request: AuthedRequest, task_id: int, payload: ExtensionDecisionIn) -> Any:
    """延期审批 (the team of the demand's chains): approve (the deadline moves by the days asked) or refuse."""

    def run(task: Task, actor: Any, data: dict[str, Any]) -> Any:
        return services.task_decide_extension(task=task, actor=actor, approve=data["approve"], note=data["note"])

    data = {"approve": "1" if payload.approve else "0", "note": payload.note}
    return _act(request, task_id, payload, _manager, ExtensionDecisionForm, data, run)


@router.post("/tasks/{task_id}/completion/decide", response=ACTED)
def decide_task_completion(request: AuthedRequest, task_id: int, payload: CompletionDecisionIn) -> Any:
    """办结确认 (the team): accept the result (已办结; the last one moves the demand to 待企业确认) or send it back
    (退回重办, with the reason)."""

    def run(task: Task, actor: Any, data: dict[str, Any]) -> Any:
        if data["accept"]:
            return services.task_accept_completion(task=task, actor=actor, note=data["note"])
        return services.task_reject_completion(task=task, actor=actor, note=data["note"])

    data = {"accept": "1" if payload.accept else "0", "note": payload.note}
    return _act(request, task_id, payload, _manager, CompletionDecisionForm, data, run)


def _leader_task(request: HttpRequest, task_id: int) -> Task:
    """The task, for a leader of its demand's chains (403 for anyone else who sees it)."""
    if getattr(request.user, "role", None) not in permissions.TEAM_ROLES:
        raise PermissionDenied
    task = _task(request, task_id)
    if not permissions.can_lead(request.user, task.demand):
        raise PermissionDenied(_("您无权批示或催办：只有该产业链的链长、召集人和牵头部门负责人可以操作。"))
    return task


@router.post("/tasks/{task_id}/instruct", response=ACTED)
def instruct_task(request: AuthedRequest, task_id: int, payload: InstructIn) -> Any:
    """领导批示 on a task still being worked on: its lead department is told."""
    task = _leader_task(request, task_id)
    data = cleaned(InstructionForm({"text": payload.text}))
    services_leaders.leader_instruct(task=task, actor=request.user, text=data["text"])
    return 200, task_detail(request, task.pk)


@router.post("/tasks/{task_id}/urge", response=ACTED)
def urge_task(request: AuthedRequest, task_id: int, payload: UrgeIn) -> Any:
    """催办 the task's lead department (once a day per task): its handlers and head are told."""
    task = _leader_task(request, task_id)
    data = cleaned(UrgeForm({"note": payload.note}))
    services_leaders.leader_urge(task=task, actor=request.user, note=data["note"])
    return 200, task_detail(request, task.pk)
