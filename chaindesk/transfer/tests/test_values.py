"""Reading ledger cells (chaindesk/transfer/values.py): every format of issue 13 item 1, round trips of amounts
and dates written every way, and garbage that never raises anything but CellError."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chaindesk.leads.choices import LeadStage
from chaindesk.projects.choices import ProjectKind, ProjectLevel, ProjectStage
from chaindesk.testkit.personas import make_uscc
from chaindesk.transfer.values import (
    LEAD_STAGE_WORDS,
    PROJECT_KIND_WORDS,
    PROJECT_LEVEL_WORDS,
    PROJECT_STAGE_WORDS,
    CellError,
    clean_code,
    clean_name,
    clean_text,
    is_blank,
    map_choice,
    optional,
    parse_amount,
    parse_bool,
    parse_date,
    parse_int,
    parse_month,
    parse_percent,
    parse_uscc,
    parse_year,
)

D = Decimal
FULL_WIDTH = str.maketrans("0123456789,.-", "０１２３４５６７８９，．－")


def cell_datetime(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A date cell as python-calamine hands it over: a naive datetime (the ledger's wall-clock day)."""
    return datetime(year, month, day, hour, minute)  # noqa: DTZ001


def refused(parse: Any, value: Any, **kwargs: Any) -> CellError:
    with pytest.raises(CellError) as caught:
        parse(value, **kwargs)
    return caught.value


# --- amounts -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "hint", "expected"),
    [
        ("5.2亿元", None, D("52000.00")),  # issue 13: units in the cell
        ("5,200万", None, D("5200.00")),
        ("5200万元", None, D("5200.00")),
        ("3000元", None, D("0.30")),
        ("1.2亿", None, D("12000.00")),
        ("5,200", "万元", D("5200.00")),  # issue 13: units in the header
        ("0.52", "亿元", D("5200.00")),
        (52_000_000, "元", D("5200.00")),
        (5200.0, None, D("5200.00")),
        (0.1 + 0.2, "万元", D("0.30")),
        ("5200", "单位：万元", D("5200.00")),
        ("0.52", "（亿元）", D("5200.00")),
        ("5.2亿元", "元", D("52000.00")),  # the cell's unit wins over the header's
        ("５，２００万元", None, D("5200.00")),  # full-width digits and punctuation
        ("  5 200万元\u00a0", None, D("5200.00")),  # stray spaces
        ("五千二百万", None, D("5200.00")),  # Chinese numerals
        ("一亿二千万", None, D("12000.00")),
        ("五点二亿", None, D("52000.00")),
        ("伍仟贰佰万元整", None, D("5200.00")),
        ("五千二百", "万元", D("5200.00")),
        ("人民币5200万元", None, D("5200.00")),
        ("¥5,200", None, D("5200.00")),
        ("1,234,567.891", None, D("1234567.89")),
        ("0.005", None, D("0.01")),  # half-up
        ("999,999,999,999.99", None, D("999999999999.99")),
    ],
)
def test_amounts_as_offices_write_them(cell: Any, hint: str | None, expected: Decimal) -> None:
    assert parse_amount(cell, unit_hint=hint) == expected


@pytest.mark.parametrize(
    ("cell", "expected"), [("-5200", D("-5200.00")), ("−5,200万元", D("-5200.00")), ("负五千二百万", D("-5200.00"))]
)
def test_negative_amounts_only_when_allowed(cell: str, expected: Decimal) -> None:
    assert parse_amount(cell, allow_negative=True) == expected
    assert "不能为负数" in refused(parse_amount, cell).message


