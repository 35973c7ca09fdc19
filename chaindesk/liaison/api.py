"""One-to-one service in the JSON API, two resources:

- /api/assignments/: the list is the generic one of chaindesk/api/lists.py (`ASSIGNMENTS`: the enterprises I
  serve, each row's id an enterprise's); `GET /{enterprise_id}` the enterprise's service (liaison, the periods,
  last visit, open next steps) and `POST /{enterprise_id}` assigns or hands over its liaison (liaison_assign);
- /api/visits/: an enterprise's visits (`?enterprise_id=`), one visit, logging (visit_create, with the issues and
  next steps) and correcting (visit_update) a visit, and marking a next step done (next_step_done).

Each write runs the page's form over the payload (the same choices and messages) and the page's service (rights,
audit). Photos are not uploaded through the JSON API: they are added on the visit's photos page
(/service/visits/<id>/photos/). Enterprise users read a visit's date, kind and who came, never its notes, issues,
next steps or photos (core.privacy). 404 for missing and out-of-scope alike, 403 for a role or a reader the page
refuses, 422 with the Chinese messages per field; every error as application/problem+json."""

import re
from typing import Any, NoReturn

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.security import django_auth

from chaindesk.accounts.choices import ENTERPRISE_VIEWERS, OFFICIALS
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core import clock
from chaindesk.core.errors import ProblemOut
from chaindesk.core.privacy import withhold_staff_fields
from chaindesk.core.visibility import get_visible_or_404
from chaindesk.enterprises.models import Enterprise

from . import permissions, selectors, services
from .forms import MAX_ROWS, AssignForm, VisitForm
from .models import LiaisonAssignment, NextStep, Visit
from .resources import VISITS, visit_columns
from .schemas import AssignmentOut, LiaisonAssignIn, NextStepDoneIn, VisitIn, VisitNextStepOut, VisitOut, VisitPatch

assignments = Router(tags=["assignments"], auth=django_auth)
visits = Router(tags=["visits"], auth=django_auth)
routers = {"assignments": assignments, "visits": visits}  # mounted at /api/<key>/ (chaindesk/api/api.py)

ERRORS: dict[int, Any] = {403: ProblemOut, 404: ProblemOut, 422: ProblemOut}
# The visit form's row fields (issue_1, step_owner_2 …) as the API names them (issues.0, next_steps.1.owner_id …).
ROW_FIELD = re.compile(r"^(issue|step_text|step_owner|step_due)_(\d+)$")
ROW_NAMES = {"issue": "issues.{n}", "step_text": "next_steps.{n}.text", "step_owner": "next_steps.{n}.owner_id"}
ROW_NAMES["step_due"] = "next_steps.{n}.due_on"


def _api_field(name: str) -> str:
    match = ROW_FIELD.match(name)
    if match:
        return ROW_NAMES[match.group(1)].format(n=int(match.group(2)) - 1)
    return {"participants": "participant_ids", "liaison": "liaison_id", "leader": "leader_id"}.get(name, name)


def _cleaned(form: forms.BaseForm) -> dict[str, Any]:
    if not form.is_valid():
        _refuse(form)
    return form.cleaned_data


def _refuse(form: forms.BaseForm) -> NoReturn:
    raise ValidationError({_api_field(name): errors for name, errors in form.errors.as_data().items()})


def _role(request: AuthedRequest, roles: frozenset[str]) -> None:
    if request.user.role not in roles:
        raise PermissionDenied


def _enterprise(request: AuthedRequest, pk: int, roles: frozenset[str]) -> Enterprise:
    _role(request, roles)
    qs = Enterprise.objects.visible_to(request.user).select_related("liaison", "leader")
    return get_visible_or_404(qs, pk, user=request.user)


# --- assignments ------------------------------------------------------------------------------------------


