"""Meeting pages: the list, the meeting page with its decisions (议定事项), and the team's pages to record,
correct, delete a decision and carry one to its end (an enterprise's 诉求, or a 交办事项 for its departments).
Lookups go through the user's visible set (404 for missing and forbidden alike); writes go through
chaindesk.meetings.services."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chaindesk.accounts.choices import OFFICIALS
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core import clock
from chaindesk.core.errors import service_errors, service_messages
from chaindesk.core.pages import Crumb, Section, form_page
from chaindesk.core.permissions import role_required
from chaindesk.core.visibility import get_visible_or_404

from . import permissions, services
from .extensions import meeting_sources
from .forms import DecisionForm, ToDemandForm
from .models import Decision, Meeting
from .resources import MEETINGS, decision_columns
from .selectors import list_choices
from .selectors import meeting_list as meeting_list_of
from .selectors_decisions import decision_rows

MEETING_PAGES = Section(gettext_lazy("会议"), "meetings:list", "meetings:detail", "meeting", name_attr="title")


@role_required(*MEETINGS.roles)
def meeting_list(request: AuthedRequest) -> HttpResponse:
    """The meetings the user may see, newest first (filters and columns: resources.MEETINGS)."""
    qs, sort = meeting_list_of(request.user, MEETINGS.parse(request.GET), request.GET.get("sort", ""))
    choices = list_choices(request.user)  # the chain filter's options and 新建会议 (one query)
    return MEETINGS.render(
        request, "meetings/list.html", qs, sort, title=_("会议"), choices=choices, may_create=choices.may_create
    )


def _meeting(request: AuthedRequest, pk: int) -> Meeting:
    return get_visible_or_404(
        Meeting.objects.visible_to(request.user).select_related("chain", "leader", "chair", "region"),
        pk,
        user=request.user,
    )


def _decision(request: AuthedRequest, pk: int) -> Decision:
    """A decision of a meeting the user sees (404 otherwise), for the team of its chain only (403 otherwise)."""
    decision = get_visible_or_404(
        Decision.objects.visible_to(request.user).select_related(
            "meeting__chain", "meeting__region", "enterprise", "demand"
        ),
        pk,
        user=request.user,
    )
    if not permissions.can_manage_decisions(request.user, decision.meeting):
        raise PermissionDenied
    return decision


def _decision_rows(user: Any, meeting: Meeting) -> list[Decision]:
    """The meeting's decisions with their departments, deadline, status and carrying demand (three queries at
    most: chaindesk/meetings/selectors_decisions.py)."""
    return decision_rows(user, meeting, clock.today())


def _detail(request: AuthedRequest, meeting: Meeting, form: DecisionForm | None = None, status: int = 200) -> Any:
    may_manage = permissions.can_manage_decisions(request.user, meeting)
    if may_manage and form is None:
        form = DecisionForm(meeting=meeting)
    return render(
        request,
        "meetings/detail.html",
        {
            "meeting": meeting,
            "attendees": meeting.attendees.select_related("department", "region"),
            "decisions": _decision_rows(request.user, meeting),
            "sources": meeting_sources(meeting, request.user),
            "decision_columns": decision_columns(may_manage),
            "may_manage": may_manage,
            "decision_form": form if may_manage else None,
            "page_title": meeting.title,
            "breadcrumbs": MEETING_PAGES.crumbs((meeting.title, None)),
        },
        status=status,
    )


@role_required(*OFFICIALS)
def meeting_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _detail(request, _meeting(request, pk))


def _anchor(decision: Decision) -> str:
    return reverse("meetings:detail", args=[decision.meeting_id]) + f"#decision-{decision.seq}"


def _decision_fields(data: dict[str, Any]) -> dict[str, Any]:
    """What the decision form gives the services: the text, the enterprise, the responsible departments (the
    lead among them) and the working days."""
    return {key: data[key] for key in ("content", "enterprise", "departments", "lead", "working_days")}


@require_POST
@role_required(*OFFICIALS)
def decision_add(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    if not permissions.can_manage_decisions(request.user, meeting):
        raise PermissionDenied
    form = DecisionForm(request.POST, meeting=meeting)
    if form.is_valid():
        with service_errors(form):
            decision = services.decision_add(actor=request.user, meeting=meeting, **_decision_fields(form.cleaned_data))
            messages.success(request, _("已添加议定事项 %(seq)s。") % {"seq": decision.seq})
            return redirect(_anchor(decision))
    return _detail(request, meeting, form=form, status=400)


def _decision_crumbs(decision: Decision, label: str) -> list[Crumb]:
    return MEETING_PAGES.object_crumbs(decision.meeting, (label, None))


def _decision_page(
    request: AuthedRequest, template: str, form: Any, decision: Decision, title: str, **extra: Any
) -> HttpResponse:
    """A form about one decision, below its meeting's page."""
    context = {
        "form": form,
        "decision": decision,
        "page_title": title,
        "breadcrumbs": _decision_crumbs(decision, title),
        **extra,
    }
    return form_page(request, template, context)