@pytest.mark.parametrize(
    ("cell", "hint", "words"),
    [
        ("1,5", None, "无法识别的金额“1,5”"),  # a decimal comma is not a thousands separator
        ("5200美元", None, "无法识别的金额"),
        ("约五千万", None, "无法识别的金额"),
        (True, None, "无法识别的金额"),
        (cell_datetime(2025, 11, 24), None, "无法识别的金额"),
        (float("nan"), None, "无法识别的金额"),
        ("1,000,000,000,000", None, "过大"),  # max_digits=14, decimal_places=2
        ("5200", "美元", "无法识别的金额单位“美元”"),
        (1e17, "元", "过大"),
    ],
)
def test_amounts_refused_with_a_message(cell: Any, hint: str | None, words: str) -> None:
    error = refused(parse_amount, cell, unit_hint=hint)
    assert words in error.message
    assert error.code == "amount"


@pytest.mark.parametrize("cell", [None, "", "   ", "-", "—", "／", "\u3000"])
def test_blank_cells_are_refused_or_none_through_optional(cell: Any) -> None:
    assert is_blank(cell)
    for parse in (parse_amount, parse_int, parse_year, parse_percent, parse_bool, parse_date, parse_month, parse_uscc):
        assert refused(parse, cell).code == "blank"
        assert optional(parse, cell) is None
    assert optional(parse_amount, "5.2亿元", unit_hint="万元") == D("52000.00")


AMOUNTS = st.decimals(min_value=0, max_value=D("999999999999.99"), places=2, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(amount=AMOUNTS, negative=st.booleans(), full_width=st.booleans())
def test_any_amount_written_in_wan_yi_or_yuan_round_trips(amount: Decimal, negative: bool, full_width: bool) -> None:
    signed = -amount if negative else amount
    written = {
        f"{signed:,f}万元": None,
        f"{signed:,f}万": None,
        f"{signed.scaleb(-4):,f}亿元": None,
        f"{signed.scaleb(-4):,f}亿": None,
        f"{signed.scaleb(4):,f}元": None,
        f"{signed:,f}": "万元",
        f"{signed.scaleb(-4):f}": "亿元",
        f"{signed.scaleb(4):,f}": "元",
    }
    for text, hint in written.items():
        cell = text.translate(FULL_WIDTH) if full_width else text
        assert parse_amount(cell, unit_hint=hint, allow_negative=True) == signed, cell


# --- dates ---------------------------------------------------------------------------------------------------

NOV_24 = date(2025, 11, 24)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2025年11月24日", NOV_24),  # issue 13's list
        ("2025.11.24", NOV_24),
        ("2025/11/24", NOV_24),
        ("2025-11-24", NOV_24),
        (45985, NOV_24),  # Excel serial
        (45985.0, NOV_24),
        (45985.75, NOV_24),  # with a time of day
        ("45985", NOV_24),  # a serial that became text
        ("二〇二五年九月一日", date(2025, 9, 1)),
        ("二零二五年十一月二十四日", NOV_24),
        ("2025-11-24 00:00:00", NOV_24),
        ("2025-11-24T08:30", NOV_24),
        (cell_datetime(2025, 11, 24, 0, 0), NOV_24),  # python-calamine's date cell
        (NOV_24, NOV_24),
        ("２０２５年１１月２４日", NOV_24),  # full-width
        ("２０２５－１１－２４", NOV_24),
        (" 2025 年 11 月 24 日 ", NOV_24),  # stray spaces
        ("2025年11月24号", NOV_24),
        ("2025.1.5", date(2025, 1, 5)),
        ("20251124", NOV_24),
        (20251124, NOV_24),
        (59, date(1900, 2, 28)),  # the 1900 system before and after Excel's 1900-02-29
        (61, date(1900, 3, 1)),
        (1, date(1900, 1, 1)),
    ],
)
def test_dates_as_offices_write_them(cell: Any, expected: date) -> None:
    assert parse_date(cell) == expected
    assert parse_month(cell) == (expected, "day")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2025年10月", date(2025, 10, 1)),  # issue 13: month precision
        ("2025.10", date(2025, 10, 1)),
        ("2025-10", date(2025, 10, 1)),
        ("2025/10", date(2025, 10, 1)),
        ("2025年10月份", date(2025, 10, 1)),
        ("二〇二五年十月", date(2025, 10, 1)),
        ("202510", date(2025, 10, 1)),
        (2025.11, date(2025, 11, 1)),  # a number cell
        (2025.09, date(2025, 9, 1)),
    ],
)
def test_months(cell: Any, expected: date) -> None:
    assert parse_month(cell) == (expected, "month")
    assert "只写到月份" in refused(parse_date, cell).message


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("2025年13月1日", "无法识别的日期“2025年13月1日”，请写成 2025-11-24 或 2025年11月24日"),
        ("2025-02-29", "无法识别的日期“2025-02-29”"),
        ("2025年2月30日", "无法识别的日期"),
        ("二〇二五年十三月一日", "无法识别的日期"),
        ("25.11.24", "年份只有两位"),
        ("25年11月24日", "年份只有两位"),
        ("25/11/24", "年份只有两位"),
        ("24/11/2025", "年月日顺序无法确定"),
        ("11-24-2025", "年月日顺序无法确定"),
        (60, "1900年2月29日，这一天并不存在"),
        (2025, "像是年份"),
        ("2025", "像是年份"),
        (2025.1, "分不清是2025年1月还是2025年10月"),
        (0, "无法识别的日期"),
        (-5, "无法识别的日期"),
        (10_000_000, "无法识别的日期"),
        (float("inf"), "无法识别的日期"),
        (True, "无法识别的日期"),
        ("1899-12-31", "不在 1900—2100 年之间"),
        (date(2101, 1, 1), "不在 1900—2100 年之间"),
        ("下个月", "无法识别的日期“下个月”"),
        ("2025年", "无法识别的日期"),
    ],
)
def test_dates_refused_with_a_message(cell: Any, words: str) -> None:
    error = refused(parse_date, cell)
    assert words in error.message
    assert error.code == "date"


