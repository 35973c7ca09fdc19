"""One story per enterprise (issue 11, item 8): the enterprise timeline tells its demands' milestones, its
projects' stages and the meeting decisions about it, from the apps that own them (registered with
chaindesk.liaison.extensions); an issue or a decision already turned into a demand links to it instead of
offering 转为诉求 again; a department reads as its short name with the full name on hover.

On the personas' world: our enterprise has a demand (submitted, accepted, split into a task for 测试甲局), a
project (created 在谈, signed 30 days ago), a meeting three days ago with a decision about it, and a visit with
one issue; theirs (测试乙链) has the same, out of our reach."""

import datetime as dt

import pytest
from django.template import Context, Template

from chaindesk.demands import services as demand_services
from chaindesk.demands.choices import Channel
from chaindesk.liaison import selectors
from chaindesk.liaison.extensions import timeline_sources
from chaindesk.meetings import services as meeting_services
from chaindesk.testkit.html import login

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: the world is dated from today


def test_each_later_app_registers_its_source():
    names = {source.__module__ for source in timeline_sources()}
    assert names == {"chaindesk.demands.story", "chaindesk.projects.story", "chaindesk.meetings.story"}


def test_timeline_tells_demands_projects_and_decisions_in_date_order(personas):
    ours, theirs, today = personas.ours, personas.theirs, personas.today
    rows = selectors.enterprise_timeline(personas.member, ours.enterprise)
    assert [r.on for r in rows] == sorted((r.on for r in rows), reverse=True)
    demand_rows = [r for r in rows if r.kind == "demand"]
    assert [r.what.split("”：", 1)[1].split("（")[0] for r in reversed(demand_rows)] == ["提交诉求", "受理", "交办任务"]
    assert all(ours.demand.title in r.what and r.url == f"/demands/{ours.demand.pk}/" for r in demand_rows)
    assert "测试甲局" in demand_rows[0].what  # 交办任务 names the department
    project_rows = [r for r in rows if r.kind == "project"]
    signed = next(r for r in project_rows if "签约" in r.what)
    assert signed.on == today - dt.timedelta(days=30) and signed.url == f"/projects/{ours.project.pk}/"
    (decision,) = [r for r in rows if r.kind == "decision"]
    assert decision.on == ours.meeting.held_on and "测试议定事项：协调企业用地" in decision.what
    assert decision.url == f"/meetings/{ours.meeting.pk}/" and decision.details == ()
    # Newest first: today's demand lines, then the decision (3 days ago), then the signing (30 days ago).
    kinds = [r.kind for r in rows]
    assert kinds.index("demand") < kinds.index("decision") < rows.index(signed)
    # Nothing of theirs: not their demand, project or meeting.
    theirs_urls = {
        f"/demands/{theirs.demand.pk}/",
        f"/projects/{theirs.project.pk}/",
        f"/meetings/{theirs.meeting.pk}/",
    }
    assert not theirs_urls & {r.url for r in rows}
    assert not any(theirs.demand.title in r.what or theirs.project.name in r.what for r in rows)


def test_timeline_page_links_each_line(personas):
    ours = personas.ours
    html = login(personas.chief).get(f"/service/enterprises/{ours.enterprise.pk}/timeline/").content.decode()
    for url in (f"/demands/{ours.demand.pk}/", f"/projects/{ours.project.pk}/", f"/meetings/{ours.meeting.pk}/"):
        assert f'href="{url}" data-testid="timeline-link"' in html
    assert f"/demands/{personas.theirs.demand.pk}/" not in html


def test_converted_visit_issue_links_to_its_demand(personas):
    ours, liaison = personas.ours, personas.liaison
    issue = ours.visit.issues.get()
    client = login(liaison)
    url = f"/service/enterprises/{ours.enterprise.pk}/visits/"
    assert f'href="/demands/new/?visit_issue={issue.pk}" data-testid="issue-to-demand"' in client.get(url).text
    demand = demand_services.demand_submit(
        actor=liaison,
        enterprise=ours.enterprise,
        title="走访反映：用地指标",
        description="走访时企业反映用地指标紧张。",
        category=personas.category,
        channel=Channel.LIAISON,
        visit_issue=issue,
    )
    html = client.get(url).text
    assert (
        f'<a href="/demands/{demand.pk}/" data-testid="issue-demand-link">#{demand.pk} 走访反映：用地指标</a>' in html
    )
    assert "已提交" in html and 'data-testid="issue-to-demand"' not in html


def test_converted_decision_links_to_its_demand_on_meeting_and_timeline(personas):
    ours, member = personas.ours, personas.member
    client = login(member)
    assert 'data-testid="decision-to-demand"' in client.get(f"/meetings/{ours.meeting.pk}/").text
    demand = meeting_services.decision_to_demand(
        actor=member,
        decision=ours.decision,
        title="会议交办：协调用地",
        description="会议议定。",
        category=personas.category,
    )
    html = client.get(f"/meetings/{ours.meeting.pk}/").text
    assert f'href="/demands/{demand.pk}/" data-testid="decision-demand-link"' in html
    assert 'data-testid="decision-to-demand"' not in html
    rows = selectors.enterprise_timeline(member, ours.enterprise)
    (decision,) = [r for r in rows if r.kind == "decision"]
    assert decision.details == ("已转为诉求：会议交办：协调用地",)
    assert any(r.kind == "demand" and r.url == f"/demands/{demand.pk}/" for r in rows)


def test_department_tag_reads_short_name_with_full_name_on_hover(personas):
    dept = personas.ours.department
    rendered = Template("{% load cd %}{{ d|dept }}|{{ none|dept }}").render(Context({"d": dept, "none": None}))
    assert rendered == '<span class="cd-dept" title="测试市测试甲局">测试甲局</span>|'
    # On a page: the task's page names its lead department once, the same way.
    html = login(personas.chief).get(f"/demands/tasks/{personas.ours.task.pk}/").text
    assert '<span class="cd-dept" title="测试市测试甲局">测试甲局</span>' in html
    assert ">测试市测试甲局<" not in html
