"""Importing an enterprise ledger (企业名录): the profile, the chains and nodes, qualifications, the liaison, the main
contact and one or more years of indicators per row.

Keys: the USCC. A row whose USCC is registered updates that enterprise (only what the row fills in: a blank
cell leaves the field as it is); another one creates it. A row's outcome is "unchanged" when nothing it holds
differs from the records. Names are matched to records through lookups.Lookup: the region (required for a new
enterprise), chains and nodes, qualifications (an unknown one is an error), the liaison (optional: an unknown
name is a warning and the liaison is left as it is). Similar names of new enterprises are flagged as the form
does: the same name core (「泰州市XX科技有限公司」 ~ 「XX科技股份有限公司」) as a registered or an earlier row's
enterprise, as a warning.

Indicators: a 年度 column with 营业收入/税收/从业人数/研发投入 columns, or columns naming their year
(「2024年营业收入」, mapping "revenue@2024"); amounts in 万元 unless the header or the sheet's unit note says
otherwise. Contacts: 联系人 with 职务 and 电话; a registered contact of the same name is updated, another added.
"""

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import Region, User
from chaindesk.chains.models import Chain, ChainNode
from chaindesk.core import clock
from chaindesk.core.actors import Actor, is_system
from chaindesk.core.bulk import among, chunks
from chaindesk.enterprises import permissions
from chaindesk.enterprises.models import Contact, Enterprise, Indicator, Qualification
from chaindesk.enterprises.selectors import FEW_NAMES, SimilarNames, name_core, similar_enterprises
from chaindesk.enterprises.services_import import (
    ContactRow,
    EnterpriseChange,
    IndicatorRow,
    NewEnterprise,
    current_m2m,
    enterprises_import,
)
from chaindesk.liaison import permissions as liaison_permissions
from chaindesk.liaison.services import liaison_assign

from .. import values as v
from ..choices import Outcome
from ..lookups import Lookup, without_suffix
from ..mapping import Field, Mapping_, split_key
from ..plan import Plan, RowPlan, RowReader, duplicates_within, read_rows
from ..reading import Table
from . import ImportKind, register

CLASSIFY_ROWS = 5000  # rows classified against the registered records at a time (their records read per chunk)
FUZZY_LIMIT = 300  # new rows checked with the form's fuzzy similar-name search; beyond, the name core only
INDICATORS = ("revenue", "tax", "employees", "rd_spend")
_REGION, _LIAISON = Enterprise._meta.get_field("region"), Enterprise._meta.get_field("liaison")

FIELDS = (
    Field(
        "name",
        gettext_lazy("企业名称"),
        ("单位名称", "公司名称", "企业全称", "企业(单位)名称", "名称"),
        required=True,
        width=30,
    ),
    Field(
        "uscc",
        gettext_lazy("统一社会信用代码"),
        ("信用代码", "社会信用代码", "统一代码", "统一社会信用代码证"),
        required=True,
        help=gettext_lazy("18位"),
        width=22,
    ),
    Field(
        "region",
        gettext_lazy("所在地区"),
        ("所属地区", "地区", "所在区县", "区县", "县(市、区)", "属地", "辖区"),
        help=gettext_lazy("新增企业必填"),
        width=12,
    ),
    Field("address", gettext_lazy("地址"), ("企业地址", "注册地址", "生产经营地址", "详细地址"), width=30),
    Field("founded_on", gettext_lazy("成立日期"), ("成立时间", "注册日期", "注册时间"), width=14),
    Field(
        "chains",
        gettext_lazy("所属产业链"),
        ("产业链", "产业链名称", "所属链条"),
        help=gettext_lazy("多个用“、”分隔"),
        width=16,
    ),
    Field(
        "nodes",
        gettext_lazy("产业链环节"),
        ("环节", "所属环节", "产业链环节名称"),
        help=gettext_lazy("多个用“、”分隔"),
        width=16,
    ),
    Field(
        "qualifications",
        gettext_lazy("资质"),
        ("企业资质", "资质荣誉", "资质情况"),
        help=gettext_lazy("多个用“、”分隔"),
        width=24,
    ),
    Field("business", gettext_lazy("主营业务"), ("主营产品", "主要产品", "经营范围"), width=30),
    Field("honours", gettext_lazy("其他荣誉"), ("荣誉",), width=20),
    Field("liaison", gettext_lazy("挂钩服务专员"), ("服务专员", "挂钩专员", "联络员", "挂钩联络员"), width=12),
    Field("contact_name", gettext_lazy("联系人"), ("主要联系人", "企业联系人", "联系人姓名"), width=10),
    Field("contact_title", gettext_lazy("联系人职务"), ("职务",), width=12),
    Field("contact_phone", gettext_lazy("联系电话"), ("电话", "手机", "手机号码", "联系方式"), width=14),
    Field("year", gettext_lazy("年度"), ("指标年度", "统计年度", "年份"), width=8),
    Field(
        "revenue",
        gettext_lazy("营业收入(万元)"),
        ("营业收入", "开票销售", "销售收入", "营收", "主营业务收入"),
        yearly=True,
        width=14,
    ),
    Field("tax", gettext_lazy("税收(万元)"), ("税收", "纳税", "入库税收", "纳税额"), yearly=True, width=12),
    Field("employees", gettext_lazy("从业人数"), ("员工人数", "职工人数", "从业人员"), yearly=True, width=10),
    Field("rd_spend", gettext_lazy("研发投入(万元)"), ("研发投入", "研发经费", "研发费用"), yearly=True, width=14),
)
LABELS = {field.name: field.label for field in FIELDS}
PHONE_CHARS = frozenset("0123456789+- ")


