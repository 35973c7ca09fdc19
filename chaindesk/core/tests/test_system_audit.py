"""The audit log page (系统 → 审计日志): access, filters, query count, detail and the XLSX export.

On the fixed personas (chaindesk/testkit/personas.py); the lines the filters look for are the test's own."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from openpyxl import load_workbook

from chaindesk.accounts.models import User
from chaindesk.core import audit, clock, context
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.testkit.personas import Personas

pytestmark = pytest.mark.django_db

URL = "/system/audit/"
EXPORT_URL = "/system/audit/export/"
ADMIN = "p_sysadmin"  # the actor name on the test's own lines (the personas' system administrator)


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _line(
    action: str,
    *,
    actor_name: str = "",
    ip: str | None = None,
    when: dt.datetime | None = None,
    obj=None,
    before=None,
    after=None,
    message: str = "",
    request_id: str = "",
) -> AuditLog:
    if when is not None:
        # created_at is set on insert only: a back-dated line is inserted directly.
        return AuditLog.objects.create(
            created_at=when, actor_name=actor_name, ip=ip, action=action, message=message, request_id=request_id
        )
    token = context.activate(context.RequestContext(request_id=request_id, ip=ip))
    try:
        return audit.record(action=action, actor_name=actor_name, obj=obj, before=before, after=after, message=message)
    finally:
        context.deactivate(token)


@pytest.fixture
def lines(personas: Personas) -> list[AuditLog]:
    region = personas.ours.region
    liaison = personas.liaison
    made = [
        _line(
            AuditAction.LOGIN_FAILED,
            actor_name="ghost",
            ip="10.9.9.9",
            message="bad password",
            request_id="aaaa1111bbbb",
        ),
        _line(
            AuditAction.UPDATE,
            actor_name=ADMIN,
            ip="10.1.1.1",
            obj=liaison,
            before={"title": "旧职务"},
            after={"title": "新职务"},
        ),
        _line(AuditAction.CREATE, actor_name=ADMIN, ip="10.1.1.1", obj=region, after={"name": region.name}),
        _line(
            AuditAction.PERMISSION_DENIED,
            actor_name=liaison.username,
            ip="10.2.2.2",
            message="/system/audit/",
            when=dt.datetime(2026, 11, 24, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
        ),
    ]
    return made


def test_anonymous_is_sent_to_login(client, personas):
    for url in (URL, EXPORT_URL, f"/system/audit/{personas.audit_line().pk}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("key", ["liaison", "sysadmin", "chief"])
def test_other_roles_are_refused_and_the_refusal_is_audited(personas, key):
    user = personas.user(key)
    for url in (URL, EXPORT_URL):
        before = AuditLog.objects.filter(action=AuditAction.PERMISSION_DENIED, actor=user).count()
        response = _as(user).get(url)
        assert response.status_code == 403
        denials = AuditLog.objects.filter(action=AuditAction.PERMISSION_DENIED, actor=user)
        assert denials.count() == before + 1
        assert denials.first().message == url


def test_auditor_sees_the_log_with_coloured_tags(personas, lines):
    response = _as(personas.auditor).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="badge status-red">登录失败' in html
    assert 'class="badge status-blue">修改' in html
    assert 'class="badge status-green">新增' in html
    assert "旧职务" in html and "新职务" in html  # before → after summary, with the field's Chinese name
    assert "职务" in html
    assert "10.9.9.9" in html
    assert "共 " in html


def test_system_home_sends_each_admin_to_their_own_page(personas):
    assert _as(personas.auditor).get("/system/")["Location"] == URL
    assert _as(personas.sysadmin).get("/system/")["Location"] == "/system/users/"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # which of the fixture's lines match (by index): the world and the logins write none of these
        ("action=login_failed", {0}),
        ("actor=P_SYSADMIN", {1, 2}),
        ("ip=10.1.1.1", {1, 2}),
        ("q=bad+pass", {0}),
        ("q=aaaa1111", {0}),
        ("q=10.2.2", {3}),
        ("date_from=2026-11-24&date_to=2026-11-24", {3}),
        ("ip=+10.2.2.2+", {3}),
    ],
)
def test_filters_narrow_the_list(personas, lines, query, expected):
    response = _as(personas.auditor).get(f"{URL}?{query}")
    assert response.status_code == 200
    page = response.context["page_obj"]
    assert page.paginator.count == len(expected)
    assert {e.pk for e in page.object_list} == {lines[i].pk for i in expected}


def test_filter_by_object_type(personas, lines):
    ct = ContentType.objects.get_for_model(User)
    response = _as(personas.auditor).get(f"{URL}?ct={ct.pk}&actor={ADMIN}")
    assert [e.pk for e in response.context["page_obj"].object_list] == [lines[1].pk]


def _note(response) -> str:
    html = response.content.decode()
    assert 'data-testid="params-note"' in html
    return html.split('data-testid="params-note">', 1)[1].split("</div>", 1)[0]


def test_bad_filter_values_are_ignored_and_named_not_500(personas, lines):
    client = _as(personas.auditor)
    response = client.get(f"{URL}?ip=not-an-ip&date_from=2026-13-45&date_to=x&action=nope&ct=abc")
    assert response.status_code == 200
    # each ignored value is named by its filter's label (not its parameter), and no filter applies
    assert _note(response) == "以下筛选条件的取值无效，已忽略：动作、对象类型、客户端地址、开始日期、结束日期。"
    assert response.context["page_obj"].paginator.count == AuditLog.objects.count()


def test_dates_out_of_range_or_in_another_format_are_ignored(personas, lines):
    client = _as(personas.auditor)
    note = _note(client.get(f"{URL}?date_from=0001-01-01"))
    assert "开始日期" in note and "日期须在 1900 年至 2100 年之间" in note
    # the filter bar's date fields send ISO dates; another spelling is ignored and said so
    response = client.get(f"{URL}?date_from=2026年11月24日")
    assert "开始日期" in _note(response)
    assert response.context["page_obj"].paginator.count == AuditLog.objects.count()


def test_reversed_date_range_is_reported_and_its_end_ignored(personas, lines):
    client = _as(personas.auditor)
    response = client.get(f"{URL}?date_from=2026-11-25&date_to=2026-11-24")
    note = _note(response)
    assert "结束日期" in note and "结束日期不能早于开始日期" in note
    # the end is ignored: the fixture's back-dated line (11-24) stays out, its three lines of today are in
    ids = {e.pk for e in response.context["page_obj"].object_list}
    assert lines[3].pk not in ids
    assert {lines[0].pk, lines[1].pk, lines[2].pk} <= ids
    from_only = client.get(f"{URL}?date_from=2026-11-25").context["page_obj"].paginator.count
    assert response.context["page_obj"].paginator.count == from_only > 0


def test_valid_filters_leave_no_note(personas, lines):
    today = clock.today()  # the fixture's update line is written now: a range around today holds under any clock
    week = f"date_from={today - dt.timedelta(days=7):%Y-%m-%d}&date_to={today + dt.timedelta(days=7):%Y-%m-%d}"
    query = f"action=update&ip=10.1.1.1&{week}"
    response = _as(personas.auditor).get(f"{URL}?{query}")
    assert b'data-testid="params-note"' not in response.content
    assert [e.pk for e in response.context["page_obj"].object_list] == [lines[1].pk]


def test_sort_by_time_ascending_and_descending(personas, lines):
    client = _as(personas.auditor)
    newest = client.get(URL).context["page_obj"].object_list[0]
    oldest = client.get(f"{URL}?sort=time").context["page_obj"].object_list[0]
    assert newest.created_at >= oldest.created_at
    assert oldest.pk != newest.pk
    # the fixture's two lines by the system administrator were written one after the other
    ascending = client.get(f"{URL}?actor={ADMIN}&sort=time").context["page_obj"].object_list
    descending = client.get(f"{URL}?actor={ADMIN}").context["page_obj"].object_list
    assert [e.pk for e in ascending] == [lines[1].pk, lines[2].pk]
    assert [e.pk for e in descending] == [lines[2].pk, lines[1].pk]


def test_empty_result_says_why(personas):
    response = _as(personas.auditor).get(f"{URL}?actor=nobody-at-all")
    assert "没有符合条件的审计记录" in response.content.decode()


def test_list_query_count_does_not_grow_with_rows(personas, django_assert_max_num_queries):
    for i in range(120):
        _line(
            AuditAction.UPDATE,
            actor_name=ADMIN,
            obj=personas.liaison,
            before={"title": f"a{i}"},
            after={"title": f"b{i}"},
        )
    client = _as(personas.auditor)
    client.get("/")  # the first request of a session records its last-seen time
    # session + user + object types (for the filter) + count + rows
    with django_assert_max_num_queries(6):
        response = client.get(f"{URL}?action=update")
    assert response.status_code == 200
    assert len(response.context["rows"]) == 50
    with django_assert_max_num_queries(6):
        client.get(f"{URL}?page=2")


def test_detail_shows_full_before_and_after(personas, lines):
    client = _as(personas.auditor)
    response = client.get(f"/system/audit/{lines[1].pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "旧职务" in html and "新职务" in html
    assert '"title"' in html or "&quot;title&quot;" in html
    assert client.get("/system/audit/999999999/").status_code == 404


def _open(response):
    data = b"".join(response.streaming_content)
    return load_workbook(io.BytesIO(data), read_only=True)


def test_export_is_the_filtered_list_and_is_audited(personas, lines):
    response = _as(personas.auditor).get(f"{EXPORT_URL}?actor={ADMIN}&sort=time")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    ws = _open(response).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "审计日志"
    header_index = next(i for i, row in enumerate(rows) if row[0] == "序号")
    header = rows[header_index]
    assert header[:4] == ("序号", "时间", "操作人账号", "动作")
    data = rows[header_index + 1 :]
    assert len(data) == 2  # the fixture's two lines by the system administrator
    assert {row[2] for row in data} == {ADMIN}
    assert {row[3] for row in data} == {"修改", "新增"}
    assert any("旧职务 → 新职务" in (row[7] or "") for row in data)
    export = AuditLog.objects.filter(action=AuditAction.EXPORT, actor=personas.auditor).first()
    assert export is not None
    assert f"actor={ADMIN}" in export.message
    assert "2 条" in export.message


def test_export_holds_every_line_however_many_chunks_it_takes(personas, lines, monkeypatch):
    # No cap since issue 13 (it was 50,000 lines and a red warning): a chunk of one line proves the streaming.
    monkeypatch.setattr("chaindesk.core.export.EXPORT_CHUNK_SIZE", 1)
    response = _as(personas.auditor).get(f"{EXPORT_URL}?actor={ADMIN}")
    rows = list(_open(response).active.iter_rows(values_only=True))
    assert not any(row[0] and "上限" in row[0] for row in rows[:4])
    header_index = next(i for i, row in enumerate(rows) if row[0] == "序号")
    assert header_index == 3  # title, the two note lines, the header: no warning line
    assert [row[0] for row in rows[header_index + 1 :]] == [1, 2]
    assert {row[2] for row in rows[header_index + 1 :]} == {ADMIN}


def test_unfiltered_export_holds_exactly_the_stated_count(personas, lines):
    client = _as(personas.auditor)  # logging in writes a line: count after it
    expected = AuditLog.objects.count()
    rows = list(_open(client.get(EXPORT_URL)).active.iter_rows(values_only=True))
    header_index = next(i for i, row in enumerate(rows) if row[0] == "序号")
    assert len(rows) - header_index - 1 == expected
    assert f"共 {expected:,} 条" in rows[1][0]
    assert AuditLog.objects.count() == expected + 1  # the export's own record, written after the file
