"""The API's list pagination: `limit` and `offset` bounded in the schema, so an out-of-range value is refused
with 422 (a validation error) instead of reaching the database (SQLite and PostgreSQL overflow past 2**63)."""

from typing import Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_LIMIT = 200
DEFAULT_LIMIT = 100
MAX_OFFSET = 10**9


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="每页条数（1–200）")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过的条数（0–10亿）")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)
