"""上争事项 in the JSON API (/api/upward/): one item with its linked enterprises and projects, the item form (create,
edit) and the stage move, each through the service the item page calls, for the roles the pages serve (403 for the
others) and the items the reader may see (404 for missing and out-of-scope alike).

The list is chaindesk/api/lists.py's (GET /api/upward/, the list page's filters). The create and edit inputs go
through the page's own form (UpwardForm), so a department, chain or region the form would not offer this user is
refused with the form's Chinese message (422). A stage move the machine does not allow, or one from a stage the
item has already left (expected_stage), is 409, as on the page; every error application/problem+json."""

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.security import django_auth

from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core import clock
from chaindesk.core.errors import ProblemOut
from chaindesk.core.visibility import get_visible_or_404
from chaindesk.enterprises.models import Enterprise
from chaindesk.projects.models import Project

from . import permissions, services
from .forms import UpwardForm
from .models import UpwardRequest
from .resources import UPWARD
from .schemas import UpwardAdvanceIn, UpwardIn, UpwardOut, UpwardPatch

PREFIX = UPWARD.api_name
router = Router(tags=["upward"], auth=django_auth)  # mounted with the API's auth (chaindesk/api/auth.py)

# The API's names of the form's fields that hold records: "department_id" is the item form's "department".
FORM_FIELDS = {
    "department_id": "department",
    "chain_id": "chain",
    "region_id": "region",
    "enterprise_ids": "enterprises",
    "project_ids": "projects",
}
API_FIELDS = {form: api for api, form in FORM_FIELDS.items()}
WRITE = {403: ProblemOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut}


def _visible(request: HttpRequest, item_id: int) -> UpwardRequest:
    """The item, for a role the pages serve (else 403) if the reader may see it (else 404)."""
    if not UPWARD.readable_by(request.user):
        raise PermissionDenied
    qs = UpwardRequest.objects.visible_to(request.user).select_related("department", "chain", "region", "created_by")
    return get_visible_or_404(qs, item_id, user=request.user)


def _managed(request: HttpRequest, item_id: int) -> UpwardRequest:
    item = _visible(request, item_id)
    if not permissions.can_manage(request.user, item):
        raise PermissionDenied(_("您无权修改该上争事项。"))
    return item


def _linked(user: Any, model: Any, rows: Any) -> list[dict[str, Any]]:
    """Linked records by name, each with whether the reader may open its page (the item page's links)."""
    rows = list(rows)
    seen = set(model.objects.visible_to(user).filter(pk__in=[r.pk for r in rows]).values_list("pk", flat=True))
    return [{"id": r.pk, "name": r.name, "visible": r.pk in seen} for r in rows]


def _detail(request: HttpRequest, item_id: int) -> UpwardRequest:
    """The item as stored now, with its links and what this reader may do (the item page's buttons)."""
    item = _visible(request, item_id)
    may_manage = permissions.can_manage(request.user, item)
    item.may_manage = may_manage  # type: ignore[attr-defined]
    item.allowed_stages = services.allowed_stages(item) if may_manage else []  # type: ignore[attr-defined]
    enterprises = item.enterprises.order_by("name").only("pk", "name")
    item.linked_enterprises = _linked(request.user, Enterprise, enterprises)  # type: ignore[attr-defined]
    projects = item.projects.order_by("name").only("pk", "name")
    item.linked_projects = _linked(request.user, Project, projects)  # type: ignore[attr-defined]
    return item


def _form_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return [_form_value(v) for v in value]
    return getattr(value, "pk", None) or str(value)  # a choice's str() is its value


def _cleaned(request: HttpRequest, sent: dict[str, Any], item: UpwardRequest | None) -> dict[str, Any]:
    """The item form cleaned as the create or edit page cleans it: the item's values overlaid with those sent.
    Links not sent stay as they are; an obtained amount the form does not take yet goes to the service, which
    refuses it with its reason."""
    values: dict[str, Any] = {}
    if item is not None:
        values = {name: getattr(item, name) for name in services.EDITABLE}
    values.update({FORM_FIELDS.get(name, name): value for name, value in sent.items()})
    form = UpwardForm({k: _form_value(v) for k, v in values.items()}, user=request.user, item=item)
    if not form.is_valid():
        raise ValidationError(
            {
                NON_FIELD_ERRORS if name == NON_FIELD_ERRORS else API_FIELDS.get(name, name): list(messages)
                for name, messages in form.errors.items()
            }
        )
    data = dict(form.cleaned_data)
    for api_name in ("enterprise_ids", "project_ids"):
        if sent.get(api_name) is None:
            data.pop(FORM_FIELDS[api_name], None)
    if sent.get("amount_obtained") is not None and "amount_obtained" not in data:
        data["amount_obtained"] = sent["amount_obtained"]
    return data


@router.get("/{item_id}", response={200: UpwardOut, 403: ProblemOut, 404: ProblemOut})
def get_upward(request: HttpRequest, item_id: int) -> Any:
    """One item with its linked enterprises and projects and what the reader may do with it."""
    return _detail(request, item_id)


# Beside the list (GET /api/upward/, which chaindesk/api/lists.py puts on this router's "/").
@router.post("/", response={201: UpwardOut, **WRITE}, url_name="create_upward")
def create_upward(request: AuthedRequest, payload: UpwardIn) -> Any:
    """登记上争事项 (stage 谋划): 403 for a role that may not register items, 422 for a broken rule."""
    if not UPWARD.readable_by(request.user) or not permissions.may_create(request.user):
        raise PermissionDenied(_("您无权登记上争事项。"))
    item = services.upward_create(actor=request.user, **_cleaned(request, payload.model_dump(), None))
    return 201, _detail(request, item.pk)


@router.patch("/{item_id}", response={200: UpwardOut, **WRITE})
def update_upward(request: AuthedRequest, item_id: int, payload: UpwardPatch) -> Any:
    """编辑上争事项: only the fields sent change (null clears an optional one; links only when sent); 403 for a
    reader who may not edit it. The stage moves only through /advance."""
    item = _managed(request, item_id)
    services.upward_update(
        item=item, actor=request.user, **_cleaned(request, payload.model_dump(exclude_unset=True), item)
    )
    return 200, _detail(request, item_id)


@router.post("/{item_id}/advance", response={200: UpwardOut, **WRITE})
def advance_upward(request: AuthedRequest, item_id: int, payload: UpwardAdvanceIn) -> Any:
    """变更阶段 (谋划 → 申报 → 审核中 → 获批/未获批); 获批 may record the amount obtained. 409 when the item is no
    longer in expected_stage or the machine does not allow the move; 422 for a bad date or amount."""
    services.upward_advance(
        item=_managed(request, item_id),
        to_stage=payload.to_stage.value,
        on=payload.on or clock.today(),
        actor=request.user,
        expected_stage=payload.expected_stage.value if payload.expected_stage else None,
        amount_obtained=payload.amount_obtained,
    )
    return 200, _detail(request, item_id)
