"""Pages of one-to-one service, mounted at /service/. Enterprise lookups go through the user's visible set
(404 for missing and forbidden alike); htmx requests get the fragment for the enterprise page's tab."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chaindesk.accounts.choices import ENTERPRISE_VIEWERS, OFFICIALS
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core import clock, uploads
from chaindesk.core.errors import service_errors, service_messages
from chaindesk.core.listing import paginate
from chaindesk.core.permissions import role_required
from chaindesk.core.privacy import withhold_staff_fields
from chaindesk.core.visibility import get_visible_or_404
from chaindesk.enterprises.models import Enterprise
from chaindesk.enterprises.views import ENTERPRISE_PAGES

from . import permissions, selectors, services
from .forms import AssignForm, StepDoneForm, VisitForm, draft_initial
from .models import LiaisonAssignment, NextStep, VisitPhoto
from .resources import ASSIGNMENTS, visit_columns, withheld_note


def _enterprise(request: AuthedRequest, pk: int) -> Enterprise:
    qs = Enterprise.objects.visible_to(request.user).select_related("liaison", "leader")
    return get_visible_or_404(qs, pk, user=request.user)


@role_required(*ASSIGNMENTS.roles)
def my_enterprises(request: AuthedRequest) -> HttpResponse:
    """我的挂钩企业: last visit, open items, the stale flag; filter 超期未走访, sortable (`ASSIGNMENTS`)."""
    filters = ASSIGNMENTS.parse(request.GET)
    qs, sort = selectors.enterprise_service_list(
        request.user, stale=filters["stale"] == "1", sort=request.GET.get("sort", "")
    )
    return ASSIGNMENTS.render(
        request, "liaison/my_enterprises.html", qs, sort, title=_("我的挂钩企业"), stale_days=selectors.stale_days()
    )


@role_required(*OFFICIALS)
def next_steps(request: AuthedRequest) -> HttpResponse:
    """我的待办下一步: open next steps I own, overdue first, each with a 完成 button."""
    page_obj = paginate(selectors.due_next_steps(request.user), request.GET.get("page"))
    return render(
        request,
        "liaison/next_steps.html",
        {
            "page_obj": page_obj,
            "today": clock.today(),
            "page_title": _("待跟进事项"),
            "breadcrumbs": [(_("待跟进事项"), None)],
        },
    )


@require_POST
@role_required(*OFFICIALS)
def next_step_done(request: AuthedRequest, step_pk: int) -> HttpResponse:
    qs = NextStep.objects.visible_to(request.user).select_related("visit__enterprise")
    step = get_visible_or_404(qs, step_pk, user=request.user)
    form = StepDoneForm(request.POST)
    done_on = (form.cleaned_data.get("done_on") if form.is_valid() else None) or clock.today()
    with service_messages(request):
        services.next_step_done(actor=request.user, step=step, done_on=done_on)
        messages.success(request, _("已办结：%(text)s") % {"text": step.text})
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("liaison:next_steps")


@role_required(*ENTERPRISE_VIEWERS)
def visit_list(request: AuthedRequest, pk: int) -> HttpResponse:
    """The enterprise's visits as cards of the `VISITS` fields the reader may read (enterprise users: date,
    kind and who came; core.privacy withholds the notes, issues and next steps from them)."""
    enterprise = _enterprise(request, pk)
    internal = permissions.sees_internal_notes(request.user)
    columns = visit_columns(request.user)
    read = selectors.enterprise_visits(enterprise, internal=internal, reader=request.user)
    visits = withhold_staff_fields(read, request.user)
    if internal:
        selectors.mark_converted_issues(visits)
    return ENTERPRISE_PAGES.tab_page(
        request,
        enterprise,
        title=_("走访记录"),
        fragment="liaison/partials/visits.html",
        page="liaison/visits.html",
        visits=visits,
        columns=columns,
        withheld_note=withheld_note(columns),
        internal=internal,
        may_log=permissions.may_log_visit(request.user, enterprise, visible=True),
        today=clock.today(),
    )


@role_required(*OFFICIALS)
def visit_create(request: AuthedRequest, pk: int) -> HttpResponse:
    enterprise = _enterprise(request, pk)
    if not permissions.may_log_visit(request.user, enterprise, visible=True):
        raise PermissionDenied
    add_row = request.POST.get("add_row", "")
    if add_row:
        # 「添加一条」 without JavaScript: the same form back with one more row, nothing checked or saved yet.
        initial = draft_initial(request.POST)
        form = VisitForm(initial=initial, user=request.user, enterprise=enterprise, add_row=add_row)
    else:
        form = VisitForm(request.POST or None, request.FILES or None, user=request.user, enterprise=enterprise)
    if request.method == "POST" and not add_row and form.is_valid():
        with service_errors(form, codes=dict.fromkeys(uploads.ERROR_CODES, "photos")):
            services.visit_create(actor=request.user, enterprise=enterprise, **form.service_kwargs())
            messages.success(request, _("走访记录已保存。"))
            return redirect("liaison:visits", enterprise.pk)
    title = _("记录走访")
    trail = [(_("走访记录"), reverse("liaison:visits", args=[pk])), (title, None)]
    response = ENTERPRISE_PAGES.object_page(
        request, "liaison/visit_form.html", form, enterprise, title=title, trail=trail
    )
    if add_row:
        response.status_code = 200  # a row was added: nothing was refused
    return response


@role_required(*OFFICIALS)
def visit_photo(request: AuthedRequest, pk: int) -> HttpResponse:
    """A visit photo, for officials who may see its visit's enterprise (404 otherwise, like a missing one):
    shown inline (a tap on a phone), never sniffed, never cached. `?thumb=1`: its 480 px thumbnail, behind the same
    check (the photo itself for one stored before thumbnails were made)."""
    photo = get_visible_or_404(VisitPhoto.objects.visible_to(request.user), pk, user=request.user)
    if request.GET.get("thumb") and photo.thumbnail:
        name = uploads.thumbnail_name(photo.original_name)
        return uploads.private_file_response(photo.thumbnail, original_name=name, content_type=uploads.JPEG)
    return uploads.private_file_response(photo.file, original_name=photo.original_name, content_type=photo.content_type)


@role_required(*OFFICIALS)
def timeline(request: AuthedRequest, pk: int) -> HttpResponse:
    """The ledger timeline: officials only (it carries internal notes and the audit lines)."""
    enterprise = _enterprise(request, pk)
    return ENTERPRISE_PAGES.tab_page(
        request,
        enterprise,
        title=_("时间线"),
        fragment="liaison/partials/timeline.html",
        page="liaison/timeline.html",
        rows=selectors.enterprise_timeline(request.user, enterprise),
    )


@role_required(*OFFICIALS)
def assign(request: AuthedRequest, pk: int) -> HttpResponse:
    enterprise = _enterprise(request, pk)
    if not permissions.may_assign(request.user, enterprise):
        raise PermissionDenied
    initial: dict[str, Any] = {"liaison": enterprise.liaison_id, "leader": enterprise.leader_id}
    form = AssignForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            services.liaison_assign(actor=request.user, enterprise=enterprise, **form.cleaned_data)
            messages.success(request, _("挂钩服务安排已保存。"))
            return redirect("enterprises:detail", enterprise.pk)
    history = LiaisonAssignment.objects.filter(enterprise=enterprise).select_related("liaison", "leader", "assigned_by")
    title = _("指派挂钩服务")
    return ENTERPRISE_PAGES.object_page(
        request, "liaison/assign.html", form, enterprise, title=title, trail=[(title, None)], history=history
    )
