"""Reading one ledger cell as our types (issue 13, item 1): the vocabulary every importer uses.

A cell is what python-calamine (or the CSV reader) hands over: ``str | float | int | datetime | date | bool |
None`` (`Cell`). Every function here is pure (no database, no clock) and either returns the typed value or
raises `CellError`, a ValueError whose `message` is the Chinese text shown to the office and names what was
expected, e.g. 「无法识别的日期“2025年13月1日”，请写成 2025-11-24 或 2025年11月24日」; `code` says what failed
("blank", "amount", "integer", "year", "percent", "bool", "date", "month", "uscc", "choice"). Nothing else
escapes, whatever the cell holds (tested with hypothesis).

Blanks. Every parser refuses a blank cell (code "blank", 「此项不能为空」); `optional(parse, cell, **kw)` returns
None for one instead. Blank means None, white space, or a dash or slash alone (BLANK_WORDS: - -- — —— / \\),
which offices write for "nothing". The text cleaners return "" for None (the product stores empty text as "").

Text
- `clean_name(cell) -> str`: names and choice words. Full-width letters, digits and punctuation to half-width,
  brackets to full-width （） (the form registered names use, so 泰州(集团) matches 泰州（集团）), traditional to
  simplified (OpenCC t2s, built once on first use and skipped for strings with no traditional character),
  non-breaking, zero-width and repeated spaces removed, spaces between Chinese characters dropped.
- `clean_code(cell) -> str`: codes and numbers kept as text. Half-width, simplified, no white space at all;
  an Excel number 123.0 is "123".
- `clean_text(cell) -> str`: prose. Full-width letters, digits and ASCII symbols to half-width, the Chinese
  punctuation of prose kept (，。、：；！？（）“”～), simplified, spaces collapsed in each line, lines kept.
- `parse_uscc(cell) -> str`: a 统一社会信用代码, upper-case, half-width, no spaces or hyphens, validated by the
  enterprise model's validator (python-stdnum, GB 32100) and refused with its message.

Numbers
- `parse_amount(cell, *, unit_hint=None, allow_negative=False) -> Decimal`: in 万元, rounded half-up
  (四舍五入) to 2 decimals, the product's storage (DecimalField max_digits=14, decimal_places=2). A unit in the
  cell wins: 5.2亿元, 5,200万, 5200万元, 3000元, 1.2亿, 五千二百万, 一亿二千万, 伍仟贰佰万元整, ¥5200;
  otherwise `unit_hint` ("万元", "亿元", "元", also as a header writes it: 「单位：亿元」, (万元); None is
  万元) applies to a bare number. Thousands separators only in groups of three (1,5 is refused, not 15).
  Negative amounts are refused unless `allow_negative`; amounts of 1万亿万元 or more (max_digits) are refused.
- `parse_int(cell, *, allow_negative=False) -> int`: 120, 120.0, "1,200", "120人", "一百二十"; no fractions.
- `parse_year(cell) -> int`: 2025, "2025年", "2025年度", "二〇二五年"; 1900–2100.
- `parse_percent(cell, *, numbers_are_fractions=False) -> Decimal`: "12.5%", "12.5", "百分之十二点五" → 12.50;
  a number cell is the number shown unless the column is Excel-formatted as a percentage (0.125 → 12.50).
- `parse_bool(cell) -> bool`: 是/否, 有/无, √/×, Y/N, TRUE/FALSE, 1/0 and Excel booleans.

Dates (years 1900–2100)
- `parse_date(cell) -> date`: 2025年11月24日, 2025年11月24号, 2025.11.24, 2025/11/24, 2025-11-24, 2025-11-24
  00:00:00 (any time of day is dropped), 20251124, 二〇二五年九月一日, 二零二五年十一月二十四日, a datetime or date,
  an Excel serial number in the 1900 system (45985 = 2025-11-24; serial 60, Excel's non-existent 1900-02-29,
  is refused; a fraction is the time of day and dropped), also when it arrives as text ("45985"). Refused:
  two-digit years (25.11.24), day-first orders (24/11/2025), impossible days (2025年13月1日, 2025-02-30), a bare
  year (2025, which would otherwise be serial 1905-07-17), a month without a day.
- `parse_month(cell) -> (date, precision)`: what parse_date reads, as (day, "day"), and months: 2025年10月,
  2025年10月份, 2025.10, 2025-10, 2025/10, 202510 → (2025-10-01, "month"). A number cell 2025.11 is November;
  2025.1 is refused because Excel stores 2025.10 the same way (the text "2025.1" is January).

Choices
- `map_choice(cell, choices, *, field_label) -> str`: the code for an office's word (cleaned as clean_name),
  or the code itself; an unknown word is refused with the accepted words listed.
- Word tables: `PROJECT_STAGE_WORDS` (洽谈/在谈/谈判 → negotiating, 签约 → signed, 开工/新开工 → started,
  在建/续建/建设中 → building, 竣工/建成 → completed, 投产/试生产 → producing, 达产 → full, 暂停/停建/缓建 →
  paused, 终止/取消 → terminated), `PROJECT_KIND_WORDS`, `PROJECT_LEVEL_WORDS`, `LEAD_STAGE_WORDS`. Demand
  categories are rows of demands.Category, not codes: their importer matches names against the table.
"""

from .values_choices import (
    LEAD_STAGE_WORDS,
    PROJECT_KIND_WORDS,
    PROJECT_LEVEL_WORDS,
    PROJECT_STAGE_WORDS,
    map_choice,
)
from .values_dates import Precision, parse_date, parse_month
from .values_numbers import AMOUNT_LIMIT, AMOUNT_UNITS, parse_amount, parse_bool, parse_int, parse_percent, parse_year
from .values_text import (
    BLANK_WORDS,
    Cell,
    CellError,
    as_text,
    clean_code,
    clean_name,
    clean_text,
    is_blank,
    optional,
    parse_uscc,
    simplified,
)

__all__ = [
    "AMOUNT_LIMIT",
    "AMOUNT_UNITS",
    "BLANK_WORDS",
    "LEAD_STAGE_WORDS",
    "PROJECT_KIND_WORDS",
    "PROJECT_LEVEL_WORDS",
    "PROJECT_STAGE_WORDS",
    "Cell",
    "CellError",
    "Precision",
    "as_text",
    "clean_code",
    "clean_name",
    "clean_text",
    "is_blank",
    "map_choice",
    "optional",
    "parse_amount",
    "parse_bool",
    "parse_date",
    "parse_int",
    "parse_month",
    "parse_percent",
    "parse_uscc",
    "parse_year",
    "simplified",
]
