"""Writes of meetings themselves (issue 12 item 1): record, correct and delete a meeting; its site-visit stops
(现场观摩), speeches (交流发言), attachments and site-visit photos; and each user's private calendar feed (ICS).

Keyword-only, atomic, audited in the same transaction (the style of chaindesk.meetings.services). Only the
service team of the meeting's chain writes (permissions.is_team_of_chain: its city leaders and team members); a
city-wide system actor (chaindesk.core.actors) writes for imports and the demo. Refusals: PermissionDenied for
an actor without the right, ValidationError with a Chinese message (on the field it concerns) for bad input.

Every change of a stop, a speech or a file is audited on its own row and, as one readable line, on the meeting
too, so the meeting's 历史记录 tells its whole story. Uploads are checked by their content
(chaindesk/core/uploads.py) before anything is written; a stored file is deleted only once its removal is
committed. A meeting whose decisions were turned into demands is never deleted: the demands point back to it.

`meeting_record` is what the meeting form calls: the facts, then the ordered rows of stops and speeches (added,
changed, removed, reordered) and the files, in one transaction."""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import models, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from chaindesk.accounts.choices import OFFICIALS, Role
from chaindesk.accounts.models import Department, Region, User
from chaindesk.chains.models import Chain
from chaindesk.core import audit, uploads
from chaindesk.core.actors import Actor, is_system, person, person_or_none, require_actor
from chaindesk.core.models import AuditAction
from chaindesk.core.services import audited_create, audited_update
from chaindesk.enterprises.models import Enterprise
from chaindesk.projects.models import Project

from . import permissions
from . import services as decisions
from .models import (
    CalendarFeed,
    Meeting,
    MeetingAttachment,
    MeetingKind,
    SiteVisit,
    SiteVisitPhoto,
    Speech,
    new_calendar_token,
)

TEXT_MAX = 5000  # notes, speech points, guests
SUMMARY_MAX = 20000  # the minutes
ROWS_MAX = 30  # stops or speeches of one meeting
ATTENDEE_ROLES = OFFICIALS | {Role.DEPT_HANDLER}  # who may be listed as attending in person
FEED_ROLES = ATTENDEE_ROLES  # who may hold a calendar feed: whoever may attend
M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class MeetingFacts:
    """What a meeting is: when, where, who led, chaired and attended, and its minutes. A blank title becomes
    "<产业链>产业链服务团队<类型>"."""

    chain: Chain
    held_on: dt.date
    leader: User
    kind: str = MeetingKind.REGULAR
    title: str = ""
    starts_at: dt.time | None = None
    ends_at: dt.time | None = None
    region: Region | None = None
    location: str = ""
    chair: User | None = None
    guests: str = ""
    summary: str = ""
    attendees: Sequence[User] = ()
    attendee_departments: Sequence[Department] = ()
    attendee_regions: Sequence[Region] = ()
    attendee_enterprises: Sequence[Enterprise] = ()


@dataclass(frozen=True)
class SiteVisitInput:
    """A stop of the site visit: an enterprise and/or one of its projects, or a place not on record."""

    enterprise: Enterprise | None = None
    project: Project | None = None
    place: str = ""
    notes: str = ""


@dataclass(frozen=True)
class SpeechInput:
    """Who spoke (one of a department, a district, an enterprise; and/or a person as text), on what."""

    department: Department | None = None
    region: Region | None = None
    enterprise: Enterprise | None = None
    speaker: str = ""
    topic: str = ""
    content: str = ""


@dataclass(frozen=True)
class SiteVisitRow:
    """One row of the form's stops: `pk` None adds, `data` None removes; photos added and removed with it.
    `ref` is the row's number on the form, which a refusal names (sv_notes_2); 0: its place in the list."""

    pk: int | None
    data: SiteVisitInput | None
    photos: Sequence[Any] = ()
    remove_photos: Sequence[int] = ()
    ref: int = 0


@dataclass(frozen=True)
class SpeechRow:
    """One row of the form's speeches (as SiteVisitRow)."""

    pk: int | None
    data: SpeechInput | None
    ref: int = 0


M2M = ("attendees", "attendee_departments", "attendee_regions", "attendee_enterprises")
CONCRETE = tuple(f.name for f in fields(MeetingFacts) if f.name not in M2M)


# --- who may write --------------------------------------------------------------------------------------


