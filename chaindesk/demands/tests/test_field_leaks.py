"""Issue 10, 7b: enterprise users follow their demand, not the departments' tasks. No task is visible to them
(no task page, no task history, no escalation level); their demand's page and API list its tasks without
the staff-only fields (instructions, escalation marks); the API lists only the tasks in the reader's scope.

On the fixed personas: `ent_user` is our enterprise's user, `member` is on 测试甲链's team, `handler` works in
测试甲局 (the task marked 督办), 测试乙局 gets the plain task."""

from collections.abc import Callable

import pytest
from django.test import Client

from chaindesk.accounts.models import User
from chaindesk.demands.choices import DemandStatus
from chaindesk.demands.models import Demand, Task
from chaindesk.testkit.personas import Personas

pytestmark = pytest.mark.django_db

SECRET = "内部交办：先压一压，年底再办"
PLAIN = "请测试乙局协调电力增容。"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def escalated_demand(make_demand: Callable[..., Demand], make_task: Callable[..., Task]) -> Demand:
    """A demand of our enterprise with two tasks: 测试甲局 (marked 督办) and 测试乙局 (plain)."""
    demand = make_demand(status=DemandStatus.ACCEPTED)
    land = make_task(demand, department="ours", instructions=SECRET)
    make_task(demand, department="theirs", instructions=PLAIN)
    Task.objects.filter(pk=land.pk).update(escalation="supervised")  # as the ladder job sets it
    return demand


def test_no_task_is_visible_to_an_enterprise_user(escalated_demand: Demand, personas: Personas) -> None:
    assert Task.objects.filter(demand=escalated_demand).count() == 2
    assert not Task.objects.visible_to(personas.ent_user).exists()
    assert Task.objects.visible_to(personas.member).filter(demand=escalated_demand).count() == 2


def test_enterprise_user_cannot_read_a_task_history(escalated_demand: Demand, personas: Personas) -> None:
    task = Task.objects.filter(demand=escalated_demand).first()
    assert task is not None
    url = f"/system/history/demands/task/{task.pk}/"
    assert _client(personas.ent_user).get(url).status_code == 404
    assert _client(personas.member).get(url).status_code == 200


def test_demand_page_shows_an_enterprise_user_no_instructions_or_escalation(
    escalated_demand: Demand, personas: Personas
) -> None:
    url = f"/demands/{escalated_demand.pk}/"
    own = _client(personas.ent_user).get(url).content.decode()
    assert own.count('data-testid="task-row"') == 2  # the tasks' departments, deadlines and states
    assert "测试甲局" in own and "测试乙局" in own
    assert SECRET not in own and PLAIN not in own
    assert "督办" not in own
    staff = _client(personas.member).get(url).content.decode()
    assert SECRET[:10] in staff and "督办" in staff


def test_demand_ledger_shows_an_enterprise_user_no_escalation_mark(
    escalated_demand: Demand, personas: Personas
) -> None:
    own = _client(personas.ent_user).get("/demands/").content.decode()
    assert escalated_demand.title in own and "督办" not in own
    assert "督办" in _client(personas.member).get("/demands/").content.decode()


def test_api_lists_only_the_tasks_in_the_readers_scope(escalated_demand: Demand, personas: Personas) -> None:
    url = f"/api/demands/{escalated_demand.pk}"
    team = _client(personas.member).get(url).json()["tasks"]
    assert len(team) == 2
    assert {(t["lead_department"], t["escalation"]) for t in team} == {("测试甲局", "supervised"), ("测试乙局", "")}
    handler = _client(personas.handler).get(url).json()["tasks"]  # 测试甲局: its own task only
    assert [(t["lead_department"], t["escalation"]) for t in handler] == [("测试甲局", "supervised")]


def test_api_gives_an_enterprise_user_no_escalation(escalated_demand: Demand, personas: Personas) -> None:
    response = _client(personas.ent_user).get(f"/api/demands/{escalated_demand.pk}")
    assert response.status_code == 200
    tasks = response.json()["tasks"]
    assert len(tasks) == 2
    assert all(t["escalation"] is None for t in tasks)
    assert "supervised" not in response.content.decode() and SECRET not in response.content.decode()
