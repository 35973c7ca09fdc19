"""Project pages: the list with filters and export, the project page with its stage timeline and stage
buttons, the create/edit form and production lines. Lookups go through the user's visible set (404 for
missing and forbidden alike); writes go through the services."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chaindesk.accounts.choices import ENTERPRISE_VIEWERS, Role
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core import clock
from chaindesk.core.errors import refusal_page, service_errors
from chaindesk.core.pages import Section, form_refusal, stage_refusal
from chaindesk.core.params import param_text
from chaindesk.core.permissions import role_required
from chaindesk.core.picker import remote_options
from chaindesk.core.visibility import get_visible_or_404
from chaindesk.enterprises.amounts import format_wan
from chaindesk.network.models import Talent

from . import permissions, portal, services
from .choices import STAGE_DATE_FIELD, ProjectStage
from .forms import LineForm, ProjectForm, TransitionForm, initial_from
from .models import ProductionLine, Project
from .resources import KEY_DATES, PROJECTS, capacity_text, decorate
from .selectors import base_queryset, filter_choices, project_list, stage_timeline
from .selectors_schedule import rules_text, schedule_share

INVESTMENT_TEMPLATE = "projects/progress/_project_investment.html"
LIST_ROW_RELATIONS = ("enterprise", "chain", "node", "region")  # what the list's cells read (projects/resources.py)
PROJECT_PAGES = Section(gettext_lazy("项目"), "projects:list", "projects:detail", "project")


# --- list and export -----------------------------------------------------------------------------------


@role_required(*PROJECTS.roles)
def project_list_view(request: AuthedRequest) -> HttpResponse:
    if request.user.role == Role.ENTERPRISE:
        return portal.project_portal(request)  # their own projects, not the officials' ledger (issue 11, item 13)
    choices = filter_choices(request.user)
    qs, sort = project_list(request.user, request.GET.dict(), node_parents=choices.node_parents)
    today = clock.today()
    return PROJECTS.render(
        request,
        "projects/list.html",
        # Only the relations a row shows: with the progress expressions, PostgreSQL spent 70-90 ms planning the
        # seven joins of base_queryset on every page view (20 ms for these four). The export keeps them all.
        qs.select_related(None).select_related(*LIST_ROW_RELATIONS),
        sort,
        title=_("项目"),
        choices=choices,
        decorate=decorate,
        today=today,
        schedule_percent=(schedule_share(today) * 100).quantize(Decimal("0.01")),
        rules=rules_text(),
        may_create=permissions.may_create(request.user),
        estimate=True,  # a province's list is estimated past CHAINDESK_EXACT_COUNT_LIMIT rows
    )


@role_required(*PROJECTS.roles)
def project_export(request: AuthedRequest) -> HttpResponse:
    """Exactly the filtered list as an .xlsx ledger (every row, streamed); audited. The ledger is the
    officials': an enterprise user is refused (403, audited)."""
    if request.user.role == Role.ENTERPRISE:
        raise PermissionDenied
    qs, _sort = project_list(request.user, request.GET.dict())
    return PROJECTS.export(request, qs)


# --- project page --------------------------------------------------------------------------------------


def _visible(request: AuthedRequest, pk: int) -> Project:
    qs = base_queryset(request.user).select_related("follow_on_of")
    return get_visible_or_404(qs, pk, user=request.user)


def _managed(request: AuthedRequest, pk: int) -> Project:
    project = _visible(request, pk)
    if not permissions.can_manage(request.user, project):
        raise PermissionDenied
    return project


def _lead(request: AuthedRequest, project: Project) -> tuple[Any, list[Any], bool]:
    """The lead the project came from (leads app, a later one: reached only through the reverse accessor),
    its follow-ups, and whether the user may open the lead's own page. Officials only: a lead's notes are
    internal."""
    if request.user.role == Role.ENTERPRISE:  # type: ignore[union-attr]
        return None, [], False
    try:
        lead = getattr(project, "lead", None)
    except ObjectDoesNotExist:
        lead = None
    if lead is None:
        return None, [], False
    follow_ups = list(lead.follow_ups.select_related("created_by").order_by("-followed_on", "-pk")[:10])
    linkable = type(lead).objects.visible_to(request.user).filter(pk=lead.pk).exists()
    return lead, follow_ups, linkable


def _talent_linkable(request: AuthedRequest, project: Project) -> bool:
    talent_id = project.credited_talent_id
    return talent_id is not None and Talent.objects.visible_to(request.user).filter(pk=talent_id).exists()


def _investment_template() -> str | None:
    """The progress engineer's investment section, when it is there."""
    try:
        get_template(INVESTMENT_TEMPLATE)
    except TemplateDoesNotExist:
        return None
    return INVESTMENT_TEMPLATE


def _key_dates(project: Project) -> list[dict[str, Any]]:
    return [
        {
            "label": ProjectStage(stage).label,
            "planned": getattr(project, planned),
            "actual": getattr(project, STAGE_DATE_FIELD[stage]),
        }
        for stage, planned in KEY_DATES
    ]


