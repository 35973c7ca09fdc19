"""Issue 5's journey in a real browser: 江苏博生's user submits a demand with a PDF attachment; the chain team
accepts it and splits it into two department tasks; each department's handler signs and asks for completion;
the team accepts both; the enterprise rates 不满意, the demand reopens with its tasks; the departments finish
again, the team accepts, and the enterprise rates 满意: 已办结."""

import pytest

from chaindesk.accounts.models import Department
from chaindesk.browser_tests.conftest import switch_user
from chaindesk.demands.models import Attachment, Demand, Task

pytestmark = pytest.mark.browser

BOSHENG = "江苏博生医用新材料股份有限公司"
TITLE = "二期洁净厂房用地及环评并联办理"
TEXT = "企业拟建设二期医用膜材洁净厂房，需协调新增用地约20亩，并希望环评审批提前介入、并联办理。"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
DEPARTMENTS = (("zrzy", "chenjing"), ("sthj", "dh_sthj"))


def _top_shot(shot, page, name: str) -> None:  # noqa: ANN001
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, name)


def _demand_status(page, label: str) -> None:  # noqa: ANN001
    page.wait_for_selector(f'[data-testid="demand-facts"] .card-title:has-text("{label}")')


def _submit_demand(page, login, shot) -> Demand:  # noqa: ANN001
    switch_user(page, login, "liuyang")
    page.goto(f"{page.base_url}/demands/new/")
    form = page.locator('[data-testid="demand-form"]')
    assert form.locator('[data-testid="fixed-enterprise"]').inner_text().strip() == BOSHENG
    form.locator("select[name=category]").select_option(label="用地规划")
    form.locator("input[name=title]").fill(TITLE)
    form.locator("select[name=urgency]").select_option(label="紧急")
    form.locator("textarea[name=description]").fill(TEXT)
    form.locator("input[name=attachments]").set_input_files(
        {"name": "二期厂房规划说明.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    _top_shot(shot, page, "journey-demand-form")
    page.click('[data-testid="demand-submit"]')
    page.wait_for_selector('[data-testid="demand-facts"]')
    demand = Demand.objects.get(title=TITLE)
    assert demand.enterprise.name == BOSHENG and demand.status == "submitted"
    assert demand.channel == "enterprise" and demand.urgency == "urgent" and demand.category.name == "用地规划"
    assert demand.submitted_by.username == "liuyang"
    attachment = Attachment.objects.get(demand=demand)
    assert attachment.original_name == "二期厂房规划说明.pdf" and attachment.size == len(PDF)
    assert attachment.content_type == "application/pdf"
    _demand_status(page, "已提交")
    assert "二期厂房规划说明.pdf" in page.locator('[data-testid="demand-facts"]').inner_text()
    assert page.locator('[data-testid="panel-triage"]').count() == 0  # the enterprise cannot triage
    return demand


def _accept_and_split(page, login, demand: Demand) -> list[Task]:  # noqa: ANN001
    switch_user(page, login, "wangzh")
    page.goto(f"{page.base_url}/demands/{demand.pk}/")
    accept = page.locator('[data-testid="action-accept"]')
    accept.locator("summary").click()
    accept.locator("[name=accept-note]").fill("已受理，拆分交办自然资源和规划局、生态环境局。")
    page.click('[data-testid="submit-accept"]')
    _demand_status(page, "已受理")
    demand.refresh_from_db()
    assert demand.status == "accepted" and demand.accepted_at is not None

    instructions = {
        "zrzy": "核实二期厂房用地规划条件，明确新增用地指标和供地时序。",
        "sthj": "提前介入环评，指导企业编制环评文件并并联审批。",
    }
    for code, _handler in DEPARTMENTS:
        form = page.locator('[data-testid="task-form"]')
        form.locator("select[name=task-lead_department]").select_option(str(Department.objects.get(code=code).pk))
        form.locator("[name=task-instructions]").fill(instructions[code])
        form.locator("[name=task-working_days]").fill("10")
        page.click('[data-testid="submit-task"]')
        page.wait_for_selector(f'[data-testid="task-row"]:has-text("{instructions[code][:10]}")')
    _demand_status(page, "办理中")
    demand.refresh_from_db()
    assert demand.status == "in_progress"
    tasks = list(Task.objects.filter(demand=demand).order_by("pk"))
    assert [t.lead_department.code for t in tasks] == ["zrzy", "sthj"]
    assert all(t.status == "pending" and t.working_days == 10 and t.handler is None for t in tasks)
    assert page.locator('[data-testid="task-row"]').count() == 2
    return tasks


def _departments_finish(page, login, tasks: list[Task], round_no: int) -> None:  # noqa: ANN001
    for task, (_code, handler) in zip(tasks, DEPARTMENTS, strict=True):
        switch_user(page, login, handler)
        task.refresh_from_db()
        if task.status == "pending":
            # 签收 from the department's queue
            page.goto(f"{page.base_url}/demands/tasks/")
            row = page.locator('[data-testid="task-row"]', has_text=TITLE)
            row.locator('[data-testid="row-sign"]').click()
            page.wait_for_selector('[data-testid="task-queue"]')
            task.refresh_from_db()
            assert task.status == "in_progress" and task.handler.username == handler
            assert task.signed_at is not None
        page.goto(f"{page.base_url}/demands/tasks/{task.pk}/?act=completion")
        assert "办理中" in page.locator('[data-testid="task-status"]').inner_text()
        form = page.locator('[data-testid="form-completion"]')
        result = f"第{round_no}轮：{task.lead_department.short_name}已办理完毕，书面意见已送达企业。"
        form.locator("textarea[name=result]").fill(result)
        form.locator("button[type=submit]").click()
        page.wait_for_selector('[data-testid="task-status"]:has-text("申请办结")')
        task.refresh_from_db()
        assert task.status == "completion_requested" and task.result == result


def _team_accepts(page, login, demand: Demand, tasks: list[Task]) -> None:  # noqa: ANN001
    switch_user(page, login, "jiangdd")
    for task in tasks:
        page.goto(f"{page.base_url}/demands/tasks/{task.pk}/")
        form = page.locator('[data-testid="form-decide-completion"]')
        form.locator("button[name=accept][value='1']").click()
        page.wait_for_selector('[data-testid="task-status"]:has-text("已办结")')
        task.refresh_from_db()
        assert task.status == "done" and task.completed_at is not None
    demand.refresh_from_db()
    assert demand.status == "awaiting_confirmation" and demand.closed_at is None
    page.goto(f"{page.base_url}/demands/{demand.pk}/")
    _demand_status(page, "待企业确认")
    assert "等待企业确认评价" in page.locator('[data-testid="no-actions"]').inner_text()


def _rate(page, login, demand: Demand, rating: str, comment: str) -> None:  # noqa: ANN001
    switch_user(page, login, "liuyang")
    page.goto(f"{page.base_url}/demands/{demand.pk}/")
    form = page.locator('[data-testid="confirm-form"]')
    form.get_by_role("radio", name=rating, exact=True).check()
    form.locator("[name=confirm-comment]").fill(comment)
    page.click('[data-testid="submit-confirm"]')
    page.wait_for_selector(f'[data-testid="rating"]:has-text("{comment}")')


def test_enterprise_demand_split_reopened_and_closed(page, login, shot):
    page.on("dialog", lambda dialog: dialog.accept())
    demand = _submit_demand(page, login, shot)
    tasks = _accept_and_split(page, login, demand)

    # round 1: both departments sign and ask for completion, the team accepts both
    _departments_finish(page, login, tasks, 1)
    demand.refresh_from_db()
    assert demand.status == "in_progress"  # completion requested is not done
    _team_accepts(page, login, demand, tasks)
    _top_shot(shot, page, "journey-demand-tasks")

    # 不满意 reopens the demand and sends both tasks back to work
    unhappy = "用地指标已明确，但环评仍未给出并联审批时间表，请进一步落实。"
    _rate(page, login, demand, "不满意", unhappy)
    _demand_status(page, "办理中")
    demand.refresh_from_db()
    assert demand.status == "in_progress" and demand.reopen_count == 1
    assert demand.rating == "unsatisfied" and demand.rating_comment == unhappy and demand.closed_at is None
    assert demand.confirmed_by.username == "liuyang"
    assert sorted(Task.objects.filter(demand=demand).values_list("status", flat=True)) == ["in_progress"] * 2
    facts = page.locator('[data-testid="demand-facts"]').inner_text()
    assert "重办次数" in facts and "不满意" in facts

    # round 2: the same handlers (already signed) finish again; the team accepts; 满意 closes it
    _departments_finish(page, login, tasks, 2)
    _team_accepts(page, login, demand, tasks)
    happy = "环评并联审批时间表已明确，感谢各部门。"
    _rate(page, login, demand, "满意", happy)
    _demand_status(page, "已办结")
    demand.refresh_from_db()
    assert demand.status == "closed" and demand.rating == "satisfied" and demand.rating_comment == happy
    assert demand.reopen_count == 1 and demand.closed_at is not None and demand.close_days is not None
    assert all(t.status == "done" for t in Task.objects.filter(demand=demand))
    assert "诉求已办结销号" in page.locator('[data-testid="no-actions"]').inner_text()
    assert "办结时间" in page.locator('[data-testid="demand-facts"]').inner_text()
    results = page.locator('[data-testid="task-result"]').all_inner_texts()
    assert len(results) == 2 and all("第2轮" in r for r in results)
    assert page.locator('[data-testid="timeline-entry"]').count() >= 10
    _top_shot(shot, page, "journey-demand-closed")
