"""The workbooks of the import pages: the error list an office fixes and uploads again (the same header, every data
row, the messages in 错误说明, the offending cells filled), and each kind's blank template, whose header maps every
field automatically (issue 13, items 2–3)."""

import io
from typing import Any

import openpyxl
import pytest
from django.test import Client

from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.enterprises.models import Enterprise
from chaindesk.testkit.personas import Personas, make_uscc
from chaindesk.transfer import kinds, services, xlsx
from chaindesk.transfer.choices import BatchStatus
from chaindesk.transfer.mapping import match_columns, split_key
from chaindesk.transfer.reading import read_table
from chaindesk.transfer.tests import ledgers
from chaindesk.transfer.tests.ledgers import Sheet
from chaindesk.transfer.tests.test_views import HEADER, Capture, client_of, rows, uploaded

pytestmark = pytest.mark.django_db

RED, YELLOW = "FFC7CE", "FFEB9C"


def _fill(cell: Any) -> str:
    colour = cell.fill.fgColor.rgb if cell.fill is not None and cell.fill.fill_type == "solid" else ""
    return str(colour)[-6:] if colour else ""


def _workbook(client: Client, batch_pk: int) -> openpyxl.Workbook:
    response = client.get(f"/imports/{batch_pk}/errors.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_the_error_workbook_is_fixed_and_uploaded_again(
    personas: Personas, django_capture_on_commit_callbacks: Capture
) -> None:
    p = personas
    header = [*HEADER, "挂钩服务专员"]
    data = [[*row, None] for row in rows(p, 4)]
    good_uscc = data[1][2]
    data[1][2] = "91320000MA1A2B3C4X"  # a bad check digit: column C
    data[2][5] = "2025年13月1日"  # no such month: column F
    data[3][7] = "查无此人"  # an unknown liaison: a warning on column H
    original = ledgers.xlsx(Sheet([["2025年企业名录"], header, *data, ["合计", None, None, None, None, None, 1000]]))
    client = client_of(p.chief)
    batch = uploaded(client, django_capture_on_commit_callbacks, original)
    batch.refresh_from_db()
    assert batch.counts["error"] == 2 and batch.counts["warnings"] == 1

    ws = _workbook(client, batch.pk).worksheets[0]
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, object_id=str(batch.pk)).exists()
    table = read_table(original, filename="企业名录.xlsx")
    sheet = [list(row) for row in ws.iter_rows(values_only=True)]
    assert sheet[0] == [column.name for column in table.columns] + ["错误说明"] == [*header, "错误说明"]
    assert ws.freeze_panes == "A2"
    assert len(sheet) == 5  # the header and every data row; the total row is not data
    assert [row[1] for row in sheet[1:]] == [row[1] for row in data]
    assert sheet[1][8] is None  # a row without messages is written too
    assert str(sheet[2][8]).startswith("C列 统一社会信用代码：") and _fill(ws["C3"]) == RED
    assert str(sheet[3][8]).startswith("F列 成立日期：") and "2025年13月1日" in str(sheet[3][8])
    assert _fill(ws["F4"]) == RED and _fill(ws["C4"]) == ""
    assert str(sheet[4][8]).startswith("提示：H列 挂钩服务专员：") and _fill(ws["H5"]) == YELLOW

    ws["C3"], ws["F4"], ws["H5"] = good_uscc, "2019-05-01", None
    fixed = io.BytesIO()
    ws.parent.save(fixed)
    again = uploaded(client, django_capture_on_commit_callbacks, fixed.getvalue(), "企业名录_错误清单.xlsx")
    again.refresh_from_db()
    assert again.mapping == batch.mapping  # the same header maps the same way; 错误说明 names no field
    assert again.counts["error"] == 0 and again.counts["new"] == 4, again.counts
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{again.pk}/commit/")
    again.refresh_from_db()
    assert again.status == BatchStatus.COMMITTED, again.error
    assert Enterprise.objects.filter(name__startswith="页面导入").count() == 4


def test_the_error_workbook_writes_text_never_a_formula(
    personas: Personas, django_capture_on_commit_callbacks: Capture
) -> None:
    p = personas
    name = "公式测试科技有限公司"
    header = ["企业名称", "统一社会信用代码", "所在地区", "地址"]
    data = [[name, make_uscc(name, p.ours.region.code), "没有这个区", '=HYPERLINK("http://example.com","点我")']]
    batch = uploaded(client_of(p.chief), django_capture_on_commit_callbacks, ledgers.csv_bytes(Sheet([header, *data])))
    batch.refresh_from_db()
    assert batch.counts["error"] == 1
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.error_workbook(batch))).worksheets[0]
    assert ws["D2"].data_type == "s" and ws["D2"].value == data[0][3]
    assert ws["C2"].value == "没有这个区" and _fill(ws["C2"]) == RED


