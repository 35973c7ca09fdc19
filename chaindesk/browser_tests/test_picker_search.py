"""Choosing among many in the browser: the enterprise select of a new demand filtered by pinyin initials and
chosen with the keyboard, and the header's global search dropdown; screenshots for docs/screenshots/."""

import pytest
from django.db.models.functions import Length

from chaindesk.accounts.models import User
from chaindesk.core.picker import pinyin_keys
from chaindesk.demands.models import Demand
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


def test_a_choice_among_too_many_enterprises_is_searched_on_the_server(page, login, shot, monkeypatch):
    """A province's chain has hundreds of thousands of enterprises: past the threshold the select holds only the
    chosen one and the picker asks the server as the reader types (here the threshold is lowered to the demo's)."""
    from chaindesk.core import picker

    monkeypatch.setattr(picker, "REMOTE_MIN_OPTIONS", 5)
    visible = Enterprise.objects.visible_to(User.objects.get(username="jiangdd"))
    target = visible.annotate(n=Length("name")).filter(n__gte=4).order_by("name").first()
    login(page, "jiangdd")

    page.goto(f"{page.base_url}/demands/new/")
    select = page.locator('select[name="enterprise"]')
    assert select.get_attribute("data-picker-url") == "/enterprises/options/"
    assert select.locator("option").count() == 1  # 请选择企业 only: nothing else rendered
    box = page.locator(".cd-picker-input").first
    assert box.get_attribute("placeholder") == "输入名称或统一社会信用代码搜索"
    box.fill(target.name[:4])
    listbox = page.locator(".cd-picker-list").first
    listbox.locator("[role=option]", has_text=target.name).wait_for()
    shot(page, "picker-remote")
    listbox.locator("[role=option]", has_text=target.name).dispatch_event("mousedown")
    assert select.input_value() == str(target.pk)  # the match became the select's chosen option
    form = page.locator('[data-testid="demand-form"]')
    form.locator("select[name=category]").select_option(index=1)
    form.locator("input[name=title]").fill("远程选择企业的诉求")
    form.locator("textarea[name=description]").fill("企业太多时由服务器按名称查找，表单照常提交。")
    page.click('[data-testid="demand-submit"]')
    page.wait_for_selector('[data-testid="demand-facts"]')
    assert Demand.objects.get(title="远程选择企业的诉求").enterprise == target
