"""The enterprise registry in the JSON API (/api/enterprises/): one enterprise as its page shows it to the reader,
and the registry's forms: register, edit the profile, the contacts and a year's indicators. The list is the
generic one of chaindesk/api/lists.py (the `ENTERPRISES` resource).

Each write runs the page's form over the payload (the same cleaning and messages: the USCC normalised and checked,
the regions and chain nodes the user may choose, amounts in 万元) and then the page's service (rights, audit).
404 for missing and out-of-scope alike, 403 for a role or a reader the page refuses, 422 with the Chinese
messages per field; every error as application/problem+json (chaindesk/api/errors.py)."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, NoReturn

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router
from ninja.security import django_auth

from chaindesk.accounts.choices import ENTERPRISE_VIEWERS
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core.errors import ProblemOut
from chaindesk.core.visibility import get_visible_or_404

from . import permissions, services
from .forms import ContactForm, EnterpriseForm, IndicatorForm
from .models import Contact, Enterprise, Indicator
from .resources import contact_rows, indicator_rows
from .schemas import (
    EnterpriseContactIn,
    EnterpriseContactOut,
    EnterpriseContactPatch,
    EnterpriseIn,
    EnterpriseIndicatorIn,
    EnterpriseIndicatorOut,
    EnterpriseOut,
    EnterprisePatch,
)
from .selectors import similar_enterprises

PREFIX = "enterprises"
router = Router(tags=["enterprises"], auth=django_auth)

ERRORS: dict[int, Any] = {403: ProblemOut, 404: ProblemOut, 422: ProblemOut}
# The form's field names as the API names them.
API_NAMES = {"region": "region_id", "nodes": "node_ids", "qualifications": "qualification_ids"}
PROFILE = ("name", "uscc", "region", "address", "founded_on", "business", "honours", "nodes", "qualifications")


def _refuse(form: forms.BaseForm) -> NoReturn:
    """The form's errors as the 422's field errors, under the API's field names."""
    raise ValidationError({API_NAMES.get(name, name): errors for name, errors in form.errors.as_data().items()})


def _cleaned(form: forms.BaseForm) -> dict[str, Any]:
    if not form.is_valid():
        _refuse(form)
    return form.cleaned_data


@contextmanager
def _uscc_errors() -> Iterator[None]:
    """A registered USCC is told on the uscc field, as the page does."""
    try:
        yield
    except ValidationError as error:
        if getattr(error, "code", "") == "duplicate_uscc":
            raise ValidationError({"uscc": error.messages}) from error
        raise


def _viewer(request: AuthedRequest) -> None:
    if request.user.role not in ENTERPRISE_VIEWERS:
        raise PermissionDenied


def _visible(request: AuthedRequest, pk: int) -> Enterprise:
    _viewer(request)
    qs = Enterprise.objects.visible_to(request.user).select_related("region", "liaison", "leader")
    return get_visible_or_404(qs, pk, user=request.user)


def _details_guard(request: AuthedRequest, pk: int) -> Enterprise:
    enterprise = _visible(request, pk)
    if not permissions.may_edit_details(request.user, enterprise):
        raise PermissionDenied
    return enterprise


def _detail(request: AuthedRequest, enterprise: Enterprise) -> dict[str, Any]:
    """The enterprise page's content for this reader: phones masked as the page masks them."""
    user = request.user
    fields = ("id", "name", "uscc", "region_id", "address", "founded_on", "business", "honours", "last_visit_on")
    return {
        **{name: getattr(enterprise, name) for name in fields},
        "region": enterprise.region.name,
        "chains": list(enterprise.chains.all()),
        "nodes": list(enterprise.nodes.select_related("chain")),
        "qualifications": list(enterprise.qualifications.all()),
        "liaison": enterprise.liaison,
        "leader": enterprise.leader,
        "contacts": contact_rows(enterprise, user),
        "indicators": indicator_rows(enterprise.indicators.all()),
        "may_edit": permissions.may_edit(user, enterprise),
        "may_edit_details": permissions.may_edit_details(user, enterprise),
    }


def _profile_data(values: Mapping[str, Any]) -> dict[str, Any]:
    """The API's profile fields as the enterprise form's data."""
    founded = values.get("founded_on")
    return {
        "name": values.get("name"),
        "uscc": values.get("uscc"),
        "region": values.get("region_id"),
        "address": values.get("address"),
        "founded_on": founded.isoformat() if founded else "",
        "business": values.get("business"),
        "honours": values.get("honours"),
        "nodes": values.get("node_ids") or [],
        "qualifications": values.get("qualification_ids") or [],
    }


def _current_profile(enterprise: Enterprise) -> dict[str, Any]:
    return {
        "name": enterprise.name,
        "uscc": enterprise.uscc,
        "region_id": enterprise.region_id,
        "address": enterprise.address,
        "founded_on": enterprise.founded_on,
        "business": enterprise.business,
        "honours": enterprise.honours,
        "node_ids": list(enterprise.nodes.values_list("pk", flat=True)),
        "qualification_ids": list(enterprise.qualifications.values_list("pk", flat=True)),
    }


@router.get("/{enterprise_id}", response={200: EnterpriseOut, **ERRORS})
def get_enterprise(request: AuthedRequest, enterprise_id: int) -> Any:
    """One enterprise as its page shows it: profile, chains and nodes, qualifications, liaison, contacts (phones
    in full only for those who serve it) and indicators by year (newest first, with 同比)."""
    return 200, _detail(request, _visible(request, enterprise_id))


