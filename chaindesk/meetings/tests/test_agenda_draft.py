"""The agenda drafted for a chain's next meeting (issue 12, item 2): what the records raise, part by part (each
one in and out), at a fixed number of queries; the team's drafting, re-drafting (idempotent, the team's edits
kept), adding, dropping, restoring, moving and annotating; refusals for another reader and after the meeting.

On the personas' world (chaindesk/testkit/personas.py): 测试甲链 has a meeting three days ago with one decision
(no demand: 未办), a task for 测试甲局 due in ten working days, a signed project, an 上争事项 without a deadline;
测试乙链 the same. Each test plans 测试甲链's next meeting a week ahead and states the facts it needs."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chaindesk.core import clock
from chaindesk.core.actors import FIXTURES
from chaindesk.core.models import AuditLog
from chaindesk.demands.choices import DemandStatus, Escalation, TaskStatus, Urgency
from chaindesk.demands.models import Demand, Task
from chaindesk.meetings import services_agenda as agenda
from chaindesk.meetings.agenda_draft import PART_LIMIT, compose
from chaindesk.meetings.models import AgendaItem, AgendaKind, Meeting
from chaindesk.meetings.tests.agenda_data import make_decision, make_demand, make_meeting, make_task
from chaindesk.projects.choices import ProjectStage
from chaindesk.projects.models import Project
from chaindesk.testkit.personas import Personas
from chaindesk.upward.choices import UpwardStage
from chaindesk.upward.models import UpwardRequest

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

DAY = dt.timedelta(days=1)


@pytest.fixture
def upcoming(personas: Personas) -> Meeting:
    """测试甲链's next meeting, a week ahead."""
    return make_meeting(personas, personas.today + 7 * DAY, "测试甲链下次例会")


def _ids(meeting: Meeting, today: dt.date, kind: str) -> list[int]:
    return [p.ref_id for p in compose(meeting, today).parts[kind]]


def _at(days: int) -> dt.datetime:
    """9:30 on the day `days` from today (Beijing time)."""
    return timezone.make_aware(dt.datetime.combine(clock.today() + days * DAY, dt.time(9, 30)))


# --- the composition, part by part ----------------------------------------------------------------------


def test_earlier_decisions_not_done_are_raised_with_none_of_this_or_later_meetings(personas, upcoming):
    today, ours, theirs = personas.today, personas.ours, personas.theirs
    done = make_demand(personas, "已办结诉求", DemandStatus.CLOSED)
    closed = make_decision(personas, "已办结事项", done)
    late = make_decision(personas, "逾期事项", deadline=today - DAY)
    own = make_decision(personas, "本次会议事项", meeting=upcoming)
    later = make_decision(personas, "更晚会议事项", meeting=make_meeting(personas, today + 9 * DAY, "更晚例会"))
    same_day = make_meeting(personas, upcoming.held_on, "同日后录入的会议")  # the same day, recorded after: later
    after = make_decision(personas, "同日会议事项", meeting=same_day)
    elsewhere = make_decision(personas, "乙链事项", meeting=theirs.meeting)
    raised = _ids(upcoming, today, AgendaKind.DECISION)
    assert raised == [ours.decision.pk, late.pk]  # oldest meeting first, by number
    assert not {closed.pk, own.pk, later.pk, after.pk, elsewhere.pk} & set(raised)
    assert _ids(same_day, today, AgendaKind.DECISION) == [ours.decision.pk, late.pk, own.pk]


