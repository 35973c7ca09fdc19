"""Issue 5's intake from a meeting decision in a real browser: a team member opens the demo's 11月24日 meeting
(its decisions from the seed report, one already a demand), adds a decision about 江苏博生, turns it into a
demand from the prefilled form, and lands on the demand page: 来源 会议决定 with the link back to the decision.

Issue 12: a decision for two departments (one 牵头) with a deadline in working days is assigned (交办): one task
per department, and the meeting page shows its departments, deadline and status."""

import datetime as dt

import pytest

from chaindesk.browser_tests.conftest import SCREENSHOTS
from chaindesk.demands.models import Demand
from chaindesk.demands.workdays import add_workdays
from chaindesk.meetings.models import Decision, Meeting

pytestmark = pytest.mark.browser

BOSHENG = "江苏博生医用新材料股份有限公司"
CONTENT = "协调江苏博生医用膜材项目洁净厂房施工许可并联审批\n请市住建局牵头，两周内明确办理路径。"
TITLE = "协调江苏博生医用膜材项目洁净厂房施工许可并联审批"


def test_team_member_turns_a_meeting_decision_into_a_demand(page, login, shot):
    meeting = Meeting.objects.get(chain__code="biomed", held_on=dt.date(2026, 11, 24))
    login(page, "wangzh")
    page.goto(f"{page.base_url}/meetings/{meeting.pk}/")
    rows = page.locator('[data-testid="decision-row"]')
    assert rows.count() == 4
    converted = page.locator("#decision-3")
    assert "已转为诉求" in converted.inner_text() and "金美特项目新产品医疗器械注册辅导" in converted.inner_text()

    # add a decision about 江苏博生, given to 市住建局 (the working days keep their default, 10)
    page.click('[data-testid="decision-add"] summary')
    form = page.locator('[data-testid="decision-form"]')
    form.locator("textarea[name=content]").fill(CONTENT)
    form.locator("select[name=enterprise]").select_option(label=BOSHENG)
    form.locator("select[name=departments]").select_option(label="市住建局")
    assert form.locator("input[name=working_days]").input_value() == "10"
    form.locator('[data-testid="decision-submit"]').click()
    page.wait_for_selector("#decision-5")
    assert page.url.endswith(f"/meetings/{meeting.pk}/#decision-5")
    decision = Decision.objects.get(meeting=meeting, seq=5)
    assert decision.enterprise is not None and decision.enterprise.name == BOSHENG
    assert [r.department.code for r in decision.responsible.all()] == ["zjj"] and decision.working_days == 10
    row = page.locator("#decision-5")
    assert BOSHENG in row.inner_text() and "市住建局" in row.inner_text()
    assert "已添加议定事项 5。" in page.locator(".cd-messages").inner_text()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "meeting-decisions")

    # 转为诉求: the form comes prefilled from the decision
    row.locator('[data-testid="decision-to-demand"]').click()
    page.wait_for_selector('[data-testid="to-demand-form"]')
    assert page.input_value("input[name=title]") == TITLE
    assert page.input_value("textarea[name=description]") == CONTENT
    assert page.locator('[data-testid="decision-enterprise"]').inner_text().strip() == BOSHENG
    page.select_option("select[name=category]", label="审批手续")
    page.select_option("select[name=urgency]", label="紧急")
    page.click('[data-testid="to-demand-submit"]')

    page.wait_for_selector('[data-testid="demand-facts"]')
    demand = Demand.objects.get(meeting_decision=decision)
    assert page.url.endswith(f"/demands/{demand.pk}/")
    assert demand.channel == "meeting" and demand.urgency == "urgent" and demand.category.name == "审批手续"
    facts = page.locator('[data-testid="demand-facts"]').inner_text()
    assert "来源" in facts and "会议决定" in facts and "王志华" in facts
    assert "已转为诉求" in page.locator(".cd-messages").inner_text()
    back = page.get_by_role("link", name="《生物医药产业链服务团队工作例会》议定事项 5")
    assert back.get_attribute("href") == f"/meetings/{meeting.pk}/#decision-5"
    shot(page, "meeting-decision-to-demand")

    # and back to the meeting: the decision now shows its demand and status, no second conversion offered
    back.click()
    page.wait_for_selector("#decision-5")
    row = page.locator("#decision-5")
    assert "已提交" in row.inner_text() and TITLE in row.locator('[data-testid="decision-demand"]').inner_text()
    assert row.locator('[data-testid="decision-to-demand"]').count() == 0