@dataclasses.dataclass
class Lookups:
    regions: Lookup[Region]
    chains: Lookup[Chain]
    nodes: dict[str, list[ChainNode]]  # clean name → nodes (of any chain)
    qualifications: Lookup[Qualification]
    liaisons: Lookup[User]


def _lookups() -> Lookups:
    regions = Region.objects.exclude(level="province")
    nodes: dict[str, list[ChainNode]] = {}
    for node in ChainNode.objects.all():
        nodes.setdefault(v.clean_name(node.name), []).append(node)
    return Lookups(
        regions=Lookup(
            regions,
            name=lambda r: r.name,
            aliases=without_suffix("区", "县", "市", "新区", "高新区"),
            field_label=str(LABELS["region"]),
        ),
        chains=Lookup(
            Chain.objects.all(),
            name=lambda c: c.name,
            aliases=without_suffix("产业链", "链"),
            field_label=str(LABELS["chains"]),
        ),
        nodes=nodes,
        qualifications=Lookup(
            Qualification.objects.all(), name=lambda q: q.name, field_label=str(LABELS["qualifications"])
        ),
        liaisons=Lookup(
            User.objects.filter(role=Role.LIAISON, is_active=True),
            name=lambda u: u.display_name,
            field_label=str(LABELS["liaison"]),
        ),
    )


def _find_nodes(text: str, chains: list[Chain], lookups: Lookups) -> list[ChainNode]:
    found: list[ChainNode] = []
    chain_ids = {chain.pk for chain in chains}
    for part in v.clean_name(text).replace("，", "、").replace(",", "、").replace("；", "、").split("、"):
        if not part:
            continue
        candidates = lookups.nodes.get(part, [])
        if chain_ids:
            candidates = [node for node in candidates if node.chain_id in chain_ids]
        if len(candidates) != 1:
            reason = _("未找到") if not candidates else _("有多个同名环节，请同时填写所属产业链：")
            raise v.CellError(_("%(reason)s产业链环节“%(name)s”。") % {"reason": reason, "name": part}, code="node")
        if candidates[0] not in found:
            found.append(candidates[0])
    return found


def _phone(cell: Any) -> str:
    text = v.clean_code(cell)
    if not (5 <= len(text) <= 20) or not set(text) <= PHONE_CHARS:
        raise v.CellError(
            _("电话“%(value)s”只能包含数字、空格、+ 和 -（5 至 20 位）。") % {"value": text[:40]}, code="phone"
        )
    return text


