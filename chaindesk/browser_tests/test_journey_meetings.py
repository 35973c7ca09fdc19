"""Issue 12's journey in a real browser, as the team member 王志华 (生物医药) lives it after a 现场观摩: he
records the meeting with its two stops (江苏博生 with its project, then 江苏金扬子, each with notes); adds a decision
about 江苏博生 and turns it into the enterprise's demand; adds a decision for two departments (市人社局 牵头,
市商务局) with its working days and assigns it (交办): two tasks, and the meeting page shows the decision 办理中.
The chain's next 工作例会 (the demo's 12月工作例会, reached from the 工作台's 下次会议 card) raises the new decision
on its agenda after 更新议程. Back on the meeting, 生成简报: the briefing is created and generated, the version
finishes, the first page's preview loads, and the downloaded DOCX names the enterprises visited and both departments.

Nothing but the browser moves the story; the database is only read, to assert. The meeting sits the day before the
test's today, so it is earlier than the next meeting (whose agenda takes the earlier meetings' decisions) and is not
itself the 工作台's next meeting. Screenshots: journey-meeting-form, -decisions, -agenda, -briefing."""

import datetime as dt
import io
from pathlib import Path

import docx
import pytest

from chaindesk.accounts.models import Department, User
from chaindesk.demands.models import Demand, Task
from chaindesk.demands.workdays import add_workdays
from chaindesk.enterprises.models import Enterprise
from chaindesk.meetings.models import AgendaItem, Decision, Meeting
from chaindesk.projects.models import Project
from chaindesk.reports.models import Briefing

from .conftest import DEMO_TODAY

pytestmark = pytest.mark.browser

BOSHENG = "江苏博生医用新材料股份有限公司"
JINYANGZI = "江苏金扬子包装科技有限公司"
TITLE = "生物医药产业链兴化企业现场观摩会"
PLACE = "兴化市戴南镇江苏博生医用新材料股份有限公司会议室"
NOTES_1 = "观摩医用高分子膜材生产线，二期洁净厂房主体已封顶，企业反映施工许可办理周期较长。"
NOTES_2 = "观摩医用包装材料车间，企业反映熟练技工招聘困难，希望对接职业院校定向培养。"
ABOUT_ENTERPRISE = "协调江苏博生二期洁净厂房施工许可提前办理\n请市住建局指导企业分阶段申报，确保年内开工。"
ENTERPRISE_TITLE = "协调江苏博生二期洁净厂房施工许可提前办理"
ASSIGNED = "建立生物医药企业技工定向培养和用工对接机制\n市人社局牵头、市商务局配合，组织职业院校与企业对接。"
ASSIGNED_KEY = "技工定向培养和用工对接机制"
LEAD, PARTNER = "市人社局", "市商务局"
WORKING_DAYS = 15
GENERATION_TIMEOUT = 120_000  # ms: LibreOffice's first start in a fresh profile takes a while


def _record_meeting(page, day: dt.date, shot) -> Meeting:  # noqa: ANN001
    """新建会议 from the meeting list: the facts, two stops (the second added with 「添加一条」), then save."""
    bosheng, jinyangzi = Enterprise.objects.get(name=BOSHENG), Enterprise.objects.get(name=JINYANGZI)
    project = Project.objects.filter(enterprise=bosheng, chain__code="biomed").order_by("pk").first()
    assert project is not None, "the demo's 江苏博生 has a 生物医药 project"
    leader, chair = User.objects.get(username="jiangdd"), User.objects.get(username="zhangkun")
    page.goto(f"{page.base_url}/meetings/")
    page.click('[data-testid="meeting-create"]')
    form = page.locator('[data-testid="meeting-form"]')
    form.wait_for()
    form.locator("select[name=chain]").select_option(label="生物医药")
    form.locator("select[name=kind]").select_option(label="现场观摩")
    form.locator("input[name=title]").fill(TITLE)
    form.locator("input[name=held_on]").fill(day.isoformat())
    form.locator("input[name=starts_at]").fill("14:30")
    form.locator("input[name=location]").fill(PLACE)
    form.locator("select[name=leader]").select_option(str(leader.pk))
    form.locator("select[name=chair]").select_option(str(chair.pk))
    form.locator("select[name=attendee_enterprises]").select_option([str(bosheng.pk), str(jinyangzi.pk)])
    form.locator("select[name=sv_enterprise_1]").select_option(str(bosheng.pk))
    form.locator("select[name=sv_project_1]").select_option(str(project.pk))
    form.locator("textarea[name=sv_notes_1]").fill(NOTES_1)
    form.locator('[data-testid="add-stop"]').click()
    form.locator("select[name=sv_enterprise_2]").wait_for()
    form.locator("select[name=sv_enterprise_2]").select_option(str(jinyangzi.pk))
    form.locator("textarea[name=sv_notes_2]").fill(NOTES_2)
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "journey-meeting-form")

    form.locator('[data-testid="meeting-submit"]').click()
    page.wait_for_selector('[data-testid="site-visits"]')
    meeting = Meeting.objects.get(chain__code="biomed", title=TITLE)
    assert page.url.endswith(f"/meetings/{meeting.pk}/") and meeting.held_on == day
    stops = page.locator('[data-testid="site-visit"]')
    assert stops.count() == 2
    assert BOSHENG in stops.nth(0).inner_text() and NOTES_1 in stops.nth(0).inner_text()
    assert project.name in stops.nth(0).inner_text()
    assert JINYANGZI in stops.nth(1).inner_text() and NOTES_2 in stops.nth(1).inner_text()
    assert "已新建会议" in page.locator(".cd-messages").inner_text()
    assert page.locator('[data-testid="decisions-empty"]').is_visible()
    return meeting


