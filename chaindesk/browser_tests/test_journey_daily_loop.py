"""Issue 11's daily loop in a real browser, through clicks only (each actor types no URL after signing in):

1. the system administrator sees which departments have no handler account and names 市科技局's 部门收件人;
2. 江苏博生's user submits a demand from the portal; the team lead finds it with the header search, accepts it
   and splits it into two tasks, one to 市科技局 (no handler: the form flags it, the page warns, the recipient
   is told and reads it in the inbox) and one to 市生态环境局;
3. 市生态环境局's handler signs and asks for completion from the department queue; 市科技局's task is done
   through the services (its newly opened handler account is not what this journey drives);
4. the team lead works only from 待我处理: one completion confirmed on the task page, the other from the demand
   page after writing a 批示; the demand reaches 待企业确认 and the enterprise is told;
5. the enterprise opens the notice from its inbox, rates 不满意 and unticks 市科技局's task: only 市生态环境局's
   task reopens;
6. the team lead exports the demand ledger: a merged title, an autofilter, dates as date cells."""

import io
import re

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import Department, User
from chaindesk.accounts.selectors import departments_without_handler
from chaindesk.browser_tests.conftest import switch_user
from chaindesk.core.models import Notification
from chaindesk.demands import services_tasks
from chaindesk.demands.models import Demand, LeaderNote, Task

pytestmark = pytest.mark.browser

BOSHENG = "江苏博生医用新材料股份有限公司"
TITLE = "新增医用膜材生产线科技项目申报与环评衔接"
TEXT = "企业新上医用膜材生产线，希望申报市级科技计划项目，并请生态环境部门指导环评与排污许可衔接。"
UNSTAFFED, STAFFED = "kjj", "sthj"  # 市科技局 has no handler account in the demo city; 市生态环境局 has dh_sthj
RECIPIENT = "tm_kjj"  # 市科技局's member of the biomedicine team: named 部门收件人 by the administrator
INSTRUCTIONS = {
    UNSTAFFED: "指导企业申报市级科技计划项目，明确申报条件和时间节点。",
    STAFFED: "提前介入环评，指导企业做好环评与排污许可衔接。",
}
INSTRUCTION_NOTE = "请市科技局、市生态环境局密切配合，本月内给企业明确答复。"
UNHAPPY = "科技项目申报已明确，但环评与排污许可衔接仍无时间表，请生态环境局继续落实。"


def _nav(page, label: str) -> None:  # noqa: ANN001
    page.locator(".cd-sidebar a.nav-link", has_text=label).first.click()


def _top_shot(shot, page, name: str) -> None:  # noqa: ANN001
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, name)


def _demand_status(page, label: str) -> None:  # noqa: ANN001
    page.wait_for_selector(f'[data-testid="demand-facts"] .card-title:has-text("{label}")')


def _name_recipient(page, login, shot) -> User:  # noqa: ANN001
    """The administrator: the user list's banner names the departments without a handler; the department page
    flags them; 市科技局's 部门收件人 is chosen with the searchable picker."""
    department = Department.objects.get(code=UNSTAFFED)
    assert department.pk in departments_without_handler() and department.recipient is None
    recipient = User.objects.get(username=RECIPIENT)
    switch_user(page, login, "sysadmin")
    _nav(page, "系统")  # 系统 opens 用户管理
    banner = page.locator('[data-testid="no-handler-banner"]')
    assert department.short_name in banner.inner_text()
    banner.get_by_role("link").click()
    row = page.locator('[data-testid="department-row"]', has_text=department.short_name)
    row.wait_for()  # the click navigates; is_visible() does not wait for the new page
    assert row.locator('[data-testid="no-handler-badge"]').is_visible()
    assert page.locator('[data-testid="department-row"]').count() == len(departments_without_handler())
    _top_shot(shot, page, "departments")
    row.get_by_role("link", name=department.code).click()
    form = page.locator('[data-testid="department-form"]')
    form.wait_for()
    assert form.locator('[data-testid="no-handler-badge"]').is_visible()
    picker = form.locator(".cd-picker-input")
    picker.fill(RECIPIENT)
    form.locator(".cd-picker-list [role=option]", has_text=RECIPIENT).click()
    assert form.locator("select[name=recipient]").input_value() == str(recipient.pk)
    form.locator("button[type=submit]").first.click()
    row = page.locator('[data-testid="department-row"]', has_text=department.short_name)
    assert recipient.display_name in row.inner_text()
    department.refresh_from_db()
    assert department.recipient == recipient
    return recipient


