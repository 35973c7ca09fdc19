"""Issue 5's pages with the demo city, in Chinese at 1366×768: each one checked against the database, then
saved as a full-page screenshot for docs/screenshots/."""

import pytest

from chaindesk.accounts.models import User
from chaindesk.browser_tests.conftest import switch_user
from chaindesk.core.models import Notification
from chaindesk.demands.choices import OPEN_TASK
from chaindesk.demands.models import Demand, Task
from chaindesk.upward.models import UpwardRequest

pytestmark = pytest.mark.browser

BOSHENG = "江苏博生医用新材料股份有限公司"
AWAITING = "技改设备购置补贴申报辅导"  # two tasks, both done, waiting for 博生's confirmation
CE = "医用膜材出口欧盟CE认证辅导"  # submitted by 博生, waiting for triage
WARNED = "厂区不动产权证办理"  # 自然资源和规划局, overdue: 预警
SUPERVISED = "危废暂存间扩建环评备案"  # 生态环境局, overdue for long: 督办
UPWARD = "生物医药先进制造业集群培育省级奖补资金"  # 获批, 1,500 sought, 1,200 obtained


def _top_shot(shot, page, name: str) -> None:  # noqa: ANN001
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, name)


def test_demand_ledger(page, login, shot):
    login(page, "jiangdd")
    page.goto(f"{page.base_url}/demands/")
    rows = page.locator('[data-testid="demand-row"]')
    rows.first.wait_for()
    visible = Demand.objects.visible_to(User.objects.get(username="jiangdd")).enterprise_demands().count()
    assert rows.count() == min(visible, 50)
    for title in (AWAITING, CE, SUPERVISED):
        assert rows.filter(has_text=title).count() == 1
    assert rows.filter(has_text=AWAITING).first.inner_text().count("待企业确认") == 1
    assert page.locator('[data-testid="triage-link"]').count() == 1
    assert page.locator('[data-testid="demand-export"]').count() == 1
    _top_shot(shot, page, "demands-ledger")


def test_demand_page_with_tasks_and_timeline(page, login, shot):
    demand = Demand.objects.get(title=AWAITING)
    login(page, "jiangdd")
    page.goto(f"{page.base_url}/demands/{demand.pk}/")
    facts = page.locator('[data-testid="demand-facts"]').inner_text()
    assert BOSHENG in facts and "待企业确认" in facts and "政策兑现" in facts
    rows = page.locator('[data-testid="task-row"]')
    assert rows.count() == Task.objects.filter(demand=demand).count() == 2
    assert rows.filter(has_text="市工信局").count() + rows.filter(has_text="工业和信息化局").count() >= 1
    assert page.locator('[data-testid="task-result"]').count() == 2
    assert page.locator('[data-testid="timeline-entry"]').count() >= demand.events.count()
    assert "等待企业确认评价" in page.locator('[data-testid="no-actions"]').inner_text()
    _top_shot(shot, page, "demands-detail")


def test_triage_queue(page, login, shot):
    login(page, "wangzh")
    page.goto(f"{page.base_url}/demands/triage/")
    rows = page.locator('[data-testid="triage-row"]')
    rows.first.wait_for()
    assert rows.filter(has_text=CE).count() == 1
    assert rows.filter(has_text=SUPERVISED).count() == 0  # already in the departments' hands
    _top_shot(shot, page, "demands-triage")


def test_department_queue_and_task_page(page, login, shot):
    login(page, "chenjing")
    page.goto(f"{page.base_url}/demands/tasks/")
    rows = page.locator('[data-testid="task-row"]')
    rows.first.wait_for()
    open_tasks = Task.objects.filter(lead_department__code="zrzy", status__in=OPEN_TASK)
    assert rows.count() == open_tasks.count() >= 2
    assert rows.filter(has_text=WARNED).count() == 1
    land = rows.filter(has_text="医用膜材项目新增建设用地指标")
    assert land.locator('[data-testid="row-sign"]').count() == 1  # assigned, not yet signed
    # overdue first
    assert WARNED in rows.first.inner_text() and "逾期" in rows.first.inner_text()
    _top_shot(shot, page, "tasks-queue")

    task = Task.objects.get(demand__title=WARNED)
    page.goto(f"{page.base_url}/demands/tasks/{task.pk}/")
    assert "预警" in page.locator('[data-testid="task-status"]').inner_text()
    assert page.locator('[data-testid="task-instructions"]').inner_text().strip() == task.instructions
    assert page.locator('[data-testid="task-update"]').count() == task.updates.count() >= 1
    assert page.locator('[data-testid="form-completion"]').count() == 1
    _top_shot(shot, page, "tasks-detail")


