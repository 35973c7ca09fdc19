"""Reading ledger files (chaindesk/transfer/reading.py): every layout of issue 13 item 1 built in memory
(tests/ledgers.py), every format by content, malformed files refused with a clear code, never a crash."""

import io
import math
import struct
import zipfile
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from chaindesk.transfer import reading
from chaindesk.transfer.reading import MAX_BLANK_RUN, ErrorCell, Table, header_key, read_table
from chaindesk.transfer.tests import ledgers
from chaindesk.transfer.tests.ledgers import Sheet

PROJECT_NAMES = [
    "序号",
    "项目名称",
    "建设单位",
    "统一社会信用代码",
    "投资情况/计划总投资",
    "投资情况/本年计划",
    "项目阶段",
    "备注",
]


def refused(data: bytes, filename: str = "台账.xlsx", **kwargs: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        read_table(data, filename=filename, **kwargs)
    error = caught.value
    assert error.code in reading.ERROR_CODES
    assert filename in error.messages[0]  # the message names the file
    return str(error.code)


def rows_of(table: Table) -> list[tuple[int, tuple[Any, ...]]]:
    return [(row.number, row.cells) for row in table.rows()]


# --- the messy project ledger in every format ----------------------------------------------------------------


def assert_project_ledger(table: Table, *, numbers_as_text: bool = False) -> None:
    assert table.header_rows == (3, 4)
    assert [column.name for column in table.columns] == PROJECT_NAMES
    assert table.columns[4].parts == ("投资情况", "计划总投资") and table.columns[4].leaf == "计划总投资"
    assert table.columns[4].keys == ("投资情况/计划总投资", "计划总投资")
    assert [column.letter for column in table.columns] == list("ABCDEFGH")
    assert table.unit == "万元"
    assert table.title == "2025年生物医药产业链重点项目台账"
    rows = rows_of(table)
    assert [number for number, _cells in rows] == list(ledgers.PROJECT_DATA_ROWS)
    first = rows[0][1]
    expected: tuple[Any, ...] = (
        1,
        "年产5000吨原料药项目",
        "泰州康瑞药业有限公司",
        "91321281MA1X4Y5Z6A",
        52000,
        "5,200万",
        "在建",
        None,
    )
    if numbers_as_text:
        expected = tuple(str(value) if isinstance(value, int) else value for value in expected)
    assert first == expected
    assert rows[1][1][4:6] == ("5.2亿元", "8000.5" if numbers_as_text else 8000.5)
    assert table.skipped == {"section": 1, "total": 2, "note": 2, "blank": 1}
    assert [(s.number, s.reason) for s in table.skipped_rows] == [
        (5, "section"),
        (8, "total"),
        (11, "total"),
        (12, "note"),
        (13, "note"),
    ]
    assert table.skipped_rows[1].text == "小计"
    assert table.stopped_at is None


def test_xlsx_title_unit_note_and_a_header_over_two_rows_of_merged_cells() -> None:
    table = read_table(ledgers.xlsx(ledgers.project_ledger()), filename="台账.xlsx")
    assert (table.format, table.sheet) == ("xlsx", "重点项目")
    assert_project_ledger(table)


def test_expected_headers_choose_the_same_header() -> None:
    data = ledgers.xlsx(ledgers.project_ledger())
    assert_project_ledger(read_table(data, filename="台账.xlsx", expected_headers=ledgers.PROJECT_HEADERS))


def test_xls_built_by_hand_reads_the_same() -> None:
    data = ledgers.xls(ledgers.replaced(ledgers.project_ledger(), ledgers.PROJECT_VALUES))
    table = read_table(data, filename="台账.xls")
    assert table.format == "xls"
    assert_project_ledger(table)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_csv_in_every_encoding_and_separator_with_the_header_inferred_without_merges(
    encoding: str, delimiter: str
) -> None:
    sheet = ledgers.replaced(ledgers.project_ledger(), ledgers.PROJECT_VALUES)
    table = read_table(ledgers.csv_bytes(sheet, encoding=encoding, delimiter=delimiter), filename="台账.csv")
    assert (table.format, table.delimiter) == ("csv", delimiter)
    assert table.encoding == {"gbk": "gb18030", "utf-8-sig": "utf-8-sig", "utf-16": "utf-16"}.get(encoding, encoding)
    assert_project_ledger(table, numbers_as_text=True)


def test_the_format_is_told_by_content_not_by_name() -> None:
    sheet = ledgers.enterprise_ledger()
    assert read_table(ledgers.xlsx(sheet), filename="企业.csv").format == "xlsx"
    assert read_table(ledgers.csv_bytes(sheet), filename="企业.xlsx").format == "csv"
    assert read_table(ledgers.xls(sheet), filename="企业").format == "xls"


def test_header_on_row_one_with_dates_numbers_and_booleans() -> None:
    table = read_table(ledgers.xlsx(ledgers.enterprise_ledger(2)), filename="企业.xlsx")
    assert table.header_rows == (1,) and table.unit is None and table.title is None
    assert rows_of(table) == [
        (2, ("泰州企业1有限公司", "913212810000000001", "原料药", date(2020, 1, 2), 10, False)),
        (3, ("泰州企业2有限公司", "913212810000000002", "原料药", date(2020, 1, 3), 20, True)),
    ]
    assert type(rows_of(table)[0][1][4]) is int  # a whole number is an int
    assert not table.skipped


def test_xls_dates_and_booleans() -> None:
    table = read_table(ledgers.xls(ledgers.enterprise_ledger(1)), filename="企业.xls")
    assert rows_of(table) == [(2, ("泰州企业1有限公司", "913212810000000001", "原料药", date(2020, 1, 2), 10, False))]


def test_a_form_line_above_the_header_is_not_taken_for_it() -> None:
    rows: list[list[Any]] = [
        ["填报单位：兴化市", "填报日期：2025年11月24日", "联系人：张三", "单位：亿元"],
        ["企业名称", "信用代码", "所属环节", "营业收入"],
        ["甲公司", "91321281MA1X4Y5Z6A", "原料药", 1.5],
    ]
    table = read_table(ledgers.xlsx(Sheet(rows)), filename="企业.xlsx")
    assert table.header_rows == (2,) and table.unit == "亿元" and table.title == "填报单位：兴化市"
    assert [row.number for row in table.rows()] == [3]


def test_expected_headers_find_a_header_the_width_rule_would_miss() -> None:
    rows: list[list[Any]] = [
        ["说明", "本表由各区填报", "请勿改动表头", "谢谢"],
        ["单位名称（盖章）", "信用代码", None, None],
        ["甲公司", "91321281MA1X4Y5Z6A", "x", "y"],
    ]
    data = ledgers.xlsx(Sheet(rows))
    assert read_table(data, filename="a.xlsx").header_rows == (1,)
    table = read_table(data, filename="a.xlsx", expected_headers=["单位名称", "统一社会信用代码", "信用代码"])
    assert table.header_rows == (2,)
    assert table.columns[0].keys == ("单位名称",)  # what stands in brackets is not part of the key


def test_header_keys_are_simplified_half_width_and_without_units_or_marks() -> None:
    assert header_key("＊計劃總投資（萬元）") == "计划总投资"
    assert header_key(" 企业 名称：") == "企业名称"
    assert header_key("USCC【必填】") == "uscc"
    rows: list[list[Any]] = [["企業名稱", "計劃總投資（億元）", "本年计划"], [None, None, "（万元）"], ["甲", 1, 2]]
    table = read_table(ledgers.xlsx(Sheet(rows)), filename="a.xlsx", expected_headers=["企业名称", "计划总投资"])
    assert [column.unit for column in table.columns] == [None, "亿元", None]
    assert table.header_rows == (1,)  # 「（万元）」 under a name that groups nothing: not a second header row


def test_a_unit_alone_under_a_merged_group_is_the_columns_unit() -> None:
    rows: list[list[Any]] = [["名称", "计划总投资", None], [None, "（万元）", "（亿元）"], ["甲", 1, 2]]
    table = read_table(ledgers.xlsx(Sheet(rows, ["A1:A2", "B1:C1"])), filename="a.xlsx")
    assert [(column.name, column.unit) for column in table.columns] == [
        ("名称", None),
        ("计划总投资", "万元"),
        ("计划总投资", "亿元"),
    ]


# --- rows skipped ------------------------------------------------------------------------------------------------


def test_total_subtotal_note_section_repeated_header_and_blank_rows_are_skipped() -> None:
    rows: list[list[Any]] = [
        ["序号", "企业名称", "营业收入"],
        [1, "甲公司", 10],
        [None, None, None],
        [None, None, None],
        ["序号", "企业名称", "营业收入"],
        [2, "合计划算有限公司", 20],  # a name starting with 合计 followed by more: data
        [3, "小计", 30],  # the only text of the row is 小计: a subtotal that kept its number
        ["兴化市小计", None, 60],
        ["（二）新建项目", None, None],
        ["备注：以上数据截至10月底", None, None],
        ["说明", None, None],
        ["制表人：李四", None, "审核人：王五"],
    ]
    table = read_table(ledgers.xlsx(Sheet(rows)), filename="a.xlsx")
    assert [row.number for row in table.rows()] == [2, 6]
    assert table.skipped == {"blank": 2, "header": 1, "total": 2, "section": 1, "note": 3}


def test_trailing_blank_rows_are_not_counted() -> None:
    rows: list[list[Any]] = [["名称", "数量"], ["甲", 1], [None, None], [None, None]]
    table = read_table(ledgers.csv_bytes(Sheet(rows)), filename="a.csv")
    assert [row.number for row in table.rows()] == [2]
    assert not table.skipped and table.rows_read == 3


# --- formulas ----------------------------------------------------------------------------------------------------


def formula_sheet() -> bytes:
    rows: list[list[Any]] = [
        ["名称", "数量", "单价", "金额", "备注"],
        ["甲", 2, 3.5, "=B2*C2", '=IF(B2>5,"多","")'],
        ["乙", 1, 2, "=B3*C3"],
    ]
    return ledgers.xlsx(Sheet(rows))


def test_a_formula_without_a_cached_value_is_an_error_cell_never_its_text() -> None:
    table = read_table(formula_sheet(), filename="a.xlsx")
    rows = list(table.rows())
    assert [row.number for row in rows] == [2, 3]
    error = rows[0].cells[3]
    assert isinstance(error, ErrorCell) and error.code == "formula_no_value" and "公式" in error.message
    assert [index for index, _cell in rows[0].errors] == [3, 4]
    assert not any(isinstance(cell, str) and cell.startswith("=") for row in rows for cell in row.cells)


def test_a_formula_with_a_cached_value_gives_that_value() -> None:
    data = ledgers.with_cached_values(formula_sheet(), {"D2": 7, "E2": "", "D3": 2.5})
    rows = list(read_table(data, filename="a.xlsx").rows())
    assert [row.cells for row in rows] == [("甲", 2, 3.5, 7, None), ("乙", 1, 2, 2.5, None)]
    assert not rows[0].errors


def test_error_values_are_error_cells() -> None:
    data = ledgers.with_cached_values(formula_sheet(), {"E2": "", "D3": 2})
    data = ledgers.error_value(data, "D2", "#DIV/0!")
    data = ledgers.error_value(data, "C3", "#N/A", formula=None)
    rows = list(read_table(data, filename="a.xlsx").rows())
    assert [(row.number, [(index, cell.code) for index, cell in row.errors]) for row in rows] == [
        (2, [(3, "formula_error")]),
        (3, [(2, "formula_error")]),
    ]
    assert "#DIV/0!" in rows[0].cells[3].message


def test_a_row_of_uncomputed_formulas_past_the_values_is_still_read() -> None:
    rows: list[list[Any]] = [["名称", "金额"], ["甲", 1], [None, "=B2*2"]]
    table = read_table(ledgers.xlsx(Sheet(rows)), filename="a.xlsx")
    assert [(row.number, row.cells[0], row.errors[0][1].code) for row in table.rows() if row.errors] == [
        (3, None, "formula_no_value")
    ]


def test_xls_formulas_give_their_cached_value_and_error_values_are_error_cells() -> None:
    rows: list[list[Any]] = [
        ["名称", "金额", "比例"],
        ["甲", ledgers.XlsFormula(12.5), ledgers.XlsError("#DIV/0!")],
        ["乙", ledgers.XlsError("#N/A", formula=False), 0.5],
    ]
    rows_read = list(read_table(ledgers.xls(Sheet(rows)), filename="a.xls").rows())
    assert [row.cells[:2] for row in rows_read][0] == ("甲", 12.5)
    assert [(row.number, [(index, cell.code) for index, cell in row.errors]) for row in rows_read] == [
        (2, [(2, "formula_error")]),
        (3, [(1, "formula_error")]),
    ]
    assert "#N/A" in rows_read[1].cells[1].message


# --- sheets ------------------------------------------------------------------------------------------------------


def test_the_first_visible_sheet_with_a_header_is_read_or_the_one_named_like_the_kind() -> None:
    empty = Sheet([], name="封面")
    hidden = Sheet([["名称", "代码"], ["隐藏", "x"]], name="隐藏")
    enterprises = Sheet([["企业名称", "信用代码"], ["甲", "x"]], name="企业台账")
    projects = Sheet([["项目名称", "总投资"], ["项目甲", 5]], name="项目台账")
    data = ledgers.xlsx(empty, hidden, enterprises, projects, hidden=["隐藏"])
    assert read_table(data, filename="a.xlsx").sheet == "企业台账"
    assert read_table(data, filename="a.xlsx", sheet_names=["项目"]).sheet == "项目台账"
    assert read_table(data, filename="a.xlsx", sheet_names=["招商"]).sheet == "企业台账"


def test_calamine_iter_rows_starts_at_row_one_and_at_the_first_column_with_a_value() -> None:
    """reading_sources.CalamineGrid relies on this (python-calamine 0.9): pinned so an upgrade shows it."""
    data = ledgers.xlsx(
        Sheet([[None, None, None], [None, None, None], [None, None, "名称", "代码"], [None, None, "甲", 1]])
    )
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    assert sheet.start == (2, 2)
    assert list(sheet.iter_rows()) == [["", ""], ["", ""], ["名称", "代码"], ["甲", 1.0]]
    table = read_table(data, filename="a.xlsx")
    assert table.header_rows == (3,) and [c.letter for c in table.columns] == ["A", "B", "C", "D"]
    assert rows_of(table) == [(4, (None, None, "甲", 1))]


# --- a sheet padded far down or far right ----------------------------------------------------------------------


def test_a_sheet_padded_to_a_million_rows_is_read_in_a_bounded_number_of_rows() -> None:
    data = ledgers.far_value(ledgers.padded(ledgers.xlsx(ledgers.enterprise_ledger(3)), styled_rows=2000), "H1000000")
    table = read_table(data, filename="a.xlsx")
    assert [row.number for row in table.rows()] == [2, 3, 4]
    assert table.rows_read == 3 + MAX_BLANK_RUN  # not a million
    assert table.stopped_at == 5


def test_a_value_far_right_and_down_is_refused_before_calamine_builds_its_grid() -> None:
    # 5 KB on disk, 17 billion cells in calamine's dense grid: the process would abort, not raise.
    data = ledgers.far_value(ledgers.xlsx(ledgers.enterprise_ledger(1)), "XFD1048576")
    assert len(data) < 10_000
    assert refused(data) == "too_large"


@pytest.mark.parametrize(
    "cell",
    [
        b"<row r='900000'><c r='AZ900000' t='n'><v>1</v></c></row>",  # single quotes
        b'<row r="900000"><c t="n" r="AZ900000"><v>1</v></c></row>',  # r not first
        b'<row r="900000"><c\nr="az900000" t="n"><v>1</v></c></row>',  # a line break, lower case
        b'<row r="900000"><c t="n"><v>1</v></c><c t="n"/><c t="n"><v>1</v></c></row>'
        + b'<row><c r="AZ1"><v>1</v></c></row>',  # cells without a reference
        b'<row r="5"><c r="A5" r="AZ900000" t="n"><v>1</v></c></row>',  # calamine follows the second r
    ],
)
def test_the_grid_size_is_found_however_the_cells_are_written(cell: bytes) -> None:
    data = ledgers.with_sheet_xml(
        ledgers.xlsx(ledgers.enterprise_ledger(1)), lambda xml: ledgers.append_rows(xml, cell)
    )
    assert refused(data) in ("too_large", "corrupt")  # a duplicate attribute is not well-formed XML


def test_an_xls_with_a_value_far_away_is_refused_before_calamine_opens_it() -> None:
    # 6 KB on disk, 16.7 million cells (1 GB) in calamine, which reads every sheet of an .xls when it opens it.
    rows: list[list[Any]] = [["名称", "代码"], ["甲", 1], *([] for _ in range(65532)), [*[None] * 255, "x"]]
    data = ledgers.xls(Sheet(rows))
    assert len(data) < 10_000
    assert refused(data, "a.xls") == "too_large"


def _patched(data: bytes, offset: int, value: bytes) -> bytes:
    return data[:offset] + value + data[offset + len(value) :]


def _record_at(data: bytes, kind: int) -> int:
    """The file offset of the first record of this kind (ledgers.ole2 stores the stream from offset 512)."""
    position = 512
    while True:
        found, size = struct.unpack_from("<HH", data, position)
        if found == kind:
            return position
        position += 4 + size


def test_an_xls_whose_numbers_calamine_would_trust_is_corrupt_not_a_crash() -> None:
    """The first (found by fuzzing) made calamine 0.37 abort the process on a failed allocation; the others are
    numbers its reader has sized buffers from or followed without an end (a chain looping back)."""
    data = ledgers.xls(ledgers.enterprise_ledger(2))
    dimensions = _record_at(data, 0x0200)  # DIMENSIONS: its first row made larger than its last
    sst = _record_at(data, 0x00FC)  # the string table: its count of strings
    sectors = 4096 // 512  # ledgers.ole2 pads the stream to 8 sectors, then the directory, then the FAT
    broken = {
        "dimensions": _patched(data, dimensions + 4, struct.pack("<I", 0x6F000000)),
        "strings": _patched(data, sst + 8, struct.pack("<i", 2**30)),
        "fat count": _patched(data, 44, struct.pack("<I", 2**31)),
        "chain loop": _patched(data, 512 + (sectors + 1) * 512 + 4 * (sectors - 1), struct.pack("<I", 0)),
        "sector beyond": _patched(data, 512 + (sectors + 1) * 512 + 4 * 2, struct.pack("<I", 10**9)),
        "stream length": _patched(data, 512 + sectors * 512 + 128 + 120, struct.pack("<I", 2**31)),
    }
    for case, damaged in broken.items():
        assert refused(damaged, "a.xls") == "corrupt", case


def test_a_stray_value_below_the_data_within_the_limit_is_read_and_stops() -> None:
    data = ledgers.far_value(ledgers.xlsx(ledgers.enterprise_ledger(2)), "A5000", "备注")
    table = read_table(data, filename="a.xlsx")
    assert [row.number for row in table.rows()] == [2, 3]
    assert table.stopped_at == 4 and table.rows_read == 2 + MAX_BLANK_RUN


# --- malformed files ---------------------------------------------------------------------------------------------


def test_empty_and_blank_files() -> None:
    assert refused(b"") == "empty"
    assert refused(b" \r\n\t") == "empty"
    assert refused("\ufeff".encode(), filename="a.csv") == "empty"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj", "not_spreadsheet"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not_spreadsheet"),
        (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)), "not_spreadsheet"),
        (b"<html><body><table><tr><td>\xe4\xbc\x81\xe4\xb8\x9a</td></tr></table></body></html>", "html"),
    ],
)
def test_files_that_are_not_spreadsheets(data: bytes, code: str) -> None:
    assert refused(data) == code