def test_a_long_cell_is_cut_in_the_message() -> None:
    assert len(refused(parse_date, "x" * 100_000).message) < 100


CN_DIGITS = "〇一二三四五六七八九"


def _chinese(day: date) -> str:
    year = "".join(CN_DIGITS[int(c)] for c in str(day.year))
    return f"{year}年{_chinese_number(day.month)}月{_chinese_number(day.day)}日"


def _chinese_number(n: int) -> str:
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CN_DIGITS[tens] + "十")
    return head + (CN_DIGITS[ones] if ones or not tens else "")


def _serial(day: date) -> int:
    # Independent of the code under test: Excel counts a 1900-02-29 that never was.
    days = (day - date(1899, 12, 31)).days
    return days + 1 if day >= date(1900, 3, 1) else days


DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


@settings(max_examples=300, deadline=None)
@given(day=DATES)
def test_any_date_written_every_way_round_trips(day: date) -> None:
    y, m, d = day.year, day.month, day.day
    written: list[Any] = [
        f"{y}年{m}月{d}日",
        f"{y}年{m:02}月{d:02}日",
        f"{y}.{m}.{d}",
        f"{y}/{m:02}/{d:02}",
        day.isoformat(),
        f"{day.isoformat()} 00:00:00",
        f"{y}{m:02}{d:02}",
        _chinese(day),
        _chinese(day).replace("〇", "零"),
        day.isoformat().translate(FULL_WIDTH),
        cell_datetime(y, m, d, 12, 30),
        day,
    ]
    if not 1900 <= _serial(day) <= 2100:  # serials that look like years are refused (1905-03-14 … 1905-09-30)
        written += [_serial(day), float(_serial(day)) + 0.5]
    for cell in written:
        assert parse_date(cell) == day, cell
        assert parse_month(cell) == (day, "day"), cell
    for cell in (f"{y}年{m}月", f"{y}.{m:02}", f"{y}-{m:02}", f"{y}/{m}", f"{y}{m:02}"):
        assert parse_month(cell) == (day.replace(day=1), "month"), cell


def test_excel_serials_match_the_1900_date_system() -> None:
    assert _serial(NOV_24) == 45985
    assert parse_date(_serial(date(1900, 3, 1))) == date(1900, 3, 1)


