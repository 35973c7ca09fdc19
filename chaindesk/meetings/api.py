"""Meetings in the JSON API (/api/meetings/): one meeting as its page shows it, and the team's writes through the
same forms and services as the pages: the meeting form (facts, attendees by id, stops and speeches as ordered
rows: chaindesk/meetings/services_meetings.py `meeting_record`), deleting a meeting, and its decisions (议定事项:
record, correct, delete, 转为诉求 for one about an enterprise, 交办 for any other: chaindesk/meetings/services.py).
The list is chaindesk/api/lists.py's, installed on this router's "/" (GET /api/meetings/).

Who may: officials read what they see (403 for other roles, as the pages); the service team of the meeting's
chain writes (403 for another reader who sees the meeting). 404 for missing and out of scope alike; 422 with the
Chinese message for bad input or a broken rule (the refusal to delete a meeting whose decision became a demand,
a decision already carried), on the API's field names; every error as application/problem+json.

Attachments and site-visit photos are not uploaded or removed through the JSON API (the meeting form on the page
does that); a PATCH keeps them, and the detail lists them with their download addresses."""

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import Router

from chaindesk.accounts.choices import OFFICIALS
from chaindesk.accounts.models import User
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core import clock
from chaindesk.core.errors import ProblemOut
from chaindesk.core.visibility import get_visible_or_404
from chaindesk.demands.models import Category

from . import permissions, services, services_meetings
from .agenda import agenda_items
from .forms import DecisionForm, ToDemandForm
from .forms_meetings import MeetingForm, initial_from, team_chains
from .models import Decision, Meeting, MeetingKind
from .resources import MEETINGS
from .schemas import (
    DecisionIn,
    DecisionOut,
    DecisionPatch,
    MeetingFields,
    MeetingIn,
    MeetingOut,
    SiteVisitIn,
    SpeechIn,
    ToDemandIn,
)
from .selectors_decisions import decision_rows
from .selectors_meetings import attending_people, meeting_sections

PREFIX = MEETINGS.api_name
router = Router(tags=["meetings"])

READ = {403: ProblemOut, 404: ProblemOut}
WRITE = {403: ProblemOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut}

# --- lookups -------------------------------------------------------------------------------------------------


def _meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    """The meeting from the reader's visible set (404 otherwise), for an official (403 otherwise)."""
    if getattr(request.user, "role", None) not in OFFICIALS:
        raise PermissionDenied
    qs = Meeting.objects.visible_to(request.user).select_related(
        "chain",
        "region",
        "created_by",
        "leader__department",
        "leader__region",
        "chair__department",
        "chair__region",
    )
    return get_visible_or_404(qs, meeting_id, user=request.user)


def _managed(request: HttpRequest, meeting_id: int) -> Meeting:
    """A meeting the reader sees, for the team of its chain only (403 otherwise)."""
    meeting = _meeting(request, meeting_id)
    if not services_meetings.may_write(request.user, meeting.chain_id):
        raise PermissionDenied(_("您无权录入或修改该产业链的会议：只有该产业链的服务团队可以操作。"))
    return meeting


def _decision(request: HttpRequest, meeting: Meeting, decision_id: int) -> Decision:
    """A decision of the meeting (404 otherwise), for the team of the meeting's chain only (403 otherwise)."""
    qs = Decision.objects.visible_to(request.user).filter(meeting=meeting)
    decision = get_visible_or_404(
        qs.select_related("meeting__chain", "meeting__region", "enterprise", "demand"), decision_id, user=request.user
    )
    if not permissions.can_manage_decisions(request.user, meeting):
        raise PermissionDenied(_("您无权处理该会议的议定事项：只有该产业链的服务团队可以录入和转办。"))
    return decision


# --- refusals on the API's field names -------------------------------------------------------------------------

FACTS = {
    "chain_id": "chain",
    "kind": "kind",
    "title": "title",
    "held_on": "held_on",
    "starts_at": "starts_at",
    "ends_at": "ends_at",
    "region_id": "region",
    "location": "location",
    "leader_id": "leader",
    "chair_id": "chair",
    "attendee_ids": "attendees",
    "attendee_department_ids": "attendee_departments",
    "attendee_region_ids": "attendee_regions",
    "attendee_enterprise_ids": "attendee_enterprises",
    "guests": "guests",
    "summary": "summary",
}
FORM_TO_API = {form: api for api, form in FACTS.items()}
ROW_FIELDS = {"enterprise": "enterprise_id", "project": "project_id", "who": "department_id"}
ROW_FIELDS |= {"department": "department_id", "region": "region_id"}
ROW_KEY = re.compile(r"^(sv|sp)_([a-z_]+)_(\d+)$")
DECISION_FIELDS = {"enterprise": "enterprise_id", "departments": "department_ids", "lead": "lead_department_id"}
TO_DEMAND_FIELDS = {"project": "project_id"}