def _service(request: AuthedRequest, pk: int) -> dict[str, Any]:
    """The enterprise's one-to-one service, as the assign page and the timeline show it to officials."""
    _role(request, OFFICIALS)
    qs = selectors.with_service_columns(Enterprise.objects.visible_to(request.user).select_related("liaison", "leader"))
    enterprise = get_visible_or_404(qs, pk, user=request.user)
    periods = LiaisonAssignment.objects.filter(enterprise=enterprise).select_related("liaison", "leader", "assigned_by")
    history = list(periods)
    return {
        "id": enterprise.pk,
        "enterprise": enterprise.name,
        "liaison": enterprise.liaison,
        "leader": enterprise.leader,
        "last_visit_on": enterprise.last_visit_on,
        "stale": enterprise.stale,  # type: ignore[attr-defined]
        "open_steps": enterprise.open_steps,  # type: ignore[attr-defined]
        "current": next((p for p in history if p.ended_on is None), None),
        "history": history,
        "may_assign": permissions.may_assign(request.user, enterprise),
    }


@assignments.get("/{enterprise_id}", response={200: AssignmentOut, **ERRORS})
def get_assignment(request: AuthedRequest, enterprise_id: int) -> Any:
    """An enterprise's one-to-one service (officials who see the enterprise)."""
    return 200, _service(request, enterprise_id)


@assignments.post("/{enterprise_id}", response={200: AssignmentOut, **ERRORS})
def assign_liaison(request: AuthedRequest, enterprise_id: int, payload: LiaisonAssignIn) -> Any:
    """Assign a liaison (and optionally a city leader) from started_on, handing over from the current one: the
    chain team of the enterprise and the admin of its district may. The same liaison and leader again change
    nothing."""
    enterprise = _enterprise(request, enterprise_id, OFFICIALS)
    if not permissions.may_assign(request.user, enterprise):
        raise PermissionDenied
    data = {
        "liaison": payload.liaison_id,
        "leader": payload.leader_id or "",
        "started_on": (payload.started_on or clock.today()).isoformat(),
        "note": payload.note,
    }
    services.liaison_assign(actor=request.user, enterprise=enterprise, **_cleaned(AssignForm(data)))
    return 200, _service(request, enterprise.pk)


# --- visits -----------------------------------------------------------------------------------------------


def _visit_out(visit: Visit, enterprise: Enterprise, internal: bool, withheld: list[str]) -> dict[str, Any]:
    return {
        "id": visit.pk,
        "enterprise_id": enterprise.pk,
        "enterprise": enterprise.name,
        "visited_on": visit.visited_on,
        "kind": visit.kind,
        "kind_label": visit.get_kind_display(),
        "participants": list(visit.participants.all()),
        "other_participants": visit.other_participants,
        "created_by": visit.created_by,
        "notes": visit.notes if internal else None,
        "issues": [
            {"id": i.pk, "text": i.text, "demand_id": i.became.pk if i.became else None}  # type: ignore[attr-defined]
            for i in (visit.issues.all() if internal else ())
        ],
        "next_steps": list(visit.next_steps.all()) if internal else [],
        "photo_ids": visit.photo_pk_list() if internal else [],
        "withheld": withheld,
    }


def _visits(request: AuthedRequest, enterprise: Enterprise, pk: int | None = None) -> list[dict[str, Any]]:
    """The enterprise's visits as its visits page shows them to this reader (newest first)."""
    user = request.user
    internal = permissions.sees_internal_notes(user)
    qs = selectors.enterprise_visits(enterprise, internal=internal, reader=user).prefetch_related("participants")
    read = withhold_staff_fields(qs.filter(pk=pk) if pk is not None else qs, user)
    if internal:
        selectors.mark_converted_issues(read)
    withheld = [c.key for c in VISITS if c not in visit_columns(user)]
    return [_visit_out(v, enterprise, internal, withheld) for v in read]


def _visit(request: AuthedRequest, pk: int, roles: frozenset[str]) -> Visit:
    _role(request, roles)
    qs = Visit.objects.visible_to(request.user).select_related("enterprise__liaison", "enterprise__leader")
    return get_visible_or_404(qs, pk, user=request.user)


@visits.get("/", response={200: list[VisitOut], **ERRORS})
def list_enterprise_visits(request: AuthedRequest, enterprise_id: Query[int]) -> Any:
    """An enterprise's visits, newest first (its visits tab)."""
    return 200, _visits(request, _enterprise(request, enterprise_id, ENTERPRISE_VIEWERS))


