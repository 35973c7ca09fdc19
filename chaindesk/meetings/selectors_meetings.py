"""Reads of one meeting for its page (who attended, grouped; the stops visited with their photos; the speeches;
the attachments) and of the meetings a user attends for their calendar feed. The meeting itself was found in
the reader's visible set by the caller: whoever sees a meeting sees all of it."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import CharField, F, IntegerField, Prefetch, Q, QuerySet, Value
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.choices import RegionLevel, Role
from chaindesk.accounts.models import User

from .models import Meeting, MeetingAttachment, SiteVisit, SiteVisitPhoto, Speech

FEED_DAYS_BACK = 400  # a feed carries the past year's meetings and every one ahead


@dataclass(frozen=True)
class Entry:
    """One attendee as the page lists them: a name, what they are (a title, a department), a link."""

    name: str
    note: str = ""
    url: str = ""


@dataclass
class Group:
    key: str
    label: Any
    entries: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class MeetingSections:
    """What the meeting page shows below its header, read in five queries whatever the meeting holds."""

    groups: list[Group]
    attendee_count: int
    site_visits: list[SiteVisit]
    speeches: list[Speech]
    attachments: list[MeetingAttachment]


def _groups() -> dict[str, Group]:
    return {
        key: Group(key, label)
        for key, label in (
            ("leaders", _("领导")),
            ("departments", _("部门")),
            ("regions", _("地区")),
            ("enterprises", _("企业")),
            ("others", _("其他")),
        )
    }


def _attending(meeting: Meeting) -> list[tuple[str, int, str, int]]:
    """The departments, districts and enterprises that attended, in one UNION query: (kind, id, name, sort)."""
    parts = []
    for kind, name, model_field, sort in (
        ("d", "department__short_name", "department_id", F("department__sort_order")),
        ("r", "region__name", "region_id", F("region__sort_order")),
        ("e", "enterprise__name", "enterprise_id", Value(0, output_field=IntegerField())),
    ):
        through = Meeting._meta.get_field(
            {"d": "attendee_departments", "r": "attendee_regions", "e": "attendee_enterprises"}[kind]
        ).remote_field.through  # type: ignore[union-attr]
        parts.append(
            through.objects.filter(meeting_id=meeting.pk)
            .order_by()
            .annotate(k=Value(kind, output_field=CharField()), label=F(name), s=sort)
            .values_list("k", model_field, "label", "s")
        )
    rows = list(parts[0].union(*parts[1:], all=True))
    return sorted(rows, key=lambda row: (row[0], row[3], row[2]))


def _person(user: User) -> tuple[str, Entry]:
    """The group a person attending belongs to, and how they are listed there."""
    title = user.title or user.get_role_display()
    if user.role == Role.CITY_LEADER:
        return "leaders", Entry(user.display_name, title)
    if user.department_id and user.department:
        return "departments", Entry(user.department.short_name, f"{user.display_name}（{title}）")
    if user.region_id and user.region and user.region.level == RegionLevel.DISTRICT:  # a district's own people
        return "regions", Entry(user.region.name, f"{user.display_name}（{title}）")
    return "others", Entry(user.display_name, title)


def attendee_groups(meeting: Meeting, people: Iterable[User]) -> tuple[list[Group], int]:
    """Who attended, grouped as 领导, 部门, 地区, 企业, 其他 (empty groups left out), and how many entries there
    are. `people` are the attending users with their department and region (the page has read them)."""
    groups = _groups()
    for user in people:
        key, entry = _person(user)
        groups[key].entries.append(entry)
    urls = {"e": "enterprises:detail"}
    keys = {"d": "departments", "r": "regions", "e": "enterprises"}
    for kind, pk, name, _sort in _attending(meeting):
        url = reverse(urls[kind], args=[pk]) if kind in urls else ""
        groups[keys[kind]].entries.append(Entry(name, url=url))
    for line in (meeting.guests or "").splitlines():
        if line.strip():
            groups["others"].entries.append(Entry(line.strip()))
    kept = [g for g in groups.values() if g.entries]
    return kept, sum(len(g.entries) for g in kept)


def site_visits(meeting: Meeting) -> list[SiteVisit]:
    """The stops in order, with their enterprise, project and photos (two queries)."""
    return list(
        meeting.site_visits.select_related("enterprise", "project").prefetch_related(
            Prefetch("photos", queryset=SiteVisitPhoto.objects.order_by("pk"))
        )
    )


def meeting_sections(meeting: Meeting, people: Iterable[User]) -> MeetingSections:
    groups, count = attendee_groups(meeting, people)
    return MeetingSections(
        groups=groups,
        attendee_count=count,
        site_visits=site_visits(meeting),
        speeches=list(meeting.speeches.select_related("department", "region", "enterprise")),
        attachments=list(meeting.attachments.select_related("uploaded_by")),
    )


def attending_people(meeting: Meeting) -> QuerySet[User]:
    return meeting.attendees.select_related("department", "region").order_by("role", "pk")


# --- calendar feed ----------------------------------------------------------------------------------------


def attended_by(user: User) -> Q:
    """Meetings the user attends: in person (listed, leading or chairing) or through their department."""
    attends = Q(attendees=user) | Q(leader=user) | Q(chair=user)
    if user.department_id:
        attends |= Q(attendee_departments=user.department_id)
    return attends


def feed_meetings(user: User, today: dt.date) -> QuerySet[Meeting]:
    """The meetings of `user`'s calendar feed: those they attend AND may see (never one outside their scope),
    from FEED_DAYS_BACK days ago on, with what an event says."""
    attended = Meeting.objects.filter(attended_by(user)).values("pk")
    stops = SiteVisit.objects.select_related("enterprise", "project").order_by("seq", "pk")
    return (
        Meeting.objects.visible_to(user)
        .filter(pk__in=attended, held_on__gte=today - dt.timedelta(days=FEED_DAYS_BACK))
        .select_related("chain", "region", "leader", "chair")
        .prefetch_related(Prefetch("site_visits", queryset=stops))
        .order_by("held_on", "starts_at", "pk")
    )