def test_supervised_and_overdue_tasks_are_raised_supervised_first(personas, upcoming):
    today, ours = personas.today, personas.ours
    assert _ids(upcoming, today, AgendaKind.TASK) == []  # due in ten working days, no mark
    overdue = make_task(personas, ours.demand, TaskStatus.IN_PROGRESS, today - 2 * DAY)
    Task.objects.filter(pk=ours.task.pk).update(escalation=Escalation.SUPERVISED, deadline=today - DAY)
    make_task(personas, ours.demand, TaskStatus.DONE, today - 9 * DAY)  # done: out
    make_task(personas, ours.demand, TaskStatus.RETURNED, today - 9 * DAY)  # returned: out
    decided = make_demand(personas, "会议交办")
    make_decision(personas, "会议交办事项", decided)
    carried = make_task(personas, decided, TaskStatus.IN_PROGRESS, today - 3 * DAY)  # raised with its decision
    Task.objects.filter(pk=personas.theirs.task.pk).update(deadline=today - 5 * DAY)  # another chain's: out
    raised = _ids(upcoming, today, AgendaKind.TASK)
    assert raised == [ours.task.pk, overdue.pk]
    assert carried.pk not in raised
    titles = [p.title for p in compose(upcoming, today).parts[AgendaKind.TASK]]
    assert titles[0] == f"{ours.enterprise.name}：{ours.demand.title}"


def test_stalled_projects_are_raised_and_others_are_not(personas, upcoming):
    today, ours = personas.today, personas.ours
    Project.objects.filter(pk=ours.project.pk).update(stage=ProjectStage.NEGOTIATING)  # 在谈: neither rule applies
    Project.objects.filter(pk=personas.theirs.project.pk).update(
        stage=ProjectStage.SIGNED, last_progress_on=today - 60 * DAY
    )
    assert _ids(upcoming, today, AgendaKind.PROJECT) == []
    Project.objects.filter(pk=ours.project.pk).update(stage=ProjectStage.SIGNED, last_progress_on=today - 60 * DAY)
    assert _ids(upcoming, today, AgendaKind.PROJECT) == [ours.project.pk]


def test_urgent_demands_since_the_last_meeting_are_raised(personas, upcoming):
    # our world's meeting was three days ago: the last one before the upcoming meeting
    today = personas.today
    critical = make_demand(personas, "特急诉求", DemandStatus.SUBMITTED, urgency=Urgency.CRITICAL, submitted_at=_at(-1))
    urgent = make_demand(personas, "紧急诉求", DemandStatus.ACCEPTED, urgency=Urgency.URGENT, submitted_at=_at(-2))
    on_the_day = make_demand(personas, "会当天", urgency=Urgency.URGENT, submitted_at=_at(-3))
    before = make_demand(personas, "上次会前", urgency=Urgency.URGENT, submitted_at=_at(-4))
    normal = make_demand(personas, "一般诉求", urgency=Urgency.NORMAL, submitted_at=_at(-1))
    closed = make_demand(personas, "已办结", DemandStatus.CLOSED, urgency=Urgency.URGENT, submitted_at=_at(-1))
    decided = make_demand(personas, "会议决定", urgency=Urgency.URGENT, submitted_at=_at(-1))
    make_decision(personas, "会议决定事项", decided)
    comp = compose(upcoming, today)
    assert comp.since == today - 3 * DAY
    raised = [p.ref_id for p in comp.parts[AgendaKind.DEMAND]]
    assert raised == [critical.pk, on_the_day.pk, urgent.pk]  # 特急 first, then by submission
    assert not {before.pk, normal.pk, closed.pk, decided.pk} & set(raised)
    assert comp.parts[AgendaKind.DEMAND][0].title == f"{personas.ours.enterprise.name}：特急诉求"
    # the chain's first meeting raises every open urgent demand
    Meeting.objects.filter(pk=personas.ours.meeting.pk).update(held_on=today + 30 * DAY)
    assert compose(upcoming, today).since is None
    assert before.pk in _ids(upcoming, today, AgendaKind.DEMAND)