def _parse(reader: RowReader, lookups: Lookups, unit: str | None) -> dict[str, Any]:
    """The row's typed values (only the fields it fills in)."""
    get, has = reader.get, reader.has
    values: dict[str, Any] = {}
    name = get("name", v.clean_name, required=True)
    uscc = get("uscc", v.parse_uscc, required=True)
    values.update(name=name, uscc=uscc)
    for key, parse in (("address", v.clean_text), ("business", v.clean_text), ("honours", v.clean_text)):
        if has(key):
            values[key] = get(key, parse)
    if has("founded_on"):
        values["founded_on"] = get("founded_on", v.parse_date)
    if has("region"):
        values["region"] = get("region", lookups.regions.find)
    chains: list[Chain] = []
    if has("chains"):
        chains = get("chains", lookups.chains.find_many) or []
        values["chains"] = chains
    if has("nodes"):
        values["nodes"] = get("nodes", lambda cell: _find_nodes(v.as_text(cell), chains, lookups))
    if has("qualifications"):
        values["qualifications"] = get("qualifications", lookups.qualifications.find_many)
    if has("liaison"):
        column = reader.column("liaison")
        try:
            values["liaison"] = lookups.liaisons.find(reader.raw("liaison"))
        except v.CellError as exc:
            reader.plan.warn(_("%(message)s该项不导入。") % {"message": exc.message}, column)
    if has("contact_name"):
        values["contact"] = (
            get("contact_name", v.clean_name),
            get("contact_title", v.clean_text) if has("contact_title") else "",
            get("contact_phone", _phone) if has("contact_phone") else "",
        )
    elif has("contact_phone"):
        reader.plan.error(
            _("填写了联系电话，请同时填写联系人。"), reader.column("contact_name") or reader.column("contact_phone")
        )
    values["indicators"] = _indicators(reader, unit)
    return values


def _indicator_value(reader: RowReader, key: str, unit: str | None) -> Any:
    name, _year = split_key(key)
    column = reader.column(key)
    if name == "employees":
        return reader.get(key, v.parse_int)
    return reader.get(key, v.parse_amount, unit_hint=(column.unit if column else None) or unit)


def _indicators(reader: RowReader, unit: str | None) -> dict[int, dict[str, Any]]:
    years: dict[int, dict[str, Any]] = {}
    plain = [name for name in INDICATORS if reader.has(name)]
    if plain:
        year = reader.get("year", v.parse_year, required="year" in reader.columns)
        if "year" not in reader.columns:
            reader.plan.error(_("填写了年度指标，请增加“年度”列。"), reader.column(plain[0]))
        if year is not None:
            years[year] = {name: _indicator_value(reader, name, unit) for name in plain}
    for key in reader.columns:
        name, year = split_key(key)
        if year is not None and reader.has(key):
            years.setdefault(year, {})[name] = _indicator_value(reader, key, unit)
    return years


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list | tuple | set):
        return "、".join(str(item) for item in value) or "—"
    return str(value)


@dataclasses.dataclass
class Existing:
    enterprises: dict[str, Enterprise]
    m2m: dict[str, dict[int, set[int]]]
    indicators: dict[tuple[int, int], Indicator]
    contacts: dict[tuple[int, str], Contact]
    editable: set[int]


def _existing(codes: list[str], actor: Actor) -> Existing:
    enterprises: dict[str, Enterprise] = {}
    for matching in among(Enterprise.objects.all(), "uscc", codes):
        for enterprise in matching:
            enterprises[enterprise.uscc] = enterprise
    # Their regions and liaisons, one instance each (a join made one per enterprise: a re-import of 100 000 rows
    # built 200 000 more instances than it needed).
    regions = Region.objects.in_bulk({e.region_id for e in enterprises.values()})
    liaisons = User.objects.in_bulk({e.liaison_id for e in enterprises.values() if e.liaison_id is not None})
    for enterprise in enterprises.values():
        _REGION.set_cached_value(enterprise, regions.get(enterprise.region_id))
        _LIAISON.set_cached_value(enterprise, liaisons.get(enterprise.liaison_id))  # type: ignore[arg-type]
    ids = [e.pk for e in enterprises.values()]
    indicators: dict[tuple[int, int], Indicator] = {}
    contacts: dict[tuple[int, str], Contact] = {}
    for matching in among(Indicator.objects.all(), "enterprise_id", ids):
        for indicator in matching:
            indicators[(indicator.enterprise_id, indicator.year)] = indicator
    for matching in among(Contact.objects.order_by("pk"), "enterprise_id", ids):
        for contact in matching:
            contacts.setdefault((contact.enterprise_id, contact.name), contact)
    editable: set[int] = set()
    if is_system(actor):
        editable = set(ids)
    elif actor.role == Role.LIAISON:
        editable = {e.pk for e in enterprises.values() if e.liaison_id == actor.pk}
    elif permissions.may_create(actor):
        for matching in among(Enterprise.objects.visible_to(actor), "pk", ids):
            editable.update(matching.values_list("pk", flat=True))
    return Existing(enterprises, current_m2m(ids), indicators, contacts, editable)


