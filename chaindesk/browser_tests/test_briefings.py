"""Issue 12's briefing in a real browser: a team member goes from the demo's 11月24日 meeting to a new briefing of it,
edits the next steps, clicks 保存并生成, follows the version to 已完成, sees the first page's preview (or the 预览不可用
message with its reason where LibreOffice is missing), and downloads the DOCX, which opens and holds the title.
Screenshots: the list, the briefing page, the templates page and the preview PNG itself in docs/screenshots/."""

import datetime as dt
import io
from pathlib import Path

import docx
import pytest

from chaindesk.meetings.models import Meeting
from chaindesk.reports import preview
from chaindesk.reports.models import Briefing

from .conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

NEXT_STEPS = "一是抓紧推进江苏博生医用膜材项目洁净厂房建设。\n二是协调金美特项目新产品注册辅导。"
GENERATION_TIMEOUT = 120_000  # ms: LibreOffice's first start in a fresh profile takes a while


def _open_new_briefing(page, meeting: Meeting) -> None:  # noqa: ANN001
    """From the meeting page, by its 生成简报 link, to the new-briefing form."""
    page.goto(f"{page.base_url}/meetings/{meeting.pk}/")
    page.click('[data-testid="meeting-briefing"]')
    page.wait_for_selector('[data-testid="briefing-new"]')


def test_team_member_generates_a_meeting_briefing_and_downloads_it(page, login, shot, tmp_path: Path):  # noqa: ANN001
    meeting = Meeting.objects.get(chain__code="biomed", held_on=dt.date(2026, 11, 24))
    login(page, "wangzh")
    _open_new_briefing(page, meeting)
    assert page.locator("select[name=meeting]").input_value() == str(meeting.pk)
    shot(page, "briefing-new")
    page.click('[data-testid="briefing-new-submit"]')

    page.wait_for_selector('[data-testid="briefing-form"]')
    briefing = Briefing.objects.filter(meeting=meeting).latest("pk")  # the demo city has its own
    assert page.url.endswith(f"/reports/{briefing.pk}/")
    assert page.input_value("input[name=issuer]") == "泰州市生物医药产业链服务团队"
    assert "11月24日" in page.input_value("textarea[name=overview]")
    page.fill("textarea[name=next_steps]", NEXT_STEPS)
    page.click('[data-testid="briefing-generate"]')

    done = page.locator('[data-testid="version-row"][data-status="done"]')
    done.wait_for(timeout=GENERATION_TIMEOUT)
    assert "已保存，正在生成第 1 版" in page.locator(".cd-messages").inner_text()
    if preview.available():
        image = page.locator('[data-testid="preview-image"]')
        image.wait_for()
        assert page.evaluate("img => img.complete && img.naturalWidth > 600", image.element_handle())
        png = page.request.get(page.base_url + (image.get_attribute("src") or ""))
        assert png.ok and png.body()[:8] == b"\x89PNG\r\n\x1a\n"
        (SCREENSHOTS / "briefing-preview.png").write_bytes(png.body())
    else:
        assert "预览不可用" in page.locator('[data-testid="preview-unavailable"]').inner_text()
    shot(page, "briefing-detail")

    with page.expect_download() as download_info:
        done.locator('[data-testid="version-docx"]').click()
    download = download_info.value
    assert download.suggested_filename == f"{briefing.title}（第1版）.docx"
    path = tmp_path / "briefing.docx"
    download.save_as(path)
    document = docx.Document(io.BytesIO(path.read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert briefing.title in text and "泰州市生物医药产业链服务团队" in text
    assert "抓紧推进江苏博生医用膜材项目洁净厂房建设" in text

    page.goto(f"{page.base_url}/reports/")
    page.wait_for_selector('[data-testid="briefing-row"]')
    assert briefing.title in page.locator('[data-testid="briefing-table"]').inner_text()
    assert page.locator(".cd-sidebar .nav-item.active").inner_text().strip() == "报表"
    shot(page, "briefings-list")
    page.click('[data-testid="briefing-templates"]')
    page.wait_for_selector('[data-testid="template-upload"]')
    assert "{{ 正文 }}" in page.locator('[data-testid="placeholder-help"]').inner_text()
    shot(page, "briefing-templates")
