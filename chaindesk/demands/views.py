"""Demand pages: the ledger (台账) with filters and export, the intake form, the demand page with its tasks,
timeline and action panels, the team's triage queue, an attachment download and the enterprise page's 诉求
tab. Lookups go through the user's visible set (404 for missing and forbidden alike); writes go through the
services, each POST carrying the status the page showed (a stale page answers 409)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chaindesk.accounts.choices import ENTERPRISE_VIEWERS, Role
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.accounts.selectors import departments_without_handler
from chaindesk.core import clock
from chaindesk.core.errors import refusal_page, service_errors
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.listing import paginate
from chaindesk.core.pages import crumbs, is_htmx
from chaindesk.core.params import param_id
from chaindesk.core.permissions import role_required
from chaindesk.core.uploads import private_file_response
from chaindesk.core.visibility import get_visible_or_404
from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison.models import VisitIssue

from . import attachments, notices, panels_team, permissions, portal, services
from .choices import OPEN_TASK, DemandStatus, Escalation, Rating, TaskStatus
from .forms import (
    ActionForm,
    ConfirmForm,
    DemandForm,
    MergeForm,
    NoteForm,
    ReasonForm,
    RequestInfoForm,
    SupplyForm,
    TaskForm,
    channel_for,
)
from .models import Attachment, Demand, Task
from .resources import DEMAND_VIEWERS, DEMANDS
from .selectors import (
    STATUS_COLOUR,
    TRIAGE_STATUSES,
    base_queryset,
    demand_list,
    enterprise_demands,
    filter_choices,
    merge_candidates,
    tasks_of,
    timeline,
    triage_count,
    triage_queue,
    waiting_days,
)
from .workdays import CalendarNotCovered, workdays_between

# Who opens the demand pages: officials, the departments (their tasks' demands) and enterprise users.
# District admins see their district's demands but do not record them (permissions.can_submit).
DEMAND_CREATORS: frozenset[str] = frozenset({Role.CITY_LEADER, Role.TEAM_MEMBER, Role.LIAISON, Role.ENTERPRISE})
TRIAGERS: frozenset[str] = frozenset({Role.CITY_LEADER, Role.TEAM_MEMBER})
ESCALATION_COLOUR: dict[str, str] = {
    Escalation.REMINDED: "orange",
    Escalation.WARNED: "orange",
    Escalation.SUPERVISED: "red",
}


def _decorate(rows: list[Demand]) -> list[Demand]:
    for d in rows:
        d.status_colour = STATUS_COLOUR.get(d.status, "grey")  # type: ignore[attr-defined]
    return rows


# --- the ledger and its export ----------------------------------------------------------------------------


@role_required(*DEMANDS.roles)
def demand_list_view(request: AuthedRequest) -> HttpResponse:
    if request.user.role == Role.ENTERPRISE:
        return portal.demand_portal(request)  # their own demands, not the officials' ledger (issue 11, item 13)
    qs, sort = demand_list(request.user, request.GET.dict())
    return DEMANDS.render(
        request,
        "demands/list.html",
        qs,
        sort,
        title=_("诉求台账"),
        choices=filter_choices(request.user),
        decorate=_decorate,
        may_create=request.user.role in DEMAND_CREATORS,  # type: ignore[union-attr]
        may_triage=request.user.role in TRIAGERS,  # type: ignore[union-attr]
        breadcrumbs=[(_("诉求"), None)],
        estimate=True,  # a province chief's ledger holds 1.8M demands: estimated past CHAINDESK_EXACT_COUNT_LIMIT
    )


@role_required(*DEMANDS.roles)
def demand_export(request: AuthedRequest) -> HttpResponse:
    """Exactly the filtered ledger as an .xlsx (every row, streamed); audited. The ledger is the
    officials': an enterprise user is refused (403, audited)."""
    if request.user.role == Role.ENTERPRISE:
        raise PermissionDenied
    qs, _sort = demand_list(request.user, request.GET.dict())
    return DEMANDS.export(request, qs)


# --- intake -----------------------------------------------------------------------------------------------


def _visit_issue(request: AuthedRequest) -> VisitIssue | None:
    """The visit issue a liaison turns into a demand (?visit_issue= on the form's URL, kept on POST)."""
    pk = param_id(request.GET.get("visit_issue"))
    if pk is None:
        return None
    visible = Enterprise.objects.visible_to(request.user).values("pk")
    return VisitIssue.objects.select_related("visit").filter(pk=pk, visit__enterprise__in=visible).first()


