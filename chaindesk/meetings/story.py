"""The meetings' part of the enterprise's story (registered with chaindesk.liaison.extensions): what meetings
decided about the enterprise, on its timeline."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from chaindesk.demands.models import Demand
from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison.extensions import TimelineRow

from .models import Decision


def enterprise_decisions(user: Any, enterprise: Enterprise) -> list[TimelineRow]:
    """The decisions about the enterprise of meetings the reader may see, dated by their meeting: one query, and
    one more when some were turned into demands. Such a decision says so, naming the demand only to a reader
    who may see it (the demand's own lines follow from the demands app)."""
    decisions = (
        Decision.objects.visible_to(user)
        .filter(enterprise=enterprise)
        .select_related("meeting__leader", "demand")
        .order_by("meeting__held_on", "seq")
    )
    decisions = list(decisions)
    converted = [d.demand_id for d in decisions if d.demand_id]
    readable = (
        set(Demand.objects.visible_to(user).filter(pk__in=converted).values_list("pk", flat=True))
        if converted
        else set()
    )
    rows = []
    for d in decisions:
        what = _("《%(meeting)s》议定事项 %(seq)s：%(content)s") % {
            "meeting": d.meeting.title,
            "seq": d.seq,
            "content": d.content,
        }
        details: tuple[str, ...] = ()
        if d.demand_id in readable:
            details = (_("已转为诉求：%(title)s") % {"title": d.demand.title},)
        elif d.demand_id:
            details = (_("已转为诉求"),)
        url = reverse("meetings:detail", args=[d.meeting_id])
        who = str(d.meeting.leader)
        rows.append(TimelineRow(d.meeting.held_on, who, what, "decision", (d.pk,), details, url))
    return rows
