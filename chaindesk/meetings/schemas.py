"""The JSON shapes of meetings in the API (chaindesk/meetings/api.py): one meeting as its page shows it (facts,
who attended, the stops of the site visit with their photos, the speeches, the attachments, the decisions with
their departments, deadline, status and carrying demand, the agenda), and what the team writes through the
meeting form (facts, attendees by id, stops and speeches as ordered rows), the decision form, and the pages
that carry a decision to its end (转为诉求, 交办). Files are not uploaded through the JSON API."""

import datetime as dt

from ninja import Field, Schema

from chaindesk.demands.choices import DemandStatus, Urgency

from .models import AgendaKind, MeetingKind
from .progress import Progress

# --- what a meeting shows -------------------------------------------------------------------------------------


class Named(Schema):
    id: int
    name: str


class MeetingDepartmentOut(Schema):
    id: int
    name: str
    short_name: str


class MeetingPersonOut(Schema):
    id: int
    name: str
    title: str = Field("", description="职务")
    role: str
    role_label: str
    department: str = Field("", description="部门简称")
    region: str = Field("", description="所在地区")


class EntryOut(Schema):
    name: str
    note: str = ""


class GroupOut(Schema):
    """One group of the page's 参会人员 (领导, 部门, 地区, 企业, 其他)."""

    key: str
    label: str
    entries: list[EntryOut]


class AttendanceOut(Schema):
    people: list[MeetingPersonOut] = Field(..., description="参会领导和人员")
    departments: list[MeetingDepartmentOut] = Field(..., description="参会部门")
    regions: list[Named] = Field(..., description="参会地区")
    enterprises: list[Named] = Field(..., description="参会企业")
    guests: list[str] = Field(..., description="其他参会人员（不在系统中），每行一位")
    groups: list[GroupOut] = Field(..., description="页面所列的分组")


class FileOut(Schema):
    id: int
    name: str
    content_type: str
    size: int = Field(..., description="字节")
    uploaded_by: str = Field("", description="上传人（附件；照片为空，页面不列）")
    uploaded_at: dt.datetime
    url: str = Field(..., description="下载地址（页面的文件地址，凭登录会话访问）")


class SiteVisitOut(Schema):
    id: int
    seq: int
    enterprise: Named | None = Field(None, description="观摩企业")
    project: Named | None = Field(None, description="观摩项目")
    place: str = Field(..., description="其他观摩点")
    notes: str = Field(..., description="观摩情况")
    photos: list[FileOut]


class SpeechOut(Schema):
    id: int
    seq: int
    department: MeetingDepartmentOut | None = None
    region: Named | None = None
    enterprise: Named | None = None
    speaker: str
    topic: str
    content: str


class DemandRef(Schema):
    """The demand that carries a decision: the enterprise's 诉求, or the 交办事项 with one task per department."""

    id: int
    title: str
    status: DemandStatus
    status_label: str
    visible: bool = Field(..., description="当前用户能否打开该诉求（/api/demands/{id}）")
    task_count: int = Field(..., description="任务数（不含退回的）")


class DecisionOut(Schema):
    id: int
    meeting_id: int
    seq: int
    content: str
    enterprise: Named | None = Field(None, description="涉及企业")
    departments: list[MeetingDepartmentOut] = Field(..., description="责任部门，牵头部门在前")
    lead_department_id: int | None = Field(None, description="牵头部门（只有一个责任部门时即为该部门）")
    working_days: int | None = Field(None, description="办理时限(工作日)")
    deadline: dt.date | None = Field(None, description="办结期限：自会议之日起按工作日计算")
    progress: Progress = Field(
        ..., description="落实情况：not_started 未办、in_progress 办理中、overdue 逾期、done 已办结"
    )
    progress_label: str
    demand: DemandRef | None = Field(None, description="承接的诉求或交办事项；尚未转办为 null")


class TagOut(Schema):
    label: str
    colour: str


class AgendaItemOut(Schema):
    id: int
    seq: int
    kind: AgendaKind
    kind_label: str
    title: str
    note: str
    dropped: bool = Field(..., description="已移出议程")
    tags: list[TagOut] = Field(..., description="所指记录的当前状态")
    facts: list[str]
    department: str = Field("", description="责任部门简称")
    url: str | None = Field(None, description="所指记录的页面（当前用户可查看时）")


