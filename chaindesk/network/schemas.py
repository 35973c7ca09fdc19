"""The outside network's API schemas (chaindesk/network/api.py): a hometown talent (its phone as the reader may
read it), an R&D partner, an enterprise's R&D cooperation, and the inputs of their forms. Dates are
YYYY-MM-DD."""

import datetime as dt

from ninja import Field, Schema

from .models import ContactKind, CooperationStatus, PartnerKind


class NetworkRefOut(Schema):
    id: int
    name: str


class NetworkPersonOut(Schema):
    id: int
    display_name: str


class TalentContactOut(Schema):
    id: int
    contacted_on: dt.date
    kind: ContactKind
    kind_label: str
    notes: str
    created_by: NetworkPersonOut

    @staticmethod
    def resolve_kind_label(obj: object) -> str:
        return str(obj.get_kind_display())  # type: ignore[attr-defined]


class TalentOut(Schema):
    id: int
    name: str
    city: str
    organisation: str
    title: str
    field: str
    hometown: NetworkRefOut | None
    ties: str
    phone: str = Field(..., description="联络干部和链长、服务团队成员可见完整号码，其他人为 138****1234")
    full_phone: bool
    chains: list[NetworkRefOut]
    keeper: NetworkPersonOut = Field(..., description="联络干部")
    notes: str
    last_contact_on: dt.date | None
    contacts: list[TalentContactOut] = Field(..., description="联系记录，新的在前")
    may_edit: bool


class TalentIn(Schema):
    name: str = Field(..., max_length=50)
    city: str = Field(..., max_length=30)
    organisation: str = Field(..., max_length=100)
    title: str = Field("", max_length=100)
    field: str = Field("", max_length=100)
    hometown_id: int | None = None
    ties: str = Field("", max_length=200)
    phone: str = Field("", max_length=20, description="数字、空格、+ 和 -")
    chain_ids: list[int] = Field(default_factory=list)
    keeper_id: int | None = Field(None, description="联络干部，默认当前用户")
    notes: str = ""


class TalentPatch(Schema):
    """Only the fields given change."""

    name: str | None = Field(None, max_length=50)
    city: str | None = Field(None, max_length=30)
    organisation: str | None = Field(None, max_length=100)
    title: str | None = Field(None, max_length=100)
    field: str | None = Field(None, max_length=100)
    hometown_id: int | None = None
    ties: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=20)
    chain_ids: list[int] | None = None
    keeper_id: int | None = None
    notes: str | None = None


class TalentContactIn(Schema):
    contacted_on: dt.date
    kind: ContactKind = ContactKind.CALL
    notes: str


class CooperationOut(Schema):
    id: int
    enterprise_id: int
    enterprise: str = Field(..., alias="enterprise.name")
    partner_id: int
    partner: str = Field(..., alias="partner.name")
    partner_city: str = Field(..., alias="partner.city")
    subject: str
    started_on: dt.date
    ended_on: dt.date | None
    status: CooperationStatus
    status_label: str

    @staticmethod
    def resolve_status_label(obj: object) -> str:
        return str(obj.get_status_display())  # type: ignore[attr-defined]


class PartnerOut(Schema):
    id: int
    name: str
    kind: PartnerKind
    kind_label: str
    city: str
    fields: str = Field(..., description="研究领域")
    notes: str
    cooperations: list[CooperationOut] = Field(..., description="当前用户可见的本地企业合作")
    may_edit: bool


class PartnerIn(Schema):
    name: str = Field(..., max_length=100)
    kind: PartnerKind = PartnerKind.UNIVERSITY
    city: str = Field(..., max_length=30)
    fields: str = Field("", max_length=200, description="研究领域")
    notes: str = ""


class PartnerPatch(Schema):
    name: str | None = Field(None, max_length=100)
    kind: PartnerKind | None = None
    city: str | None = Field(None, max_length=30)
    fields: str | None = Field(None, max_length=200)
    notes: str | None = None


class CooperationIn(Schema):
    enterprise_id: int
    partner_id: int
    subject: str = Field(..., max_length=200)
    started_on: dt.date
    ended_on: dt.date | None = None
    status: CooperationStatus = CooperationStatus.ACTIVE


class CooperationPatch(Schema):
    partner_id: int | None = None
    subject: str | None = Field(None, max_length=200)
    started_on: dt.date | None = None
    ended_on: dt.date | None = None
    status: CooperationStatus | None = None