def may_write(user: Any, chain_id: int) -> bool:
    """The service team of the chain (its city leaders and team members)."""
    return permissions.is_team_of_chain(user, chain_id)


def _need_team(actor: Actor, chain_id: int) -> None:
    require_actor(actor)
    if not is_system(actor) and not may_write(actor, chain_id):
        raise PermissionDenied(_("您无权录入或修改该产业链的会议：只有该产业链的服务团队可以操作。"))


def _note(meeting: Meeting, actor: Actor, message: str) -> None:
    """One readable line on the meeting's own history for a change of one of its rows or files."""
    audit.record(action=AuditAction.UPDATE, actor=actor, obj=meeting, message=message[:500])


# --- the meeting ----------------------------------------------------------------------------------------


def _official(user: User | None, name: str, message: str) -> None:
    if user is not None and (not user.is_active or user.role not in OFFICIALS):
        raise ValidationError({name: message}, code=name)


def _check_times(facts: MeetingFacts) -> None:
    if facts.ends_at is not None and facts.starts_at is None:
        raise ValidationError({"starts_at": _("填写结束时间时，请同时填写开始时间。")}, code="no_start")
    if facts.starts_at is not None and facts.ends_at is not None and facts.ends_at <= facts.starts_at:
        raise ValidationError({"ends_at": _("结束时间须晚于开始时间。")}, code="ends_before_start")


def _check_facts(facts: MeetingFacts) -> None:
    """The rules of a meeting's facts; the first broken one is raised on its field."""
    if facts.kind not in MeetingKind.values:
        raise ValidationError({"kind": _("请选择会议类型。")}, code="kind")
    _check_times(facts)
    _official(facts.leader, "leader", _("带队领导须为在岗的市领导或工作人员。"))
    _official(facts.chair, "chair", _("主持人须为在岗的市领导或工作人员。"))
    if any(not u.is_active or u.role not in ATTENDEE_ROLES for u in facts.attendees):
        raise ValidationError({"attendees": _("参会人员须为在岗的领导、工作人员或部门经办人。")}, code="attendees")
    if any(not d.is_active for d in facts.attendee_departments):
        raise ValidationError({"attendee_departments": _("参会部门中有已停用的部门，请重新选择。")}, code="dept")
    if len(facts.summary) > SUMMARY_MAX:
        raise ValidationError({"summary": _("会议纪要请控制在%(n)s字以内。") % {"n": SUMMARY_MAX}}, code="long")
    if len(facts.guests) > TEXT_MAX:
        raise ValidationError({"guests": _("其他参会人员请控制在%(n)s字以内。") % {"n": TEXT_MAX}}, code="long")


def default_title(chain: Chain, kind: str) -> str:
    """生物医药产业链服务团队工作例会, as the demo's meetings are named."""
    label = MeetingKind(kind).label if kind in MeetingKind.values else ""
    return f"{chain.name}产业链服务团队{label}"


def _concrete(facts: MeetingFacts) -> dict[str, Any]:
    values = {name: getattr(facts, name) for name in CONCRETE}
    for name in ("title", "location", "guests", "summary"):
        values[name] = (values[name] or "").strip()
    values["title"] = values["title"] or default_title(facts.chain, facts.kind)
    return values


def _names(values: Sequence[models.Model]) -> str:
    return "、".join(sorted(str(v) for v in values)) or "—"


