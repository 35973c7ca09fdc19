"""Demands in the JSON API (/api/demands/): intake through the same service as the form (channel 接口 for
the team; an enterprise's or a liaison's own channel for them), the visible list, one demand with its tasks, and
every action of the demand page through its form and service: 受理, 不予受理, 要求补充, 补充材料, 合并, 交办 (a task),
确认评价 (with 不满意 reopening the tasks named), 批示. The task page's actions are in api_tasks.py, on this router.

404 for missing and out-of-scope alike; 403 for a role or a reader the page refuses; 409 when the demand is no
longer in the `expected_status` the caller saw (or someone else moved it first); 422 with the Chinese messages
for bad input or a move the state does not allow; every error as application/problem+json
(chaindesk/core/errors.py, chaindesk/api/errors.py). Attachments are not uploaded through the JSON API."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate
from ninja.security import django_auth

from chaindesk.accounts.choices import ENTERPRISE_VIEWERS
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.api.pagination import EstimatedCursorPagination
from chaindesk.core.errors import ProblemOut
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.visibility import get_visible_or_404
from chaindesk.enterprises.models import Enterprise
from chaindesk.projects.models import Project

from . import permissions, services, services_leaders
from .choices import OPEN_DEMAND, Channel, DemandStatus, Rating
from .forms import MergeForm, NoteForm, ReasonForm, RequestInfoForm, SupplyForm, TaskForm
from .forms_leaders import InstructionForm
from .models import Category, Demand, LeaderNote
from .notices import unstaffed_summary
from .resources import DEMAND_VIEWERS, DEMANDS
from .schemas import (
    AcceptIn,
    ConfirmIn,
    DemandActionIn,
    DemandDetailOut,
    DemandIn,
    DemandOut,
    InstructIn,
    MergeIn,
    RejectIn,
    RequestInfoIn,
    SplitIn,
    SupplyInfoIn,
    TaskDetailOut,
)
from .selectors import TRIAGE_STATUSES, filter_demands, merge_candidates, tasks_of
from .selectors_team import notes_of
from .services_base import demand_stale

router = Router(tags=["demands"], auth=django_auth)

WRITE = {403: ProblemOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut}
ACTED = {200: DemandDetailOut, **WRITE}


def _visible(request: HttpRequest) -> Any:
    return Demand.objects.visible_to(request.user).select_related("enterprise", "category")


def _channel(user: Any) -> str:
    """接口 for the team; the enterprise's and the liaison's own channel for them."""
    allowed = services.ROLE_CHANNELS.get(user.role, frozenset())
    if Channel.API in allowed or not allowed:
        return Channel.API
    return next(iter(allowed))


def cleaned(form: BaseForm, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The form's cleaned data, or its errors as a 422 on the API's field names (nothing written)."""
    if not form.is_valid():
        raise renamed(form.errors, names or {})
    return form.cleaned_data


def renamed(errors: Mapping[str, Iterable[Any]], names: Mapping[str, str]) -> ValidationError:
    return ValidationError(
        {
            key if key == NON_FIELD_ERRORS else names.get(key, key): [str(m) for m in msgs]
            for key, msgs in errors.items()
        }
    )


def note_rows(notes: Iterable[LeaderNote]) -> list[dict[str, Any]]:
    return [
        {
            "kind": n.kind,
            "kind_label": str(n.get_kind_display()),
            "text": n.text,
            "author": str(n.author),
            "department": n.department.short_name if n.department_id and n.department else None,
            "task_id": n.task_id,
            "created_at": n.created_at,
        }
        for n in notes
    ]


def allowed_actions(user: Any, demand: Demand) -> list[str]:
    """What the demand page offers this reader now (its panels: views._panels, and the leaders' 批示)."""
    status, triage = demand.status, permissions.can_triage(user, demand)
    actions = []
    if triage and status in TRIAGE_STATUSES:
        actions += ["accept", "reject", "merge"]
    if triage and status == DemandStatus.SUBMITTED:
        actions.append("request-info")
    if triage and status in (DemandStatus.ACCEPTED, DemandStatus.IN_PROGRESS):
        actions.append("tasks")
    if status == DemandStatus.AWAITING_CONFIRMATION and permissions.can_confirm(user, demand):
        actions.append("confirm")
    if status == DemandStatus.NEEDS_INFO and permissions.can_supply_info(user, demand):
        actions.append("supply-info")
    if status in OPEN_DEMAND and permissions.can_lead(user, demand):
        actions.append("instruct")
    return actions