def _submit_from_portal(page, login) -> Demand:  # noqa: ANN001
    switch_user(page, login, "liuyang")
    _nav(page, "诉求与任务")
    page.locator('[data-testid="portal-submit"]').click()
    form = page.locator('[data-testid="demand-form"]')
    assert form.locator('[data-testid="fixed-enterprise"]').inner_text().strip() == BOSHENG
    form.locator("select[name=category]").select_option(index=1)
    form.locator("input[name=title]").fill(TITLE)
    form.locator("textarea[name=description]").fill(TEXT)
    page.click('[data-testid="demand-submit"]')
    _demand_status(page, "已提交")
    demand = Demand.objects.get(title=TITLE)
    assert demand.enterprise.name == BOSHENG and demand.status == "submitted"
    return demand


def _find_and_accept(page, login, demand: Demand) -> None:  # noqa: ANN001
    """The team lead finds the new demand with the header search and accepts it."""
    switch_user(page, login, "wangzh")
    page.locator('[data-testid="global-search"]').fill(TITLE[:8])
    hits = page.locator('[data-testid="search-group-demands"] [data-testid="search-hit"]', has_text=TITLE)
    hits.first.click()
    page.wait_for_url(f"**/demands/{demand.pk}/")
    accept = page.locator('[data-testid="action-accept"]')
    accept.locator("summary").click()
    accept.locator("[name=accept-note]").fill("已受理，拆分交办市科技局、市生态环境局。")
    page.click('[data-testid="submit-accept"]')
    _demand_status(page, "已受理")


def _split(page, code: str, shot=None) -> None:  # noqa: ANN001
    department = Department.objects.get(code=code)
    form = page.locator('[data-testid="task-form"]')
    select = form.locator("select[name=task-lead_department]")
    option = select.locator(f'option[value="{department.pk}"]')
    unstaffed = department.pk in departments_without_handler()
    assert ("（无经办人）" in option.inner_text()) is unstaffed
    select.select_option(str(department.pk))
    warning = form.locator('[data-testid="unstaffed-warning-lead"]')
    assert warning.is_visible() is unstaffed
    form.locator("[name=task-instructions]").fill(INSTRUCTIONS[code])
    form.locator("[name=task-working_days]").fill("10")
    if shot is not None:
        _top_shot(shot, page, "split-unstaffed")  # full page from the top: the fixed sidebar stays in place
    page.click('[data-testid="submit-task"]')
    page.wait_for_selector(f'[data-testid="task-row"]:has-text("{INSTRUCTIONS[code][:10]}")')


def _split_both(page, demand: Demand, recipient: User, shot) -> dict[str, Task]:  # noqa: ANN001
    _split(page, UNSTAFFED, shot)
    # the page warns the team that nobody will sign, and says who was told instead
    warning = page.locator(".cd-messages .alert-warning")
    assert "尚无启用的经办人账号" in warning.inner_text() and recipient.display_name in warning.inner_text()
    _split(page, STAFFED)
    _demand_status(page, "办理中")
    tasks = {t.lead_department.code: t for t in Task.objects.filter(demand=demand).select_related("lead_department")}
    assert set(tasks) == {UNSTAFFED, STAFFED} and all(t.status == "pending" for t in tasks.values())
    told = Notification.objects.filter(recipient=recipient, kind="task_unstaffed")
    assert told.filter(url__endswith=f"/demands/tasks/{tasks[UNSTAFFED].pk}/").count() == 1
    # the team's other leads are warned too (the convenor), the actor is not told of their own act
    assert Notification.objects.filter(recipient__username="zhangkun", kind="task_unstaffed_team").exists()
    assert not Notification.objects.filter(recipient__username="wangzh", kind="task_unstaffed_team").exists()
    # a task to a staffed department alerts nobody
    assert not Notification.objects.filter(url__endswith=f"/demands/tasks/{tasks[STAFFED].pk}/", kind="task_unstaffed")
    return tasks


def _recipient_reads_it(page, login, recipient: User, demand: Demand) -> None:  # noqa: ANN001
    switch_user(page, login, recipient.username)
    page.locator('[data-testid="bell"]').click()
    item = page.locator('[data-testid="inbox-item"]', has_text="无人签收")
    assert "市科技局" in item.first.inner_text() and demand.title in item.first.inner_text()


