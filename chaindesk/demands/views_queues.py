"""Work queues: a department's task queue and task page (签收, 进展, 申请延期, 退回, 申请办结 and the team's
decisions), the chain chief's 督办 queue, and the 工作台 cards each role loads with htmx."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chaindesk.accounts.choices import OFFICIALS, Role
from chaindesk.chains.models import Chain
from chaindesk.core import clock
from chaindesk.core.errors import refusal_page, service_errors
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.listing import PAGE_SIZE, paginate
from chaindesk.core.pages import crumbs, is_htmx
from chaindesk.core.permissions import role_required
from chaindesk.core.visibility import get_visible_or_404

from . import panels_team, permissions, services, views
from . import selectors_queues as sq
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
from .metrics import backlog_of, triage_backlog
from .models import Task
from .resources_tasks import TASKS, readable_rows
from .resources_tasks import page_columns as task_columns
from .selectors_team import with_leader_marks

TASK_READERS = frozenset(OFFICIALS | {Role.DEPT_HANDLER})
TEAM = (Role.CITY_LEADER, Role.TEAM_MEMBER)


def _optional_url(name: str, *args: Any) -> str | None:
    """Another engineer's page, looked up at call time so that a missing URL breaks nothing here."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


@dataclass(frozen=True)
class Action:
    form: type[ExpectedStatusForm]
    allowed: Callable[[Any, Task], bool]
    run: Callable[[Task, Any, dict[str, Any]], Any]
    done: Any  # success message (lazy)
    anchor: str


def _decide_extension(task: Task, actor: Any, data: dict[str, Any]) -> Any:
    return services.task_decide_extension(task=task, actor=actor, approve=data["approve"], note=data["note"])


def _decide_completion(task: Task, actor: Any, data: dict[str, Any]) -> Any:
    if data["accept"]:
        return services.task_accept_completion(task=task, actor=actor, note=data["note"])
    return services.task_reject_completion(task=task, actor=actor, note=data["note"])


ACTIONS: dict[str, Action] = {
    "sign": Action(
        ExpectedStatusForm,
        permissions.can_handle,
        lambda t, a, d: services.task_sign(task=t, actor=a),
        gettext_lazy("已签收，任务进入办理。"),
        "actions",
    ),
    "progress": Action(
        ProgressForm,
        permissions.can_handle,
        lambda t, a, d: services.task_progress(task=t, actor=a, note=d["note"]),
        gettext_lazy("办理进展已记录。"),
        "updates",
    ),
    "extension": Action(
        ExtensionForm,
        permissions.can_handle,
        lambda t, a, d: services.task_request_extension(
            task=t, actor=a, extra_days=d["extra_days"], reason=d["reason"]
        ),
        gettext_lazy("延期申请已提交，等待服务团队审批。"),
        "updates",
    ),
    "return": Action(
        ReturnForm,
        permissions.can_handle,
        lambda t, a, d: services.task_return(task=t, actor=a, reason=d["reason"]),
        gettext_lazy("任务已退回服务团队。"),
        "updates",
    ),
    "completion": Action(
        CompletionForm,
        permissions.can_handle,
        lambda t, a, d: services.task_request_completion(task=t, actor=a, result=d["result"]),
        gettext_lazy("办结申请已提交，等待服务团队确认。"),
        "updates",
    ),
    "decide_extension": Action(
        ExtensionDecisionForm,
        permissions.can_manage_task,
        _decide_extension,
        gettext_lazy("延期申请已审批。"),
        "updates",
    ),
    "decide_completion": Action(
        CompletionDecisionForm,
        permissions.can_manage_task,
        _decide_completion,
        gettext_lazy("办结申请已处理。"),
        "updates",
    ),
}

