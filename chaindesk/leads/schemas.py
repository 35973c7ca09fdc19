"""The typed shapes of the leads API (chaindesk/leads/api.py): a lead as its page shows it, with its follow-ups,
and the inputs of the lead form, the stage buttons, 放弃, 签约转项目 and 添加跟进. Ids name the related records;
the API checks each against the choices the page's form offers the same user."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from chaindesk.projects.choices import ProjectKind, ProjectLevel

from .choices import LeadSource, LeadStage
from .models import Lead


class FollowUpOut(Schema):
    id: int
    followed_on: dt.date
    notes: str
    next_action: str
    next_action_on: dt.date | None
    created_by: str = Field(..., alias="created_by.display_name", description="记录人")
    created_at: dt.datetime


class LeadOut(Schema):
    id: int
    title: str
    source: LeadSource
    source_label: str
    referrer_id: int | None
    referrer: str | None = Field(None, description="引荐企业（以商引商）")
    talent_id: int | None
    talent: str | None = Field(None, description="引荐能人（在外能人）")
    rd_partner_id: int | None
    rd_partner: str | None = Field(None, description="研发机构")
    source_city: str
    investor: str
    chain_id: int
    chain: str = Field(..., alias="chain.name")
    node_id: int | None
    node: str | None = None
    region_id: int | None
    region: str | None = None
    estimated_investment: Decimal | None = Field(None, description="预计投资(万元)")
    description: str
    owner_id: int
    owner: str = Field(..., alias="owner.display_name", description="跟进责任人")
    stage: LeadStage
    stage_label: str
    stage_changed_on: dt.date | None
    abandon_reason: str
    next_action: str
    next_action_on: dt.date | None
    last_follow_up_on: dt.date | None
    project_id: int | None = Field(None, description="签约后转化的项目")
    created_by: str = Field(..., alias="created_by.display_name", description="录入人")
    created_at: dt.datetime
    may_manage: bool = Field(False, description="当前用户可编辑、变更阶段、放弃、签约和添加跟进")
    allowed_stages: list[LeadStage] = Field(
        default_factory=list, description="当前用户可推进到的阶段（签约、放弃另有接口）"
    )
    follow_ups: list[FollowUpOut] = Field(default_factory=list, description="跟进记录，最新在前")

    @staticmethod
    def resolve_source_label(obj: Lead) -> str:
        return str(obj.get_source_display())

    @staticmethod
    def resolve_stage_label(obj: Lead) -> str:
        return str(obj.get_stage_display())

    @staticmethod
    def resolve_referrer(obj: Lead) -> str | None:
        return obj.referrer.name if obj.referrer_id and obj.referrer else None

    @staticmethod
    def resolve_talent(obj: Lead) -> str | None:
        return obj.talent.name if obj.talent_id and obj.talent else None

    @staticmethod
    def resolve_rd_partner(obj: Lead) -> str | None:
        return obj.rd_partner.name if obj.rd_partner_id and obj.rd_partner else None

    @staticmethod
    def resolve_node(obj: Lead) -> str | None:
        return obj.node.name if obj.node_id and obj.node else None

    @staticmethod
    def resolve_region(obj: Lead) -> str | None:
        return obj.region.name if obj.region_id and obj.region else None


class LeadPatch(Schema):
    """The lead form's fields; PATCH changes only those sent (null clears an optional one)."""

    title: str | None = Field(None, min_length=1, max_length=100)
    source: LeadSource | None = None
    referrer_id: int | None = Field(None, description="引荐企业：以商引商时必填，须为您可查看的企业")
    talent_id: int | None = Field(None, description="引荐能人：在外能人线索时必填")
    rd_partner_id: int | None = None
    source_city: str | None = Field(None, max_length=30, description="对接城市：异地对接时必填")
    investor: str | None = Field(None, min_length=1, max_length=100)
    chain_id: int | None = Field(None, description="产业链：须为您可登记线索的产业链")
    node_id: int | None = Field(None, description="目标环节，属于该产业链")
    region_id: int | None = Field(None, description="拟落户地区")
    estimated_investment: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2, description="万元")
    owner_id: int | None = Field(None, description="跟进责任人；不填则由您本人跟进")
    description: str | None = None


class LeadIn(LeadPatch):
    title: str = Field(..., min_length=1, max_length=100)  # type: ignore[assignment]
    source: LeadSource  # type: ignore[assignment]
    investor: str = Field(..., min_length=1, max_length=100)  # type: ignore[assignment]
    chain_id: int = Field(..., description="产业链：须为您可登记线索的产业链")  # type: ignore[assignment]


class LeadAdvanceIn(Schema):
    to_stage: LeadStage
    on: dt.date | None = Field(None, description="变更日期，默认今天")
    expected_stage: LeadStage | None = Field(None, description="页面所见的阶段（比较并交换）")


class AbandonIn(Schema):
    reason: str = Field(..., max_length=200, description="放弃原因（必填）")
    on: dt.date | None = Field(None, description="日期，默认今天")
    expected_stage: LeadStage | None = Field(None, description="页面所见的阶段（比较并交换）")


class SignIn(Schema):
    """签约转项目: the sign form's fields; those not sent take the values the sign form starts with (the lead's)."""

    name: str | None = Field(None, min_length=1, max_length=100, description="项目名称，默认线索名称")
    enterprise_id: int | None = Field(None, description="项目单位：投资方已在本地注册企业时填写")
    investor_name: str | None = Field(None, max_length=100, description="投资方，默认线索的投资方")
    region_id: int | None = Field(None, description="项目所在地区，默认线索的拟落户地区")
    kind: ProjectKind = ProjectKind.NEW
    level: ProjectLevel = ProjectLevel.GENERAL
    planned_investment: Decimal | None = Field(
        None, ge=0, max_digits=14, decimal_places=2, description="计划总投资(万元)，默认线索的预计投资"
    )
    on: dt.date | None = Field(None, description="签约日期，默认今天")
    expected_stage: LeadStage | None = Field(None, description="页面所见的阶段（比较并交换）")


class SignOut(Schema):
    project_id: int
    project: str = Field(..., description="项目名称")
    lead: LeadOut


class FollowUpIn(Schema):
    followed_on: dt.date | None = Field(None, description="跟进日期，默认今天")
    notes: str = Field(..., description="跟进情况")
    next_action: str = Field("", max_length=200)
    next_action_on: dt.date | None = None
