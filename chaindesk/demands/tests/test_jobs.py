"""The escalation ladder: boundaries in working days across 国庆 2025 and 春节 2026, idempotence, recipients.

On the fixed personas (chaindesk/testkit/personas.py): the tasks are 测试甲局's (its handler `handler`, and a head
each test adds), on demands of our enterprise, whose chain 测试甲链 is led by `chief`."""

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import User
from chaindesk.core.models import Notification
from chaindesk.demands import jobs
from chaindesk.demands.choices import Channel, Escalation, TaskStatus
from chaindesk.demands.models import Category, Demand, Task
from chaindesk.demands.workdays import workdays_between
from chaindesk.testkit.personas import Personas, add_user

pytestmark = pytest.mark.clock  # depends on today: CI runs it under other clocks too

D = dt.date


def make_task(p: Personas, deadline: dt.date, *, status: str = TaskStatus.PENDING, handler: User | None = None) -> Task:
    """A demand of our enterprise (测试甲链) with one task for 测试甲局 (built with the models directly, so that
    the deadline can be any day)."""
    enterprise = p.ours.enterprise
    category, _ = Category.objects.get_or_create(code="land", defaults={"name": "用地规划"})
    demand = Demand.objects.create(
        enterprise=enterprise,
        title=f"用地指标 {deadline}",
        description="厂房扩建缺少用地指标",
        category=category,
        channel=Channel.TEAM,
        chain=p.ours.chain,
        region=enterprise.region,
        submitted_by=p.chief,
        submitted_at=timezone.now(),
    )
    task = Task.objects.create(
        demand=demand,
        lead_department=p.ours.department,
        instructions="请核实并答复",
        working_days=5,
        deadline=deadline,
        assigned_by=p.chief,
    )
    if status != TaskStatus.PENDING or handler is not None:
        Task.objects.filter(pk=task.pk).update(status=status, handler=handler)
        task.refresh_from_db()
    return task


def quiet_and_head(p: Personas) -> User:
    """Take every task and notice already in the database (the personas' world's, the demo's) as escalated and
    sent, so a test watches only the tasks it makes; then give 测试甲局 its only head."""
    now = timezone.now()
    Task.objects.update(reminded_at=now, warned_at=now, supervised_at=now)
    Notification.objects.update(emailed_at=now, pushed_at=now)
    User.objects.filter(is_department_head=True).update(is_department_head=False)
    head = add_user(
        "p_dept_a_head", "测试甲局负责人", Role.DEPT_HANDLER, p.city, p.ours.department, email="head@example.gov.cn"
    )
    User.objects.filter(pk=head.pk).update(is_department_head=True)  # no service names a head: the loader's way
    head.refresh_from_db()
    return head


@pytest.fixture
def head(personas: Personas) -> User:
    """测试甲局's only head for the test (see quiet_and_head)."""
    return quiet_and_head(personas)


def digests(kind: str) -> dict[int, Notification]:
    """The ladder's notices of `kind`, by recipient (one digest per recipient and run)."""
    notes = list(Notification.objects.filter(kind=kind, emailed_at=None))
    by_recipient = {n.recipient_id: n for n in notes}
    assert len(by_recipient) == len(notes), "one digest per recipient"
    return by_recipient


def told(note: Notification) -> int:
    """How many tasks a digest covers: its title names one task, or says "N 项"."""
    match = re.search(r"[等共] (\d+) 项", note.body)
    return int(match.group(1)) if match else 1


@pytest.mark.django_db
def test_boundaries_agree_with_working_day_counts_across_holidays() -> None:
    """The boundary dates computed once in Python select exactly the deadlines the rules describe in working
    days, for every day from before 国庆 2025 to after 春节 2026 (make-up Saturdays and Sundays included)."""
    today = D(2025, 9, 15)
    while today <= D(2026, 3, 10):
        remind, supervise = jobs.remind_before(today), jobs.supervise_before(today, 3)
        for offset in range(-25, 26):
            deadline = today + dt.timedelta(days=offset)
            if deadline >= today:
                assert (deadline < remind) == (workdays_between(today, deadline) <= 2), (today, deadline)
            else:
                assert (deadline < supervise) == (workdays_between(deadline, today) > 3), (today, deadline)
        today += dt.timedelta(days=3)


