"""Writes on a meeting's agenda (会议议程): draft it from the records, add a written item, drop and restore,
reorder, annotate.

Keyword-only, atomic, audited in the same transaction (one audit line per item touched). Only the service
team of the meeting's chain writes (chaindesk.meetings.permissions); a city-wide system actor (the demo
loader) may draft too. The agenda is the team's until the meeting: it may be edited before and on the day
the meeting is held and is read-only afterwards (the record of what was put to the meeting).

Refusals: PermissionDenied for an actor without the right, ValidationError with a Chinese message for bad
input or a meeting already held. Every write locks the meeting row first, so two clerks never interleave
their numbering.

Re-drafting adds only what is new: an item already on the agenda for a record (kept, annotated, moved or
dropped by the team) is never added again, so the team's edits survive and nothing is duplicated."""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from chaindesk.core import audit, clock
from chaindesk.core.actors import Actor, is_system
from chaindesk.core.models import AuditAction
from chaindesk.core.services import audited_create, audited_update

from . import permissions
from .agenda_draft import KIND_ORDER, REF_FIELDS, compose
from .models import AgendaItem, AgendaKind, Meeting

TITLE_MAX = AgendaItem._meta.get_field("title").max_length or 300
NOTE_MAX = 1000
UP, DOWN = "up", "down"


@dataclass
class DraftResult:
    """What a (re-)draft did: the items added per kind, and per kind how many the records had beyond the
    PART_LIMIT rows a part puts on the agenda."""

    added: dict[str, int] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)
    since: dt.date | None = None

    @property
    def total(self) -> int:
        return sum(self.added.values())


def agenda_editable(meeting: Meeting, today: dt.date | None = None) -> bool:
    """Whether the agenda may still change: until the end of the meeting's day."""
    return meeting.held_on >= (today or clock.today())


def may_edit_agenda(user: object, meeting: Meeting, today: dt.date | None = None) -> bool:
    """The pages' test: the chain's team, before or on the meeting's day (one query when the date allows)."""
    return agenda_editable(meeting, today) and permissions.is_team_of_chain(user, meeting.chain_id)


def _lock(actor: Actor, meeting: Meeting) -> Meeting:
    """The meeting row locked for the write, after the team and date checks (on the locked row's date)."""
    if not is_system(actor) and not permissions.is_team_of_chain(actor, meeting.chain_id):
        raise PermissionDenied(_("您无权编辑该会议的议程：只有该产业链的服务团队可以编辑。"))
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if not agenda_editable(locked):
        raise ValidationError(
            _("会议已于 %(date)s 召开，议程不能再修改。") % {"date": locked.held_on.isoformat()}, code="held"
        )
    return locked


def _next_seq(meeting: Meeting) -> int:
    return (AgendaItem.objects.filter(meeting=meeting).aggregate(last=Max("seq"))["last"] or 0) + 1


def _on_agenda(meeting: Meeting) -> set[tuple[str, int]]:
    """(field, record id) of every record the agenda already refers to, dropped items included."""
    names = list(REF_FIELDS.values())
    rows = AgendaItem.objects.filter(meeting=meeting).values_list(*(f"{n}_id" for n in names))
    return {(name, ref) for row in rows for name, ref in zip(names, row, strict=True) if ref is not None}


@transaction.atomic
def agenda_draft(*, actor: Actor, meeting: Meeting) -> DraftResult:
    """Add to the agenda what the records raise (agenda_draft.compose) and it does not hold yet, after its
    existing items, in the agenda's order."""
    meeting = _lock(actor, meeting)
    composition = compose(meeting, clock.today())
    present, seq = _on_agenda(meeting), _next_seq(meeting)
    result = DraftResult(since=composition.since)
    new: list[AgendaItem] = []
    for proposal in composition.proposals():
        if (proposal.ref, proposal.ref_id) in present:
            continue
        item = AgendaItem(meeting=meeting, seq=seq, kind=proposal.kind, title=proposal.title)
        setattr(item, f"{proposal.ref}_id", proposal.ref_id)
        item.full_clean(exclude=["meeting", *REF_FIELDS.values()])  # the ids come from the queries above
        new.append(item)
        seq += 1
        result.added[proposal.kind] = result.added.get(proposal.kind, 0) + 1
    for item in AgendaItem.objects.bulk_create(new):
        audit.record(action=AuditAction.CREATE, actor=actor, obj=item, after=audit.snapshot(item), message="生成议程")
    for kind in KIND_ORDER:
        shown = len(composition.parts.get(kind, []))
        if composition.found.get(kind, 0) > shown:
            result.left_out[kind] = composition.found[kind] - shown
    return result