@role_required(*DEMAND_CREATORS)
def demand_create(request: AuthedRequest) -> HttpResponse:
    enterprise = param_id(request.GET.get("enterprise"))
    initial: dict[str, Any] = {"enterprise": enterprise} if enterprise is not None else {}
    issue = _visit_issue(request)
    if issue is not None:
        first_line = issue.text.strip().splitlines()[0] if issue.text.strip() else ""
        initial.update(enterprise=issue.visit.enterprise_id, title=first_line[:100], description=issue.text)
    form = DemandForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_errors(form, default_field="attachments", denied=("enterprise", _("您不能为该企业提交诉求。"))):
            demand = services.demand_submit(
                actor=request.user,
                enterprise=data["enterprise"],
                title=data["title"].strip(),
                description=data["description"].strip(),
                category=data["category"],
                urgency=data["urgency"],
                channel=channel_for(request.user),
                project=data["project"],
                visit_issue=issue,
                files=data["attachments"],
            )
            messages.success(
                request, _("诉求“%(title)s”已提交，服务团队受理后将交办相关部门。") % {"title": demand.title}
            )
            return redirect("demands:detail", demand.pk)
    return render(
        request,
        "demands/form.html",
        {
            "form": form,
            "visit_issue": issue,
            "page_title": _("提交诉求"),
            "breadcrumbs": crumbs(_("诉求"), "demands:list", (_("提交诉求"), None)),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- the demand page --------------------------------------------------------------------------------------


def _visible(request: AuthedRequest, pk: int) -> Demand:
    return get_visible_or_404(base_queryset(request.user), pk, user=request.user)


def _task_rows(tasks: list[Task], today: Any) -> list[Task]:
    """Each task with its working days left (negative when overdue) and its escalation colour."""
    for t in tasks:
        left = None
        if t.status in OPEN_TASK:
            try:
                left = workdays_between(today, t.deadline)
            except CalendarNotCovered:
                left = None
        t.days_left = left  # type: ignore[attr-defined]
        t.overdue_days = -left if left is not None and left < 0 else 0  # type: ignore[attr-defined]
        t.escalation_colour = ESCALATION_COLOUR.get(t.escalation, "")  # type: ignore[attr-defined]
    return tasks


def _panels(user: Any, demand: Demand) -> dict[str, bool]:
    status = demand.status
    triage = permissions.can_triage(user, demand)
    return {
        "may_triage": triage and status in TRIAGE_STATUSES,
        "may_request_info": triage and status == DemandStatus.SUBMITTED,
        "may_split": triage and status in (DemandStatus.ACCEPTED, DemandStatus.IN_PROGRESS),
        "may_confirm": status == DemandStatus.AWAITING_CONFIRMATION and permissions.can_confirm(user, demand),
        "may_supply": status == DemandStatus.NEEDS_INFO and permissions.can_supply_info(user, demand),
    }


def _unstaffed(may_split: bool) -> set[int]:
    """The departments the split form marks 「（无经办人）」 (read only when the form is shown)."""
    return departments_without_handler() if may_split else set()


def _done_tasks(demand: Demand, may_confirm: bool) -> Any:
    """The tasks the rating form offers to send back with 不满意 (only when the form is shown)."""
    if not may_confirm:
        return None
    return Task.objects.filter(demand=demand, status=TaskStatus.DONE).select_related("lead_department").order_by("pk")


def _demand_crumbs(user: Any, demand: Demand) -> list[Any]:
    """诉求 › title; a 交办事项 sits below its meeting's decision (the source) instead, for those who read it."""
    if demand.enterprise_id is not None:
        return crumbs(_("诉求"), "demands:list", (demand.title, None))
    source = demand.source_url if getattr(user, "role", None) != Role.DEPT_HANDLER else None
    return [(_("会议交办事项"), source or None), (demand.title, None)]


def _detail_context(request: AuthedRequest, demand: Demand, **extra: Any) -> dict[str, Any]:
    user = request.user
    today = clock.today()
    tasks = _task_rows(tasks_of(demand, user), today)
    panels = _panels(user, demand)
    initial = {"expected_status": demand.status}
    proxy = panels["may_confirm"] and permissions.is_proxy(user, demand)
    team = panels_team.demand_page(user, demand, tasks)  # task links, the team's decisions, the leaders' notes
    context: dict[str, Any] = {
        "demand": demand,
        "status_colour": STATUS_COLOUR.get(demand.status, "grey"),
        "attachments": list(demand.attachments.select_related("uploaded_by")),
        "tasks": tasks,
        "timeline": timeline(demand, tasks, notes=team["leader_notes"]),
        "waiting": waiting_days(demand, today) if demand.status in TRIAGE_STATUSES else None,
        "merged_from": list(Demand.objects.visible_to(user).filter(merged_into=demand).only("pk", "title")),
        "proxy": proxy,
        "accept_form": NoteForm(initial=initial, prefix="accept"),
        "reject_form": ReasonForm(initial=initial, prefix="reject"),
        "info_form": RequestInfoForm(initial=initial, prefix="info"),
        "merge_form": MergeForm(initial=initial, prefix="merge", candidates=merge_candidates(user, demand))
        if panels["may_triage"]
        else None,
        "task_form": TaskForm(initial=initial, prefix="task", unstaffed=_unstaffed(panels["may_split"])),
        "confirm_form": ConfirmForm(
            initial=initial, prefix="confirm", proxy=proxy, tasks=_done_tasks(demand, panels["may_confirm"])
        ),
        "supply_form": SupplyForm(initial=initial, prefix="supply"),
        "page_title": demand.title,
        "breadcrumbs": _demand_crumbs(user, demand),
        **panels,
        **team,
    }
    context.update(extra)
    return context


@role_required(*DEMAND_VIEWERS)
def demand_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    demand = _visible(request, pk)
    return render(request, "demands/detail.html", _detail_context(request, demand))


@dataclass(frozen=True)
class Action:
    """One action panel: its form (bound under `prefix`, shown as `<prefix>_form`), the panel flag of `_panels`
    that lets the user use it, the service it calls with the cleaned data, and the message on success (or a
    function of the service's result)."""

    form: Callable[..., ActionForm]
    prefix: str
    panel: str
    run: Callable[[Any, Demand, dict[str, Any]], Any]
    done: Promise | Callable[[Any], str]
    warn: Callable[[Any], str] | None = None  # a warning to show besides the success message ("" for none)

    @property
    def form_key(self) -> str:
        return f"{self.prefix}_form"

    def message(self, result: Any) -> str:
        return self.done(result) if callable(self.done) else str(self.done)


def _task_unstaffed(task: Any) -> str:
    """The warning after a task went to a department without an active handler (services.task_create)."""
    alerts = getattr(task, "unstaffed_alerts", [])
    if not alerts:
        return ""
    return _(
        "注意：%(departments)s尚无启用的经办人账号，任务将无人签收；服务团队已收到提醒，请联系系统管理员开通账号或改派。"
    ) % {"departments": notices.unstaffed_summary(alerts)}


def _confirmed(demand: Demand) -> str:
    """After the rating: thanks, or, after 不满意, that the demand went back for more work and to whom."""
    if demand.status != DemandStatus.IN_PROGRESS:
        return _("感谢您的评价，已记录。")
    departments = Task.objects.filter(demand=demand, status__in=OPEN_TASK).values_list(
        "lead_department__short_name", flat=True
    )
    return _("诉求已退回重新办理：已通知服务团队，%(departments)s将重新办理，办结后将再次请您确认。") % {
        "departments": "、".join(dict.fromkeys(departments))
    }


def _task_done(task: Any) -> str:
    return _("已交办%(dept)s，办理时限 %(n)s 个工作日，办结期限 %(deadline)s。") % {
        "dept": task.lead_department,
        "n": task.working_days,
        "deadline": task.deadline.isoformat(),
    }


ACTIONS: dict[str, Action] = {
    "accept": Action(
        NoteForm,
        "accept",
        "may_triage",
        lambda user, d, data: services.demand_accept(demand=d, actor=user, note=data["note"].strip()),
        gettext_lazy("诉求已受理，请拆分交办至相关部门。"),
    ),
    "reject": Action(
        ReasonForm,
        "reject",
        "may_triage",
        lambda user, d, data: services.demand_reject(demand=d, actor=user, reason=data["reason"].strip()),
        gettext_lazy("已作出不予受理决定，原因已记录。"),
    ),
    "request_info": Action(
        RequestInfoForm,
        "info",
        "may_request_info",
        lambda user, d, data: services.demand_request_info(demand=d, actor=user, note=data["note"].strip()),
        gettext_lazy("已请企业补充材料。"),
    ),
    "merge": Action(
        MergeForm,
        "merge",
        "may_triage",
        lambda user, d, data: services.demand_merge(demand=d, into=data["into"], actor=user, note=data["note"].strip()),
        gettext_lazy("已合并至所选诉求。"),
    ),
    "task": Action(
        TaskForm,
        "task",
        "may_split",
        lambda user, d, data: services.task_create(
            demand=d,
            actor=user,
            lead_department=data["lead_department"],
            co_departments=list(data["co_departments"]),
            instructions=data["instructions"].strip(),
            working_days=data["working_days"],
        ),
        _task_done,
        _task_unstaffed,
    ),
    "confirm": Action(
        ConfirmForm,
        "confirm",
        "may_confirm",
        lambda user, d, data: services.demand_confirm(
            demand=d,
            actor=user,
            rating=data["rating"],
            comment=data["comment"].strip(),
            proxy_note=data.get("proxy_note", "").strip(),
            reopen_tasks=[t.pk for t in data.get("reopen_tasks") or []]
            if data["rating"] == Rating.UNSATISFIED
            else None,
        ),
        _confirmed,
    ),
    "supply_info": Action(
        SupplyForm,
        "supply",
        "may_supply",
        lambda user, d, data: services.demand_supply_info(
            demand=d, actor=user, note=data["note"].strip(), files=data["attachments"]
        ),
        gettext_lazy("补充材料已提交，服务团队将重新审核。"),
    ),
}
# Irreversible moves: confirmed in a dialog (JavaScript) or on a confirmation page (without it).
CONFIRMED_ACTIONS = frozenset({"reject", "merge"})


def _bound_form(request: AuthedRequest, name: str, demand: Demand) -> ActionForm:
    action = ACTIONS[name]
    kwargs: dict[str, Any] = {"prefix": action.prefix}
    if name == "merge":
        kwargs["candidates"] = merge_candidates(request.user, demand)
    if name == "confirm":
        kwargs["proxy"] = permissions.is_proxy(request.user, demand)
        kwargs["tasks"] = _done_tasks(demand, True)
    if name == "task":
        kwargs["unstaffed"] = departments_without_handler()
    return action.form(request.POST, request.FILES or None, **kwargs)


def _conflict(request: AuthedRequest, error: InvalidTransition, pk: int, action: str) -> HttpResponse:
    """409 (through `refusal_page`): the demand moved on since the page was shown."""
    return _stale(request, _visible(request, pk), str(error))


@role_required(*DEMAND_VIEWERS)
@require_POST
@refusal_page(_conflict)
def demand_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    """One action from the demand page. A stale page (the demand moved on since it was shown) answers 409 with
    the demand as it now stands; bad input or a service's refusal answers 400 with the message; neither
    changes anything."""
    if action not in ACTIONS:
        raise Http404
    demand = _visible(request, pk)
    spec = ACTIONS[action]
    form = _bound_form(request, action, demand)
    if not form.is_valid():
        return _refused(request, demand, spec.form_key, form, status=400, open_panel=action)
    if form.cleaned_data["expected_status"] != demand.status:
        return _stale(request, demand)
    if not _panels(request.user, demand)[spec.panel]:
        raise PermissionDenied
    if action in CONFIRMED_ACTIONS and request.POST.get("confirmed") != "1":
        return _confirm_page(request, demand, action, form)
    with service_errors(form):
        result = spec.run(request.user, demand, form.cleaned_data)
        messages.success(request, spec.message(result))
        warning = spec.warn(result) if spec.warn else ""
        if warning:
            messages.warning(request, warning)
        return redirect("demands:detail", demand.pk)
    return _refused(request, demand, spec.form_key, form, status=400, open_panel=action)


def _confirm_page(request: AuthedRequest, demand: Demand, action: str, form: ActionForm) -> HttpResponse:
    """Without JavaScript the browser's confirmation dialog never showed: ask on a page of its own, re-posting
    the same fields with confirmed=1."""
    fields = [(k, v) for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "confirmed")]
    if action == "merge":
        question = _("确定将诉求“%(title)s”合并至“%(into)s”吗？合并后本诉求不再单独办理。") % {
            "title": demand.title,
            "into": form.cleaned_data["into"].title,
        }
    else:
        question = _("确定对诉求“%(title)s”不予受理吗？原因：%(reason)s。此操作不可撤销。") % {
            "title": demand.title,
            "reason": form.cleaned_data["reason"],
        }
    return render(
        request,
        "demands/confirm.html",
        {
            "demand": demand,
            "action": action,
            "fields": fields,
            "question": question,
            "page_title": _("请确认"),
            "breadcrumbs": crumbs(
                _("诉求"),
                "demands:list",
                (demand.title, reverse("demands:detail", args=[demand.pk])),
                (_("请确认"), None),
            ),
        },
    )


def _stale(request: AuthedRequest, demand: Demand, error: str = "") -> HttpResponse:
    error = error or _("该诉求的状态已变更为“%(status)s”，页面已刷新为最新情况，请核对后再操作。") % {
        "status": demand.get_status_display()
    }
    context = _detail_context(request, demand, action_error=error)
    return render(request, "demands/detail.html", context, status=409)


def _refused(
    request: AuthedRequest, demand: Demand, form_key: str, form: ActionForm, *, status: int, open_panel: str
) -> HttpResponse:
    errors = [str(e) for errs in form.errors.values() for e in errs]
    context = _detail_context(
        request, demand, **{form_key: form}, action_error="；".join(errors), open_panel=open_panel
    )
    return render(request, "demands/detail.html", context, status=status)


def _from_demand_page(request: HttpRequest, demand_id: int) -> bool:
    """The form was posted from this demand's page: its `next` (where success returns) is that page."""
    return urlsplit(request.POST.get("next", "")).path == reverse("demands:detail", args=[demand_id])


def task_refusal(
    request: HttpRequest, task: Task, message: str, *, form: forms.Form | None = None, status: int = 400
) -> HttpResponse | None:
    """A refused form about `task` (a decision on its completion or extension, a 催办) posted from its demand's
    page: that page again, with the message at the top and the form, as typed, on the task's row. None when
    the form came from elsewhere (the task page answers then)."""
    if not _from_demand_page(request, task.demand_id):
        return None
    authed = cast(AuthedRequest, request)
    context = _detail_context(authed, _visible(authed, task.demand_id), action_error=message)
    row = next((t for t in context["tasks"] if t.pk == task.pk), None)
    decision = getattr(row, "decision", None)
    if form is not None and decision and type(decision["form"]) is type(form):
        form.auto_id = decision["form"].auto_id  # the row's ids, so each label still names its field
        decision["form"] = form
    elif form is not None and row is not None and "note" in form.fields:
        row.typed_note = form["note"].value() or ""  # type: ignore[attr-defined]  # the 催办 box, as typed
    return render(request, "demands/detail.html", context, status=status)


# --- attachments ------------------------------------------------------------------------------------------


@role_required(*DEMAND_VIEWERS)
def attachment_download(request: AuthedRequest, pk: int) -> HttpResponse:
    """Stream an attachment from the private storage, for those who may see its demand (404 otherwise)."""
    visible = Attachment.objects.filter(demand__in=Demand.objects.visible_to(request.user).values("pk"))
    attachment = get_visible_or_404(visible, pk, user=request.user)
    # The product's one download (core.uploads): the user's name cleaned, in RFC 5987 form, with its type's
    # extension; never sniffed into another type, sandboxed, privately uncached; 404 when the file is gone.
    response = private_file_response(
        attachment.file, original_name=attachment.original_name, content_type=attachment.content_type
    )
    # A demand's attachment is evidence to keep: an image too is a download here, never shown inline.
    response["Content-Disposition"] = attachments.content_disposition(attachments.download_name(attachment))
    return response


# --- the triage queue and the enterprise tab --------------------------------------------------------------


@role_required(*TRIAGERS)
def triage_view(request: AuthedRequest) -> HttpResponse:
    page_obj = paginate(triage_queue(request.user), request.GET.get("page"), count=triage_count(request.user))
    rows = _decorate(list(page_obj.object_list))
    today = clock.today()
    for d in rows:
        d.waiting = waiting_days(d, today)  # type: ignore[attr-defined]
    return render(
        request,
        "demands/triage.html",
        {
            "page_obj": page_obj,
            "rows": rows,
            "page_title": _("待受理诉求"),
            "breadcrumbs": crumbs(_("诉求"), "demands:list", (_("待受理"), None)),
        },
    )


@role_required(*ENTERPRISE_VIEWERS)
def enterprise_tab(request: AuthedRequest, pk: int) -> HttpResponse:
    """The enterprise page's 诉求 tab: its demands with status (a fragment for htmx, else a full page)."""
    enterprise = get_visible_or_404(Enterprise.objects.visible_to(request.user), pk, user=request.user)
    rows = _decorate(list(enterprise_demands(request.user, enterprise)[:200]))
    context = {
        "enterprise": enterprise,
        "rows": rows,
        "may_create": permissions.can_submit(request.user, enterprise),
        "page_title": _("诉求"),
        "breadcrumbs": [
            (_("企业"), reverse("enterprises:list")),
            (enterprise.name, reverse("enterprises:detail", args=[enterprise.pk])),
            (_("诉求"), None),
        ],
    }
    template = (
        "demands/partials/enterprise_tab.html" if is_htmx(request) else "demands/partials/enterprise_tab_page.html"
    )
    return render(request, template, context)
