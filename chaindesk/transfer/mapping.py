"""Which column of a ledger feeds which field (issue 13, item 2).

An importer states its fields once (`Field`: a name, the label its blank template uses, the synonyms offices
write, whether it is required). `match_columns` pairs a table's columns with them: a column whose full name or
leaf equals a field's label or synonym (compared as header_key, so 「企业名称*」, 「企業名稱」 and 「企业名称（全称）」
all match 企业名称); then one that contains a synonym of at least two characters (「申报企业名称」); each field
takes the first column that names it and each column feeds one field. A yearly field (`yearly=True`, the
indicators) also takes columns that name a year with it: 「2024年营业收入（万元）」 → "revenue@2024".

The mapping is kept as {column index (str): field key}, shown to the office for confirmation and remembered per
ledger layout: `signature(columns)` hashes the columns' header keys in order, so the next file with the same
header is mapped as it was confirmed (ImportTemplate).
"""

import dataclasses
import hashlib
import re
from collections.abc import Mapping, Sequence

from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop

from .reading_header import Column, header_key

Mapping_ = dict[str, str]  # column index (as text, JSON keys) → field key
ERROR_COLUMN = gettext_noop("错误说明")  # the last column of an error workbook (xlsx.error_workbook): no field
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年?(?:度)?")


@dataclasses.dataclass(frozen=True)
class Field:
    """One field an importer reads. `label` heads the blank template's column; `synonyms` are other headers
    offices write for it; `help` is the template's note under the header (format, accepted words)."""

    name: str
    label: str | Promise
    synonyms: tuple[str, ...] = ()
    required: bool = False
    help: str | Promise = ""
    yearly: bool = False  # also matched as 「2024年<synonym>」, keyed "name@2024"
    width: int = 16  # the blank template's column width

    @property
    def keys(self) -> tuple[str, ...]:
        words = (str(self.label), *self.synonyms)
        return tuple(dict.fromkeys(header_key(word) for word in words if header_key(word)))


def field_key(name: str, year: int | None = None) -> str:
    return f"{name}@{year}" if year is not None else name


def split_key(key: str) -> tuple[str, int | None]:
    name, _sep, year = key.partition("@")
    return name, int(year) if year else None


def _year_and_rest(key: str) -> tuple[int | None, str]:
    found = _YEAR.search(key)
    if found is None:
        return None, key
    return int(found[1]), (key[: found.start()] + key[found.end() :]).strip()


def is_error_column(column: Column) -> bool:
    """The 错误说明 column of an error workbook uploaded again (in either language)."""
    return bool({header_key(ERROR_COLUMN), header_key(gettext(ERROR_COLUMN))} & set(column.keys))


def match_columns(columns: Sequence[Column], fields: Sequence[Field]) -> Mapping_:
    """The automatic mapping of `columns` onto `fields` (see the module docstring)."""
    columns = [column for column in columns if not is_error_column(column)]
    mapping: Mapping_ = {}
    taken: set[str] = set()

    def take(column: Column, key: str) -> None:
        mapping[str(column.index)] = key
        taken.add(key)

    # 1. exact names, fields in their order, columns left to right
    for field in fields:
        for column in columns:
            if str(column.index) in mapping or field.name in taken:
                continue
            if set(column.keys) & set(field.keys):
                take(column, field.name)
    # 2. a year with a yearly field's name: 「2024年营业收入」
    for column in columns:
        if str(column.index) in mapping:
            continue
        for column_key in column.keys:
            year, rest = _year_and_rest(column_key)
            if year is None:
                continue
            for field in fields:
                key = field_key(field.name, year)
                if field.yearly and key not in taken and any(word == rest or word in rest for word in field.keys):
                    take(column, key)
                    break
            if str(column.index) in mapping:
                break
    # 3. a column containing a synonym (two characters or more)
    for field in fields:
        for column in columns:
            if str(column.index) in mapping or field.name in taken:
                continue
            if any(len(word) >= 2 and word in key for word in field.keys for key in column.keys):
                take(column, field.name)
    return mapping


def signature(columns: Sequence[Column]) -> str:
    """The layout's fingerprint: the columns' header keys in order (names only; data never enters it). An error
    workbook's 错误说明 column does not count: the fixed file maps as the original did."""
    text = "\x1f".join(header_key(column.name) for column in columns if not is_error_column(column))
    return hashlib.sha256(text.encode()).hexdigest()


def clean_mapping(raw: Mapping[str, str], columns: Sequence[Column], fields: Sequence[Field]) -> Mapping_:
    """A mapping the office submitted, kept to real columns and known fields, each field fed by one column
    (the leftmost wins); a blank choice ignores the column."""
    names = {field.name: field for field in fields}
    indexes = {str(column.index) for column in columns}
    cleaned: Mapping_ = {}
    seen: set[str] = set()
    for index in sorted(raw, key=lambda text: int(text) if text.isdigit() else 1 << 30):
        key = raw[index]
        name, year = split_key(key or "")
        if index not in indexes or name not in names or key in seen:
            continue
        if year is not None and not names[name].yearly:
            continue
        cleaned[index] = key
        seen.add(key)
    return cleaned


def missing_required(mapping: Mapping_, fields: Sequence[Field]) -> list[Field]:
    mapped = {split_key(key)[0] for key in mapping.values()}
    return [field for field in fields if field.required and field.name not in mapped]