@visits.get("/{visit_id}", response={200: VisitOut, **ERRORS})
def get_visit(request: AuthedRequest, visit_id: int) -> Any:
    visit = _visit(request, visit_id, ENTERPRISE_VIEWERS)
    return 200, _visits(request, visit.enterprise, visit.pk)[0]


def _visit_data(values: dict[str, Any]) -> dict[str, Any]:
    """The API's visit as the visit form's data: one numbered row per issue and next step."""
    issues, steps = values.get("issues") or [], values.get("next_steps") or []
    for key, rows in (("issues", issues), ("next_steps", steps)):
        if len(rows) > MAX_ROWS:
            raise ValidationError({key: _("一次走访最多记录 %(n)s 条。") % {"n": MAX_ROWS}})
    data: dict[str, Any] = {
        "visited_on": values["visited_on"].isoformat() if values.get("visited_on") else "",
        "kind": values.get("kind") or "",
        "notes": values.get("notes") or "",
        "participants": [str(pk) for pk in values.get("participant_ids") or []],
        "other_participants": values.get("other_participants") or "",
    }
    for n, text in enumerate(issues, 1):
        data[f"issue_{n}"] = text
    for n, step in enumerate(steps, 1):
        data.update({f"step_text_{n}": step["text"], f"step_owner_{n}": step["owner_id"]})
        data[f"step_due_{n}"] = step["due_on"].isoformat()
    return data


@visits.post("/", response={201: VisitOut, **ERRORS})
def create_visit(request: AuthedRequest, payload: VisitIn) -> Any:
    """Log a visit with the issues raised and the next steps agreed (the enterprise's liaison, its linked city
    leader and its chain team may). Photos are not uploaded here: add them on the visit's photos page."""
    enterprise = _enterprise(request, payload.enterprise_id, OFFICIALS)
    if not permissions.may_log_visit(request.user, enterprise, visible=True):
        raise PermissionDenied
    form = VisitForm(_visit_data(payload.dict()), user=request.user, enterprise=enterprise)
    _cleaned(form)
    visit = services.visit_create(actor=request.user, enterprise=enterprise, **form.service_kwargs())
    return 201, _visits(request, enterprise, visit.pk)[0]


@visits.patch("/{visit_id}", response={200: VisitOut, **ERRORS})
def update_visit(request: AuthedRequest, visit_id: int, payload: VisitPatch) -> Any:
    """Correct a visit's date, kind, notes and participants (the fields given); whoever may log visits on the
    enterprise may. Moving the date recomputes the enterprise's last visit."""
    visit = _visit(request, visit_id, OFFICIALS)
    enterprise = visit.enterprise
    if not permissions.may_log_visit(request.user, enterprise):
        raise PermissionDenied
    given = payload.dict(exclude_unset=True)
    current = {f: getattr(visit, f) for f in ("visited_on", "kind", "notes", "other_participants")}
    data = _cleaned(VisitForm(_visit_data({**current, **given}), user=request.user, enterprise=enterprise))
    services.visit_update(
        actor=request.user,
        visit=visit,
        visited_on=data["visited_on"],
        kind=data["kind"],
        notes=data["notes"],
        participants=list(data["participants"]) if "participant_ids" in given else None,
        other_participants=data["other_participants"],
    )
    return 200, _visits(request, enterprise, visit.pk)[0]


@visits.post("/{visit_id}/next-steps/{step_id}/done", response={200: VisitNextStepOut, **ERRORS})
def complete_next_step(request: AuthedRequest, visit_id: int, step_id: int, payload: NextStepDoneIn) -> Any:
    """Mark a visit's next step done (its owner and whoever may log visits on the enterprise); done twice
    changes nothing."""
    _role(request, OFFICIALS)
    qs = NextStep.objects.visible_to(request.user).select_related("visit__enterprise", "owner")
    step = get_visible_or_404(qs, step_id, user=request.user)
    if step.visit_id != visit_id:
        raise Http404
    step = services.next_step_done(actor=request.user, step=step, done_on=payload.done_on or clock.today())
    return 200, step