ASSIGNED = "建立生物医药产业链人才引育机制\n市工信局牵头、市科技局配合，一个月内拿出方案。"


def test_team_member_assigns_a_decision_to_two_departments(page, login, shot):
    meeting = Meeting.objects.get(chain__code="biomed", held_on=dt.date(2026, 11, 24))
    login(page, "wangzh")
    page.goto(f"{page.base_url}/meetings/{meeting.pk}/")
    page.click('[data-testid="decision-add"] summary')
    form = page.locator('[data-testid="decision-form"]')
    form.locator("textarea[name=content]").fill(ASSIGNED)
    form.locator("select[name=departments]").select_option(label=["市工信局", "市科技局"])
    form.locator('[data-testid="decision-submit"]').click()  # two departments, no lead: refused, kept as typed
    page.wait_for_selector(".invalid-feedback, .is-invalid")
    assert "选择了多个责任部门，请指定其中的牵头部门。" in page.content()
    form = page.locator('[data-testid="decision-form"]')
    assert "人才引育机制" in form.locator("textarea[name=content]").input_value()
    form.locator("select[name=lead]").select_option(label="市工信局")
    form.locator("input[name=working_days]").fill("15")
    form.locator('[data-testid="decision-submit"]').click()
    page.wait_for_selector("#decision-5")
    decision = Decision.objects.get(meeting=meeting, seq=5)
    deadline = add_workdays(meeting.held_on, 15)
    assert decision.enterprise is None and decision.deadline == deadline
    assert [(r.department.short_name, r.lead) for r in decision.responsible.all()] == [
        ("市工信局", True),
        ("市科技局", False),
    ]
    row = page.locator("#decision-5")
    assert "市工信局" in row.inner_text() and "牵头" in row.inner_text() and "市科技局" in row.inner_text()
    assert deadline.isoformat() in row.inner_text()
    assert row.locator('[data-testid="decision-progress"]').inner_text().strip() == "未办"

    # 交办: the confirmation names both departments and the deadline; then the 交办事项 with its two tasks
    row.locator('[data-testid="decision-assign"]').click()
    page.wait_for_selector('[data-testid="assign-page"]')
    assert "市工信局（牵头）、市科技局" in page.locator('[data-testid="assign-departments"]').inner_text()
    assert deadline.isoformat() in page.locator('[data-testid="assign-deadline"]').inner_text()
    page.click('[data-testid="assign-submit"]')
    page.wait_for_selector('[data-testid="demand-facts"]')
    demand = Demand.objects.get(meeting_decision=decision)
    assert page.url.endswith(f"/demands/{demand.pk}/") and demand.kind == "assignment"
    assert "已交办，已向 2 个责任部门各生成一项任务" in page.locator(".cd-messages").inner_text()
    assert "会议交办事项" in page.locator('[data-testid="assignment-pretitle"]').inner_text()
    tasks = page.locator('[data-testid="task-row"]')
    assert tasks.count() == 2
    assert "市工信局" in tasks.nth(0).inner_text() and "市科技局" in tasks.nth(1).inner_text()
    shot(page, "meeting-decision-assigned")

    # back to the meeting: 办理中, two tasks, no second 交办
    page.click('[data-testid="back-to-decision"]')
    page.wait_for_selector("#decision-5")
    row = page.locator("#decision-5")
    assert row.locator('[data-testid="decision-progress"]').inner_text().strip() == "办理中"
    assert "已交办 · 2 项任务" in row.inner_text()
    assert row.locator('[data-testid="decision-assign"]').count() == 0
    statuses = page.locator('[data-testid="decision-progress"]').all_inner_texts()
    assert len(statuses) == 5 and all(s.strip() in ("未办", "办理中", "逾期", "已办结") for s in statuses)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("networkidle")
    page.locator('[data-testid="decisions"]').screenshot(path=str(SCREENSHOTS / "meeting-decisions-status.png"))
