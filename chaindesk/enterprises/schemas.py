"""The enterprise registry's API schemas (chaindesk/enterprises/api.py): one enterprise as its page shows it to
the reader (phones masked unless the reader serves it), and the inputs of the registry's forms. Amounts are in
万元 (numbers); dates are YYYY-MM-DD."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class EnterpriseChainOut(Schema):
    id: int
    name: str


class EnterpriseNodeOut(Schema):
    id: int
    name: str
    chain_id: int
    chain: str = Field(..., alias="chain.name")


class EnterpriseQualificationOut(Schema):
    id: int
    code: str
    name: str


class EnterprisePersonOut(Schema):
    id: int
    display_name: str


class EnterpriseContactOut(Schema):
    id: int
    name: str
    title: str
    phone: str = Field(..., alias="shown_phone", description="为该企业服务的人员可见完整号码，其他人为 138****1234")
    is_primary: bool


class EnterpriseIndicatorOut(Schema):
    year: int
    revenue: Decimal | None = Field(None, description="营业收入/开票销售(万元)")
    tax: Decimal | None = Field(None, description="税收(万元)")
    employees: int | None = Field(None, description="从业人数")
    rd_spend: Decimal | None = Field(None, description="研发投入(万元)")
    yoy: dict[str, Decimal | None] = Field(
        default_factory=dict, description="同比(%)：revenue_yoy、tax_yoy、rd_yoy；无上年数据为 null"
    )


class EnterpriseOut(Schema):
    id: int
    name: str
    uscc: str = Field(..., description="统一社会信用代码")
    region_id: int
    region: str
    address: str
    founded_on: dt.date | None
    business: str
    honours: str
    last_visit_on: dt.date | None
    chains: list[EnterpriseChainOut]
    nodes: list[EnterpriseNodeOut]
    qualifications: list[EnterpriseQualificationOut]
    liaison: EnterprisePersonOut | None = Field(None, description="挂钩服务专员")
    leader: EnterprisePersonOut | None = Field(None, description="挂钩市领导")
    contacts: list[EnterpriseContactOut]
    indicators: list[EnterpriseIndicatorOut] = Field(..., description="年度指标，新年度在前")
    may_edit: bool = Field(..., description="当前用户可修改企业概况")
    may_edit_details: bool = Field(..., description="当前用户可填报指标、维护联系人")


class EnterpriseIn(Schema):
    name: str = Field(..., max_length=100)
    uscc: str = Field(..., max_length=30, description="18位，含校验位；空格自动去除，字母转为大写")
    region_id: int
    address: str = Field("", max_length=200)
    founded_on: dt.date | None = None
    business: str = ""
    honours: str = Field("", max_length=200)
    node_ids: list[int] = Field(default_factory=list, description="产业链环节；企业随之加入其产业链")
    qualification_ids: list[int] = Field(default_factory=list)
    confirm_similar: bool = Field(False, description="已有名称相近的企业时，核对后仍要新增须为 true")


class EnterprisePatch(Schema):
    """Only the fields given change; the others keep their value."""

    name: str | None = Field(None, max_length=100)
    uscc: str | None = Field(None, max_length=30)
    region_id: int | None = None
    address: str | None = Field(None, max_length=200)
    founded_on: dt.date | None = None
    business: str | None = None
    honours: str | None = Field(None, max_length=200)
    node_ids: list[int] | None = None
    qualification_ids: list[int] | None = None


class EnterpriseContactIn(Schema):
    name: str = Field(..., max_length=50)
    title: str = Field("", max_length=100)
    phone: str = Field("", max_length=20, description="数字、空格、+ 和 -")
    is_primary: bool = False


class EnterpriseContactPatch(Schema):
    name: str | None = Field(None, max_length=50)
    title: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=20)
    is_primary: bool | None = None


class EnterpriseIndicatorIn(Schema):
    """One year's figures; an amount left out (or null) is stored empty, as on the form."""

    revenue: Decimal | None = Field(None, description="营业收入/开票销售(万元)")
    tax: Decimal | None = Field(None, description="税收(万元)")
    employees: int | None = Field(None, ge=0, description="从业人数")
    rd_spend: Decimal | None = Field(None, description="研发投入(万元)")
