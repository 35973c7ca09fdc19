"""Importing an investment-lead ledger (招商线索台账): the lead's facts, its source, chain and node, the intended
district, the estimated investment, the owner, and the stage the office has reached.

Keys: the title and the investor, both cleaned (values.clean_name). A row whose key matches a registered lead
updates it through leads.services.lead_update (only what the row fills in, only the fields the service lets
change; the key fields themselves are never rewritten); another one creates a lead through lead_create, at
新线索. The row's outcome is "unchanged" when nothing it holds differs from the lead.

The stage column (values.LEAD_STAGE_WORDS) moves a lead forward one step at a time through lead_advance, dated
today; 放弃 with a reason abandons it through lead_abandon. A stage behind the lead's, and 签约 (which needs the
signing form: it creates the project), are warnings: the import does not change the stage then.

The dry run refuses what the commit would refuse: it calls the permission checks and the checks of the services
(permissions.may_create_on / may_manage / may_own, services.check_source / check_place, the model fields'
validation), because the commit is all or nothing and a refusal there would roll the whole batch back.
Who may import: who may create leads. A row out of the importer's reach (a chain they may not record leads on, a
lead they may not manage) is an error. The owner (负责人) is a person's display name; when the cell names nobody
who may own the lead, it is a warning and the importer follows the lead (a new one) or the owner stays as it is,
unless the service needs an owner (the importer cannot own the lead): then it is an error.

Undo (transfer.services.import_undo) deletes the leads the batch created. A stage change is written by the
stage services as a TRANSITION audit line, which the undo's replay does not restore (see the xfail test in
tests/test_import_leads.py).
"""

import dataclasses
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import Region, User
from chaindesk.chains.models import Chain, ChainNode
from chaindesk.core import clock
from chaindesk.core.actors import Actor, is_system, person_or_none
from chaindesk.core.bulk import chunks
from chaindesk.enterprises.models import Enterprise
from chaindesk.leads import permissions
from chaindesk.leads import services as lead_services
from chaindesk.leads.choices import FORWARD, OPEN, LeadSource, LeadStage
from chaindesk.leads.models import Lead
from chaindesk.network.models import Talent

from .. import values as v
from ..choices import Outcome
from ..lookups import Lookup, without_suffix
from ..mapping import Field, Mapping_
from ..plan import Plan, RowPlan, RowReader, duplicates_within, read_rows
from ..reading import Table
from . import ImportKind, register

FIELDS = (
    Field("title", gettext_lazy("线索名称"), ("项目名称", "线索项目名称", "项目（线索）名称"), required=True, width=28),
    Field("source", gettext_lazy("线索来源"), ("来源", "线索渠道", "招商方式"), width=12),
    Field("investor", gettext_lazy("投资方"), ("投资主体", "客商", "投资方名称", "投资企业"), required=True, width=24),
    Field("source_city", gettext_lazy("对接城市"), ("来源地", "客商来源地", "投资方所在地"), width=10),
    Field("chain", gettext_lazy("所属产业链"), ("产业链", "产业链名称", "所属链条"), width=14),
    Field("node", gettext_lazy("产业链环节"), ("环节", "所属环节", "目标环节"), width=14),
    Field("region", gettext_lazy("拟落户地区"), ("所在地区", "拟落户地", "落户地区", "拟落地地区"), width=12),
    Field(
        "estimated_investment",
        gettext_lazy("预计投资额(万元)"),
        ("预计投资额", "投资规模", "预计投资", "拟投资额", "计划投资"),
        width=14,
    ),
    Field("description", gettext_lazy("线索情况"), ("项目简介", "项目情况", "线索简介", "简要情况"), width=36),
    Field("owner", gettext_lazy("负责人"), ("跟进人", "跟进责任人", "责任人", "对接人"), width=10),
    Field("stage", gettext_lazy("阶段"), ("线索阶段", "进展阶段", "推进阶段", "目前阶段"), width=10),
    Field("abandon_reason", gettext_lazy("放弃原因"), ("放弃理由", "终止原因"), width=20),
    Field(
        "referrer",
        gettext_lazy("引荐企业"),
        ("引荐单位",),
        help=gettext_lazy("以商引商时填写：企业名称或统一社会信用代码"),
        width=24,
    ),
    Field("talent", gettext_lazy("引荐能人"), ("引荐人",), help=gettext_lazy("在外能人引荐时填写"), width=10),
)
LABELS = {field.name: field.label for field in FIELDS}
COMPARED = (
    "source",
    "source_city",
    "chain",
    "node",
    "region",
    "estimated_investment",
    "description",
    "owner",
    "referrer",
    "talent",
)
SOURCE_WORDS: dict[str, str] = {
    word: str(code)
    for code, words in {
        LeadSource.REFERRAL: ("以商引商", "以商招商", "企业引荐", "企业推荐", "客商引荐"),
        LeadSource.TALENT: ("在外能人", "能人引荐", "能人推荐", "乡贤", "乡贤引荐", "在外乡贤"),
        LeadSource.REMOTE: ("异地对接", "异地招商", "驻外招商", "驻点招商", "外出招商", "上门招商"),
        LeadSource.EXPO: ("展会", "展会招商", "会展", "博览会", "招商会", "推介会"),
        LeadSource.RD: ("研发机构", "高校院所", "科研院所", "高校", "院所", "产学研"),
        LeadSource.OTHER: ("其他", "其它"),
    }.items()
    for word in words
}


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return str(value)