def _staffed_department_finishes(page, login, task: Task) -> None:  # noqa: ANN001
    switch_user(page, login, "dh_sthj")
    _nav(page, "部门任务")
    row = page.locator('[data-testid="task-row"]', has_text=TITLE)
    row.locator('[data-testid="row-sign"]').click()
    page.wait_for_selector('[data-testid="task-queue"]')
    row = page.locator('[data-testid="task-row"]', has_text=TITLE)
    row.get_by_role("link", name="申请办结").click()
    form = page.locator('[data-testid="form-completion"]')
    form.locator("textarea[name=result]").fill("已指导企业完成环评报告表编制，排污许可同步受理。")
    form.locator("button[type=submit]").click()
    page.wait_for_selector('[data-testid="task-status"]:has-text("申请办结")')
    task.refresh_from_db()
    assert task.status == "completion_requested" and task.handler.username == "dh_sthj"


def _unstaffed_department_finishes(task: Task) -> None:
    """Not what this journey drives, so done through the services: 市科技局 opens a handler account (the
    administrator's act), who signs the task and asks for completion."""
    handler = User.objects.filter(username="dh_kjj").first()
    if handler is None:
        from chaindesk.accounts.services import user_create

        handler = user_create(
            actor=User.objects.get(username="sysadmin"),
            username="dh_kjj",
            display_name="钱科",
            role=Role.DEPT_HANDLER,
            password="Kjj-handler#Qx7v",  # noqa: S106 - a test account
            department=task.lead_department,
            region=task.lead_department.region,
        )
    task.refresh_from_db()
    services_tasks.task_sign(task=task, actor=handler)
    task.refresh_from_db()
    services_tasks.task_request_completion(
        task=task, actor=handler, result="已指导企业按市级科技计划申报指南准备材料，11月底前完成申报。"
    )


def _team_works_its_queue(page, login, demand: Demand, tasks: dict[str, Task], shot) -> None:  # noqa: ANN001
    """The team lead: 待我处理 from the navigation lists both completion requests."""
    switch_user(page, login, "wangzh")
    card = page.locator('[data-testid="card-team-queue"]')
    assert int(card.locator('[data-testid="card-section-completion"] .cd-kpi-value').inner_text()) >= 2
    _nav(page, "待我处理")
    queue = page.locator('[data-testid="team-queue"]')
    rows = queue.locator('[data-testid="team-queue-row"]', has_text=TITLE)
    assert rows.count() == 2
    _top_shot(shot, page, "team-queue")
    # 市生态环境局's request: decided on the task page
    rows.filter(has_text="市生态环境局").locator('[data-testid="row-decide"]').click()
    # The task page opens at its #actions anchor: let it finish loading (and jumping there) before clicking, or a
    # click aimed while the page still moves can land beside the button (CI lost one that way on a loaded machine).
    page.wait_for_url(re.compile(r"/demands/tasks/\d+/"))
    page.wait_for_load_state("load")
    with page.expect_navigation():
        page.locator('[data-testid="form-decide-completion"] button[name=accept][value="1"]').click()
    page.wait_for_selector('[data-testid="task-status"]:has-text("已办结")')
    tasks[STAFFED].refresh_from_db()
    assert tasks[STAFFED].status == "done"

    # 市科技局's request: from the queue to the demand page, a 批示, then decided in the task's row
    _nav(page, "待我处理")
    rows = page.locator('[data-testid="team-queue-row"]', has_text=TITLE)
    assert rows.count() == 1 and "市科技局" in rows.inner_text()
    rows.get_by_role("link", name=TITLE).click()
    page.wait_for_url(f"**/demands/{demand.pk}/")
    assert page.locator('[data-testid="task-link"]').count() == 2  # task rows link to the tasks
    instruct = page.locator('[data-testid="form-instruct"]')
    instruct.locator("textarea[name=text]").fill(INSTRUCTION_NOTE)
    instruct.locator("button[type=submit]").click()
    page.wait_for_selector(f'[data-testid="leader-note"]:has-text("{INSTRUCTION_NOTE[:10]}")')
    assert LeaderNote.objects.filter(demand=demand, text=INSTRUCTION_NOTE).count() == 1
    decision = page.locator('[data-testid="task-decision-completion"]')
    assert decision.count() == 1 and "部门申请办结" in decision.inner_text()
    _top_shot(shot, page, "demand-detail-leaders")
    decision.locator('[data-testid="accept-completion"]').click()
    _demand_status(page, "待企业确认")
    demand.refresh_from_db()
    assert demand.status == "awaiting_confirmation"
    assert Notification.objects.filter(recipient__username="liuyang", kind="demand_awaiting_confirmation").exists()