# --- text, codes, USCC ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("  泰州  医药 科技有限公司 ", "泰州医药科技有限公司"),  # stray spaces
        ("泰州\u200b医药\u00a0科技\u3000有限公司", "泰州医药科技有限公司"),  # zero-width, non-breaking, ideographic
        ("臺灣藥業集團", "台湾药业集团"),  # traditional characters
        ("泰州醫藥（集團）有限公司", "泰州医药（集团）有限公司"),
        ("泰州医药(集团)有限公司", "泰州医药（集团）有限公司"),  # one bracket form for names
        ("ＡＢＣ生物科技", "ABC生物科技"),  # full-width letters
        ("Jiangsu  Hengrui   Medicine", "Jiangsu Hengrui Medicine"),
        ("在 建", "在建"),
        (None, ""),
        (123.0, "123"),
    ],
)
def test_clean_name(cell: Any, expected: str) -> None:
    assert clean_name(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (123.0, "123"),  # an Excel number read from a code column
        (20250001, "20250001"),
        (12.5, "12.5"),
        ("ＸＭ－２０２５－００１", "XM-2025-001"),
        (" XM 2025 001 ", "XM2025001"),
        (None, ""),
    ],
)
def test_clean_code(cell: Any, expected: str) -> None:
    assert clean_code(cell) == expected


def test_clean_text_is_gentle_with_prose() -> None:
    prose = "  项目进展顺利，已完成主体工程、设备安装。  \r\n\r\n\r\n下一步：申报用地（约５０亩）！  "
    assert clean_text(prose) == "项目进展顺利，已完成主体工程、设备安装。\n\n下一步：申报用地（约50亩）！"
    assert clean_text("總投資ＡＢＣ\u200b  计划") == "总投资ABC 计划"
    assert clean_text(cell_datetime(2025, 11, 24)) == "2025-11-24"
    assert clean_text(True) == "是"


def test_uscc() -> None:
    code = make_uscc("泰州测试企业", "321200")
    spaced = f" {code[:6]} {code[6:12]}-{code[12:].lower()} "
    assert parse_uscc(spaced) == code
    assert parse_uscc(spaced.translate(str.maketrans("0123456789", "０１２３４５６７８９"))) == code
    flipped = code[:-1] + ("0" if code[-1] != "0" else "1")
    error = refused(parse_uscc, flipped)
    assert error.message == f"统一社会信用代码“{flipped}”无效：应为18位，且校验位正确。"
    assert error.code == "uscc"


# --- integers, years, percentages, yes/no ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [(120, 120), (120.0, 120), ("1,200", 1200), ("120人", 120), ("一百二十", 120), ("１２０", 120)],
)
def test_parse_int(cell: Any, expected: int) -> None:
    assert parse_int(cell) == expected


@pytest.mark.parametrize("cell", [12.5, "12.5", "-3", "abc", True, "3000000000", cell_datetime(2025, 1, 1)])
def test_parse_int_refuses(cell: Any) -> None:
    assert refused(parse_int, cell).code == "integer"


@pytest.mark.parametrize("cell", [2025, 2025.0, "2025", "2025年", "2025年度", "二〇二五年", "二零二五", "２０２５年"])
def test_parse_year(cell: Any) -> None:
    assert parse_year(cell) == 2025


@pytest.mark.parametrize("cell", ["25年", 1899, "2025.5", "明年", 2101])
def test_parse_year_refuses(cell: Any) -> None:
    assert "无法识别的年份" in refused(parse_year, cell).message


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("12.5%", D("12.50")),
        ("１２．５％", D("12.50")),
        ("12.5", D("12.50")),
        (-3, D("-3.00")),
        ("百分之十二点五", D("12.50")),
    ],
)
def test_parse_percent(cell: Any, expected: Decimal) -> None:
    assert parse_percent(cell) == expected


def test_percent_from_a_percentage_formatted_column() -> None:
    assert parse_percent(0.125, numbers_are_fractions=True) == D("12.50")
    assert parse_percent("12.5%", numbers_are_fractions=True) == D("12.50")
    assert refused(parse_percent, "很多").code == "percent"


