"""The JSON shapes of projects in the API (chaindesk/projects/api.py): a row of the list, one project with what
its page shows (facts, planned and actual key dates, production lines, the stage timeline, yearly plans and
monthly reports), and what the project form, the stage buttons, the production-line form and the investment
section's two forms take. Amounts are in 万元; an amount may also be written as the forms accept it ("5.2亿")."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from .choices import CapacityPeriod, ProjectKind, ProjectLevel, ProjectStage
from .models import Project

Amount = Decimal | str
AMOUNT_HELP = "万元；也可写 5.2亿、52000、52,000 或 5.2万"


class ProjectOut(Schema):
    id: int
    name: str
    owner: str = Field(..., alias="owner_name")
    enterprise_id: int | None
    investor_name: str
    chain_id: int
    chain: str = Field(..., alias="chain.name")
    node_id: int | None
    region_id: int
    region: str = Field(..., alias="region.name")
    kind: ProjectKind
    level: ProjectLevel
    stage: ProjectStage
    stage_label: str
    planned_investment: Decimal | None = Field(None, description="计划总投资(万元)")
    capacity_quantity: Decimal | None
    capacity_unit: str
    capacity_period: str
    land_mu: Decimal | None
    follow_on_of_id: int | None
    signed_on: dt.date | None
    started_on: dt.date | None
    completed_on: dt.date | None
    production_on: dt.date | None
    full_production_on: dt.date | None
    stage_changed_on: dt.date | None
    last_progress_on: dt.date | None
    plan_amount: Decimal | None = Field(None, description="本年度计划投资(万元)，仅列表")
    done_ytd: Decimal | None = Field(None, description="本年度累计完成投资(万元)，仅列表")
    rate: Decimal | None = Field(None, description="本年度投资完成率(0–1)，仅列表")
    is_behind: bool | None = Field(None, description="完成率低于序时进度，仅列表")
    is_stale: bool | None = Field(None, description="长期无进展更新，仅列表")

    @staticmethod
    def resolve_stage_label(obj: Project) -> str:
        return str(obj.get_stage_display())


class LineOut(Schema):
    id: int
    name: str = Field(..., description="生产线")
    count: int = Field(..., description="条数")
    capacity: str = Field(..., description="产能")


class StageChangeOut(Schema):
    from_stage: ProjectStage | None = Field(None, description="原阶段；登记时为 null")
    to_stage: ProjectStage
    changed_on: dt.date
    reason: str
    actor: str = Field(..., description="操作人")


class PlanOut(Schema):
    year: int
    amount: Decimal = Field(..., description="年度计划投资(万元)")


class ReportOut(Schema):
    month: dt.date = Field(..., description="所属月份（该月 1 日）")
    amount: Decimal = Field(..., description="当月完成投资(万元)")
    note: str = Field(..., description="形象进度")
    reported_by: str
    reported_at: dt.datetime


class ProjectDetailOut(ProjectOut):
    allowed_transitions: list[ProjectStage] = Field(default_factory=list, description="当前用户可变更到的阶段")
    description: str = Field("", description="建设内容")
    expected_output: Decimal | None = Field(None, description="达产后年产值(万元)")
    expected_tax: Decimal | None = Field(None, description="达产后年税收(万元)")
    credited_enterprise_id: int | None = Field(None, description="引荐企业")
    credited_talent_id: int | None = Field(None, description="引荐能人")
    planned_signed_on: dt.date | None = None
    planned_started_on: dt.date | None = None
    planned_completed_on: dt.date | None = None
    planned_production_on: dt.date | None = None
    planned_full_production_on: dt.date | None = None
    building_on: dt.date | None = None
    paused_stage: ProjectStage | None = Field(None, description="暂停前阶段（暂停中的项目）")
    status_reason: str = Field("", description="暂停/终止原因")
    lines: list[LineOut] = Field(default_factory=list, description="生产线")
    timeline: list[StageChangeOut] = Field(default_factory=list, description="阶段变更，按时间先后")
    plans: list[PlanOut] = Field(default_factory=list, description="年度投资计划")
    reports: list[ReportOut] = Field(default_factory=list, description="月度投资完成，按月份先后")
    may_manage: bool = Field(False, description="当前用户能否修改项目、变更阶段、设置计划和生产线")
    may_report: bool = Field(False, description="当前用户能否填报月度投资完成")

    @staticmethod
    def resolve_paused_stage(obj: Project) -> str | None:
        return obj.paused_stage or None


class TransitionIn(Schema):
    to_stage: ProjectStage
    on: dt.date | None = Field(None, description="变更日期，默认今天")
    expected_stage: ProjectStage | None = Field(None, description="页面所见的阶段（比较并交换）")
    reason: str = Field("", max_length=200)


class ProjectPatch(Schema):
    """The project form's fields; on PATCH only those given change. Stage and key dates move with transitions."""

    name: str | None = Field(None, max_length=100, description="项目名称")
    enterprise_id: int | None = Field(None, description="项目单位（可查看的本地企业）；尚未登记时为 null 并填写投资方")
    investor_name: str | None = Field(None, max_length=100, description="投资方")
    chain_id: int | None = Field(None, description="产业链（您所在服务团队的产业链，或所辖地区内）")
    node_id: int | None = Field(None, description="产业链环节（须为所选产业链的环节）")
    region_id: int | None = Field(None, description="所在地区")
    kind: ProjectKind | None = None
    level: ProjectLevel | None = None
    description: str | None = Field(None, max_length=20000, description="建设内容")
    planned_investment: Amount | None = Field(None, description=f"计划总投资（{AMOUNT_HELP}）")
    capacity_quantity: Decimal | None = Field(None, description="设计产能")
    capacity_unit: str | None = Field(None, max_length=20, description="产能单位")
    capacity_period: CapacityPeriod | None = None
    land_mu: Decimal | None = Field(None, description="用地(亩)")
    expected_output: Amount | None = Field(None, description=f"达产后年产值（{AMOUNT_HELP}）")
    expected_tax: Amount | None = Field(None, description=f"达产后年税收（{AMOUNT_HELP}）")
    follow_on_of_id: int | None = Field(None, description="前期项目（增资扩产：同一项目单位的项目）")
    credited_enterprise_id: int | None = Field(None, description="引荐企业")
    credited_talent_id: int | None = Field(None, description="引荐能人")
    planned_signed_on: dt.date | None = None
    planned_started_on: dt.date | None = None
    planned_completed_on: dt.date | None = None
    planned_production_on: dt.date | None = None
    planned_full_production_on: dt.date | None = None


