"""大屏 in a real browser at 1920×1080: a city leader opens it from the cockpit's 大屏 button; the stage fills the
screen and shows the cockpit's numbers; a project signed meanwhile appears at the next refresh, in place (the page
is not reloaded: a marker set on window and on the stage survives) with the time of the refresh; the slides turn
with the arrow keys, pause with the space bar and turn by themselves; the districts' tiles; then at 1366×768 the
stage is scaled down, and at 1440×900 letterboxed. The intervals are shortened through the query string
(?refresh=2&slide=3). Screenshots: screen-city, screen-districts."""

import re
from decimal import Decimal

import pytest

from chaindesk.accounts.models import User
from chaindesk.chains.models import Chain
from chaindesk.core import clock
from chaindesk.projects import services as project_services
from chaindesk.projects.choices import ProjectStage
from chaindesk.projects.models import Project

pytestmark = pytest.mark.browser

LEADER = "zhangkun"  # 张坤, city leader, 召集人 of 生物医药
CHAIN = "生物医药"
FULL_HD = {"width": 1920, "height": 1080}
LAPTOP = {"width": 1366, "height": 768}
SQUARER = {"width": 1440, "height": 900}


def _number(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


def _stage_box(page) -> dict:  # noqa: ANN001
    box = page.locator("#sc-stage").bounding_box()
    assert box is not None
    return box


def _sign_a_project(leader: User) -> None:
    """A project of the leader's chain signed today, while the screen is open."""
    chain = Chain.objects.get(name=CHAIN)
    known = Project.objects.filter(chain=chain, enterprise__isnull=False).select_related("region", "enterprise").first()
    assert known is not None
    project = project_services.project_create(
        actor=leader,
        name="大屏刷新测试项目",
        chain=chain,
        region=known.region,
        enterprise=known.enterprise,
        planned_investment=Decimal("8000.00"),
    )
    project_services.project_transition(project=project, to_stage=ProjectStage.SIGNED, on=clock.today(), actor=leader)


def _open(page, login) -> None:  # noqa: ANN001
    login(page, LEADER)
    page.set_viewport_size(FULL_HD)
    page.goto(f"{page.base_url}/cockpit/")
    button = page.locator('[data-testid="cockpit-screen"]')
    assert button.get_attribute("href") == "/cockpit/screen/"
    button.click()
    page.wait_for_url(re.compile(r"/cockpit/screen/$"))
    page.goto(f"{page.base_url}/cockpit/screen/?refresh=2&slide=3")
    page.wait_for_selector("#sc-stage.is-scaled")
    page.wait_for_selector('[data-testid="screen-investment-chart"] canvas')
    page.keyboard.press("Space")  # pause: the screenshots and the refresh are taken on a slide that stays
    page.wait_for_selector('[data-testid="screen-paused"]:visible')
    page.click('[data-testid="dot-projects"]')
    page.wait_for_selector('[data-testid="slide-projects"].is-active')


def test_city_screen_fills_the_screen_and_refreshes_in_place(page, login, shot) -> None:  # noqa: ANN001
    _open(page, login)
    box = _stage_box(page)
    assert abs(box["x"]) < 1 and abs(box["y"]) < 1
    assert abs(box["width"] - 1920) < 1 and abs(box["height"] - 1080) < 1
    assert "产业链驾驶舱" in page.locator('[data-testid="screen-title"]').inner_text()
    funnel = page.locator('[data-testid="slide-projects"] [data-testid="screen-project-funnel"] .sc-big')
    assert funnel.count() == 4
    signed_before = _number(funnel.first.inner_text())
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('[data-f=\"p.signed.value\"]')).fontSize)")
    assert size >= 72  # legible from the back of the room
    assert page.locator('[data-testid="screen-fullscreen"]').is_visible()
    assert page.locator('[data-testid="screen-exit"]').get_attribute("href") == "/cockpit/"
    page.wait_for_timeout(700)  # the slide's fade
    shot(page, "screen-city", full_page=False)

    updated = page.locator('[data-testid="screen-updated"]').inner_text()
    page.evaluate("window.__screenMarker = 'kept'; document.getElementById('sc-stage').__marker = 'same node'")
    _sign_a_project(User.objects.get(username=LEADER))
    page.wait_for_function(
        "([before, n]) => document.querySelector('[data-testid=screen-updated]').textContent !== before"
        " && parseInt(document.querySelector('[data-f=\"p.signed.value\"]').textContent.replace(/\\D/g, ''), 10) === n",
        arg=[updated, signed_before + 1],
        timeout=15_000,
    )
    assert page.evaluate("window.__screenMarker") == "kept"
    assert page.evaluate("document.getElementById('sc-stage').__marker") == "same node"
    assert page.locator('[data-testid="screen-failed"]').is_hidden()

    page.keyboard.press("ArrowRight")
    page.wait_for_selector('[data-testid="slide-demands"].is-active')
    assert page.locator('[data-testid="dot-demands"]').get_attribute("aria-current") == "true"
    page.keyboard.press("Space")  # turning again, by itself, every 3 s
    page.wait_for_selector('[data-testid="slide-demands"]:not(.is-active)', state="attached", timeout=10_000)
    assert page.locator('[data-testid="screen-paused"]').is_hidden()


def test_districts_as_tiles_and_a_laptop_screen(page, login, shot) -> None:  # noqa: ANN001
    _open(page, login)
    page.click('[data-testid="dot-districts"]')
    page.wait_for_selector('[data-testid="slide-districts"].is-active')
    tiles = page.locator('[data-testid="slide-districts"] [data-testid="screen-district"]')
    assert tiles.count() >= 4
    assert tiles.first.locator(".sc-tile-name").inner_text().strip()
    assert tiles.first.locator("[data-light]").count() >= 3  # its lights, each with its word or number
    page.wait_for_timeout(700)
    shot(page, "screen-districts", full_page=False)

    for viewport in (LAPTOP, SQUARER):  # 16:9 nearly, then 16:10: bars above and below
        page.set_viewport_size(viewport)
        page.wait_for_timeout(300)
        box = _stage_box(page)
        scale = min(viewport["width"] / 1920, viewport["height"] / 1080)
        assert abs(box["width"] - 1920 * scale) < 1.5 and abs(box["height"] - 1080 * scale) < 1.5
        assert box["x"] >= 0 and box["y"] >= 0  # centred: letterboxed, never cut
        assert abs(box["x"] * 2 + box["width"] - viewport["width"]) < 1.5
        assert abs(box["y"] * 2 + box["height"] - viewport["height"]) < 1.5
    assert box["y"] > 40
