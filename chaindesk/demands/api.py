"""Demands in the JSON API (/api/demands/): intake through the same service as the form (channel 接口 for
the team; an enterprise's or a liaison's own channel for them), the visible list and one demand with its
tasks. 404 for missing and out-of-scope alike; 422 with the Chinese messages for bad input; every error as
application/problem+json (chaindesk/core/errors.py, chaindesk/api/errors.py)."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.security import django_auth

from chaindesk.accounts.requests import AuthedRequest
from chaindesk.api.pagination import BoundedLimitOffsetPagination
from chaindesk.core.errors import ProblemOut
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.visibility import get_visible_or_404
from chaindesk.enterprises.models import Enterprise
from chaindesk.projects.models import Project

from . import services
from .choices import Channel, DemandKind, DemandStatus, Rating, TaskStatus, Urgency
from .models import Category, Demand, Task
from .resources import DEMANDS
from .selectors import filter_demands, tasks_of
from .services_base import demand_stale
from .workdays import is_provisional

router = Router(tags=["demands"], auth=django_auth)


class TaskOut(Schema):
    id: int
    lead_department: str = Field(..., alias="lead_department.short_name")
    status: TaskStatus
    deadline: dt.date
    deadline_estimated: bool = Field(
        ..., description="办结期限是否为预估：该年节假日安排尚未公布，暂按法定节假日计算（页面标注“预估”）"
    )
    escalation: str | None = Field(None, description="预警级别；企业用户不可见（null）")

    @staticmethod
    def resolve_deadline_estimated(obj: Task) -> bool:
        return is_provisional(obj.deadline)  # the pages' 预估 mark (demands_tags.provisional_mark)

    @staticmethod
    def resolve_escalation(obj: Task) -> str | None:
        return None if "escalation" in getattr(obj, "withheld_fields", ()) else obj.escalation


class DemandOut(Schema):
    id: int
    kind: DemandKind = Field(..., description="demand：企业诉求；assignment：会议交办事项（无企业、无类别）")
    enterprise_id: int | None
    enterprise: str | None = Field(None, description="企业名称；会议交办事项为 null")
    title: str
    category: str | None = Field(None, description="类别编码；会议交办事项为 null")
    urgency: Urgency
    channel: Channel
    status: DemandStatus
    submitted_at: dt.datetime
    closed_at: dt.datetime | None
    rating: str

    @staticmethod
    def resolve_enterprise(obj: Demand) -> str | None:
        return obj.enterprise.name if obj.enterprise_id is not None and obj.enterprise else None

    @staticmethod
    def resolve_category(obj: Demand) -> str | None:
        return obj.category.code if obj.category_id is not None and obj.category else None


class DemandDetailOut(DemandOut):
    description: str
    tasks: list[TaskOut] = Field(default_factory=list)

    @staticmethod
    def resolve_tasks(obj: Demand) -> list[Any]:
        # Only the tasks the reader may see, as they may see them (selectors.tasks_of), never obj.tasks.
        return list(getattr(obj, "reader_tasks", ()))


class DemandIn(Schema):
    enterprise_id: int
    title: str = Field(..., max_length=100)
    description: str
    category: str = Field(..., description="类别编码，如 land、approval、energy")
    urgency: Urgency = Urgency.NORMAL
    project_id: int | None = None


class ConfirmIn(Schema):
    rating: Rating
    comment: str = Field("", max_length=300, description="评价意见；不满意时必填")
    proxy_note: str = Field("", max_length=300, description="挂钩服务专员代企业确认时必填")
    expected_status: DemandStatus | None = Field(None, description="页面所见的状态（比较并交换）")
    reopen_tasks: list[int] | None = Field(
        None, description="不满意时退回重新办理的任务编号（须为本诉求已办结的任务）；不填则全部已办结任务"
    )


def _visible(request: HttpRequest) -> Any:
    return Demand.objects.visible_to(request.user).select_related("enterprise", "category")


def _channel(user: Any) -> str:
    """接口 for the team; the enterprise's and the liaison's own channel for them."""
    allowed = services.ROLE_CHANNELS.get(user.role, frozenset())
    if Channel.API in allowed or not allowed:
        return Channel.API
    return next(iter(allowed))


# The ledger's filters and sort (demands/resources.py), as query parameters.
DemandFilters = DEMANDS.api_filters("DemandFilters")


@router.get("/", response=list[DemandOut])
@paginate(BoundedLimitOffsetPagination)
def list_demands(request: HttpRequest, filters: Query[DemandFilters]) -> Any:  # type: ignore[valid-type]
    """The enterprises' demands the user may see (the ledger's: no 交办事项), with the ledger's filters and sort
    (newest first by default); 403 for a role the ledger refuses."""
    if not DEMANDS.readable_by(request.user):
        raise PermissionDenied
    listed = _visible(request).enterprise_demands()
    qs, _sort = filter_demands(listed, request.user, filters.model_dump())  # type: ignore[attr-defined]
    return qs


@router.get("/{demand_id}", response=DemandDetailOut)
def get_demand(request: HttpRequest, demand_id: int) -> Demand:
    """One demand (or a meeting's 交办事项: kind assignment, no enterprise) with the tasks the reader may see
    (enterprise users: without the staff-only fields)."""
    return _with_tasks(get_visible_or_404(_visible(request), demand_id, user=request.user), request.user)


def _with_tasks(demand: Demand, user: Any) -> Demand:
    demand.reader_tasks = tasks_of(demand, user)  # type: ignore[attr-defined]
    return demand


@router.post("/", response={201: DemandDetailOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut})
def submit(request: AuthedRequest, payload: DemandIn) -> Any:
    """Submit a demand for an enterprise the user may see (the enterprise's own users: their enterprise):
    404 for an enterprise out of scope, 403 when the role may not submit, 422 for a broken rule."""
    enterprise = get_visible_or_404(
        Enterprise.objects.visible_to(request.user), payload.enterprise_id, user=request.user
    )
    category = Category.objects.filter(code=payload.category).first()
    if category is None:
        raise ValidationError({"category": _("诉求类别“%(code)s”不存在。") % {"code": payload.category}})
    project = None
    if payload.project_id is not None:
        project = Project.objects.visible_to(request.user).filter(pk=payload.project_id).first()
        if project is None:
            raise ValidationError({"project_id": _("关联项目不存在或您无权查看。")})
    demand = services.demand_submit(
        actor=request.user,
        enterprise=enterprise,
        title=payload.title,
        description=payload.description,
        category=category,
        urgency=payload.urgency.value,
        channel=_channel(request.user),
        project=project,
    )
    return 201, _with_tasks(_visible(request).get(pk=demand.pk), request.user)


@router.post(
    "/{demand_id}/confirm",
    response={200: DemandDetailOut, 403: ProblemOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut},
)
def confirm(request: AuthedRequest, demand_id: int, payload: ConfirmIn) -> Any:
    """The enterprise's confirmation and rating (the same service as the page): 满意/基本满意 close the demand;
    不满意 sends back the tasks named in reopen_tasks (all done tasks when left out). 409 when the demand is no
    longer in expected_status, 403 for a reader who may not confirm, 422 for a broken rule."""
    demand = get_visible_or_404(_visible(request), demand_id, user=request.user)
    if payload.expected_status is not None and payload.expected_status.value != demand.status:
        raise InvalidTransition(demand_stale(demand.status, payload.expected_status.value))
    services.demand_confirm(
        demand=demand,
        actor=request.user,
        rating=payload.rating.value,
        comment=payload.comment,
        proxy_note=payload.proxy_note,
        reopen_tasks=payload.reopen_tasks if payload.rating == Rating.UNSATISFIED else None,
    )
    return 200, _with_tasks(_visible(request).get(pk=demand.pk), request.user)
