"""Malformed ledgers through the batch services (issue 13, Tests): import_upload, then the check (run_check, the
background task's body, called directly so that an exception would surface here). Each case ends with a clear
Chinese reason (a failed batch, a refused upload or an error row) and nothing written: no enterprise, contact,
indicator or audit line of the batch's token."""

import io
import json
import random
import zipfile
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chaindesk.core import uploads
from chaindesk.core.models import AuditLog
from chaindesk.enterprises.models import Contact, Enterprise, Indicator
from chaindesk.testkit.personas import Personas, make_uscc
from chaindesk.transfer import services
from chaindesk.transfer.choices import BatchStatus
from chaindesk.transfer.models import ImportBatch
from chaindesk.transfer.reading import MAX_BLANK_RUN, Table
from chaindesk.transfer.tests import ledgers
from chaindesk.transfer.tests.ledgers import Sheet

NAME = "企业名录.xlsx"
HEADER = ["企业名称", "统一社会信用代码", "所在地区", "所属产业链", "成立日期", "联系人", "2024年营业收入（万元）"]
INTERNAL_ERROR = "检查时出错，请联系管理员。"  # run_check's message for an exception it did not expect


def _rows(p: Personas, count: int = 3) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for n in range(1, count + 1):
        name = f"畸形文件{n}号化工有限公司"
        uscc = make_uscc(name, p.ours.region.code)
        rows.append([name, uscc, p.ours.region.name, p.ours.chain.name, f"2021年{n}月2日", f"联系人{n}", 10 * n])
    return rows


def _xlsx(rows: list[list[Any]]) -> bytes:
    return ledgers.xlsx(Sheet([HEADER, *rows]))


def _counts() -> tuple[int, int, int]:
    return Enterprise.objects.count(), Contact.objects.count(), Indicator.objects.count()


def _checked(p: Personas, data: bytes, name: str = NAME) -> ImportBatch:
    batch = services.import_upload(actor=p.chief, kind="enterprises", name=name, data=data)
    services.run_check(batch.pk)
    batch.refresh_from_db()
    return batch


def _nothing_written(batch: ImportBatch | None, before: tuple[int, int, int]) -> None:
    assert _counts() == before
    assert not Enterprise.objects.filter(name__startswith="畸形文件").exists()
    if batch is not None:
        assert not AuditLog.objects.filter(request_id=batch.token).exists()


def _failed(p: Personas, data: bytes, name: str = NAME) -> str:
    """The reason of a batch whose file the check cannot read (nothing written)."""
    before = _counts()
    batch = _checked(p, data, name)
    assert batch.status == BatchStatus.FAILED
    assert batch.counts == {} and not batch.report
    assert batch.error != INTERNAL_ERROR and name in batch.error
    _nothing_written(batch, before)
    return batch.error


def _error_rows(p: Personas, data: bytes) -> dict[int, list[list[str]]]:
    """A checked batch with error rows, which import_commit refuses: row number → its error issues."""
    before = _counts()
    batch = _checked(p, data)
    assert batch.status == BatchStatus.CHECKED, batch.error
    report = services.load_report(batch)
    assert report is not None
    errors = {r["row"]: [i for i in r["issues"] if i[0] == "error"] for r in report["rows"] if r["outcome"] == "error"}
    assert batch.counts["error"] == len(errors) > 0
    with pytest.raises(ValidationError, match="行有错误"):
        services.import_commit(actor=p.chief, batch=batch)
    _nothing_written(batch, before)
    return errors


# --- files that are not a readable ledger -------------------------------------------------------------------------


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_a_truncated_xlsx_fails_as_damaged(personas: Personas, cut: float) -> None:
    data = _xlsx(_rows(personas))
    assert _failed(personas, data[: int(len(data) * cut)]) == f"文件“{NAME}”已损坏或不完整，无法读取。"


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64,
        random.Random(13).randbytes(4096),
    ],
    ids=["pdf", "png", "random"],
)
def test_a_file_that_is_not_a_spreadsheet_fails_with_what_to_upload(personas: Personas, data: bytes) -> None:
    assert _failed(personas, data) == (
        f"文件“{NAME}”不是可导入的表格：请上传 Excel 文件（.xlsx、.xls）或 CSV 文件（按文件内容识别）。"
    )


