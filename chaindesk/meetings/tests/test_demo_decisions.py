"""The demo's 11月24日 meeting carries the seed report's decisions, one of them turned into a demand."""

import datetime as dt

import pytest
from django.utils import timezone

from chaindesk.conftest import DEMO_TODAY
from chaindesk.demands.choices import Channel
from chaindesk.demands.models import Demand
from chaindesk.demo import city
from chaindesk.meetings.models import Decision, Meeting

pytestmark = [pytest.mark.django_db, pytest.mark.demo]  # the demo smoke set: the seed meeting as loaded


def test_seed_meeting_decisions() -> None:
    meeting = Meeting.objects.get(chain__code="biomed", held_on=dt.date(2026, 11, 24))
    decisions = list(meeting.decisions.select_related("enterprise", "demand"))
    assert [d.seq for d in decisions] == [1, 2, 3, 4]
    one_to_one, land, jyz, rd = decisions
    assert "“一对一”跟踪服务机制" in one_to_one.content and one_to_one.enterprise is None
    assert land.enterprise is not None and land.enterprise.name.startswith("江苏博生")
    assert [r.department.code for r in land.responsible.all()] == ["zrzy"] and land.demand is None
    assert land.working_days == 15 and land.deadline is not None
    assert "研发在北上广、落地在兴化" in rd.content and rd.enterprise is None
    demand = jyz.demand
    assert demand is not None and demand.enterprise.name == "江苏金扬子包装科技有限公司"
    assert demand.channel == Channel.MEETING and demand.submitted_by.username == "wangzh"
    assert demand.source_label == "《生物医药产业链服务团队工作例会》议定事项 3"
    assert demand.source_url == f"/meetings/{meeting.pk}/#decision-3"
    assert timezone.localdate(demand.submitted_at) == meeting.held_on
    assert demand.project is not None and demand.project.name == "金美特医用材料生产项目"


def test_loading_again_adds_no_decision() -> None:
    before = (Decision.objects.count(), Demand.objects.filter(channel=Channel.MEETING).count())
    assert city.load(enterprises=40, today=DEMO_TODAY).created == {}
    assert (Decision.objects.count(), Demand.objects.filter(channel=Channel.MEETING).count()) == before