def _detail_context(request: AuthedRequest, project: Project, **extra: Any) -> dict[str, Any]:
    may_manage = permissions.can_manage(request.user, project)
    lead, follow_ups, lead_linkable = _lead(request, project)
    targets = services.allowed_transitions(project) if may_manage else []
    context = {
        "project": project,
        "capacity": capacity_text(project),
        "lines": list(project.lines.all()),
        "key_dates": _key_dates(project),
        "timeline": list(stage_timeline(project)),
        "follow_ons": list(project.follow_ons.visible_to(request.user).select_related("enterprise")),  # type: ignore[attr-defined]
        "lead": lead,
        "lead_follow_ups": follow_ups,
        "lead_linkable": lead_linkable,
        "talent_linkable": _talent_linkable(request, project),
        "may_manage": may_manage,
        "may_report": permissions.can_report(request.user, project),
        "targets": [(t, ProjectStage(t).label) for t in targets],
        "transition_form": TransitionForm(initial={"on": clock.today(), "expected_stage": project.stage}),
        "line_form": LineForm(),
        "investment_template": _investment_template(),
        "today": clock.today(),
        "page_title": project.name,
        "breadcrumbs": PROJECT_PAGES.crumbs((project.name, None)),
    }
    context.update(extra)
    return context


@role_required(*ENTERPRISE_VIEWERS)
def project_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    project = _visible(request, pk)
    return render(request, "projects/detail.html", _detail_context(request, project))


def _transition_refused(request: AuthedRequest, error: Exception, pk: int) -> HttpResponse:
    """The project as it now stands with the refusal (409 or 400 through `refusal_page`)."""
    context = _detail_context(request, _visible(request, pk), **stage_refusal(request, error))
    return render(request, "projects/detail.html", context)


@role_required(*ENTERPRISE_VIEWERS)
@require_POST
@refusal_page(_transition_refused, invalid=_transition_refused)
def project_transition(request: AuthedRequest, pk: int) -> HttpResponse:
    """A stage change. A stale page (someone else changed the stage first) answers 409 with the project as
    it now stands; a broken rule answers 400 with its message; neither changes anything."""
    project = _managed(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        raise form_refusal(form)
    data = form.cleaned_data
    project = services.project_transition(
        project=project,
        to_stage=data["to_stage"],
        on=data["on"],
        actor=request.user,
        expected_stage=data["expected_stage"],
        reason=data["reason"].strip(),
    )
    messages.success(
        request,
        _("项目阶段已变更为“%(stage)s”（%(date)s）。")
        % {"stage": project.get_stage_display(), "date": data["on"].isoformat()},
    )
    return redirect("projects:detail", project.pk)


# --- create and edit -----------------------------------------------------------------------------------


@role_required(*ENTERPRISE_VIEWERS)
def project_create(request: AuthedRequest) -> HttpResponse:
    if not permissions.may_create(request.user):
        raise PermissionDenied
    form = ProjectForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with service_errors(form, denied=("chain", _("您只能在自己所在的产业链（或所辖地区）内新增项目。"))):
            project = services.project_create(actor=request.user, **form.service_kwargs())
            messages.success(
                request,
                _("项目“%(name)s”已登记，当前阶段：在谈；计划总投资 %(amount)s。")
                % {"name": project.name, "amount": _amount(project)},
            )
            return redirect("projects:detail", project.pk)
    return PROJECT_PAGES.create_page(request, "projects/form.html", form, title=_("新增项目"))


def _amount(project: Project) -> str:
    return format_wan(project.planned_investment)


@role_required(*ENTERPRISE_VIEWERS)
def project_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    project = _managed(request, pk)
    form = ProjectForm(request.POST or None, user=request.user, project=project, initial=initial_from(project))
    if request.method == "POST" and form.is_valid():
        with service_errors(form, denied=("chain", _("您只能在自己所在的产业链（或所辖地区）内调整项目。"))):
            services.project_update(project=project, actor=request.user, **form.service_kwargs())
            messages.success(request, _("已保存。"))
            return redirect("projects:detail", project.pk)
    return PROJECT_PAGES.object_page(request, "projects/form.html", form, project, title=_("编辑项目"))


# --- production lines ----------------------------------------------------------------------------------


@role_required(*ENTERPRISE_VIEWERS)
@require_POST
def line_add(request: AuthedRequest, pk: int) -> HttpResponse:
    project = _managed(request, pk)
    form = LineForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, project, line_form=form)
        return render(request, "projects/detail.html", context, status=400)
    line = services.line_add(project=project, actor=request.user, **form.cleaned_data)
    messages.success(request, _("已添加生产线“%(line)s”。") % {"line": line})
    return redirect(reverse("projects:detail", args=[pk]) + "#lines")


@role_required(*ENTERPRISE_VIEWERS)
@require_POST
def line_remove(request: AuthedRequest, pk: int, line_pk: int) -> HttpResponse:
    project = _managed(request, pk)
    line = get_object_or_404(ProductionLine, project=project, pk=line_pk)
    services.line_remove(line=line, actor=request.user)
    messages.success(request, _("已删除生产线“%(line)s”。") % {"line": line})
    return redirect(reverse("projects:detail", args=[pk]) + "#lines")


@role_required(*ENTERPRISE_VIEWERS)
def project_options(request: AuthedRequest) -> JsonResponse:
    """The project pickers' matches (chaindesk/core/picker.py, when a choice has too many to render): the visible
    projects whose name contains ?q=, by name."""
    return remote_options(
        Project.objects.visible_to(request.user), param_text(request.GET.get("q")), lambda text: Q(name__contains=text)
    )
