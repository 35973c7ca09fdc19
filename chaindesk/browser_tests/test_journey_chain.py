"""Issue 3's journey in one go: add a node, add an enterprise in it, assign a liaison, log a visit, and see
the node's rating change on the chain map."""

import datetime as dt

import pytest
from stdnum.cn.uscc import calc_check_digit

from chaindesk.accounts.models import User
from chaindesk.chains.models import Chain
from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison.models import LiaisonAssignment, Visit

pytestmark = pytest.mark.browser

NAME = "泰州康链冷链医药物流有限公司"


def _rating(page, chain: Chain, node_name: str) -> str:  # noqa: ANN001
    page.goto(f"{page.base_url}/chains/{chain.pk}/map/")
    page.wait_for_selector('[data-testid="chain-map"] canvas')
    row = page.locator('[data-testid="node-table"] tbody tr', has_text=node_name)
    return row.locator(".badge").last.inner_text().strip()


def test_node_enterprise_liaison_visit_and_rating(page, login, shot):
    chain = Chain.objects.get(code="biomed")
    login(page, "jiangdd")

    # 1. a new segment under 下游: nothing there yet, so it is 缺
    page.goto(f"{page.base_url}/chains/{chain.pk}/nodes/")
    form = page.locator('[data-testid="add-node-form"]')
    form.locator("select[name=parent]").select_option(label="下游")
    form.locator("input[name=name]").fill("医药冷链物流")
    form.locator('[data-testid="add-node"]').click()
    page.wait_for_selector(".alert-success")
    node = chain.nodes.get(name="医药冷链物流")
    assert _rating(page, chain, "医药冷链物流") == "缺"

    # 2. an enterprise placed on it: present but below the size line, so 弱
    body = "91321281MA27LL8Q3"
    page.goto(f"{page.base_url}/enterprises/")
    page.click('[data-testid="enterprise-create"]')
    page.wait_for_selector('[data-testid="enterprise-form"]')
    page.fill("input[name=name]", NAME)
    page.fill("input[name=uscc]", body + calc_check_digit(body))
    page.select_option("select[name=region]", label="兴化市")
    page.select_option("select[name=nodes]", str(node.pk))
    page.click('[data-testid="enterprise-submit"]')
    page.wait_for_selector('[data-testid="enterprise-header"]')
    enterprise = Enterprise.objects.get(name=NAME)
    assert _rating(page, chain, "医药冷链物流") == "弱"

    # 3. assign 李明 as its liaison from the enterprise page
    page.goto(f"{page.base_url}/enterprises/{enterprise.pk}/")
    page.click('[data-testid="enterprise-assign"]')
    form = page.locator('[data-testid="assign-form"]')
    liming = User.objects.get(username="liming")
    form.locator("select[name=liaison]").select_option(str(liming.pk))
    form.locator("input[name=started_on]").fill("2026-11-25")
    page.click('[data-testid="assign-submit"]')
    page.wait_for_selector(".alert-success")
    enterprise.refresh_from_db()
    assert enterprise.liaison == liming
    assert LiaisonAssignment.objects.filter(enterprise=enterprise, liaison=liming, ended_on=None).exists()

    # 4. the chain chief logs a site visit with an issue raised and a next step
    page.goto(f"{page.base_url}/service/enterprises/{enterprise.pk}/visits/new/")
    page.wait_for_selector('[data-testid="visit-form"]')
    page.select_option("select[name=kind]", "site")
    page.fill("textarea[name=notes]", "冷库二期设备已到场，企业希望加快双回路供电接入。")
    page.fill("textarea[name=issue_1]", "冷库二期双回路供电尚未接入")
    page.fill("input[name=step_text_1]", "协调供电公司明确接入时间")
    page.select_option("select[name=step_owner_1]", str(liming.pk))
    page.fill("input[name=step_due_1]", (dt.date(2026, 11, 25) + dt.timedelta(days=14)).isoformat())
    page.click('[data-testid="visit-submit"]')
    page.wait_for_selector('[data-testid="visits"]')
    visit = Visit.objects.get(enterprise=enterprise)
    assert visit.issues.count() == 1 and visit.next_steps.count() == 1
    enterprise.refresh_from_db()
    assert enterprise.last_visit_on == visit.visited_on

    # 5. its revenue reaches the 规上 line: the segment becomes 强 on the map
    page.goto(f"{page.base_url}/enterprises/{enterprise.pk}/")
    page.click('[data-testid="indicators-tab"]')
    page.click('[data-testid="indicator-add"]')
    page.fill("input[name=year]", "2025")
    page.fill("input[name=revenue]", "0.36亿")
    page.click("button:has-text('保存')")
    page.wait_for_selector(".alert-success")
    assert _rating(page, chain, "医药冷链物流") == "强"
    shot(page, "journey-chain-map")
