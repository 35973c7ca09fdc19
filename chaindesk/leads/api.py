"""Leads in the JSON API (/api/leads/): one lead with its follow-ups, the lead form (create, edit), the stage
buttons (advance, 放弃), 签约转项目 and 添加跟进, each through the service the lead page calls, for the roles the
page serves (403 for the others) and the leads the reader may see (404 for missing and out-of-scope alike).

The list is chaindesk/api/lists.py's (GET /api/leads/, the list page's filters). The create and edit inputs go
through the page's own forms (LeadForm, SignForm), so an id the form would not offer this user (a chain they may
not record leads on, an owner outside the chain's team) is refused with the form's Chinese message (422). 409 when
someone else changed the stage first (expected_stage); 422 for a broken rule; every error application/problem+json."""

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.security import django_auth

from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core import clock
from chaindesk.core.errors import ProblemOut
from chaindesk.core.visibility import get_visible_or_404

from . import permissions, services
from .choices import OPEN, TRANSITIONS, LeadStage
from .forms import LeadForm, SignForm
from .models import Lead, LeadFollowUp
from .resources import LEADS
from .schemas import AbandonIn, FollowUpIn, LeadAdvanceIn, LeadIn, LeadOut, LeadPatch, SignIn, SignOut

PREFIX = LEADS.api_name
router = Router(tags=["leads"], auth=django_auth)  # mounted with the API's auth (chaindesk/api/auth.py)

RELATED = ("chain", "node", "owner", "region", "referrer", "talent", "rd_partner", "created_by")
# The API's names of the form fields that hold a record: "chain_id" is the lead form's "chain".
FORM_FIELDS = {
    "chain_id": "chain",
    "node_id": "node",
    "region_id": "region",
    "owner_id": "owner",
    "talent_id": "talent",
    "rd_partner_id": "rd_partner",
    "referrer_id": "referrer",
    "enterprise_id": "enterprise",
}
API_FIELDS = {form: api for api, form in FORM_FIELDS.items()}
WRITE = {403: ProblemOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut}


def _visible(request: HttpRequest, lead_id: int) -> Lead:
    """The lead, for a role the lead pages serve (else 403) if the reader may see it (else 404)."""
    if not LEADS.readable_by(request.user):
        raise PermissionDenied
    follow_ups = LeadFollowUp.objects.select_related("created_by")
    qs = Lead.objects.visible_to(request.user).select_related(*RELATED)
    qs = qs.prefetch_related(Prefetch("follow_ups", queryset=follow_ups))
    return get_visible_or_404(qs, lead_id, user=request.user)


def _manageable(request: HttpRequest, lead_id: int) -> Lead:
    """The lead, if this reader may edit it (the page's 403 otherwise)."""
    lead = _visible(request, lead_id)
    if not permissions.may_manage(request.user, lead):
        raise PermissionDenied(_("您无权修改该线索。"))
    return lead


def _detail(request: HttpRequest, lead_id: int) -> Lead:
    """The lead as stored now, with what this reader may do (the lead page's buttons)."""
    lead = _visible(request, lead_id)
    may_manage = permissions.may_manage(request.user, lead)
    allowed = TRANSITIONS.get(lead.stage, frozenset()) if may_manage else frozenset()
    lead.may_manage = may_manage  # type: ignore[attr-defined]
    lead.allowed_stages = [  # type: ignore[attr-defined]
        stage for stage in LeadStage.values if stage in allowed and stage not in (LeadStage.SIGNED, LeadStage.ABANDONED)
    ]
    return lead


def _form_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return [_form_value(v) for v in value]
    return getattr(value, "pk", None) or str(value)  # a choice's str() is its value


def _form_data(values: dict[str, Any]) -> dict[str, Any]:
    """The API's values as the page's form posts them (a record by its id, a blank as "")."""
    return {FORM_FIELDS.get(name, name): _form_value(value) for name, value in values.items()}


def _refusal(form: Any) -> ValidationError:
    """The form's errors under the API's field names (non-field errors without one)."""
    errors = {
        NON_FIELD_ERRORS if name == NON_FIELD_ERRORS else API_FIELDS.get(name, name): list(messages)
        for name, messages in form.errors.items()
    }
    return ValidationError(errors)


def _lookup(form: Any, field: str, pk: int | None, message: str) -> Any:
    """A record the form's lookup field offers (its queryset: those the user may see), by id."""
    if pk is None:
        return None
    found = form.fields[field].queryset.filter(pk=pk).first()
    if found is None:
        raise ValidationError({API_FIELDS[field]: message})
    return found


def _lead_kwargs(request: HttpRequest, sent: dict[str, Any], lead: Lead | None) -> dict[str, Any]:
    """The lead form cleaned as the create or edit page cleans it: the lead's values overlaid with those sent."""
    values = {name: getattr(lead, name) for name in services.EDITABLE} if lead is not None else {}
    values.update({FORM_FIELDS.get(k, k): v for k, v in sent.items() if k != "referrer_id"})
    values["referrer"] = None  # looked up by id below, not by the page's name-or-USCC text
    form = LeadForm(_form_data(values), user=request.user, lead=lead)
    if not form.is_valid():
        raise _refusal(form)
    kwargs = form.service_kwargs()
    if "referrer_id" in sent:
        message = _("引荐企业不存在或您无权查看。")
        kwargs["referrer"] = _lookup(form, "referrer", sent["referrer_id"], message)
    else:
        kwargs["referrer"] = lead.referrer if lead is not None else None
    return kwargs


