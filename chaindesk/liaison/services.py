"""Writes of one-to-one service: liaison assignment and hand-over, visit logs, next steps.

Keyword-only, atomic, audited in the same transaction. Refusals: PermissionDenied for an actor without the
right (see chaindesk.liaison.permissions), ValidationError with a Chinese message for bad input."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from chaindesk.accounts.choices import Role
from chaindesk.core import audit, clock, uploads
from chaindesk.core.actors import Actor, is_system, person_or_none, require_actor
from chaindesk.core.audited import raise_date, record_derived, set_related, stored
from chaindesk.core.models import AuditAction
from chaindesk.core.services import audited_create, audited_update
from chaindesk.enterprises.models import Enterprise

from . import permissions
from .models import LiaisonAssignment, NextStep, Visit, VisitIssue, VisitKind, VisitPhoto

StepInput = tuple[str, Any, dt.date]
DERIVED = "derived from visits"  # the audit message of Enterprise.last_visit_on's changes


def _check_user(user: Any, role: str, message: str) -> None:
    if user is None or user.role != role or not user.is_active:
        raise ValidationError(message, code="invalid_user")


@transaction.atomic
def liaison_assign(
    *,
    actor: Actor,
    enterprise: Enterprise,
    liaison: Any,
    leader: Any = None,
    started_on: dt.date,
    note: str = "",
) -> LiaisonAssignment:
    """Assign a liaison (and optionally a city leader) from `started_on`, handing over from the current one.

    The open period is closed on `started_on`; a start before the open period's start is refused.
    Assigning the same liaison and leader again changes nothing and returns the open period."""
    if not permissions.may_assign(actor, enterprise):
        raise PermissionDenied(_("您无权为该企业指派挂钩服务专员。"))
    _check_user(liaison, Role.LIAISON, _("请选择一位在岗的挂钩服务专员。"))
    if leader is not None:
        _check_user(leader, Role.CITY_LEADER, _("挂钩市领导须为在岗的市领导。"))
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    current = LiaisonAssignment.objects.select_for_update().filter(enterprise=enterprise, ended_on=None).first()
    if current is not None and current.liaison_id == liaison.pk:
        if current.leader_id != (leader.pk if leader else None):
            audited_update(obj=current, actor=actor, leader=leader)
            audited_update(obj=enterprise, actor=actor, leader=leader)
        return current
    if current is not None:
        if started_on < current.started_on:
            raise ValidationError(
                _("开始日期不能早于现任挂钩服务专员的开始日期（%(date)s）。")
                % {"date": f"{current.started_on:%Y-%m-%d}"},
                code="before_current",
            )
        audited_update(obj=current, actor=actor, ended_on=started_on, message="hand-over")
    assignment = audited_create(
        model=LiaisonAssignment,
        actor=actor,
        enterprise=enterprise,
        liaison=liaison,
        leader=leader,
        started_on=started_on,
        note=note.strip(),
        assigned_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audited_update(obj=enterprise, actor=actor, liaison=liaison, leader=leader)
    return assignment


def _check_visit(visited_on: dt.date, notes: str) -> None:
    if visited_on > clock.today():
        raise ValidationError(_("走访日期不能晚于今天。"), code="future")
    if not notes.strip():
        raise ValidationError(_("请填写走访情况。"), code="empty_notes")


def _check_steps(next_steps: Sequence[StepInput]) -> None:
    for text, owner, due_on in next_steps:
        if not text.strip() or owner is None or due_on is None:
            raise ValidationError(_("每项下一步工作都需要内容、负责人和完成时限。"), code="incomplete_step")
        if not owner.is_active:
            raise ValidationError(_("下一步工作的负责人须为在岗人员。"), code="inactive_owner")


@transaction.atomic
def visit_create(
    *,
    actor: Actor,
    enterprise: Enterprise,
    visited_on: dt.date,
    kind: str = VisitKind.VISIT,
    notes: str,
    participants: Sequence[Any] = (),
    other_participants: str = "",
    issues: Sequence[str] = (),
    next_steps: Sequence[StepInput] = (),
    photos: Sequence[Any] = (),
) -> Visit:
    """Log a visit with the issues raised, the next steps agreed and the photos taken; keeps
    Enterprise.last_visit_on.

    `next_steps` are (text, owner, due_on). Refuses a future date, empty notes and any photo that is not a
    JPEG or PNG by its content, too big, or not decodable as one: checked before anything is written. Photos are
    stored re-encoded, without their EXIF (GPS position, device), with a thumbnail."""
    if not permissions.may_log_visit(actor, enterprise):
        raise PermissionDenied(_("您无权为该企业记录走访。"))
    _check_visit(visited_on, notes)
    _check_steps(next_steps)
    cleaned = _check_photos(photos)
    visit = audited_create(
        model=Visit,
        actor=actor,
        enterprise=enterprise,
        visited_on=visited_on,
        kind=kind,
        notes=notes.strip(),
        other_participants=other_participants.strip(),
        created_by=actor or enterprise.liaison,
        participants=list(participants),
    )
    for order, text in enumerate(t.strip() for t in issues if t.strip()):
        audited_create(model=VisitIssue, actor=actor, visit=visit, text=text, sort_order=order)
    for text, owner, due_on in next_steps:
        audited_create(model=NextStep, actor=actor, visit=visit, text=text.strip(), owner=owner, due_on=due_on)
    _store_photos(visit, cleaned, actor)
    raise_date(obj=enterprise, name="last_visit_on", on=visited_on, actor=actor, message=DERIVED)
    return visit


def _check_photos(photos: Sequence[Any]) -> list[uploads.CleanPhoto]:
    """Every photo checked (content, extension, size) and re-encoded (upright, no EXIF or GPS, with a thumbnail;
    what Pillow cannot decode refused) before anything is stored: one bad file refuses all."""
    if len(photos) > uploads.MAX_FILES:
        raise ValidationError(_("一次最多上传 %(n)s 张照片。") % {"n": uploads.MAX_FILES}, code="too_many")
    return uploads.clean_photos(photos)


def _store_photos(visit: Visit, cleaned: list[uploads.CleanPhoto], actor: Actor) -> list[VisitPhoto]:
    """The cleaned photos and their thumbnails stored under random names; the user's name is kept as data only."""
    return [
        audited_create(
            model=VisitPhoto,
            actor=actor,
            visit=visit,
            file=photo.file(),
            thumbnail=photo.thumbnail_file(),
            original_name=photo.name,
            content_type=photo.content_type,
            size=photo.size,
            uploaded_by=person_or_none(actor),
        )
        for photo in cleaned
    ]


