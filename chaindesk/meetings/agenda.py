"""The 下次会议 card of the chain chief's and the team's 工作台: the next meeting and what to raise there.

Registered with chaindesk.dashboards.cards and served by it at /cards/next_meeting/, loaded after the page so
the 工作台 stays within its query budget. The meetings app comes after demands, projects and upward in
INSTALLED_APPS, so it reads their selectors directly. Each part is one query, whatever the number of rows:
the top rows carry the total as a window count."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet, Window
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from chaindesk.accounts.choices import Role
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core import clock
from chaindesk.core.permissions import role_required
from chaindesk.demands.selectors_queues import supervision_tasks
from chaindesk.projects.models import Project
from chaindesk.projects.selectors import filter_flag
from chaindesk.upward.choices import UpwardStage
from chaindesk.upward.models import UpwardRequest

from .models import Meeting

TOP = 3  # rows of each part shown on the card; the count and the 全部 link give the rest
UPWARD_DAYS = 10  # 上争事项 whose 申报截止 falls within this many days are raised at the meeting
AGENDA_ROLES = frozenset({Role.CITY_LEADER, Role.TEAM_MEMBER})


@dataclass(frozen=True)
class AgendaPart:
    """One kind of item to raise: how many, the first few, and the list that shows them all."""

    key: str
    count: int
    rows: list[Any]
    url: str


def _top(qs: QuerySet[Any]) -> tuple[int, list[Any]]:
    """The first TOP rows and the total, in one query (the total as a window count over the whole set)."""
    rows = list(qs.annotate(total=Window(expression=Count("pk")))[:TOP])
    return (rows[0].total if rows else 0), rows


def _list_url(name: str, chain_id: int | None, **params: Any) -> str:
    """The list that shows every row of a part, filtered like the part (to the meeting's chain, if any)."""
    if chain_id is not None:
        params["chain"] = chain_id
    return f"{reverse(name)}?{urlencode(params)}"


def next_meeting(user: Any, today: dt.date) -> Meeting | None:
    """The reader's next meeting: the earliest they may see held today or later."""
    qs = Meeting.objects.visible_to(user).filter(held_on__gte=today).select_related("chain", "region", "leader")
    return qs.order_by("held_on", "pk").first()


def _supervised(user: Any, chain_id: int | None, today: dt.date) -> AgendaPart:
    qs, _state = supervision_tasks(user, {"show": "supervised"}, today)
    if chain_id is not None:
        qs = qs.filter(demand__chain_id=chain_id)
    count, rows = _top(qs)
    return AgendaPart("supervised", count, rows, reverse("demands:supervision") + "?show=supervised")


def _projects(user: Any, chain_id: int | None, today: dt.date) -> AgendaPart:
    """Projects behind 序时进度 or without an update for 30 days (the projects app's 滞后 / 停滞 rules)."""
    qs = Project.objects.visible_to(user).select_related("enterprise")
    if chain_id is not None:
        qs = qs.filter(chain_id=chain_id)
    stalled = filter_flag(qs, "stalled", today).order_by("-is_behind", "name", "pk")  # type: ignore[misc]
    count, rows = _top(stalled)  # behind (滞后) first, then the ones without an update
    return AgendaPart("projects", count, rows, _list_url("projects:list", chain_id, flag="stalled"))


def _upward(user: Any, chain_id: int | None, today: dt.date) -> AgendaPart:
    """上争事项 still being prepared (谋划) whose 申报截止 falls within UPWARD_DAYS days."""
    until = today + dt.timedelta(days=UPWARD_DAYS)
    qs = UpwardRequest.objects.visible_to(user).filter(
        stage=UpwardStage.PLANNING, deadline__gte=today, deadline__lte=until
    )
    if chain_id is not None:
        qs = qs.filter(chain_id=chain_id)
    count, rows = _top(qs.select_related("department").order_by("deadline", "pk"))
    url = _list_url("upward:list", chain_id, stage=UpwardStage.PLANNING, deadline_from=today, deadline_to=until)
    return AgendaPart("upward", count, rows, url)


def next_meeting_card(user: Any) -> dict[str, Any]:
    """The next meeting and, for its chain (every chain of the reader's when none is planned), the 督办 tasks,
    the stalled or behind projects and the 上争事项 due within ten days: four queries."""
    today = clock.today()
    meeting = next_meeting(user, today)
    chain_id = meeting.chain_id if meeting else None
    return {
        "meeting": meeting,
        "days_to_meeting": (meeting.held_on - today).days if meeting else None,
        "agenda": [
            _supervised(user, chain_id, today),
            _projects(user, chain_id, today),
            _upward(user, chain_id, today),
        ],
        "upward_days": UPWARD_DAYS,
        "today": today,
    }


@role_required(*AGENDA_ROLES)
def next_meeting_card_view(request: AuthedRequest) -> HttpResponse:
    """The 下次会议 card, an htmx fragment of the 工作台."""
    return render(request, "meetings/partials/next_meeting_card.html", next_meeting_card(request.user))
