"""Department tasks' writes (chaindesk/demands/services_tasks.py): 交办, signing, progress, extensions, return
and completion, their table of moves, stale instances (409) and who may do what.

On the fixed personas, through the demands conftest's `world`, `make_demand` and `make_task` (factories.DemandWorld)."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chaindesk.core import clock
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.models import AuditLog, Notification
from chaindesk.demands import services
from chaindesk.demands.choices import TASK_TRANSITIONS, DemandStatus, TaskStatus
from chaindesk.demands.models import Demand, Task, TaskUpdate
from chaindesk.demands.tests.factories import DemandWorld
from chaindesk.testkit.personas import Personas

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too


# --- tasks -------------------------------------------------------------------------------------------------


def test_task_create_moves_demand_and_notifies(
    make_demand: Callable[..., Demand], make_task: Callable[..., Task], personas: Personas
) -> None:
    ours, theirs = personas.ours.department, personas.theirs.department
    demand = make_demand(status=DemandStatus.ACCEPTED)
    task = make_task(demand, working_days=5, co=("theirs",))
    demand.refresh_from_db()
    assert demand.status == DemandStatus.IN_PROGRESS
    assert task.status == TaskStatus.PENDING
    assert task.lead_department == ours
    assert list(task.co_departments.all()) == [theirs]
    assert task.deadline > clock.today()  # 5 working days ahead
    notices = Notification.objects.filter(dedupe_key__startswith=f"task:{task.pk}:assigned")
    # 测试甲局 has one handler; the co-department's is not told
    assert set(notices.values_list("recipient_id", flat=True)) == {personas.handler.pk}
    assert not notices.exclude(recipient__department=ours).exists()
    assert all(n.url.endswith(f"/tasks/{task.pk}/") for n in notices)
    # a second task (the split) keeps the demand 办理中
    second = make_task(demand, department="theirs")
    demand.refresh_from_db()
    assert demand.status == DemandStatus.IN_PROGRESS
    assert second.demand_id == demand.pk
    assert demand.events.filter(kind="task_created").count() == 2


@pytest.mark.parametrize("status", [DemandStatus.SUBMITTED, DemandStatus.AWAITING_CONFIRMATION, DemandStatus.CLOSED])
def test_task_create_needs_accepted(
    make_demand: Callable[..., Demand], make_task: Callable[..., Task], status: str
) -> None:
    demand = make_demand(status=status)
    tasks = Task.objects.count()
    with pytest.raises(ValidationError):
        make_task(demand)
    assert Task.objects.count() == tasks


@pytest.mark.parametrize("days", [0, -1, 366, "x"])
def test_task_create_working_days_checked(
    make_demand: Callable[..., Demand], make_task: Callable[..., Task], days: Any
) -> None:
    demand = make_demand(status=DemandStatus.ACCEPTED)
    with pytest.raises(ValidationError):
        make_task(demand, working_days=days)
    assert not Task.objects.filter(demand=demand).exists()


@pytest.mark.parametrize("who", ["handler", "ent_user", "liaison", "x_chief"])
def test_task_create_only_by_team(make_demand: Callable[..., Demand], make_task: Callable[..., Task], who: str) -> None:
    demand = make_demand(status=DemandStatus.ACCEPTED)
    with pytest.raises(PermissionDenied):
        make_task(demand, actor=who)
    assert not Task.objects.filter(demand=demand).exists()


def _task_in(status: str, world: DemandWorld) -> Task:
    p = world.personas
    demand = world.demand(status=DemandStatus.ACCEPTED)
    task = world.task(demand)
    # a second task keeps the demand 办理中 when this one is done
    world.task(demand, department="theirs")
    if status == TaskStatus.PENDING:
        return task
    if status == TaskStatus.RETURNED:
        services.task_return(task=task, actor=p.handler, reason="不属本部门职责")
        return task
    services.task_sign(task=task, actor=p.handler)
    if status == TaskStatus.IN_PROGRESS:
        return task
    if status == TaskStatus.EXTENSION_REQUESTED:
        services.task_request_extension(task=task, actor=p.handler, extra_days=3, reason="需要现场踏勘")
        return task
    services.task_request_completion(task=task, actor=p.handler, result="已办理")
    if status == TaskStatus.COMPLETION_REQUESTED:
        return task
    services.task_accept_completion(task=task, actor=p.chief)
    assert status == TaskStatus.DONE
    return task


TASK_ACTIONS: dict[str, tuple[str, frozenset[str], Callable[..., Any]]] = {
    # action: (target, the states it starts from, call(task, personas))
    "sign": (
        TaskStatus.IN_PROGRESS,
        frozenset({TaskStatus.PENDING}),
        lambda t, p: services.task_sign(task=t, actor=p.handler),
    ),
    "return": (
        TaskStatus.RETURNED,
        frozenset({TaskStatus.PENDING, TaskStatus.IN_PROGRESS}),
        lambda t, p: services.task_return(task=t, actor=p.handler, reason="非本部门职责"),
    ),
    "request_extension": (
        TaskStatus.EXTENSION_REQUESTED,
        frozenset({TaskStatus.IN_PROGRESS}),
        lambda t, p: services.task_request_extension(task=t, actor=p.handler, extra_days=2, reason="等待批复"),
    ),
    "approve_extension": (
        TaskStatus.IN_PROGRESS,
        frozenset({TaskStatus.EXTENSION_REQUESTED}),
        lambda t, p: services.task_decide_extension(task=t, actor=p.chief, approve=True),
    ),
    "refuse_extension": (
        TaskStatus.IN_PROGRESS,
        frozenset({TaskStatus.EXTENSION_REQUESTED}),
        lambda t, p: services.task_decide_extension(task=t, actor=p.chief, approve=False, note="请按期办结"),
    ),
    "request_completion": (
        TaskStatus.COMPLETION_REQUESTED,
        frozenset({TaskStatus.IN_PROGRESS}),
        lambda t, p: services.task_request_completion(task=t, actor=p.handler, result="已办结"),
    ),
    "accept_completion": (
        TaskStatus.DONE,
        frozenset({TaskStatus.COMPLETION_REQUESTED}),
        lambda t, p: services.task_accept_completion(task=t, actor=p.chief),
    ),
    "reject_completion": (
        TaskStatus.IN_PROGRESS,
        frozenset({TaskStatus.COMPLETION_REQUESTED}),
        lambda t, p: services.task_reject_completion(task=t, actor=p.chief, note="材料不全"),
    ),
}


def test_task_actions_cover_the_table() -> None:
    moves = {(s, target) for target, sources, _ in TASK_ACTIONS.values() for s in sources}
    reopen = {(TaskStatus.DONE, TaskStatus.IN_PROGRESS)}  # 不满意 reopens done tasks
    table = {(s, t) for s, targets in TASK_TRANSITIONS.items() for t in targets}
    assert table == moves | reopen
    assert all(target in TASK_TRANSITIONS[s] for target, sources, _ in TASK_ACTIONS.values() for s in sources)


@pytest.mark.parametrize("source", list(TaskStatus.values))
@pytest.mark.parametrize("action", list(TASK_ACTIONS))
def test_task_transition(world: DemandWorld, personas: Personas, source: str, action: str) -> None:
    task = _task_in(source, world)
    target, sources, call = TASK_ACTIONS[action]
    updates = TaskUpdate.objects.filter(task=task).count()
    if source in sources:
        call(task, personas)
        assert Task.objects.get(pk=task.pk).status == target
        assert TaskUpdate.objects.filter(task=task).count() == updates + 1
        assert AuditLog.objects.for_object(task).filter(action="transition").exists()
    else:
        with pytest.raises(ValidationError):
            call(task, personas)
        assert Task.objects.get(pk=task.pk).status == source
        assert TaskUpdate.objects.filter(task=task).count() == updates


@pytest.mark.parametrize("action", list(TASK_ACTIONS))
def test_task_stale_instance_is_409(world: DemandWorld, personas: Personas, action: str) -> None:
    target, sources, call = TASK_ACTIONS[action]
    source = sorted(sources)[0]
    task = _task_in(source, world)
    stale = Task.objects.get(pk=task.pk)
    call(task, personas)
    with pytest.raises(InvalidTransition):
        call(stale, personas)


@pytest.mark.parametrize("who", ["chief", "ent_user", "liaison", "x_handler", "x_liaison"])
def test_task_handling_only_by_lead_department(world: DemandWorld, who: str) -> None:
    task = _task_in(TaskStatus.PENDING, world)
    user = world.user(who)
    with pytest.raises(PermissionDenied):
        services.task_sign(task=task, actor=user)
    with pytest.raises(PermissionDenied):
        services.task_return(task=task, actor=user, reason="x")
    assert Task.objects.get(pk=task.pk).status == TaskStatus.PENDING


@pytest.mark.parametrize("who", ["handler", "ent_user", "liaison", "x_chief", "x_liaison"])
def test_task_decisions_only_by_team(world: DemandWorld, who: str) -> None:
    task = _task_in(TaskStatus.COMPLETION_REQUESTED, world)
    user = world.user(who)
    with pytest.raises(PermissionDenied):
        services.task_accept_completion(task=task, actor=user)
    with pytest.raises(PermissionDenied):
        services.task_reject_completion(task=task, actor=user, note="x")
    assert Task.objects.get(pk=task.pk).status == TaskStatus.COMPLETION_REQUESTED


def test_extension_approval_moves_deadline_in_working_days(world: DemandWorld, personas: Personas) -> None:
    from chaindesk.demands.workdays import add_workdays

    task = _task_in(TaskStatus.IN_PROGRESS, world)
    Task.objects.filter(pk=task.pk).update(escalation="warned")
    before = task.deadline
    services.task_request_extension(task=task, actor=personas.handler, extra_days=5, reason="等待省厅批复")
    services.task_decide_extension(task=task, actor=personas.chief, approve=True)
    stored = Task.objects.get(pk=task.pk)
    assert stored.deadline == add_workdays(before, 5)
    assert stored.deadline > before
    assert stored.escalation == ""
    refused = _task_in(TaskStatus.IN_PROGRESS, world)
    services.task_request_extension(task=refused, actor=personas.handler, extra_days=5, reason="等待")
    services.task_decide_extension(task=refused, actor=personas.chief, approve=False, note="请按期")
    assert Task.objects.get(pk=refused.pk).deadline == refused.deadline


def test_progress_note(world: DemandWorld, personas: Personas) -> None:
    task = _task_in(TaskStatus.PENDING, world)
    with pytest.raises(ValidationError):
        services.task_progress(task=task, actor=personas.handler, note="未签收不能填报")
    services.task_sign(task=task, actor=personas.handler)
    update = services.task_progress(task=task, actor=personas.handler, note="已现场踏勘")
    assert update.kind == TaskUpdate.Kind.PROGRESS
    with pytest.raises(ValidationError):
        services.task_progress(task=task, actor=personas.handler, note=" ")
    with pytest.raises(PermissionDenied):
        services.task_progress(task=task, actor=personas.x_handler, note="x")


def test_deadline_beyond_the_calendar_is_provisional(
    make_demand: Callable[..., Demand], make_task: Callable[..., Task]
) -> None:
    """Past the calendar's last published year the deadline counts Monday to Friday and is marked 预估."""

    from chaindesk.demands.workdays import add_workdays, is_provisional

    demand = make_demand(status=DemandStatus.ACCEPTED)
    task = make_task(demand, working_days=365)
    assert task.deadline == add_workdays(clock.today(), 365)
    assert is_provisional(task.deadline)
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.IN_PROGRESS
