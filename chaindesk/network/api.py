"""The outside network in the JSON API, three resources:

- /api/talents/ (list: chaindesk/api/lists.py, `TALENTS`): one hometown talent with its contact log, register
  (talent_create), edit (talent_update) and log a contact (talent_contact_add); officials only, the phone in full
  for its keeper and the chain roles, masked for others, as on the page;
- /api/partners/ (list: `PARTNERS`): one R&D partner with the cooperations the reader may see, register and edit;
- /api/cooperations/: an enterprise's R&D cooperations (`?enterprise_id=`, its 研发合作 tab), one cooperation,
  record (cooperation_create) and edit (cooperation_update) one.

Each write runs the page's form over the payload (the same choices and messages) and the page's service (rights,
audit). 404 for missing and out-of-scope alike, 403 for a role or a reader the page refuses, 422 with the
Chinese messages per field; every error as application/problem+json (chaindesk/api/errors.py)."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NoReturn

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Query, Router
from ninja.security import django_auth

from chaindesk.accounts.choices import ENTERPRISE_VIEWERS, OFFICIALS
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core.errors import ProblemOut
from chaindesk.core.visibility import get_visible_or_404
from chaindesk.enterprises.models import Enterprise

from . import permissions, selectors, services
from .forms import ContactForm, CooperationForm, PartnerForm, TalentForm
from .models import RdCooperation, RdPartner, Talent
from .schemas import (
    CooperationIn,
    CooperationOut,
    CooperationPatch,
    PartnerIn,
    PartnerOut,
    PartnerPatch,
    TalentContactIn,
    TalentContactOut,
    TalentIn,
    TalentOut,
    TalentPatch,
)

talents = Router(tags=["talents"], auth=django_auth)
partners = Router(tags=["partners"], auth=django_auth)
cooperations = Router(tags=["cooperations"], auth=django_auth)
routers = {"talents": talents, "partners": partners, "cooperations": cooperations}  # at /api/<key>/

ERRORS: dict[int, Any] = {403: ProblemOut, 404: ProblemOut, 422: ProblemOut}
# The forms' field names as the API names them (PartnerForm's `research` is the model's `fields`).
API_NAMES = {"hometown": "hometown_id", "chains": "chain_ids", "keeper": "keeper_id", "research": "fields"}
API_NAMES["partner"] = "partner_id"
FORM_NAMES = {api: form for form, api in API_NAMES.items()}


def _form_data(values: Mapping[str, Any]) -> dict[str, Any]:
    """The API's values as a form's data: ids under the form's names, dates as text, null as empty."""
    data = {}
    for name, value in values.items():
        text = value.isoformat() if hasattr(value, "isoformat") else value
        data[FORM_NAMES.get(name, name)] = "" if text is None else text
    return data


def _cleaned(form: forms.BaseForm) -> dict[str, Any]:
    if not form.is_valid():
        _refuse(form)
    return form.cleaned_data


def _refuse(form: forms.BaseForm) -> NoReturn:
    raise ValidationError({API_NAMES.get(name, name): errors for name, errors in form.errors.as_data().items()})


@contextmanager
def _on_field(codes: Mapping[str, str]) -> Iterator[None]:
    """A service's refusal told on the field its code names, as the page does."""
    try:
        yield
    except ValidationError as error:
        field = codes.get(str(getattr(error, "code", "")))
        if field is None or hasattr(error, "error_dict"):
            raise
        raise ValidationError({field: error.messages}) from error


def _role(request: AuthedRequest, roles: frozenset[str]) -> None:
    if request.user.role not in roles:
        raise PermissionDenied


# --- talents ----------------------------------------------------------------------------------------------

TALENT_FIELDS = ("name", "city", "organisation", "title", "field", "ties", "phone", "notes")


def _talent(request: AuthedRequest, pk: int, *, edit: bool = False) -> Talent:
    _role(request, OFFICIALS)
    qs = Talent.objects.visible_to(request.user).select_related("keeper", "hometown")
    talent = get_visible_or_404(qs, pk, user=request.user)
    if edit and not permissions.may_edit_talent(request.user, talent):
        raise PermissionDenied
    return talent