def test_upward_items_due_within_thirty_days_of_the_meeting_are_raised(personas, upcoming):
    today, ours = personas.today, personas.ours
    due = ours.upward
    UpwardRequest.objects.filter(pk=due.pk).update(deadline=upcoming.held_on + 30 * DAY)
    assert _ids(upcoming, today, AgendaKind.UPWARD) == [due.pk]
    UpwardRequest.objects.filter(pk=due.pk).update(deadline=upcoming.held_on + 31 * DAY)
    assert _ids(upcoming, today, AgendaKind.UPWARD) == []
    UpwardRequest.objects.filter(pk=due.pk).update(deadline=today - DAY)  # past: nothing left to prepare
    assert _ids(upcoming, today, AgendaKind.UPWARD) == []
    UpwardRequest.objects.filter(pk=due.pk).update(deadline=today, stage=UpwardStage.APPLIED)  # filed already
    assert _ids(upcoming, today, AgendaKind.UPWARD) == []
    UpwardRequest.objects.filter(pk=personas.theirs.upward.pk).update(deadline=today + DAY)
    assert _ids(upcoming, today, AgendaKind.UPWARD) == []


def test_the_composition_costs_six_queries_whatever_the_rows(personas, upcoming):
    today = personas.today
    with CaptureQueriesContext(connection) as small:
        compose(upcoming, today)
    for n in range(PART_LIMIT + 3):
        make_decision(personas, f"批量事项{n}")
        make_demand(personas, f"批量诉求{n}", urgency=Urgency.URGENT, submitted_at=_at(0))
    with CaptureQueriesContext(connection) as large:
        comp = compose(upcoming, today)
    assert len(large.captured_queries) == len(small.captured_queries) == 6
    assert len(comp.parts[AgendaKind.DECISION]) == PART_LIMIT
    assert comp.found[AgendaKind.DECISION] == PART_LIMIT + 4  # and the world's own decision
    assert comp.found[AgendaKind.DEMAND] == PART_LIMIT + 3


# --- drafting and editing ---------------------------------------------------------------------------------


def _audit(*pks: int) -> QuerySet[AuditLog]:
    """The audit lines about these agenda items."""
    kind = ContentType.objects.get_for_model(AgendaItem)
    return AuditLog.objects.filter(content_type=kind, object_id__in=[str(pk) for pk in pks])


def _agenda(meeting: Meeting) -> list[tuple[str, str, bool]]:
    return [(i.kind, i.title, i.dropped) for i in AgendaItem.objects.filter(meeting=meeting).order_by("seq", "pk")]


def _raise_some(personas: Personas) -> None:
    today = personas.today
    Task.objects.filter(pk=personas.ours.task.pk).update(escalation=Escalation.SUPERVISED, deadline=today - DAY)
    UpwardRequest.objects.filter(pk=personas.ours.upward.pk).update(deadline=today + 10 * DAY)
    Project.objects.filter(pk=personas.ours.project.pk).update(stage=ProjectStage.NEGOTIATING)


def test_draft_adds_the_raised_items_in_the_agendas_order_and_audits_each(personas, upcoming):
    _raise_some(personas)
    make_decision(personas, "第二项议定事项")
    result = agenda.agenda_draft(actor=personas.member, meeting=upcoming)
    assert result.added == {AgendaKind.DECISION: 2, AgendaKind.TASK: 1, AgendaKind.UPWARD: 1} and result.total == 4
    items = list(AgendaItem.objects.filter(meeting=upcoming).order_by("seq"))
    assert [i.seq for i in items] == [1, 2, 3, 4]
    assert [i.kind for i in items] == ["decision", "decision", "task", "upward"]
    assert items[0].decision_id == personas.ours.decision.pk and items[2].task_id == personas.ours.task.pk
    assert items[0].title == personas.ours.decision.content
    lines = _audit(*(i.pk for i in items)).filter(message="生成议程")
    assert lines.count() == 4 and {line.actor_id for line in lines} == {personas.member.pk}