def _classify(row: RowPlan, actor: Actor, existing: Existing) -> None:
    values = row.values
    enterprise = existing.enterprises.get(values.get("uscc") or "")
    if enterprise is None:
        _classify_new(row, actor)
        return
    row.target = enterprise
    if enterprise.pk not in existing.editable:
        row.error(_("该企业（%(name)s）不在您可修改的范围内。") % {"name": enterprise.name})
        return
    changes = row.changes
    for name in ("name", "address", "founded_on", "business", "honours", "region"):
        if name in values and values[name] is not None and values[name] != getattr(enterprise, name):
            changes.append((str(LABELS[name]), _text(getattr(enterprise, name)), _text(values[name])))
    chain_ids = existing.m2m["chains"].get(enterprise.pk, set())
    want_chains = {c.pk for c in values.get("chains") or ()} | {n.chain_id for n in values.get("nodes") or ()}
    if want_chains - chain_ids:
        added = [c for c in values.get("chains") or () if c.pk not in chain_ids]
        changes.append((str(LABELS["chains"]), "", _("加入：") + _text([c.name for c in added] or "…")))
    for name in ("nodes", "qualifications"):
        if values.get(name) is not None and {x.pk for x in values[name]} != existing.m2m[name].get(
            enterprise.pk, set()
        ):
            changes.append((str(LABELS[name]), "", _text([x.name for x in values[name]])))
    liaison = values.get("liaison")
    if liaison is not None and liaison.pk != enterprise.liaison_id:
        if liaison_permissions.may_assign(actor, enterprise):
            changes.append((str(LABELS["liaison"]), _text(enterprise.liaison), str(liaison)))
        else:
            row.warn(_("您无权指派挂钩服务专员，该项不导入。"))
            values.pop("liaison")
    _indicator_changes(row, enterprise, existing)
    contact = values.get("contact")
    if contact:
        old = existing.contacts.get((enterprise.pk, contact[0]))
        if old is None or (contact[1] and contact[1] != old.title) or (contact[2] and contact[2] != old.phone):
            changes.append(
                (str(LABELS["contact_name"]), "" if old is None else old.name, " ".join(filter(None, contact)))
            )
    row.outcome = Outcome.UPDATE if changes else Outcome.UNCHANGED


def _indicator_changes(row: RowPlan, enterprise: Enterprise, existing: Existing) -> None:
    for year, figures in sorted(row.values.get("indicators", {}).items()):
        old = existing.indicators.get((enterprise.pk, year))
        for name, value in figures.items():
            if value is None:
                continue
            before = getattr(old, name) if old is not None else None
            if before is None or Decimal(before) != Decimal(value):
                label = _("%(year)s年%(field)s") % {"year": year, "field": LABELS[name]}
                row.changes.append((label, _text(before), _text(value)))


def _classify_new(row: RowPlan, actor: Actor) -> None:
    values = row.values
    if values.get("region") is None:
        row.error(_("新增企业须填写所在地区。"))
        return
    chain_ids = {c.pk for c in values.get("chains") or ()} | {n.chain_id for n in values.get("nodes") or ()}
    if not is_system(actor) and not permissions.may_create_in(
        actor, region_id=values["region"].pk, chain_ids=chain_ids
    ):
        if actor.role == Role.DISTRICT_ADMIN:
            row.error(_("只能新增本地区的企业（所在地区：%(region)s）。") % {"region": values["region"]})
        else:
            row.error(_("只能新增您所服务产业链的企业，请在“所属产业链”中填写。"))
        return
    if "liaison" in values and not liaison_permissions.may_assign(actor, Enterprise(region=values["region"])):
        row.warn(_("您无权指派挂钩服务专员，该项不导入。"))
        values.pop("liaison")
    row.outcome = Outcome.NEW


def _flag_similar(rows: list[RowPlan]) -> None:
    """Similar names of new rows: the same name core as an earlier row of the file (one pass); a registered
    enterprise found by the form's fuzzy search for the first FUZZY_LIMIT new rows, by the exact name for the
    rest. Up to FEW_NAMES new rows ask the database a name at a time; more read the registry's names once
    (SimilarNames: a city's ledger of 100 000 rows must not cost a query a row)."""
    new = [row for row in rows if row.outcome == Outcome.NEW]
    cores: dict[str, int] = {}
    for row in new:
        core = name_core(row.values["name"])
        if core in cores:
            row.warn(_("与第 %(row)s 行的企业名称相近，请核对是否为同一企业。") % {"row": cores[core]})
        else:
            cores[core] = row.number
    similar: dict[int, list[Enterprise]] = {}
    if len(new) <= FEW_NAMES:
        for row in new:
            similar[row.number] = similar_enterprises(row.values["name"])
    else:
        registry = SimilarNames()
        for position, row in enumerate(new):
            name = row.values["name"]
            similar[row.number] = registry.similar(name) if position < FUZZY_LIMIT else registry.named(name)
    for row in new:
        if found := similar[row.number]:
            listed = "、".join(f"{e.name}（{e.uscc}）" for e in found[:3])
            row.warn(_("已登记名称相近的企业：%(names)s，请核对是否为同一企业。") % {"names": listed})