def _bomb(kind: str, base: bytes) -> bytes:
    """A workbook with a member that inflates 4 MiB of zeros (ratio > 100:1), or with members under the ratio
    floor whose declared sizes add up to more than 100 MiB."""
    buffer = io.BytesIO(base)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        if kind == "ratio":
            archive.writestr("xl/media/image1.png", b"\0" * (4 * 1024 * 1024))
        else:
            chunk = b"\0" * (1024 * 1024 - 1)
            for n in range(101):
                archive.writestr(f"xl/media/image{n}.png", chunk)
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["ratio", "total"])
def test_a_zip_bomb_is_refused_at_upload_before_anything_is_stored(personas: Personas, kind: str) -> None:
    data = _bomb(kind, _xlsx(_rows(personas)))
    assert len(data) < 1024 * 1024
    before, batches = _counts(), ImportBatch.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.import_upload(actor=personas.chief, kind="enterprises", name=NAME, data=data)
    assert caught.value.code == "zip_bomb"
    assert caught.value.messages == [f"文件“{NAME}”解压后过大或压缩比异常（疑似压缩炸弹），不允许上传。"]
    assert ImportBatch.objects.count() == batches
    _nothing_written(None, before)


def test_a_zip_bomb_that_got_past_the_upload_fails_its_check(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check judges the stored file again (reading.read_table → uploads.sniff) without inflating it."""
    data = _bomb("ratio", _xlsx(_rows(personas)))
    with monkeypatch.context() as patch:
        patch.setattr(uploads, "sniff", lambda data, name="": uploads.XLSX)
        batch = services.import_upload(actor=personas.chief, kind="enterprises", name=NAME, data=data)
    before = _counts()
    services.run_check(batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert batch.error == f"文件“{NAME}”解压后过大或压缩比异常（疑似压缩炸弹），不允许上传。"
    _nothing_written(batch, before)


def test_a_zip_whose_directory_claims_a_newer_version_is_damaged_not_a_crash(personas: Personas) -> None:
    data = bytearray(_xlsx(_rows(personas)))
    entry = data.find(b"PK\x01\x02")  # the first central directory entry: "version needed to extract" at +6
    data[entry + 6 : entry + 8] = (240).to_bytes(2, "little")
    before = _counts()
    try:
        batch = services.import_upload(actor=personas.chief, kind="enterprises", name=NAME, data=bytes(data))
    except ValidationError as refused:
        assert "损坏" in refused.messages[0]
        batch = None
    else:
        services.run_check(batch.pk)
        batch.refresh_from_db()
        assert batch.status == BatchStatus.FAILED and "已损坏或不完整" in batch.error
    _nothing_written(batch, before)


# --- cells that cannot be imported: the row is refused ------------------------------------------------------------


def test_a_formula_without_a_cached_value_refuses_its_row_never_its_text(personas: Personas) -> None:
    rows = _rows(personas)
    rows[1][6] = "=731*2"
    data = _xlsx(rows)
    errors = _error_rows(personas, data)
    assert errors == {
        3: [["error", "G", "2024年营业收入（万元）", "公式没有计算结果（请用 Excel 打开、保存后再导入）"]]
    }
    batch = ImportBatch.objects.latest("pk")
    assert "731" not in json.dumps(services.load_report(batch), ensure_ascii=False)


def test_a_100000_character_cell_refuses_its_row_without_copying_it(personas: Personas) -> None:
    data = ledgers.with_text(_xlsx(_rows(personas)), "A3", "长" * 100_000)
    errors = _error_rows(personas, data)
    assert errors == {3: [["error", "A", "企业名称", "超过最大长度（32767 个字符），此格有 100000 个字符"]]}
    report = services.load_report(ImportBatch.objects.latest("pk"))
    assert len(json.dumps(report, ensure_ascii=False)) < 5_000


def test_wrong_types_refuse_the_row_naming_the_column(personas: Personas) -> None:
    rows = _rows(personas, 4)
    rows[0][4] = "明年春天"  # text in a date column
    rows[1][6] = "很多"  # text in an amount column
    rows[2][6] = date(2024, 5, 6)  # a date in an amount column
    rows[3][4] = 3_000_000  # a number that is no date (an Excel serial of the year 10113)
    errors = _error_rows(personas, _xlsx(rows))
    assert sorted(errors) == [2, 3, 4, 5]
    assert [issue[1:3] for issue in errors[2]] == [["E", "成立日期"]] and "无法识别的日期“明年春天”" in errors[2][0][3]
    assert [issue[1:3] for issue in errors[3]] == [["G", "2024年营业收入（万元）"]]
    assert "无法识别的金额“很多”" in errors[3][0][3]
    assert [issue[1:3] for issue in errors[4]] == [["G", "2024年营业收入（万元）"]] and "金额" in errors[4][0][3]
    assert [issue[1:3] for issue in errors[5]] == [["E", "成立日期"]] and "无法识别的日期“3000000”" in errors[5][0][3]


# --- a sheet padded to a million rows ------------------------------------------------------------------------------


def test_a_sheet_padded_to_a_million_rows_is_checked_reading_a_bounded_number_of_rows(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    tables: list[Table] = []
    read_table = services.read_table

    def spy(*args: Any, **kwargs: Any) -> Table:
        tables.append(read_table(*args, **kwargs))
        return tables[-1]

    monkeypatch.setattr(services, "read_table", spy)
    # Formatted empty rows down to row 1,000,000, and a stray space there: calamine's rows run that far.
    data = ledgers.padded(_xlsx(_rows(personas)), to_row=1_000_000, styled_rows=2000)
    data = ledgers.far_value(data, "G1000000")
    before = _counts()
    batch = _checked(personas, data)
    assert batch.status == BatchStatus.CHECKED, batch.error
    assert batch.counts["new"] == 3 and batch.counts["error"] == 0 and batch.counts["skipped"] == 0
    (table,) = tables
    assert table.rows_read == 3 + MAX_BLANK_RUN  # not a million
    report = services.load_report(batch)
    assert report is not None and report["stopped_at"] == 5
    _nothing_written(batch, before)


# --- generated rows ------------------------------------------------------------------------------------------------

OFFICE_TEXT = st.text(alphabet="甲乙企业公司科技有限测试区链年月日号万亿元０１２3456789.,-/（）() 　", max_size=24)
JUNK_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn")), max_size=30)
PLAUSIBLE = st.sampled_from(
    [
        "测试甲区",
        "测试甲链",
        make_uscc("generated", "329901"),
        "91320000MA1A2B3C4X",
        "合计",
        "注：单位万元",
        "=SUM(G2:G3)",
        "#N/A",
        "\u200b",
        "\u202e企业",
        "𠀀𪚥公司",
        "5.2亿元",
        "2025年13月1日",
        "二〇二五年九月一日",
    ]
)
CELL = st.one_of(
    st.none(),
    st.integers(min_value=-(10**16), max_value=10**16),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)),
    OFFICE_TEXT,
    JUNK_TEXT,
    PLAUSIBLE,
)
ROWS = st.lists(st.lists(CELL, min_size=len(HEADER), max_size=len(HEADER)), min_size=1, max_size=6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, form=st.sampled_from(["xlsx", "csv"]))
def test_generated_rows_end_checked_or_failed_with_messages_and_write_nothing(
    personas: Personas, rows: list[list[Any]], form: str
) -> None:
    sheet = Sheet([HEADER, *rows])
    data = ledgers.xlsx(sheet) if form == "xlsx" else ledgers.csv_bytes(sheet, encoding="gb18030")
    before = _counts()
    batch = _checked(personas, data, name=f"生成的名录.{form}")
    assert batch.status in (BatchStatus.CHECKED, BatchStatus.FAILED)
    if batch.status == BatchStatus.FAILED:
        assert batch.error and batch.error != INTERNAL_ERROR
    else:
        report = services.load_report(batch)
        assert report is not None and len(report["rows"]) == batch.counts["rows"]
        for row in report["rows"]:
            assert all(isinstance(issue[3], str) and issue[3].strip() for issue in row["issues"])
            if row["outcome"] == "error":
                assert any(issue[0] == "error" for issue in row["issues"]), row
    _nothing_written(batch, before)