def test_redraft_keeps_the_teams_edits_and_never_duplicates(personas, upcoming):
    _raise_some(personas)
    second = make_decision(personas, "第二项议定事项")
    agenda.agenda_draft(actor=personas.member, meeting=upcoming)
    first, noted = AgendaItem.objects.filter(meeting=upcoming, kind=AgendaKind.DECISION).order_by("seq")
    agenda.agenda_drop(actor=personas.member, item=first)
    agenda.agenda_annotate(actor=personas.chief, item=noted, note="由测试甲局汇报")
    written = agenda.agenda_add(actor=personas.member, meeting=upcoming, title="研究年度目标冲刺")
    before = _agenda(upcoming)
    again = agenda.agenda_draft(actor=personas.chief, meeting=upcoming)
    assert again.total == 0 and _agenda(upcoming) == before
    # a new record is added after what is there; the dropped one stays dropped, the note stays
    third = make_decision(personas, "第三项议定事项")
    assert agenda.agenda_draft(actor=personas.member, meeting=upcoming).added == {AgendaKind.DECISION: 1}
    last = AgendaItem.objects.filter(meeting=upcoming).order_by("-seq").first()
    assert last.decision_id == third.pk and last.seq == written.seq + 1
    assert AgendaItem.objects.get(pk=first.pk).dropped and AgendaItem.objects.get(pk=noted.pk).note == "由测试甲局汇报"
    assert AgendaItem.objects.filter(meeting=upcoming, decision=second).count() == 1


def test_move_reorders_within_the_section_only(personas, upcoming):
    for n in range(3):
        make_decision(personas, f"排序事项{n}")
    _raise_some(personas)
    agenda.agenda_draft(actor=personas.member, meeting=upcoming)
    other = agenda.agenda_add(actor=personas.member, meeting=upcoming, title="其他议题")
    d1, d2, d3, d4 = AgendaItem.objects.filter(meeting=upcoming, kind=AgendaKind.DECISION).order_by("seq")

    def order() -> list[int]:
        return list(AgendaItem.objects.filter(meeting=upcoming).order_by("seq").values_list("pk", flat=True))

    rest = [pk for pk in order() if pk not in {d1.pk, d2.pk, d3.pk, d4.pk}]
    agenda.agenda_move(actor=personas.member, item=d3, direction=agenda.UP)
    assert order() == [d1.pk, d3.pk, d2.pk, d4.pk, *rest]
    agenda.agenda_move(actor=personas.member, item=d1, direction=agenda.UP)  # already first: nothing moves
    agenda.agenda_move(actor=personas.member, item=d1, position=99)  # past the end: the end
    assert order() == [d3.pk, d2.pk, d4.pk, d1.pk, *rest]
    agenda.agenda_drop(actor=personas.member, item=d2)
    agenda.agenda_move(actor=personas.member, item=d1, position=2)  # 2nd of those not dropped
    assert order()[:4] == [d3.pk, d2.pk, d1.pk, d4.pk]
    agenda.agenda_move(actor=personas.member, item=other, direction=agenda.UP)  # alone in its section
    assert order()[-1] == other.pk
    assert sorted(AgendaItem.objects.filter(meeting=upcoming).values_list("seq", flat=True)) == list(range(1, 8))
    with pytest.raises(ValidationError, match="请先恢复"):
        agenda.agenda_move(actor=personas.member, item=d2, direction=agenda.DOWN)
    with pytest.raises(ValidationError):
        agenda.agenda_move(actor=personas.member, item=d1)


def test_drop_and_restore_are_idempotent_and_audited(personas, upcoming):
    item = agenda.agenda_add(actor=personas.member, meeting=upcoming, title="测试议题", note="说明")
    agenda.agenda_drop(actor=personas.member, item=item)
    agenda.agenda_drop(actor=personas.member, item=item)
    assert AgendaItem.objects.get(pk=item.pk).dropped
    agenda.agenda_restore(actor=personas.chief, item=item)
    assert not AgendaItem.objects.get(pk=item.pk).dropped
    lines = _audit(item.pk).order_by("pk")
    messages = list(lines.values_list("message", flat=True))
    assert messages == ["", "移出议程", "恢复议程事项"]