@pytest.mark.django_db
def test_reminder_counts_working_days_over_national_day(head: User, personas: Personas) -> None:
    # 2025-09-30: the next working days are 10-09, 10-10 and the make-up Saturday 10-11.
    today = D(2025, 9, 30)
    due_10th = make_task(personas, D(2025, 10, 10))  # 10 calendar days ahead, 2 working days: reminded
    due_11th = make_task(personas, D(2025, 10, 11))  # 3 working days: not yet
    due_today = make_task(personas, today)  # due today, not overdue: reminded
    signed = make_task(personas, D(2025, 10, 9), status=TaskStatus.IN_PROGRESS, handler=personas.handler)
    done = make_task(personas, D(2025, 10, 9), status=TaskStatus.DONE)
    counts = jobs.run_escalation(today=today)
    assert counts["reminded"] == 3
    assert counts["warned"] == counts["supervised"] == 0
    by_pk = {t.pk: t for t in Task.objects.filter(pk__in=[due_10th.pk, due_11th.pk, due_today.pk, signed.pk, done.pk])}
    assert by_pk[due_10th.pk].escalation == Escalation.REMINDED and by_pk[due_10th.pk].reminded_at
    assert by_pk[due_11th.pk].escalation == "" and by_pk[due_11th.pk].reminded_at is None
    assert by_pk[done.pk].reminded_at is None
    # Unsigned: every handler of the lead department (测试甲局: its handler and the head); signed: only its
    # handler. Each handler gets ONE digest naming their tasks, nearest deadline first.
    handler = personas.handler
    notes = digests(jobs.KIND_REMINDED)
    assert set(notes) == {handler.pk, head.pk}
    assert counts["notifications"] == 2
    mine = notes[handler.pk]
    assert told(mine) == 3
    assert mine.title == "【临期提醒】3 项任务 2 个工作日内到期"
    titles = [t.demand.title for t in (due_today, signed, due_10th)]
    assert all(f"「{title}」" in mine.body for title in titles)
    assert [mine.body.index(title) for title in titles] == sorted(mine.body.index(title) for title in titles)
    assert "测试市测试甲局" in mine.body and "期限 2025-10-09" in mine.body
    assert mine.url == reverse("demands:tasks") + "?escalation=reminded"
    resolve(mine.url.partition("?")[0])  # a page that exists
    assert told(notes[head.pk]) == 2
    assert due_10th.demand.title in notes[head.pk].body and signed.demand.title not in notes[head.pk].body


@pytest.mark.django_db
def test_warning_and_supervision_ladder_over_national_day(head: User, personas: Personas) -> None:
    # 2025-10-10 (Fri): counting back, the working days are 10-10, 10-09, 09-30, 09-29, 09-28 (make-up Sunday).
    today = D(2025, 10, 10)
    three_over = make_task(personas, D(2025, 9, 29))  # working days in (09-29, 10-10] = 3: 预警 only
    four_over = make_task(personas, D(2025, 9, 28))  # 4 > 3: 预警 and 督办
    yesterday = make_task(personas, D(2025, 10, 9))  # 1: 预警
    counts = jobs.run_escalation(today=today)
    assert counts["warned"] == 3
    assert counts["supervised"] == 1
    three_over.refresh_from_db()
    four_over.refresh_from_db()
    yesterday.refresh_from_db()
    assert three_over.escalation == Escalation.WARNED and three_over.supervised_at is None
    assert four_over.escalation == Escalation.SUPERVISED and four_over.warned_at and four_over.supervised_at
    assert yesterday.escalation == Escalation.WARNED
    chief = personas.chief  # of 测试甲链, the demands' chain
    warned = digests(jobs.KIND_WARNED)
    assert set(warned) == {head.pk}
    note = warned[head.pk]
    assert told(note) == 3 and note.title == "【预警】3 项任务已逾期"
    assert note.url == reverse("demands:tasks") + "?escalation=warned"
    order = [note.body.index(f"「{t.demand.title}」") for t in (four_over, three_over, yesterday)]
    assert order == sorted(order)
    # One task supervised: the digest is that task, linked to its page.
    supervised = digests(jobs.KIND_SUPERVISED)
    assert set(supervised) == {chief.pk}
    only = supervised[chief.pk]
    assert only.title == f"【督办】{four_over.demand.title}" and "2025-09-28" in only.body
    assert only.url == reverse("demands:task_detail", args=[four_over.pk])
    assert counts["notifications"] == 2


