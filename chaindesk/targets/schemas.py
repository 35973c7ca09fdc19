"""The typed shapes of the 年度目标 API (chaindesk/targets/api.py): a target with its progress as the ledger shows
it, a page of them, one owner's row of the ledger as it is set, what a save changed, and the lights' thresholds."""

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from pydantic import StringConstraints

from .choices import Light, Metric, Owner

Note = Annotated[str, StringConstraints(max_length=200)]


class TargetsQuery(Schema):
    """The ledger's filters (the page's ?year=&owner=)."""

    year: int | None = Field(None, ge=2000, le=2100, description="年度，默认今年")
    owner: Owner | None = Field(None, description="目标类别：产业链、地区或部门；不给则全部")


class TargetPaceOut(Schema):
    """最后赛段: what closing an accumulating target's gap takes."""

    gap: Decimal = Field(..., description="距目标的差额（不为负）")
    weekly: Decimal | None = Field(..., description="今后每周（5 个工作日）须完成；无剩余工作日或日历未覆盖时为 null")
    reachable: bool = Field(..., description="仍有工作日可以补上差额")


class TargetOut(Schema):
    """One target and how far it has come, measured from the records as of today."""

    id: int
    year: int
    owner: Owner
    owner_label: str
    owner_id: int = Field(..., description="产业链、地区或部门的 ID")
    owner_name: str
    metric: Metric
    metric_label: str
    unit: str = Field(..., description="单位：个、家、万元或 %")
    is_rate: bool = Field(..., description="比率类（办结率、满意率）：与目标比率比较；否则为累计类，与序时进度比较")
    value: Decimal = Field(..., description="目标值")
    note: str = Field(..., description="说明")
    actual: Decimal | None = Field(..., description="完成值（比率类为实际比率 %）；比率类暂无案件时为 null")
    numerator: int | None = Field(None, description="比率类：分子（如已办结件数）")
    denominator: int | None = Field(None, description="比率类：分母（如已受理件数）")
    done: Decimal | None = Field(..., description="完成率 %（累计类；目标为 0 或无数据时为 null）")
    elapsed: Decimal | None = Field(..., description="序时进度 %（累计类）")
    behind: Decimal | None = Field(..., description="落后的百分点：累计类落后序时进度、比率类低于目标；为负即超前")
    light: Light = Field(..., description="红黄绿灯（阈值见 /api/targets/lights）")
    light_label: str
    pace: TargetPaceOut | None = Field(None, description="累计类：补齐差额所需的每周进度")
    may_set: bool = Field(..., description="当前用户可填报该目标所属的一行")
    updated_at: dt.datetime


class TargetPage(Schema):
    items: list[TargetOut]
    count: int = Field(..., description="符合条件的总条数")
    next: str | None = Field(..., description="下一页的游标（作为 cursor 传回）；最后一页为 null")


class TargetsIn(Schema):
    """One owner's row of the ledger for the year. Only the metrics sent change: a figure creates or changes that
    metric's target, null removes it; a metric not sent stays as it is."""

    values: dict[Metric, Decimal | None] = Field(
        ...,
        description="各指标的目标值（null 删除该项目标）：金额单位万元，个数为整数，比率为 0–100 的 %；最多两位小数",
    )
    notes: dict[Metric, Note] = Field(
        default_factory=dict, description="各指标的说明（最多 200 字），须随该指标的目标值一同提交"
    )


class TargetsSavedOut(Schema):
    created: int = Field(..., description="新增的目标数")
    changed: int = Field(..., description="修改的目标数")
    removed: int = Field(..., description="删除的目标数")
    targets: list[TargetOut] = Field(..., description="保存后该主体本年度的全部目标及其进度")


class LightRuleIn(Schema):
    """The thresholds in percentage points (0–100, one decimal); red must be above yellow."""

    yellow: Decimal = Field(..., description="累计类·黄灯起点：落后序时进度达到该百分点数即亮黄灯")
    red: Decimal = Field(..., description="累计类·红灯起点：落后序时进度超过该百分点数即亮红灯；须大于黄灯起点")
    rate_yellow: Decimal = Field(..., description="比率类·黄灯起点：低于目标比率达到该百分点数即亮黄灯")
    rate_red: Decimal = Field(..., description="比率类·红灯起点：低于目标比率超过该百分点数即亮红灯；须大于黄灯起点")


class LightRuleOut(LightRuleIn):
    updated_at: dt.datetime | None = Field(None, description="最近修改时间；从未修改（默认阈值）时为 null")
    updated_by: str | None = Field(None, description="最近修改人")
    may_edit: bool = Field(..., description="当前用户可修改阈值（市领导）")