# --- reading the row ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Lookups:
    chains: Lookup[Chain]
    regions: Lookup[Region]
    nodes: dict[str, list[ChainNode]]  # clean name → nodes (of any chain)
    owners: Lookup[User]
    talents: Lookup[Talent]
    referrers: dict[str, list[Enterprise]]  # clean name or USCC → enterprises the importer may name


def _lookups(actor: Actor) -> Lookups:
    nodes: dict[str, list[ChainNode]] = {}
    for node in ChainNode.objects.all():
        nodes.setdefault(v.clean_name(node.name), []).append(node)
    talents = Talent.objects.all() if is_system(actor) else Talent.objects.visible_to(actor)
    return Lookups(
        chains=Lookup(
            Chain.objects.all(),
            name=lambda c: c.name,
            aliases=without_suffix("产业链", "链"),
            field_label=str(LABELS["chain"]),
        ),
        regions=Lookup(
            Region.objects.exclude(level="province"),
            name=lambda r: r.name,
            aliases=without_suffix("区", "县", "市", "新区", "高新区"),
            field_label=str(LABELS["region"]),
        ),
        nodes=nodes,
        owners=Lookup(permissions.owner_choices(), name=lambda u: u.display_name, field_label=str(LABELS["owner"])),
        talents=Lookup(talents, name=lambda t: t.name, field_label=str(LABELS["talent"])),
        referrers={},
    )


def _referrers(rows: list[RowPlan], actor: Actor) -> dict[str, list[Enterprise]]:
    """The enterprises the file names as referrers, among those the importer may name (as the form offers)."""
    texts = sorted({row.values["referrer_text"] for row in rows if row.values.get("referrer_text")})
    found: dict[str, list[Enterprise]] = {}
    base = Enterprise.objects.all() if is_system(actor) else Enterprise.objects.visible_to(actor)
    for part in chunks(texts):
        for enterprise in base.filter(Q(name__in=part) | Q(uscc__in=[t.upper() for t in part])):
            for key in {v.clean_name(enterprise.name), enterprise.uscc}:
                if enterprise not in found.setdefault(key, []):
                    found[key].append(enterprise)
    return found


def _source(cell: Any) -> str:
    return v.map_choice(cell, SOURCE_WORDS, field_label=str(LABELS["source"]))


def _stage(cell: Any) -> str:
    return v.map_choice(cell, v.LEAD_STAGE_WORDS, field_label=str(LABELS["stage"]))