def _talent_out(request: AuthedRequest, talent: Talent) -> dict[str, Any]:
    """The talent's page for this reader: the phone in full or masked."""
    return {
        **{name: getattr(talent, name) for name in ("id", *TALENT_FIELDS, "hometown", "keeper", "last_contact_on")},
        "phone": permissions.talent_phone(request.user, talent),
        "full_phone": permissions.sees_full_phone(request.user, talent),
        "chains": list(talent.chains.all()),
        "contacts": list(selectors.talent_contacts(talent)),
        "may_edit": permissions.may_edit_talent(request.user, talent),
    }


@talents.get("/{talent_id}", response={200: TalentOut, **ERRORS})
def get_talent(request: AuthedRequest, talent_id: int) -> Any:
    return 200, _talent_out(request, _talent(request, talent_id))


@talents.post("/", response={201: TalentOut, **ERRORS})
def create_talent(request: AuthedRequest, payload: TalentIn) -> Any:
    """Register a hometown talent (city leaders, team members and liaisons), kept by keeper_id (default: me)."""
    _role(request, OFFICIALS)
    if not permissions.may_create_talent(request.user):
        raise PermissionDenied
    form = TalentForm(_form_data({**payload.dict(), "keeper_id": payload.keeper_id or request.user.pk}))
    _cleaned(form)
    with _on_field({"invalid_keeper": "keeper_id"}):
        talent = services.talent_create(actor=request.user, **form.service_kwargs())
    return 201, _talent_out(request, _talent(request, talent.pk))


@talents.patch("/{talent_id}", response={200: TalentOut, **ERRORS})
def update_talent(request: AuthedRequest, talent_id: int, payload: TalentPatch) -> Any:
    """Change the fields given (its keeper and the chain roles on one of its chains may)."""
    talent = _talent(request, talent_id, edit=True)
    current = {name: getattr(talent, name) for name in TALENT_FIELDS}
    current.update(hometown_id=talent.hometown_id, keeper_id=talent.keeper_id)
    current["chain_ids"] = list(talent.chains.values_list("pk", flat=True))
    form = TalentForm(_form_data({**current, **payload.dict(exclude_unset=True)}))
    _cleaned(form)
    with _on_field({"invalid_keeper": "keeper_id"}):
        services.talent_update(actor=request.user, talent=talent, **form.service_kwargs())
    return 200, _talent_out(request, _talent(request, talent.pk))


@talents.post("/{talent_id}/contacts", response={201: TalentContactOut, **ERRORS})
def add_talent_contact(request: AuthedRequest, talent_id: int, payload: TalentContactIn) -> Any:
    """Log one contact with the talent (not in the future); keeps its last contact date."""
    talent = _talent(request, talent_id, edit=True)
    data = _cleaned(ContactForm(_form_data(payload.dict())))
    with _on_field({"future": "contacted_on"}):
        contact = services.talent_contact_add(actor=request.user, talent=talent, **data)
    return 201, contact


# --- partners ---------------------------------------------------------------------------------------------


def _partner(request: AuthedRequest, pk: int, roles: frozenset[str] = ENTERPRISE_VIEWERS) -> RdPartner:
    _role(request, roles)
    return get_visible_or_404(RdPartner.objects.visible_to(request.user), pk, user=request.user)


def _partner_out(request: AuthedRequest, partner: RdPartner) -> dict[str, Any]:
    """The partner's page: its facts and the cooperations the reader may see."""
    seen = selectors.partner_cooperations(request.user, partner).select_related("partner")
    return {
        **{name: getattr(partner, name) for name in ("id", "name", "kind", "city", "fields", "notes")},
        "kind_label": partner.get_kind_display(),
        "cooperations": list(seen),
        "may_edit": permissions.may_manage_partners(request.user),
    }


def _partner_form(values: Mapping[str, Any]) -> dict[str, Any]:
    form = PartnerForm(_form_data(values))
    _cleaned(form)
    return form.service_kwargs()


@partners.get("/{partner_id}", response={200: PartnerOut, **ERRORS})
def get_partner(request: AuthedRequest, partner_id: int) -> Any:
    """One R&D partner with the local enterprises' cooperations the reader may see."""
    return 200, _partner_out(request, _partner(request, partner_id))


