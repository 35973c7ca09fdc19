"""Issue 15's journey in a real browser, as the team member 王志华 (生物医药) lives it the morning after a site visit:
he opens 报道录入, pastes the report the meeting grew from (the seed), and reads the draft beside the text: the two
enterprises matched to the registry, their two projects matched among their own, each item's 原文 link lighting
its source sentence. He fixes one item (the meeting's name and kind), drops nothing, confirms, and lands on the new
meeting: its two stops name the enterprises and their projects, and its 来源 leads back to the report, which now
lists what it wrote. Confirming the same report again is refused and writes nothing.

Nothing but the browser moves the story; the database is only read, to assert. Screenshots: journey-ingest-paste,
-review, -meeting, -records."""

from pathlib import Path

import pytest

from chaindesk.ingest.models import Report, ReportStatus
from chaindesk.meetings.models import Meeting, SiteVisit
from chaindesk.projects.models import Project

pytestmark = pytest.mark.browser

SEED = (Path(__file__).resolve().parents[1] / "ingest" / "tests" / "data" / "seed.txt").read_text(encoding="utf-8")
TITLE = "生物医药产业链兴化现场观摩会"
BOSHENG_PROJECT = "特殊功能性新型医用膜材项目"
JINYANGZI_PROJECT = "金美特医用材料生产项目"


def _paste(page, shot) -> Report:  # noqa: ANN001
    page.locator(".cd-sidebar a.nav-link", has_text="报道录入").click()
    page.locator('[data-testid="ingest-form"]').wait_for()
    page.fill('[data-testid="ingest-text"]', SEED)
    shot(page, "journey-ingest-paste")
    page.click('[data-testid="ingest-submit"]')
    page.locator('[data-testid="review-form"]').wait_for()
    report = Report.objects.get()
    assert page.url.endswith(f"/ingest/{report.pk}/") and report.status == ReportStatus.DRAFT
    return report


def _review(page, shot) -> None:  # noqa: ANN001
    form = page.locator('[data-testid="review-form"]')
    for ref in ("e0", "e1"):
        assert form.locator(f'[data-testid="match-{ref}"]').inner_text() == "已登记"
    for ref, name in (("p0", BOSHENG_PROJECT), ("p1", JINYANGZI_PROJECT)):
        card = form.locator(f'[data-testid="item-{ref}"]')
        assert card.locator(f"select[name={ref}_record] option:checked").inner_text() == name
    card = form.locator('[data-testid="item-p0"]')
    card.locator("a[data-source]").click()  # its 原文 lights the sentence it was read from
    active = page.locator("mark.cd-src.is-active")
    assert "年产3000万平方米特殊功能性新型医用膜材项目" in active.inner_text()
    form.locator("input[name=m_title]").fill(TITLE)  # the one item fixed by hand
    form.locator("select[name=m_kind]").select_option(label="现场观摩")
    assert form.locator("select[name=m_leader] option:checked").inner_text().startswith("姜冬冬")
    shot(page, "journey-ingest-review")


def test_team_member_pastes_a_report_reviews_the_draft_and_confirms_it_into_records(page, login, shot) -> None:  # noqa: ANN001
    login(page, "wangzh")
    report = _paste(page, shot)
    _review(page, shot)
    page.click('[data-testid="report-confirm"]')
    page.wait_for_selector('[data-testid="site-visits"]')
    meeting = Meeting.objects.get(source_report=report)
    assert page.url.endswith(f"/meetings/{meeting.pk}/") and meeting.title == TITLE
    stops = list(SiteVisit.objects.filter(meeting=meeting).select_related("enterprise", "project").order_by("seq"))
    assert [(s.enterprise.name, s.project.name if s.project else None) for s in stops] == [
        ("江苏博生医用新材料股份有限公司", BOSHENG_PROJECT),
        ("江苏金扬子包装科技有限公司", JINYANGZI_PROJECT),
    ]
    visits = page.locator('[data-testid="site-visit"]')
    assert visits.count() == 2 and JINYANGZI_PROJECT in visits.nth(1).inner_text()
    shot(page, "journey-ingest-meeting")
    for name in (BOSHENG_PROJECT, JINYANGZI_PROJECT):
        assert Project.objects.filter(name=name, chain=meeting.chain).count() == 1  # linked, never duplicated

    page.click('[data-testid="meeting-source"]')
    records = page.locator('[data-testid="report-records"]')
    records.wait_for()
    assert BOSHENG_PROJECT in records.inner_text()
    assert page.locator('[data-testid="report-status"]').inner_text() == "已录入"
    shot(page, "journey-ingest-records")

    page.goto(f"{page.base_url}/ingest/")  # the same report pasted once more
    page.fill('[data-testid="ingest-text"]', SEED)
    page.click('[data-testid="ingest-submit"]')
    page.locator('[data-testid="report-earlier"]').wait_for()
    page.click('[data-testid="report-confirm"]')
    assert "不再重复录入" in page.locator(".alert-danger, [data-testid=form-errors]").first.inner_text()
    assert Meeting.objects.filter(title=TITLE).count() == 1
