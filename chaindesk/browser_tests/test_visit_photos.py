"""A liaison on a phone (390×844) adds a photo to a visit saved earlier: from the visit's card to 走访照片, a photo
from the camera, uploaded and shown as a 480 px thumbnail the browser loads; then one removed after its confirmation
page. What the liaison taps is at least 44 px tall and nothing scrolls sideways."""

import base64

import pytest

from chaindesk.accounts.models import User
from chaindesk.core import clock
from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison import services
from chaindesk.liaison.models import Visit

from .phone import CAMERA_JPEG, TAP, no_sideways_scroll, small_targets

pytestmark = pytest.mark.browser

BOSHENG = "江苏博生医用新材料股份有限公司"


def _saved_visit() -> Visit:
    """Bosheng's only visit, saved yesterday's way: without a photo."""
    boshen = Enterprise.objects.get(name=BOSHENG)
    Visit.objects.filter(enterprise=boshen).delete()
    return services.visit_create(
        actor=User.objects.get(username="liming"),
        enterprise=boshen,
        visited_on=clock.today(),
        notes="现场查看医用膜材二期项目，设备已进场，计划年底试生产。",
    )


def _camera(page, name: str) -> dict:  # noqa: ANN001
    return {"name": name, "mimeType": "image/jpeg", "buffer": base64.b64decode(page.evaluate(CAMERA_JPEG))}


def test_liaison_adds_a_photo_to_a_saved_visit_on_a_phone(phone_page, login, shot):
    page = phone_page
    visit = _saved_visit()
    login(page, "liming")

    # From the visit's card to its photos page.
    page.goto(f"{page.base_url}/service/enterprises/{visit.enterprise_id}/visits/")
    link = page.locator('[data-testid="visit-photos-link"]')
    assert link.bounding_box()["height"] >= TAP
    link.click()
    page.wait_for_selector('[data-testid="photo-form"]')
    assert page.get_attribute("input[name=photos]", "capture") == "environment"
    assert page.get_attribute("input[name=photos]", "accept") == "image/*"
    assert page.get_by_text("暂无现场照片。").is_visible()

    # Two photos from the camera, uploaded; both shown as thumbnails the browser could load.
    page.set_input_files("input[name=photos]", files=[_camera(page, "IMG_0101.jpg"), _camera(page, "IMG_0102.jpg")])
    for selector in ('[data-testid="photo-submit"]', "input[name=photos]"):
        assert page.locator(selector).bounding_box()["height"] >= TAP, selector
    page.click('[data-testid="photo-submit"]')
    page.wait_for_selector('[data-testid="photo-item"]')
    assert page.get_by_text("已上传 2 张照片。").is_visible()
    assert sorted(visit.photos.values_list("original_name", flat=True)) == ["IMG_0101.jpg", "IMG_0102.jpg"]
    # The page loads the 480 px thumbnails (the 640 px photos re-encoded, without EXIF), each linking to its photo.
    for thumb in page.locator('[data-testid="visit-photo"] img').element_handles():
        page.wait_for_function("img => img.complete && img.naturalWidth === 480", arg=thumb)
    for photo in visit.photos.all():
        assert page.locator(f'a[href="/service/photos/{photo.pk}/"] img[src$="?thumb=1"]').count() == 1
    assert page.locator('[data-testid="photo-remove"]').first.bounding_box()["height"] >= TAP
    assert not small_targets(page), small_targets(page)
    no_sideways_scroll(page)
    shot(page, "phone-visit-photos")

    # One removed: its 删除 opens a confirmation page; confirmed, the other stays.
    page.locator('[data-testid="photo-remove"]').last.click()
    page.wait_for_selector('[data-testid="confirm-page"]')
    assert page.get_by_text("确定删除照片“IMG_0102.jpg”吗？").is_visible()
    assert not small_targets(page), small_targets(page)
    no_sideways_scroll(page)
    shot(page, "phone-visit-photo-remove")
    page.click('[data-testid="confirm-submit"]')
    page.wait_for_selector('[data-testid="photo-gallery"]')
    assert page.get_by_text("已删除照片“IMG_0102.jpg”。").is_visible()
    assert list(visit.photos.values_list("original_name", flat=True)) == ["IMG_0101.jpg"]
    assert page.locator('[data-testid="photo-item"]').count() == 1
    assert not page.csp_errors
