"""Hand-built records for the agenda and progress tests, on the personas' 测试甲链 (chaindesk/testkit/personas.py):
demands, tasks, decisions and meetings written with the audited create and their states set directly, so each
test states exactly the facts it needs."""

import datetime as dt
from typing import Any

from django.db.models import Max

from chaindesk.accounts.models import User
from chaindesk.core.actors import FIXTURES
from chaindesk.core.services import audited_create
from chaindesk.demands.choices import Channel, DemandStatus
from chaindesk.demands.models import Demand, Task
from chaindesk.meetings.models import Decision, Meeting, MeetingKind
from chaindesk.testkit.personas import Personas, Side


def make_meeting(personas: Personas, held_on: dt.date, title: str, side: Side | None = None, **extra: Any) -> Meeting:
    """A meeting of `side`'s chain (ours unless told), led by its chief, held in its district."""
    side = side or personas.ours
    leader: User = personas.chief if side is personas.ours else personas.x_chief
    return audited_create(
        model=Meeting,
        actor=FIXTURES,
        chain=side.chain,
        title=title,
        kind=MeetingKind.REGULAR,
        held_on=held_on,
        region=side.region,
        leader=leader,
        **extra,
    )


def make_demand(personas: Personas, title: str, status: str = DemandStatus.IN_PROGRESS, **extra: Any) -> Demand:
    """A demand on 测试甲链 (of our enterprise unless `enterprise=` says), in `status` (hand-built: no triage on
    the way)."""
    ours = personas.ours
    demand = audited_create(
        model=Demand,
        actor=FIXTURES,
        enterprise=extra.pop("enterprise", ours.enterprise),
        title=title,
        description="测试内容。",
        category=personas.category,
        channel=extra.pop("channel", Channel.MEETING),
        region=ours.region,
        chain=ours.chain,
        submitted_by=personas.member,
        submitted_at=extra.pop("submitted_at", ours.demand.submitted_at),
        **extra,
    )
    Demand.objects.filter(pk=demand.pk).update(status=status)
    demand.status = status
    return demand


def make_task(personas: Personas, demand: Demand, status: str, deadline: dt.date) -> Task:
    task = audited_create(
        model=Task,
        actor=FIXTURES,
        demand=demand,
        lead_department=personas.ours.department,
        instructions="测试办理要求。",
        working_days=5,
        deadline=deadline,
        assigned_by=personas.member,
    )
    Task.objects.filter(pk=task.pk).update(status=status)
    task.status = status
    return task


def make_decision(
    personas: Personas,
    content: str,
    demand: Demand | None = None,
    deadline: dt.date | None = None,
    meeting: Meeting | None = None,
) -> Decision:
    """A decision of `meeting` (our world's meeting unless told), carried by `demand`, due by `deadline`."""
    meeting = meeting or personas.ours.meeting
    seq = (Decision.objects.filter(meeting=meeting).aggregate(last=Max("seq"))["last"] or 0) + 1
    decision = audited_create(
        model=Decision, actor=FIXTURES, meeting=meeting, seq=seq, content=content, deadline=deadline
    )
    if demand is not None:  # the link is not editable: the services set it
        Decision.objects.filter(pk=decision.pk).update(demand=demand)
        decision.demand = demand
    return decision