def _parse(reader: RowReader, lookups: Lookups, unit: str | None) -> dict[str, Any]:
    """The row's typed values (only the fields it fills in). Names that depend on the lead matched (the node, the
    referrer) and the owner (a warning or an error depending on the lead) are resolved when classifying."""
    get, has = reader.get, reader.has
    values: dict[str, Any] = {
        "title": get("title", v.clean_name, required=True),
        "investor": get("investor", v.clean_name, required=True),
    }
    plain: tuple[tuple[str, Callable[..., Any]], ...] = (
        ("source", _source),
        ("source_city", v.clean_name),
        ("description", v.clean_text),
        ("stage", _stage),
        ("abandon_reason", v.clean_text),
        ("chain", lookups.chains.find),
        ("region", lookups.regions.find),
        ("talent", lookups.talents.find),
    )
    for key, parse in plain:
        if has(key):
            values[key] = get(key, parse)
    if has("estimated_investment"):
        column = reader.column("estimated_investment")
        hint = (column.unit if column else None) or unit
        values["estimated_investment"] = get("estimated_investment", v.parse_amount, unit_hint=hint)
    if has("node"):
        values["node_text"] = get("node", v.clean_name)
    if has("referrer"):
        values["referrer_text"] = get("referrer", v.clean_name)
    if has("owner"):
        try:
            values["owner"] = lookups.owners.find(reader.raw("owner"))
        except v.CellError as exc:
            values["owner_problem"] = exc.message
    return values


def _issue(row: RowPlan, reader_columns: dict[str, Any], key: str, message: str, *, warn: bool = False) -> None:
    column = reader_columns.get(key)
    (row.warn if warn else row.error)(message, column)


# --- the leads in the file ---------------------------------------------------------------------------------------


def _key(row: RowPlan) -> tuple[str, str] | None:
    title, investor = row.values.get("title"), row.values.get("investor")
    return (title, investor) if title and investor else None


def _existing(rows: list[RowPlan]) -> dict[tuple[str, str], list[Lead]]:
    """Registered leads by their cleaned (title, investor), for the titles the file names."""
    cleaned = {row.values["title"] for row in rows if row.values.get("title")}
    # a title typed into the form may keep half-width brackets, which clean_name turns into full-width ones
    titles = sorted(cleaned | {title.replace("（", "(").replace("）", ")") for title in cleaned})
    found: dict[tuple[str, str], list[Lead]] = {}
    related = ("chain", "node", "region", "owner", "referrer", "talent")
    for part in chunks(titles):
        for lead in Lead.objects.filter(title__in=part).select_related(*related).order_by("pk"):
            found.setdefault((v.clean_name(lead.title), v.clean_name(lead.investor)), []).append(lead)
    return found


@dataclasses.dataclass
class Context:
    actor: Actor
    lookups: Lookups
    columns: dict[str, Any]  # field key → column, for messages
    today: dt.date


def _resolve_node(row: RowPlan, ctx: Context, chain: Chain | None) -> None:
    text = row.values.pop("node_text", None)
    if not text:
        return
    candidates = ctx.lookups.nodes.get(text, [])
    if chain is not None:
        candidates = [node for node in candidates if node.chain_id == chain.pk]
    if len(candidates) == 1:
        row.values["node"] = candidates[0]
        return
    if not candidates:
        where = _("产业链“%(chain)s”中") % {"chain": chain.name} if chain is not None else ""
        message = _("%(where)s未找到产业链环节“%(name)s”。") % {"where": where, "name": text}
    else:
        message = _("有多个名为“%(name)s”的环节，请同时填写所属产业链。") % {"name": text}
    _issue(row, ctx.columns, "node", message)


def _resolve_referrer(row: RowPlan, ctx: Context, lead: Lead | None) -> None:
    text = row.values.pop("referrer_text", None)
    if not text:
        return
    found = ctx.lookups.referrers.get(text) or ctx.lookups.referrers.get(text.upper()) or []
    if not found and lead is not None and lead.referrer is not None:  # kept even when outside the importer's scope
        if text == v.clean_name(lead.referrer.name) or text.upper() == lead.referrer.uscc:
            found = [lead.referrer]
    if len(found) == 1:
        row.values["referrer"] = found[0]
    elif found:
        _issue(row, ctx.columns, "referrer", _("“%(text)s”对应多家企业，请填写统一社会信用代码。") % {"text": text})
    else:
        message = _("未找到企业“%(text)s”，请填写完整的企业名称或统一社会信用代码。") % {"text": text}
        _issue(row, ctx.columns, "referrer", message)