def test_the_blank_template_is_the_fields_labels_with_help_and_instructions() -> None:
    kind = kinds.get("enterprises")
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.blank_template(kind)))
    assert wb.sheetnames == [str(kind.label), "填写说明"]
    ws = wb.worksheets[0]
    header = [cell.value for cell in ws[1]]
    assert header == [f"{f.label}*" if f.required else str(f.label) for f in kind.fields]
    assert header[:2] == ["企业名称*", "统一社会信用代码*"]
    assert ws.freeze_panes == "A2" and ws.max_row == 1
    for position, field in enumerate(kind.fields, start=1):
        cell = ws.cell(row=1, column=position)
        assert ws.column_dimensions[cell.column_letter].width == field.width
        if field.help:
            assert cell.comment is not None and str(field.help) in cell.comment.text
    notes = wb["填写说明"]
    listed = {row[0]: row for row in notes.iter_rows(min_row=2, values_only=True) if row[0]}
    uscc = next(f for f in kind.fields if f.name == "uscc")
    assert listed[str(uscc.label)][1] == "是" and "18位" in listed[str(uscc.label)][2]
    assert "信用代码" in listed[str(uscc.label)][3]
    assert all(str(field.label) in listed for field in kind.fields)


@pytest.mark.parametrize("code", [kind.code for kind in kinds.all_kinds()])
def test_every_kinds_blank_template_maps_every_field(code: str) -> None:
    kind = kinds.get(code)
    data = xlsx.blank_template(kind)
    table = read_table(data, filename="模板.xlsx", expected_headers=kind.expected_headers, sheet_names=kind.sheet_names)
    mapping = match_columns(table.columns, kind.fields)
    assert [split_key(mapping[str(c.index)])[0] for c in table.columns] == [f.name for f in kind.fields]


def test_the_blank_template_filled_in_imports(personas: Personas, django_capture_on_commit_callbacks: Capture) -> None:
    p = personas
    kind = kinds.get("enterprises")
    client = client_of(p.chief)
    response = client.get("/imports/template/enterprises.xlsx")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    name = "模板导入科技有限公司"
    values: dict[str, Any] = {"name": name, "uscc": make_uscc(name, p.ours.region.code), "region": p.ours.region.name}
    values |= {"chains": p.ours.chain.name, "year": 2025, "revenue": "1.2亿"}
    wb.worksheets[0].append([values.get(field.name) for field in kind.fields])
    filled = io.BytesIO()
    wb.save(filled)
    batch = uploaded(client, django_capture_on_commit_callbacks, filled.getvalue(), "企业名录模板.xlsx")
    batch.refresh_from_db()
    assert batch.counts["new"] == 1 and batch.counts["error"] == 0, services.load_report(batch)
    assert len(batch.mapping) == len(kind.fields)


def test_the_error_workbook_keeps_the_sheets_unit_note(
    personas: Personas, django_capture_on_commit_callbacks: Capture
) -> None:
    """A ledger in 亿元 (「单位：亿元」 above the header): the error list keeps the note above its header, so a bare
    amount fixed and uploaded again still means 亿元."""
    p = personas
    header = [*HEADER[:6], "2024年营业收入"]
    data = [[*row[:6], 2] for row in rows(p, 2)]
    data[1][5] = "2025年13月1日"
    original = ledgers.xlsx(Sheet([["单位：亿元"], header, *data]))
    client = client_of(p.chief)
    batch = uploaded(client, django_capture_on_commit_callbacks, original)
    batch.refresh_from_db()
    assert batch.counts["error"] == 1
    ws = _workbook(client, batch.pk).worksheets[0]
    assert ws["A1"].value == "单位：亿元" and ws["A2"].value == header[0] and ws.freeze_panes == "A3"
    ws["F4"] = "2019-05-01"
    fixed = io.BytesIO()
    ws.parent.save(fixed)
    again = uploaded(client, django_capture_on_commit_callbacks, fixed.getvalue(), "改正.xlsx")
    again.refresh_from_db()
    assert again.counts["error"] == 0 and again.mapping == batch.mapping
    report = services.load_report(again)
    assert report is not None and report["unit"] == "亿元" and report["header_rows"] == [2]