def _with_tasks(demand: Demand, user: Any) -> Demand:
    demand.reader_tasks = tasks_of(demand, user)  # type: ignore[attr-defined]
    demand.note_rows = note_rows(notes_of(user, demand=demand))  # type: ignore[attr-defined]
    demand.allowed_actions = allowed_actions(user, demand)  # type: ignore[attr-defined]
    return demand


def _fresh(request: HttpRequest, demand: Demand) -> Demand:
    return _with_tasks(_visible(request).get(pk=demand.pk), request.user)


# The ledger's filters and sort (demands/resources.py), as query parameters.
DemandFilters = DEMANDS.api_filters("DemandFilters")


@router.get("/", response=list[DemandOut])
@paginate(EstimatedCursorPagination)
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
    (enterprise users: without the staff-only fields), the leaders' notes and what the reader may do now."""
    if getattr(request.user, "role", None) not in DEMAND_VIEWERS:
        raise PermissionDenied  # the demand page's readers (403 for other roles, as the page)
    return _with_tasks(get_visible_or_404(_visible(request), demand_id, user=request.user), request.user)


@router.post("/", response={201: DemandDetailOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut})
def submit(request: AuthedRequest, payload: DemandIn) -> Any:
    """Submit a demand for an enterprise the user may see (the enterprise's own users: their enterprise):
    404 for an enterprise out of scope, 403 when the role may not submit, 422 for a broken rule."""
    if getattr(request.user, "role", None) not in ENTERPRISE_VIEWERS:
        raise PermissionDenied  # a role that reads no enterprise (the create page's 403), before any lookup
    enterprise = get_visible_or_404(
        Enterprise.objects.visible_to(request.user), payload.enterprise_id, user=request.user
    )
    if not permissions.can_submit(request.user, enterprise):  # the service's rule, before the body's own checks
        raise PermissionDenied(_("您无权为该企业提交诉求。"))
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
    return 201, _fresh(request, demand)


# --- the demand page's actions -----------------------------------------------------------------------------------


def _acted_on(request: HttpRequest, demand_id: int, payload: DemandActionIn) -> Demand:
    """The demand (404 outside the reader's visible set, 403 for a role the demand page refuses), still in the
    status the caller saw (409 otherwise)."""
    if getattr(request.user, "role", None) not in DEMAND_VIEWERS:
        raise PermissionDenied
    demand = get_visible_or_404(_visible(request), demand_id, user=request.user)
    if payload.expected_status is not None and payload.expected_status.value != demand.status:
        raise InvalidTransition(demand_stale(demand.status, payload.expected_status.value))
    return demand


