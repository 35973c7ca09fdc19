"""年度目标 in a real browser: the chain chief opens the ledger from the menu, opens 填报 for their chain, types two
figures the way offices write them (8 and 3.5亿), saves with Enter, and finds them in the ledger; then opens the
最后赛段. Screenshots: targets-ledger, targets-form, targets-sprint.

The demo city may or may not have targets yet: the test reaches the chain's form from its row when the ledger has
one and from the 填报 menu otherwise."""

from decimal import Decimal

import pytest

from chaindesk.core import clock
from chaindesk.targets.models import Target

pytestmark = pytest.mark.browser

CHIEF = "jiangdd"  # 姜冬冬, city leader and chief of 生物医药
CHAIN = "生物医药"


def _open_form(page) -> None:  # noqa: ANN001
    row = page.locator(f'[data-testid="targets-row"][data-owner="{CHAIN}"]')
    if row.count():
        row.locator('[data-testid="targets-edit"]').click()
    else:
        page.click('[data-testid="targets-enter"]')
        page.locator('[data-testid="targets-enter-menu"] a', has_text=CHAIN).first.click()
    page.wait_for_selector('[data-testid="targets-form"]')


def test_chief_sets_targets_and_sees_them(page, login, shot) -> None:  # noqa: ANN001
    login(page, CHIEF)
    page.locator(".cd-sidebar a.nav-link", has_text="年度目标").click()
    page.wait_for_selector('[data-testid="targets-ledger"]')
    assert page.locator('.cd-sidebar [aria-current="page"]').inner_text().strip() == "年度目标"
    assert "序时进度" in page.locator('[data-testid="targets-basis"]').inner_text()

    _open_form(page)
    year = clock.today().year
    assert f"{CHAIN} · {year} 年度目标" in page.locator("h1").inner_text()
    page.fill('[data-testid="value-signed"]', "8")
    page.fill('[data-testid="value-investment"]', "3.5亿")
    page.fill('[data-testid="note-investment"]', "年初下达")
    shot(page, "targets-form")
    page.press('[data-testid="value-investment"]', "Enter")  # Enter submits the form

    page.wait_for_selector('[data-testid="targets-ledger"]')
    assert "已保存" in page.locator(".cd-messages").inner_text()
    row = page.locator(f'[data-testid="targets-row"][data-owner="{CHAIN}"]')
    assert row.locator('[data-metric="signed"] [data-testid="cell-target"]').inner_text() == "8"
    assert row.locator('[data-metric="investment"] [data-testid="cell-target"]').inner_text() == "3.50 亿元"
    assert row.locator('[data-metric="investment"] [data-testid="light"]').count() == 1
    saved = Target.objects.get(chain__name=CHAIN, year=year, metric="investment")
    assert saved.value == Decimal("35000.00") and saved.note == "年初下达"
    shot(page, "targets-ledger")

    page.click('[data-testid="targets-tab-chain"]')  # htmx swaps the tables, the address follows
    page.wait_for_url("**owner=chain**")
    page.wait_for_selector('[data-testid="targets-tab-chain"].active')
    assert page.locator('[data-testid="targets-table-region"]').count() == 0
    assert page.locator(f'[data-testid="targets-row"][data-owner="{CHAIN}"]').count() == 1

    page.click('[data-testid="targets-sprint-link"]')
    page.wait_for_selector('[data-testid="sprint-kpis"]')
    assert "最后赛段" in page.locator("h1").inner_text()
    assert page.locator('[data-testid="sprint-gaps"]').is_visible()
    shot(page, "targets-sprint")