def _owner_problem(owner: User | None, chain: Chain, actor: Actor, *, new: bool) -> str:
    """Why the owner the row names cannot own the lead (the services' own refusals), or ""."""
    if owner is None:
        return ""
    if new and not is_system(actor) and actor.role == Role.LIAISON and owner.pk != actor.pk:
        return _("挂钩服务专员登记的线索由本人跟进。")
    if not permissions.may_own(owner, chain):
        return _("跟进责任人须为该产业链服务团队的在岗成员或挂钩服务专员。")
    return ""


def _resolve_owner(row: RowPlan, ctx: Context, chain: Chain, lead: Lead | None) -> None:
    """A new lead without a usable owner is followed by the importer (lead_create's default) when they may own
    it, else the row is an error; a registered lead keeps its owner (a warning)."""
    values = row.values
    problem = values.pop("owner_problem", "") or _owner_problem(values.get("owner"), chain, ctx.actor, new=lead is None)
    if problem:
        values.pop("owner", None)
    if lead is not None:
        if problem:
            _issue(row, ctx.columns, "owner", _("%(message)s负责人不变。") % {"message": problem}, warn=True)
        return
    importer = person_or_none(ctx.actor)
    if values.get("owner") is not None or (importer is not None and permissions.may_own(importer, chain)):
        if problem:
            _issue(
                row, ctx.columns, "owner", _("%(message)s该项不导入，由您本人跟进。") % {"message": problem}, warn=True
            )
        return
    _issue(row, ctx.columns, "owner", problem or _("请填写负责人（跟进责任人）。"))


# --- the service rules, checked before the commit ---------------------------------------------------------------


def _check_rules(row: RowPlan, merged: dict[str, Any]) -> None:
    """The checks lead_create and lead_update make (source, place, field lengths), as row errors."""
    checks: tuple[Callable[[], None], ...] = (
        lambda: lead_services.check_source(
            source=merged["source"],
            referrer=merged.get("referrer"),
            talent=merged.get("talent"),
            rd_partner=merged.get("rd_partner"),
            source_city=merged.get("source_city") or "",
        ),
        lambda: lead_services.check_place(chain=merged["chain"], node=merged.get("node"), owner=merged["owner"]),
    )
    for check in checks:
        try:
            check()
        except ValidationError as exc:
            for message in exc.messages:
                row.error(message)
    for name in ("title", "investor", "source_city", "description"):
        field = Lead._meta.get_field(name)
        if not isinstance(field, models.Field):  # a reverse relation (never, for these names)
            continue
        try:
            field.clean(merged.get(name) or "", None)
        except ValidationError as exc:
            row.error(_("%(field)s：%(message)s") % {"field": field.verbose_name, "message": " ".join(exc.messages)})


def _plan_stage(row: RowPlan, ctx: Context, lead: Lead | None) -> None:
    """The stage moves the commit makes (values["moves"]), or the warning why it makes none."""
    values = row.values
    current = lead.stage if lead is not None else LeadStage.NEW
    target, reason = values.get("stage"), values.get("abandon_reason") or ""
    values["moves"] = []
    if reason and target != LeadStage.ABANDONED and current != LeadStage.ABANDONED:
        _issue(row, ctx.columns, "abandon_reason", _("阶段不是“放弃”，放弃原因不导入。"), warn=True)
    if target is None or target == current:
        return
    now, wanted = lead_services.stage_label(current), lead_services.stage_label(target)
    if current not in OPEN:
        message = _("线索已%(stage)s，导入不变更阶段（表中为“%(to)s”）。") % {"stage": now, "to": wanted}
        _issue(row, ctx.columns, "stage", message, warn=True)
    elif target == LeadStage.SIGNED:
        message = _(
            "签约须在线索页面办理“签约转项目”（填写项目名称、所在地区和签约日期，同时创建项目），导入不变更阶段。"
        )
        _issue(row, ctx.columns, "stage", message, warn=True)
    elif target != LeadStage.ABANDONED and FORWARD.index(target) < FORWARD.index(current):
        message = _("表中阶段“%(to)s”在系统中的“%(now)s”之前，导入不回退阶段。") % {"to": wanted, "now": now}
        _issue(row, ctx.columns, "stage", message, warn=True)
    elif _stage_allowed(row, ctx, lead, target, reason):
        if target == LeadStage.ABANDONED:
            values["moves"] = [LeadStage.ABANDONED]
        else:
            values["moves"] = list(FORWARD[FORWARD.index(current) + 1 : FORWARD.index(target) + 1])
        row.changes.append((str(LABELS["stage"]), now, wanted))


