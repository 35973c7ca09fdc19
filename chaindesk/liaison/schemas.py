"""One-to-one service's API schemas (chaindesk/liaison/api.py): an enterprise's service (its liaison, the
assignment periods, last visit, open next steps), a visit as the reader may read it, and the inputs of the
assign and visit forms. Dates are YYYY-MM-DD."""

import datetime as dt

from ninja import Field, Schema

from .models import VisitKind


class LiaisonPersonOut(Schema):
    id: int
    display_name: str


class AssignmentPeriodOut(Schema):
    id: int
    liaison: LiaisonPersonOut
    leader: LiaisonPersonOut | None
    started_on: dt.date
    ended_on: dt.date | None = Field(None, description="交接日期；现任为 null")
    note: str
    assigned_by: LiaisonPersonOut | None


class AssignmentOut(Schema):
    id: int = Field(..., description="企业编号（与 /api/assignments/ 列表的 id 相同）")
    enterprise: str
    liaison: LiaisonPersonOut | None = Field(None, description="挂钩服务专员")
    leader: LiaisonPersonOut | None = Field(None, description="挂钩市领导")
    last_visit_on: dt.date | None
    stale: bool = Field(..., description="超期未走访")
    open_steps: int = Field(..., description="待办下一步(项)")
    current: AssignmentPeriodOut | None
    history: list[AssignmentPeriodOut] = Field(..., description="挂钩服务安排，新的在前")
    may_assign: bool


class LiaisonAssignIn(Schema):
    liaison_id: int
    leader_id: int | None = None
    started_on: dt.date | None = Field(None, description="开始日期，默认今天")
    note: str = Field("", max_length=200, description="交接说明")


class VisitIssueOut(Schema):
    id: int
    text: str
    demand_id: int | None = Field(None, description="已转为的诉求")


class VisitNextStepOut(Schema):
    id: int
    visit_id: int
    text: str
    owner: LiaisonPersonOut
    due_on: dt.date
    done_on: dt.date | None


class VisitOut(Schema):
    id: int
    enterprise_id: int
    enterprise: str
    visited_on: dt.date
    kind: VisitKind
    kind_label: str
    participants: list[LiaisonPersonOut]
    other_participants: str
    created_by: LiaisonPersonOut
    notes: str | None = Field(None, description="走访情况；企业用户不可见（null）")
    issues: list[VisitIssueOut] = Field(default_factory=list, description="反映问题；企业用户不可见")
    next_steps: list[VisitNextStepOut] = Field(default_factory=list, description="下一步工作；企业用户不可见")
    photo_ids: list[int] = Field(default_factory=list, description="现场照片编号；企业用户不可见")
    withheld: list[str] = Field(default_factory=list, description="对当前用户隐去的内容")


class VisitStepIn(Schema):
    text: str = Field(..., max_length=200)
    owner_id: int = Field(..., description="负责人：为该企业服务的在岗人员")
    due_on: dt.date


class VisitIn(Schema):
    enterprise_id: int
    visited_on: dt.date
    kind: VisitKind = VisitKind.VISIT
    notes: str
    participant_ids: list[int] = Field(default_factory=list, description="参加人员：为该企业服务的在岗人员")
    other_participants: str = Field("", max_length=200)
    issues: list[str] = Field(default_factory=list, description="反映问题，最多 20 条")
    next_steps: list[VisitStepIn] = Field(default_factory=list, description="下一步工作，最多 20 项")


class VisitPatch(Schema):
    """Only the fields given change."""

    visited_on: dt.date | None = None
    kind: VisitKind | None = None
    notes: str | None = None
    participant_ids: list[int] | None = None
    other_participants: str | None = Field(None, max_length=200)


class NextStepDoneIn(Schema):
    done_on: dt.date | None = Field(None, description="完成日期，默认今天")
