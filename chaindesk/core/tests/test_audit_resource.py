"""The audit log is declared once (resources_audit.AUDIT): its page, its filter bar, its XLSX export and the
note under the filter bar all read that one declaration.

On the fixed personas (chaindesk/testkit/personas.py): the line read is a change to `p_liaison`'s account (测试专员)
made by `p_sysadmin`; `p_auditor` reads the log."""

import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from chaindesk.accounts.models import User
from chaindesk.core import audit, context
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.core.params import spec_for
from chaindesk.core.resources_audit import AUDIT, AuditSpec, IpFilter, audit_filters
from chaindesk.testkit.html import headers as _headers

pytestmark = pytest.mark.django_db

URL = "/system/audit/"
EXPORT_URL = "/system/audit/export/"


@pytest.fixture
def auditor(personas) -> Client:
    client = Client()
    client.force_login(personas.auditor)
    return client


@pytest.fixture
def update(personas) -> AuditLog:
    """A change of five fields to 测试专员's account by `p_sysadmin`, from a known address and request."""
    token = context.activate(context.RequestContext(request_id="req-0123456789abcdef", ip="10.7.7.7"))
    try:
        return audit.record(
            action=AuditAction.UPDATE,
            actor=personas.sysadmin,
            obj=personas.liaison,
            before={"title": "旧职务", "phone": "1", "email": "a@x.cn", "display_name": "专员", "is_active": True},
            after={"title": "新职务", "phone": "2", "email": "b@x.cn", "display_name": "专员乙", "is_active": False},
        )
    finally:
        context.deactivate(token)


def test_page_shows_the_declared_columns_and_filters(auditor, update):
    html = auditor.get(f"{URL}?actor=p_sysadmin").content.decode()
    headers = _headers(html, "audit-table")
    assert headers == [re.sub(r"<[^>]+>", "", str(c.page_label)) for c in AUDIT.page_columns()]
    assert headers == ["时间", "操作人", "动作", "对象", "变更内容", "客户端地址", "请求编号", "操作"]
    form = html.split('data-testid="audit-filters"', 1)[1].split("</form>", 1)[0]
    for f in AUDIT.filters:
        assert f'name="{f.name}"' in form and str(f.label) in form
    assert '<input id="f-from" class="form-control" type="date" name="date_from"' in form
    assert 'data-testid="audit-export"' in html and "/system/audit/export/?actor=p_sysadmin" in html
    assert 'class="table table-vcenter card-table table-sm cd-history cd-stack"' in html  # before/after in colour
    assert "审计记录只增不改" in html


def test_a_row_shows_its_cells(auditor, update):
    html = auditor.get(f"{URL}?ip=10.7.7.7").content.decode()
    row = html.split('data-testid="audit-table"', 1)[1].split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert f"{timezone.localtime(update.created_at):%Y-%m-%d %H:%M:%S}" in row
    assert '<span class="badge status-blue">修改</span>' in row
    assert '<span class="text-secondary small">用户</span> 测试专员' in row
    assert '<span class="diff-before">旧职务</span> → <span class="diff-after">新职务</span>' in row
    assert f'<a class="small" href="/system/audit/{update.pk}/">另 2 项…</a>' in row  # 3 of 5 changes shown
    assert '<span title="req-0123456789abcdef">req-01234...</span>' in row
    assert f'<a href="/system/audit/{update.pk}/">详情</a>' in row


def test_export_has_the_declared_headers_and_a_row(auditor, update, personas):
    response = auditor.get(f"{EXPORT_URL}?ip=10.7.7.7")
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active.values)
    header_index = next(i for i, row in enumerate(rows) if row[0] == "序号")
    assert list(rows[header_index]) == [str(c.label) for c in AUDIT.export_columns()]
    assert list(rows[header_index]) == [
        "序号", "时间", "操作人账号", "动作", "对象类型", "对象编号", "对象",
        "变更内容（修改前 → 修改后）", "说明", "客户端地址", "请求编号",
    ]  # fmt: skip
    [row] = rows[header_index + 1 :]
    changes = row[7].split("\n")  # in the order the database keeps the JSON keys (jsonb sorts them)
    assert row[:7] + row[8:] == (
        1,
        timezone.localtime(update.created_at).replace(tzinfo=None, second=0, microsecond=0),
        "p_sysadmin",
        "修改",
        "用户",
        str(personas.liaison.pk),
        "测试专员",
        None,
        "10.7.7.7",
        "req-0123456789abcdef",
    )
    assert sorted(changes) == sorted(
        [
            "职务：旧职务 → 新职务",
            "手机号：1 → 2",
            "电子邮件地址：a@x.cn → b@x.cn",
            "姓名：专员 → 专员乙",
            "有效：True → False",
        ]
    )


def test_the_declared_filters_read_the_url():
    values, ignored = audit_filters(
        {"q": " 李明\x00 ", "action": "update", "ct": "11", "actor": "SysAdmin", "ip": " ::FFFF:10.1.1.1 "}
    )
    assert values == {
        "q": "李明",
        "action": "update",
        "ct": 11,
        "actor": "SysAdmin",
        "ip": "::ffff:10.1.1.1",
        "date_from": None,
        "date_to": None,
    }
    assert ignored == []
    values, ignored = audit_filters({"action": "drop", "ct": "²", "ip": "10.1.1", "date_from": "2026-02-30"})
    assert values["action"] is values["ct"] is values["ip"] is values["date_from"] is None
    assert [name for name, _reason in ignored] == ["action", "ct", "ip", "date_from"]
    assert isinstance(next(f for f in AUDIT.filters if f.name == "ip"), IpFilter)
    assert isinstance(spec_for("core:audit_list"), AuditSpec)  # the note under the bar reads the same filters


def test_object_type_filter_lists_the_project_models(auditor, update):
    response = auditor.get(f"{URL}?ct={ContentType.objects.get_for_model(User).pk}&actor=p_sysadmin")
    html = response.content.decode()
    assert "用户（accounts）" in html and "审计记录（core）" in html
    assert update.pk in {e.pk for e in response.context["page_obj"].object_list}


def test_export_writes_the_time_as_an_excel_time_in_local_time(auditor, update):
    # A real time cell, as dates are real date cells: Asia/Shanghai wall time (Excel has no zone), to the minute.
    response = auditor.get(f"{EXPORT_URL}?ip=10.7.7.7")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header_row = next(row for row in sheet.iter_rows() if row[0].value == "序号")
    assert header_row[1].value == "时间"
    cell = sheet.cell(row=header_row[1].row + 1, column=2)
    shanghai = update.created_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert cell.is_date and cell.number_format == "yyyy-mm-dd hh:mm"  # a number Excel shows as a time, not text
    assert cell.value == shanghai.replace(tzinfo=None, second=0, microsecond=0)