def _api_field(name: str, names: Mapping[str, str]) -> str:
    """A form's or a service's field as the API names it (sv_enterprise_2 → site_visits.1.enterprise_id)."""
    row = ROW_KEY.match(name)
    if row is None:
        return names.get(name, name)
    prefix, field, number = row.groups()
    rows = "site_visits" if prefix == "sv" else "speeches"
    return f"{rows}.{int(number) - 1}.{ROW_FIELDS.get(field, field)}"


def _renamed(errors: Mapping[str, Iterable[Any]], names: Mapping[str, str]) -> ValidationError:
    return ValidationError(
        {
            name if name == NON_FIELD_ERRORS else _api_field(name, names): [str(m) for m in messages]
            for name, messages in errors.items()
        }
    )


def _cleaned(form: BaseForm, names: Mapping[str, str]) -> dict[str, Any]:
    """The form's cleaned data, or its errors as a 422 on the API's field names (nothing written)."""
    if not form.is_valid():
        raise _renamed(form.errors, names)
    return form.cleaned_data


def _on_api_fields(error: ValidationError, names: Mapping[str, str]) -> ValidationError:
    return _renamed(error.message_dict, names) if hasattr(error, "error_dict") else error


# --- the meeting as its page shows it -------------------------------------------------------------------------