class ProjectIn(ProjectPatch):
    """A new project (at 在谈): its name, chain and region are required, and an owner (enterprise or investor)."""

    name: str = Field(..., max_length=100, description="项目名称")
    chain_id: int
    region_id: int
    kind: ProjectKind = ProjectKind.NEW
    level: ProjectLevel = ProjectLevel.GENERAL
    capacity_period: CapacityPeriod = CapacityPeriod.YEAR


class LineIn(Schema):
    name: str = Field(..., max_length=200, description="生产线")
    count: int = Field(1, description="条数（1–9999）")
    capacity: str = Field("", max_length=200, description="产能，如：年产 1000 万只")


class PlanIn(Schema):
    year: int = Field(..., description="年度（2000–2100）")
    amount: Amount = Field(..., description=f"年度计划投资（{AMOUNT_HELP}）")


class ReportIn(Schema):
    month: str = Field(..., max_length=10, description="月份，如 2026-11 或 2026年11月；再次填报同一月份即替换")
    amount: Amount = Field(..., description=f"当月完成投资（{AMOUNT_HELP}）")
    note: str = Field("", max_length=400, description="形象进度（不超过 200 字）")


class ReportSavedOut(ReportOut):
    replaced: bool = Field(..., description="是否替换了该月原填报数")
