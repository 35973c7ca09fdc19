"""The JSON shapes of demands and their tasks in the API (chaindesk/demands/api.py, api_tasks.py): a demand and
its tasks as the reader may see them, the task page's view of one task, and what each action of the demand page
(受理, 不予受理, 要求补充, 补充材料, 合并, 交办, 确认评价, 批示) and of the task page (签收, 进展, 申请延期, 退回,
申请办结, 延期审批, 办结确认, 批示, 催办) takes. Every action may carry the status its caller last saw
(`expected_status`): when the demand or task has moved on since, the answer is 409 and nothing changes."""

import datetime as dt

from ninja import Field, Schema

from .choices import Channel, DemandKind, DemandStatus, Rating, TaskStatus, Urgency
from .models import Demand, Task
from .workdays import is_provisional

# --- reading ----------------------------------------------------------------------------------------------------


class TaskOut(Schema):
    id: int
    lead_department: str = Field(..., alias="lead_department.short_name")
    status: TaskStatus
    deadline: dt.date
    deadline_estimated: bool = Field(
        ..., description="办结期限是否为预估：该年节假日安排尚未公布，暂按法定节假日计算（页面标注“预估”）"
    )
    escalation: str | None = Field(None, description="预警级别；企业用户不可见（null）")

    @staticmethod
    def resolve_deadline_estimated(obj: Task) -> bool:
        return is_provisional(obj.deadline)  # the pages' 预估 mark (demands_tags.provisional_mark)

    @staticmethod
    def resolve_escalation(obj: Task) -> str | None:
        return None if "escalation" in getattr(obj, "withheld_fields", ()) else obj.escalation


class LeaderNoteOut(Schema):
    """A leader's 批示 or 催办 (never shown to enterprise users)."""

    kind: str = Field(..., description="instruction 批示、urge 催办")
    kind_label: str
    text: str
    author: str
    department: str | None = Field(None, description="所针对任务的主办部门；对整条诉求的批示为 null")
    task_id: int | None = None
    created_at: dt.datetime


class DemandOut(Schema):
    id: int
    kind: DemandKind = Field(..., description="demand：企业诉求；assignment：会议交办事项（无企业、无类别）")
    enterprise_id: int | None
    enterprise: str | None = Field(None, description="企业名称；会议交办事项为 null")
    title: str
    category: str | None = Field(None, description="类别编码；会议交办事项为 null")
    urgency: Urgency
    channel: Channel
    status: DemandStatus
    submitted_at: dt.datetime
    closed_at: dt.datetime | None
    rating: str

    @staticmethod
    def resolve_enterprise(obj: Demand) -> str | None:
        return obj.enterprise.name if obj.enterprise_id is not None and obj.enterprise else None

    @staticmethod
    def resolve_category(obj: Demand) -> str | None:
        return obj.category.code if obj.category_id is not None and obj.category else None


class DemandDetailOut(DemandOut):
    description: str
    status_note: str = Field("", description="状态说明：不予受理的原因、需补充的内容、合并说明")
    merged_into_id: int | None = Field(None, description="合并至的诉求")
    source_label: str = Field("", description="来源，如“《会议名称》议定事项 3”")
    tasks: list[TaskOut] = Field(default_factory=list)
    leader_notes: list[LeaderNoteOut] = Field(default_factory=list, description="领导批示与催办；企业用户为空")
    allowed_actions: list[str] = Field(
        default_factory=list,
        description="当前用户在当前状态下可做的操作：accept、reject、merge、request-info、tasks（交办）、"
        "confirm、supply-info、instruct",
    )

    @staticmethod
    def resolve_tasks(obj: Demand) -> list[Task]:
        # Only the tasks the reader may see, as they may see them (selectors.tasks_of), never obj.tasks.
        return list(getattr(obj, "reader_tasks", ()))

    @staticmethod
    def resolve_leader_notes(obj: Demand) -> list[dict[str, object]]:
        return list(getattr(obj, "note_rows", ()))

    @staticmethod
    def resolve_allowed_actions(obj: Demand) -> list[str]:
        return list(getattr(obj, "allowed_actions", ()))


class TaskUpdateOut(Schema):
    kind: str
    kind_label: str
    note: str
    extra_days: int | None = Field(None, description="延期(工作日)")
    actor: str
    created_at: dt.datetime


