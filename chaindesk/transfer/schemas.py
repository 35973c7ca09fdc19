"""The typed shapes of the imports API (chaindesk/transfer/api.py): a batch in the list, a batch with its dry run
(the column mapping, the counts and its rows, paged and filtered by outcome), and the mapping the office confirms."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from chaindesk.api.pagination import DEFAULT_LIMIT, MAX_LIMIT

from . import kinds
from .choices import BatchStatus, Outcome
from .models import ImportBatch

RowFilter = Literal["error", "warning", "new", "update", "unchanged"]


class BatchOut(Schema):
    id: int
    kind: str = Field(..., description="导入类型，如 enterprises、projects、leads、demands")
    kind_label: str
    original_name: str = Field(..., description="文件名")
    size: int = Field(..., description="大小(字节)")
    sha256: str
    status: BatchStatus
    status_label: str
    progress: int = Field(..., description="进度(0–100)")
    counts: dict[str, int] = Field(
        default_factory=dict, description="new、update、unchanged、error、rows、warnings、skipped；导入后另有 written"
    )
    error: str = Field(..., description="失败或未导入的原因")
    created_at: dt.datetime
    checked_at: dt.datetime | None
    committed_at: dt.datetime | None
    undone_at: dt.datetime | None

    @staticmethod
    def resolve_kind_label(obj: ImportBatch) -> str:
        try:
            return str(kinds.get(obj.kind).label)
        except KeyError:  # a kind removed since the upload: the batch is still listed
            return obj.kind

    @staticmethod
    def resolve_status_label(obj: ImportBatch) -> str:
        return str(obj.get_status_display())


class ColumnOut(Schema):
    index: int
    letter: str = Field(..., description="列号，如 C")
    header: str = Field(..., description="表头")
    field: str | None = Field(None, description="对应的字段（如 name、revenue@2024）；null 为不导入")
    field_label: str = Field("", description="字段的中文名称")


class IssueOut(Schema):
    level: Literal["error", "warning"]
    column: str = Field(..., description="列号；空为整行")
    header: str
    message: str


class ChangeOut(Schema):
    field: str
    before: str
    after: str


class RowOut(Schema):
    row: int = Field(..., description="Excel 行号")
    label: str = Field(..., description="该行所指的记录，如企业名称")
    outcome: Outcome
    outcome_label: str
    issues: list[IssueOut]
    changes: list[ChangeOut] = Field(..., description="更新行变更的字段")


class RowsOut(Schema):
    count: int
    next: str | None = Field(None, description="下一页的游标（作为 cursor 传回）；最后一页为 null")
    items: list[RowOut]


class SkippedOut(Schema):
    reason: str
    count: int


class BatchDetailOut(BatchOut):
    sheet: str = Field("", description="读取的工作表")
    unit: str = Field("", description="表头上方的单位说明")
    columns: list[ColumnOut] = Field(default_factory=list, description="列对应（检查完成后）")
    missing: list[str] = Field(default_factory=list, description="尚无对应列的必填字段")
    skipped: list[SkippedOut] = Field(default_factory=list, description="跳过的行（合计、备注、空行等）")
    commit_block: str = Field("", description="当前不能确认导入的原因；空为可以导入（仅“已检查”的批次）")
    rows: RowsOut | None = Field(
        None, description="检查结果的各行（按 outcome 筛选、limit/cursor 分页）；检查完成前为 null"
    )


class RowsQuery(Schema):
    outcome: RowFilter | None = Field(
        None, description="只看某类行：error、warning（有警告的行）、new、update、unchanged"
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="每页行数（1–200）")
    cursor: str | None = Field(None, description="上一页返回的 next；不给则从第一行开始")


class MappingIn(Schema):
    mapping: dict[str, str] = Field(
        ...,
        description='列序号 → 字段（如 {"1": "name", "2": "uscc", "8": "revenue@2024"}）；'
        "未列出或为空的列不导入；每个字段只能对应一列",
    )
