"""The 报表 pages: who sees which briefing (404 for missing and forbidden alike), the list's query count whatever the
number of rows, the team's edit and 保存并生成, the versions fragment the page polls, audited downloads, the templates
page, and the 报表 menu entry."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chaindesk.accounts.models import User
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.core.navigation import items_for
from chaindesk.reports import preview
from chaindesk.reports.choices import VersionStatus
from chaindesk.reports.models import Briefing, BriefingTemplate
from chaindesk.testkit.personas import Personas

from . import world
from .test_templates import GOOD, docx_bytes, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_storage")]


@pytest.fixture(autouse=True)
def _no_soffice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preview, "available", lambda: False)


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _generated(p: Personas, capture: Any) -> Briefing:
    briefing = world.meeting_briefing(p)
    with capture(execute=True):
        world.services.briefing_generate(actor=p.member, briefing=briefing)
    return briefing


@pytest.mark.parametrize(
    ("key", "status"),
    [
        ("chief", 200),
        ("member", 200),
        ("liaison", 200),  # attended the meeting: the briefing is sent to them
        ("handler", 200),  # their department attended
        ("district", 404),
        ("ent_user", 403),
        ("x_chief", 404),
        ("x_liaison", 404),
        ("x_handler", 404),
        ("sysadmin", 403),
        ("anon", 302),
    ],
)
def test_who_sees_a_meeting_briefing(personas: Personas, key: str, status: int) -> None:
    briefing = world.meeting_briefing(personas)
    client = _client(personas.user(key))
    assert client.get(f"/reports/{briefing.pk}/").status_code == status
    listed = client.get("/reports/")
    if listed.status_code == 200:
        assert (briefing.title in listed.text) == (status == 200)


@pytest.mark.parametrize("how", ["in person", "by department"])
def test_a_department_handler_who_attended_reads_the_briefing(personas: Personas, how: str) -> None:
    p = personas
    meeting = world.site_meeting(p)
    meeting.attendee_departments.clear()
    briefing = world.meeting_briefing(p, meeting)
    assert _client(p.handler).get(f"/reports/{briefing.pk}/").status_code == 404
    if how == "in person":
        meeting.attendees.add(p.handler)
    else:
        meeting.attendee_departments.add(p.ours.department)  # the handler's
    page = _client(p.handler).get(f"/reports/{briefing.pk}/")
    assert page.status_code == 200
    assert 'data-testid="briefing-form"' not in page.text and 'data-testid="briefing-sections"' in page.text
    assert _client(p.x_handler).get(f"/reports/{briefing.pk}/").status_code == 404


def test_a_period_briefing_is_the_team_s_only(personas: Personas) -> None:
    p = personas
    briefing = world.period_briefing(p, p.today - dt.timedelta(days=30), p.today)
    assert _client(p.member).get(f"/reports/{briefing.pk}/").status_code == 200
    assert _client(p.liaison).get(f"/reports/{briefing.pk}/").status_code == 404
    denied = AuditLog.objects.filter(action=AuditAction.PERMISSION_DENIED, object_id=str(briefing.pk))
    assert denied.filter(actor=p.liaison).exists()


def _list_queries(client: Client, url: str = "/reports/") -> tuple[int, str]:
    client.get(url)  # the first request of a client writes the session's last-seen time
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.text


def test_the_list_costs_the_same_few_queries_whatever_the_number_of_briefings(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    p = personas
    client = _client(p.member)
    _generated(p, django_capture_on_commit_callbacks)
    few, _text = _list_queries(client)
    for days in (10, 20, 30):
        world.period_briefing(p, p.today - dt.timedelta(days=days), p.today)
    many, text = _list_queries(client)
    assert few == many == 5  # session, user, count, rows (with the latest version), the chains of the filter
    assert text.count('data-testid="briefing-row"') == 4
    assert "第 1 版" in text and "已完成" in text and "未生成" in text


def test_the_list_filters_by_chain_kind_and_date(personas: Personas) -> None:
    p = personas
    world.meeting_briefing(p)
    world.period_briefing(p, p.today - dt.timedelta(days=30), p.today)
    client = _client(p.member)
    assert client.get("/reports/?kind=period").text.count('data-testid="briefing-row"') == 1
    assert client.get(f"/reports/?chain={p.ours.chain.pk}").text.count('data-testid="briefing-row"') == 2
    assert client.get(f"/reports/?chain={p.theirs.chain.pk}").text.count('data-testid="briefing-row"') == 0
    future = (p.today + dt.timedelta(days=1)).isoformat()
    assert "没有符合条件的简报" in client.get(f"/reports/?from={future}").text


def test_a_new_briefing_from_the_meeting_page_link(personas: Personas) -> None:
    p = personas
    meeting = world.site_meeting(p)
    client = _client(p.member)
    form = client.get(f"/reports/new/?meeting={meeting.pk}")
    assert form.status_code == 200 and f'<option value="{meeting.pk}" selected>' in form.text
    response = client.post("/reports/new/", {"kind": "meeting", "meeting": meeting.pk})
    briefing = Briefing.objects.get(meeting=meeting)
    assert response.status_code == 302 and response["Location"] == f"/reports/{briefing.pk}/"
    assert _client(p.x_chief).get(f"/reports/new/?meeting={meeting.pk}").text.count(f'value="{meeting.pk}"') == 0
    refused = _client(p.x_chief).post("/reports/new/", {"kind": "meeting", "meeting": meeting.pk})
    assert refused.status_code == 400 and not Briefing.objects.filter(created_by=p.x_chief).exists()
    assert _client(p.liaison).get("/reports/new/").status_code == 403


def test_a_new_period_briefing_needs_its_chain_and_dates(personas: Personas) -> None:
    p = personas
    client = _client(p.member)
    missing = client.post("/reports/new/", {"kind": "period", "chain": p.ours.chain.pk})
    assert missing.status_code == 400 and "请填写统计期的起止日期" in missing.text
    start, end = (p.today - dt.timedelta(days=30)).isoformat(), p.today.isoformat()
    created = client.post(
        "/reports/new/", {"kind": "period", "chain": p.ours.chain.pk, "period_start": start, "period_end": end}
    )
    assert created.status_code == 302 and Briefing.objects.filter(kind="period", chain=p.ours.chain).exists()


def _edit(briefing: Briefing, **changes: Any) -> dict[str, Any]:
    data = {
        "title": briefing.title,
        "number": briefing.number,
        "issuer": briefing.issuer,
        "dated_on": briefing.dated_on.isoformat(),
        "distribution": "",
        "overview": briefing.sections["overview"],
        "speech": "",
        "next_steps": "",
        "template": "",
        "action": "save",
    }
    return {**data, **changes}


def test_the_team_saves_then_generates_and_the_page_follows_the_version(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    p = personas
    briefing = world.meeting_briefing(p)
    client = _client(p.member)
    page = client.get(f"/reports/{briefing.pk}/").text
    assert f'type="date" name="dated_on" value="{p.today.isoformat()}"' in page  # what a browser's date field reads
    saved = client.post(f"/reports/{briefing.pk}/", _edit(briefing, next_steps="抓紧推进。"))
    assert saved.status_code == 302
    briefing.refresh_from_db()
    assert briefing.sections["next_steps"] == "抓紧推进。"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = client.post(f"/reports/{briefing.pk}/", _edit(briefing, action="generate"))
    assert queued.status_code == 302 and queued["Location"].endswith("#versions")
    fragment = client.get(f"/reports/{briefing.pk}/versions/", headers={"HX-Request": "true"}).text
    assert 'hx-trigger="every 2s"' in fragment and 'data-testid="version-progress"' in fragment
    for callback in callbacks:
        callback()  # the commit: the task runs (immediate backend)
    fragment = client.get(f"/reports/{briefing.pk}/versions/", headers={"HX-Request": "true"}).text
    assert "hx-trigger" not in fragment and 'data-testid="version-docx"' in fragment
    assert "预览不可用" in fragment and "LibreOffice" in fragment
    assert briefing.versions.get().status == VersionStatus.DONE


def test_a_reader_may_not_edit_and_a_bad_edit_changes_nothing(personas: Personas) -> None:
    p = personas
    briefing = world.meeting_briefing(p)
    assert _client(p.liaison).post(f"/reports/{briefing.pk}/", _edit(briefing, title="改")).status_code == 403
    bad = _client(p.member).post(f"/reports/{briefing.pk}/", _edit(briefing, title="", number="0"))
    assert bad.status_code == 400
    briefing.refresh_from_db()
    assert briefing.title == "测试甲链服务团队工作例会" and briefing.number == 1


def test_downloads_are_audited_and_only_for_readers(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    p = personas
    version = _generated(p, django_capture_on_commit_callbacks).versions.get()
    response = _client(p.liaison).get(f"/reports/versions/{version.pk}/docx/")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content)[:2] == b"PK"
    xlsx = _client(p.member).get(f"/reports/versions/{version.pk}/xlsx/")
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx["Content-Type"]
    exports = AuditLog.objects.for_object(version).filter(action=AuditAction.EXPORT)
    assert {(line.actor, line.message) for line in exports} == {
        (p.liaison, "下载简报第 1 版（DOCX）"),
        (p.member, "下载简报第 1 版（XLSX）"),
    }
    assert _client(p.x_chief).get(f"/reports/versions/{version.pk}/docx/").status_code == 404
    assert _client(p.member).get(f"/reports/versions/{version.pk}/preview/").status_code == 404  # none was made
    assert _client(p.member).get(f"/reports/versions/{version.pk}/exe/").status_code == 404


def test_the_templates_page_refuses_a_bad_file_with_its_message(personas: Personas) -> None:
    p = personas
    client = _client(p.member)
    page = client.get("/reports/templates/")
    assert page.status_code == 200 and "{{ 正文 }}" in page.text
    bad = {"chain": p.ours.chain.pk, "name": "红头", "file": upload("红头.docx", docx_bytes("没有占位符"))}
    refused = client.post("/reports/templates/", bad)
    assert refused.status_code == 400 and "模板缺少占位符" in refused.text
    assert not BriefingTemplate.objects.exists()
    good = {"chain": p.ours.chain.pk, "name": "测试红头", "file": upload("红头.docx", docx_bytes(*GOOD))}
    assert client.post("/reports/templates/", good).status_code == 302
    template = BriefingTemplate.objects.get()
    assert "测试红头" in _client(p.chief).get("/reports/templates/").text
    assert _client(p.x_chief).get(f"/reports/templates/{template.pk}/deactivate/").status_code == 404
    assert client.get(f"/reports/templates/{template.pk}/deactivate/").status_code == 200
    assert client.post(f"/reports/templates/{template.pk}/deactivate/").status_code == 302
    template.refresh_from_db()
    assert not template.active


def test_the_report_menu_entry_leads_to_the_briefings() -> None:
    entry = next(item for item in items_for("team_member", "reports") if item["key"] == "reports")
    assert entry["url"] == "/reports/" and entry["active"]