@pytest.mark.django_db
def test_ladder_over_spring_festival_with_a_configured_threshold(
    head: User,
    personas: Personas,
    settings,  # noqa: ANN001
) -> None:
    settings.CHAINDESK_SUPERVISE_AFTER_WORKDAYS = 1
    # 2026-02-24 (Tue), first working day after 春节 (02-15 … 02-23); 02-14 is a make-up Saturday.
    today = D(2026, 2, 24)
    on_13th = make_task(personas, D(2026, 2, 13))  # (02-13, 02-24] = 02-14, 02-24: 2 > 1 → 督办
    on_14th = make_task(personas, D(2026, 2, 14))  # (02-14, 02-24] = 02-24: 1 → 预警 only
    counts = jobs.run_escalation(today=today)
    # One digest to the head (two tasks) and one to the chain chief.
    assert counts == {"reminded": 0, "warned": 2, "supervised": 1, "notifications": 2}
    assert told(digests(jobs.KIND_WARNED)[head.pk]) == 2
    on_13th.refresh_from_db()
    on_14th.refresh_from_db()
    assert on_13th.escalation == Escalation.SUPERVISED
    assert on_14th.escalation == Escalation.WARNED


@pytest.mark.django_db
def test_a_reminded_task_climbs_the_ladder_on_later_days(head: User, personas: Personas) -> None:
    task = make_task(personas, D(2025, 10, 9))
    assert jobs.run_escalation(today=D(2025, 9, 29))["reminded"] == 1  # (09-29, 10-09] = 09-30, 10-09
    assert jobs.run_escalation(today=D(2025, 10, 9))["reminded"] == 0  # already reminded
    assert jobs.run_escalation(today=D(2025, 10, 10))["warned"] == 1
    counts = jobs.run_escalation(today=D(2025, 10, 15))  # (10-09, 10-15] = 10,11,13,14,15: 5 > 3
    assert counts["supervised"] == 1
    task.refresh_from_db()
    assert task.escalation == Escalation.SUPERVISED
    page = reverse("demands:task_detail", args=[task.pk])
    told_on_page = Notification.objects.filter(url=page)
    assert set(told_on_page.values_list("kind", flat=True)) == {
        jobs.KIND_REMINDED,
        jobs.KIND_WARNED,
        jobs.KIND_SUPERVISED,
    }
    # Unsigned, so every handler of the department was reminded; the head warned; the chief supervised.
    assert told_on_page.filter(kind=jobs.KIND_WARNED).get().recipient == head
    assert told_on_page.filter(kind=jobs.KIND_SUPERVISED).get().recipient == personas.chief
    assert set(told_on_page.filter(kind=jobs.KIND_REMINDED).values_list("recipient", flat=True)) == {
        personas.handler.pk,
        head.pk,
    }


@pytest.mark.django_db
def test_running_twice_changes_nothing_the_second_time(head: User, personas: Personas) -> None:
    tasks = [
        make_task(personas, D(2025, 10, 10)),
        make_task(personas, D(2025, 9, 29)),
        make_task(personas, D(2025, 9, 1)),
    ]
    first = jobs.run_escalation(today=D(2025, 10, 10))
    assert first["reminded"] == 1 and first["warned"] == 2 and first["supervised"] == 1
    before = list(Task.objects.filter(pk__in=[t.pk for t in tasks]).values().order_by("pk"))
    notes = Notification.objects.count()
    second = jobs.run_escalation(today=D(2025, 10, 10))
    assert second == {"reminded": 0, "warned": 0, "supervised": 0, "notifications": 0}
    assert list(Task.objects.filter(pk__in=[t.pk for t in tasks]).values().order_by("pk")) == before
    assert Notification.objects.count() == notes


@pytest.mark.django_db
def test_the_job_is_set_based(head: User, personas: Personas) -> None:
    """The number of statements does not grow with the number of tasks: no loop over rows."""
    for _ in range(3):
        make_task(personas, D(2025, 9, 1))
    with CaptureQueriesContext(connection) as few:
        jobs.run_escalation(today=D(2025, 10, 10))
    Task.objects.filter(deadline=D(2025, 9, 1)).update(
        reminded_at=None, warned_at=None, supervised_at=None, escalation=""
    )
    Notification.objects.all().delete()
    for _ in range(30):
        make_task(personas, D(2025, 9, 1))
    with CaptureQueriesContext(connection) as many:
        counts = jobs.run_escalation(today=D(2025, 10, 10))
    assert counts["warned"] >= 33
    assert len(many) == len(few)