@role_required(*OFFICIALS)
def decision_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    decision = _decision(request, pk)
    form = DecisionForm.for_decision(decision, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            services.decision_update(actor=request.user, decision=decision, **_decision_fields(form.cleaned_data))
            messages.success(request, _("已保存议定事项 %(seq)s。") % {"seq": decision.seq})
            return redirect(_anchor(decision))
    return _decision_page(
        request, "meetings/decision_form.html", form, decision, _("修改议定事项 %(seq)s") % {"seq": decision.seq}
    )


@role_required(*OFFICIALS)
def decision_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    """GET: the confirmation page; POST: delete."""
    decision = _decision(request, pk)
    meeting_url = reverse("meetings:detail", args=[decision.meeting_id])
    if request.method == "POST":
        with service_messages(request):
            services.decision_delete(actor=request.user, decision=decision)
            messages.success(request, _("已删除议定事项 %(seq)s。") % {"seq": decision.seq})
            return redirect(meeting_url + "#decisions")
        return redirect(_anchor(decision))
    title = _("删除议定事项 %(seq)s") % {"seq": decision.seq}
    return render(
        request,
        "meetings/decision_delete.html",
        {"decision": decision, "page_title": title, "breadcrumbs": _decision_crumbs(decision, title)},
    )


@role_required(*OFFICIALS)
def decision_to_demand(request: AuthedRequest, pk: int) -> HttpResponse:
    """The demand a decision becomes: for a decision about an enterprise, its 诉求, prefilled from the decision;
    for any other, its 交办事项 (`_assign`: the responsible departments' tasks). On success the demand's page."""
    decision = _decision(request, pk)
    if decision.demand_id is not None:
        messages.info(request, _("该议定事项已转为诉求。") if decision.enterprise_id else _("该议定事项已交办。"))
        return redirect("demands:detail", decision.demand_id)
    if decision.enterprise is None:
        return _assign(request, decision)
    form = ToDemandForm(request.POST or None, decision=decision)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_errors(form):
            demand = services.decision_to_demand(
                actor=request.user,
                decision=decision,
                title=data["title"].strip(),
                description=data["description"].strip(),
                category=data["category"],
                urgency=data["urgency"],
                project=data["project"],
            )
            messages.success(
                request,
                _("议定事项 %(seq)s 已转为诉求“%(title)s”，请受理后交办相关部门。")
                % {"seq": decision.seq, "title": demand.title},
            )
            return redirect("demands:detail", demand.pk)
    return _decision_page(
        request,
        "meetings/decision_to_demand.html",
        form,
        decision,
        _("议定事项 %(seq)s 转为诉求") % {"seq": decision.seq},
        responsible=list(decision.responsible.select_related("department")),  # the lead first (one query)
    )


def _assign(request: AuthedRequest, decision: Decision) -> HttpResponse:
    """交办 a decision that is not about one enterprise to its responsible departments. GET: what will be
    assigned (the departments, the deadline), to confirm; POST: assign, then the 交办事项's page. Without a
    department or working days: to the decision's form, saying what is missing."""
    departments = services.responsible_departments(decision)
    if not departments or decision.working_days is None:
        messages.warning(request, _("请先指定至少一个责任部门并填写办理时限，再交办。"))
        return redirect("meetings:decision_edit", decision.pk)
    if request.method == "POST":
        with service_messages(request):
            demand = services.decision_assign(actor=request.user, decision=decision)
            messages.success(
                request,
                _("议定事项 %(seq)s 已交办，已向 %(n)s 个责任部门各生成一项任务。")
                % {"seq": decision.seq, "n": len(departments)},
            )
            return redirect("demands:detail", demand.pk)
        return redirect(_anchor(decision))
    title = _("交办议定事项 %(seq)s") % {"seq": decision.seq}
    context = {
        "decision": decision,
        "departments": departments,
        "page_title": title,
        "breadcrumbs": _decision_crumbs(decision, title),
    }
    return render(request, "meetings/decision_assign.html", context)
