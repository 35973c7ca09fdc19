"""Issue 11 item 1, the demands side: a department without an active handler (部门经办人) is marked in the split
form (「（无经办人）」 and a warning under the field), and a task sent there (as 主办 or 协办) tells its 部门收件人 or
head and warns the team (a notification to the team leads, a warning on the page for whoever split it).

On the personas' world: 测试甲局 ("ours") has `handler`; the tests add 测试丁局, which has none, and its head or
recipient as each test needs. `chief` splits the demand; `member` is 测试甲链's 牵头部门负责人 (a team lead)."""

from collections.abc import Callable

import pytest
from django.urls import reverse

from chaindesk.accounts.choices import DepartmentKind, Role
from chaindesk.accounts.models import Department, User
from chaindesk.accounts.services import department_set_recipient
from chaindesk.core.actors import FIXTURES
from chaindesk.core.models import Notification
from chaindesk.core.services import audited_create, audited_update
from chaindesk.demands.choices import DemandStatus
from chaindesk.demands.models import Demand
from chaindesk.demands.tests.factories import DemandWorld
from chaindesk.testkit.html import login
from chaindesk.testkit.personas import Personas, add_user

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: deadlines count working days from today


@pytest.fixture
def empty_department(personas: Personas) -> Department:
    """测试丁局: active, no handler account."""
    return audited_create(
        model=Department,
        actor=FIXTURES,
        code="p_dept_d",
        name="测试市测试丁局",
        short_name="测试丁局",
        kind=DepartmentKind.GOVERNMENT,
        region=personas.city,
    )


def _head(personas: Personas, department: Department, username: str = "p_d_head") -> User:
    """The department's head: a team member account flagged 部门负责人 (the loader's way: no service names a head)."""
    head = add_user(username, "丁局局长", Role.TEAM_MEMBER, personas.city, department)
    return audited_update(obj=head, actor=FIXTURES, is_department_head=True)


def _told(kind: str, demand: Demand) -> set[str]:
    """Who got a notice of `kind` about one of the demand's tasks (the demo city's notices are in the database too)."""
    keys = [f"task:{pk}:" for pk in demand.tasks.values_list("pk", flat=True)]
    notices = Notification.objects.filter(kind=kind).values_list("recipient__username", "dedupe_key")
    return {user for user, key in notices if key.startswith(tuple(keys))} if keys else set()


def _accepted(make_demand: Callable[..., Demand]) -> Demand:
    return make_demand(status=DemandStatus.ACCEPTED)


# --- the split form ---------------------------------------------------------------------------------------------


def test_split_form_marks_departments_without_a_handler(
    personas: Personas, make_demand: Callable[..., Demand], empty_department: Department
) -> None:
    demand = _accepted(make_demand)
    page = login(personas.chief).get(reverse("demands:detail", args=[demand.pk])).content.decode()
    form = page[page.index('data-testid="task-form"') :]
    assert (
        f'value="{empty_department.pk}" title="测试市测试丁局" data-unstaffed="1">测试丁局（无经办人）</option>' in form
    )
    ours = personas.ours.department
    assert f'value="{ours.pk}" title="{ours.name}">{ours.short_name}</option>' in form
    assert f"{ours.short_name}（无经办人）" not in form
    # the warnings are there for split_form.js, hidden until an unstaffed department is chosen
    for side in ("lead", "co"):
        warning = form[form.index(f'data-testid="unstaffed-warning-{side}"') - 120 :]
        assert "d-none" in warning[:200] and "所选部门尚无启用的经办人账号" in warning
    assert "demands/split_form.js" in page


def test_warning_shows_on_a_refused_form_that_chose_one(
    personas: Personas, make_demand: Callable[..., Demand], empty_department: Department
) -> None:
    demand = _accepted(make_demand)
    data = {
        "task-expected_status": "accepted",
        "task-lead_department": str(empty_department.pk),
        "task-instructions": "",  # missing: the form comes back
        "task-working_days": "10",
    }
    response = login(personas.chief).post(reverse("demands:action", args=[demand.pk, "task"]), data)
    assert response.status_code == 400
    page = response.content.decode()
    lead = page[
        page.index('data-testid="unstaffed-warning-lead"') - 120 : page.index('data-testid="unstaffed-warning-lead"')
    ]
    co = page[page.index('data-testid="unstaffed-warning-co"') - 120 : page.index('data-testid="unstaffed-warning-co"')]
    assert "d-none" not in lead and "d-none" in co


