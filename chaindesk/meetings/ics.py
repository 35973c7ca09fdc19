"""A user's meetings as an iCalendar feed (RFC 5545), written by hand: no calendar library is a dependency and
the format needs only text escaping, line folding and one time zone.

Times are local to Asia/Shanghai (`TZID=Asia/Shanghai`, with its VTIMEZONE: UTC+8 all year, no daylight
saving), so a calendar shows 09:30 whatever zone it runs in. A meeting without a start time is an all-day event;
one without an end time lasts DEFAULT_HOURS. Each meeting keeps its UID across feeds (meeting-<id>@chaindesk),
so a calendar updates the event rather than adding a second one. The words are the product's language (the
view renders the feed in zh-Hans: a calendar app's own Accept-Language says nothing about its owner)."""

import datetime as dt
from collections.abc import Callable, Iterable

from django.utils.translation import gettext as _

from .models import Meeting

TZID = "Asia/Shanghai"
CRLF = "\r\n"
LINE_OCTETS = 75  # RFC 5545 3.1: lines longer than 75 octets are folded
DEFAULT_HOURS = 2
PRODID = "-//ChainDesk//产业链服务台//ZH"
VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{TZID}",
    "BEGIN:STANDARD",
    "DTSTART:19700101T000000",
    "TZOFFSETFROM:+0800",
    "TZOFFSETTO:+0800",
    "TZNAME:CST",
    "END:STANDARD",
    "END:VTIMEZONE",
)


def escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """A content line folded into pieces of at most 75 octets (UTF-8), never inside a character; each
    continuation starts with one space."""
    pieces: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = LINE_OCTETS if not pieces else LINE_OCTETS - 1  # a continuation's leading space counts
        if size + width > limit:
            pieces.append(current)
            current, size = "", 0
        current += char
        size += width
    pieces.append(current)
    return (CRLF + " ").join(pieces)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _when(meeting: Meeting) -> list[str]:
    """DTSTART and DTEND: local times in Asia/Shanghai, or whole days when the meeting has no start time."""
    if meeting.starts_at is None:
        end = meeting.held_on + dt.timedelta(days=1)
        return [f"DTSTART;VALUE=DATE:{meeting.held_on:%Y%m%d}", f"DTEND;VALUE=DATE:{end:%Y%m%d}"]
    start = dt.datetime.combine(meeting.held_on, meeting.starts_at)
    if meeting.ends_at is not None and meeting.ends_at > meeting.starts_at:
        end_at = dt.datetime.combine(meeting.held_on, meeting.ends_at)
    else:
        end_at = start + dt.timedelta(hours=DEFAULT_HOURS)
    return [
        f"DTSTART;TZID={TZID}:{start:%Y%m%dT%H%M%S}",
        f"DTEND;TZID={TZID}:{end_at:%Y%m%dT%H%M%S}",
    ]


def description(meeting: Meeting, url: str) -> str:
    """What the event says: kind and chain, who led and chaired, the stops visited, the page's address."""
    lines = [
        _("%(kind)s · %(chain)s产业链") % {"kind": meeting.get_kind_display(), "chain": meeting.chain.name},
        _("带队领导：%(name)s") % {"name": meeting.leader},
    ]
    if meeting.chair_id:
        lines.append(_("主持人：%(name)s") % {"name": meeting.chair})
    stops = [str(stop) for stop in meeting.site_visits.all()]
    if stops:
        lines.append(_("现场观摩：%(stops)s") % {"stops": "；".join(stops)})
    lines.append(_("详情：%(url)s") % {"url": url})
    return "\n".join(lines)


def event(meeting: Meeting, *, url: str, stamp: dt.datetime) -> list[str]:
    """One VEVENT's content lines (unfolded)."""
    lines = [
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.pk}@chaindesk",
        f"DTSTAMP:{_utc(stamp)}",
        *_when(meeting),
        f"SUMMARY:{escape(meeting.title)}",
    ]
    if meeting.place:
        lines.append(f"LOCATION:{escape(meeting.place)}")
    lines.append(f"DESCRIPTION:{escape(description(meeting, url))}")
    lines.append(f"URL:{url}")
    if meeting.updated_at is not None:
        lines.append(f"LAST-MODIFIED:{_utc(meeting.updated_at)}")
    lines.append("END:VEVENT")
    return lines


def calendar(meetings: Iterable[Meeting], *, name: str, now: dt.datetime, url_of: Callable[[Meeting], str]) -> str:
    """The whole feed as RFC 5545 text: CRLF line ends, folded lines, one VEVENT per meeting."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
        f"X-WR-TIMEZONE:{TZID}",
        *VTIMEZONE,
    ]
    for meeting in meetings:
        lines.extend(event(meeting, url=url_of(meeting), stamp=now))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)


def unfold(text: str) -> list[str]:
    """The content lines of a feed, unfolded (for readers and tests)."""
    return text.replace(CRLF + " ", "").replace(CRLF + "\t", "").split(CRLF)[:-1]
