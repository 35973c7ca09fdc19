"""What later apps add to the enterprise's story without the liaison app importing them (the pattern of
chaindesk/chains/extensions.py).

- Timeline sources: the demands app adds its demands' milestones, projects their stage changes, meetings the
  decisions about the enterprise. A source reads one query (or a fixed few) whatever the number of rows, and
  returns only lines of records the reader may see, each with a link.
- Issue demands: the demands app annotates the visit issues with the demand each was turned into (in the
  issues' own query), so the visit list links to that demand instead of offering 转为诉求 again."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from chaindesk.enterprises.models import Enterprise

from .models import VisitIssue


@dataclass(frozen=True)
class TimelineRow:
    """One ledger line: date, who, what; `url` links to the record the line is about (when the reader may see
    it); `order` breaks ties within one kind on the same day."""

    on: dt.date
    who: str
    what: str
    kind: str  # visit, step, assignment, audit, demand, project, decision: the icon and colour
    order: tuple[Any, ...] = ()
    details: tuple[str, ...] = ()
    url: str = ""
    photos: tuple[int, ...] = ()  # a visit's photos (VisitPhoto pks), shown as thumbnails


# (reader, enterprise) → the source's lines. The caller has checked the reader may see the enterprise.
TimelineSource = Callable[[Any, Enterprise], list[TimelineRow]]

_SOURCES: dict[str, TimelineSource] = {}


def register_timeline_source(key: str, source: TimelineSource) -> None:
    """Add (or replace) the timeline source `key` (an app's AppConfig.ready())."""
    _SOURCES[key] = source


def timeline_sources() -> list[TimelineSource]:
    return [_SOURCES[key] for key in sorted(_SOURCES)]


@dataclass(frozen=True)
class IssueDemand:
    """The demand a visit issue became, as the visit list shows it: number, title, status tag, link."""

    pk: int
    title: str
    status: str
    colour: str
    url: str  # "" when the reader may not open it


# The demands app annotates the visit issues of a query with the demand each became (in the same query, so the
# visit list keeps its query count), then reads one annotated issue back as an IssueDemand (None if not converted).
IssueAnnotate = Callable[[Any, QuerySet[VisitIssue]], QuerySet[VisitIssue]]
IssueDescribe = Callable[[VisitIssue], IssueDemand | None]


@dataclass(frozen=True)
class _IssueDemands:
    annotate: IssueAnnotate
    describe: IssueDescribe


_ISSUE_DEMANDS: dict[str, _IssueDemands] = {}


def register_issue_demands(*, annotate: IssueAnnotate, describe: IssueDescribe) -> None:
    """Say how the visit list learns which issues already became demands (the demands app, in its ready())."""
    _ISSUE_DEMANDS["demands"] = _IssueDemands(annotate, describe)


def with_issue_demands(user: Any, issues: QuerySet[VisitIssue]) -> QuerySet[VisitIssue]:
    """The issues annotated with the demand each became, as `user` may read it (unchanged without demands)."""
    registered = _ISSUE_DEMANDS.get("demands")
    return registered.annotate(user, issues) if registered else issues


def issue_demand(issue: VisitIssue) -> IssueDemand | None:
    """The demand an issue (read through `with_issue_demands`) became, or None."""
    registered = _ISSUE_DEMANDS.get("demands")
    return registered.describe(issue) if registered else None