# Which handler actions each status offers (the services refuse the rest anyway).
HANDLER_ACTIONS: dict[str, tuple[str, ...]] = {
    TaskStatus.PENDING: ("sign", "return"),
    TaskStatus.IN_PROGRESS: ("progress", "extension", "completion", "return"),
    TaskStatus.EXTENSION_REQUESTED: ("progress",),
    TaskStatus.COMPLETION_REQUESTED: ("progress",),
}
TEAM_ACTIONS: dict[str, tuple[str, ...]] = {
    TaskStatus.EXTENSION_REQUESTED: ("decide_extension",),
    TaskStatus.COMPLETION_REQUESTED: ("decide_completion",),
}


def _visible_task(request: HttpRequest, pk: int) -> Task:
    qs = Task.objects.visible_to(request.user).select_related(
        "demand",
        "demand__enterprise",
        "demand__category",
        "demand__chain",
        "lead_department",
        "handler",
        "assigned_by",
    )
    return get_visible_or_404(qs, pk, user=request.user)


def _latest_extension(updates: list[Any]) -> Any:
    for update in reversed(updates):
        if update.kind == "extension":
            return update
    return None


def _detail_context(request: HttpRequest, task: Task, **extra: Any) -> dict[str, Any]:
    today = clock.today()
    sq.decorate_tasks([task], today)
    updates = list(task.updates.select_related("actor"))
    may_handle = permissions.can_handle(request.user, task)
    may_manage = getattr(request.user, "role", "") in TEAM and permissions.can_manage_task(request.user, task)
    offered = set(HANDLER_ACTIONS.get(task.status, ()) if may_handle else ())
    offered |= set(TEAM_ACTIONS.get(task.status, ()) if may_manage else ())
    initial = {"expected_status": task.status}
    forms_by_name = {name: ACTIONS[name].form(initial=initial) for name in offered}
    bound = extra.pop("bound", None)
    if bound is not None:
        forms_by_name[bound[0]] = bound[1]
    context: dict[str, Any] = {
        "task": task,
        "demand": task.demand,
        "co_departments": list(task.co_departments.all()),
        "updates": updates,
        "pending_extension": _latest_extension(updates) if task.status == TaskStatus.EXTENSION_REQUESTED else None,
        "forms": forms_by_name,
        "may_handle": may_handle,
        "may_manage": may_manage,
        "is_open": task.status in OPEN_TASK,
        "demand_url": _optional_url("demands:detail", task.demand_id),
        "status_colours": sq.TASK_STATUS_COLOURS,
        "escalation_colours": sq.ESCALATION_COLOURS,
        "today": today,
        "page_title": task.demand.title,
        "breadcrumbs": crumbs(
            _("诉求与任务"),
            "demands:list",
            (_("任务"), reverse("demands:tasks") if getattr(request.user, "role", "") == Role.DEPT_HANDLER else None),
            (task.demand.title, None),
        ),
        **panels_team.task_page(request.user, task),  # the leaders' 批示 and 催办
    }
    context.update(extra)
    return context


@role_required(*TASK_READERS)
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request, pk)
    # ?act=<action> opens that action's form (the queue's row buttons link here)
    context = _detail_context(request, task, open_act=request.GET.get("act", ""))
    return render(request, "demands/queues_task_detail.html", context)


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return None


def _conflict(request: HttpRequest, error: InvalidTransition, pk: int, name: str = "") -> HttpResponse:
    """409: the task moved on since the page was shown; the page it was posted from (the task page, or the
    demand page for the team's decisions there) shows its current state and why."""
    task = _visible_task(request, pk)
    back = views.task_refusal(request, task, str(error), status=409)
    if back is not None:
        return back
    return render(
        request, "demands/queues_task_detail.html", _detail_context(request, task, conflict=str(error)), status=409
    )


def _refused(request: HttpRequest, task: Task, name: str, form: forms.Form) -> HttpResponse:
    """400 on the page the form was posted from, with the form as typed and its errors."""
    message = "；".join(str(e) for errors in form.errors.values() for e in errors)
    back = views.task_refusal(request, task, message, form=form)
    if back is not None:
        return back
    context = _detail_context(request, task, bound=(name, form), action_errors=form.non_field_errors())
    return render(request, "demands/queues_task_detail.html", context, status=400)