def _stage_allowed(row: RowPlan, ctx: Context, lead: Lead | None, target: str, reason: str) -> bool:
    """lead_abandon's and lead_advance's refusals of the move the row asks for."""
    if target == LeadStage.ABANDONED:
        limit = Lead._meta.get_field("abandon_reason").max_length or 0
        if not reason:
            _issue(row, ctx.columns, "abandon_reason", _("阶段为“放弃”时须填写放弃原因。"))
            return False
        if len(reason) > limit:
            _issue(row, ctx.columns, "abandon_reason", _("放弃原因请控制在200字以内。"))
            return False
    changed_on = lead.stage_changed_on if lead is not None else None
    if changed_on is not None and ctx.today < changed_on:
        message = _("日期不能早于上次阶段变更日期（%(date)s）。") % {"date": f"{changed_on:%Y-%m-%d}"}
        _issue(row, ctx.columns, "stage", message)
        return False
    return True


# --- classifying a row --------------------------------------------------------------------------------------------


def _classify_new(row: RowPlan, ctx: Context) -> None:
    values, actor = row.values, ctx.actor
    chain = values.get("chain")
    if chain is None or not values.get("source"):
        missing = "、".join(str(LABELS[k]) for k in ("chain", "source") if not values.get(k))
        row.error(_("新增线索须填写%(fields)s。") % {"fields": missing})
        return
    if not permissions.may_create_on(actor, chain):
        row.error(_("您无权在产业链“%(chain)s”登记线索。") % {"chain": chain.name})
        return
    _resolve_node(row, ctx, chain)
    _resolve_referrer(row, ctx, None)
    _resolve_owner(row, ctx, chain, None)
    if person_or_none(actor) is None and values.get("owner") is None:  # 录入人 (created_by) is a person
        row.error(_("系统导入的新线索须填写负责人（跟进人），或以用户身份导入（命令行加 --user）。"))
    if row.has_errors:
        return
    _check_rules(row, {**values, "owner": values.get("owner") or actor})
    _plan_stage(row, ctx, None)
    row.outcome = Outcome.NEW


def _field_changes(row: RowPlan, lead: Lead) -> dict[str, Any]:
    """The fields the row fills in that differ from the lead (among those lead_update may change)."""
    changes: dict[str, Any] = {}
    for name in COMPARED:
        if name not in lead_services.EDITABLE or row.values.get(name) in (None, ""):
            continue
        new, old = row.values[name], getattr(lead, name)
        if isinstance(new, Decimal) and old is not None:
            differs = Decimal(old) != new
        elif isinstance(new, str):
            differs = new != (old or "").strip()
        else:
            differs = new != old
        if differs:
            changes[name] = new
            before, after = (_text(x) for x in (old, new))
            if name == "source":
                before, after = (str(LeadSource(x).label) if x else "—" for x in (old, new))
            row.changes.append((str(LABELS[name]), before, after))
    return changes


def _classify_known(row: RowPlan, ctx: Context, lead: Lead) -> None:
    values, actor = row.values, ctx.actor
    row.target = lead
    if not permissions.may_manage(actor, lead):
        row.error(_("该线索（%(title)s）不在您可修改的范围内。") % {"title": lead.title})
        return
    chain = values.get("chain") or lead.chain
    _resolve_node(row, ctx, chain)
    _resolve_referrer(row, ctx, lead)
    _resolve_owner(row, ctx, chain, lead)
    if row.has_errors:
        return
    changes = _field_changes(row, lead)
    values["changes"] = changes
    if changes and lead.stage not in OPEN:
        row.error(_("线索已%(stage)s，不能再修改。") % {"stage": lead_services.stage_label(lead.stage)})
        return
    if changes:
        if "chain" in changes and not permissions.may_create_on(actor, changes["chain"]):
            row.error(_("您无权在产业链“%(chain)s”登记线索。") % {"chain": changes["chain"].name})
            return
        merged = {name: getattr(lead, name) for name in lead_services.EDITABLE} | changes
        _check_rules(row, merged)
    _plan_stage(row, ctx, lead)
    row.outcome = Outcome.UPDATE if row.changes else Outcome.UNCHANGED


