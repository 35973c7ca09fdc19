"""The service team's pages: the 待我处理 queue (what waits on the team) and its 工作台 card, and the leaders'
acts (批示 on a demand or a task, 催办 on a task) posted from the demand page, the task page and the 督办 queue.

The leaders' POSTs go through chaindesk/demands/services_leaders.py; a refusal re-renders the page the form was
on with the message and what was typed (400), a user who may not lead gets the 403 page."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core import clock
from chaindesk.core.errors import add_service_errors
from chaindesk.core.listing import paginate
from chaindesk.core.pages import crumbs
from chaindesk.core.permissions import role_required
from chaindesk.core.visibility import get_visible_or_404

from . import permissions, services_leaders, views, views_queues
from . import selectors_queues as sq
from . import selectors_team as st
from .forms_leaders import InstructionForm, UrgeForm
from .models import Task
from .selectors import STATUS_COLOUR, base_queryset


def _decorate(rows: list[Any], of_tasks: bool) -> list[Any]:
    today = clock.today()
    if of_tasks:
        sq.decorate_tasks(rows, today)
    for row in rows:
        row.waited = st.waited_days(row.waiting_since, today)
        if not of_tasks:
            row.status_colour = STATUS_COLOUR.get(row.status, "grey")
    return rows


@role_required(*permissions.TEAM_ROLES)
def team_queue(request: HttpRequest) -> HttpResponse:
    """待我处理: completion and extension requests, returned tasks, demands waiting for information or for the
    enterprise's confirmation, within the reader's chains, one section at a time (?show=), the longest waiting
    first, 50 a page. The section's total is its count above (one COUNT less); then the page's rows."""
    section = st.section_of(request.GET.get("show"))
    counts = st.queue_counts(request.user)
    page_obj = paginate(st.queue_rows(request.user, section), request.GET.get("page"), count=counts[section.key])
    rows = _decorate(list(page_obj.object_list), section.of_tasks)
    return render(
        request,
        "demands/team_queue.html",
        {
            "page_obj": page_obj,
            "rows": rows,
            "section": section,
            "sections": [(s, counts[s.key]) for s in st.SECTIONS],
            "total": sum(counts.values()),
            "status_colours": sq.TASK_STATUS_COLOURS,
            "escalation_colours": sq.ESCALATION_COLOURS,
            "page_title": _("待我处理"),
            "breadcrumbs": crumbs(_("诉求与任务"), "demands:list", (_("待我处理"), None)),
        },
    )


@role_required(*permissions.TEAM_ROLES)
def card_team_queue(request: HttpRequest) -> HttpResponse:
    """The 工作台 card: the count of each section, each linking to it."""
    counts = st.queue_counts(request.user)
    context = {"sections": [(s, counts[s.key]) for s in st.SECTIONS], "total": sum(counts.values())}
    context["queue_url"] = reverse("demands:team_queue")
    return views_queues._card(request, "team_queue_card.html", _("待我处理"), context)


# --- the leaders' acts ---------------------------------------------------------------------------------------


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _errors(form: forms.Form) -> str:
    return "；".join(str(e) for errs in form.errors.values() for e in errs)


def _refusal(form: forms.Form, error: ValidationError, field: str) -> str:
    """The service's refusal on the form (by its field), and all the form's errors in one line."""
    add_service_errors(form, error, field)
    return _errors(form)


@require_POST
@role_required(*permissions.TEAM_ROLES)
def demand_instruct(request: AuthedRequest, pk: int) -> HttpResponse:
    """POST: a 批示 on the demand."""
    demand = get_visible_or_404(base_queryset(request.user), pk, user=request.user)
    if not permissions.can_lead(request.user, demand):
        raise PermissionDenied
    form = InstructionForm(request.POST, auto_id="id_instruct_%s")
    if form.is_valid():
        try:
            services_leaders.leader_instruct(demand=demand, actor=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            message = _refusal(form, error, "text")
        else:
            messages.success(request, _("批示已记录，并已通知服务团队和办理部门。"))
            return redirect(reverse("demands:detail", args=[pk]) + "#leader-notes")
    else:
        message = _errors(form)
    context = views._detail_context(request, demand, instruct_form=form, action_error=message)
    return render(request, "demands/detail.html", context, status=400)


Act = Callable[[Task, dict[str, Any]], str]


def _task_act(
    request: AuthedRequest, pk: int, form_class: type[forms.Form], name: str, field: str, act: Act
) -> HttpResponse:
    """A leader's act on a task (`name`: instruct, urge): `act` runs the service on the cleaned form and returns
    where to go next; a refusal (on `field`) or a bad form re-renders the page it came from (the demand page,
    else the task page) with the message, and the task page with the form as typed."""
    task = views_queues._visible_task(request, pk)
    if not permissions.can_lead(request.user, task.demand):
        raise PermissionDenied
    form = form_class(request.POST, auto_id=f"id_{name}_%s")
    if form.is_valid():
        try:
            return redirect(act(task, form.cleaned_data))
        except ValidationError as error:
            message = _refusal(form, error, field)
    else:
        message = _errors(form)
    back = views.task_refusal(request, task, message, form=form)  # posted from the demand page: back there
    if back is not None:
        return back
    context = views_queues._detail_context(request, task, **{f"{name}_form": form, "action_errors": [message]})
    return render(request, "demands/queues_task_detail.html", context, status=400)


@require_POST
@role_required(*permissions.TEAM_ROLES)
def task_instruct(request: AuthedRequest, pk: int) -> HttpResponse:
    """POST: a 批示 on the task (to its lead department)."""

    def act(task: Task, data: dict[str, Any]) -> str:
        services_leaders.leader_instruct(task=task, actor=request.user, text=data["text"])
        messages.success(request, _("批示已记录，并已通知主办部门。"))
        return reverse("demands:task_detail", args=[pk]) + "#leader-notes"

    return _task_act(request, pk, InstructionForm, "instruct", "text", act)


@require_POST
@role_required(*permissions.TEAM_ROLES)
def task_urge(request: AuthedRequest, pk: int) -> HttpResponse:
    """POST: 催办 the task's lead department; back to the page it came from (`next`: the demand page, the
    督办 queue)."""

    def act(task: Task, data: dict[str, Any]) -> str:
        services_leaders.leader_urge(task=task, actor=request.user, note=data["note"])
        department = task.lead_department.short_name
        messages.success(request, _("已催办%(department)s，并已通知其经办人和负责人。") % {"department": department})
        return _safe_next(request, reverse("demands:task_detail", args=[pk]) + "#leader-notes")

    return _task_act(request, pk, UrgeForm, "urge", "note", act)
