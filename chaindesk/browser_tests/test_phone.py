"""A liaison on a phone (390×844): the 工作台 as cards, then a visit logged on site with two issues and two next
steps added one row at a time and a photo from the camera, seen as a thumbnail on the visits page; the demand
form too. What the liaison taps (buttons, form controls, links in lists) is at least 44 px tall, nothing scrolls
sideways, and the desktop's keyboard hint is not shown."""

import base64
import datetime as dt

import pytest

from chaindesk.browser_tests.conftest import switch_user
from chaindesk.core import clock
from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison.models import Visit

from .phone import CAMERA_JPEG, TAP, no_sideways_scroll, small_targets

pytestmark = pytest.mark.browser

BOSHENG = "江苏博生医用新材料股份有限公司"


def test_liaison_logs_a_visit_with_a_photo_on_a_phone(phone_page, login, shot):
    page = phone_page
    boshen = Enterprise.objects.get(name=BOSHENG)
    Visit.objects.filter(enterprise=boshen).delete()
    Enterprise.objects.filter(pk=boshen.pk).update(last_visit_on=clock.today() - dt.timedelta(days=120))
    login(page, "liming")

    # The 工作台: the enterprises as cards (header hidden, each value labelled), every tap target big enough.
    row = page.locator('[data-testid="workbench-enterprise"]').first
    assert page.locator("table.cd-stack thead").first.evaluate("el => el.getBoundingClientRect().height") <= 1
    assert row.evaluate("el => getComputedStyle(el).display") == "block"
    label = row.locator("td[data-label]:visible").first.evaluate("el => getComputedStyle(el, '::before').content")
    assert label.strip('"') == "所在地区"
    assert not small_targets(page), small_targets(page)
    no_sideways_scroll(page)
    shot(page, "phone-workbench")

    # The visit form: one row of each to start; 「添加一条」 adds the next one (no request: it copies a blank row).
    page.goto(f"{page.base_url}/service/enterprises/{boshen.pk}/visits/new/")
    page.wait_for_selector('[data-testid="visit-form"]')
    assert not page.get_by_text("按住 Ctrl").is_visible()  # no Ctrl key on a phone
    assert page.locator('[data-testid="issue-row"]').count() == 1
    page.select_option("select[name=kind]", "site")
    page.fill("textarea[name=notes]", "现场查看医用膜材二期项目，设备已进场，计划年底试生产。")
    page.fill("textarea[name=issue_1]", "二期用地指标尚未落实")
    page.click('[data-testid="add-issue"]')
    page.fill("textarea[name=issue_2]", "希望协调用电增容")
    due = clock.today() + dt.timedelta(days=20)
    page.fill("input[name=step_text_1]", "对接市自然资源和规划局，明确用地报批路径")
    page.fill("input[name=step_due_1]", due.isoformat())
    page.click('[data-testid="add-step"]')
    assert page.locator('[data-testid="step-row"]').count() == 2
    page.fill("input[name=step_text_2]", "联系供电公司现场踏勘")
    page.fill("input[name=step_due_2]", due.isoformat())
    assert page.get_attribute("input[name=photos]", "capture") == "environment"
    assert page.get_attribute("input[name=photos]", "accept") == "image/*"
    jpeg = base64.b64decode(page.evaluate(CAMERA_JPEG))
    camera = {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": jpeg}
    page.set_input_files("input[name=photos]", files=[camera])
    # The main controls: the date, kind, notes, issues, steps, owners, the photo input and every button.
    assert page.locator('[data-testid="visit-submit"]').bounding_box()["height"] >= TAP
    for name in ("visited_on", "kind", "issue_2", "step_text_2", "step_owner_2", "step_due_2", "photos"):
        assert page.locator(f"[name={name}]").bounding_box()["height"] >= TAP, name
    assert not small_targets(page), small_targets(page)
    no_sideways_scroll(page)
    shot(page, "phone-visit")
    page.click('[data-testid="visit-submit"]')

    # Saved with both rows of each and the photo, shown as a thumbnail the browser could load.
    page.wait_for_selector('[data-testid="visits"]')
    visit = Visit.objects.get(enterprise=boshen)
    assert list(visit.issues.values_list("text", flat=True)) == ["二期用地指标尚未落实", "希望协调用电增容"]
    assert visit.next_steps.count() == 2
    photo = visit.photos.get()
    # stored re-encoded (no EXIF): its size is the stored file's, not the upload's
    assert (photo.original_name, photo.content_type) == ("IMG_0001.jpg", "image/jpeg")
    assert photo.size == photo.file.size > 0 and photo.thumbnail
    thumb = page.locator('[data-testid="visit-photo"] img').first
    thumb.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth === 480", arg=thumb.element_handle())
    assert not page.csp_errors
    no_sideways_scroll(page)
    shot(page, "phone-visit-saved")


def test_demand_form_on_a_phone(phone_page, login, shot):
    page = phone_page
    login(page, "liming")
    page.goto(f"{page.base_url}/demands/new/")
    page.wait_for_selector('[data-testid="demand-form"]')
    assert page.locator('[data-testid="demand-submit"]').bounding_box()["height"] >= TAP
    assert not small_targets(page), small_targets(page)
    no_sideways_scroll(page)
    shot(page, "phone-demand-form")


def test_the_header_keeps_the_search_and_the_scope_on_a_phone(phone_page, login, shot):
    """The desktop's header search and scope line stay on a phone: the reader's scope as one short line beside the
    avatar, the search as a full-width row under the header's buttons whose results drop below it."""
    page = phone_page
    login(page, "liming")
    scope = page.locator('[data-testid="scope"]')
    assert scope.is_visible() and scope.inner_text() == "兴化市 · 挂钩服务专员"
    assert scope.bounding_box()["height"] <= 24  # one line
    search = page.locator('[data-testid="global-search"]')
    box, bell = search.bounding_box(), page.locator('[data-testid="bell"]').bounding_box()
    assert search.is_visible() and box["height"] >= TAP and box["width"] >= 390 - 2 * 20, box
    assert box["y"] >= bell["y"] + bell["height"]  # a row of its own, under the buttons
    assert not small_targets(page, ".cd-topbar .nav-link, .cd-topbar .btn, .cd-topbar .form-control")
    no_sideways_scroll(page)
    shot(page, "phone-header", full_page=False)

    search.fill("博生医用")
    hit = page.locator('[data-testid="search-group-enterprises"] [data-testid="search-hit"]', has_text=BOSHENG)
    hit.wait_for()
    pop = page.locator("#cd-search-pop").bounding_box()
    assert pop["x"] >= 0 and pop["x"] + pop["width"] <= 390 and pop["y"] >= box["y"] + box["height"]
    assert not small_targets(page, "#cd-search-pop a"), small_targets(page, "#cd-search-pop a")
    no_sideways_scroll(page)
    shot(page, "phone-header-search", full_page=False)
    hit.click()
    page.wait_for_url(f"**/enterprises/{Enterprise.objects.get(name=BOSHENG).pk}/")


def test_a_long_scope_is_one_short_line_on_a_phone(phone_page, login, shot):
    """An enterprise user's scope (their enterprise · its region) is cut to one line with "…", the whole of it in the
    title; the system administrator, who has no search, keeps a one-row header."""
    page = phone_page
    login(page, "liuyang")
    scope = page.locator('[data-testid="scope"]')
    assert scope.get_attribute("title") == f"{BOSHENG} · 兴化市"
    assert scope.is_visible() and scope.bounding_box()["height"] <= 24
    assert scope.evaluate("el => el.scrollWidth > el.clientWidth")  # cut, not wrapped
    assert page.locator('[data-testid="global-search"]').is_visible()
    no_sideways_scroll(page)
    shot(page, "phone-header-enterprise", full_page=False)
    switch_user(page, login, "sysadmin")
    assert page.locator('[data-testid="scope"]').inner_text() == "泰州市 · 系统管理员"
    assert page.locator(".cd-topbar").bounding_box()["height"] < 2 * TAP  # one row: no search to place
    no_sideways_scroll(page)