@partners.post("/", response={201: PartnerOut, **ERRORS})
def create_partner(request: AuthedRequest, payload: PartnerIn) -> Any:
    """Register an R&D partner (officials); names are unique, compared without case."""
    _role(request, OFFICIALS)
    if not permissions.may_manage_partners(request.user):
        raise PermissionDenied
    with _on_field({"duplicate_name": "name"}):
        partner = services.partner_create(actor=request.user, **_partner_form(payload.dict()))
    return 201, _partner_out(request, partner)


@partners.patch("/{partner_id}", response={200: PartnerOut, **ERRORS})
def update_partner(request: AuthedRequest, partner_id: int, payload: PartnerPatch) -> Any:
    partner = _partner(request, partner_id, OFFICIALS)
    if not permissions.may_manage_partners(request.user):
        raise PermissionDenied
    current = {name: getattr(partner, name) for name in ("name", "kind", "city", "fields", "notes")}
    with _on_field({"duplicate_name": "name"}):
        values = _partner_form({**current, **payload.dict(exclude_unset=True)})
        partner = services.partner_update(actor=request.user, partner=partner, **values)
    return 200, _partner_out(request, partner)


# --- cooperations -----------------------------------------------------------------------------------------

COOPERATION_FIELDS = ("subject", "started_on", "ended_on", "status")


def _enterprise(request: AuthedRequest, pk: int, roles: frozenset[str]) -> Enterprise:
    _role(request, roles)
    qs = Enterprise.objects.visible_to(request.user).select_related("liaison")
    return get_visible_or_404(qs, pk, user=request.user)


def _cooperation(request: AuthedRequest, pk: int, roles: frozenset[str] = ENTERPRISE_VIEWERS) -> RdCooperation:
    _role(request, roles)
    qs = RdCooperation.objects.visible_to(request.user).select_related("enterprise", "partner")
    return get_visible_or_404(qs, pk, user=request.user)


@cooperations.get("/", response={200: list[CooperationOut], **ERRORS})
def list_enterprise_cooperations(request: AuthedRequest, enterprise_id: Query[int]) -> Any:
    """An enterprise's R&D cooperations, newest first (its 研发合作 tab)."""
    enterprise = _enterprise(request, enterprise_id, ENTERPRISE_VIEWERS)
    return 200, list(selectors.enterprise_cooperations(enterprise).select_related("enterprise"))


@cooperations.get("/{cooperation_id}", response={200: CooperationOut, **ERRORS})
def get_cooperation(request: AuthedRequest, cooperation_id: int) -> Any:
    return 200, _cooperation(request, cooperation_id)


@cooperations.post("/", response={201: CooperationOut, **ERRORS})
def create_cooperation(request: AuthedRequest, payload: CooperationIn) -> Any:
    """Record an enterprise's R&D cooperation (whoever may edit the enterprise, its liaison included)."""
    enterprise = _enterprise(request, payload.enterprise_id, OFFICIALS)
    if not permissions.may_add_cooperation(request.user, enterprise):
        raise PermissionDenied
    data = _cleaned(CooperationForm(_form_data(payload.dict(exclude={"enterprise_id"}))))
    cooperation = services.cooperation_create(actor=request.user, enterprise=enterprise, **data)
    return 201, _cooperation(request, cooperation.pk)


@cooperations.patch("/{cooperation_id}", response={200: CooperationOut, **ERRORS})
def update_cooperation(request: AuthedRequest, cooperation_id: int, payload: CooperationPatch) -> Any:
    """Change partner, subject, period or status (the fields given); a status change is audited with both
    labels."""
    cooperation = _cooperation(request, cooperation_id, OFFICIALS)
    if not permissions.may_edit_cooperation(request.user, cooperation.enterprise):
        raise PermissionDenied
    current = {name: getattr(cooperation, name) for name in COOPERATION_FIELDS}
    current["partner_id"] = cooperation.partner_id
    data = _cleaned(CooperationForm(_form_data({**current, **payload.dict(exclude_unset=True)})))
    services.cooperation_update(actor=request.user, cooperation=cooperation, **data)
    return 200, _cooperation(request, cooperation.pk)