@pytest.mark.django_db
def test_a_year_before_the_calendar_is_refused_not_guessed() -> None:
    from chaindesk.demands.workdays import CalendarNotCovered

    with pytest.raises(CalendarNotCovered):
        jobs.run_escalation(today=D(2003, 6, 2))


@pytest.mark.django_db
def test_a_year_after_the_calendar_escalates_on_weekdays() -> None:
    """Beyond the published holidays the ladder still runs (Monday to Friday, provisional)."""
    counts = jobs.run_escalation(today=D(2099, 6, 1))
    assert set(counts) >= {"reminded", "warned", "supervised"}


@pytest.mark.django_db
def test_command_and_task_run_the_ladder_then_deliver(head: User, personas: Personas) -> None:
    from io import StringIO

    from django.core import mail
    from django.core.management import CommandError, call_command

    from chaindesk.demands.tasks import escalate

    Notification.objects.update(emailed_at=timezone.now(), pushed_at=timezone.now())
    make_task(personas, D(2025, 9, 29))
    out = StringIO()
    call_command("escalate", "--today", "2025-10-10", stdout=out)
    assert "2025-10-10: reminded 0, warned 1, supervised 0, notifications 1" in out.getvalue()
    assert "e-mailed 1" in out.getvalue()
    assert [m.to for m in mail.outbox] == [["head@example.gov.cn"]]
    result = escalate.call("2025-10-10")
    assert result["escalation"] == {"reminded": 0, "warned": 0, "supervised": 0, "notifications": 0}
    assert result["delivery"] == {"emailed": 0, "pushed": 0}
    with pytest.raises(CommandError):
        call_command("escalate", "--today", "10/10/2025", stdout=StringIO())