def _text(value: str, limit: int, field_name: str, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field_name: _("请填写议题。")}, code="required")
    if len(value) > limit:
        raise ValidationError({field_name: _("请控制在%(n)s字以内。") % {"n": limit}}, code="too_long")
    return value


@transaction.atomic
def agenda_add(
    *, actor: Actor, meeting: Meeting, title: str, note: str = "", kind: str = AgendaKind.OTHER
) -> AgendaItem:
    """Add an item the team writes itself (其他议题 unless another kind is named), at the end of the agenda."""
    meeting = _lock(actor, meeting)
    title = _text(title, TITLE_MAX, "title", required=True)
    note = _text(note, NOTE_MAX, "note", required=False)
    if kind not in AgendaKind.values:
        raise ValidationError({"kind": _("请选择议程类别。")}, code="kind")
    return audited_create(
        model=AgendaItem, actor=actor, meeting=meeting, seq=_next_seq(meeting), kind=kind, title=title, note=note
    )


def _item(actor: Actor, item: AgendaItem) -> AgendaItem:
    """The item as it is now, its meeting locked (after the team and date checks)."""
    _lock(actor, item.meeting)
    return AgendaItem.objects.select_related("meeting").get(pk=item.pk)


def _set_dropped(actor: Actor, item: AgendaItem, dropped: bool, message: str) -> AgendaItem:
    current = _item(actor, item)
    if current.dropped == dropped:  # a second click changes nothing
        return current
    AgendaItem.objects.filter(pk=current.pk).update(dropped=dropped)
    audit.record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=current,
        before={"dropped": current.dropped},
        after={"dropped": dropped},
        message=message,
    )
    current.dropped = dropped
    return current


@transaction.atomic
def agenda_drop(*, actor: Actor, item: AgendaItem) -> AgendaItem:
    """Take an item off the agenda (it stays listed as 已移出 and can be restored; a re-draft never re-adds it)."""
    return _set_dropped(actor, item, True, "移出议程")


@transaction.atomic
def agenda_restore(*, actor: Actor, item: AgendaItem) -> AgendaItem:
    """Put a dropped item back, at its old place."""
    return _set_dropped(actor, item, False, "恢复议程事项")


@transaction.atomic
def agenda_annotate(*, actor: Actor, item: AgendaItem, note: str) -> AgendaItem:
    """Set the item's note (说明: what to report, who reports it); an empty note clears it."""
    current = _item(actor, item)
    return audited_update(
        obj=current, actor=actor, note=_text(note, NOTE_MAX, "note", required=False), message="议程说明"
    )


def _target(index: int, size: int, direction: str | None, position: int | None) -> int:
    """The new index of the item at `index` in a section of `size` items."""
    if position is not None:
        return min(max(position, 1), size) - 1
    if direction == UP:
        return max(index - 1, 0)
    if direction == DOWN:
        return min(index + 1, size - 1)
    raise ValidationError(_("请说明上移、下移或移至第几项。"), code="move")


@transaction.atomic
def agenda_move(
    *, actor: Actor, item: AgendaItem, direction: str | None = None, position: int | None = None
) -> AgendaItem:
    """Move an item within its section (its kind): one place up or down, or to `position` (1 = first; beyond
    the ends means the end). The agenda is renumbered 1…n in its new order, so numbers stay unique."""
    current = _item(actor, item)
    if current.dropped:
        raise ValidationError(_("已移出的议程事项不能排序，请先恢复。"), code="dropped")
    items = list(AgendaItem.objects.filter(meeting_id=current.meeting_id).order_by("seq", "pk"))
    section = [i for i in items if i.kind == current.kind and not i.dropped]
    index = next(n for n, i in enumerate(section) if i.pk == current.pk)
    target = _target(index, len(section), direction, position)
    if target == index:
        return current
    slots = [n for n, i in enumerate(items) if i.kind == current.kind and not i.dropped]
    section.insert(target, section.pop(index))
    for slot, moved in zip(slots, section, strict=True):
        items[slot] = moved
    changed = []
    for seq, row in enumerate(items, start=1):
        if row.seq != seq:
            row.seq = seq
            changed.append(row)
    AgendaItem.objects.bulk_update(changed, ["seq"])
    after = next(row.seq for row in items if row.pk == current.pk)
    audit.record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=current,
        before={"seq": current.seq},
        after={"seq": after},
        message=f"议程排序：本类第 {index + 1} 项移至第 {target + 1} 项",
    )
    current.seq = after
    return current
