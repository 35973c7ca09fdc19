"""Pages per persona (anonymous, wrong role, in scope, out of scope by URL guessing) and query counts.

Enterprise users see their own enterprise's visit dates, kinds and participants, but not the internal
notes, issues or next steps; the timeline (internal notes and audit lines) answers them 403."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison import services
from chaindesk.liaison.models import LiaisonAssignment, NextStep, Visit

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too


def _log(persona, enterprise, today, n=1, notes="了解膜材项目进展"):  # noqa: ANN001, ANN202
    liming, wangzh = persona("liming"), persona("wangzh")
    for i in range(n):
        services.visit_create(
            actor=liming,
            enterprise=enterprise,
            visited_on=today - dt.timedelta(days=i),
            notes=notes,
            participants=[liming, wangzh],
            issues=[f"问题{i}", f"问题{i}b"],
            next_steps=[(f"跟进{i}", liming, today + dt.timedelta(days=i)), (f"协调{i}", wangzh, today)],
        )


def _queries(client, url: str, **kw) -> int:  # noqa: ANN001
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **kw)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


def test_anonymous_goes_to_login(client, boshen):
    for url in ["/service/", "/service/next-steps/", f"/service/enterprises/{boshen.pk}/visits/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("username", "visits", "new", "timeline", "assign"),
    [
        ("liming", 200, 200, 200, 403),  # its liaison
        ("wangzh", 200, 200, 200, 200),  # team member of its chain
        ("jiangdd", 200, 200, 200, 200),  # chain chief
        ("zhoutao", 200, 403, 200, 200),  # 兴化市 district admin: reads, assigns, does not log visits
        ("liuyang", 200, 403, 403, 403),  # its enterprise user
        ("lz_321282", 404, 404, 404, 404),  # 靖江 liaison: out of scope
        ("da_321282", 404, 404, 404, 404),  # 靖江 district admin
        ("lead_equip", 404, 404, 404, 404),  # chief of another chain
        ("chenjing", 403, 403, 403, 403),  # department handler: wrong role
        ("sysadmin", 403, 403, 403, 403),
    ],
)
def test_enterprise_pages_per_persona(client_as, boshen, username, visits, new, timeline, assign):
    client = client_as(username)
    base = f"/service/enterprises/{boshen.pk}"
    assert client.get(f"{base}/visits/").status_code == visits
    assert client.get(f"{base}/visits/new/").status_code == new
    assert client.get(f"{base}/timeline/").status_code == timeline
    assert client.get(f"{base}/assign/").status_code == assign


def test_missing_enterprise_is_404(client_as):
    assert client_as("liming").get("/service/enterprises/999999/visits/").status_code == 404


def test_enterprise_user_sees_dates_not_notes(client_as, persona, boshen, today):
    _log(persona, boshen, today, notes="内部研判：资金链偏紧")
    own = client_as("liuyang").get(f"/service/enterprises/{boshen.pk}/visits/").content.decode()
    assert today.isoformat() in own and "走访" in own
    assert "内部研判" not in own and "问题0" not in own and "跟进0" not in own
    liaison = client_as("liming").get(f"/service/enterprises/{boshen.pk}/visits/").content.decode()
    assert "内部研判" in liaison and "问题0" in liaison and "跟进0" in liaison and "王志华" in liaison


def test_htmx_gets_the_fragment(client_as, boshen):
    client = client_as("liming")
    for tab in ("visits", "timeline"):
        page = client.get(f"/service/enterprises/{boshen.pk}/{tab}/", headers={"HX-Request": "true"}).content.decode()
        assert "<html" not in page
        full = client.get(f"/service/enterprises/{boshen.pk}/{tab}/").content.decode()
        assert "<html" in full


def _visit_post(today, **extra):  # noqa: ANN001, ANN202
    data = {"visited_on": today.isoformat(), "kind": "visit", "notes": "走访了解扩产计划"}
    data.update(extra)
    return data


def test_log_a_visit_through_the_form(client_as, persona, boshen, today):
    client = client_as("liming")
    url = f"/service/enterprises/{boshen.pk}/visits/new/"
    assert today.isoformat() in client.get(url).content.decode()  # the date defaults to today
    data = _visit_post(
        today,
        participants=[persona("wangzh").pk],
        issue_1="希望协调用电增容",
        issue_2="",
        step_text_1="对接供电公司",
        step_owner_1=persona("liming").pk,
        step_due_1=f"{today.year}年12月31日",
    )
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == f"/service/enterprises/{boshen.pk}/visits/"
    visit = Visit.objects.get(enterprise=boshen)
    assert list(visit.issues.values_list("text", flat=True)) == ["希望协调用电增容"]
    assert visit.next_steps.get().due_on == dt.date(today.year, 12, 31)
    boshen.refresh_from_db()
    assert boshen.last_visit_on == today


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
def test_visit_form_refuses_bad_input_and_keeps_it(client_as, boshen, today, extra, message):
    data = _visit_post(today, other_participants="企业总经理张某", **extra)
    response = client_as("liming").post(f"/service/enterprises/{boshen.pk}/visits/new/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page and "企业总经理张某" in page
    assert not Visit.objects.filter(enterprise=boshen).exists()


def test_assign_page_hands_over_and_shows_history(client_as, persona, boshen, today):
    other = persona("lz_321283")
    client = client_as("wangzh")
    url = f"/service/enterprises/{boshen.pk}/assign/"
    data = {"liaison": persona("liming").pk, "started_on": "2026-01-01", "note": ""}
    assert client.post(url, data).status_code == 302
    data = {"liaison": other.pk, "leader": persona("jiangdd").pk, "started_on": "2026-03-01", "note": "岗位调整"}
    assert client.post(url, data).status_code == 302
    boshen.refresh_from_db()
    assert boshen.liaison == other
    page = client.get(url).content.decode()
    assert "2026-01-01 — 2026-03-01" in page and "岗位调整" in page
    refused = client.post(url, {"liaison": persona("liming").pk, "started_on": "2026-02-01"})
    assert refused.status_code == 400 and "不能早于" in refused.content.decode()
    assert LiaisonAssignment.objects.filter(enterprise=boshen).count() == 2
    not_liaison = client.post(url, {"liaison": persona("zhoutao").pk, "started_on": "2026-04-01"})
    assert not_liaison.status_code == 400


def test_my_enterprises_flags_stale_and_filters(client_as, persona, boshen, today):
    liming = persona("liming")
    Enterprise.objects.filter(liaison=liming).update(last_visit_on=today - dt.timedelta(days=10))
    Enterprise.objects.filter(pk=boshen.pk).update(last_visit_on=today - dt.timedelta(days=91))
    client = client_as("liming")
    page = client.get("/service/").content.decode()
    assert boshen.name in page and "超过90天未走访" in page
    stale_only = client.get("/service/?stale=1").content.decode()
    assert boshen.name in stale_only
    others = Enterprise.objects.filter(liaison=liming).exclude(pk=boshen.pk)
    assert all(e.name not in stale_only for e in others)
    assert client.get("/service/?sort=-visit").status_code == 200
    assert client.get("/service/?sort=bogus").status_code == 200
    # another liaison's list never shows liming's enterprises
    assert boshen.name not in client_as("lz_321282").get("/service/").content.decode()
    assert client_as("wangzh").get("/service/").status_code == 403


def test_next_steps_page_and_done(client_as, persona, boshen, today):
    _log(persona, boshen, today, n=1)
    client = client_as("liming")
    page = client.get("/service/next-steps/").content.decode()
    assert "跟进0" in page and "协调0" not in page  # only the steps liming owns
    step = NextStep.objects.get(text="跟进0")
    assert client.get(f"/service/next-steps/{step.pk}/done/").status_code == 405
    assert client_as("lz_321282").post(f"/service/next-steps/{step.pk}/done/").status_code == 404
    response = client.post(f"/service/next-steps/{step.pk}/done/", {"next": "/service/next-steps/"})
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.done_on == today
    client.get("/service/next-steps/")  # the success message is shown once
    assert "跟进0" not in client.get("/service/next-steps/").content.decode()


def test_workbench_shows_last_visit_stale_flag_and_due_steps(client_as, persona, boshen, today):
    _log(persona, boshen, today - dt.timedelta(days=100), n=1)
    page = client_as("liming").get("/").content.decode()
    assert "最近走访" in page and "超过90天未走访" in page
    assert "跟进0" in page and "逾期" in page
    assert "待上线" not in page.split('data-testid="due-steps"')[1].split("</div>")[0]


def test_list_query_counts_do_not_grow_with_rows(client_as, persona, boshen, today):
    client = client_as("liming")
    client.get("/")  # the first request of a session records its last-seen time
    urls = [
        "/service/",
        "/service/?stale=1&sort=-open",
        "/service/next-steps/",
        f"/service/enterprises/{boshen.pk}/visits/",
        "/",
    ]
    htmx = {"headers": {"HX-Request": "true"}}
    _log(persona, boshen, today, n=1)
    small = [_queries(client, url) for url in urls]
    small_tab = _queries(client, f"/service/enterprises/{boshen.pk}/visits/", **htmx)
    for enterprise in Enterprise.objects.filter(liaison=persona("liming"))[:6]:
        _log(persona, enterprise, today, n=3)
    large = [_queries(client, url) for url in urls]
    assert large == small
    assert _queries(client, f"/service/enterprises/{boshen.pk}/visits/", **htmx) == small_tab
    assert max(large) <= 6, dict(zip(urls, large, strict=True))


def test_timeline_query_count_is_bounded(client_as, persona, boshen, today):
    client = client_as("wangzh")
    client.get("/")
    _log(persona, boshen, today, n=1)
    small = _queries(client, f"/service/enterprises/{boshen.pk}/timeline/")
    _log(persona, boshen, today, n=5)
    # session, user, enterprise, visits, issues, next steps, assignments, audit lines (+ names in changes)
    assert _queries(client, f"/service/enterprises/{boshen.pk}/timeline/") == small <= 8


def test_participants_and_owners_are_the_people_serving_the_enterprise(client_as, persona, boshen, today):
    client = client_as("liming")
    url = f"/service/enterprises/{boshen.pk}/visits/new/"
    page = client.get(url).content.decode()
    assert "王志华" in page  # team member of 生物医药
    outsider = persona("lz_321282")
    assert outsider.display_name not in page
    response = client.post(url, _visit_post(today, participants=[outsider.pk]))
    assert response.status_code == 400 and not Visit.objects.filter(enterprise=boshen).exists()


def test_my_enterprises_is_for_liaisons_and_leaders(client_as):
    assert client_as("liuyang").get("/service/").status_code == 403
    assert client_as("jiangdd").get("/service/").status_code == 200  # the enterprises he is linked to
    assert client_as("liuyang").get("/service/next-steps/").status_code == 403