class EnterpriseImport(ImportKind):
    code = "enterprises"
    label = gettext_lazy("企业名录")
    noun = gettext_lazy("企业")
    fields = FIELDS
    sheet_names = ("企业", "名录", "台账")
    list_view = "enterprises:list"
    depends_on = (
        "enterprises.Enterprise",
        "enterprises.Contact",
        "enterprises.Indicator",
        "enterprises.Qualification",
        "chains.Chain",
        "chains.ChainNode",
        "accounts.Region",
        "accounts.User",
        "liaison.LiaisonAssignment",
    )

    def may_import(self, user: Any) -> bool:
        return permissions.may_create(user)

    def plan(
        self, table: Table, mapping: Mapping_, *, actor: Actor, progress: Callable[[int], None] | None = None
    ) -> Plan:
        lookups = _lookups()
        rows: list[RowPlan] = []
        for reader in read_rows(table, mapping, progress):
            reader.plan.values = _parse(reader, lookups, table.unit)
            reader.plan.label = reader.plan.values.get("name") or ""
            rows.append(reader.plan)
        duplicates_within(rows, lambda r: r.values.get("uscc"), _("与第 %(row)s 行的统一社会信用代码重复。"))
        for part in chunks(rows, CLASSIFY_ROWS):  # a re-imported ledger's records read a chunk at a time
            existing = _existing(sorted({row.values["uscc"] for row in part if row.values.get("uscc")}), actor)
            for row in part:
                if not row.has_errors:
                    _classify(row, actor, existing)
                if row.has_errors:
                    row.outcome = Outcome.ERROR
                if row.outcome != Outcome.UPDATE:
                    row.target = None  # only an update's commit writes to the record it matched
        _flag_similar(rows)
        return Plan(kind=self.code, table=table, mapping=mapping, rows=rows)

    def commit(self, plan: Plan, *, actor: Actor, tag: str) -> dict[str, int]:
        new, changes, indicators, contacts = [], [], [], []
        liaisons: list[tuple[str, User]] = []
        for row in plan.rows:
            if row.outcome not in (Outcome.NEW, Outcome.UPDATE):
                continue
            values = row.values
            if row.outcome == Outcome.NEW:
                new.append(
                    NewEnterprise(
                        name=values["name"],
                        uscc=values["uscc"],
                        region=values["region"],
                        address=values.get("address") or "",
                        founded_on=values.get("founded_on"),
                        business=values.get("business") or "",
                        honours=values.get("honours") or "",
                        chains=values.get("chains") or (),
                        nodes=values.get("nodes") or (),
                        qualifications=values.get("qualifications") or (),
                    )
                )
            else:
                fields = {
                    k: values[k]
                    for k in ("name", "address", "founded_on", "business", "honours", "region")
                    if values.get(k) not in (None, "")
                }
                changes.append(
                    EnterpriseChange(
                        enterprise=row.target,
                        fields=fields,
                        chains=values.get("chains") or (),
                        nodes=values.get("nodes"),
                        qualifications=values.get("qualifications"),
                    )
                )
            for year, figures in values.get("indicators", {}).items():
                given = {k: x for k, x in figures.items() if x is not None}
                if given:
                    indicators.append(IndicatorRow(uscc=values["uscc"], year=year, values=given))
            if values.get("contact"):
                name, title, phone = values["contact"]
                contacts.append(ContactRow(uscc=values["uscc"], name=name, title=title or "", phone=phone or ""))
            if values.get("liaison") is not None:
                liaisons.append((values["uscc"], values["liaison"]))
        message = _("导入：%(name)s") % {"name": plan.table.filename}
        ids = enterprises_import(
            actor=actor, new=new, changes=changes, indicators=indicators, contacts=contacts, tag=tag, message=message
        )
        assigned = Enterprise.objects.in_bulk([ids[uscc] for uscc, _liaison in liaisons])
        for uscc, liaison in liaisons:
            enterprise = assigned[ids[uscc]]
            if enterprise.liaison_id != liaison.pk:
                liaison_assign(
                    actor=actor, enterprise=enterprise, liaison=liaison, started_on=clock.today(), note=message
                )
        return {"new": len(new), "update": len(changes)}


register(EnterpriseImport())