def test_written_items_are_checked(personas, upcoming):
    with pytest.raises(ValidationError, match="请填写议题"):
        agenda.agenda_add(actor=personas.member, meeting=upcoming, title="   ")
    with pytest.raises(ValidationError, match="300"):
        agenda.agenda_add(actor=personas.member, meeting=upcoming, title="长" * 301)
    with pytest.raises(ValidationError, match="类别"):
        agenda.agenda_add(actor=personas.member, meeting=upcoming, title="议题", kind="nonsense")
    item = agenda.agenda_add(actor=personas.member, meeting=upcoming, title="  议题  ", kind=AgendaKind.PROJECT)
    assert (item.title, item.kind, item.seq) == ("议题", AgendaKind.PROJECT, 1)
    with pytest.raises(ValidationError, match="1000"):
        agenda.agenda_annotate(actor=personas.member, item=item, note="长" * 1001)
    assert not AgendaItem.objects.filter(meeting=upcoming).exclude(pk=item.pk).exists()


@pytest.mark.parametrize("key", ["liaison", "district", "handler", "x_chief", "ent_user"])
def test_only_the_chains_team_edits_the_agenda(personas, upcoming, key):
    item = agenda.agenda_add(actor=personas.member, meeting=upcoming, title="测试议题")
    actor = personas.user(key)
    for write in (
        lambda: agenda.agenda_draft(actor=actor, meeting=upcoming),
        lambda: agenda.agenda_add(actor=actor, meeting=upcoming, title="越权议题"),
        lambda: agenda.agenda_drop(actor=actor, item=item),
        lambda: agenda.agenda_move(actor=actor, item=item, direction=agenda.DOWN),
        lambda: agenda.agenda_annotate(actor=actor, item=item, note="越权"),
    ):
        with pytest.raises(PermissionDenied):
            write()
    assert _agenda(upcoming) == [(AgendaKind.OTHER, "测试议题", False)]
    agenda.agenda_draft(actor=FIXTURES, meeting=upcoming)  # a system actor (the demo loader) may draft


def test_the_agenda_is_read_only_once_the_meeting_has_been_held(personas, upcoming):
    item = agenda.agenda_add(actor=personas.member, meeting=upcoming, title="测试议题")
    Meeting.objects.filter(pk=upcoming.pk).update(held_on=personas.today)  # on the day: still editable
    agenda.agenda_annotate(actor=personas.member, item=item, note="会上补充")
    Meeting.objects.filter(pk=upcoming.pk).update(held_on=personas.today - DAY)
    upcoming.refresh_from_db()
    assert not agenda.agenda_editable(upcoming)
    for write in (
        lambda: agenda.agenda_draft(actor=personas.member, meeting=upcoming),
        lambda: agenda.agenda_add(actor=personas.member, meeting=upcoming, title="会后议题"),
        lambda: agenda.agenda_drop(actor=personas.member, item=item),
        lambda: agenda.agenda_restore(actor=personas.member, item=item),
        lambda: agenda.agenda_move(actor=personas.member, item=item, position=1),
        lambda: agenda.agenda_annotate(actor=personas.member, item=item, note="会后修改"),
    ):
        with pytest.raises(ValidationError, match="议程不能再修改"):
            write()
    assert _agenda(upcoming) == [(AgendaKind.OTHER, "测试议题", False)]
    assert AgendaItem.objects.get(pk=item.pk).note == "会上补充"


def test_a_stale_copy_of_the_meeting_does_not_reopen_a_held_agenda(personas, upcoming):
    # the page loaded the meeting before someone moved its date into the past: the locked row decides
    Meeting.objects.filter(pk=upcoming.pk).update(held_on=personas.today - DAY)
    with pytest.raises(ValidationError):
        agenda.agenda_draft(actor=personas.member, meeting=upcoming)
    assert not AgendaItem.objects.filter(meeting=upcoming).exists()


def test_a_task_done_after_drafting_stays_on_the_agenda(personas, upcoming):
    _raise_some(personas)
    agenda.agenda_draft(actor=personas.member, meeting=upcoming)
    Task.objects.filter(pk=personas.ours.task.pk).update(status=TaskStatus.DONE)
    Demand.objects.filter(pk=personas.ours.demand.pk).update(status=DemandStatus.AWAITING_CONFIRMATION)
    assert agenda.agenda_draft(actor=personas.member, meeting=upcoming).total == 0
    assert AgendaItem.objects.filter(meeting=upcoming, task=personas.ours.task).exists()