def test_a_department_with_a_handler_again_loses_the_mark(
    personas: Personas, make_demand: Callable[..., Demand], empty_department: Department
) -> None:
    add_user("p_d_handler", "丁局经办", Role.DEPT_HANDLER, personas.city, empty_department)
    demand = _accepted(make_demand)
    page = login(personas.chief).get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert "测试丁局（无经办人）" not in page and ">测试丁局</option>" in page


# --- who is told ----------------------------------------------------------------------------------------------


def test_lead_department_without_handler_tells_its_head_and_warns_the_team(
    personas: Personas, make_demand: Callable[..., Demand], empty_department: Department
) -> None:
    _head(personas, empty_department)
    demand = _accepted(make_demand)
    client = login(personas.chief)
    data = {
        "task-expected_status": "accepted",
        "task-lead_department": str(empty_department.pk),
        "task-instructions": "请协调用地指标。",
        "task-working_days": "10",
    }
    response = client.post(reverse("demands:action", args=[demand.pk, "task"]), data, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "alert-warning" in page and "测试丁局（已通知：丁局局长）" in page and "任务将无人签收" in page
    task = demand.tasks.get()
    assert _told("task_unstaffed", demand) == {"p_d_head"}
    assert _told("task_unstaffed_team", demand) == {"p_member"}  # the team lead; the chief who split it sees the page
    assert _told("task_assigned", demand) == set()  # no handler to assign
    notice = Notification.objects.get(kind="task_unstaffed", dedupe_key__startswith=f"task:{task.pk}:")
    assert notice.url == reverse("demands:task_detail", args=[task.pk]) and "测试丁局" in notice.title
    assert notice.dedupe_key == f"task:{task.pk}:unstaffed:{empty_department.pk}:{notice.recipient_id}"


def test_named_recipient_is_told_instead_of_the_head(
    personas: Personas, world: DemandWorld, make_demand: Callable[..., Demand], empty_department: Department
) -> None:
    _head(personas, empty_department)
    department_set_recipient(actor=personas.sysadmin, department=empty_department, recipient=personas.liaison)
    demand = _accepted(make_demand)
    task = world.task(demand, department=empty_department)
    assert _told("task_unstaffed", demand) == {"p_liaison"}
    assert [a.department for a in task.unstaffed_alerts] == [empty_department]  # type: ignore[attr-defined]
    assert [u.username for a in task.unstaffed_alerts for u in a.told] == ["p_liaison"]  # type: ignore[attr-defined]


def test_co_department_without_handler_is_alerted_too(
    personas: Personas, world: DemandWorld, make_demand: Callable[..., Demand], empty_department: Department
) -> None:
    _head(personas, empty_department)
    demand = _accepted(make_demand)
    world.task(demand, department="ours", co=[empty_department], actor="member")
    assert _told("task_assigned", demand) >= {"p_handler"}  # the lead department's handler, as before
    assert _told("task_unstaffed", demand) == {"p_d_head"}
    # the member who split it is 测试甲链's only team lead: the page warns them, nobody else is told
    assert _told("task_unstaffed_team", demand) == set()


def test_nobody_to_tell_still_warns_the_team(
    personas: Personas, world: DemandWorld, make_demand: Callable[..., Demand], empty_department: Department
) -> None:
    demand = _accepted(make_demand)
    task = world.task(demand, department=empty_department, actor="chief")
    assert _told("task_unstaffed", demand) == set()
    assert _told("task_unstaffed_team", demand) == {"p_member"}
    notice = Notification.objects.get(kind="task_unstaffed_team", dedupe_key__startswith=f"task:{task.pk}:")
    assert "无负责人或收件人可通知" in notice.body
    assert [a.told for a in task.unstaffed_alerts] == [[]]  # type: ignore[attr-defined]


def test_staffed_departments_raise_no_alert(
    personas: Personas, world: DemandWorld, make_demand: Callable[..., Demand]
) -> None:
    demand = _accepted(make_demand)
    task = world.task(demand, department="ours", co=["theirs"])
    assert task.unstaffed_alerts == []  # type: ignore[attr-defined]
    assert _told("task_unstaffed", demand) == set() and _told("task_unstaffed_team", demand) == set()
