"""Projects in the JSON API (/api/projects/): the visible list, one project with what its page shows, and every
write the project pages offer, through the same forms and services: register (project_create) and edit
(project_update) a project, change its stage, add and remove production lines, set a yearly investment plan and
report (or re-report) a month's investment. 404 for missing and out-of-scope alike; 403 for a reader the page
refuses; 409 when someone else changed the stage first; 422 with the Chinese message for a broken rule, on the
API's field names; every error as application/problem+json (chaindesk/core/errors.py maps the services'
exceptions, chaindesk/api/errors.py answers them)."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate
from ninja.security import django_auth

from chaindesk.accounts.choices import ENTERPRISE_VIEWERS
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.api.pagination import EstimatedCursorPagination
from chaindesk.core import clock
from chaindesk.core.errors import ProblemOut
from chaindesk.core.visibility import get_visible_or_404

from . import permissions, services
from .forms import SERVICE_FIELDS, LineForm, PlanForm, ProjectForm, ReportForm, initial_from
from .models import ProductionLine, Project
from .resources import PROJECTS
from .schemas import (
    LineIn,
    LineOut,
    PlanIn,
    PlanOut,
    ProjectDetailOut,
    ProjectIn,
    ProjectOut,
    ProjectPatch,
    ReportIn,
    ReportSavedOut,
    TransitionIn,
)
from .selectors import base_queryset, project_list, stage_timeline

router = Router(tags=["projects"], auth=django_auth)

WRITE = {403: ProblemOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut}
# The project form's fields as the API names them (a foreign key: its id).
FORM_TO_API = {name: f"{name}_id" for name in ("enterprise", "chain", "node", "region", "follow_on_of")}
FORM_TO_API |= {"credited_enterprise": "credited_enterprise_id", "credited_talent": "credited_talent_id"}
API_TO_FORM = {api: form for form, api in FORM_TO_API.items()}

# The list page's filters and sort (projects/resources.py), as query parameters.
ProjectFilters = PROJECTS.api_filters("ProjectFilters")


def _require_viewer(user: Any) -> None:
    """The project pages' readers (officials and enterprise users); 403 for the other roles."""
    if getattr(user, "role", None) not in ENTERPRISE_VIEWERS:
        raise PermissionDenied


def _visible(request: HttpRequest, project_id: int) -> Project:
    return get_visible_or_404(base_queryset(request.user).select_related("follow_on_of"), project_id, user=request.user)


def _managed(request: HttpRequest, project_id: int) -> Project:
    """A project the user sees (404 otherwise) and may manage (403 otherwise), as the edit pages."""
    _require_viewer(request.user)
    project = _visible(request, project_id)
    if not permissions.can_manage(request.user, project):
        raise PermissionDenied(_("您无权修改该项目。"))
    return project


