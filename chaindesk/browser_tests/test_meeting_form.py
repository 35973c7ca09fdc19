"""Issue 12 item 1 in a real browser: a team member (王志华, on the 生物医药 team) records a 现场观摩 from the
meeting list's 新建会议: chain, times, place, chair and attendees, two stops (江苏博生 with its project, then
江苏金扬子, the second row added with 「添加一条」) each with notes, and one 交流发言; then finds them on the
meeting page, in order. Screenshots: meeting-form, meeting-detail-site-visits."""

import datetime as dt

import pytest

from chaindesk.accounts.models import Department, Region, User
from chaindesk.enterprises.models import Enterprise
from chaindesk.meetings.models import Meeting
from chaindesk.projects.models import Project

pytestmark = pytest.mark.browser

BOSHENG = "江苏博生医用新材料股份有限公司"
JINYANGZI = "江苏金扬子包装科技有限公司"
PLACE = "兴化市人民政府三楼会议室"
NOTES_1 = "观摩医用膜材生产线，洁净车间已投入使用，二期厂房主体完工。"
NOTES_2 = "观摩金美特项目建设现场，企业反映双回路供电尚未接入。"


def test_team_member_records_a_site_visit_with_two_stops_and_a_speech(page, login, shot):
    bosheng = Enterprise.objects.get(name=BOSHENG)
    jinyangzi = Enterprise.objects.get(name=JINYANGZI)
    project = Project.objects.filter(enterprise=bosheng, chain__code="biomed").order_by("pk").first()
    xinghua = Region.objects.get(name="兴化市")
    gxj = Department.objects.get(code="gxj")
    day = dt.date(2026, 11, 20)
    login(page, "wangzh")

    page.goto(f"{page.base_url}/meetings/")
    page.click('[data-testid="meeting-create"]')
    page.wait_for_selector('[data-testid="meeting-form"]')
    form = page.locator('[data-testid="meeting-form"]')
    assert form.locator("input[name=held_on]").input_value() != ""  # today by default
    form.locator("select[name=chain]").select_option(label="生物医药")
    form.locator("select[name=kind]").select_option(label="现场观摩")
    form.locator("input[name=held_on]").fill(day.isoformat())
    form.locator("input[name=starts_at]").fill("09:00")
    form.locator("input[name=ends_at]").fill("11:30")
    form.locator("select[name=region]").select_option(str(xinghua.pk))
    form.locator("input[name=location]").fill(PLACE)
    leader, chair = User.objects.get(username="jiangdd"), User.objects.get(username="zhangkun")
    form.locator("select[name=leader]").select_option(str(leader.pk))
    form.locator("select[name=chair]").select_option(str(chair.pk))
    form.locator("select[name=attendees]").select_option([str(leader.pk), str(chair.pk)])
    form.locator("select[name=attendee_departments]").select_option([str(gxj.pk)])
    form.locator("select[name=attendee_enterprises]").select_option([str(bosheng.pk), str(jinyangzi.pk)])
    form.locator("textarea[name=guests]").fill("省药监局 检查分局负责同志")

    # the first stop, then a second one added on the page (rows.js): its selects become pickers too
    form.locator("select[name=sv_enterprise_1]").select_option(str(bosheng.pk))
    if project is not None:
        form.locator("select[name=sv_project_1]").select_option(str(project.pk))
    form.locator("textarea[name=sv_notes_1]").fill(NOTES_1)
    form.locator('[data-testid="add-stop"]').click()
    form.locator("select[name=sv_enterprise_2]").wait_for()
    assert form.locator('[data-testid="stop-rows"] [data-testid="stop-row"]').count() == 2
    form.locator("select[name=sv_enterprise_2]").select_option(str(jinyangzi.pk))
    form.locator("textarea[name=sv_notes_2]").fill(NOTES_2)

    form.locator("select[name=sp_who_1]").select_option(f"e:{bosheng.pk}")
    form.locator("input[name=sp_speaker_1]").fill("企业负责人")
    form.locator("input[name=sp_topic_1]").fill("项目建设进展和困难")
    form.locator("textarea[name=sp_content_1]").fill("恳请协调新增建设用地指标。")
    form.locator("textarea[name=summary]").fill("会议要求各部门对企业反映的问题逐项销号。")
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "meeting-form")

    form.locator('[data-testid="meeting-submit"]').click()
    page.wait_for_selector('[data-testid="site-visits"]')
    meeting = Meeting.objects.get(chain__code="biomed", held_on=day, location=PLACE)
    assert page.url.endswith(f"/meetings/{meeting.pk}/")
    assert meeting.title == "生物医药产业链服务团队现场观摩" and meeting.created_by.username == "wangzh"
    stops = page.locator('[data-testid="site-visit"]')
    assert stops.count() == 2
    assert BOSHENG in stops.nth(0).inner_text() and NOTES_1 in stops.nth(0).inner_text()
    assert JINYANGZI in stops.nth(1).inner_text() and NOTES_2 in stops.nth(1).inner_text()
    speech = page.locator('[data-testid="speech"]')
    assert speech.count() == 1 and "恳请协调新增建设用地指标。" in speech.inner_text()
    assert "2026-11-20 09:00–11:30" in page.locator('[data-testid="meeting-time"]').inner_text()
    attendees = page.locator('[data-testid="attendees"]').inner_text()
    assert "姜冬冬" in attendees and "省药监局 检查分局负责同志" in attendees and BOSHENG in attendees
    assert "已新建会议" in page.locator(".cd-messages").inner_text()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "meeting-detail-site-visits")

    # on paper: the stops and the speech, no button or form (print.css)
    page.emulate_media(media="print")
    clickable = page.eval_on_selector_all(
        ".btn, input, select, textarea", "els => els.filter(e => e.getClientRects().length > 0).length"
    )
    assert clickable == 0 and page.locator('[data-testid="site-visits"]').is_visible()
    page.emulate_media(media="screen")

    # 编辑 opens the same form with the rows in order
    page.click('[data-testid="meeting-edit"]')
    page.wait_for_selector('[data-testid="meeting-form"]')
    assert page.locator("textarea[name=sv_notes_2]").input_value() == NOTES_2
