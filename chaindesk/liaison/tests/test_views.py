"""Pages per persona (anonymous, wrong role, in scope, out of scope by URL guessing) and query counts.

Enterprise users see their own enterprise's visit dates, kinds and participants, but not the internal
notes, issues or next steps; the timeline (internal notes and audit lines) answers them 403.

On the personas' world: `ours.enterprise` (its enterprise user is ent_user) and `ent2` (never visited) are served
by `personas.liaison`; factories.unassigned_enterprise has no liaison and no assignment period yet."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison import services
from chaindesk.liaison.models import LiaisonAssignment, NextStep, Visit

from .factories import second_liaison, served_enterprises, unassigned_enterprise

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too


def _as(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _log(personas, enterprise, day, n=1, notes="了解膜材项目进展", actor=None):  # noqa: ANN001, ANN202
    liaison, member = personas.liaison, personas.member
    for i in range(n):
        services.visit_create(
            actor=actor or liaison,
            enterprise=enterprise,
            visited_on=day - dt.timedelta(days=i),
            notes=notes,
            participants=[liaison, member],
            issues=[f"问题{i}", f"问题{i}b"],
            next_steps=[(f"跟进{i}", liaison, day + dt.timedelta(days=i)), (f"协调{i}", member, day)],
        )


def _queries(client, url: str, **kw) -> int:  # noqa: ANN001
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **kw)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


def test_anonymous_goes_to_login(client, personas):
    for url in ["/service/", "/service/next-steps/", f"/service/enterprises/{personas.ours.enterprise.pk}/visits/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("key", "visits", "new", "timeline", "assign"),
    [
        ("liaison", 200, 200, 200, 403),  # its liaison
        ("member", 200, 200, 200, 200),  # team member of its chain
        ("chief", 200, 200, 200, 200),  # chain chief
        ("district", 200, 403, 200, 200),  # 测试甲区 district admin: reads, assigns, does not log visits
        ("ent_user", 200, 403, 403, 403),  # its enterprise user
        ("x_liaison", 404, 404, 404, 404),  # 测试乙区 liaison: out of scope
        ("x_district", 404, 404, 404, 404),  # 测试乙区 district admin
        ("x_chief", 404, 404, 404, 404),  # chief of another chain
        ("x_ent_user", 404, 403, 403, 403),  # another enterprise's user: the role is refused before the scope
        ("handler", 403, 403, 403, 403),  # department handler: wrong role
        ("sysadmin", 403, 403, 403, 403),
    ],
)
def test_enterprise_pages_per_persona(personas, key, visits, new, timeline, assign):
    client = _as(personas.user(key))
    base = f"/service/enterprises/{personas.ours.enterprise.pk}"
    assert client.get(f"{base}/visits/").status_code == visits
    assert client.get(f"{base}/visits/new/").status_code == new
    assert client.get(f"{base}/timeline/").status_code == timeline
    assert client.get(f"{base}/assign/").status_code == assign


def test_missing_enterprise_is_404(personas):
    assert _as(personas.liaison).get("/service/enterprises/999999/visits/").status_code == 404


def test_enterprise_user_sees_dates_not_notes(personas):
    enterprise, today = personas.ours.enterprise, personas.today
    _log(personas, enterprise, today, notes="内部研判：资金链偏紧")
    own = _as(personas.ent_user).get(f"/service/enterprises/{enterprise.pk}/visits/").content.decode()
    assert today.isoformat() in own and "走访" in own
    assert "内部研判" not in own and "问题0" not in own and "跟进0" not in own
    liaison = _as(personas.liaison).get(f"/service/enterprises/{enterprise.pk}/visits/").content.decode()
    assert "内部研判" in liaison and "问题0" in liaison and "跟进0" in liaison and "测试成员" in liaison


def test_htmx_gets_the_fragment(personas):
    client = _as(personas.liaison)
    pk = personas.ours.enterprise.pk
    for tab in ("visits", "timeline"):
        page = client.get(f"/service/enterprises/{pk}/{tab}/", headers={"HX-Request": "true"}).content.decode()
        assert "<html" not in page
        full = client.get(f"/service/enterprises/{pk}/{tab}/").content.decode()
        assert "<html" in full


def _visit_post(today, **extra):  # noqa: ANN001, ANN202
    data = {"visited_on": today.isoformat(), "kind": "visit", "notes": "走访了解扩产计划"}
    data.update(extra)
    return data


def test_log_a_visit_through_the_form(personas):
    ent2, today = personas.ent2, personas.today
    client = _as(personas.liaison)
    url = f"/service/enterprises/{ent2.pk}/visits/new/"
    assert today.isoformat() in client.get(url).content.decode()  # the date defaults to today
    data = _visit_post(
        today,
        participants=[personas.member.pk],
        issue_1="希望协调用电增容",
        issue_2="",
        step_text_1="对接供电公司",
        step_owner_1=personas.liaison.pk,
        step_due_1=f"{today.year}年12月31日",
    )
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == f"/service/enterprises/{ent2.pk}/visits/"
    visit = Visit.objects.get(enterprise=ent2)
    assert list(visit.issues.values_list("text", flat=True)) == ["希望协调用电增容"]
    assert list(visit.participants.all()) == [personas.member]
    step = visit.next_steps.get()
    assert (step.text, step.owner, step.due_on) == ("对接供电公司", personas.liaison, dt.date(today.year, 12, 31))
    ent2.refresh_from_db()
    assert ent2.last_visit_on == today


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"notes": ""}, "请填写走访情况"),
        ({"visited_on": "2099-01-01"}, "走访日期不能晚于今天"),
        ({"visited_on": "昨天"}, "日期"),
        ({"step_text_2": "报送材料", "step_owner_2": ""}, "请为第 2 项下一步工作选择负责人"),
        ({"step_text_1": "报送材料", "step_owner_1": "", "step_due_1": ""}, "完成时限"),
    ],
)
def test_visit_form_refuses_bad_input_and_keeps_it(personas, extra, message):
    ent2 = personas.ent2
    data = _visit_post(personas.today, other_participants="企业总经理张某", **extra)
    response = _as(personas.liaison).post(f"/service/enterprises/{ent2.pk}/visits/new/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page and "企业总经理张某" in page
    assert not Visit.objects.filter(enterprise=ent2).exists()


def test_assign_page_hands_over_and_shows_history(personas):
    fresh = unassigned_enterprise(personas)
    other = second_liaison(personas)
    client = _as(personas.member)
    url = f"/service/enterprises/{fresh.pk}/assign/"
    data = {"liaison": personas.liaison.pk, "started_on": "2026-01-01", "note": ""}
    assert client.post(url, data).status_code == 302
    data = {"liaison": other.pk, "leader": personas.chief.pk, "started_on": "2026-03-01", "note": "岗位调整"}
    assert client.post(url, data).status_code == 302
    fresh.refresh_from_db()
    assert fresh.liaison == other and fresh.leader == personas.chief
    page = client.get(url).content.decode()
    assert "2026-01-01 — 2026-03-01" in page and "岗位调整" in page
    refused = client.post(url, {"liaison": personas.liaison.pk, "started_on": "2026-02-01"})
    assert refused.status_code == 400 and "不能早于" in refused.content.decode()
    assert LiaisonAssignment.objects.filter(enterprise=fresh).count() == 2
    not_liaison = client.post(url, {"liaison": personas.district.pk, "started_on": "2026-04-01"})
    assert not_liaison.status_code == 400
    assert LiaisonAssignment.objects.filter(enterprise=fresh).count() == 2
    fresh.refresh_from_db()
    assert fresh.liaison == other


def test_my_enterprises_flags_stale_and_filters(personas):
    ours, ent2, today = personas.ours.enterprise, personas.ent2, personas.today
    Enterprise.objects.filter(pk=ours.pk).update(last_visit_on=today - dt.timedelta(days=10))
    Enterprise.objects.filter(pk=ent2.pk).update(last_visit_on=today - dt.timedelta(days=91))
    client = _as(personas.liaison)
    page = client.get("/service/").content.decode()
    assert ent2.name in page and ours.name in page and "超过90天未走访" in page
    stale_only = client.get("/service/?stale=1").content.decode()
    assert ent2.name in stale_only
    assert ours.name not in stale_only  # visited ten days ago
    assert client.get("/service/?sort=-visit").status_code == 200
    assert client.get("/service/?sort=bogus").status_code == 200
    # another liaison's list never shows this liaison's enterprises
    theirs = _as(personas.x_liaison).get("/service/").content.decode()
    assert personas.theirs.enterprise.name in theirs
    assert ent2.name not in theirs and ours.name not in theirs
    assert _as(personas.member).get("/service/").status_code == 403


def test_next_steps_page_and_done(personas):
    ent2, today = personas.ent2, personas.today
    _log(personas, ent2, today, n=1)
    client = _as(personas.liaison)
    page = client.get("/service/next-steps/").content.decode()
    assert "跟进0" in page and "协调0" not in page  # only the steps the liaison owns
    step = NextStep.objects.get(text="跟进0", visit__enterprise=ent2)
    assert client.get(f"/service/next-steps/{step.pk}/done/").status_code == 405
    assert _as(personas.x_liaison).post(f"/service/next-steps/{step.pk}/done/").status_code == 404
    response = client.post(f"/service/next-steps/{step.pk}/done/", {"next": "/service/next-steps/"})
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.done_on == today
    client.get("/service/next-steps/")  # the success message is shown once
    assert "跟进0" not in client.get("/service/next-steps/").content.decode()


def test_workbench_shows_last_visit_stale_flag_and_due_steps(personas):
    _log(personas, personas.ent2, personas.today - dt.timedelta(days=100), n=1)
    page = _as(personas.liaison).get("/").content.decode()
    assert "最近走访" in page and "超过90天未走访" in page
    assert "跟进0" in page and "逾期" in page
    assert "待上线" not in page.split('data-testid="due-steps"')[1].split("</div>")[0]


def test_list_query_counts_do_not_grow_with_rows(personas):
    ent2, today = personas.ent2, personas.today
    more = served_enterprises(personas, 5)  # the liaison serves seven enterprises
    client = _as(personas.liaison)
    client.get("/")  # the first request of a session records its last-seen time
    urls = [
        "/service/",
        "/service/?stale=1&sort=-open",
        "/service/next-steps/",
        f"/service/enterprises/{ent2.pk}/visits/",
        "/",
    ]
    htmx = {"headers": {"HX-Request": "true"}}
    _log(personas, ent2, today, n=1)
    small = [_queries(client, url) for url in urls]
    small_tab = _queries(client, f"/service/enterprises/{ent2.pk}/visits/", **htmx)
    for enterprise in [personas.ours.enterprise, ent2, *more[:4]]:  # the last one stays stale
        _log(personas, enterprise, today, n=3)
    assert Visit.objects.filter(enterprise__liaison=personas.liaison).count() == 1 + 1 + 6 * 3
    large = [_queries(client, url) for url in urls]
    assert large == small
    assert _queries(client, f"/service/enterprises/{ent2.pk}/visits/", **htmx) == small_tab
    assert max(large) <= 6, dict(zip(urls, large, strict=True))


def test_timeline_query_count_is_bounded(personas):
    # An enterprise without assignment periods: its audit lines change no related field (no names to look up).
    fresh, today, member = unassigned_enterprise(personas), personas.today, personas.member
    client = _as(member)
    client.get("/")
    _log(personas, fresh, today, n=1, actor=member)
    small = _queries(client, f"/service/enterprises/{fresh.pk}/timeline/")
    _log(personas, fresh, today, n=5, actor=member)
    # session, user, enterprise, visits, issues, next steps, assignments, audit lines (+ names in changes), and
    # one per registered source (demands, project stages, meeting decisions: chaindesk/liaison/extensions.py)
    assert _queries(client, f"/service/enterprises/{fresh.pk}/timeline/") == small <= 11
    # A served enterprise's lines name its liaison: one more query, however many visits it has.
    ent2 = personas.ent2
    _log(personas, ent2, today, n=1)
    served = _queries(client, f"/service/enterprises/{ent2.pk}/timeline/")
    _log(personas, ent2, today, n=5)
    assert _queries(client, f"/service/enterprises/{ent2.pk}/timeline/") == served <= 12


def test_participants_and_owners_are_the_people_serving_the_enterprise(personas):
    ent2 = personas.ent2
    client = _as(personas.liaison)
    url = f"/service/enterprises/{ent2.pk}/visits/new/"
    page = client.get(url).content.decode()
    assert personas.member.display_name in page  # team member of 测试甲链
    outsider = personas.x_liaison
    assert outsider.display_name not in page
    response = client.post(url, _visit_post(personas.today, participants=[outsider.pk]))
    assert response.status_code == 400 and not Visit.objects.filter(enterprise=ent2).exists()


def test_my_enterprises_is_for_liaisons_and_leaders(personas):
    assert _as(personas.ent_user).get("/service/").status_code == 403
    chief = _as(personas.chief).get("/service/")  # the enterprises the chief is linked to as leader
    assert chief.status_code == 200 and personas.ours.enterprise.name in chief.content.decode()
    assert _as(personas.ent_user).get("/service/next-steps/").status_code == 403