class MeetingOut(Schema):
    """A meeting as its page shows it."""

    id: int
    title: str
    kind: MeetingKind
    kind_label: str
    chain: Named
    held_on: dt.date
    starts_at: dt.time | None
    ends_at: dt.time | None
    region: Named | None = Field(None, description="地点所在地区")
    location: str
    place: str = Field(..., description="地点（页面所示）")
    leader: MeetingPersonOut = Field(..., description="带队领导")
    chair: MeetingPersonOut | None = Field(None, description="主持人")
    attendance: AttendanceOut
    site_visits: list[SiteVisitOut] = Field(..., description="现场观摩，按顺序")
    speeches: list[SpeechOut] = Field(..., description="交流发言，按顺序")
    summary: str = Field(..., description="会议纪要")
    attachments: list[FileOut]
    decisions: list[DecisionOut] = Field(..., description="议定事项")
    agenda: list[AgendaItemOut] = Field(..., description="会议议程（含已移出的事项）")
    created_by: str = ""
    created_at: dt.datetime | None
    may_manage: bool = Field(..., description="当前用户能否编辑会议和议定事项（该产业链服务团队）")


# --- what the team writes -----------------------------------------------------------------------------------

TEXT = 20000


class SiteVisitIn(Schema):
    """A stop of the site visit: an enterprise and/or one of its projects (of the meeting's chain), or a place."""

    id: int | None = Field(None, description="已有观摩点的编号；不填为新增")
    enterprise_id: int | None = None
    project_id: int | None = None
    place: str = Field("", max_length=200, description="不在系统中的观摩点")
    notes: str = Field("", max_length=TEXT, description="观摩情况")


class SpeechIn(Schema):
    """Who spoke (one of a department, a district, an enterprise; and/or a person as text), on what."""

    id: int | None = Field(None, description="已有发言的编号；不填为新增")
    department_id: int | None = None
    region_id: int | None = None
    enterprise_id: int | None = None
    speaker: str = Field("", max_length=100, description="发言人，如：张三 副局长")
    topic: str = Field("", max_length=200)
    content: str = Field("", max_length=TEXT)


class MeetingFields(Schema):
    """The meeting form's fields, all optional: what PATCH changes (rows: the full ordered list)."""

    chain_id: int | None = None
    kind: MeetingKind | None = None
    title: str | None = Field(None, max_length=200, description="不填：按产业链和类型命名")
    held_on: dt.date | None = None
    starts_at: dt.time | None = None
    ends_at: dt.time | None = None
    region_id: int | None = None
    location: str | None = Field(None, max_length=200)
    leader_id: int | None = None
    chair_id: int | None = None
    attendee_ids: list[int] | None = Field(None, description="参会领导和人员（用户编号）")
    attendee_department_ids: list[int] | None = None
    attendee_region_ids: list[int] | None = None
    attendee_enterprise_ids: list[int] | None = None
    guests: str | None = Field(None, max_length=TEXT, description="其他参会人员，每行一位")
    summary: str | None = Field(None, max_length=TEXT * 2, description="会议纪要")
    site_visits: list[SiteVisitIn] | None = Field(
        None, description="现场观摩的全部观摩点，按顺序；未列出的已有观摩点将删除（连同其照片）；不填则不变"
    )
    speeches: list[SpeechIn] | None = Field(
        None, description="全部交流发言，按顺序；未列出的已有发言将删除；不填则不变"
    )


class MeetingIn(MeetingFields):
    """A new meeting: the chain (one whose team the user is on), the day and who led it are required."""

    chain_id: int
    held_on: dt.date
    leader_id: int


class DecisionIn(Schema):
    content: str = Field(..., max_length=TEXT, description="议定内容")
    enterprise_id: int | None = Field(None, description="涉及企业（本产业链的企业）；不涉及具体企业为 null")
    department_ids: list[int] = Field(default_factory=list, description="责任部门")
    lead_department_id: int | None = Field(None, description="牵头部门：选择多个责任部门时必填")
    working_days: int = Field(..., description="办理时限（工作日，1–250），自会议之日起计算")


class DecisionPatch(Schema):
    content: str | None = Field(None, max_length=TEXT)
    enterprise_id: int | None = None
    department_ids: list[int] | None = None
    lead_department_id: int | None = None
    working_days: int | None = None


class ToDemandIn(Schema):
    """The enterprise's demand a decision about it becomes (标题、内容 default to the decision's, as the page)."""

    title: str | None = Field(None, max_length=200, description="诉求事项；不填为议定内容的第一行")
    description: str | None = Field(None, max_length=TEXT, description="具体内容；不填为议定内容")
    category: str = Field(..., description="类别编码，如 land、approval、energy")
    urgency: Urgency = Urgency.NORMAL
    project_id: int | None = Field(None, description="关联项目（该企业的项目）")