class TaskDetailOut(TaskOut):
    """One task as its page shows it (officials and department handlers who see it)."""

    demand_id: int
    demand_title: str
    enterprise: str | None = Field(None, description="企业名称；会议交办事项为 null")
    lead_department_id: int
    co_departments: list[str] = Field(..., description="协办部门（简称）")
    instructions: str = Field(..., description="办理要求")
    working_days: int = Field(..., description="办理时限(工作日)")
    status_label: str
    handler: str | None = Field(None, description="签收的经办人")
    assigned_by: str | None = Field(None, description="交办人")
    signed_at: dt.datetime | None
    completed_at: dt.datetime | None
    result: str = Field(..., description="办理结果")
    status_note: str
    reopen_count: int
    updates: list[TaskUpdateOut] = Field(..., description="办理记录，按时间先后")
    leader_notes: list[LeaderNoteOut]
    allowed_actions: list[str] = Field(
        ...,
        description="当前用户在当前状态下可做的操作：sign、progress、extension、return、completion（经办人），"
        "extension/decide、completion/decide（服务团队），instruct、urge（链长等）",
    )
    warning: str = Field("", description="交办时的提醒，如所选部门尚无经办人")

    @staticmethod
    def resolve_demand_title(obj: Task) -> str:
        return obj.demand.title

    @staticmethod
    def resolve_enterprise(obj: Task) -> str | None:
        demand = obj.demand
        return demand.enterprise.name if demand.enterprise_id is not None and demand.enterprise else None

    @staticmethod
    def resolve_co_departments(obj: Task) -> list[str]:
        return [d.short_name for d in obj.co_departments.all()]

    @staticmethod
    def resolve_status_label(obj: Task) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_handler(obj: Task) -> str | None:
        return str(obj.handler) if obj.handler_id is not None else None

    @staticmethod
    def resolve_assigned_by(obj: Task) -> str | None:
        return str(obj.assigned_by) if obj.assigned_by_id is not None else None

    @staticmethod
    def resolve_updates(obj: Task) -> list[dict[str, object]]:
        return list(getattr(obj, "update_rows", ()))

    @staticmethod
    def resolve_leader_notes(obj: Task) -> list[dict[str, object]]:
        return list(getattr(obj, "note_rows", ()))

    @staticmethod
    def resolve_allowed_actions(obj: Task) -> list[str]:
        return list(getattr(obj, "allowed", ()))

    @staticmethod
    def resolve_warning(obj: Task) -> str:
        return str(getattr(obj, "warning", ""))


# --- the demand page's actions ----------------------------------------------------------------------------------


class DemandIn(Schema):
    enterprise_id: int
    title: str = Field(..., max_length=100)
    description: str
    category: str = Field(..., description="类别编码，如 land、approval、energy")
    urgency: Urgency = Urgency.NORMAL
    project_id: int | None = None


class DemandActionIn(Schema):
    expected_status: DemandStatus | None = Field(None, description="调用方所见的诉求状态（比较并交换）")


class ConfirmIn(DemandActionIn):
    rating: Rating
    comment: str = Field("", max_length=300, description="评价意见；不满意时必填")
    proxy_note: str = Field("", max_length=300, description="挂钩服务专员代企业确认时必填")
    reopen_tasks: list[int] | None = Field(
        None, description="不满意时退回重新办理的任务编号（须为本诉求已办结的任务）；不填则全部已办结任务"
    )


class AcceptIn(DemandActionIn):
    note: str = Field("", max_length=2000, description="受理说明（不超过 300 字）")


class RejectIn(DemandActionIn):
    reason: str = Field(..., max_length=2000, description="不予受理的原因（必填，不超过 300 字）")


class RequestInfoIn(DemandActionIn):
    note: str = Field(..., max_length=2000, description="需要企业补充的内容（必填，不超过 300 字）")


class SupplyInfoIn(DemandActionIn):
    note: str = Field(..., max_length=20000, description="补充说明（必填）；补充附件请在页面上传")


class MergeIn(DemandActionIn):
    into_id: int = Field(..., description="合并至：同一企业的另一条未办结诉求")
    note: str = Field("", max_length=2000, description="说明（不超过 300 字）")


class SplitIn(DemandActionIn):
    """交办: one task for a lead department (主办) with optional co-departments (协办)."""

    lead_department_id: int
    co_department_ids: list[int] = Field(default_factory=list)
    instructions: str = Field(..., max_length=20000, description="办理要求")
    working_days: int = Field(10, description="办理时限（工作日，1–250）")


class InstructIn(Schema):
    text: str = Field(..., max_length=2000, description="批示内容（不超过 500 字）")


# --- the task page's actions -----------------------------------------------------------------------------------


class TaskActionIn(Schema):
    expected_status: TaskStatus | None = Field(None, description="调用方所见的任务状态（比较并交换）")


class ProgressIn(TaskActionIn):
    note: str = Field(..., max_length=20000, description="办理进展（不超过 2000 字）")


class ExtensionIn(TaskActionIn):
    extra_days: int = Field(..., description="延期的工作日数（1–180）")
    reason: str = Field(..., max_length=2000, description="延期理由（不超过 300 字）")


class ReturnIn(TaskActionIn):
    reason: str = Field(..., max_length=2000, description="退回理由（不超过 300 字）")
    confirm: bool = Field(False, description="确认本部门不是该事项的主办部门（须为 true）")


class CompletionIn(TaskActionIn):
    result: str = Field(..., max_length=20000, description="办理结果（不超过 2000 字）")


class ExtensionDecisionIn(TaskActionIn):
    approve: bool = Field(..., description="true 同意延期（期限顺延所申请的工作日），false 不同意")
    note: str = Field("", max_length=2000, description="审批意见（不超过 300 字）")


class CompletionDecisionIn(TaskActionIn):
    accept: bool = Field(..., description="true 确认办结，false 退回重办（须写明理由）")
    note: str = Field("", max_length=2000, description="意见（不超过 300 字）")


class UrgeIn(Schema):
    note: str = Field("", max_length=2000, description="催办说明（可不填，不超过 300 字）")
