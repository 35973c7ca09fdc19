"""The demo's demands: the site visit's three issues as demands, every status, channel and task state
(signed, progress, extension, 预警, 督办), ratings and a reopening, the story's dates; loading again creates
nothing."""

import pytest
from django.utils import timezone

from chaindesk.conftest import DEMO_TODAY
from chaindesk.core.models import Notification
from chaindesk.demands.choices import Channel, DemandStatus, Escalation, Rating, TaskStatus
from chaindesk.demands.models import Demand, Task, TaskUpdate
from chaindesk.demo import city
from chaindesk.demo.demands import HEADS

pytestmark = [pytest.mark.django_db, pytest.mark.demo]  # the demo smoke set: checks of the demo city as loaded
BOSHEN = "江苏博生医用新材料股份有限公司"
JYZ = "江苏金扬子包装科技有限公司"


def test_site_visit_issues_became_demands() -> None:
    expected = {
        (BOSHEN, "医用膜材项目新增建设用地指标"): ("zrzy", TaskStatus.PENDING),
        (JYZ, "新产线双回路供电接入"): ("gdgs", TaskStatus.IN_PROGRESS),
    }
    for (firm, title), (dept, status) in expected.items():
        d = Demand.objects.get(enterprise__name=firm, title=title)
        assert d.channel == Channel.LIAISON and d.submitted_by.username == "liming"
        # 博生's issue is not linked: the liaison tests delete 博生's visits, which a linked demand would block
        assert (d.visit_issue is not None) == (firm == JYZ)
        assert timezone.localdate(d.submitted_at) == city.seed_day_for(DEMO_TODAY)
        task = d.tasks.get()
        assert (task.lead_department.code, task.status) == (dept, status)
    eia = Demand.objects.get(enterprise__name=JYZ, title="金美特项目环评审批提速")
    assert eia.status == DemandStatus.ACCEPTED and eia.visit_issue is not None and not eia.tasks.exists()


def test_every_status_and_channel_is_there() -> None:
    statuses = set(Demand.objects.values_list("status", flat=True))
    assert statuses >= {s for s in DemandStatus.values if s != DemandStatus.MERGED}
    assert set(Demand.objects.values_list("channel", flat=True)) >= {Channel.LIAISON, Channel.TEAM, Channel.ENTERPRISE}
    rejected = Demand.objects.get(title="申请全额减免土地出让金")
    assert rejected.status == DemandStatus.REJECTED and "土地出让金" in rejected.status_note


def test_closed_demands_are_rated_with_story_dates() -> None:
    closed = Demand.objects.filter(status=DemandStatus.CLOSED, title__in=["流动资金贷款对接", "高校毕业生招聘对接"])
    assert {d.rating for d in closed} == {Rating.SATISFIED, Rating.BASICALLY}
    for d in closed:
        assert d.submitted_at < d.accepted_at < d.closed_at and d.closed_on_time is True
        assert d.response_days == 1 and d.close_days is not None and d.close_days > 5
        assert d.proxy_note  # generated firms have no users: their liaison confirmed, with the note


def test_reopened_after_unsatisfied() -> None:
    d = Demand.objects.get(title="员工通勤公交线路优化")
    assert d.status == DemandStatus.IN_PROGRESS and d.reopen_count == 1 and d.rating == Rating.UNSATISFIED
    assert d.tasks.get().status == TaskStatus.IN_PROGRESS
    assert d.events.filter(kind="reopened").exists()


def test_awaiting_the_enterprise_split_in_two_tasks() -> None:
    d = Demand.objects.get(enterprise__name=BOSHEN, title="技改设备购置补贴申报辅导")
    assert d.status == DemandStatus.AWAITING_CONFIRMATION and d.channel == Channel.ENTERPRISE
    assert sorted(d.tasks.values_list("lead_department__code", "status")) == [("fgw", "done"), ("gxj", "done")]


def test_tasks_signed_with_progress_extension_and_escalation() -> None:
    tasks = Task.objects.filter(demand__title__in=[s for _, s in _titles()])
    assert tasks.filter(status=TaskStatus.EXTENSION_REQUESTED).count() == 1
    assert TaskUpdate.objects.filter(kind=TaskUpdate.Kind.PROGRESS, task__in=tasks).count() >= 3
    warned = Task.objects.get(demand__title="厂区不动产权证办理")
    assert warned.escalation == Escalation.WARNED and warned.deadline < DEMO_TODAY and warned.handler is not None
    supervised = Task.objects.get(demand__title="危废暂存间扩建环评备案")
    assert supervised.escalation == Escalation.SUPERVISED
    assert Notification.objects.filter(recipient__username="head_zrzy", kind="task_warned").exists()
    assert Notification.objects.filter(recipient__username="jiangdd", kind="task_supervised").exists()
    for task in tasks.exclude(status=TaskStatus.PENDING):
        assert task.signed_at is not None and task.created_at <= task.signed_at


def _titles() -> list[tuple[str, str]]:
    return list(Demand.objects.values_list("enterprise__name", "title"))


def test_department_heads_exist_but_stay_out_of_the_login_list() -> None:
    from chaindesk.accounts.models import User

    heads = User.objects.filter(username__in=[h[0] for h in HEADS])
    assert heads.count() == len(HEADS) and all(u.is_department_head for u in heads)
    assert not {u for _, u in city.DEMO_LOGINS} & {h[0] for h in HEADS}


def test_loading_again_adds_no_demand_and_no_notification() -> None:
    before = (Demand.objects.count(), Task.objects.count(), Notification.objects.count())
    loaded = city.load(enterprises=40, today=DEMO_TODAY)
    assert loaded.created == {}
    after = (Demand.objects.count(), Task.objects.count(), Notification.objects.count())
    assert after == before


def test_the_assignment_lines_quote_the_tasks_deadlines() -> None:
    """The demo re-dates each task to its story day: the 交办 line quotes the deadline the task carries (an
    extension moves it later, so the line quotes the first deadline, never a later one). A deadline in a year
    without the official holiday schedule is quoted as estimated: "（2027-01-06（预估）前）"."""
    import re

    from chaindesk.demands.models import DemandEvent

    events = DemandEvent.objects.filter(kind="task_created").select_related("demand")
    assert events.exists()
    for event in events:
        quoted = re.findall(r"（(\d{4}-\d{2}-\d{2})(?:（预估）)?前）$", event.note)[-1]
        deadlines = {f"{d:%Y-%m-%d}" for d in event.demand.tasks.values_list("deadline", flat=True)}
        extended = event.demand.tasks.filter(updates__kind=TaskUpdate.Kind.EXTENSION_APPROVED).exists()
        assert quoted in deadlines or extended, (event.demand.title, event.note, deadlines)
