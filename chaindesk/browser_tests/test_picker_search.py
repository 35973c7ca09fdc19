"""Choosing among many in the browser: the enterprise select of a new demand filtered by pinyin initials and
chosen with the keyboard, and the header's global search dropdown; screenshots for docs/screenshots/."""

import pytest
from django.db.models.functions import Length

from chaindesk.accounts.models import User
from chaindesk.core.picker import pinyin_keys
from chaindesk.enterprises.models import Enterprise

pytestmark = pytest.mark.browser


def test_a_leader_picks_an_enterprise_by_pinyin_and_finds_it_from_the_header(page, login, shot):
    visible = Enterprise.objects.visible_to(User.objects.get(username="jiangdd"))
    target = visible.annotate(n=Length("name")).filter(n__gte=4).order_by("name").first()
    initials = pinyin_keys(target.name).split()[0][:4]
    login(page, "jiangdd")

    page.goto(f"{page.base_url}/demands/new/")
    picker = page.locator('select[name="enterprise"]')
    assert picker.get_attribute("data-picker") is not None
    box = page.locator(".cd-picker-input").first
    box.fill(initials)
    listbox = page.locator(".cd-picker-list").first
    listbox.wait_for(state="visible")
    options = listbox.locator("[role=option]")
    assert target.name in options.all_inner_texts()
    assert options.count() < page.locator('select[name="enterprise"] option').count() - 1  # it narrowed
    shot(page, "picker-pinyin")
    for _ in range(options.all_inner_texts().index(target.name)):
        box.press("ArrowDown")
    box.press("Enter")
    assert picker.input_value() == str(target.pk)  # written back into the plain select the form posts
    assert listbox.is_hidden()

    search = page.locator('[data-testid="global-search"]')
    search.fill(target.name[:1])
    page.wait_for_selector('[data-testid="search-hint"]')  # one character: a hint, no search
    search.fill(target.name[:4])
    page.wait_for_selector('[data-testid="search-group-enterprises"] [data-testid="search-hit"]')
    shot(page, "search-dropdown", full_page=False)
    page.locator('[data-testid="search-group-enterprises"] [data-testid="search-hit"]', has_text=target.name).click()
    page.wait_for_url(f"**/enterprises/{target.pk}/")

    page.goto(f"{page.base_url}/search/?q={target.name[:2]}")
    assert page.locator('[data-testid="search-hit"]').count() >= 1
    shot(page, "search-page")
