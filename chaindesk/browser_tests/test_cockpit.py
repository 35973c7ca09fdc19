"""驾驶舱 in a real browser: a city leader opens the cockpit from the menu, sees its charts drawn, and clicks the
stalled projects' count through to the projects list, which counts as many; the chain chief opens the chain's
cockpit from the city's table and clicks the closed demands through to the demands ledger. Screenshots:
cockpit-city, cockpit-chain."""

import re

import pytest

pytestmark = pytest.mark.browser

CHIEF = "jiangdd"  # 姜冬冬, city leader and chief of 生物医药
LEADER = "zhangkun"  # 张坤, city leader, 召集人 of 生物医药
CHAIN = "生物医药"


def _number(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


def _listed(page, testid: str) -> int:  # noqa: ANN001
    """The count of a list's rows ("共 1,234 条", above the table or in its footer)."""
    page.wait_for_selector(f'[data-testid="{testid}"]')
    found = re.search(r"共\s*([\d,]+)\s*条", page.locator("main").inner_text())
    assert found, "no count above the list"
    return _number(found.group(1))


def _charts_drawn(page) -> None:  # noqa: ANN001
    page.wait_for_selector('[data-testid="investment-chart"] canvas')
    page.wait_for_load_state("load")


def test_city_cockpit_clicks_through_to_the_stalled_projects(page, login, shot) -> None:  # noqa: ANN001
    login(page, LEADER)
    page.locator(".cd-sidebar a.nav-link", has_text="驾驶舱").click()
    page.wait_for_selector('[data-testid="cockpit"][data-page="city"]')
    assert page.locator('.cd-sidebar [aria-current="page"]').inner_text().strip() == "驾驶舱"
    _charts_drawn(page)
    assert page.locator('[data-testid="project-funnel"] [data-testid^="stat-"]').count() == 4
    assert "红黄绿灯" in page.locator('[data-testid="light-rule"]').inner_text()
    shot(page, "cockpit-city")

    stalled = _number(page.locator('[data-testid="n-stalled"]').inner_text())
    page.click('[data-testid="n-stalled"]')
    page.wait_for_url(re.compile(r"/projects/\?flag=stalled"))
    assert _listed(page, "project-count") == stalled


def test_chain_cockpit_clicks_through_to_the_closed_demands(page, login, shot) -> None:  # noqa: ANN001
    login(page, CHIEF)
    page.goto(f"{page.base_url}/cockpit/")
    page.locator('[data-testid="chain-cockpit-link"]', has_text=CHAIN).click()
    page.wait_for_selector('[data-testid="cockpit"][data-page="chain"]')
    assert CHAIN in page.locator("h1").inner_text()
    _charts_drawn(page)
    shot(page, "cockpit-chain")

    closed = page.locator('[data-testid="n-closed"]')
    expected = _number(closed.inner_text())
    closed.click()
    page.wait_for_url(re.compile(r"/demands/\?"))
    assert "status=closed" in page.url
    assert _listed(page, "demand-table") == expected
