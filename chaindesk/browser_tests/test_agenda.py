"""The agenda of a chain's next meeting in a real browser (issue 12, item 2): a team member of the demo's 生物医药
chain plans the next 工作例会, opens its agenda from the meeting page, drafts it from the records (the 11月24日
meeting's decisions, the 督办 and overdue tasks, the stalled projects …), drops one item, moves one with the
keyboard, annotates one, prints it, and finds it on the 工作台's 下次会议 card."""

import datetime as dt

import pytest

from chaindesk.accounts.models import User
from chaindesk.meetings.models import AgendaItem, Meeting

pytestmark = pytest.mark.browser

TITLE = "生物医药产业链服务团队12月工作例会"
NOTE = "由市工信局汇报办理进展，请会议协调解决"


def _plan_next_meeting() -> Meeting:
    """The demo city's meetings are all past: the team plans its next one (written through the audited create:
    the meeting form is not what this test drives)."""
    from chaindesk.chains.models import Chain
    from chaindesk.core import clock
    from chaindesk.core.services import audited_create
    from chaindesk.meetings.models import MeetingKind

    chain = Chain.objects.get(code="biomed")
    return audited_create(
        model=Meeting,
        actor=User.objects.get(username="wangzh"),
        chain=chain,
        title=TITLE,
        kind=MeetingKind.REGULAR,
        held_on=clock.today() + dt.timedelta(days=7),
        starts_at=dt.time(9, 0),
        region=chain.regions.get(code="321281"),
        location="兴化市",
        leader=chain.chief,
        attendees=[m.user for m in chain.team.select_related("user")],
    )


def _order(section) -> list[str]:  # noqa: ANN001
    return section.locator('[data-testid="agenda-item"]').evaluate_all("els => els.map(e => e.id)")


def _visible(page, selector: str) -> list[str]:  # noqa: ANN001
    return page.eval_on_selector_all(
        selector,
        "els => els.filter(e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden')"
        ".map(e => e.outerHTML.slice(0, 120))",
    )


def test_team_drafts_edits_and_prints_the_next_meetings_agenda(page, login, shot):
    meeting = _plan_next_meeting()
    login(page, "wangzh")
    page.goto(f"{page.base_url}/meetings/{meeting.pk}/")
    page.click('[data-testid="meeting-agenda"]')
    page.wait_for_selector('[data-testid="agenda-empty"]')
    assert page.url.endswith(f"/meetings/{meeting.pk}/agenda/")

    # 生成议程: drafted from the records, grouped by kind
    page.click('[data-testid="agenda-draft"]')
    page.wait_for_selector('[data-testid="agenda-item"]')
    assert "已更新议程：新增" in page.locator(".cd-messages").inner_text()
    decisions = page.locator('[data-testid="agenda-section-decision"]')
    assert decisions.locator('[data-testid="agenda-item"]').count() >= 3
    assert "2026-11-24《生物医药产业链服务团队工作例会》" in decisions.inner_text()
    total = AgendaItem.objects.filter(meeting=meeting).count()
    assert page.locator('[data-testid="agenda-item"]').count() == total

    # drop the first decision: it moves under 已移出, and the focus lands on its 恢复 button
    first = decisions.locator('[data-testid="agenda-item"]').first
    dropped_id = first.get_attribute("id")
    first.locator('[data-testid="agenda-drop"]').click()
    page.wait_for_selector('[data-testid="agenda-dropped"]')
    assert page.locator('[data-testid="agenda-item"]').count() == total - 1
    assert page.evaluate("document.activeElement.id") == f"{dropped_id}-restore"
    assert "已移出议程" in page.locator('[data-testid="agenda-notice"]').inner_text()

    # move the (new) first decision down with the keyboard: the focus stays on its 下移 button
    decisions = page.locator('[data-testid="agenda-section-decision"]')
    before = _order(decisions)
    moved = before[0]
    page.focus(f"#{moved}-down")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "id => document.querySelector('[data-testid=agenda-section-decision] [data-testid=agenda-item]').id !== id",
        arg=moved,
    )
    after = _order(page.locator('[data-testid="agenda-section-decision"]'))
    assert after[:2] == [before[1], moved]
    assert page.evaluate("document.activeElement.id") == f"{moved}-down"

    # annotate it
    item = page.locator(f"#{moved}")
    item.locator('[data-testid="agenda-edit"] summary').click()
    item.locator("textarea[name=note]").fill(NOTE)
    item.locator('[data-testid="agenda-note-save"]').click()
    page.wait_for_selector(f'#{moved} [data-testid="agenda-note"]')
    assert NOTE in page.locator(f'#{moved} [data-testid="agenda-note"]').inner_text()
    assert AgendaItem.objects.get(pk=int(moved.split("-")[1])).note == NOTE
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "meeting-agenda")

    # printed: the title, the meeting's date and place, the items; no button, form or dropped item
    page.emulate_media(media="print")
    assert _visible(page, ".btn, .cd-sidebar, .cd-topbar, input, textarea, [data-testid=agenda-dropped]") == []
    assert page.locator("h1.page-title").inner_text().strip() == f"{TITLE} 议程"
    facts = page.locator('[data-testid="agenda-facts"]')
    assert facts.is_visible() and "兴化市" in facts.inner_text() and "09:00" in facts.inner_text()
    assert page.locator('[data-testid="print-stamp"]').is_visible()
    assert page.locator('[data-testid="agenda-item"]').count() == total - 1
    shot(page, "meeting-agenda-print")
    page.emulate_media(media="screen")

    # the 工作台's 下次会议 card shows the agenda
    page.goto(f"{page.base_url}/")
    card = page.locator('[data-testid="next-meeting-agenda"]')
    card.wait_for()
    assert f"{total - 1} 项" in card.locator('[data-testid="next-meeting-agenda-count"]').inner_text()
    assert card.locator('[data-testid="next-meeting-agenda-item"]').count() == min(5, total - 1)
    card.scroll_into_view_if_needed()
    shot(page, "workbench-next-meeting-agenda")
