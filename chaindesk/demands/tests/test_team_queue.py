"""What waits on the team (issue 11, item 2): the 待我处理 queue and its 工作台 card, the link from each task row of
the demand page to the task page, and the team's decisions on completion and extension requests made right on
the demand page.

On the fixed personas (chaindesk/testkit/personas.py): our chief (链长) and member (牵头部门负责人) are the team
of 测试甲链, `handler` works in 测试甲局; `x_chief` is the team of 测试乙链 (theirs), `x_handler` works in 测试乙局.
The world's own pending tasks (ours and theirs) wait on no one but their departments, so they are in no
section."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chaindesk.accounts.models import User
from chaindesk.core import clock
from chaindesk.demands import services
from chaindesk.demands.choices import DemandStatus, TaskStatus
from chaindesk.demands.models import Demand, DemandEvent, Task, TaskUpdate
from chaindesk.demands.selectors_team import SECTION_KEYS, SECTIONS, queue_counts
from chaindesk.demands.status_since import backfill
from chaindesk.demands.workdays import add_workdays
from chaindesk.testkit.html import login

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

QUEUE = "demands:team_queue"
CARD = "demands:card_team_queue"


@pytest.fixture
def task_for(world: Any, make_demand: Callable[..., Demand], make_task: Callable[..., Task]) -> Callable[..., Task]:
    """A task of a fresh accepted demand of our enterprise, walked to `status` by the handler (signed first)."""

    def make(status: str = TaskStatus.IN_PROGRESS, *, title: str = "新厂区用地指标", lead: str = "ours") -> Task:
        task = make_task(make_demand(status=DemandStatus.ACCEPTED, title=title), department=lead)
        handler = {"ours": world.personas.handler, "theirs": world.personas.x_handler}[lead]
        if status == TaskStatus.PENDING:
            return task
        if status == TaskStatus.RETURNED:
            return services.task_return(task=task, actor=handler, reason="不属本部门职责")
        services.task_sign(task=task, actor=handler)
        if status == TaskStatus.COMPLETION_REQUESTED:
            services.task_request_completion(task=task, actor=handler, result=f"{title}已办妥。")
        elif status == TaskStatus.EXTENSION_REQUESTED:
            services.task_request_extension(task=task, actor=handler, extra_days=5, reason="需等待省厅批复")
        task.refresh_from_db()
        return task

    return make


def _fill(task_for: Callable[..., Task], make_demand: Callable[..., Demand], n: int = 1) -> None:
    """n rows in each section."""
    for i in range(n):
        task_for(TaskStatus.COMPLETION_REQUESTED, title=f"办结{i}")
        task_for(TaskStatus.EXTENSION_REQUESTED, title=f"延期{i}")
        task_for(TaskStatus.RETURNED, title=f"退回{i}", lead="theirs")
        make_demand(status=DemandStatus.NEEDS_INFO, title=f"补充{i}")
        make_demand(status=DemandStatus.AWAITING_CONFIRMATION, title=f"确认{i}")


# --- access and navigation -------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", [QUEUE, CARD])
def test_only_the_team_opens_the_queue_and_its_card(personas: Any, route: str) -> None:
    url = reverse(route)
    assert Client().get(url).status_code == 302  # to the login
    for key in ("chief", "member", "x_chief"):
        assert login(personas.user(key)).get(url).status_code == 200, key
    for key in ("liaison", "handler", "district", "ent_user", "sysadmin", "auditor"):
        assert login(personas.user(key)).get(url).status_code == 403, key


def test_the_menu_offers_the_queue_to_the_team_only(personas: Any) -> None:
    url = reverse(QUEUE)
    assert f'href="{url}"' in login(personas.chief).get(reverse("demands:list")).content.decode()
    assert f'href="{url}"' in login(personas.member).get(reverse("demands:list")).content.decode()
    assert f'href="{url}"' not in login(personas.handler).get(reverse("demands:list")).content.decode()


def test_the_workbench_loads_the_card(personas: Any) -> None:
    page = login(personas.member).get("/").content.decode()
    assert f'hx-get="{reverse(CARD)}"' in page
    assert f'hx-get="{reverse(CARD)}"' not in login(personas.handler).get("/").content.decode()


# --- contents and counts ---------------------------------------------------------------------------------------


def test_each_section_holds_what_waits_on_the_team(personas: Any, task_for: Any, make_demand: Any, world: Any) -> None:
    completion = task_for(TaskStatus.COMPLETION_REQUESTED, title="办结申请的事项")
    extension = task_for(TaskStatus.EXTENSION_REQUESTED, title="延期申请的事项")
    returned = task_for(TaskStatus.RETURNED, title="退回的事项")
    reassigned = task_for(TaskStatus.RETURNED, title="已重新交办的事项")
    world.task(reassigned.demand, department="theirs")  # the team dealt with it: a new task after the return
    needs_info = make_demand(status=DemandStatus.NEEDS_INFO, title="待补充的诉求")
    awaiting = make_demand(status=DemandStatus.AWAITING_CONFIRMATION, title="待确认的诉求")
    task_for(TaskStatus.IN_PROGRESS, title="办理中的事项")  # waits on the department, not the team
    # theirs: a completion request on 测试乙链, which our team must not see
    services.task_sign(task=personas.theirs.task, actor=personas.x_handler)
    services.task_request_completion(task=personas.theirs.task, actor=personas.x_handler, result="乙方办妥")

    assert queue_counts(personas.chief) == {
        "completion": 1,
        "extension": 1,
        "returned": 1,
        "needs_info": 1,
        "awaiting": 1,
    }
    assert queue_counts(personas.x_chief) == dict.fromkeys(SECTION_KEYS, 0) | {"completion": 1}
    client = login(personas.chief)
    expected = {
        "completion": (completion.demand.title, reverse("demands:task_detail", args=[completion.pk])),
        "extension": (extension.demand.title, reverse("demands:task_detail", args=[extension.pk])),
        "returned": (returned.demand.title, reverse("demands:detail", args=[returned.demand_id])),
        "needs_info": (needs_info.title, reverse("demands:detail", args=[needs_info.pk])),
        "awaiting": (awaiting.title, reverse("demands:detail", args=[awaiting.pk])),
    }
    for key, (title, link) in expected.items():
        page = client.get(reverse(QUEUE) + f"?show={key}").content.decode()
        assert page.count('data-testid="team-queue-row"') == 1, key
        assert title in page and link in page, key
        assert "已重新交办的事项" not in page and "办理中的事项" not in page and "乙方" not in page
    extension_page = client.get(reverse(QUEUE) + "?show=extension").content.decode()
    assert "需等待省厅批复" in extension_page and "5 个工作日" in extension_page


def test_counts_on_the_tabs_and_the_card(personas: Any, task_for: Any, make_demand: Any) -> None:
    _fill(task_for, make_demand, n=2)
    task_for(TaskStatus.COMPLETION_REQUESTED, title="第三个办结申请")
    client = login(personas.member)
    page = client.get(reverse(QUEUE)).content.decode()  # the first section by default
    assert page.count('data-testid="team-queue-row"') == 3
    for key, n in {"completion": 3, "extension": 2, "returned": 2, "needs_info": 2, "awaiting": 2}.items():
        tab = page.split(f'data-testid="section-{key}"')[1].split("</a>")[0]
        assert f'data-testid="section-count">{n}<' in tab, key
    card = client.get(reverse(CARD), headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="card-count">11<' in card
    assert f'href="{reverse(QUEUE)}?show=returned"' in card


def test_oldest_first(personas: Any, task_for: Any) -> None:
    for title in ("最早的申请", "其次的申请", "最晚的申请"):
        task_for(TaskStatus.COMPLETION_REQUESTED, title=title)
    page = login(personas.chief).get(reverse(QUEUE) + "?show=completion").content.decode()
    assert page.index("最早的申请") < page.index("其次的申请") < page.index("最晚的申请")


def test_an_empty_section_says_so(personas: Any) -> None:
    page = login(personas.chief).get(reverse(QUEUE) + "?show=awaiting").content.decode()
    assert "这一类暂无待处理事项。" in page and 'data-testid="team-queue-row"' not in page


def test_an_unknown_section_shows_the_first(personas: Any) -> None:
    response = login(personas.chief).get(reverse(QUEUE) + "?show=<script>")
    assert (
        response.status_code == 200
        and 'aria-current="page" data-testid="section-completion"' in response.content.decode()
    )


@pytest.mark.parametrize("section", SECTION_KEYS)
def test_the_section_s_total_is_its_rows(personas: Any, task_for: Any, make_demand: Any, section: str) -> None:
    """The pages' total is the section's count (not counted again), and it is the number of rows listed."""
    _fill(task_for, make_demand, n=3)
    response = login(personas.chief).get(reverse(QUEUE) + f"?show={section}")
    total = response.context["page_obj"].paginator.count
    assert total == dict(response.context["sections"])[next(s for s in SECTIONS if s.key == section)]
    assert total == len(response.context["rows"]) >= 3


def _queries(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("section", SECTION_KEYS)
def test_query_count_is_flat_as_rows_grow(personas: Any, task_for: Any, make_demand: Any, section: str) -> None:
    client = login(personas.chief)
    url = reverse(QUEUE) + f"?show={section}"
    _fill(task_for, make_demand, n=1)
    few = _queries(client, url)
    _fill(task_for, make_demand, n=4)
    assert _queries(client, url) == few
    # session and user, the counts (the team's chains: the rollup's reader key, its sums, the 交办事项's tasks), the
    # page's rows (its total is the section's count)
    assert few <= 6


def test_card_query_count(personas: Any, task_for: Any, make_demand: Any) -> None:
    _fill(task_for, make_demand, n=2)
    # session, user, the tasks' counts, the team's chains (the rollup's reader key) and the demands' counts
    assert _queries(login(personas.chief), reverse(CARD)) <= 5


# --- the demand page ------------------------------------------------------------------------------------------


def test_task_rows_link_to_the_task_page(personas: Any) -> None:
    demand, task = personas.ours.demand, personas.ours.task
    link = f'href="{reverse("demands:task_detail", args=[task.pk])}"'
    for key in ("chief", "member", "liaison", "handler", "district"):
        assert link in login(personas.user(key)).get(reverse("demands:detail", args=[demand.pk])).content.decode()
    # the enterprise follows the demand, not the departments' work: no task page
    assert link not in login(personas.ent_user).get(reverse("demands:detail", args=[demand.pk])).content.decode()


def _demand_page(user: User, task: Task) -> str:
    return login(user).get(reverse("demands:detail", args=[task.demand_id])).content.decode()


def test_the_team_sees_the_decision_on_the_demand_page_others_do_not(personas: Any, task_for: Any) -> None:
    task = task_for(TaskStatus.COMPLETION_REQUESTED)
    assert 'data-testid="task-decision-completion"' in _demand_page(personas.chief, task)
    assert 'data-testid="task-decision-completion"' in _demand_page(personas.member, task)
    for key in ("liaison", "handler", "district", "ent_user"):
        assert 'data-testid="task-decision' not in _demand_page(personas.user(key), task), key


def _decide(client: Client, task: Task, name: str, **data: Any) -> Any:
    back = reverse("demands:detail", args=[task.demand_id])
    data = {"expected_status": task.status, "next": back, **data}
    return client.post(reverse(f"demands:task_decide_{name}", args=[task.pk]), data)


def test_accept_a_completion_from_the_demand_page(personas: Any, task_for: Any) -> None:
    task = task_for(TaskStatus.COMPLETION_REQUESTED)
    response = _decide(login(personas.chief), task, "completion", accept="1", note="同意")
    assert response.status_code == 302 and response.url == reverse("demands:detail", args=[task.demand_id])
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert Demand.objects.get(pk=task.demand_id).status == DemandStatus.AWAITING_CONFIRMATION
    assert queue_counts(personas.chief)["completion"] == 0 and queue_counts(personas.chief)["awaiting"] == 1


def _templates(response: Any) -> list[str]:
    return [t.name for t in response.templates if t.name]


def test_send_back_needs_a_reason(personas: Any, task_for: Any) -> None:
    task = task_for(TaskStatus.COMPLETION_REQUESTED)
    client = login(personas.member)
    refused = _decide(client, task, "completion", accept="0", note="")
    assert refused.status_code == 400 and "退回重办须写明理由。" in refused.content.decode()
    # back on the demand page it was posted from, not on the task page
    assert "demands/detail.html" in _templates(refused)
    assert "demands/queues_task_detail.html" not in _templates(refused)
    assert Task.objects.get(pk=task.pk).status == TaskStatus.COMPLETION_REQUESTED
    response = _decide(client, task, "completion", accept="0", note="结果未附批复文件")
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS and task.status_note == "结果未附批复文件"


def test_decide_an_extension_from_the_demand_page(personas: Any, task_for: Any) -> None:
    task = task_for(TaskStatus.EXTENSION_REQUESTED)
    page = _demand_page(personas.chief, task)
    assert 'data-testid="task-decision-extension"' in page and "需等待省厅批复" in page
    response = _decide(login(personas.chief), task, "extension", approve="1", note="同意延期")
    assert response.status_code == 302
    moved = Task.objects.get(pk=task.pk)
    assert moved.status == TaskStatus.IN_PROGRESS and moved.deadline == add_workdays(task.deadline, 5)


def test_a_stale_decision_changes_nothing(personas: Any, task_for: Any) -> None:
    task = task_for(TaskStatus.COMPLETION_REQUESTED)
    client = login(personas.chief)
    assert _decide(client, task, "completion", accept="1").status_code == 302
    again = _decide(client, task, "completion", accept="0", note="晚了")  # the page still showed 申请办结
    assert again.status_code == 409
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DONE


def test_outsiders_cannot_decide(personas: Any, task_for: Any) -> None:
    task = task_for(TaskStatus.COMPLETION_REQUESTED)
    assert _decide(login(personas.x_chief), task, "completion", accept="1").status_code == 404
    assert _decide(login(personas.handler), task, "completion", accept="1").status_code == 403
    assert Task.objects.get(pk=task.pk).status == TaskStatus.COMPLETION_REQUESTED


def test_the_demand_page_query_count_is_flat_as_tasks_wait(personas: Any, task_for: Any, world: Any) -> None:
    task = task_for(TaskStatus.COMPLETION_REQUESTED)
    client = login(personas.chief)
    url = reverse("demands:detail", args=[task.demand_id])
    one = _queries(client, url)
    for _i in range(3):
        extra = world.task(task.demand, department="ours")
        services.task_sign(task=extra, actor=personas.handler)
        services.task_request_extension(task=extra, actor=personas.handler, extra_days=3, reason="等待")
    assert _queries(client, url) <= one + 1  # the pending extension requests: one query for all


# --- a refused decision returns to the demand page ---------------------------------------------------------------


def test_a_refused_decision_shows_its_error_on_the_demand_page(personas: Any, task_for: Any) -> None:
    """退回重办 without a reason, posted from the demand page: that page again (400), the message at the top, the
    error beside the decision's 意见 box on the task's row, whatever was typed kept; nothing changed."""
    task = task_for(TaskStatus.COMPLETION_REQUESTED)
    refused = _decide(login(personas.chief), task, "completion", accept="0", note="   ")
    assert refused.status_code == 400
    assert refused.context["demand"].pk == task.demand_id and refused.context["action_error"] == "退回重办须写明理由。"
    page = refused.content.decode()
    assert 'data-testid="action-error"' in page and 'data-testid="decision-error"' in page
    assert 'data-testid="task-decision-completion"' in page and f'id="id_task{task.pk}_note"' in page
    assert Task.objects.get(pk=task.pk).status == TaskStatus.COMPLETION_REQUESTED


def test_a_stale_decision_from_the_demand_page_shows_it_as_it_now_stands(personas: Any, task_for: Any) -> None:
    task = task_for(TaskStatus.EXTENSION_REQUESTED)
    client = login(personas.chief)
    assert _decide(client, task, "extension", approve="0", note="不同意").status_code == 302
    again = _decide(client, task, "extension", approve="1")  # the page still showed 延期申请中
    assert again.status_code == 409 and "demands/detail.html" in _templates(again)
    assert "已不是页面显示的" in again.context["action_error"]
    assert 'data-testid="task-decision-extension"' not in again.content.decode()  # nothing left to decide


def test_the_same_decision_from_the_task_page_stays_there(personas: Any, task_for: Any) -> None:
    task = task_for(TaskStatus.COMPLETION_REQUESTED)
    url = reverse("demands:task_decide_completion", args=[task.pk])
    refused = login(personas.chief).post(url, {"expected_status": task.status, "accept": "0", "note": ""})
    assert refused.status_code == 400 and "demands/queues_task_detail.html" in _templates(refused)


def test_a_refused_urge_from_the_demand_page_returns_there(personas: Any) -> None:
    task = personas.ours.task
    client = login(personas.chief)
    back = reverse("demands:detail", args=[task.demand_id]) + "#tasks"
    url = reverse("demands:task_urge", args=[task.pk])
    assert client.post(url, {"note": "请今天回复", "next": back}).status_code == 302
    again = client.post(url, {"note": "再催", "next": back})
    assert again.status_code == 400 and "demands/detail.html" in _templates(again)
    assert "今天已催办过" in again.context["action_error"] and 'value="再催"' in again.content.decode()


def test_a_move_stamps_when_the_wait_began_and_the_backfill_agrees(
    personas: Any, task_for: Any, make_demand: Any
) -> None:
    """`status_since` is the time of the move into the current state (the queue's order and its 等待 days); the
    migration's backfill, run over rows whose stamp was lost, gives back the time of their latest such move."""
    asked = task_for(TaskStatus.COMPLETION_REQUESTED, title="先申请的")
    waiting = services.demand_request_info(
        demand=make_demand(title="待补充的"), actor=personas.chief, note="请补充用地红线图"
    )
    latest = TaskUpdate.objects.filter(task=asked, kind=TaskUpdate.Kind.COMPLETION).latest("created_at")
    assert abs(asked.status_since - latest.created_at) < dt.timedelta(seconds=1)
    event = DemandEvent.objects.filter(demand=waiting, to_status=DemandStatus.NEEDS_INFO).latest("created_at")
    assert abs(Demand.objects.get(pk=waiting.pk).status_since - event.created_at) < dt.timedelta(seconds=1)
    lost = clock.now() + dt.timedelta(days=30)
    Task.objects.filter(pk=asked.pk).update(status_since=lost)
    Demand.objects.filter(pk=waiting.pk).update(status_since=lost)
    backfill(connection)
    assert Task.objects.get(pk=asked.pk).status_since == latest.created_at
    assert Demand.objects.get(pk=waiting.pk).status_since == event.created_at