def _classify(row: RowPlan, ctx: Context, existing: dict[tuple[str, str], list[Lead]]) -> None:
    key = _key(row)
    matches = existing.get(key, []) if key else []
    if len(matches) > 1:
        row.error(_("系统中有 %(n)s 条线索名称和投资方都相同的线索，请先在系统中合并或更名。") % {"n": len(matches)})
        return
    if matches:
        _classify_known(row, ctx, matches[0])
    else:
        _classify_new(row, ctx)


# --- the importer -------------------------------------------------------------------------------------------------


def _create(values: dict[str, Any], actor: Actor) -> Lead:
    kwargs = {
        name: values[name]
        for name in ("node", "region", "estimated_investment", "description", "referrer", "talent", "source_city")
        if values.get(name) not in (None, "")
    }
    return lead_services.lead_create(
        actor=actor,
        title=values["title"],
        source=values["source"],
        investor=values["investor"],
        chain=values["chain"],
        owner=values.get("owner"),
        **kwargs,
    )


def _move(lead: Lead, moves: list[str], reason: str, actor: Actor) -> None:
    on = clock.today()
    for stage in moves:
        if stage == LeadStage.ABANDONED:
            lead_services.lead_abandon(lead=lead, reason=reason, on=on, actor=actor)
        else:
            lead_services.lead_advance(lead=lead, to_stage=stage, on=on, actor=actor)


class LeadImport(ImportKind):
    code = "leads"
    label = gettext_lazy("招商线索台账")
    noun = gettext_lazy("线索")
    fields = FIELDS
    sheet_names = ("线索", "招商", "台账")
    list_view = "leads:list"

    def may_import(self, user: Any) -> bool:
        return permissions.may_create(user)

    def plan(
        self, table: Table, mapping: Mapping_, *, actor: Actor, progress: Callable[[int], None] | None = None
    ) -> Plan:
        lookups = _lookups(actor)
        rows: list[RowPlan] = []
        columns: dict[str, Any] = {}
        for reader in read_rows(table, mapping, progress):
            columns = dict(reader.columns)
            reader.plan.values = _parse(reader, lookups, table.unit)
            reader.plan.label = reader.plan.values.get("title") or ""
            rows.append(reader.plan)
        duplicates_within(rows, _key, _("与第 %(row)s 行的线索重复（线索名称和投资方相同）。"))
        lookups.referrers = _referrers(rows, actor)
        existing = _existing(rows)
        ctx = Context(actor=actor, lookups=lookups, columns=columns, today=clock.today())
        for row in rows:
            if not row.has_errors:
                _classify(row, ctx, existing)
            if row.has_errors:
                row.outcome = Outcome.ERROR
        return Plan(kind=self.code, table=table, mapping=mapping, rows=rows)

    def commit(self, plan: Plan, *, actor: Actor, tag: str) -> dict[str, int]:
        """Each row through the lead services, in the caller's transaction (whose request id, `tag`, every audit
        line carries)."""
        counts = {"new": 0, "update": 0}
        for row in plan.rows:
            values = row.values
            if row.outcome == Outcome.NEW:
                lead = _create(values, actor)
            elif row.outcome == Outcome.UPDATE:
                lead = row.target
                if values.get("changes"):
                    lead = lead_services.lead_update(lead=lead, actor=actor, **values["changes"])
            else:
                continue
            _move(lead, values.get("moves", []), values.get("abandon_reason") or "", actor)
            counts[str(row.outcome)] += 1
        return counts


register(LeadImport())
