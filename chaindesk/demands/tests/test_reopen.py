"""Issue 11 item 4: 不满意 reopens only what failed. The rating form names the demand's done tasks (all checked by
default, at least one required with 不满意); only those go back to work, each counting one more reopen
(`Task.reopen_count`); the service's `reopen_tasks` defaults to every done task; the API takes the same list.

On the personas' world: a demand of our enterprise split into two tasks, 测试甲局 (`handler`) and 测试乙局
(`x_handler`), both done and accepted by `chief`, waits for `ent_user`'s confirmation."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from chaindesk.demands import services
from chaindesk.demands.choices import DemandStatus, Rating, TaskStatus
from chaindesk.demands.models import Demand, Task, TaskUpdate
from chaindesk.demands.tests.factories import DemandWorld
from chaindesk.testkit.html import login
from chaindesk.testkit.personas import Personas

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: deadlines count working days from today


def _complete(task: Task, personas: Personas) -> None:
    task.refresh_from_db()
    handler = personas.handler if task.lead_department_id == personas.ours.department.pk else personas.x_handler
    if task.status == TaskStatus.PENDING:
        services.task_sign(task=task, actor=handler)
    services.task_request_completion(task=task, actor=handler, result=f"{task.lead_department}已办结。")
    services.task_accept_completion(task=task, actor=personas.chief)


@pytest.fixture
def split(personas: Personas, world: DemandWorld, make_demand: Callable[..., Demand]) -> tuple[Demand, Task, Task]:
    """A demand awaiting confirmation with two done tasks: (demand, ours, theirs)."""
    demand = make_demand(status=DemandStatus.IN_PROGRESS)
    ours = demand.tasks.get()
    theirs = world.task(demand, department="theirs")
    _complete(ours, personas)
    _complete(theirs, personas)
    demand.refresh_from_db()
    assert demand.status == DemandStatus.AWAITING_CONFIRMATION
    return demand, ours, theirs


def _state(task: Task) -> tuple[str, int, int]:
    """(status, reopen_count, REOPEN history rows)."""
    task.refresh_from_db()
    return task.status, task.reopen_count, task.updates.filter(kind=TaskUpdate.Kind.REOPEN).count()


def test_unsatisfied_reopens_one_of_two_tasks(personas: Personas, split: tuple[Demand, Task, Task]) -> None:
    demand, ours, theirs = split
    services.demand_confirm(
        demand=demand,
        actor=personas.ent_user,
        rating=Rating.UNSATISFIED,
        comment="电价未落实",
        reopen_tasks=[theirs.pk],
    )
    demand.refresh_from_db()
    assert demand.status == DemandStatus.IN_PROGRESS and demand.reopen_count == 1
    assert _state(ours) == (TaskStatus.DONE, 0, 0)
    assert ours.completed_at is not None  # the task that did not fail keeps its completion
    assert _state(theirs) == (TaskStatus.IN_PROGRESS, 1, 1)
    assert theirs.completed_at is None
    assert "退回重新办理：测试乙局" in demand.events.get(kind="reopened").note
    # once the reopened task is done again, the demand waits for confirmation again (ours is still done)
    _complete(theirs, personas)
    demand.refresh_from_db()
    assert demand.status == DemandStatus.AWAITING_CONFIRMATION


def test_a_task_reopened_twice_counts_twice(personas: Personas, split: tuple[Demand, Task, Task]) -> None:
    demand, ours, theirs = split
    for _round in range(2):
        services.demand_confirm(
            demand=demand,
            actor=personas.ent_user,
            rating=Rating.UNSATISFIED,
            comment="仍未解决",
            reopen_tasks=[ours.pk],
        )
        _complete(ours, personas)
        demand.refresh_from_db()
    assert _state(ours) == (TaskStatus.DONE, 2, 2)
    assert _state(theirs) == (TaskStatus.DONE, 0, 0)
    assert demand.reopen_count == 2


def test_by_default_every_done_task_reopens(personas: Personas, split: tuple[Demand, Task, Task]) -> None:
    demand, ours, theirs = split
    services.demand_confirm(demand=demand, actor=personas.ent_user, rating=Rating.UNSATISFIED, comment="都不满意")
    assert _state(ours) == (TaskStatus.IN_PROGRESS, 1, 1)
    assert _state(theirs) == (TaskStatus.IN_PROGRESS, 1, 1)


@pytest.mark.parametrize("chosen", ["none", "foreign", "garbage"])
def test_bad_choice_is_refused_and_changes_nothing(
    personas: Personas, split: tuple[Demand, Task, Task], chosen: str
) -> None:
    demand, ours, theirs = split
    choices: dict[str, list[Any]] = {"none": [], "foreign": [personas.theirs.task.pk], "garbage": ["x"]}
    ids = choices[chosen]
    with pytest.raises(ValidationError) as caught:
        services.demand_confirm(
            demand=demand, actor=personas.ent_user, rating=Rating.UNSATISFIED, comment="不满意", reopen_tasks=ids
        )
    assert "reopen_tasks" in caught.value.message_dict
    demand.refresh_from_db()
    assert demand.status == DemandStatus.AWAITING_CONFIRMATION and demand.reopen_count == 0
    assert _state(ours) == (TaskStatus.DONE, 0, 0) and _state(theirs) == (TaskStatus.DONE, 0, 0)


def test_satisfied_ignores_the_task_list(personas: Personas, split: tuple[Demand, Task, Task]) -> None:
    demand, ours, _theirs = split
    services.demand_confirm(demand=demand, actor=personas.ent_user, rating=Rating.SATISFIED, reopen_tasks=[ours.pk])
    demand.refresh_from_db()
    assert demand.status == DemandStatus.CLOSED and _state(ours) == (TaskStatus.DONE, 0, 0)


# --- the rating form --------------------------------------------------------------------------------------------


def _url(demand: Demand) -> str:
    return reverse("demands:action", args=[demand.pk, "confirm"])


def test_form_names_the_done_tasks_all_checked(personas: Personas, split: tuple[Demand, Task, Task]) -> None:
    demand, ours, theirs = split
    page = login(personas.ent_user).get(reverse("demands:detail", args=[demand.pk])).content.decode()
    boxes = page[page.index('data-testid="reopen-tasks"') :]
    boxes = boxes[: boxes.index("</fieldset>")]
    for task in (ours, theirs):
        assert f'value="{task.pk}"' in boxes
    assert boxes.count(" checked") == 2
    assert "测试甲局：测试甲局已办结。" in boxes and "测试乙局：测试乙局已办结。" in boxes
    assert "demands/confirm_form.js" in page


def test_form_requires_a_task_with_unsatisfied(personas: Personas, split: tuple[Demand, Task, Task]) -> None:
    demand, ours, theirs = split
    data = {
        "confirm-expected_status": "awaiting_confirmation",
        "confirm-rating": "unsatisfied",
        "confirm-comment": "仍未解决",
    }
    response = login(personas.ent_user).post(_url(demand), data)
    assert response.status_code == 400
    assert "请至少选择一项需要重新办理的任务。" in response.content.decode()
    demand.refresh_from_db()
    assert demand.status == DemandStatus.AWAITING_CONFIRMATION
    assert _state(ours)[0] == TaskStatus.DONE and _state(theirs)[0] == TaskStatus.DONE


def test_form_reopens_only_the_checked_task(personas: Personas, split: tuple[Demand, Task, Task]) -> None:
    demand, ours, theirs = split
    data = {
        "confirm-expected_status": "awaiting_confirmation",
        "confirm-rating": "unsatisfied",
        "confirm-comment": "乙局未落实",
        "confirm-reopen_tasks": [str(theirs.pk)],
    }
    assert login(personas.ent_user).post(_url(demand), data).status_code == 302
    assert _state(ours) == (TaskStatus.DONE, 0, 0) and _state(theirs) == (TaskStatus.IN_PROGRESS, 1, 1)


def test_form_refuses_a_task_of_another_demand(personas: Personas, split: tuple[Demand, Task, Task]) -> None:
    demand, ours, _theirs = split
    data = {
        "confirm-expected_status": "awaiting_confirmation",
        "confirm-rating": "unsatisfied",
        "confirm-comment": "x",
        "confirm-reopen_tasks": [str(personas.theirs.task.pk)],
    }
    response = login(personas.ent_user).post(_url(demand), data)
    assert response.status_code == 400 and "只能选择本诉求中已办结的任务。" in response.content.decode()
    assert _state(ours) == (TaskStatus.DONE, 0, 0)


def test_satisfied_needs_no_task(personas: Personas, split: tuple[Demand, Task, Task]) -> None:
    demand, _ours, _theirs = split
    data = {"confirm-expected_status": "awaiting_confirmation", "confirm-rating": "satisfied"}
    response = login(personas.ent_user).post(_url(demand), data, follow=True)
    assert "感谢您的评价，已记录。" in response.content.decode()
    demand.refresh_from_db()
    assert demand.status == DemandStatus.CLOSED


# --- the API ----------------------------------------------------------------------------------------------------


def _api(personas: Personas, demand: Demand, payload: dict[str, object], who: str = "ent_user") -> object:
    return login(personas.user(who)).post(
        f"/api/demands/{demand.pk}/confirm", data=json.dumps(payload), content_type="application/json"
    )


def test_api_reopens_the_listed_tasks(personas: Personas, split: tuple[Demand, Task, Task]) -> None:
    demand, ours, theirs = split
    response = _api(personas, demand, {"rating": "unsatisfied", "comment": "甲局未落实", "reopen_tasks": [ours.pk]})
    assert response.status_code == 200, response.content  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["status"] == "in_progress"
    assert {t["id"]: t["status"] for t in body["tasks"]} == {ours.pk: "in_progress", theirs.pk: "done"}
    assert _state(ours) == (TaskStatus.IN_PROGRESS, 1, 1)


def test_api_refusals(personas: Personas, split: tuple[Demand, Task, Task]) -> None:
    demand, ours, _theirs = split
    empty = _api(personas, demand, {"rating": "unsatisfied", "comment": "x", "reopen_tasks": []})
    assert empty.status_code == 422  # type: ignore[attr-defined]
    assert "请至少选择一项需要重新办理的任务。" in json.dumps(empty.json(), ensure_ascii=False)  # type: ignore[attr-defined]
    assert _api(personas, demand, {"rating": "satisfied"}, who="chief").status_code == 403  # type: ignore[attr-defined]
    assert _api(personas, demand, {"rating": "satisfied"}, who="x_ent_user").status_code == 404  # type: ignore[attr-defined]
    stale = _api(personas, demand, {"rating": "satisfied", "expected_status": "in_progress"})
    assert stale.status_code == 409  # type: ignore[attr-defined]
    assert _state(ours) == (TaskStatus.DONE, 0, 0)
    closed = _api(personas, demand, {"rating": "basically", "expected_status": "awaiting_confirmation"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"  # type: ignore[attr-defined]