@router.get("/{lead_id}", response={200: LeadOut, 403: ProblemOut, 404: ProblemOut})
def get_lead(request: HttpRequest, lead_id: int) -> Any:
    """One lead with its follow-ups (newest first) and what the reader may do with it."""
    return _detail(request, lead_id)


# Beside the list (GET /api/leads/, which chaindesk/api/lists.py puts on this router's "/").
@router.post("/", response={201: LeadOut, **WRITE}, url_name="create_lead")
def create_lead(request: AuthedRequest, payload: LeadIn) -> Any:
    """登记线索 (stage 新线索): 403 for a role that may not record leads, 422 for a broken rule. The owner defaults
    to the caller; a liaison's lead is their own."""
    if not LEADS.readable_by(request.user) or not permissions.may_create(request.user):
        raise PermissionDenied(_("您无权登记线索。"))
    kwargs = _lead_kwargs(request, payload.model_dump(), None)
    lead = services.lead_create(actor=request.user, **kwargs)
    return 201, _detail(request, lead.pk)


@router.patch("/{lead_id}", response={200: LeadOut, **WRITE})
def update_lead(request: AuthedRequest, lead_id: int, payload: LeadPatch) -> Any:
    """编辑线索: only the fields sent change (null clears an optional one); refused once the lead is signed or
    abandoned (422), 403 for a reader who may not edit it."""
    lead = _manageable(request, lead_id)
    if lead.stage not in OPEN:
        raise ValidationError(_("线索已%(stage)s，不能再修改。") % {"stage": lead.get_stage_display()})
    kwargs = _lead_kwargs(request, payload.model_dump(exclude_unset=True), lead)
    services.lead_update(lead=lead, actor=request.user, **kwargs)
    return 200, _detail(request, lead_id)


@router.post("/{lead_id}/advance", response={200: LeadOut, **WRITE})
def advance_lead(request: AuthedRequest, lead_id: int, payload: LeadAdvanceIn) -> Any:
    """推进阶段 (接洽, 考察, 洽谈; skipping ahead is allowed): 409 when the stage is no longer expected_stage."""
    services.lead_advance(
        lead=_visible(request, lead_id),
        to_stage=payload.to_stage.value,
        on=payload.on or clock.today(),
        actor=request.user,
        expected_stage=payload.expected_stage.value if payload.expected_stage else None,
    )
    return 200, _detail(request, lead_id)


@router.post("/{lead_id}/abandon", response={200: LeadOut, **WRITE})
def abandon_lead(request: AuthedRequest, lead_id: int, payload: AbandonIn) -> Any:
    """放弃 an open lead, with the reason (required)."""
    services.lead_abandon(
        lead=_visible(request, lead_id),
        reason=payload.reason,
        on=payload.on or clock.today(),
        actor=request.user,
        expected_stage=payload.expected_stage.value if payload.expected_stage else None,
    )
    return 200, _detail(request, lead_id)


@router.post("/{lead_id}/sign", response={201: SignOut, **WRITE})
def sign_lead(request: AuthedRequest, lead_id: int, payload: SignIn) -> Any:
    """签约转项目: the lead moves to 签约 and a project is created at 签约 (the sign form's fields); all or nothing."""
    lead = _manageable(request, lead_id)
    values = payload.model_dump(exclude={"enterprise_id"}) | {"enterprise": None}  # looked up by id below
    initial = {
        "name": lead.title,
        "investor_name": lead.investor,
        "region_id": lead.region_id,
        "planned_investment": lead.estimated_investment,
    }
    values.update({name: value for name, value in initial.items() if name not in payload.model_fields_set})
    values["expected_stage"] = payload.expected_stage or lead.stage
    values["on"] = payload.on or clock.today()
    form = SignForm(_form_data(values), user=request.user)
    if not form.is_valid():
        raise _refusal(form)
    kwargs = form.service_kwargs()
    kwargs["enterprise"] = _lookup(form, "enterprise", payload.enterprise_id, _("项目单位不存在或您无权查看。"))
    project = services.lead_sign(
        lead=lead,
        actor=request.user,
        expected_stage=payload.expected_stage.value if payload.expected_stage else None,
        **kwargs,
    )
    return 201, {"project_id": project.pk, "project": project.name, "lead": _detail(request, lead_id)}


@router.post("/{lead_id}/follow-ups", response={201: LeadOut, **WRITE})
def add_lead_follow_up(request: AuthedRequest, lead_id: int, payload: FollowUpIn) -> Any:
    """添加跟进: the lead's next action and date follow its latest follow-up by date."""
    services.follow_up_add(
        lead=_visible(request, lead_id),
        followed_on=payload.followed_on or clock.today(),
        notes=payload.notes,
        next_action=payload.next_action,
        next_action_on=payload.next_action_on,
        actor=request.user,
    )
    return 201, _detail(request, lead_id)