def _named(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": str(obj.name)}


def _department(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": obj.name, "short_name": obj.short_name}


def _person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "id": user.pk,
        "name": str(user),
        "title": user.title,
        "role": user.role,
        "role_label": str(user.get_role_display()),
        "department": user.department.short_name if user.department_id and user.department else "",
        "region": user.region.name if user.region_id and user.region else "",
    }


def _file(stored: Any, url_name: str, *, uploader: bool = True) -> dict[str, Any]:
    """A stored file with its download address; who uploaded it where the page says so (attachments)."""
    return {
        "id": stored.pk,
        "name": stored.original_name,
        "content_type": stored.content_type,
        "size": stored.size,
        "uploaded_by": str(stored.uploaded_by) if uploader and stored.uploaded_by_id else "",
        "uploaded_at": stored.created_at,
        "url": reverse(url_name, args=[stored.pk]),
    }


def decision_out(d: Decision) -> dict[str, Any]:
    """A row of `selectors_decisions.decision_rows` as the API shows it."""
    demand = d.demand
    return {
        "id": d.pk,
        "meeting_id": d.meeting_id,
        "seq": d.seq,
        "content": d.content,
        "enterprise": _named(d.enterprise),
        "departments": [_department(dep) for dep in d.departments],  # type: ignore[attr-defined]
        "lead_department_id": d.lead_id,  # type: ignore[attr-defined]
        "working_days": d.working_days,
        "deadline": d.deadline,
        "progress": d.progress,  # type: ignore[attr-defined]
        "progress_label": d.progress_label,  # type: ignore[attr-defined]
        "demand": None
        if demand is None
        else {
            "id": demand.pk,
            "title": demand.title,
            "status": demand.status,
            "status_label": str(demand.get_status_display()),
            "visible": bool(d.demand_visible),  # type: ignore[attr-defined]
            "task_count": d.task_count or 0,  # type: ignore[attr-defined]
        },
    }


def _agenda(meeting: Meeting, user: Any, today: dt.date) -> list[dict[str, Any]]:
    rows = []
    for item in agenda_items(meeting, user, today):
        live = item.live  # type: ignore[attr-defined]
        rows.append(
            {
                "id": item.pk,
                "seq": item.seq,
                "kind": item.kind,
                "kind_label": str(item.get_kind_display()),
                "title": item.title,
                "note": item.note,
                "dropped": item.dropped,
                "tags": [{"label": str(label), "colour": colour} for label, colour in live.tags],
                "facts": [str(fact) for fact in live.facts],
                "department": getattr(live.department, "short_name", "") or "",
                "url": live.url,
            }
        )
    return rows


def _attendance(meeting: Meeting, people: list[User], groups: list[Any]) -> dict[str, Any]:
    return {
        "people": [_person(u) for u in people],
        "departments": [_department(d) for d in meeting.attendee_departments.order_by("sort_order", "pk")],
        "regions": [_named(r) for r in meeting.attendee_regions.order_by("sort_order", "code")],
        "enterprises": [_named(e) for e in meeting.attendee_enterprises.order_by("name")],
        "guests": [line.strip() for line in (meeting.guests or "").splitlines() if line.strip()],
        "groups": [
            {"key": g.key, "label": str(g.label), "entries": [{"name": e.name, "note": e.note} for e in g.entries]}
            for g in groups
        ],
    }


def meeting_out(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    """Everything the meeting page shows, read as the page reads it."""
    today = clock.today()
    people = list(attending_people(meeting))
    sections = meeting_sections(meeting, people)
    return {
        "id": meeting.pk,
        "title": meeting.title,
        "kind": meeting.kind,
        "kind_label": str(meeting.get_kind_display()),
        "chain": _named(meeting.chain),
        "held_on": meeting.held_on,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "region": _named(meeting.region),
        "location": meeting.location,
        "place": meeting.place,
        "leader": _person(meeting.leader),
        "chair": _person(meeting.chair),
        "attendance": _attendance(meeting, people, sections.groups),
        "site_visits": [
            {
                "id": stop.pk,
                "seq": stop.seq,
                "enterprise": _named(stop.enterprise),
                "project": _named(stop.project),
                "place": stop.place,
                "notes": stop.notes,
                "photos": [_file(p, "meetings:site_visit_photo", uploader=False) for p in stop.photos.all()],
            }
            for stop in sections.site_visits
        ],
        "speeches": [
            {
                "id": s.pk,
                "seq": s.seq,
                "department": _department(s.department),
                "region": _named(s.region),
                "enterprise": _named(s.enterprise),
                "speaker": s.speaker,
                "topic": s.topic,
                "content": s.content,
            }
            for s in sections.speeches
        ],
        "summary": meeting.summary,
        "attachments": [_file(a, "meetings:attachment") for a in sections.attachments],
        "decisions": [decision_out(d) for d in decision_rows(request.user, meeting, today)],
        "agenda": _agenda(meeting, request.user, today),
        "created_by": str(meeting.created_by) if meeting.created_by_id else "",
        "created_at": meeting.created_at,
        "may_manage": permissions.can_manage_decisions(request.user, meeting),
    }


def _decision_out(request: HttpRequest, meeting: Meeting, decision_id: int) -> dict[str, Any]:
    rows = decision_rows(request.user, meeting, clock.today())
    return decision_out(next(d for d in rows if d.pk == decision_id))


@router.get("/{meeting_id}", response={200: MeetingOut, **READ})
def get_meeting(request: HttpRequest, meeting_id: int) -> Any:
    """One meeting as its page shows it, for the officials who see it (403 for other roles)."""
    return 200, meeting_out(request, _meeting(request, meeting_id))


# --- the meeting form --------------------------------------------------------------------------------------


def _text(value: Any) -> Any:
    """A value as the form's POST would carry it."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return [_text(v) for v in value]
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(getattr(value, "value", value))


def _stop_fields(n: int, row: SiteVisitIn) -> dict[str, Any]:
    values = {"id": row.id, "enterprise": row.enterprise_id, "project": row.project_id, "place": row.place}
    return {f"sv_{key}_{n}": value for key, value in {**values, "notes": row.notes, "order": n}.items()}


def _who(n: int, row: SpeechIn) -> str:
    chosen = [
        f"{kind}:{pk}"
        for kind, pk in (("d", row.department_id), ("r", row.region_id), ("e", row.enterprise_id))
        if pk is not None
    ]
    if len(chosen) > 1:
        raise ValidationError({f"speeches.{n - 1}.department_id": _("发言单位只能选择一个。")})
    return chosen[0] if chosen else ""


def _speech_fields(n: int, row: SpeechIn) -> dict[str, Any]:
    values = {"id": row.id, "who": _who(n, row), "speaker": row.speaker, "topic": row.topic}
    return {f"sp_{key}_{n}": value for key, value in {**values, "content": row.content, "order": n}.items()}


def _rows(data: dict[str, Any], prefix: str, rows: list[Any], existing: Iterable[int]) -> None:
    """Replace the form's rows of `prefix` by `rows` in their order; existing rows not named are deleted."""
    for key in [k for k in data if k.startswith(f"{prefix}_")]:
        del data[key]
    fields = _stop_fields if prefix == "sv" else _speech_fields
    for n, row in enumerate(rows, start=1):
        data.update(fields(n, row))
    named = {row.id for row in rows if row.id is not None}
    n = len(rows)
    for pk in existing:
        if pk not in named:
            n += 1
            data.update({f"{prefix}_id_{n}": pk, f"{prefix}_delete_{n}": "on", f"{prefix}_order_{n}": n})


def _form_data(meeting: Meeting | None, payload: MeetingFields) -> MultiValueDict[str, Any]:
    """The meeting form's POST for `payload` over the meeting as it is (a new meeting: the payload alone)."""
    data: dict[str, Any] = initial_from(meeting) if meeting is not None else {"kind": MeetingKind.REGULAR}
    given = payload.model_fields_set
    for api_name, form_name in FACTS.items():
        if api_name in given:
            data[form_name] = getattr(payload, api_name)
    if payload.site_visits is not None:
        _rows(data, "sv", payload.site_visits, meeting.site_visits.values_list("pk", flat=True) if meeting else ())
    if payload.speeches is not None:
        _rows(data, "sp", payload.speeches, meeting.speeches.values_list("pk", flat=True) if meeting else ())
    posted: MultiValueDict[str, Any] = MultiValueDict()
    for key, value in data.items():
        text = _text(value)
        posted.setlist(key, text if isinstance(text, list) else [text])
    return posted


def _record(request: AuthedRequest, meeting: Meeting | None, payload: MeetingFields) -> Meeting:
    """Validate as the meeting form does, then save through `meeting_record` (all or nothing)."""
    form = MeetingForm(_form_data(meeting, payload), MultiValueDict(), user=request.user, meeting=meeting)
    _cleaned(form, FORM_TO_API)
    try:
        return services_meetings.meeting_record(actor=request.user, meeting=meeting, **form.service_kwargs())
    except ValidationError as error:
        raise _on_api_fields(error, FORM_TO_API) from error


@router.post("/", response={201: MeetingOut, **WRITE})
def create_meeting(request: AuthedRequest, payload: MeetingIn) -> Any:
    """新建会议 of a chain whose service team the user is on (403 for anyone on no team), with its attendees,
    stops and speeches."""
    if getattr(request.user, "role", None) not in OFFICIALS or not team_chains(request.user).exists():
        raise PermissionDenied(_("只有产业链服务团队的市领导和成员可以新建会议。"))
    meeting = _record(request, None, payload)
    return 201, meeting_out(request, _meeting(request, meeting.pk))


@router.patch("/{meeting_id}", response={200: MeetingOut, **WRITE})
def update_meeting(request: AuthedRequest, meeting_id: int, payload: MeetingFields) -> Any:
    """编辑会议: only the fields given change; `site_visits` and `speeches`, when given, are the full ordered lists
    (rows with an id are kept and corrected, rows without one added, existing rows left out removed)."""
    meeting = _record(request, _managed(request, meeting_id), payload)
    return 200, meeting_out(request, _meeting(request, meeting.pk))


@router.delete("/{meeting_id}", response={204: None, **WRITE})
def delete_meeting(request: AuthedRequest, meeting_id: int) -> Any:
    """删除会议 with its stops, speeches, files, agenda and decisions; refused (422) when one of its decisions was
    turned into a demand or assigned, or a briefing was made of it."""
    services_meetings.meeting_delete(actor=request.user, meeting=_managed(request, meeting_id))
    return 204, None


# --- decisions -----------------------------------------------------------------------------------------------


def _decision_data(payload: DecisionIn | DecisionPatch, initial: Mapping[str, Any]) -> dict[str, Any]:
    given = payload.model_fields_set
    values = dict(initial)
    for api_name, form_name in (
        ("content", "content"),
        ("enterprise_id", "enterprise"),
        ("department_ids", "departments"),
        ("lead_department_id", "lead"),
        ("working_days", "working_days"),
    ):
        if api_name in given:
            values[form_name] = getattr(payload, api_name)
    return {key: _text(value) for key, value in values.items()}


def _decision_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: data[key] for key in ("content", "enterprise", "departments", "lead", "working_days")}


@router.post("/{meeting_id}/decisions", response={201: DecisionOut, **WRITE})
def add_meeting_decision(request: AuthedRequest, meeting_id: int, payload: DecisionIn) -> Any:
    """添加议定事项, numbered after the meeting's last one: the chain's team only."""
    meeting = _meeting(request, meeting_id)
    if not permissions.can_manage_decisions(request.user, meeting):
        raise PermissionDenied(_("您无权处理该会议的议定事项：只有该产业链的服务团队可以录入和转办。"))
    form = DecisionForm(_decision_data(payload, {}), meeting=meeting)
    data = _cleaned(form, DECISION_FIELDS)
    try:
        decision = services.decision_add(actor=request.user, meeting=meeting, **_decision_fields(data))
    except ValidationError as error:
        raise _on_api_fields(error, DECISION_FIELDS) from error
    return 201, _decision_out(request, meeting, decision.pk)


@router.patch("/{meeting_id}/decisions/{decision_id}", response={200: DecisionOut, **WRITE})
def update_meeting_decision(request: AuthedRequest, meeting_id: int, decision_id: int, payload: DecisionPatch) -> Any:
    """修改议定事项: only the fields given change. Once a demand carries it, its enterprise stays; once assigned,
    its departments and working days too (422)."""
    meeting = _meeting(request, meeting_id)
    decision = _decision(request, meeting, decision_id)
    initial = DecisionForm.for_decision(decision).initial
    form = DecisionForm(_decision_data(payload, initial), meeting=meeting)
    data = _cleaned(form, DECISION_FIELDS)
    try:
        services.decision_update(actor=request.user, decision=decision, **_decision_fields(data))
    except ValidationError as error:
        raise _on_api_fields(error, DECISION_FIELDS) from error
    return 200, _decision_out(request, meeting, decision.pk)


@router.delete("/{meeting_id}/decisions/{decision_id}", response={204: None, **WRITE})
def delete_meeting_decision(request: AuthedRequest, meeting_id: int, decision_id: int) -> Any:
    """删除议定事项 recorded by mistake; refused (422) once a demand carries it."""
    decision = _decision(request, _meeting(request, meeting_id), decision_id)
    services.decision_delete(actor=request.user, decision=decision)
    return 204, None


@router.post("/{meeting_id}/decisions/{decision_id}/assign", response={200: DecisionOut, **WRITE})
def assign_meeting_decision(request: AuthedRequest, meeting_id: int, decision_id: int) -> Any:
    """交办 a decision that is not about one enterprise to its responsible departments (one task each, due on its
    deadline), at most once; 422 when it is about an enterprise, already assigned, or lacks departments or days."""
    meeting = _meeting(request, meeting_id)
    services.decision_assign(actor=request.user, decision=_decision(request, meeting, decision_id))
    return 200, _decision_out(request, meeting, decision_id)


@router.post("/{meeting_id}/decisions/{decision_id}/to-demand", response={200: DecisionOut, **WRITE})
def meeting_decision_to_demand(request: AuthedRequest, meeting_id: int, decision_id: int, payload: ToDemandIn) -> Any:
    """转为诉求: a decision about an enterprise becomes that enterprise's demand (channel 会议决定), at most once;
    the title and description default to the decision's, as the page prefills them."""
    meeting = _meeting(request, meeting_id)
    decision = _decision(request, meeting, decision_id)
    category = Category.objects.filter(code=payload.category).values_list("pk", flat=True).first()
    prefill = ToDemandForm(decision=decision).initial  # the page's: the content's first line, the content
    posted = {
        "title": prefill["title"] if payload.title is None else payload.title,
        "description": prefill["description"] if payload.description is None else payload.description,
        "category": _text(category if category is not None else payload.category),
        "urgency": payload.urgency.value,
        "project": _text(payload.project_id),
    }
    form = ToDemandForm(posted, decision=decision)
    data = _cleaned(form, TO_DEMAND_FIELDS)
    try:
        services.decision_to_demand(
            actor=request.user,
            decision=decision,
            title=data["title"].strip(),
            description=data["description"].strip(),
            category=data["category"],
            urgency=data["urgency"],
            project=data["project"],
        )
    except ValidationError as error:
        raise _on_api_fields(error, TO_DEMAND_FIELDS) from error
    return 200, _decision_out(request, meeting, decision_id)