def _enterprise_reopens_one(page, login, demand: Demand, tasks: dict[str, Task], shot) -> None:  # noqa: ANN001
    switch_user(page, login, "liuyang")
    page.locator('[data-testid="bell"]').click()
    item = page.locator('[data-testid="inbox-item"]', has_text="请您确认评价").filter(has_text=TITLE)
    item.get_by_role("button", name="查看").click()
    page.wait_for_url(f"**/demands/{demand.pk}/**")
    header = page.locator(".page-header").inner_text()
    assert "我的诉求" in header and "诉求台账" not in header  # a portal, not the officials' ledger
    form = page.locator('[data-testid="confirm-form"]')
    boxes = form.locator('[data-testid="reopen-tasks"]')
    assert boxes.is_hidden()  # the tasks matter only with 不满意
    form.get_by_role("radio", name="不满意", exact=True).check()
    assert boxes.is_visible()
    unstaffed_box = boxes.get_by_role("checkbox", name=re.compile("市科技局"))
    staffed_box = boxes.get_by_role("checkbox", name=re.compile("市生态环境局"))
    assert unstaffed_box.is_checked() and staffed_box.is_checked()  # all by default
    unstaffed_box.uncheck()
    form.locator("[name=confirm-comment]").fill(UNHAPPY)
    _top_shot(shot, page, "rating-reopen")
    page.click('[data-testid="submit-confirm"]')
    _demand_status(page, "办理中")
    message = page.locator(".cd-messages .alert").first.inner_text()
    assert "退回重新办理" in message and "市生态环境局" in message and "市科技局" not in message

    demand.refresh_from_db()
    assert demand.status == "in_progress" and demand.rating == "unsatisfied" and demand.reopen_count == 1
    for task in tasks.values():
        task.refresh_from_db()
    assert tasks[STAFFED].status == "in_progress" and tasks[STAFFED].reopen_count == 1
    assert tasks[UNSTAFFED].status == "done" and tasks[UNSTAFFED].reopen_count == 0
    rows = page.locator('[data-testid="task-row"]')
    assert "办理中" in rows.filter(has_text="市生态环境局").inner_text()
    assert "已办结" in rows.filter(has_text="市科技局").inner_text()
    assert Notification.objects.filter(recipient__username="dh_sthj", kind="task_reopened").exists()
    assert not Notification.objects.filter(recipient__username="dh_kjj", kind="task_reopened").exists()


def _export_ledger(page, login, demand: Demand) -> None:  # noqa: ANN001
    switch_user(page, login, "wangzh")
    _nav(page, "诉求与任务")
    with page.expect_download() as download:
        page.locator('[data-testid="demand-export"]').click()
    content = download.value.path().read_bytes()
    sheet = load_workbook(io.BytesIO(content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    at = next(i for i, r in enumerate(rows) if r[0] == "序号")
    header, width = rows[at], len(rows[at])
    assert sheet["A1"].value == "企业诉求办理台账" and sheet["A1"].alignment.horizontal == "center"
    last = get_column_letter(width)
    assert f"A1:{last}1" in [str(r) for r in sheet.merged_cells.ranges]
    assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith(f"A{at + 1}:")
    ours = next(i for i, r in enumerate(rows) if TITLE in r) + 1
    submitted = sheet.cell(row=ours, column=header.index("提交时间") + 1)
    deadline = sheet.cell(row=ours, column=header.index("办结期限") + 1)
    assert submitted.is_date and deadline.is_date
    assert deadline.value.date() == max(t.deadline for t in demand.tasks.all())
    assert rows[ours - 1][header.index("重办次数")] == 1


def test_daily_loop_unstaffed_department_team_queue_and_partial_reopen(page, login, shot):
    page.on("dialog", lambda dialog: dialog.accept())
    recipient = _name_recipient(page, login, shot)
    demand = _submit_from_portal(page, login)
    _find_and_accept(page, login, demand)
    tasks = _split_both(page, demand, recipient, shot)
    _recipient_reads_it(page, login, recipient, demand)
    _staffed_department_finishes(page, login, tasks[STAFFED])
    _unstaffed_department_finishes(tasks[UNSTAFFED])
    _team_works_its_queue(page, login, demand, tasks, shot)
    _enterprise_reopens_one(page, login, demand, tasks, shot)
    _export_ledger(page, login, demand)