@refusal_page(_conflict)
def _run_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    action = ACTIONS[name]
    task = _visible_task(request, pk)
    if not action.allowed(request.user, task):
        raise PermissionDenied
    form = action.form(request.POST)
    if not form.is_valid():
        if "expected_status" in form.errors:
            form.add_error(None, _("请求不完整，请刷新页面后重试。"))
        return _refused(request, task, name, form)
    expected = form.cleaned_data["expected_status"]
    if task.status != expected:
        raise InvalidTransition(
            _("任务当前状态为“%(now)s”，已不是页面显示的“%(then)s”，操作未执行。请查看最新情况后再操作。")
            % {"now": task.get_status_display(), "then": TaskStatus(expected).label}
        )
    with service_errors(form):
        action.run(task, request.user, form.cleaned_data)
        messages.success(request, str(action.done))
        return redirect(_safe_next(request) or reverse("demands:task_detail", args=[pk]) + f"#{action.anchor}")
    return _refused(request, task, name, form)


def _action_view(name: str) -> Callable[..., HttpResponse]:
    @require_POST
    @role_required(*TASK_READERS)
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return _run_action(request, pk, name)

    view.__name__ = f"task_{name}"
    view.__doc__ = f"POST: the task action {name!r} through the core service, with the expected status."
    return view


task_sign = _action_view("sign")
task_progress = _action_view("progress")
task_extension = _action_view("extension")
task_return = _action_view("return")
task_completion = _action_view("completion")
decide_extension = _action_view("decide_extension")
decide_completion = _action_view("decide_completion")


@role_required(*TASKS.roles)
def tasks(request: HttpRequest) -> HttpResponse:
    """本部门任务: the department's 主办 or 协办 tasks, overdue first, 50 a page (filters and columns: TASKS). Three
    queries besides the session's: the tabs' counts, the list's count (none on a tab's default view: its badge
    is that count) and the page's rows. TASKS.render would count the list again, so the page is put together
    here."""
    today = clock.today()
    qs, queue = sq.department_tasks(request.user, TASKS.parse(request.GET), today)
    queue["side_counts"] = sq.side_counts(request.user)
    paginator = Paginator(qs, PAGE_SIZE)
    known = sq.counted_by_badge(queue, queue["side_counts"])
    if known is not None:
        paginator.count = known  # the cached property, set: no COUNT query
    page_obj = paginator.get_page(request.GET.get("page"))
    title = _("本部门任务")
    context = TASKS.context(
        request,
        page_obj=page_obj,
        sort="",
        rows=list(readable_rows(page_obj.object_list, request.user)),
        title=title,
        columns=task_columns(queue["side"]),
        queue=queue,
        status_colours=sq.TASK_STATUS_COLOURS,
        escalation_colours=sq.ESCALATION_COLOURS,
        handler_actions=HANDLER_ACTIONS,
        department=request.user.department,  # type: ignore[union-attr]
        today=today,
        breadcrumbs=crumbs(_("诉求与任务"), "demands:list", (title, None)),
    )
    return render(request, "demands/queues_tasks.html", context)


@role_required(*TASKS.roles)
def tasks_export(request: HttpRequest) -> HttpResponse:
    """Exactly the filtered queue (side, status, escalation) as an .xlsx ledger, capped; audited."""
    qs, _queue = sq.department_tasks(request.user, TASKS.parse(request.GET), clock.today())
    return TASKS.export(request, qs)


