"""The typed shapes of the 上争事项 API (chaindesk/upward/api.py): an item as its page shows it (with its linked
enterprises and projects), the item form's fields, and a stage move."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from .choices import UpwardKind, UpwardLevel, UpwardStage
from .models import UpwardRequest


def _amount(description: str) -> Decimal | None:
    return Field(None, ge=0, max_digits=14, decimal_places=2, description=description)  # type: ignore[no-any-return]


class LinkedOut(Schema):
    id: int
    name: str
    visible: bool = Field(..., description="当前用户可打开其页面（否则只见名称）")


class UpwardOut(Schema):
    id: int
    title: str
    kind: UpwardKind
    kind_label: str
    level: UpwardLevel
    level_label: str
    counterpart: str = Field(..., description="对接部门")
    window_opens_on: dt.date | None
    deadline: dt.date | None
    department_id: int
    department: str = Field(..., alias="department.name", description="责任部门")
    chain_id: int | None
    chain: str | None = None
    region_id: int | None
    region: str | None = None
    stage: UpwardStage
    stage_label: str
    stage_changed_on: dt.date | None
    amount_sought: Decimal | None = Field(None, description="争取金额(万元)")
    amount_obtained: Decimal | None = Field(None, description="获批金额(万元)")
    description: str
    created_by: str = Field(..., alias="created_by.display_name", description="录入人")
    created_at: dt.datetime
    enterprises: list[LinkedOut] = Field(default_factory=list, description="关联企业")
    projects: list[LinkedOut] = Field(default_factory=list, description="关联项目")
    may_manage: bool = Field(False, description="当前用户可编辑和变更阶段")
    allowed_stages: list[UpwardStage] = Field(default_factory=list, description="当前用户可变更到的阶段")

    @staticmethod
    def resolve_kind_label(obj: UpwardRequest) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_level_label(obj: UpwardRequest) -> str:
        return str(obj.get_level_display())

    @staticmethod
    def resolve_stage_label(obj: UpwardRequest) -> str:
        return str(obj.get_stage_display())

    @staticmethod
    def resolve_chain(obj: UpwardRequest) -> str | None:
        return obj.chain.name if obj.chain_id and obj.chain else None

    @staticmethod
    def resolve_region(obj: UpwardRequest) -> str | None:
        return obj.region.name if obj.region_id and obj.region else None

    @staticmethod
    def resolve_enterprises(obj: UpwardRequest) -> list[dict[str, object]]:
        return list(getattr(obj, "linked_enterprises", ()))

    @staticmethod
    def resolve_projects(obj: UpwardRequest) -> list[dict[str, object]]:
        return list(getattr(obj, "linked_projects", ()))


class UpwardPatch(Schema):
    """The item form's fields; PATCH changes only those sent (null clears an optional one)."""

    title: str | None = Field(None, min_length=1, max_length=100)
    kind: UpwardKind | None = None
    level: UpwardLevel | None = None
    counterpart: str | None = Field(None, min_length=1, max_length=100, description="对接部门，如：省发改委、工信部")
    department_id: int | None = Field(None, description="责任部门（部门经办人：本部门）")
    chain_id: int | None = Field(None, description="产业链（链长、服务团队成员必填：本人所在产业链）")
    region_id: int | None = Field(None, description="所在地区（市(区)管理员必填：所辖地区）")
    window_opens_on: dt.date | None = None
    deadline: dt.date | None = Field(None, description="申报截止，不早于申报窗口开始")
    amount_sought: Decimal | None = _amount("争取金额(万元)")
    amount_obtained: Decimal | None = _amount("获批金额(万元)：事项“获批”后才可填写")
    enterprise_ids: list[int] | None = Field(None, description="关联企业（您可查看的）；不发送则不变")
    project_ids: list[int] | None = Field(None, description="关联项目（您可查看的）；不发送则不变")
    description: str | None = None


class UpwardIn(UpwardPatch):
    title: str = Field(..., min_length=1, max_length=100)  # type: ignore[assignment]
    kind: UpwardKind  # type: ignore[assignment]
    level: UpwardLevel  # type: ignore[assignment]
    counterpart: str = Field(..., min_length=1, max_length=100, description="对接部门，如：省发改委、工信部")  # type: ignore[assignment]
    department_id: int = Field(..., description="责任部门（部门经办人：本部门）")  # type: ignore[assignment]


class UpwardAdvanceIn(Schema):
    to_stage: UpwardStage
    on: dt.date | None = Field(None, description="变更日期，默认今天")
    expected_stage: UpwardStage | None = Field(None, description="页面所见的阶段（比较并交换）")
    amount_obtained: Decimal | None = _amount("获批金额(万元)：仅“获批”时可填")
