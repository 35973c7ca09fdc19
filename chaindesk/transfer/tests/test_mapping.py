"""Columns matched to fields (chaindesk/transfer/mapping.py): names and synonyms in any form offices write them,
years in the header, containment, one column per field, the layout's signature, submitted mappings cleaned."""

from chaindesk.transfer.kinds.enterprises import FIELDS
from chaindesk.transfer.mapping import ERROR_COLUMN, clean_mapping, match_columns, missing_required, signature
from chaindesk.transfer.reading_header import Column


def _columns(*names: str) -> list[Column]:
    columns = []
    for index, name in enumerate(names):
        parts = tuple(name.split("/"))
        columns.append(Column(index=index, letter=chr(65 + index), name=name, parts=parts))
    return columns


def test_names_synonyms_traditional_and_marks_match() -> None:
    columns = _columns("序号", "單位名稱*", "统一社会信用代码（18位）", "所在区县", "企业联系人", "手机")
    assert match_columns(columns, FIELDS) == {
        "1": "name",
        "2": "uscc",
        "3": "region",
        "4": "contact_name",
        "5": "contact_phone",
    }


def test_a_year_in_the_header_makes_a_yearly_field_of_that_year() -> None:
    columns = _columns("企业名称", "2024年营业收入（万元）", "2025年度营业收入", "2025年纳税额", "年度")
    mapping = match_columns(columns, FIELDS)
    assert mapping == {"0": "name", "1": "revenue@2024", "2": "revenue@2025", "3": "tax@2025", "4": "year"}


def test_containment_and_two_row_headers_use_the_leaf() -> None:
    columns = _columns("申报企业名称", "基本情况/统一社会信用代码", "基本情况/成立时间")
    assert match_columns(columns, FIELDS) == {"0": "name", "1": "uscc", "2": "founded_on"}


def test_each_field_takes_one_column_the_leftmost() -> None:
    columns = _columns("企业名称", "公司名称")
    assert match_columns(columns, FIELDS) == {"0": "name"}


def test_the_error_column_is_never_a_field_and_leaves_the_signature_alone() -> None:
    plain = _columns("企业名称", "统一社会信用代码", "说明")
    fixed = _columns("企业名称", "统一社会信用代码", "说明", ERROR_COLUMN)
    assert signature(plain) == signature(fixed)
    assert "3" not in match_columns(fixed, FIELDS)
    assert signature(plain) != signature(_columns("统一社会信用代码", "企业名称", "说明"))


def test_a_submitted_mapping_is_cleaned() -> None:
    columns = _columns("A", "B", "C", "D")
    raw = {"0": "name", "1": "name", "2": "founded_on@2024", "3": "no_such_field", "9": "uscc", "x": "region"}
    cleaned = clean_mapping(raw, columns, FIELDS)
    assert cleaned == {"0": "name"}  # a second column for name, a year on a plain field, unknowns: dropped
    assert [f.name for f in missing_required(cleaned, FIELDS)] == ["uscc"]
    assert clean_mapping({"1": "revenue@2024"}, columns, FIELDS) == {"1": "revenue@2024"}
