"""Projects in the JSON API (/api/projects/): the visible list, one project, and a stage change through
the same service as the project page. 404 for missing and out-of-scope alike; 409 when someone else changed
the stage first; 422 with the Chinese message for a broken rule; every error as application/problem+json
(chaindesk/core/errors.py maps the service's exceptions, chaindesk/api/errors.py answers them)."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.security import django_auth

from chaindesk.accounts.requests import AuthedRequest
from chaindesk.api.pagination import BoundedLimitOffsetPagination
from chaindesk.core import clock
from chaindesk.core.errors import ProblemOut
from chaindesk.core.visibility import get_visible_or_404

from . import permissions, services
from .choices import ProjectKind, ProjectLevel, ProjectStage
from .models import Project
from .resources import PROJECTS
from .selectors import base_queryset, project_list

router = Router(tags=["projects"], auth=django_auth)


class ProjectOut(Schema):
    id: int
    name: str
    owner: str = Field(..., alias="owner_name")
    enterprise_id: int | None
    investor_name: str
    chain_id: int
    chain: str = Field(..., alias="chain.name")
    node_id: int | None
    region_id: int
    region: str = Field(..., alias="region.name")
    kind: ProjectKind
    level: ProjectLevel
    stage: ProjectStage
    stage_label: str
    planned_investment: Decimal | None = Field(None, description="计划总投资(万元)")
    capacity_quantity: Decimal | None
    capacity_unit: str
    capacity_period: str
    land_mu: Decimal | None
    follow_on_of_id: int | None
    signed_on: dt.date | None
    started_on: dt.date | None
    completed_on: dt.date | None
    production_on: dt.date | None
    full_production_on: dt.date | None
    stage_changed_on: dt.date | None
    last_progress_on: dt.date | None
    plan_amount: Decimal | None = Field(None, description="本年度计划投资(万元)，仅列表")
    done_ytd: Decimal | None = Field(None, description="本年度累计完成投资(万元)，仅列表")
    rate: Decimal | None = Field(None, description="本年度投资完成率(0–1)，仅列表")
    is_behind: bool | None = Field(None, description="完成率低于序时进度，仅列表")
    is_stale: bool | None = Field(None, description="长期无进展更新，仅列表")

    @staticmethod
    def resolve_stage_label(obj: Project) -> str:
        return str(obj.get_stage_display())


class ProjectDetailOut(ProjectOut):
    allowed_transitions: list[ProjectStage] = Field(default_factory=list, description="当前用户可变更到的阶段")


# The list page's filters and sort (projects/resources.py), as query parameters.
ProjectFilters = PROJECTS.api_filters("ProjectFilters")


class TransitionIn(Schema):
    to_stage: ProjectStage
    on: dt.date | None = Field(None, description="变更日期，默认今天")
    expected_stage: ProjectStage | None = Field(None, description="页面所见的阶段（比较并交换）")
    reason: str = Field("", max_length=200)


def _detail(request: HttpRequest, project: Project) -> Project:
    """The project with the stages this user may move it to (none for those who only read)."""
    may_manage = permissions.can_manage(request.user, project)
    project.allowed_transitions = services.allowed_transitions(project) if may_manage else []  # type: ignore[attr-defined]
    return project


@router.get("/", response=list[ProjectOut])
@paginate(BoundedLimitOffsetPagination)
def list_projects(request: HttpRequest, filters: Query[ProjectFilters]) -> Any:  # type: ignore[valid-type]
    """The projects the user may see, with the list page's filters and sort (403 for a role the page refuses)."""
    if not PROJECTS.readable_by(request.user):
        raise PermissionDenied
    qs, _sort = project_list(request.user, filters.model_dump())  # type: ignore[attr-defined]
    return qs


@router.get("/{project_id}", response=ProjectDetailOut)
def get_project(request: HttpRequest, project_id: int) -> Project:
    project = get_visible_or_404(base_queryset(request.user), project_id, user=request.user)
    return _detail(request, project)


@router.post(
    "/{project_id}/transition",
    response={200: ProjectDetailOut, 403: ProblemOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut},
)
def transition(request: AuthedRequest, project_id: int, payload: TransitionIn) -> Any:
    """Change the stage (compare-and-set against expected_stage): 409 if someone else changed it first, 403
    for a reader who may not manage it, 422 for a broken rule."""
    project = get_visible_or_404(base_queryset(request.user), project_id, user=request.user)
    project = services.project_transition(
        project=project,
        to_stage=payload.to_stage.value,
        on=payload.on or clock.today(),
        actor=request.user,
        expected_stage=payload.expected_stage.value if payload.expected_stage else None,
        reason=payload.reason,
    )
    project = base_queryset(request.user).get(pk=project.pk)
    return 200, _detail(request, project)
