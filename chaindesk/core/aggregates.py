"""Aggregates Django does not ship for every database we run on."""

from typing import Any

from django.db.models import Aggregate, F, Func, IntegerField, QuerySet, Subquery, TextField

# The separators `JoinedText` accepts: written into the SQL, so only these fixed strings.
SEPARATORS = frozenset({",", "、"})


class JoinedText(Aggregate):
    """A group's texts joined with `separator` into one (GROUP_CONCAT on SQLite, STRING_AGG on PostgreSQL); NULLs
    are skipped, the order is the database's."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s, '%(separator)s')"
    output_field = TextField()

    def __init__(self, expression: Any, separator: str = ",", **extra: Any) -> None:
        if separator not in SEPARATORS:
            raise ValueError(f"unsupported separator {separator!r}")
        super().__init__(expression, separator=separator, **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="STRING_AGG", **extra)


def count_of(qs: QuerySet[Any], distinct: str | None = None) -> Subquery:
    """A correlated COUNT of `qs` (filtered on an OuterRef) without GROUP BY: 0 rather than NULL when none; with
    `distinct`, the number of distinct values of that field."""
    template = "%(function)s(DISTINCT %(expressions)s)" if distinct else "%(function)s(%(expressions)s)"
    count = Func(F(distinct or "pk"), function="COUNT", template=template)
    return Subquery(qs.order_by().annotate(n=count).values("n")[:1], output_field=IntegerField())
