"""Issue 11 item 3: every hand-over is announced through the inbox (and so by e-mail and webhook, as every
Notification): completion asked → the team; completion sent back → the department; extension decided → the
handler who asked; every task accepted → the enterprise (待企业确认, linking to the rating); 不满意 → the team
and the departments whose tasks went back. Each recipient set is checked exactly.

On the personas' world: `chief` cuts the tasks (交办人); `member` is 测试甲链's 牵头部门负责人 (a team lead); `handler`
works in 测试甲局 ("ours"), `x_handler` in 测试乙局 ("theirs"); `ent_user` is our enterprise's user; `ent2` has no
user, only its liaison `liaison`. The demo city's notices are in the database too: each check reads only the
notices keyed on the demand or its tasks."""

from collections.abc import Callable

import pytest
from django.urls import reverse

from chaindesk.core.models import Notification
from chaindesk.demands import services
from chaindesk.demands.choices import DemandStatus, Rating
from chaindesk.demands.models import Demand, Task
from chaindesk.demands.tests.factories import DemandWorld
from chaindesk.testkit.html import login
from chaindesk.testkit.personas import Personas

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: deadlines count working days from today


def notices(kind: str, demand: Demand) -> list[Notification]:
    """The notices of `kind` about the demand or one of its tasks."""
    keys = (f"demand:{demand.pk}:", *(f"task:{pk}:" for pk in demand.tasks.values_list("pk", flat=True)))
    return [
        n for n in Notification.objects.filter(kind=kind).select_related("recipient") if n.dedupe_key.startswith(keys)
    ]


def told(kind: str, demand: Demand) -> set[str]:
    return {n.recipient.username for n in notices(kind, demand)}


def _done(task: Task, personas: Personas, handler: str = "handler") -> None:
    """Sign, ask for completion and accept it (the chief decides)."""
    who = personas.user(handler)
    assert who is not None
    services.task_sign(task=task, actor=who)
    services.task_request_completion(task=task, actor=who, result="已协调解决。")
    services.task_accept_completion(task=task, actor=personas.chief)


def test_completion_request_tells_the_team_who_decide(personas: Personas, make_demand: Callable[..., Demand]) -> None:
    demand = make_demand(status=DemandStatus.IN_PROGRESS)
    task = demand.tasks.get()
    services.task_sign(task=task, actor=personas.handler)
    services.task_request_completion(task=task, actor=personas.handler, result="指标已落实。")
    # the chief cut the task; member is the chain's 牵头部门负责人
    assert told("task_completion_requested", demand) == {"p_chief", "p_member"}
    notice = notices("task_completion_requested", demand)[0]
    assert notice.url == reverse("demands:task_detail", args=[task.pk])
    assert "测试甲局申请办结" in notice.title and "指标已落实" in notice.body


def test_chair_is_a_team_lead_too(world: DemandWorld, personas: Personas, make_demand: Callable[..., Demand]) -> None:
    world.chair()
    demand = make_demand(status=DemandStatus.IN_PROGRESS)
    task = demand.tasks.get()
    services.task_sign(task=task, actor=personas.handler)
    services.task_request_completion(task=task, actor=personas.handler, result="指标已落实。")
    assert told("task_completion_requested", demand) == {"p_chief", "p_member", "p_chair"}


def test_chain_without_leads_tells_its_chief(personas: Personas, world: DemandWorld) -> None:
    """测试乙链 has only its chief: x_chief cut the task and is told."""
    p = personas
    demand = world.demand(actor="x_ent_user", enterprise=p.theirs.enterprise)
    services.demand_accept(demand=demand, actor=p.x_chief)
    task = world.task(demand, department="theirs", actor="x_chief")
    services.task_sign(task=task, actor=p.x_handler)
    services.task_request_completion(task=task, actor=p.x_handler, result="已办结。")
    assert told("task_completion_requested", demand) == {"p_x_chief"}


def test_a_second_request_after_a_rejection_is_announced_again(
    personas: Personas, make_demand: Callable[..., Demand]
) -> None:
    demand = make_demand(status=DemandStatus.IN_PROGRESS)
    task = demand.tasks.get()
    services.task_sign(task=task, actor=personas.handler)
    services.task_request_completion(task=task, actor=personas.handler, result="第一次。")
    services.task_reject_completion(task=task, actor=personas.member, note="材料不全")
    # sent back → the handler who signed it; member sent it back, so only the chief hears of the next request
    assert told("task_completion_rejected", demand) == {"p_handler"}
    assert "材料不全" in notices("task_completion_rejected", demand)[0].body
    services.task_request_completion(task=task, actor=personas.handler, result="第二次。")
    asked = notices("task_completion_requested", demand)
    assert sorted(n.recipient.username for n in asked) == ["p_chief", "p_chief", "p_member", "p_member"]


