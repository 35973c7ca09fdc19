"""A dry run's result: every data row's outcome with its messages, and what the commit would write.

An importer (chaindesk.transfer.kinds) turns each row into a `RowPlan` through a `RowReader`, which hands it the
mapped cells parsed by chaindesk.transfer.values and files a parser's refusal as an `Issue` naming the row, the
column (letter and header) and the Chinese message. `Plan.report()` is the JSON the dry-run page, the error
XLSX and the CLI show. The commit writes from the plan the dry run stored (chaindesk.transfer.services.checked_plan)
while nothing it read has changed since, and plans the file again otherwise.
"""

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from django.utils.translation import gettext as _

from .choices import Outcome
from .mapping import Mapping_
from .reading import Row, Table
from .reading_header import Column
from .reading_xlsx import ErrorCell
from .values import CellError, is_blank

T = TypeVar("T")
ERROR, WARNING = "error", "warning"


@dataclasses.dataclass(frozen=True)
class Issue:
    """A message about one row: `column` is the letter ("C"), "" when it concerns the row as a whole."""

    message: str
    column: str = ""
    header: str = ""
    level: str = ERROR

    def as_list(self) -> list[str]:
        return [self.level, self.column, self.header, self.message]


@dataclasses.dataclass
class RowPlan:
    """One data row: its Excel row number, what it names (an enterprise's name), its outcome, its messages, and
    for an update the fields that change as (field label, before, after) texts."""

    number: int
    label: str = ""
    outcome: str = Outcome.NEW
    issues: list[Issue] = dataclasses.field(default_factory=list)
    changes: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)
    values: dict[str, Any] = dataclasses.field(default_factory=dict)
    target: Any = None  # the record an update (for some importers, an unchanged row too) matched

    @property
    def has_errors(self) -> bool:
        return any(issue.level == ERROR for issue in self.issues)

    def error(self, message: str, column: Column | None = None) -> None:
        self.issues.append(_issue(message, column, ERROR))

    def warn(self, message: str, column: Column | None = None) -> None:
        self.issues.append(_issue(message, column, WARNING))

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.number,
            "label": self.label,
            "outcome": str(self.outcome),
            "issues": [issue.as_list() for issue in self.issues],
            "changes": [list(change) for change in self.changes],
        }


def _issue(message: str, column: Column | None, level: str) -> Issue:
    if column is None:
        return Issue(message, level=level)
    return Issue(message, column.letter, column.name, level)


class RowReader:
    """The mapped cells of one row, parsed on request; a parser's CellError becomes an error of the row."""

    def __init__(self, row: Row, plan: RowPlan, columns: Mapping[str, Column]) -> None:
        self.row = row
        self.plan = plan
        self.columns = columns  # field key → column
        cells = row.cells
        # The mapped fields whose cell is not blank, decided once: parsers ask has() and get() of a field in turn.
        self.filled = {key for key, column in columns.items() if not is_blank(cells[column.index])}  # type: ignore[arg-type]

    def column(self, key: str) -> Column | None:
        return self.columns.get(key)

    def raw(self, key: str) -> Any:
        column = self.columns.get(key)
        return None if column is None else self.row.cells[column.index]

    def has(self, key: str) -> bool:
        """The field is mapped and its cell is not blank."""
        return key in self.filled

    def get(self, key: str, parse: Callable[..., T], *, required: bool = False, **kwargs: Any) -> T | None:
        """The parsed cell; None when blank (an error first if `required`) or refused (the error filed)."""
        column = self.columns.get(key)
        if column is None:
            return None
        value = self.row.cells[column.index]
        if isinstance(value, ErrorCell):  # filed by read_rows already
            return None
        if key not in self.filled:
            if required:
                self.plan.error(_("此项不能为空。"), column)
            return None
        try:
            return parse(value, **kwargs)
        except CellError as exc:
            self.plan.error(exc.message, column)
            return None


@dataclasses.dataclass
class Plan:
    """A whole dry run."""

    kind: str
    table: Table
    mapping: Mapping_
    rows: list[RowPlan]

    @property
    def counts(self) -> dict[str, int]:
        counter = Counter(str(row.outcome) for row in self.rows)
        counts = {str(outcome): counter.get(str(outcome), 0) for outcome in Outcome}
        counts["rows"] = len(self.rows)
        counts["warnings"] = sum(1 for row in self.rows if any(i.level == WARNING for i in row.issues))
        counts["skipped"] = sum(self.table.skipped.values())
        return counts

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not any(row.outcome == Outcome.ERROR for row in self.rows)

    def report(self) -> dict[str, Any]:
        table = self.table
        return {
            "kind": self.kind,
            "counts": self.counts,
            "sheet": table.sheet or "",
            "header_rows": list(table.header_rows),
            "unit": table.unit or "",
            "columns": [[c.index, c.letter, c.name] for c in table.columns],
            "mapping": dict(self.mapping),
            "skipped": dict(table.skipped),
            "skipped_rows": [[s.number, s.reason, s.text] for s in table.skipped_rows[:500]],
            "stopped_at": table.stopped_at,
            "rows": [row.as_dict() for row in self.rows],
        }


def mapped_columns(table: Table, mapping: Mapping_) -> dict[str, Column]:
    """field key → column, for a RowReader."""
    by_index = {str(column.index): column for column in table.columns}
    return {key: by_index[index] for index, key in mapping.items() if index in by_index}


def read_rows(table: Table, mapping: Mapping_, progress: Callable[[int], None] | None = None) -> Iterator[RowReader]:
    """A RowReader per data row (each with a fresh RowPlan); the row's unreadable cells (formulas without a value,
    over-long text) are errors of their column already. `progress(n)` is called every 1000 rows."""
    columns = mapped_columns(table, mapping)
    by_index = {column.index: column for column in table.columns}
    for n, row in enumerate(table.rows(), start=1):
        plan = RowPlan(number=row.number)
        for index, error in row.errors:
            plan.error(str(error.message), by_index.get(index))
        yield RowReader(row, plan, columns)
        if progress is not None and n % 1000 == 0:
            progress(n)


def duplicates_within(rows: Sequence[RowPlan], key: Callable[[RowPlan], Any], message: str) -> None:
    """Flag every row whose key an earlier row already had: an error naming that row (`message` with %(row)s)."""
    first: dict[Any, int] = {}
    for row in rows:
        value = key(row)
        if value in (None, ""):
            continue
        if value in first:
            row.error(message % {"row": first[value]})
            row.outcome = Outcome.ERROR
        else:
            first[value] = row.number