@transaction.atomic
def visit_photos_add(*, actor: Actor, visit: Visit, photos: Sequence[Any]) -> list[VisitPhoto]:
    """Attach photos to a logged visit (taken after it was saved). Same rights as logging the visit; every
    photo is checked before any is stored."""
    if not permissions.may_log_visit(actor, visit.enterprise):
        raise PermissionDenied(_("您无权为该走访记录添加照片。"))
    cleaned = _check_photos(photos)
    if not cleaned:
        raise ValidationError(_("请选择要上传的照片。"), code="no_photos")
    return _store_photos(visit, cleaned, actor)


@transaction.atomic
def visit_photo_remove(*, actor: Actor, photo: VisitPhoto) -> None:
    """Remove a visit's photo. Same rights as logging the visit; the audit line keeps its name, type and size.
    The stored file and its thumbnail are deleted once the removal is committed (a rolled-back removal keeps
    them)."""
    visit = photo.visit
    if not permissions.may_log_visit(actor, visit.enterprise):
        raise PermissionDenied(_("您无权删除该走访记录的照片。"))
    require_actor(actor)
    audit.record(
        action=AuditAction.DELETE,
        actor=actor,
        obj=photo,
        before=audit.snapshot(photo),
        message=f"删除走访照片（{visit}）",
    )
    files = [(f.storage, f.name) for f in (photo.file, photo.thumbnail) if f.name]
    photo.delete()

    def delete_files() -> None:
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(delete_files)


@transaction.atomic
def visit_update(
    *,
    actor: Actor,
    visit: Visit,
    visited_on: dt.date,
    kind: str,
    notes: str,
    participants: Sequence[Any] | None = None,
    other_participants: str = "",
) -> Visit:
    """Correct a visit's date, kind, notes and participants. Moving the date recomputes last_visit_on
    from the enterprise's visits (the one moved may have been the latest)."""
    enterprise = visit.enterprise
    if not permissions.may_log_visit(actor, enterprise):
        raise PermissionDenied(_("您无权修改该走访记录。"))
    _check_visit(visited_on, notes)
    if participants is not None:
        set_related(obj=visit, name="participants", values=participants, actor=actor)
    audited_update(
        obj=visit,
        actor=actor,
        visited_on=visited_on,
        kind=kind,
        notes=notes.strip(),
        other_participants=other_participants,
    )
    before = stored(enterprise, "last_visit_on")
    latest = Visit.objects.filter(enterprise=enterprise).aggregate(latest=Max("visited_on"))["latest"]
    Enterprise.objects.filter(pk=enterprise.pk).update(last_visit_on=latest)
    record_derived(obj=enterprise, name="last_visit_on", before=before, actor=actor, message=DERIVED)
    return visit


@transaction.atomic
def next_step_done(*, actor: Actor, step: NextStep, done_on: dt.date) -> NextStep:
    """Mark a next step done on `done_on` (not in the future, not before its visit). Done twice: no change."""
    enterprise = step.visit.enterprise
    if not is_system(actor) and actor.pk != step.owner_id and not permissions.may_log_visit(actor, enterprise):
        raise PermissionDenied(_("您无权办结该事项。"))
    if done_on > clock.today():
        raise ValidationError(_("完成日期不能晚于今天。"), code="future")
    if done_on < step.visit.visited_on:
        raise ValidationError(_("完成日期不能早于走访日期。"), code="before_visit")
    if step.done_on is not None:
        return step
    return audited_update(obj=step, actor=actor, done_on=done_on)
