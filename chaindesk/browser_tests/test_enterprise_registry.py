"""Enterprise registry in the browser: add an enterprise (a bad USCC refused first), report a year's
figures with an amount in 亿, and the filtered list; screenshots for docs/screenshots/."""

import pytest
from stdnum.cn.uscc import calc_check_digit

from chaindesk.chains.models import Chain, ChainNode
from chaindesk.enterprises.models import Enterprise, Indicator

pytestmark = pytest.mark.browser

NAME = "兴化康泰医用包材有限公司"
BODY = "91321281MA1XK7P5Q"
GOOD = BODY + calc_check_digit(BODY)
BAD = BODY + ("0" if GOOD[-1] != "0" else "1")


def _node() -> ChainNode:
    biomed = Chain.objects.get(code="biomed")
    up, _ = ChainNode.objects.get_or_create(chain=biomed, parent=None, name="新型包材")
    node, _ = ChainNode.objects.get_or_create(chain=biomed, parent=up, name="可降解包材")
    return node


def test_leader_adds_an_enterprise_after_a_refused_code(page, login, shot):
    node = _node()
    login(page, "jiangdd")
    page.goto(f"{page.base_url}/enterprises/")
    page.click('[data-testid="enterprise-create"]')
    page.wait_for_selector('[data-testid="enterprise-form"]')
    page.fill("input[name=name]", NAME)
    page.fill("input[name=uscc]", BAD)
    page.select_option("select[name=region]", label="兴化市")
    page.fill("input[name=founded_on]", "2019年5月8日")
    page.select_option("select[name=nodes]", str(node.pk))
    page.fill("input[name=address]", "兴化市戴南镇科技园")
    page.click('[data-testid="enterprise-submit"]')
    errors = page.locator('[data-testid="form-errors"]').inner_text()
    assert "统一社会信用代码" in errors and "校验位" in errors
    assert page.input_value("input[name=name]") == NAME  # what was typed is kept
    assert not Enterprise.objects.filter(name=NAME).exists()
    shot(page, "enterprise-form")

    page.fill("input[name=uscc]", GOOD.lower())
    page.click('[data-testid="enterprise-submit"]')
    page.wait_for_selector('[data-testid="enterprise-header"]')
    enterprise = Enterprise.objects.get(uscc=GOOD)
    assert enterprise.name == NAME and enterprise.founded_on.isoformat() == "2019-05-08"
    assert "可降解包材" in page.locator('[data-testid="enterprise-header"]').inner_text()

    Indicator.objects.create(enterprise=enterprise, year=2023, revenue=31000, tax=820, employees=260, rd_spend=900)
    Indicator.objects.create(enterprise=enterprise, year=2024, revenue=42000, tax=1100, employees=300, rd_spend=1500)
    page.click('[data-testid="indicators-tab"]')
    page.click('[data-testid="indicator-add"]')
    page.fill("input[name=year]", "2025")
    page.fill("input[name=revenue]", "5.2亿")
    page.fill("input[name=tax]", "1,350")
    page.fill("input[name=employees]", "320")
    page.fill("input[name=rd_spend]", "1800万")
    page.click("button:has-text('保存')")
    page.wait_for_selector(".alert-success")
    assert "52,000.00 万元" in page.locator(".alert-success").inner_text()
    page.click('[data-testid="indicators-tab"]')
    page.wait_for_selector("#tab-indicators canvas")
    assert "+23.8%" in page.locator('[data-testid="indicator-table"]').inner_text()
    shot(page, "enterprise-detail")


def test_filtered_list(page, login, shot):
    node = _node()
    placed = list(Enterprise.objects.filter(region__code="321281").order_by("name")[:6])
    for enterprise in placed:
        enterprise.nodes.add(node)
    # Three of them never visited, so that "90天以上未走访" has rows whatever the demo's visit log holds.
    Enterprise.objects.filter(pk__in=[e.pk for e in placed[:3]]).update(last_visit_on=None)
    login(page, "jiangdd")
    page.goto(f"{page.base_url}/enterprises/")
    page.select_option("select[name=node]", str(node.parent_id))  # 新型包材 includes 可降解包材
    page.select_option("select[name=stale]", "90")
    page.click("button:has-text('查询')")
    page.wait_for_url("**/enterprises/?*node=*")
    rows = page.locator('[data-testid="enterprise-table"] tbody tr')
    assert rows.count() >= 1
    assert "可降解包材" in rows.first.inner_text()
    shot(page, "enterprise-list")
    with page.expect_download() as download:
        page.click('[data-testid="enterprise-export"]')
    assert download.value.suggested_filename.endswith(".xlsx")