def _cleaned(form: BaseForm, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The form's cleaned data, or its errors as a 422 on the API's field names (nothing written)."""
    if not form.is_valid():
        raise _renamed(form.errors, names or {})
    return form.cleaned_data


def _renamed(errors: Mapping[str, Iterable[Any]], names: Mapping[str, str]) -> ValidationError:
    return ValidationError(
        {
            name if name == NON_FIELD_ERRORS else names.get(name, name): [str(m) for m in msgs]
            for name, msgs in errors.items()
        }
    )


def _text(value: Any) -> Any:
    """A value as the form's POST would carry it."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(getattr(value, "value", value))


def _detail(request: HttpRequest, project: Project) -> Project:
    """The project with what its page shows: what this user may do, its timeline, plans and reports (its
    production lines are read by the schema from `project.lines`)."""
    may_manage = permissions.can_manage(request.user, project)
    project.allowed_transitions = services.allowed_transitions(project) if may_manage else []  # type: ignore[attr-defined]
    project.may_manage = may_manage  # type: ignore[attr-defined]
    project.may_report = permissions.can_report(request.user, project)  # type: ignore[attr-defined]
    project.timeline = [  # type: ignore[attr-defined]
        {
            "from_stage": c.from_stage or None,
            "to_stage": c.to_stage,
            "changed_on": c.changed_on,
            "reason": c.reason,
            "actor": str(c.actor),
        }
        for c in stage_timeline(project)
    ]
    project.plans = list(project.investment_plans.order_by("year"))  # type: ignore[attr-defined]
    project.reports = [  # type: ignore[attr-defined]
        _report(r) for r in project.investment_reports.select_related("reported_by").order_by("month")
    ]
    return project


def _report(report: Any) -> dict[str, Any]:
    return {
        "month": report.month,
        "amount": report.amount,
        "note": report.note,
        "reported_by": str(report.reported_by),
        "reported_at": report.reported_at,
    }


def _fresh(request: HttpRequest, project: Project) -> Project:
    return _detail(request, _visible(request, project.pk))


@router.get("/", response=list[ProjectOut])
@paginate(EstimatedCursorPagination)
def list_projects(request: HttpRequest, filters: Query[ProjectFilters]) -> Any:  # type: ignore[valid-type]
    """The projects the user may see, with the list page's filters and sort (403 for a role the page refuses)."""
    if not PROJECTS.readable_by(request.user):
        raise PermissionDenied
    qs, _sort = project_list(request.user, filters.model_dump())  # type: ignore[attr-defined]
    return qs


@router.get("/{project_id}", response=ProjectDetailOut)
def get_project(request: HttpRequest, project_id: int) -> Project:
    _require_viewer(request.user)  # the project page's readers (403 for other roles, as the page)
    return _detail(request, _visible(request, project_id))


# --- the project form ------------------------------------------------------------------------------------------


def _form_data(payload: ProjectPatch, initial: Mapping[str, Any], given: Iterable[str]) -> dict[str, Any]:
    """The project form's POST: the payload's fields given over `initial` (the project as it is, or nothing)."""
    data = {key: _text(value) for key, value in initial.items()}
    for name in given:
        data[API_TO_FORM.get(name, name)] = _text(getattr(payload, name))
    return data


def _save(request: AuthedRequest, payload: ProjectPatch, project: Project | None) -> Project:
    """Validate as the project form does (its choices are the user's), then create or update through the service;
    a chain or region the user may not place it in answers 422 on chain_id, as the form page says."""
    if project is None:
        data = _form_data(payload, {}, payload.model_dump())
    else:
        data = _form_data(payload, initial_from(project), payload.model_fields_set)
    form = ProjectForm(data, user=request.user, project=project)
    fields = _cleaned(form, FORM_TO_API)
    kwargs: dict[str, Any] = {key: fields.get(key) for key in SERVICE_FIELDS}
    try:
        if project is None:
            return services.project_create(actor=request.user, **kwargs)
        return services.project_update(project=project, actor=request.user, **kwargs)
    except PermissionDenied as error:
        where = _("您只能在自己所在的产业链（或所辖地区）内新增项目。") if project is None else None
        where = where or _("您只能在自己所在的产业链（或所辖地区）内调整项目。")
        raise ValidationError({"chain_id": where}) from error
    except ValidationError as error:
        raise (_renamed(error.message_dict, FORM_TO_API) if hasattr(error, "error_dict") else error) from error


@router.post("/", response={201: ProjectDetailOut, **WRITE})
def create_project(request: AuthedRequest, payload: ProjectIn) -> Any:
    """新增项目 at 在谈 (city leaders and team members in a chain they serve on, liaisons, district admins in their
    district; 403 for other roles). A liaison who registers a project follows it."""
    _require_viewer(request.user)
    if not permissions.may_create(request.user):
        raise PermissionDenied(_("您无权新增项目。"))
    project = _save(request, payload, None)
    return 201, _fresh(request, project)


@router.patch("/{project_id}", response={200: ProjectDetailOut, **WRITE})
def update_project(request: AuthedRequest, project_id: int, payload: ProjectPatch) -> Any:
    """编辑项目: only the fields given change (the stage and its dates move with transitions)."""
    project = _save(request, payload, _managed(request, project_id))
    return 200, _fresh(request, project)


@router.post("/{project_id}/transition", response={200: ProjectDetailOut, **WRITE})
def transition(request: AuthedRequest, project_id: int, payload: TransitionIn) -> Any:
    """Change the stage (compare-and-set against expected_stage): 409 if someone else changed it first, 403
    for a reader who may not manage it, 422 for a broken rule."""
    _require_viewer(request.user)  # the project pages' readers (403 for other roles, as the page)
    project = get_visible_or_404(base_queryset(request.user), project_id, user=request.user)
    project = services.project_transition(
        project=project,
        to_stage=payload.to_stage.value,
        on=payload.on or clock.today(),
        actor=request.user,
        expected_stage=payload.expected_stage.value if payload.expected_stage else None,
        reason=payload.reason,
    )
    return 200, _fresh(request, project)


# --- production lines ------------------------------------------------------------------------------------------


@router.post("/{project_id}/lines", response={201: LineOut, **WRITE})
def add_project_line(request: AuthedRequest, project_id: int, payload: LineIn) -> Any:
    """添加生产线 (those who manage the project)."""
    project = _managed(request, project_id)
    data = _cleaned(LineForm({"name": payload.name, "count": str(payload.count), "capacity": payload.capacity}))
    return 201, services.line_add(project=project, actor=request.user, **data)


@router.delete("/{project_id}/lines/{line_id}", response={204: None, **WRITE})
def remove_project_line(request: AuthedRequest, project_id: int, line_id: int) -> Any:
    """删除生产线 (those who manage the project); 404 for a line of another project."""
    project = _managed(request, project_id)
    services.line_remove(line=get_object_or_404(ProductionLine, project=project, pk=line_id), actor=request.user)
    return 204, None


# --- the investment section: yearly plans and monthly reports ---------------------------------------------------


def _investment_project(request: HttpRequest, project_id: int, allowed: Any, refusal: str) -> Project:
    _require_viewer(request.user)
    visible = Project.objects.visible_to(request.user).select_related("enterprise", "chain", "region")
    project = get_visible_or_404(visible, project_id, user=request.user)
    if not allowed(request.user, project):
        raise PermissionDenied(refusal)
    return project


@router.post("/{project_id}/plans", response={200: PlanOut, **WRITE})
def set_project_plan(request: AuthedRequest, project_id: int, payload: PlanIn) -> Any:
    """设置年度计划投资 (create or change the year's figure): those who manage the project."""
    project = _investment_project(request, project_id, permissions.can_manage, _("您无权设置该项目的投资计划。"))
    data = _cleaned(PlanForm({"year": str(payload.year), "amount": str(payload.amount)}))
    plan = services.plan_set(project=project, year=data["year"], amount=data["amount"], actor=request.user)
    return 200, {"year": plan.year, "amount": plan.amount}


@router.post("/{project_id}/reports", response={200: ReportSavedOut, **WRITE})
def report_project_investment(request: AuthedRequest, project_id: int, payload: ReportIn) -> Any:
    """填报月度完成投资 (a month reported again replaces its figure): those who manage the project and its
    enterprise's users; 422 for a future month or a project in talks or terminated."""
    project = _investment_project(request, project_id, permissions.can_report, _("您无权填报该项目的投资完成情况。"))
    form = ReportForm({"month": payload.month, "amount": str(payload.amount), "note": payload.note})
    data = _cleaned(form)
    replaced = project.investment_reports.filter(month=data["month"]).exists()
    report = services.investment_report(
        project=project, month=data["month"], amount=data["amount"], note=data["note"], actor=request.user
    )
    return 200, {**_report(report), "replaced": replaced}