@role_required(*TEAM)
def supervision(request: HttpRequest) -> HttpResponse:
    """督办事项: open tasks of the user's chains escalated to 督办 (and, with show=all, the 预警 ones below), of one
    of them with chain=<id> (the 下次会议 card links here so; the chain's name costs a query only then)."""
    today = clock.today()
    qs, filters = sq.supervision_tasks(request.user, request.GET.dict(), today)
    if filters["chain"] is not None:
        filters["chain_name"] = (
            Chain.objects.visible_to(request.user).filter(pk=filters["chain"]).values_list("name", flat=True).first()
        )
    # 催办 from the row where the reader leads the demand's chain (the service checks again, by the enterprise)
    leads = Exists(permissions.leader_chains(request.user).filter(chain_id=OuterRef("demand__chain_id")))
    page_obj = paginate(with_leader_marks(qs).annotate(may_urge=leads), request.GET.get("page"))
    rows = sq.decorate_tasks(list(page_obj.object_list), today)
    for task in rows:
        task.demand_url = _optional_url("demands:detail", task.demand_id)  # type: ignore[attr-defined]
    return render(
        request,
        "demands/queues_supervision.html",
        {
            "page_obj": page_obj,
            "filters": filters,
            "status_colours": sq.TASK_STATUS_COLOURS,
            "escalation_colours": sq.ESCALATION_COLOURS,
            "today": today,
            "page_title": _("督办事项"),
            "breadcrumbs": crumbs(_("诉求与任务"), "demands:list", (_("督办事项"), None)),
        },
    )


# 工作台 cards: a fragment for htmx; without htmx the same card inside a full page.


def _card(request: HttpRequest, template: str, title: str, context: dict[str, Any]) -> HttpResponse:
    context.setdefault("status_colours", sq.TASK_STATUS_COLOURS)
    context.setdefault("escalation_colours", sq.ESCALATION_COLOURS)
    context["demand_colours"] = sq.DEMAND_STATUS_COLOURS
    context["demands_url"] = _optional_url("demands:list")
    for row in context.get("rows", []):
        demand_id = row.demand_id if isinstance(row, Task) else row.pk
        row.demand_url = _optional_url("demands:detail", demand_id)
    if is_htmx(request):
        return render(request, f"demands/partials/{template}", context)
    context.update(
        partial=f"demands/partials/{template}", page_title=title, breadcrumbs=[(_("工作台"), "/"), (title, None)]
    )
    return render(request, "demands/queues_card_page.html", context)


@role_required(Role.CITY_LEADER)
def card_supervision(request: HttpRequest) -> HttpResponse:
    context = sq.supervision_card(request.user)
    sq.decorate_tasks(context["rows"], clock.today())
    context["backlog"] = triage_backlog(request.user, clock.today())  # the chief sees the team's backlog
    context["triage_url"] = _optional_url("demands:triage")
    return _card(request, "queues_card_supervision.html", _("督办事项"), context)


@role_required(Role.TEAM_MEMBER)
def card_triage(request: HttpRequest) -> HttpResponse:
    context = sq.triage_card(request.user)
    context["triage_url"] = _optional_url("demands:triage")
    oldest = context["rows"][0].submitted_at if context["rows"] else None  # the rows are oldest first
    context["backlog"] = backlog_of(context["count"], oldest, clock.today())
    return _card(request, "queues_card_triage.html", _("待受理诉求"), context)


@role_required(Role.DEPT_HANDLER)
def card_department(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    context = sq.department_card(request.user, today)
    sq.decorate_tasks(context["rows"], today)
    return _card(request, "queues_card_department.html", _("本部门待办任务"), context)


@role_required(Role.LIAISON)
def card_liaison(request: HttpRequest) -> HttpResponse:
    return _card(request, "queues_card_liaison.html", _("挂钩企业诉求"), sq.liaison_card(request.user))


@role_required(Role.DISTRICT_ADMIN)
def card_district(request: HttpRequest) -> HttpResponse:
    return _card(request, "queues_card_district.html", _("本地区待办诉求"), sq.district_card(request.user))


@role_required(Role.ENTERPRISE)
def card_enterprise(request: HttpRequest) -> HttpResponse:
    context = sq.enterprise_card(request.user)
    context["submit_url"] = _optional_url("demands:create")
    return _card(request, "queues_card_enterprise.html", _("我的诉求"), context)