def test_a_word_file_and_a_plain_zip_are_not_spreadsheets() -> None:
    for members in ({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}, {"readme.txt": b"hi"}):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for member, content in members.items():
                archive.writestr(member, content)
        assert refused(buffer.getvalue()) == "not_spreadsheet"


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_a_truncated_xlsx_or_xls_is_corrupt(cut: float) -> None:
    for data in (ledgers.xlsx(ledgers.enterprise_ledger(50)), ledgers.xls(ledgers.enterprise_ledger(300))):
        assert refused(data[: int(len(data) * cut)]) == "corrupt"


def test_an_xlsx_whose_sheet_is_damaged_is_corrupt() -> None:
    data = ledgers.with_sheet_xml(ledgers.xlsx(ledgers.enterprise_ledger(2)), lambda xml: xml[: len(xml) // 2])
    assert refused(data) == "corrupt"


def test_a_zip_bomb_is_refused_before_it_is_inflated() -> None:
    buffer = io.BytesIO(ledgers.xlsx(ledgers.enterprise_ledger(1)))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/image1.png", b"\0" * (4 * 1024 * 1024))
    assert refused(buffer.getvalue()) == "zip_bomb"


def test_a_password_protected_workbook_is_refused_as_such() -> None:
    assert refused(ledgers.ole2({"EncryptedPackage": b"\1" * 5000})) == "encrypted"


def test_a_sheet_without_a_header_or_without_anything() -> None:
    assert refused(ledgers.xlsx(Sheet([[1, 2, 3], [4, 5, 6]]))) == "no_header"
    assert refused(ledgers.xlsx(Sheet([]))) == "no_data"
    assert refused("名称,数量\n".encode("gb18030")[:0] + b"1,2\n3,4\n", filename="a.csv") == "no_header"


def test_a_100000_character_cell_is_an_error_cell_not_a_crash() -> None:
    long = "长" * 100_000
    sheet = Sheet([["名称", "备注"], ["甲", "x"], ["乙", "短"]])
    for data, name in (
        (ledgers.with_text(ledgers.xlsx(sheet), "B2", long), "a.xlsx"),
        (ledgers.csv_bytes(ledgers.replaced(sheet, {"B2": long})), "a.csv"),
    ):
        rows = list(read_table(data, filename=name).rows())
        assert [row.number for row in rows] == [2, 3]
        error = rows[0].cells[1]
        assert isinstance(error, ErrorCell) and error.code == "too_long" and "超过最大长度" in error.message
        assert rows[1].cells == ("乙", "短")


def test_an_unbalanced_quote_in_a_csv_is_refused_with_its_row() -> None:
    data = ('名称,备注\n甲,好\n乙,"' + "长" * 200_000 + "\n").encode()
    with pytest.raises(ValidationError) as caught:
        list(read_table(data, filename="a.csv").rows())
    assert caught.value.code == "csv_unreadable" and "第 3 行" in caught.value.messages[0]


def test_excel_text_formulas_in_a_csv_keep_their_text() -> None:
    table = read_table('代码,名称\n="0012",甲\n'.encode(), filename="a.csv")
    assert rows_of(table) == [(2, ("0012", "甲"))]


def test_rows_can_be_read_again() -> None:
    table = read_table(ledgers.xlsx(ledgers.project_ledger()), filename="a.xlsx")
    assert rows_of(table) == rows_of(table)
    assert table.skipped["total"] == 2


# --- hypothesis --------------------------------------------------------------------------------------------------

# Text an office types: no word that makes a row a total or a note, no leading "=" or "#" (formulas, errors), and
# not a section's numbering (「（0）」 with numbers at most beside it is a heading the reader skips, by design).
TEXT = st.text(alphabet="甲乙丙丁企业公司药化工园区ABCxyz0123456789 -_（）", min_size=1, max_size=20).filter(
    lambda text: (
        text.strip() != "" and not text.strip()[0].isdigit() and not reading._SECTION.match(reading._label(text))
    )
)
NUMBER = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
)
ROWS = st.lists(st.tuples(TEXT, NUMBER, st.one_of(st.none(), TEXT)), min_size=1, max_size=8)
HEADER = ["名称", "金额", "备注"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS)
def test_generated_rows_round_trip_through_an_xlsx(rows: list[tuple[str, float, str | None]]) -> None:
    table = read_table(ledgers.xlsx(Sheet([HEADER, *map(list, rows)])), filename="a.xlsx")
    read = rows_of(table)
    assert [number for number, _cells in read] == list(range(2, len(rows) + 2))
    for (_number, cells), written in zip(read, rows, strict=True):
        assert (cells[0], cells[2]) == (written[0], written[2])
        assert math.isclose(cells[1], written[1], rel_tol=1e-15)  # openpyxl writes 16 significant digits
        assert type(cells[1]) is (int if float(cells[1]).is_integer() else float)


@settings(max_examples=40, deadline=None)
@given(ROWS, st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]), st.sampled_from([",", "\t"]))
def test_generated_rows_round_trip_through_a_csv(
    rows: list[tuple[str, float, str | None]], encoding: str, tab: str
) -> None:
    data = ledgers.csv_bytes(Sheet([HEADER, *map(list, rows)]), encoding=encoding, delimiter=tab)
    read = rows_of(read_table(data, filename="a.csv"))
    expected = [(name, str(amount), note) for name, amount, note in rows]
    assert [cells for _number, cells in read] == expected


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_give_a_table_or_a_validation_error(data: bytes) -> None:
    try:
        table = read_table(data, filename="x.xlsx")
    except ValidationError as error:
        assert error.code in reading.ERROR_CODES
        return
    list(table.rows())