def _form(form_class: type[BaseForm], demand: Demand, data: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
    """The page's action form on `data` (its expected status: the demand's, already checked)."""
    return cleaned(form_class({"expected_status": demand.status, **data}, **kwargs), ACTION_FIELDS)


ACTION_FIELDS = {"into": "into_id", "lead_department": "lead_department_id", "co_departments": "co_department_ids"}


@router.post("/{demand_id}/accept", response=ACTED)
def accept_demand(request: AuthedRequest, demand_id: int, payload: AcceptIn) -> Any:
    """受理 (the team of the enterprise's chains): 已提交 or 待补充 → 已受理."""
    demand = _acted_on(request, demand_id, payload)
    data = _form(NoteForm, demand, {"note": payload.note})
    services.demand_accept(demand=demand, actor=request.user, note=data["note"].strip())
    return 200, _fresh(request, demand)


@router.post("/{demand_id}/reject", response=ACTED)
def reject_demand(request: AuthedRequest, demand_id: int, payload: RejectIn) -> Any:
    """不予受理 with the reason (the team); irreversible."""
    demand = _acted_on(request, demand_id, payload)
    data = _form(ReasonForm, demand, {"reason": payload.reason})
    services.demand_reject(demand=demand, actor=request.user, reason=data["reason"].strip())
    return 200, _fresh(request, demand)


@router.post("/{demand_id}/request-info", response=ACTED)
def request_demand_info(request: AuthedRequest, demand_id: int, payload: RequestInfoIn) -> Any:
    """要求补充 (the team): 已提交 → 待补充, saying what is missing."""
    demand = _acted_on(request, demand_id, payload)
    data = _form(RequestInfoForm, demand, {"note": payload.note})
    services.demand_request_info(demand=demand, actor=request.user, note=data["note"].strip())
    return 200, _fresh(request, demand)


@router.post("/{demand_id}/supply-info", response=ACTED)
def supply_demand_info(request: AuthedRequest, demand_id: int, payload: SupplyInfoIn) -> Any:
    """补充材料 (whoever may submit for the enterprise): 待补充 → 已提交. Files only through the page."""
    demand = _acted_on(request, demand_id, payload)
    data = _form(SupplyForm, demand, {"note": payload.note})
    services.demand_supply_info(demand=demand, actor=request.user, note=data["note"].strip())
    return 200, _fresh(request, demand)


@router.post("/{demand_id}/merge", response=ACTED)
def merge_demand(request: AuthedRequest, demand_id: int, payload: MergeIn) -> Any:
    """合并 a duplicate into another open demand of the same enterprise that the user sees (the team)."""
    demand = _acted_on(request, demand_id, payload)
    candidates = merge_candidates(request.user, demand)
    data = _form(MergeForm, demand, {"into": str(payload.into_id), "note": payload.note}, candidates=candidates)
    services.demand_merge(demand=demand, into=data["into"], actor=request.user, note=data["note"].strip())
    return 200, _fresh(request, demand)


@router.post("/{demand_id}/tasks", response={201: TaskDetailOut, **WRITE})
def assign_demand_task(request: AuthedRequest, demand_id: int, payload: SplitIn) -> Any:
    """交办: cut a task for a lead department (and co-departments) with a deadline in working days (the team; the
    demand accepted or in progress). `warning` says when a department has no handler to sign it."""
    demand = _acted_on(request, demand_id, payload)
    posted = {
        "lead_department": str(payload.lead_department_id),
        "co_departments": [str(pk) for pk in payload.co_department_ids],
        "instructions": payload.instructions,
        "working_days": str(payload.working_days),
    }
    data = _form(TaskForm, demand, posted)
    try:
        task = services.task_create(
            demand=demand,
            actor=request.user,
            lead_department=data["lead_department"],
            co_departments=list(data["co_departments"]),
            instructions=data["instructions"].strip(),
            working_days=data["working_days"],
        )
    except ValidationError as error:
        raise (renamed(error.message_dict, ACTION_FIELDS) if hasattr(error, "error_dict") else error) from error
    return 201, api_tasks.task_detail(request, task.pk, warning=_unstaffed(task))


def _unstaffed(task: Any) -> str:
    """The page's warning after a task went to a department without an active handler (services.task_create)."""
    alerts = getattr(task, "unstaffed_alerts", [])
    if not alerts:
        return ""
    return _(
        "注意：%(departments)s尚无启用的经办人账号，任务将无人签收；服务团队已收到提醒，请联系系统管理员开通账号或改派。"
    ) % {"departments": unstaffed_summary(alerts)}


@router.post("/{demand_id}/confirm", response=ACTED)
def confirm(request: AuthedRequest, demand_id: int, payload: ConfirmIn) -> Any:
    """The enterprise's confirmation and rating (the same service as the page): 满意/基本满意 close the demand;
    不满意 sends back the tasks named in reopen_tasks (all done tasks when left out). 409 when the demand is no
    longer in expected_status, 403 for a reader who may not confirm, 422 for a broken rule."""
    demand = _acted_on(request, demand_id, payload)  # as every action of the demand page (403 for other roles)
    services.demand_confirm(
        demand=demand,
        actor=request.user,
        rating=payload.rating.value,
        comment=payload.comment,
        proxy_note=payload.proxy_note,
        reopen_tasks=payload.reopen_tasks if payload.rating == Rating.UNSATISFIED else None,
    )
    return 200, _fresh(request, demand)


@router.post("/{demand_id}/instruct", response=ACTED)
def instruct_demand(request: AuthedRequest, demand_id: int, payload: InstructIn) -> Any:
    """领导批示 on an open demand (the chain chief, the convenor, the lead department's head of one of the
    enterprise's chains): the team and the departments at work on it are told."""
    if getattr(request.user, "role", None) not in permissions.TEAM_ROLES:
        raise PermissionDenied
    demand = get_visible_or_404(_visible(request), demand_id, user=request.user)
    if not permissions.can_lead(request.user, demand):
        raise PermissionDenied(_("您无权批示或催办：只有该产业链的链长、召集人和牵头部门负责人可以操作。"))
    data = cleaned(InstructionForm({"text": payload.text}))
    services_leaders.leader_instruct(demand=demand, actor=request.user, text=data["text"])
    return 200, _fresh(request, demand)


from . import api_tasks  # noqa: E402 - the task page's operations join this router (it imports this module)
