"""The JSON shapes of chains and their segments (环节) in the API (chaindesk/chains/api.py): what the chain page
and its map show (the chief, the lead department, the key regions, the service team, the segment tree with each
segment's counts and 强/弱/缺 rating, the 补链 targets), and the tree edits the team makes on the map's 编辑环节
page."""

from typing import Literal

from ninja import Field, Schema

from .models import NodeRating, TeamRole


class ChainPersonOut(Schema):
    id: int
    name: str = Field(..., description="姓名")
    title: str = Field("", description="职务")


class ChainDepartmentOut(Schema):
    id: int
    name: str
    short_name: str


class RegionOut(Schema):
    id: int
    code: str
    name: str


class TeamMemberOut(Schema):
    """A person on the chain's service team, as the page's 服务团队 table lists them."""

    user_id: int
    name: str
    team_role: TeamRole
    team_role_label: str
    title: str = Field("", description="职务")
    unit: str = Field("", description="单位：部门简称，无部门时为所在地区")


class NodeOut(Schema):
    """A segment with its subtree's counts and rating (chaindesk/chains/gaps.py), as the map's 环节列表 shows it."""

    id: int
    parent_id: int | None = Field(None, description="上级环节；顶层环节为 null")
    depth: int = Field(..., description="层级：顶层为 0")
    name: str
    path: str = Field(..., description="完整路径，如“上游 / 原料药”")
    description: str
    is_key: bool = Field(..., description="重点环节")
    sort_order: int
    rating: NodeRating = Field(..., description="评级（按本环节及其下级环节汇总）：strong 强、weak 弱、missing 缺")
    rating_label: str
    reason: str = Field(..., description="评级原因")
    n_own: int = Field(..., description="直接挂在本环节的本地企业(家)")
    n_enterprises: int = Field(..., description="本环节及下级环节的本地企业(家)，同一企业只计一次")
    n_scale: int = Field(..., description="其中达到规模门槛的企业(家)")
    n_lianzhu: int = Field(..., description="其中链主企业(家)")
    counters: dict[str, int] = Field(
        default_factory=dict, description="其他模块登记的计数（如 projects 项目、leads 线索），按本环节及下级环节汇总"
    )


class GapSummaryOut(Schema):
    strong: int = Field(..., description="评级为强的环节数")
    weak: int = Field(..., description="评级为弱的环节数")
    missing: int = Field(..., description="评级为缺的环节数")
    rules: list[str] = Field(..., description="评级规则（页面所列）")
    threshold: str = Field(..., description="规模门槛说明")


class ChainOut(Schema):
    """A chain as its page and its map (图谱) show it."""

    id: int
    code: str
    name: str
    description: str = Field(..., description="发展方向")
    chief: ChainPersonOut = Field(..., description="链长")
    lead_department: ChainDepartmentOut = Field(..., description="牵头部门")
    regions: list[RegionOut] = Field(..., description="重点地区")
    team: list[TeamMemberOut] = Field(..., description="服务团队")
    nodes: list[NodeOut] = Field(..., description="环节树：按树的顺序（深度优先），层级由 parent_id 与 depth 表示")
    key_node_ids: list[int] = Field(..., description="重点环节")
    gaps: list[NodeOut] = Field(..., description="补链目标：评级为缺或弱的环节，按树的顺序")
    gap_summary: GapSummaryOut
    may_edit_nodes: bool = Field(..., description="当前用户能否编辑环节（本产业链服务团队的市领导和成员）")


class NodeIn(Schema):
    name: str = Field(..., max_length=200, description="环节名称（不超过 50 个字，同一上级下不重名）")
    parent_id: int | None = Field(None, description="上级环节；不填为顶层环节")


class NodePatch(Schema):
    """Rename and/or move a segment: only the fields given change (parent_id null: to the top level)."""

    name: str | None = Field(None, max_length=200, description="新名称")
    parent_id: int | None = Field(None, description="新的上级环节；null 为移到顶层")


class NodeReorderIn(Schema):
    direction: Literal["up", "down"] | None = Field(None, description="上移或下移一位")
    position: int | None = Field(None, ge=0, le=10000, description="或：在同级中的目标位置（从 0 起）")