def _add_decision(page, content: str, *, enterprise: str | None, departments: list[str], lead: str | None) -> None:  # noqa: ANN001
    page.click('[data-testid="decision-add"] summary')
    form = page.locator('[data-testid="decision-form"]')
    form.locator("textarea[name=content]").fill(content)
    if enterprise:
        form.locator("select[name=enterprise]").select_option(label=enterprise)
    form.locator("select[name=departments]").select_option(label=departments)
    if lead:
        form.locator("select[name=lead]").select_option(label=lead)
    form.locator("input[name=working_days]").fill(str(WORKING_DAYS))
    form.locator('[data-testid="decision-submit"]').click()


def _decision_to_demand(page, meeting: Meeting) -> None:  # noqa: ANN001
    """Decision 1, about 江苏博生, becomes its demand through the prefilled 转为诉求 form."""
    _add_decision(page, ABOUT_ENTERPRISE, enterprise=BOSHENG, departments=["市住建局"], lead=None)
    page.wait_for_selector("#decision-1")
    assert "已添加议定事项 1。" in page.locator(".cd-messages").inner_text()
    page.locator('#decision-1 [data-testid="decision-to-demand"]').click()
    page.wait_for_selector('[data-testid="to-demand-form"]')
    assert page.input_value("input[name=title]") == ENTERPRISE_TITLE
    assert page.locator('[data-testid="decision-enterprise"]').inner_text().strip() == BOSHENG
    page.select_option("select[name=category]", label="审批手续")
    page.select_option("select[name=urgency]", label="紧急")
    page.click('[data-testid="to-demand-submit"]')
    page.wait_for_selector('[data-testid="demand-facts"]')
    decision = Decision.objects.get(meeting=meeting, seq=1)
    demand = Demand.objects.get(meeting_decision=decision)
    assert page.url.endswith(f"/demands/{demand.pk}/")
    assert demand.enterprise.name == BOSHENG and demand.channel == "meeting"
    assert "已转为诉求" in page.locator(".cd-messages").inner_text()


def _assign_decision(page, meeting: Meeting) -> Decision:  # noqa: ANN001
    """Decision 2, for two departments (市人社局 牵头), is assigned: one task per department."""
    page.goto(f"{page.base_url}/meetings/{meeting.pk}/")
    _add_decision(page, ASSIGNED, enterprise=None, departments=[LEAD, PARTNER], lead=LEAD)
    page.wait_for_selector("#decision-2")
    decision = Decision.objects.get(meeting=meeting, seq=2)
    deadline = add_workdays(meeting.held_on, WORKING_DAYS)
    assert decision.enterprise is None and decision.deadline == deadline
    row = page.locator("#decision-2")
    assert row.locator('[data-testid="decision-progress"]').inner_text().strip() == "未办"
    row.locator('[data-testid="decision-assign"]').click()
    page.wait_for_selector('[data-testid="assign-page"]')
    assert f"{LEAD}（牵头）、{PARTNER}" in page.locator('[data-testid="assign-departments"]').inner_text()
    assert deadline.isoformat() in page.locator('[data-testid="assign-deadline"]').inner_text()
    page.click('[data-testid="assign-submit"]')
    page.wait_for_selector('[data-testid="demand-facts"]')
    assert "已交办，已向 2 个责任部门各生成一项任务" in page.locator(".cd-messages").inner_text()
    tasks = page.locator('[data-testid="task-row"]')
    assert tasks.count() == 2
    assert LEAD in tasks.nth(0).inner_text() and PARTNER in tasks.nth(1).inner_text()
    stored = Task.objects.filter(demand__meeting_decision=decision)
    assert sorted(stored.values_list("lead_department__short_name", flat=True)) == sorted([LEAD, PARTNER])
    return decision


