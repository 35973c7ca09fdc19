"""Demands in the JSON API (/api/demands/): intake through the same service as the form (channel 接口 for
the team; an enterprise's or a liaison's own channel for them), the visible list and one demand with its
tasks. 404 for missing and out-of-scope alike; 400 with the Chinese messages for bad input."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import django_auth

from chaindesk.core.visibility import get_visible_or_404
from chaindesk.enterprises.models import Enterprise
from chaindesk.projects.models import Project

from . import services
from .choices import Channel, DemandStatus, TaskStatus, Urgency
from .models import Category, Demand

router = Router(tags=["demands"], auth=django_auth)


class TaskOut(Schema):
    id: int
    lead_department: str = Field(..., alias="lead_department.short_name")
    status: TaskStatus
    deadline: dt.date
    escalation: str


class DemandOut(Schema):
    id: int
    enterprise_id: int
    enterprise: str = Field(..., alias="enterprise.name")
    title: str
    category: str = Field(..., alias="category.code")
    urgency: Urgency
    channel: Channel
    status: DemandStatus
    submitted_at: dt.datetime
    closed_at: dt.datetime | None
    rating: str


class DemandDetailOut(DemandOut):
    description: str
    tasks: list[TaskOut] = Field(default_factory=list)

    @staticmethod
    def resolve_tasks(obj: Demand) -> list[Any]:
        return list(obj.tasks.all())


class DemandIn(Schema):
    enterprise_id: int
    title: str = Field(..., max_length=100)
    description: str
    category: str = Field(..., description="类别编码，如 land、approval、energy")
    urgency: Urgency = Urgency.NORMAL
    project_id: int | None = None


class ErrorOut(Schema):
    detail: str


def _visible(request: HttpRequest) -> Any:
    return Demand.objects.visible_to(request.user).select_related("enterprise", "category")


def _channel(user: Any) -> str:
    """接口 for the team; the enterprise's and the liaison's own channel for them."""
    allowed = services.ROLE_CHANNELS.get(user.role, frozenset())
    if Channel.API in allowed or not allowed:
        return Channel.API
    return next(iter(allowed))


@router.get("/", response=list[DemandOut])
@paginate(LimitOffsetPagination)
def list_demands(request: HttpRequest) -> Any:
    """The demands the user may see, newest first."""
    return _visible(request).order_by("-submitted_at", "-pk")


@router.get("/{demand_id}", response=DemandDetailOut)
def get_demand(request: HttpRequest, demand_id: int) -> Demand:
    qs = _visible(request).prefetch_related("tasks__lead_department")
    return get_visible_or_404(qs, demand_id, user=request.user)


@router.post("/", response={201: DemandDetailOut, 400: ErrorOut, 403: ErrorOut})
def submit(request: HttpRequest, payload: DemandIn) -> Any:
    """Submit a demand for an enterprise the user may see (the enterprise's own users: their enterprise)."""
    enterprise = get_visible_or_404(
        Enterprise.objects.visible_to(request.user), payload.enterprise_id, user=request.user
    )
    category = Category.objects.filter(code=payload.category).first()
    if category is None:
        return 400, {"detail": _("诉求类别“%(code)s”不存在。") % {"code": payload.category}}
    project = None
    if payload.project_id is not None:
        project = Project.objects.visible_to(request.user).filter(pk=payload.project_id).first()
        if project is None:
            return 400, {"detail": _("关联项目不存在或您无权查看。")}
    try:
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
    except PermissionDenied as exc:
        return 403, {"detail": str(exc) or _("您无权为该企业提交诉求。")}
    except ValidationError as exc:
        return 400, {"detail": "；".join(exc.messages)}
    return 201, _visible(request).prefetch_related("tasks__lead_department").get(pk=demand.pk)