@pytest.mark.parametrize("cell", ["是", "有", "√", "✓", "Y", "yes", "TRUE", 1, True, " 是 "])
def test_parse_bool_true(cell: Any) -> None:
    assert parse_bool(cell) is True


@pytest.mark.parametrize("cell", ["否", "无", "×", "N", "no", "false", 0, 0.0, False, "没有"])
def test_parse_bool_false(cell: Any) -> None:
    assert parse_bool(cell) is False


def test_parse_bool_refuses() -> None:
    error = refused(parse_bool, "可能")
    assert "请填 是 或 否" in error.message


# --- choices -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("洽谈", ProjectStage.NEGOTIATING),  # issue 13's words
        ("在谈", ProjectStage.NEGOTIATING),
        ("开工", ProjectStage.STARTED),
        ("在建", ProjectStage.BUILDING),
        ("谈判", ProjectStage.NEGOTIATING),
        ("已签约", ProjectStage.SIGNED),
        ("新开工", ProjectStage.STARTED),
        ("续建", ProjectStage.BUILDING),
        ("建设中", ProjectStage.BUILDING),
        ("建成", ProjectStage.COMPLETED),
        ("试生产", ProjectStage.PRODUCING),
        ("达产", ProjectStage.FULL),
        (" 在 建 ", ProjectStage.BUILDING),
        ("簽約", ProjectStage.SIGNED),  # traditional
        ("building", ProjectStage.BUILDING),  # our own code, as our export and API write it
    ],
)
def test_project_stage_words(word: str, code: str) -> None:
    assert map_choice(word, PROJECT_STAGE_WORDS, field_label="阶段") == code


def test_unknown_word_lists_the_accepted_ones() -> None:
    error = refused(map_choice, "规划中", choices=PROJECT_STAGE_WORDS, field_label="阶段")
    assert error.message.startswith("阶段“规划中”无法识别，可填：在谈、洽谈、谈判")
    assert "、达产" in error.message
    assert error.code == "choice"


@pytest.mark.parametrize(
    ("table", "choices"),
    [
        (PROJECT_STAGE_WORDS, ProjectStage),
        (PROJECT_KIND_WORDS, ProjectKind),
        (PROJECT_LEVEL_WORDS, ProjectLevel),
        (LEAD_STAGE_WORDS, LeadStage),
    ],
)
def test_word_tables_cover_every_code_and_every_label(table: dict[str, str], choices: Any) -> None:
    assert set(table.values()) == set(choices.values)
    for code, label in choices.choices:
        assert map_choice(str(label), table, field_label="x") == code
    assert all(clean_name(word).replace(" ", "") == word for word in table)  # keys as map_choice looks them up


# --- garbage -------------------------------------------------------------------------------------------------

LEDGER_ALPHABET = st.sampled_from(
    list("0123456789.,-/: %年月日号份度亿万元千百十零〇一二两三四五六七八九点负整人是否√×０．，") + ["\u3000"]
)
CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.datetimes(),
    st.dates(),
    st.text(max_size=30),
    st.text(alphabet=LEDGER_ALPHABET, max_size=16),
)
PARSERS: list[Any] = [
    parse_amount,
    lambda cell: parse_amount(cell, unit_hint="亿元", allow_negative=True),
    parse_int,
    parse_year,
    parse_percent,
    parse_bool,
    parse_date,
    parse_month,
    parse_uscc,
    lambda cell: map_choice(cell, PROJECT_STAGE_WORDS, field_label="阶段"),
]


@settings(max_examples=600, deadline=None)
@given(cell=CELLS)
def test_garbage_raises_nothing_but_cell_error(cell: Any) -> None:
    for parse in PARSERS:
        try:
            parse(cell)
        except CellError as error:
            assert error.message and error.code
    for clean in (clean_name, clean_code, clean_text):
        assert isinstance(clean(cell), str)