@pytest.mark.parametrize("approve", [True, False])
def test_extension_decision_tells_the_handler_who_asked(
    personas: Personas, make_demand: Callable[..., Demand], approve: bool
) -> None:
    demand = make_demand(status=DemandStatus.IN_PROGRESS)
    task = demand.tasks.get()
    services.task_sign(task=task, actor=personas.handler)
    services.task_request_extension(task=task, actor=personas.handler, extra_days=5, reason="等待省厅批复")
    services.task_decide_extension(
        task=task, actor=personas.chief, approve=approve, note="同意" if approve else "请抓紧"
    )
    assert told("task_extension_decided", demand) == {"p_handler"}
    notice = notices("task_extension_decided", demand)[0]
    task.refresh_from_db()
    assert f"{task.deadline:%Y-%m-%d}" in notice.body
    assert ("已同意" if approve else "未获同意") in notice.title


def test_all_tasks_accepted_tells_the_enterprise_with_the_rating_link(
    personas: Personas, world: DemandWorld, make_demand: Callable[..., Demand]
) -> None:
    demand = make_demand(status=DemandStatus.IN_PROGRESS)
    first = demand.tasks.get()
    second = world.task(demand, department="theirs")
    _done(first, personas)
    assert told("demand_awaiting_confirmation", demand) == set()  # one task still open
    _done(second, personas, handler="x_handler")
    demand.refresh_from_db()
    assert demand.status == DemandStatus.AWAITING_CONFIRMATION
    assert told("demand_awaiting_confirmation", demand) == {"p_ent_user"}
    notice = notices("demand_awaiting_confirmation", demand)[0]
    assert notice.url == reverse("demands:detail", args=[demand.pk]) + "#panel-confirm"
    page = login(personas.ent_user).get(notice.url).content.decode()
    assert 'id="panel-confirm"' in page


def test_enterprise_without_users_has_its_liaison_told(personas: Personas, world: DemandWorld) -> None:
    demand = world.demand(actor="liaison", enterprise=personas.ent2, status=DemandStatus.AWAITING_CONFIRMATION)
    assert told("demand_awaiting_confirmation", demand) == {"p_liaison"}


def test_unsatisfied_tells_the_team_and_the_reopened_departments(
    personas: Personas, world: DemandWorld, make_demand: Callable[..., Demand]
) -> None:
    demand = make_demand(status=DemandStatus.IN_PROGRESS)
    ours = demand.tasks.get()
    theirs = world.task(demand, department="theirs")
    _done(ours, personas)
    _done(theirs, personas, handler="x_handler")
    demand.refresh_from_db()
    services.demand_confirm(
        demand=demand,
        actor=personas.ent_user,
        rating=Rating.UNSATISFIED,
        comment="电价仍未落实",
        reopen_tasks=[theirs.pk],
    )
    assert told("demand_reopened", demand) == {"p_chief", "p_member"}
    assert told("task_reopened", demand) == {"p_x_handler"}  # only the department whose task went back
    team = notices("demand_reopened", demand)[0]
    assert "电价仍未落实" in team.body and "测试乙局" in team.body and "测试甲局" not in team.body
    assert notices("task_reopened", demand)[0].url == reverse("demands:task_detail", args=[theirs.pk])


def test_page_says_the_demand_went_back_for_more_work(personas: Personas, make_demand: Callable[..., Demand]) -> None:
    demand = make_demand(status=DemandStatus.AWAITING_CONFIRMATION)
    task = demand.tasks.get()
    data = {
        "confirm-expected_status": "awaiting_confirmation",
        "confirm-rating": "unsatisfied",
        "confirm-comment": "仍未解决",
        "confirm-reopen_tasks": [str(task.pk)],
    }
    response = login(personas.ent_user).post(reverse("demands:action", args=[demand.pk, "confirm"]), data, follow=True)
    page = response.content.decode()
    assert "诉求已退回重新办理" in page and "测试甲局将重新办理" in page
    assert "感谢您的评价" not in page
    assert told("demand_reopened", demand) == {"p_chief", "p_member"} and told("task_reopened", demand) == {"p_handler"}


def test_the_team_is_the_assigner_and_the_leads(
    personas: Personas, world: DemandWorld, make_demand: Callable[..., Demand]
) -> None:
    """member cut the task and is the chain's lead: the chief, neither, is not told."""
    demand = make_demand(status=DemandStatus.ACCEPTED)
    task = world.task(demand, actor="member")
    services.task_sign(task=task, actor=personas.handler)
    services.task_request_completion(task=task, actor=personas.handler, result="已办结。")
    assert told("task_completion_requested", demand) == {"p_member"}  # assigner and lead; the chief is neither