PROJECT_XLSX = ledgers.xlsx(ledgers.project_ledger())  # built once: openpyxl stamps the time in each file


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_a_damaged_xlsx_gives_a_table_or_a_validation_error(data: st.DataObject) -> None:
    original = bytearray(PROJECT_XLSX)
    for _ in range(data.draw(st.integers(1, 4))):
        original[data.draw(st.integers(0, len(original) - 1))] = data.draw(st.integers(0, 255))
    try:
        table = read_table(bytes(original), filename="x.xlsx")
        list(table.rows())
    except ValidationError as error:
        assert error.code in reading.ERROR_CODES


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_a_damaged_sheet_xml_gives_a_table_or_a_validation_error(data: st.DataObject) -> None:
    def damage(xml: bytes) -> bytes:
        damaged = bytearray(xml)
        for _ in range(data.draw(st.integers(1, 6))):
            damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.sampled_from(b"<>/\"'= rc0129AZ&;"))
        return bytes(damaged)

    try:
        table = read_table(ledgers.with_sheet_xml(PROJECT_XLSX, damage), filename="x.xlsx")
        list(table.rows())
    except ValidationError as error:
        assert error.code in reading.ERROR_CODES


PROJECT_XLS = ledgers.xls(ledgers.replaced(ledgers.project_ledger(), ledgers.PROJECT_VALUES))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_a_damaged_xls_gives_a_table_or_a_validation_error(data: st.DataObject) -> None:
    damaged = bytearray(PROJECT_XLS)
    for _ in range(data.draw(st.integers(1, 4))):
        damaged[data.draw(st.integers(512, 512 + 1400))] = data.draw(st.integers(0, 255))  # the Workbook stream
    try:
        table = read_table(bytes(damaged), filename="x.xls")
        list(table.rows())
    except ValidationError as error:
        assert error.code in reading.ERROR_CODES


def test_a_sheet_written_unusually_is_read_through_the_full_parse() -> None:
    data = ledgers.with_sheet_xml(
        ledgers.xlsx(ledgers.enterprise_ledger(2)), lambda xml: xml.replace(b'<c r="', b'<c  r="')
    )
    assert [row.number for row in read_table(data, filename="a.xlsx").rows()] == [2, 3]