def _set_attending(meeting: Meeting, facts: MeetingFacts, actor: Actor) -> None:
    """Replace who attended; each set that changed is one audit line with the names before and after (by the
    field's label: the 历史记录 tab shows names, not ids)."""
    for name in M2M:
        manager = getattr(meeting, name)
        old = list(manager.all())
        new = list(getattr(facts, name))
        if {o.pk for o in old} == {n.pk for n in new}:
            continue
        manager.set(new)
        label = str(Meeting._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
        audit.record(
            action=AuditAction.UPDATE, actor=actor, obj=meeting, before={label: _names(old)}, after={label: _names(new)}
        )


@transaction.atomic
def meeting_create(*, actor: Actor, facts: MeetingFacts) -> Meeting:
    """Record a meeting of `facts.chain` (by its service team)."""
    _need_team(actor, facts.chain.pk)
    _check_facts(facts)
    meeting = audited_create(model=Meeting, actor=actor, created_by=person_or_none(actor), **_concrete(facts))
    _set_attending(meeting, facts, actor)
    return meeting


def _apply_facts(actor: Actor, meeting: Meeting, facts: MeetingFacts) -> bool:
    """Write the facts; True when the meeting moved to another chain (needing the team of both)."""
    _need_team(actor, meeting.chain_id)
    moved = facts.chain.pk != meeting.chain_id
    if moved:
        _need_team(actor, facts.chain.pk)
    _check_facts(facts)
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()  # one writer at a time (PostgreSQL)
    audited_update(obj=meeting, actor=actor, **_concrete(facts))
    _set_attending(meeting, facts, actor)
    return moved


def _check_stops_fit(meeting: Meeting) -> None:
    """After a move to another chain: every stop still of the meeting's chain."""
    for stop in meeting.site_visits.select_related("enterprise", "project"):
        try:
            _check_stop(meeting, SiteVisitInput(stop.enterprise, stop.project, stop.place, stop.notes))
        except ValidationError as error:
            message = _("观摩点“%(stop)s”不属于%(chain)s产业链，请先修改或删除该观摩点。")
            raise ValidationError(
                {"chain": message % {"stop": stop, "chain": meeting.chain.name}}, code="stop_chain"
            ) from error


@transaction.atomic
def meeting_update(*, actor: Actor, meeting: Meeting, facts: MeetingFacts) -> Meeting:
    """Correct a meeting's facts. Moving it to another chain needs the team of both, and its stops must be of
    the new chain."""
    held_on = meeting.held_on
    if _apply_facts(actor, meeting, facts):
        _check_stops_fit(meeting)
    if meeting.held_on != held_on:
        decisions.redate_decisions(meeting)  # deadlines in working days count from the meeting's day
    return meeting


def _stored_files(meeting: Meeting) -> list[tuple[Any, str]]:
    files = [a.file for a in meeting.attachments.all()]
    files += [p.file for p in SiteVisitPhoto.objects.filter(site_visit__meeting=meeting)]
    return [(f.storage, f.name) for f in files if f.name]


def _delete_on_commit(files: Sequence[tuple[Any, str]]) -> None:
    def delete() -> None:
        for storage, name in files:
            storage.delete(name)

    if files:
        transaction.on_commit(delete)


@transaction.atomic
def meeting_delete(*, actor: Actor, meeting: Meeting) -> None:
    """Delete a meeting recorded by mistake, with its stops, speeches, files, agenda and decisions; refused
    when one of its decisions was turned into a demand (the demand points back to it) or a briefing was made of
    it (the briefing keeps its meeting). The audit line keeps what it said; the files are deleted once the
    deletion is committed."""
    _need_team(actor, meeting.chain_id)
    current = Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    if current is None:
        return
    if current.decisions.filter(demand__isnull=False).exists():
        raise ValidationError(
            _("该会议已有议定事项转为诉求或交办事项，不能删除。如需更正，请修改会议内容。"), code="has_demands"
        )
    if current.briefings.exists():  # on_delete=PROTECT: refused with the reason, not a 500
        raise ValidationError(_("该会议已生成会议简报，不能删除。如需更正，请修改会议内容。"), code="has_briefings")
    files = _stored_files(current)
    audit.record(
        action=AuditAction.DELETE,
        actor=actor,
        obj=current,
        before=audit.snapshot(current),
        message=f"删除会议（{current.held_on:%Y-%m-%d}，{current.chain}）",
    )
    current.delete()
    _delete_on_commit(files)


# --- rows: stops of the site visit and speeches -----------------------------------------------------------


def _text(value: str, name: str, label: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationError({name: _("%(label)s请控制在%(n)s字以内。") % {"label": label, "n": limit}}, code="long")
    return value


def _check_stop(meeting: Meeting, data: SiteVisitInput) -> dict[str, Any]:
    """A stop's fields, cleaned: the enterprise and project of the meeting's chain, the project the chosen
    enterprise's (an enterprise left blank is taken from its project)."""
    chain = meeting.chain
    enterprise, project = data.enterprise, data.project
    if project is not None and project.chain_id != chain.pk:
        raise ValidationError(
            {"project": _("观摩项目须为%(chain)s产业链的项目。") % {"chain": chain.name}}, code="project_chain"
        )
    if project is not None and enterprise is not None and project.enterprise_id != enterprise.pk:
        raise ValidationError({"project": _("观摩项目须为所选观摩企业的项目。")}, code="project_enterprise")
    if enterprise is None and project is not None and project.enterprise_id is not None:
        enterprise = project.enterprise
    if enterprise is not None and not enterprise.chains.filter(pk=chain.pk).exists():
        raise ValidationError(
            {"enterprise": _("观摩企业须为%(chain)s产业链的企业。") % {"chain": chain.name}}, code="enterprise_chain"
        )
    place = _text(data.place, "place", _("观摩点"), 200)
    if enterprise is None and project is None and not place:
        raise ValidationError({"enterprise": _("请选择观摩企业或项目，或填写观摩点。")}, code="empty_stop")
    notes = _text(data.notes, "notes", _("观摩情况"), TEXT_MAX)
    return {"enterprise": enterprise, "project": project, "place": place, "notes": notes}


def _check_speech(data: SpeechInput) -> dict[str, Any]:
    who = [x for x in (data.department, data.region, data.enterprise) if x is not None]
    if len(who) > 1:
        raise ValidationError({"department": _("发言单位只能选择一个。")}, code="many_speakers")
    speaker = _text(data.speaker, "speaker", _("发言人"), 100)
    if not who and not speaker:
        raise ValidationError({"department": _("请选择发言单位或填写发言人。")}, code="no_speaker")
    return {
        "department": data.department,
        "region": data.region,
        "enterprise": data.enterprise,
        "speaker": speaker,
        "topic": _text(data.topic, "topic", _("发言主题"), 200),
        "content": _text(data.content, "content", _("发言要点"), TEXT_MAX),
    }


def _next_seq(model: type[SiteVisit] | type[Speech], meeting: Meeting) -> int:
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()  # serialise the numbering (PostgreSQL)
    return (model.objects.filter(meeting=meeting).aggregate(last=Max("seq"))["last"] or 0) + 1


@transaction.atomic
def site_visit_add(*, actor: Actor, meeting: Meeting, data: SiteVisitInput, photos: Sequence[Any] = ()) -> SiteVisit:
    """Add a stop after the meeting's last one, with its photos (each checked before anything is written)."""
    _need_team(actor, meeting.chain_id)
    values = _check_stop(meeting, data)
    checked = _check_photos(photos)
    stop = audited_create(model=SiteVisit, actor=actor, meeting=meeting, seq=_next_seq(SiteVisit, meeting), **values)
    _note(meeting, actor, f"新增观摩点 {stop.seq}：{stop}")
    _store(SiteVisitPhoto, checked, actor, site_visit=stop)
    return stop


@transaction.atomic
def site_visit_update(*, actor: Actor, site_visit: SiteVisit, data: SiteVisitInput) -> SiteVisit:
    """Correct a stop: what was visited and what was seen."""
    meeting = site_visit.meeting
    _need_team(actor, meeting.chain_id)
    values = _check_stop(meeting, data)
    before = audit.snapshot(site_visit)
    audited_update(obj=site_visit, actor=actor, **values)
    if before != audit.snapshot(site_visit):
        _note(meeting, actor, f"修改观摩点 {site_visit.seq}：{site_visit}")
    return site_visit


@transaction.atomic
def site_visit_remove(*, actor: Actor, site_visit: SiteVisit) -> None:
    """Remove a stop with its photos (the files deleted once committed)."""
    meeting = site_visit.meeting
    _need_team(actor, meeting.chain_id)
    files = [(p.file.storage, p.file.name) for p in site_visit.photos.all() if p.file.name]
    _delete_row(site_visit, actor, f"删除观摩点 {site_visit.seq}：{site_visit}")
    _delete_on_commit(files)


@transaction.atomic
def site_visits_reorder(*, actor: Actor, meeting: Meeting, order: Sequence[int]) -> None:
    """Put the meeting's stops in `order` (their ids, every one of them once)."""
    _need_team(actor, meeting.chain_id)
    _reorder(SiteVisit, meeting, order, actor, _("观摩顺序"))


@transaction.atomic
def speech_add(*, actor: Actor, meeting: Meeting, data: SpeechInput) -> Speech:
    """Add a speech after the meeting's last one."""
    _need_team(actor, meeting.chain_id)
    values = _check_speech(data)
    speech = audited_create(model=Speech, actor=actor, meeting=meeting, seq=_next_seq(Speech, meeting), **values)
    _note(meeting, actor, f"新增交流发言 {speech.seq}：{speech}")
    return speech


@transaction.atomic
def speech_update(*, actor: Actor, speech: Speech, data: SpeechInput) -> Speech:
    """Correct who spoke and what they said."""
    meeting = speech.meeting
    _need_team(actor, meeting.chain_id)
    values = _check_speech(data)
    before = audit.snapshot(speech)
    audited_update(obj=speech, actor=actor, **values)
    if before != audit.snapshot(speech):
        _note(meeting, actor, f"修改交流发言 {speech.seq}：{speech}")
    return speech


@transaction.atomic
def speech_remove(*, actor: Actor, speech: Speech) -> None:
    _need_team(actor, speech.meeting.chain_id)
    _delete_row(speech, actor, f"删除交流发言 {speech.seq}：{speech}")


@transaction.atomic
def speeches_reorder(*, actor: Actor, meeting: Meeting, order: Sequence[int]) -> None:
    """Put the meeting's speeches in `order` (their ids, every one of them once)."""
    _need_team(actor, meeting.chain_id)
    _reorder(Speech, meeting, order, actor, _("发言顺序"))


def _delete_row(row: SiteVisit | Speech, actor: Actor, message: str) -> None:
    audit.record(action=AuditAction.DELETE, actor=actor, obj=row, before=audit.snapshot(row), message=message)
    _note(row.meeting, actor, message)
    row.delete()


def _reorder(
    model: type[SiteVisit] | type[Speech], meeting: Meeting, order: Sequence[int], actor: Actor, label: str
) -> None:
    rows = {r.pk: r for r in model.objects.select_for_update().filter(meeting=meeting)}
    if sorted(order) != sorted(rows):
        raise ValidationError(_("排序须包含本次会议的全部条目，且每条一次。"), code="bad_order")
    before = [rows[pk] for pk in sorted(rows, key=lambda pk: (rows[pk].seq, pk))]
    after = [rows[pk] for pk in order]
    for seq, row in enumerate(after, start=1):
        if row.seq != seq:  # numbers close up after a removal too: 1, 2, 3 whatever was removed
            model.objects.filter(pk=row.pk).update(seq=seq)
            row.seq = seq
    if before == after:
        return
    audit.record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=meeting,
        before={label: " → ".join(str(r) for r in before)},
        after={label: " → ".join(str(r) for r in after)},
    )


# --- files: attachments and site-visit photos --------------------------------------------------------------


def _check_photos(photos: Sequence[Any]) -> list[tuple[Any, str]]:
    if len(photos) > uploads.MAX_FILES:
        raise ValidationError(_("一次最多上传 %(n)s 张照片。") % {"n": uploads.MAX_FILES}, code="too_many")
    return uploads.check_uploads(photos, kinds=uploads.IMAGES)


def _check_attachments(files: Sequence[Any]) -> list[tuple[Any, str]]:
    if len(files) > uploads.MAX_FILES:
        raise ValidationError(uploads.TOO_MANY % {"n": uploads.MAX_FILES}, code="too_many")
    return uploads.check_uploads(files)


def _store(model: type[M], checked: Sequence[tuple[Any, str]], actor: Actor, **owner: Any) -> list[M]:
    """Store checked uploads under random names (the user's name kept as data only), one audited row each."""
    stored = []
    for upload, content_type in checked:
        name = uploads.upload_name(upload)
        upload.seek(0)
        stored.append(
            audited_create(
                model=model,
                actor=actor,
                file=File(upload, name=uploads.random_name(name, content_type)),
                original_name=name,
                content_type=content_type,
                size=uploads.upload_size(upload),
                uploaded_by=person_or_none(actor),
                **owner,
            )
        )
    return stored


@transaction.atomic
def attachments_add(*, actor: Actor, meeting: Meeting, files: Sequence[Any]) -> list[MeetingAttachment]:
    """Attach files to a meeting (PDF, images, Office documents; each checked by its content first)."""
    _need_team(actor, meeting.chain_id)
    checked = _check_attachments(files)
    if not checked:
        raise ValidationError(_("请选择要上传的附件。"), code="no_files")
    added = _store(MeetingAttachment, checked, actor, meeting=meeting)
    _note(meeting, actor, "上传附件：" + "、".join(a.original_name for a in added))
    return added


@transaction.atomic
def site_visit_photos_add(*, actor: Actor, site_visit: SiteVisit, photos: Sequence[Any]) -> list[SiteVisitPhoto]:
    """Add photos (JPEG or PNG by content) to a stop."""
    meeting = site_visit.meeting
    _need_team(actor, meeting.chain_id)
    checked = _check_photos(photos)
    if not checked:
        raise ValidationError(_("请选择要上传的照片。"), code="no_photos")
    added = _store(SiteVisitPhoto, checked, actor, site_visit=site_visit)
    _note(meeting, actor, f"观摩点 {site_visit.seq} 上传照片 {len(added)} 张")
    return added


def _remove_file(row: MeetingAttachment | SiteVisitPhoto, actor: Actor, meeting: Meeting, message: str) -> None:
    audit.record(action=AuditAction.DELETE, actor=actor, obj=row, before=audit.snapshot(row), message=message)
    _note(meeting, actor, message)
    files = [(row.file.storage, row.file.name)] if row.file.name else []
    row.delete()
    _delete_on_commit(files)


@transaction.atomic
def attachment_remove(*, actor: Actor, attachment: MeetingAttachment) -> None:
    """Remove an attachment; the audit line keeps its name, type and size."""
    meeting = attachment.meeting
    _need_team(actor, meeting.chain_id)
    _remove_file(attachment, actor, meeting, f"删除附件：{attachment.original_name}")


@transaction.atomic
def site_visit_photo_remove(*, actor: Actor, photo: SiteVisitPhoto) -> None:
    """Remove a stop's photo; the audit line keeps its name, type and size."""
    meeting = photo.site_visit.meeting
    _need_team(actor, meeting.chain_id)
    _remove_file(photo, actor, meeting, f"删除观摩点 {photo.site_visit.seq} 的照片：{photo.original_name}")


# --- the meeting form: facts, rows and files in one transaction ----------------------------------------------


def _rows_of(model: type[M], meeting: Meeting, rows: Sequence[Any]) -> dict[int, M]:
    """The meeting's rows the form names, refusing one of another meeting (a forged form)."""
    wanted = [r.pk for r in rows if r.pk is not None]
    found = {r.pk: r for r in model._default_manager.filter(meeting=meeting, pk__in=wanted)}
    if len(found) != len(set(wanted)):
        raise ValidationError(_("要修改的条目不属于本次会议，请刷新页面后重试。"), code="foreign_row")
    return found


def _on_row(error: ValidationError, prefix: str, number: int) -> ValidationError:
    """A row's refusal on that row's field (sv_enterprise_2), as the form names it."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({f"{prefix}_{name}_{number}": messages for name, messages in error.message_dict.items()})


def _sync(
    meeting: Meeting,
    rows: Sequence[SiteVisitRow | SpeechRow],
    existing: dict[int, Any],
    write: Callable[[Any, Any], Any],
    prefix: str,
) -> list[int]:
    """Apply each row (add, change, remove) and return the kept rows' ids in the form's order."""
    kept = []
    for number, row in enumerate(rows, start=1):
        try:
            obj = write(existing.get(row.pk) if row.pk is not None else None, row)
        except ValidationError as error:
            raise _on_row(error, prefix, row.ref or number) from error
        if obj is not None:
            kept.append(obj.pk)
    return kept


def _stop_writer(actor: Actor, meeting: Meeting) -> Callable[[SiteVisit | None, SiteVisitRow], SiteVisit | None]:
    def write(stop: SiteVisit | None, row: SiteVisitRow) -> SiteVisit | None:
        if row.data is None:
            if stop is not None:
                site_visit_remove(actor=actor, site_visit=stop)
            return None
        if stop is None:
            return site_visit_add(actor=actor, meeting=meeting, data=row.data, photos=row.photos)
        site_visit_update(actor=actor, site_visit=stop, data=row.data)
        for photo in stop.photos.filter(pk__in=row.remove_photos):
            site_visit_photo_remove(actor=actor, photo=photo)
        if row.photos:
            site_visit_photos_add(actor=actor, site_visit=stop, photos=row.photos)
        return stop

    return write


def _speech_writer(actor: Actor, meeting: Meeting) -> Callable[[Speech | None, SpeechRow], Speech | None]:
    def write(speech: Speech | None, row: SpeechRow) -> Speech | None:
        if row.data is None:
            if speech is not None:
                speech_remove(actor=actor, speech=speech)
            return None
        if speech is None:
            return speech_add(actor=actor, meeting=meeting, data=row.data)
        return speech_update(actor=actor, speech=speech, data=row.data)

    return write


@dataclass(frozen=True)
class MeetingFiles:
    """The files the form adds and the ids of those it removes."""

    attachments: Sequence[Any] = ()
    remove_attachments: Sequence[int] = field(default_factory=tuple)


def _check_uploads_first(site_visits: Sequence[SiteVisitRow], files: MeetingFiles) -> None:
    """Every upload of the form checked before anything is written; the refusal names the form's field."""
    try:
        _check_attachments(files.attachments)
    except ValidationError as error:
        raise ValidationError({"attachments": error.messages}, code=error.code) from error
    for number, row in enumerate(site_visits, start=1):
        try:
            _check_photos(row.photos)
        except ValidationError as error:
            raise ValidationError({f"sv_photos_{row.ref or number}": error.messages}, code=error.code) from error


@transaction.atomic
def meeting_record(
    *,
    actor: Actor,
    meeting: Meeting | None,
    facts: MeetingFacts,
    site_visits: Sequence[SiteVisitRow] = (),
    speeches: Sequence[SpeechRow] = (),
    files: MeetingFiles | None = None,
) -> Meeting:
    """The meeting form's save: create (`meeting` None) or correct the facts, then the stops and speeches in
    the form's order (rows added, changed, removed), then the attachments. All or nothing."""
    files = files or MeetingFiles()
    if len(site_visits) > ROWS_MAX or len(speeches) > ROWS_MAX:
        raise ValidationError(_("观摩点或交流发言每次会议最多 %(n)s 条。") % {"n": ROWS_MAX}, code="too_many_rows")
    _check_uploads_first(site_visits, files)
    moved = False
    if meeting is None:
        meeting = meeting_create(actor=actor, facts=facts)
    else:
        moved = _apply_facts(actor, meeting, facts)
    stops = _rows_of(SiteVisit, meeting, site_visits)
    kept = _sync(meeting, site_visits, stops, _stop_writer(actor, meeting), "sv")
    site_visits_reorder(actor=actor, meeting=meeting, order=kept)
    talks = _rows_of(Speech, meeting, speeches)
    kept = _sync(meeting, speeches, talks, _speech_writer(actor, meeting), "sp")
    speeches_reorder(actor=actor, meeting=meeting, order=kept)
    for attachment in meeting.attachments.filter(pk__in=files.remove_attachments):
        attachment_remove(actor=actor, attachment=attachment)
    if files.attachments:
        attachments_add(actor=actor, meeting=meeting, files=files.attachments)
    if moved:
        _check_stops_fit(meeting)
    return meeting


# --- calendar feed ----------------------------------------------------------------------------------------


def _need_feed_user(actor: Actor) -> User:
    user = person(actor)
    if not user.is_active or user.role not in FEED_ROLES:
        raise PermissionDenied(_("您的账号不能订阅会议日历。"))
    return user


def _feed_line(feed: CalendarFeed, actor: Actor, action: str, message: str) -> None:
    """The audit line of a feed: never its token (the line would hand out the secret URL)."""
    audit.record(action=action, actor=actor, obj=feed, after={"user": feed.user_id}, message=message)


@transaction.atomic
def calendar_feed_create(*, actor: Actor) -> CalendarFeed:
    """The actor's own feed, created with a new secret token unless they have one (then it is returned)."""
    user = _need_feed_user(actor)
    feed, created = CalendarFeed.objects.get_or_create(user=user)
    if created:
        _feed_line(feed, actor, AuditAction.CREATE, "开通会议日历订阅")
    return feed


@transaction.atomic
def calendar_feed_regenerate(*, actor: Actor) -> CalendarFeed:
    """A new secret token for the actor's feed: the old URL stops working at once."""
    user = _need_feed_user(actor)
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        return calendar_feed_create(actor=actor)
    feed.token = new_calendar_token()
    feed.save(update_fields=["token"])
    _feed_line(feed, actor, AuditAction.UPDATE, "重新生成会议日历订阅地址（原地址失效）")
    return feed


@transaction.atomic
def calendar_feed_revoke(*, actor: Actor) -> None:
    """Stop the actor's feed: its URL answers 404 from now on. No feed: nothing changes."""
    user = person(actor)
    require_actor(actor)
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        return
    _feed_line(feed, actor, AuditAction.DELETE, "停用会议日历订阅")
    feed.delete()