def test_supervision_queue(page, login, shot):
    login(page, "jiangdd")
    page.goto(f"{page.base_url}/demands/supervision/")
    rows = page.locator('[data-testid="supervision-row"]')
    rows.first.wait_for()
    supervised = rows.filter(has_text=SUPERVISED)
    assert supervised.count() == 1
    assert Task.objects.get(demand__title=SUPERVISED).escalation == "supervised"
    assert "生态环境局" in supervised.inner_text()
    _top_shot(shot, page, "supervision-queue")


def test_metrics_page(page, login, shot):
    login(page, "jiangdd")
    page.goto(f"{page.base_url}/demands/metrics/")
    page.wait_for_selector('[data-testid="metrics-chart"] canvas')
    assert "件" in page.locator('[data-testid="min-cases"]').inner_text()
    assert page.locator('[data-testid="metrics-row"]').count() >= 1
    total = page.locator('[data-testid="metrics-total"]').first.inner_text()
    assert "%" in total
    assert "响应率" in page.locator('[data-testid="metrics-definitions"]').inner_text()
    _top_shot(shot, page, "metrics-page")


def test_upward_list_and_detail(page, login, shot):
    login(page, "jiangdd")
    page.goto(f"{page.base_url}/demands/upward/")
    table = page.locator('[data-testid="upward-table"]')
    table.wait_for()
    assert table.locator("tbody tr").count() == UpwardRequest.objects.count() == 6
    assert "获批" in table.locator("tr", has_text=UPWARD).inner_text()
    _top_shot(shot, page, "upward-list")

    item = UpwardRequest.objects.get(title=UPWARD)
    page.goto(f"{page.base_url}/demands/upward/{item.pk}/")
    assert "获批" in page.locator('[data-testid="upward-stage"]').inner_text()
    assert "1,500.00 万元" in page.locator('[data-testid="amount-sought"]').inner_text()
    assert "1,200.00 万元" in page.locator('[data-testid="amount-obtained"]').inner_text()
    _top_shot(shot, page, "upward-detail")


def test_inbox(page, login, shot):
    login(page, "jiangdd")
    page.goto(f"{page.base_url}/system/inbox/")
    mine = Notification.objects.filter(recipient__username="jiangdd")
    items = page.locator('[data-testid="inbox-item"]')
    assert mine.exists()
    items.first.wait_for()
    assert items.count() == min(mine.count(), 50)
    latest = mine.order_by("-created_at", "-pk").first()
    assert latest.title in items.first.inner_text()
    _top_shot(shot, page, "inbox-list")


def test_enterprise_portal_form(page, login, shot):
    login(page, "liuyang")
    page.goto(f"{page.base_url}/demands/new/")
    form = page.locator('[data-testid="demand-form"]')
    assert form.locator('[data-testid="fixed-enterprise"]').inner_text().strip() == BOSHENG
    assert form.locator("select[name=enterprise]").count() == 0 or form.locator("select[name=enterprise]").is_disabled()
    categories = form.locator("select[name=category] option").all_inner_texts()
    for name in ("用地规划", "审批手续", "环评能评", "政策兑现", "其他"):
        assert name in categories
    # an empty form is refused in Chinese and creates nothing
    before = Demand.objects.count()
    page.click('[data-testid="demand-submit"]')
    page.wait_for_selector(".invalid-feedback")
    assert "请填写诉求事项。" in form.inner_text()
    assert Demand.objects.count() == before
    _top_shot(shot, page, "demands-portal-form")


def test_workbench_cards(page, login, shot):
    login(page, "chenjing")
    card = page.locator('[data-testid="card-department"]')
    card.wait_for()
    assert card.locator('[data-testid="card-row"]').filter(has_text=WARNED).count() == 1
    assert page.locator('[data-testid="card-overdue"]').count() == 1
    _top_shot(shot, page, "demands-workbench-department")

    switch_user(page, login, "liuyang")
    card = page.locator('[data-testid="card-enterprise"]')
    card.wait_for()
    text = card.inner_text()
    assert AWAITING in text and CE in text
    assert "1" in page.locator('[data-testid="card-awaiting"]').inner_text()
    _top_shot(shot, page, "demands-workbench-enterprise")
