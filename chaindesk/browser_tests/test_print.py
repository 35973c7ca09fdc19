"""Pages on paper (issue 11, item 12): printed, a list or a detail page shows its title and a stamp with the
time and the person who printed it, and no menu, button, filter bar or paging link."""

import pytest

from chaindesk.demands.models import Demand
from chaindesk.projects.models import Project

pytestmark = pytest.mark.browser

CLICKABLE = ".cd-sidebar, .cd-topbar, .btn, .pagination, .breadcrumb, input, select, textarea"


def _visible(page, selector: str) -> list[str]:  # noqa: ANN001
    """The outer HTML (cut) of every element matching `selector` that is rendered."""
    return page.eval_on_selector_all(
        selector,
        "els => els.filter(e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden')"
        ".map(e => e.outerHTML.slice(0, 120))",
    )


def _printed(page, url: str) -> None:  # noqa: ANN001
    page.emulate_media(media="screen")
    page.goto(url)
    assert _visible(page, ".btn"), "on screen the page has buttons"
    page.emulate_media(media="print")
    assert _visible(page, CLICKABLE) == []
    assert page.locator("h1.page-title").is_visible()
    stamp = page.locator('[data-testid="print-stamp"]')
    assert stamp.is_visible() and "打印时间：" in stamp.inner_text() and "打印人：" in stamp.inner_text()


def test_lists_and_detail_pages_print_without_buttons(page, login, shot):
    login(page, "jiangdd")
    _printed(page, f"{page.base_url}/demands/")
    assert page.locator("table tbody tr").count() > 0
    shot(page, "print-demand-list")
    demand = Demand.objects.filter(tasks__isnull=False).order_by("pk").first()
    assert demand is not None
    _printed(page, f"{page.base_url}/demands/{demand.pk}/")
    project = Project.objects.order_by("pk").first()
    assert project is not None
    _printed(page, f"{page.base_url}/projects/{project.pk}/")
    shot(page, "print-project-detail")
    _printed(page, f"{page.base_url}/enterprises/")