@router.post("/", response={201: EnterpriseOut, **ERRORS})
def create_enterprise(request: AuthedRequest, payload: EnterpriseIn) -> Any:
    """Register an enterprise (city leaders and team members on a node of their chains, district admins in their
    district). When names are close to registered ones, 422 lists them (field confirm_similar) until the request
    says confirm_similar: true."""
    _viewer(request)
    if not permissions.may_create(request.user):
        raise PermissionDenied
    data = _cleaned(EnterpriseForm(_profile_data(payload.dict()), user=request.user))
    similar = similar_enterprises(data["name"])
    if similar and not payload.confirm_similar:
        names = "、".join(e.name for e in similar)
        message = _("已有名称相近的企业：%(names)s。请核对；确认不是同一家后将 confirm_similar 设为 true 再提交。")
        raise ValidationError({"confirm_similar": message % {"names": names}})
    try:
        with _uscc_errors():
            enterprise = services.enterprise_create(actor=request.user, **{k: data[k] for k in PROFILE})
    except PermissionDenied as denied:  # the form's choices hold the scope: the page tells it on the nodes
        message = _("请至少选择一个您所在产业链的环节（或您所辖地区内的地区）。")
        raise ValidationError({"node_ids": message}) from denied
    return 201, _detail(request, _visible(request, enterprise.pk))


@router.patch("/{enterprise_id}", response={200: EnterpriseOut, **ERRORS})
def update_enterprise(request: AuthedRequest, enterprise_id: int, payload: EnterprisePatch) -> Any:
    """Change the profile, nodes or qualifications (the fields given; the others keep their value): the
    enterprise's liaison and the officials in scope may."""
    enterprise = _visible(request, enterprise_id)
    if not permissions.may_edit(request.user, enterprise):
        raise PermissionDenied
    values = {**_current_profile(enterprise), **payload.dict(exclude_unset=True)}
    data = _cleaned(EnterpriseForm(_profile_data(values), user=request.user))
    with _uscc_errors():
        services.enterprise_update(actor=request.user, enterprise=enterprise, **{k: data[k] for k in PROFILE})
    return 200, _detail(request, _visible(request, enterprise.pk))


def _contact_out(request: AuthedRequest, enterprise: Enterprise, contact: Contact) -> Contact:
    full = permissions.sees_full_phones(request.user, enterprise)
    contact.shown_phone = contact.phone if full else permissions.mask_phone(contact.phone)  # type: ignore[attr-defined]
    return contact


@router.post("/{enterprise_id}/contacts", response={201: EnterpriseContactOut, **ERRORS})
def add_enterprise_contact(request: AuthedRequest, enterprise_id: int, payload: EnterpriseContactIn) -> Any:
    """Add a contact person (officials who may edit the enterprise, and its own enterprise users)."""
    enterprise = _details_guard(request, enterprise_id)
    data = _cleaned(ContactForm(payload.dict()))
    contact = services.contact_add(actor=request.user, enterprise=enterprise, **data)
    return 201, _contact_out(request, enterprise, contact)


@router.patch("/{enterprise_id}/contacts/{contact_id}", response={200: EnterpriseContactOut, **ERRORS})
def update_enterprise_contact(
    request: AuthedRequest, enterprise_id: int, contact_id: int, payload: EnterpriseContactPatch
) -> Any:
    """Change a contact's name, title, phone or is_primary (the fields given)."""
    enterprise = _details_guard(request, enterprise_id)
    contact = get_object_or_404(Contact, enterprise=enterprise, pk=contact_id)
    current = {f: getattr(contact, f) for f in ("name", "title", "phone", "is_primary")}
    data = _cleaned(ContactForm({**current, **payload.dict(exclude_unset=True)}))
    contact = services.contact_update(actor=request.user, contact=contact, **data)
    return 200, _contact_out(request, enterprise, contact)


@router.delete("/{enterprise_id}/contacts/{contact_id}", response={204: None, **ERRORS})
def delete_enterprise_contact(request: AuthedRequest, enterprise_id: int, contact_id: int) -> Any:
    """Delete a contact; the audit line keeps what it held."""
    enterprise = _details_guard(request, enterprise_id)
    contact = get_object_or_404(Contact, enterprise=enterprise, pk=contact_id)
    services.contact_remove(actor=request.user, contact=contact)
    return 204, None


def _amount(value: Decimal | None) -> str:
    """An amount in 万元 as the form reads it (a bare number is 万元), without exponent notation."""
    return "" if value is None else format(value, "f")


@router.put("/{enterprise_id}/indicators/{year}", response={200: EnterpriseIndicatorOut, **ERRORS})
def set_enterprise_indicators(
    request: AuthedRequest, enterprise_id: int, year: int, payload: EnterpriseIndicatorIn
) -> Any:
    """Create or replace one year's figures (amounts in 万元): officials who may edit the enterprise and its own
    enterprise users."""
    enterprise = _details_guard(request, enterprise_id)
    values = {
        "year": year,
        "revenue": _amount(payload.revenue),
        "tax": _amount(payload.tax),
        "employees": "" if payload.employees is None else payload.employees,
        "rd_spend": _amount(payload.rd_spend),
    }
    data = _cleaned(IndicatorForm(values))
    saved: Indicator = services.indicator_set(actor=request.user, enterprise=enterprise, **data)
    rows = indicator_rows(Indicator.objects.filter(enterprise=enterprise, year__in=(saved.year, saved.year - 1)))
    return 200, next(row for row in rows if row.year == saved.year)
