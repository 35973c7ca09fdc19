"""The pages people use most, screenshotted for docs/screenshots/ and checked for their key content."""

import datetime as dt
import re

import pytest

from chaindesk.chains.models import Chain
from chaindesk.enterprises.models import Enterprise
from chaindesk.meetings.models import Meeting

pytestmark = pytest.mark.browser

BOSHENG = "江苏博生医用新材料股份有限公司"


def test_login_page(page, shot):
    page.goto(f"{page.base_url}/accounts/login/")
    assert page.title().startswith("登录")
    assert page.locator("h2").inner_text() == "账号登录"
    shot(page, "login")


def test_enterprise_list_and_detail_with_history(page, login, shot):
    login(page, "jiangdd")
    page.goto(f"{page.base_url}/enterprises/")
    rows = page.locator("table tbody tr")
    assert rows.count() > 0
    assert re.search(r"共 [\d,]+ 条", page.locator(".card-footer").inner_text())
    shot(page, "enterprise-list")

    enterprise = Enterprise.objects.get(name=BOSHENG)
    page.goto(f"{page.base_url}/enterprises/{enterprise.pk}/")
    assert page.locator("h1").inner_text().strip() == BOSHENG
    page.click('[data-testid="history-tab"]')
    page.wait_for_selector('#tab-history [data-testid="history-table"]')
    assert "新建" in page.locator("#tab-history").inner_text() or page.locator("#tab-history tbody tr").count() > 0
    shot(page, "enterprise-detail-history")


def test_chain_detail(page, login, shot):
    login(page, "jiangdd")
    chain = Chain.objects.get(name="生物医药")
    page.goto(f"{page.base_url}/chains/{chain.pk}/")
    assert "生物医药" in page.locator("h1").inner_text()
    assert "姜冬冬" in page.locator("main").inner_text()
    shot(page, "chain-detail")


def test_meeting_detail(page, login, shot):
    login(page, "jiangdd")
    meeting = Meeting.objects.get(chain__name="生物医药", held_on=dt.date(2026, 11, 24))
    page.goto(f"{page.base_url}/meetings/{meeting.pk}/")
    body = page.locator("main").inner_text()
    assert "生物医药产业链服务团队工作例会" in body
    assert "2026-11-24" in body
    assert "张坤" in body
    shot(page, "meeting-detail")


def test_not_found_page(page, login, shot):
    login(page, "jiangdd")
    response = page.goto(f"{page.base_url}/enterprises/99999999/")
    assert response is not None and response.status == 404
    assert "页面不存在" in page.locator("h1").inner_text()
    shot(page, "404")


def test_workbench_at_phone_width(phone_page, login, shot):
    login(phone_page, "liming")
    assert phone_page.locator('[data-testid="workbench"]').get_attribute("data-role") == "liaison"
    # No horizontal scrolling of the page itself at 390 px.
    overflow = phone_page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    shot(phone_page, "mobile-workbench")
    # The collapsed left menu opens from the top bar (Tabler's script, loaded under the CSP).
    menu = phone_page.locator("#sidebar-menu")
    assert not menu.is_visible()
    phone_page.click(".cd-sidebar .navbar-toggler")
    phone_page.wait_for_selector("#sidebar-menu.show")
    assert menu.get_by_text("工作台").is_visible()
