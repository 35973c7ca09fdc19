"""Issue 10, 7b: enterprise users follow their demand, not the departments' tasks. No task is visible to them
(no task page, no task history, no escalation level); their demand's page and API list its tasks without
the staff-only fields (instructions, escalation marks); the API lists only the tasks in the reader's scope."""

from collections.abc import Callable
from typing import Any

import pytest

from chaindesk.demands.choices import DemandStatus
from chaindesk.demands.models import Demand, Task

pytestmark = pytest.mark.django_db

SECRET = "内部交办：先压一压，年底再办"


@pytest.fixture
def escalated_demand(make_demand: Callable[..., Demand], make_task: Callable[..., Task]) -> Demand:
    """A demand of 江苏博生 with two tasks: 自然资源和规划局 (marked 督办) and 工信局 (plain)."""
    demand = make_demand(status=DemandStatus.ACCEPTED)
    land = make_task(demand, department_code="zrzy", instructions=SECRET)
    make_task(demand, department_code="gxj", instructions="请工信局协调电力增容。")
    Task.objects.filter(pk=land.pk).update(escalation="supervised")  # as the ladder job sets it
    return demand


def test_no_task_is_visible_to_an_enterprise_user(escalated_demand: Demand, persona: Callable[[str], Any]) -> None:
    assert Task.objects.filter(demand=escalated_demand).count() == 2
    assert not Task.objects.visible_to(persona("liuyang")).exists()
    assert Task.objects.visible_to(persona("wangzh")).filter(demand=escalated_demand).count() == 2


def test_enterprise_user_cannot_read_a_task_history(escalated_demand: Demand, client_as: Callable[..., Any]) -> None:
    task = Task.objects.filter(demand=escalated_demand).first()
    url = f"/system/history/demands/task/{task.pk}/"
    assert client_as("liuyang").get(url).status_code == 404
    assert client_as("wangzh").get(url).status_code == 200


def test_demand_page_shows_an_enterprise_user_no_instructions_or_escalation(
    escalated_demand: Demand, client_as: Callable[..., Any]
) -> None:
    url = f"/demands/{escalated_demand.pk}/"
    own = client_as("liuyang").get(url).content.decode()
    assert own.count('data-testid="task-row"') == 2  # the tasks' departments, deadlines and states
    assert SECRET not in own and "请工信局协调电力增容" not in own
    assert "督办" not in own
    staff = client_as("wangzh").get(url).content.decode()
    assert SECRET[:10] in staff and "督办" in staff


def test_demand_ledger_shows_an_enterprise_user_no_escalation_mark(
    escalated_demand: Demand, client_as: Callable[..., Any]
) -> None:
    own = client_as("liuyang").get("/demands/").content.decode()
    assert escalated_demand.title in own and "督办" not in own
    assert "督办" in client_as("wangzh").get("/demands/").content.decode()


def test_api_lists_only_the_tasks_in_the_readers_scope(escalated_demand: Demand, client_as: Callable[..., Any]) -> None:
    url = f"/api/demands/{escalated_demand.pk}"
    team = client_as("wangzh").get(url).json()["tasks"]
    assert len(team) == 2
    assert {t["escalation"] for t in team} == {"supervised", ""}
    handler = client_as("chenjing").get(url).json()["tasks"]  # 自然资源和规划局: its own task only
    assert [t["lead_department"] for t in handler] == [
        Task.objects.get(demand=escalated_demand, escalation="supervised").lead_department.short_name
    ]


def test_api_gives_an_enterprise_user_no_escalation(escalated_demand: Demand, client_as: Callable[..., Any]) -> None:
    response = client_as("liuyang").get(f"/api/demands/{escalated_demand.pk}")
    assert response.status_code == 200
    tasks = response.json()["tasks"]
    assert len(tasks) == 2
    assert all(t["escalation"] is None for t in tasks)
    assert "supervised" not in response.content.decode() and SECRET not in response.content.decode()