def _together(n: int, work: Callable[[int], object]) -> list[object]:
    """Run work(i) in n threads released together by a barrier; each thread's result or exception."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.fixture
def committed_personas(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> Personas:  # noqa: ARG001
    """The personas' world committed, so that the workers' own connections see it. Transactional tests start from
    whatever the last one left (a flush also empties the categories that the data migration created), so the
    categories are put back first; attachments stay in memory, as with the `personas` fixture."""
    from chaindesk.testkit import personas as personas_module

    return personas_module.build_committed(monkeypatch)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rounds", range(3))
def test_two_workers_at_once_escalate_and_deliver_each_notification_once(
    committed_personas: Personas, rounds: int
) -> None:
    from django.core import mail

    from chaindesk.core import notify

    personas = committed_personas
    head = quiet_and_head(personas)
    mine = [make_task(personas, D(2025, 9, 1)) for _ in range(40)]
    results = _together(2, lambda i: jobs.run_escalation(today=D(2025, 10, 10)))
    assert all(isinstance(r, dict) for r in results), results
    counts: list[dict[str, int]] = results  # type: ignore[assignment]
    assert sum(c["warned"] for c in counts) == len(mine)
    assert sum(c["supervised"] for c in counts) == len(mine)
    # Each task is announced once: the digests of both workers together cover every task exactly once.
    fresh = Notification.objects.filter(emailed_at=None)
    warned = list(fresh.filter(kind=jobs.KIND_WARNED))
    supervised = list(fresh.filter(kind=jobs.KIND_SUPERVISED))
    assert {n.recipient_id for n in warned} == {head.pk}
    assert {n.recipient_id for n in supervised} == {personas.chief.pk}
    assert sum(told(n) for n in warned) == len(mine)
    assert sum(told(n) for n in supervised) == len(mine)
    assert sum(c["notifications"] for c in counts) == len(warned) + len(supervised)

    mail.outbox = []
    sent = _together(2, lambda i: notify.deliver_email())
    assert all(isinstance(s, int) for s in sent), sent
    assert sum(sent) == len(warned)  # type: ignore[arg-type]
    assert sorted(m.to[0] for m in mail.outbox) == ["head@example.gov.cn"] * len(warned)
    assert len({m.subject + m.body for m in mail.outbox}) == len(warned)  # no notification e-mailed twice


@pytest.mark.django_db
def test_tasks_from_the_services_climb_and_an_approved_extension_restarts_the_ladder(
    make_demand: Callable[..., Demand], personas: Personas, head: User
) -> None:
    """A task cut through the services (deadline in working days from the real today) is reminded, warned and
    supervised; an approved extension clears the marks and moves the deadline, so the ladder starts again and
    notifies again for the new deadline, never twice for the same one."""
    from chaindesk.demands import services
    from chaindesk.demands.workdays import add_workdays

    demand = make_demand(status="in_progress")
    task = demand.tasks.get()
    handler = personas.handler
    services.task_sign(task=task, actor=handler)
    reminded_on = add_workdays(task.deadline, -2)
    assert jobs.run_escalation(today=reminded_on)["reminded"] == 1
    page = reverse("demands:task_detail", args=[task.pk])
    assert Notification.objects.get(kind=jobs.KIND_REMINDED, url=page).recipient == handler
    assert jobs.run_escalation(today=add_workdays(task.deadline, 1))["warned"] == 1
    assert Notification.objects.get(kind=jobs.KIND_WARNED, url=page).recipient == head
    counts = jobs.run_escalation(today=add_workdays(task.deadline, 4))
    assert counts["supervised"] == 1 and counts["notifications"] == 1  # the chain chief
    assert Notification.objects.get(kind=jobs.KIND_SUPERVISED, url=page).recipient == personas.chief

    old_deadline = task.deadline
    task.refresh_from_db()
    services.task_request_extension(task=task, actor=handler, extra_days=10, reason="需等待规划调整批复")
    task.refresh_from_db()
    services.task_decide_extension(task=task, actor=personas.chief, approve=True)
    task.refresh_from_db()
    assert task.escalation == "" and task.reminded_at is None and task.deadline > old_deadline
    counts = jobs.run_escalation(today=add_workdays(task.deadline, -1))
    assert counts["reminded"] == 1 and counts["notifications"] == 1
    assert Notification.objects.filter(kind=jobs.KIND_REMINDED, url=page).count() == 2
    assert jobs.run_escalation(today=add_workdays(task.deadline, -1))["notifications"] == 0


@pytest.mark.django_db
def test_every_mark_lies_before_the_bound_the_queues_scan_by(head: User, personas: Personas) -> None:
    """The queues filter a mark together with deadline < marked_before(level, today) (no index on the mark):
    whatever days the job ran, no marked open task lies outside that bound."""
    from chaindesk.demands.selectors_queues import marked_before

    mine = [make_task(personas, D(2025, 10, 10) + dt.timedelta(days=offset)).pk for offset in range(-12, 8)]
    seen = set()
    for day in (D(2025, 9, 30), D(2025, 10, 9), D(2025, 10, 10), D(2025, 10, 14), D(2025, 10, 20)):
        jobs.run_escalation(today=day)
        for level in (Escalation.REMINDED, Escalation.WARNED, Escalation.SUPERVISED):
            marked = Task.objects.filter(escalation=level, pk__in=mine)
            seen |= {level} if marked.exists() else set()
            assert not marked.filter(deadline__gte=marked_before(level, day)).exists(), (day, level)
    assert seen == {Escalation.REMINDED, Escalation.WARNED, Escalation.SUPERVISED}


@pytest.mark.django_db
def test_a_department_without_a_head_has_its_handlers_warned(head: User, personas: Personas) -> None:
    """预警 goes to the department's heads; with none active, to its handlers, so the notice reaches someone."""
    task = make_task(personas, D(2025, 10, 9))
    User.objects.filter(pk=head.pk).update(is_active=False)
    jobs.run_escalation(today=D(2025, 10, 10))
    warned = digests(jobs.KIND_WARNED)
    assert set(warned) == {personas.handler.pk}  # 测试甲局's only active handler
    assert all(n.url == reverse("demands:task_detail", args=[task.pk]) for n in warned.values())


@pytest.mark.django_db
def test_notices_carry_the_runs_time(head: User, personas: Personas) -> None:
    make_task(personas, D(2025, 10, 9))
    at = dt.datetime(2025, 10, 10, 0, 5, tzinfo=dt.UTC)
    jobs.run_escalation(today=D(2025, 10, 10), now=at)
    note = digests(jobs.KIND_WARNED)[head.pk]
    assert note.created_at == at and note.dedupe_key == f"escalation:warned:{head.pk}:{jobs.run_token(at)}"