def _check_meeting_page(page, shot) -> None:  # noqa: ANN001
    """Back on the meeting: the demand of decision 1, decision 2 assigned with its two tasks and in progress."""
    page.click('[data-testid="back-to-decision"]')
    page.wait_for_selector("#decision-2")
    first, second = page.locator("#decision-1"), page.locator("#decision-2")
    assert "已转为诉求" in first.inner_text() and ENTERPRISE_TITLE in first.inner_text()
    assert second.locator('[data-testid="decision-progress"]').inner_text().strip() in ("办理中", "未办")
    assert "已交办 · 2 项任务" in second.inner_text()
    departments = second.locator('[data-testid="decision-departments"]').inner_text()
    assert LEAD in departments and "牵头" in departments and PARTNER in departments
    assert second.locator('[data-testid="decision-assign"]').count() == 0
    page.locator('[data-testid="decisions"]').scroll_into_view_if_needed()
    shot(page, "journey-meeting-decisions", full_page=False)


def _next_meeting_agenda(page, meeting: Meeting, decision: Decision, shot) -> None:  # noqa: ANN001
    """From the 工作台's 下次会议 card to the next 工作例会's agenda; 更新议程 raises the new decisions."""
    following = Meeting.objects.filter(chain=meeting.chain, held_on__gt=DEMO_TODAY).order_by("held_on", "pk").first()
    assert following is not None and following.title.endswith("月工作例会") and following.held_on > meeting.held_on
    page.goto(f"{page.base_url}/")
    link = page.locator('[data-testid="next-meeting-link"]')
    link.wait_for()
    assert link.inner_text().strip() == following.title
    link.click()
    page.wait_for_selector('[data-testid="meeting-agenda"]')
    page.click('[data-testid="meeting-agenda"]')
    page.wait_for_selector('[data-testid="agenda-body"]')
    assert page.url.endswith(f"/meetings/{following.pk}/agenda/")
    draft = page.locator('[data-testid="agenda-draft"]')
    assert draft.inner_text().strip() == "更新议程"  # the demo drafted it already
    with page.expect_navigation():
        draft.click()
    assert "已更新议程" in page.locator(".cd-messages").inner_text()
    section = page.locator('[data-testid="agenda-section-decision"]')
    item = section.locator('[data-testid="agenda-item"]').filter(has_text=ASSIGNED_KEY)
    assert item.count() == 1
    assert item.locator(".badge").first.inner_text().strip() in ("办理中", "未办")
    assert AgendaItem.objects.filter(meeting=following, decision=decision, dropped=False).exists()
    assert section.locator('[data-testid="agenda-item"]').filter(has_text=ENTERPRISE_TITLE).count() == 1
    item.scroll_into_view_if_needed()
    shot(page, "journey-meeting-agenda", full_page=False)


def _docx_text(path: Path) -> str:
    document = docx.Document(io.BytesIO(path.read_bytes()))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _generate_briefing(page, meeting: Meeting, shot, tmp_path: Path) -> None:  # noqa: ANN001
    """生成简报 from the meeting page: create, 保存并生成, the version done, the preview loaded, the DOCX downloaded."""
    page.goto(f"{page.base_url}/meetings/{meeting.pk}/")
    page.click('[data-testid="meeting-briefing"]')
    page.wait_for_selector('[data-testid="briefing-new"]')
    assert page.locator("select[name=meeting]").input_value() == str(meeting.pk)
    page.click('[data-testid="briefing-new-submit"]')
    page.wait_for_selector('[data-testid="briefing-form"]')
    briefing = Briefing.objects.get(meeting=meeting)
    assert page.url.endswith(f"/reports/{briefing.pk}/")
    page.click('[data-testid="briefing-generate"]')
    done = page.locator('[data-testid="version-row"][data-status="done"]')
    done.wait_for(timeout=GENERATION_TIMEOUT)
    assert "已保存，正在生成第 1 版" in page.locator(".cd-messages").inner_text()
    image = page.locator('[data-testid="preview-image"]')
    image.wait_for()  # LibreOffice and pdftoppm come with the suite's set-up: the preview is required
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    shot(page, "journey-meeting-briefing")

    with page.expect_download() as download_info:
        done.locator('[data-testid="version-docx"]').click()
    download = download_info.value
    assert download.suggested_filename.endswith("（第1版）.docx")
    path = tmp_path / "journey-briefing.docx"
    download.save_as(path)
    text = _docx_text(path)
    for name in (BOSHENG, JINYANGZI, LEAD, PARTNER, briefing.title):
        assert name in text, name


def test_team_member_records_a_meeting_tracks_its_decisions_and_generates_its_briefing(page, login, shot, tmp_path):  # noqa: ANN001
    assert Department.objects.filter(short_name__in=[LEAD, PARTNER]).count() == 2
    login(page, "wangzh")
    meeting = _record_meeting(page, DEMO_TODAY - dt.timedelta(days=1), shot)
    _decision_to_demand(page, meeting)
    decision = _assign_decision(page, meeting)
    _check_meeting_page(page, shot)
    _next_meeting_agenda(page, meeting, decision, shot)
    _generate_briefing(page, meeting, shot, tmp_path)
