"""Importing a project ledger (重点项目台账): the project, its owner (建设单位), chain, place, kind, level, stage,
investment, key dates, yearly plans and monthly completed investment.

Keys: the owner and the project's name (values.clean_name). Our projects have no code (project_create stores
none): a 项目编号 column only refuses two rows with the same code; the code is not stored.

The owner: matched by USCC first, then by exact name (a USCC registered under another name links, with a
warning; a name registered under another USCC is an error). An unknown owner with a USCC is created in the same
commit through enterprises_import, on the project's chain, and the dry run warns 「将新增建设单位：…」. Its region:
the row's 所在地区, else the region whose GB/T 2260 code is the USCC's 3rd–8th characters (where it registered),
else the chain's only 重点地区, else the row is an error; so is an unknown owner without a USCC. The importer must
be allowed to register enterprises there, and a registered owner must be visible to them (as in the form).
The chain: the row's 所属产业链, else the one the title names (「2025年生物医药产业链重点项目台账」), else the
importer's only chain. The region: the row's 所在地区, else the owner's.

The stage. A new project is registered at 在谈 (as project_create does) and moved to the ledger's stage through
project_transition, one forward stage at a time, each on its date: the row's 签约/开工/竣工/投产/达产 date of that
stage, else its last earlier one, else its next later one, else today (a warning lists the dates filled in).
The dry run applies the same stage rules (services_import.check_steps): a stage they refuse (签约 without 计划总投资,
a future or out-of-order date) is an error naming the rule. 暂停 and 终止 need a reason (暂停 also the stage
paused), which a ledger lacks: a new project at either is an error saying so.
A registered project whose ledger stage differs is NOT moved (a warning; its other fields update): import_undo
restores the `before` of UPDATE lines but not of TRANSITION lines, so undoing such a batch would leave the stage
moved. Once it does, the path used for new projects (check_steps, project_transition) applies as it is. Likewise a
stage date the project has (its actual 开工日期 …) is not changed (a warning); the date of a stage it has not
reached is its planned date, as is a cell written 「计划 2026-03-01」 (our export's form).
A 形象进度 column, often prose, is the note of the month's investment report; the stage only when it is a
stage word (values.PROJECT_STAGE_WORDS) and no 项目阶段 column is mapped.

Investment, in 万元 unless the header or the unit note says otherwise: 计划总投资; the year plan (「本年计划」 for
the ledger's year: the header's, else the title's, else this one; 「2026年计划投资」); completed investment as
monthly reports: 「1-10月完成投资」 or 「累计完成投资」 (a total since January: the month's report is the total less
the months reported before) and 「10月完成投资」 or 「当月完成投资」 (the month alone). A header without a month
takes the title's month, else the current month (this year) or December (an earlier year).
"""

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import Region
from chaindesk.chains.models import Chain, ChainNode
from chaindesk.core import clock
from chaindesk.core.actors import Actor, SystemActor
from chaindesk.enterprises import permissions as enterprise_permissions
from chaindesk.enterprises.models import Enterprise
from chaindesk.enterprises.selectors import similar_search
from chaindesk.enterprises.services_import import NewEnterprise, enterprises_import
from chaindesk.projects import permissions
from chaindesk.projects.choices import STAGE_DATE_FIELD, ProjectStage
from chaindesk.projects.models import InvestmentPlan, InvestmentReport, Project
from chaindesk.projects.services import NO_REPORT_STAGES
from chaindesk.projects.services_import import (
    NewProject,
    ProjectChange,
    check_steps,
    chunks,
    projects_import,
    steps_to,
)

from .. import values as v
from ..choices import Outcome
from ..lookups import Lookup, without_suffix
from ..mapping import Field, Mapping_, split_key
from ..plan import Plan, RowPlan, RowReader, duplicates_within, read_rows
from ..reading import Table
from . import ImportKind, register

FUZZY_LIMIT = 300  # new owners checked with the form's similar-name search
S = ProjectStage
# Per stage with a date: its column (the actual date, set by the transition) and its planned date's column.
STAGE_DATES = (
    (S.SIGNED, gettext_lazy("签约时间"), ("签约日期",), gettext_lazy("计划签约时间"), ("计划签约日期", "计划签约")),
    (S.STARTED, gettext_lazy("开工时间"), ("开工日期", "实际开工时间"), gettext_lazy("计划开工时间"), ("计划开工",)),
    (S.COMPLETED, gettext_lazy("竣工时间"), ("竣工日期", "实际竣工时间"), gettext_lazy("计划竣工时间"), ("计划竣工",)),
    (S.PRODUCING, gettext_lazy("投产时间"), ("投产日期",), gettext_lazy("计划投产时间"), ("计划投产", "预计投产时间")),
    (S.FULL, gettext_lazy("达产时间"), ("达产日期",), gettext_lazy("计划达产时间"), ("计划达产", "预计达产时间")),
)
PLANNED_OF = {str(stage): f"planned_{STAGE_DATE_FIELD[stage]}" for stage, *_rest in STAGE_DATES}  # planned_started_on

FIELDS = (
    Field("name", gettext_lazy("项目名称"), ("项目全称", "项目名"), required=True, width=30),
    Field(
        "owner",
        gettext_lazy("建设单位"),
        ("项目业主", "业主单位", "实施主体", "项目单位", "建设主体", "投资主体", "项目建设单位", "建设单位名称")
        + ("项目单位/投资方", "投资方", "企业名称"),
        required=True,
        width=30,
    ),
    Field(
        "uscc",
        gettext_lazy("统一社会信用代码"),
        ("信用代码", "社会信用代码", "统一代码", "建设单位统一社会信用代码"),
        help=gettext_lazy("18位；未登记的建设单位必填"),
        width=22,
    ),
    Field(
        "code",
        gettext_lazy("项目编号"),
        ("项目代码", "项目编码"),
        help=gettext_lazy("仅用于核对文件内重复，系统暂不保存"),
        width=16,
    ),
    Field("chain", gettext_lazy("所属产业链"), ("产业链", "产业链名称", "所属链条"), width=14),
    Field("node", gettext_lazy("产业链环节"), ("环节", "所属环节"), width=14),
    Field(
        "region",
        gettext_lazy("所在地区"),
        ("项目所在地", "所属地区", "地区", "所在区县", "区县", "县(市、区)", "属地", "辖区"),
        width=12,
    ),
    Field("kind", gettext_lazy("建设性质"), ("项目类型", "项目性质", "建设类型"), width=10),
    Field("level", gettext_lazy("项目级别"), ("级别", "项目层级", "重点项目级别"), width=10),
    Field(
        "progress", gettext_lazy("形象进度"), ("工程形象进度", "形象进度情况", "项目进展情况", "进展情况", "项目进度")
    ),
    Field(
        "stage",
        gettext_lazy("项目阶段"),
        ("进展阶段", "阶段", "建设阶段", "项目状态", "建设状态", "当前阶段"),
        help=gettext_lazy("在谈、签约、开工、在建、竣工、投产、达产"),
        width=10,
    ),
    Field(
        "description",
        gettext_lazy("建设内容"),
        ("建设内容及规模", "主要建设内容", "建设规模及内容", "项目建设内容", "建设规模"),
        width=30,
    ),
    Field(
        "planned_investment",
        gettext_lazy("计划总投资(万元)"),
        ("计划总投资", "总投资", "项目总投资", "投资总额", "计划投资"),
        width=14,
    ),
    Field(
        "year_plan",
        gettext_lazy("本年计划投资(万元)"),
        ("本年计划投资", "本年计划", "年度计划", "年度计划投资", "本年度计划投资", "年度投资计划", "计划投资"),
        yearly=True,
        width=14,
    ),
    Field(
        "month_investment",
        gettext_lazy("当月完成投资(万元)"),
        ("当月完成投资", "本月完成投资", "月度完成投资", "当月完成", "本月完成"),
        help=gettext_lazy("列名写明月份，如“2025年10月完成投资”"),
        width=14,
    ),
    Field(
        "investment",
        gettext_lazy("累计完成投资(万元)"),
        ("累计完成投资", "本年累计完成投资", "年度累计完成投资", "年度累计完成", "完成投资", "累计完成"),
        help=gettext_lazy("本年累计，列名写明月份，如“1-10月完成投资”"),
        width=14,
    ),
    *(Field(f"plan_{stage}", label, words, width=12) for stage, _a, _b, label, words in STAGE_DATES),
    *(Field(f"date_{stage}", label, words, width=12) for stage, label, words, _c, _d in STAGE_DATES),
)
LABELS = {field.name: field.label for field in FIELDS}
FIELD_OF = {"kind": "kind", "level": "level", "description": "description", "planned_investment": "planned_investment"}
_RANGE = re.compile(r"(?<!\d)(?:1|一)月?[-~至到—–－～](\d{1,2})月")
_MONTH = re.compile(r"(?<!\d)(\d{1,2})月")
_YEAR = re.compile(r"((?:19|20)\d{2})年")
_PLANNED_MARK = re.compile(r"^(?:计划|预计|拟)\s*")


class Period(NamedTuple):
    year: int | None
    month: int | None
    cumulative: bool | None  # a total since January (「1-10月」, 「累计」), a month alone (「10月」), or not said


def _period(text: str | None) -> Period:
    """The year, the month and whether it is a total since January that a header or a title names."""
    plain = "".join(unicodedata.normalize("NFKC", text or "").split())
    year = int(found[1]) if (found := _YEAR.search(plain)) else None
    if (found := _RANGE.search(plain)) and 1 <= int(found[1]) <= 12:
        return Period(year, int(found[1]), True)
    if (found := _MONTH.search(plain)) and 1 <= int(found[1]) <= 12:
        return Period(year, int(found[1]), "累计" in plain)
    return Period(year, None, True if "累计" in plain else None)


@dataclasses.dataclass
class Lookups:
    regions: Lookup[Region]
    region_codes: dict[str, Region]
    chains: Lookup[Chain]
    chain_regions: dict[int, list[Region]]
    nodes: dict[tuple[int, str], list[ChainNode]]  # (chain id, clean name) → nodes
    title_chain: Chain | None
    own_chain: Chain | None  # the importer's only chain, if they have exactly one


def _title_chain(title: str | None, chains: list[Chain]) -> Chain | None:
    """The chain the title names (longest name or alias found in it), if exactly one."""
    text = v.clean_name(title or "")
    best: dict[int, int] = {}
    for chain in chains:
        for alias in without_suffix("产业链", "链")(v.clean_name(chain.name)):
            if len(alias) >= 2 and alias in text:
                best[chain.pk] = max(best.get(chain.pk, 0), len(alias))
    if not best:
        return None
    longest = max(best.values())
    winners = [pk for pk, size in best.items() if size == longest]
    return next(c for c in chains if c.pk == winners[0]) if len(winners) == 1 else None


def _lookups(table: Table, actor: Actor) -> Lookups:
    regions = list(Region.objects.exclude(level="province"))
    chains = list(Chain.objects.prefetch_related("regions"))
    nodes: dict[tuple[int, str], list[ChainNode]] = {}
    for node in ChainNode.objects.all():
        nodes.setdefault((node.chain_id, v.clean_name(node.name)), []).append(node)
    own = list(permissions.creatable_chains(actor)[:2]) if not isinstance(actor, SystemActor) else []
    return Lookups(
        regions=Lookup(
            regions,
            name=lambda r: r.name,
            aliases=without_suffix("区", "县", "市", "新区", "高新区"),
            field_label=str(LABELS["region"]),
        ),
        region_codes={r.code: r for r in regions},
        chains=Lookup(
            chains, name=lambda c: c.name, aliases=without_suffix("产业链", "链"), field_label=str(LABELS["chain"])
        ),
        chain_regions={c.pk: list(c.regions.all()) for c in chains},
        nodes=nodes,
        title_chain=_title_chain(table.title, chains),
        own_chain=own[0] if len(own) == 1 else None,
    )


# --- reading a row ---------------------------------------------------------------------------------------------


def _stage_date(cell: Any) -> tuple[dt.date, bool]:
    """A stage's date (month precision allowed) and whether the cell marks it planned (「计划 2026-03-01」)."""
    text = cell if isinstance(cell, str) else None
    planned = bool(text and _PLANNED_MARK.match(v.clean_name(text)))
    if text and planned:
        cell = _PLANNED_MARK.sub("", v.clean_name(text))
    return v.parse_month(cell)[0], planned


def _amount(reader: RowReader, key: str, unit: str | None) -> Decimal | None:
    column = reader.column(key)
    return reader.get(key, v.parse_amount, unit_hint=(column.unit if column else None) or unit)


def _parse(reader: RowReader, table: Table, lookups: Lookups) -> dict[str, Any]:
    """The row's typed values (only the fields it fills in)."""
    get, has = reader.get, reader.has
    values: dict[str, Any] = {
        "name": get("name", v.clean_name, required=True),
        "owner_name": get("owner", v.clean_name, required=True),
    }
    if has("uscc"):
        values["uscc"] = get("uscc", v.parse_uscc)  # None when refused: the owner is then left unmatched
    if has("code"):
        values["code"] = get("code", v.clean_code)
    if has("chain"):
        values["chain"] = get("chain", lookups.chains.find)
    for key, parse in (("region", lookups.regions.find), ("description", v.clean_text), ("node", v.clean_name)):
        if has(key):
            values[key] = get(key, parse)
    for key, words in (("kind", v.PROJECT_KIND_WORDS), ("level", v.PROJECT_LEVEL_WORDS)):
        if has(key):
            values[key] = get(key, v.map_choice, choices=words, field_label=str(LABELS[key]))
    _parse_stage(reader, values)
    if has("planned_investment"):
        values["planned_investment"] = _amount(reader, "planned_investment", table.unit)
    values["plans"] = _plans(reader, table)
    values["investments"] = _investments(reader, table)
    values["actual"], values["planned"] = _dates(reader)
    return values


def _parse_stage(reader: RowReader, values: dict[str, Any]) -> None:
    label = str(LABELS["stage"])
    if reader.has("stage"):
        values["stage"] = reader.get("stage", v.map_choice, choices=v.PROJECT_STAGE_WORDS, field_label=label)
    if not reader.has("progress"):
        return
    text = reader.get("progress", v.clean_text) or ""
    word = v.clean_name(text).replace(" ", "")
    if "stage" not in reader.columns and word in v.PROJECT_STAGE_WORDS:
        values["stage"] = v.PROJECT_STAGE_WORDS[word]
    elif len(text) > 200:
        reader.plan.error(_("形象进度超过 200 字，请精简。"), reader.column("progress"))
    else:
        values["progress"] = text


def _plans(reader: RowReader, table: Table) -> dict[int, Decimal]:
    plans: dict[int, Decimal] = {}
    for key, column in reader.columns.items():
        name, year = split_key(key)
        if name != "year_plan" or not reader.has(key):
            continue
        year = year or _period(column.name).year or _period(table.title).year or clock.today().year
        amount = _amount(reader, key, table.unit)
        if amount is not None:
            plans[year] = amount
    return plans


def _investments(reader: RowReader, table: Table) -> list[tuple[dt.date, bool, Decimal]]:
    """(month, whether a total since January, amount in 万元) of each completed-investment cell."""
    today = clock.today()
    title = _period(table.title)
    found = []
    for key, default in (("month_investment", False), ("investment", True)):
        column = reader.column(key)
        if column is None or not reader.has(key):
            continue
        header = _period(column.name)
        year = header.year or title.year or today.year
        month = header.month or title.month or (today.month if year == today.year else 12)
        cumulative = default if header.cumulative is None else header.cumulative
        amount = _amount(reader, key, table.unit)
        if amount is None:
            continue
        if dt.date(year, month, 1) > today.replace(day=1):
            reader.plan.error(_("不能填报未来月份（%(y)s年%(m)s月）的投资。") % {"y": year, "m": month}, column)
            continue
        found.append((dt.date(year, month, 1), cumulative, amount))
    return found


def _dates(reader: RowReader) -> tuple[dict[str, dt.date], dict[str, dt.date]]:
    """Stage dates the row gives: (stage → actual-or-unreached date, planned field → planned date)."""
    actual: dict[str, dt.date] = {}
    planned: dict[str, dt.date] = {}
    for stage, *_rest in STAGE_DATES:
        for key, is_planned_column in ((f"plan_{stage}", True), (f"date_{stage}", False)):
            if not reader.has(key):
                continue
            found = reader.get(key, _stage_date)
            if found is None:
                continue
            day, marked = found
            if is_planned_column or marked:
                planned.setdefault(PLANNED_OF[str(stage)], day)
            else:
                actual[str(stage)] = day
    return actual, planned


# --- matching owners and projects ------------------------------------------------------------------------------


@dataclasses.dataclass
class Existing:
    by_uscc: dict[str, Enterprise]
    by_name: dict[str, list[Enterprise]]
    visible: set[int]
    projects: dict[tuple[int, str], list[Project]]
    plans: dict[tuple[int, int], InvestmentPlan]
    reports: dict[int, dict[dt.date, InvestmentReport]]


def _existing(rows: list[RowPlan], actor: Actor) -> Existing:
    codes = sorted({row.values["uscc"] for row in rows if row.values.get("uscc")})
    names = sorted({row.values["owner_name"] for row in rows if row.values.get("owner_name")})
    by_uscc: dict[str, Enterprise] = {}
    by_name: dict[str, list[Enterprise]] = {}
    for part in chunks(codes):
        by_uscc.update({e.uscc: e for e in Enterprise.objects.filter(uscc__in=part).select_related("region")})
    for part in chunks(names):
        for enterprise in Enterprise.objects.filter(name__in=part).select_related("region"):
            by_name.setdefault(enterprise.name, []).append(enterprise)
    ids = sorted({e.pk for e in by_uscc.values()} | {e.pk for found in by_name.values() for e in found})
    visible: set[int] = set()
    projects: dict[tuple[int, str], list[Project]] = {}
    for part in chunks(ids):
        if not isinstance(actor, SystemActor):
            visible.update(Enterprise.objects.visible_to(actor).filter(pk__in=part).values_list("pk", flat=True))
        query = Project.objects.filter(enterprise_id__in=part).select_related("enterprise", "chain", "region", "node")
        for project in query:
            projects.setdefault((project.enterprise_id or 0, v.clean_name(project.name)), []).append(project)
    pids = sorted({p.pk for found in projects.values() for p in found})
    plans: dict[tuple[int, int], InvestmentPlan] = {}
    reports: dict[int, dict[dt.date, InvestmentReport]] = {}
    for part in chunks(pids):
        plans.update({(p.project_id, p.year): p for p in InvestmentPlan.objects.filter(project_id__in=part)})
        for report in InvestmentReport.objects.filter(project_id__in=part):
            reports.setdefault(report.project_id, {})[report.month] = report
    return Existing(by_uscc, by_name, visible, projects, plans, reports)


def _owner(row: RowPlan, existing: Existing) -> None:
    """Set values["owner"] (a registered enterprise) or values["new_owner"] (its USCC), or file an error."""
    values = row.values
    name, uscc = values["owner_name"], values.get("uscc")
    if uscc and uscc in existing.by_uscc:
        owner = existing.by_uscc[uscc]
        values["owner"] = owner
        if v.clean_name(owner.name) != name:
            row.warn(_("建设单位名称与登记名称“%(name)s”不同，已按统一社会信用代码对应。") % {"name": owner.name})
        return
    found = existing.by_name.get(name, [])
    if uscc and found:
        row.error(
            _("建设单位“%(name)s”已登记，统一社会信用代码为 %(registered)s，与台账填写的 %(given)s 不同。")
            % {"name": name, "registered": found[0].uscc, "given": uscc}
        )
    elif uscc:
        values["new_owner"] = uscc
    elif len(found) == 1:
        values["owner"] = found[0]
    elif found:
        row.error(_("有多家企业名为“%(name)s”，请填写统一社会信用代码。") % {"name": name})
    else:
        row.error(_("未找到建设单位“%(name)s”：新增建设单位须填写统一社会信用代码。") % {"name": name})


def _owner_key(row: RowPlan) -> Any:
    values = row.values
    owner = values.get("owner")
    if (owner is None and not values.get("new_owner")) or not values.get("name"):
        return None
    return (owner.pk if owner is not None else values["new_owner"], values.get("name"))


# --- classifying a row -----------------------------------------------------------------------------------------


@dataclasses.dataclass
class Context:
    actor: Actor
    lookups: Lookups
    existing: Existing
    new_owners: dict[str, tuple[int, str, Region]]  # USCC → first row, name, region
    may_create: dict[tuple[int, int], bool] = dataclasses.field(default_factory=dict)  # (chain, region) → right

    def may_create_in(self, chain: Chain, region: Region) -> bool:
        """permissions.may_create_in, asked once per chain and region (it may query)."""
        key = (chain.pk, region.pk)
        if key not in self.may_create:
            self.may_create[key] = permissions.may_create_in(self.actor, chain_id=chain.pk, region_id=region.pk)
        return self.may_create[key]


def _classify(row: RowPlan, ctx: Context) -> None:
    values = row.values
    owner = values.get("owner")
    found = ctx.existing.projects.get((owner.pk, values["name"]), []) if owner is not None else []
    if len(found) > 1:
        row.error(_("该建设单位有多个名为“%(name)s”的项目，请在系统中核对。") % {"name": values["name"]})
        return
    if isinstance(ctx.actor, SystemActor):
        row.error(_("项目须由用户导入：项目的录入人和投资填报人须为用户。"))
        return
    if found:
        row.target = found[0]
        _classify_existing(row, found[0], ctx)
    else:
        _classify_new(row, ctx)


def _node(row: RowPlan, chain: Chain, ctx: Context) -> ChainNode | None:
    text = row.values.get("node")
    if not text:
        return None
    candidates = ctx.lookups.nodes.get((chain.pk, text), [])
    if len(candidates) != 1:
        message = (
            _("“%(chain)s”产业链没有环节“%(name)s”。")
            if not candidates
            else _("“%(chain)s”产业链的环节“%(name)s”重名。")
        )
        row.error(message % {"chain": chain.name, "name": text})
    return candidates[0] if len(candidates) == 1 else None


def _new_owner_region(row: RowPlan, chain: Chain, ctx: Context) -> Region | None:
    values = row.values
    uscc = values["new_owner"]
    if uscc in ctx.new_owners:
        first, name, known = ctx.new_owners[uscc]
        if name != values["owner_name"]:
            row.error(_("与第 %(row)s 行的建设单位统一社会信用代码相同，名称却不同。") % {"row": first})
            return None
        values["owner_region"] = known
        return known
    chain_regions = ctx.lookups.chain_regions.get(chain.pk, [])
    region: Region | None = (
        values.get("region")
        or ctx.lookups.region_codes.get(uscc[2:8])
        or (chain_regions[0] if len(chain_regions) == 1 else None)
    )
    if region is None:
        row.error(_("新增建设单位“%(name)s”须确定所在地区，请增加“所在地区”列。") % {"name": values["owner_name"]})
        return None
    actor = ctx.actor
    if not enterprise_permissions.may_create_in(actor, region_id=region.pk, chain_ids={chain.pk}):
        message = _("建设单位“%(name)s”尚未登记，您无权在“%(chain)s”产业链、%(region)s登记企业，请先由其服务团队登记。")
        row.error(message % {"name": values["owner_name"], "chain": chain.name, "region": region.name})
        return None
    ctx.new_owners[uscc] = (row.number, values["owner_name"], region)
    values["owner_region"] = region
    row.warn(
        _("将新增建设单位：%(name)s（%(uscc)s，%(region)s）")
        % {"name": values["owner_name"], "uscc": uscc, "region": region.name}
    )
    return region


def _classify_new(row: RowPlan, ctx: Context) -> None:
    values = row.values
    chain = values.get("chain") or ctx.lookups.title_chain or ctx.lookups.own_chain
    if chain is None:
        row.error(_("无法确定项目所属产业链：请增加“所属产业链”列，或在台账标题中写明产业链。"))
        return
    owner: Enterprise | None = values.get("owner")
    if owner is not None and owner.pk not in ctx.existing.visible:
        row.error(_("建设单位“%(name)s”不在您可查看的范围内，不能为其登记项目。") % {"name": owner.name})
        return
    owner_region = owner.region if owner is not None else _new_owner_region(row, chain, ctx)
    if owner_region is None:
        return
    region = values.get("region") or owner_region
    if not ctx.may_create_in(chain, region):
        if ctx.actor.role == Role.DISTRICT_ADMIN:
            row.error(_("只能登记本地区的项目（所在地区：%(region)s）。") % {"region": region.name})
        else:
            row.error(_("只能登记您所服务产业链的项目（所属产业链：%(chain)s）。") % {"chain": chain.name})
        return
    fields: dict[str, Any] = {key: values[key] for key in FIELD_OF if values.get(key) not in (None, "")}
    node = _node(row, chain, ctx)
    if node is not None:
        fields["node"] = node
    steps = _steps(row, fields.get("planned_investment"))
    if steps is None:
        return
    reached = {stage for stage, _on in steps}
    planned = dict(values["planned"])
    for stage, day in values["actual"].items():
        if stage not in reached:
            planned.setdefault(PLANNED_OF[stage], day)
    fields.update(planned)
    reports = _reports(row, steps[-1][0] if steps else str(S.NEGOTIATING), {})
    values["new"] = {"name": values["name"], "enterprise": owner, "chain": chain, "region": region}
    values["new"] |= {"fields": fields, "steps": steps, "plans": values["plans"], "reports": reports}
    if not row.has_errors:
        row.outcome = Outcome.NEW


def _steps(row: RowPlan, planned_investment: Decimal | None) -> list[tuple[str, dt.date]] | None:
    """The transitions a new project takes to the ledger's stage, checked by the stage rules; None on an error."""
    target = row.values.get("stage") or str(S.NEGOTIATING)
    if target in (S.PAUSED, S.TERMINATED):
        needs = _("原因和暂停前的阶段") if target == S.PAUSED else _("原因")
        message = _("新项目不能以“%(stage)s”导入：须填写%(needs)s，台账中没有。请按实际阶段导入后在项目页面办理。")
        row.error(message % {"stage": ProjectStage(target).label, "needs": needs})
        return None
    steps, filled = steps_to(target, row.values["actual"])
    probe = Project(stage=S.NEGOTIATING, planned_investment=planned_investment)
    try:
        check_steps(probe, steps)
    except ValidationError as exc:
        row.error(
            _("项目须依次办理到台账阶段“%(stage)s”，%(reason)s")
            % {"stage": ProjectStage(target).label, "reason": "".join(exc.messages)}
        )
        return None
    if filled:
        dates = "、".join(f"{ProjectStage(stage).label} {day.isoformat()}" for stage, day in steps if stage in filled)
        row.warn(_("台账未填写以下阶段日期，按此记录：%(dates)s。") % {"dates": dates})
    return steps


def _month_amounts(
    row: RowPlan, existing: dict[dt.date, InvestmentReport]
) -> tuple[dict[dt.date, Decimal], set[dt.date]]:
    """Each month's amount the row gives (a cumulative total less the months before it, from the file or the
    records), and the months a total fell into whole because no earlier month of its year is known."""
    singles: dict[dt.date, Decimal] = {}
    totals: list[tuple[dt.date, Decimal]] = []
    for month, cumulative, amount in row.values["investments"]:
        if cumulative:
            totals.append((month, amount))
        elif month in singles and singles[month] != amount:
            row.error(_("两列填写的 %(m)s 完成投资不一致。") % {"m": f"{month:%Y-%m}"})
        else:
            singles[month] = amount
    months = dict(singles)
    whole: set[dt.date] = set()
    for month, total in totals:
        earlier = [month.replace(month=m) for m in range(1, month.month)]
        known = {d: months[d] if d in months else existing[d].amount for d in earlier if d in months or d in existing}
        prior = sum(known.values(), Decimal(0))
        if month in singles:
            if prior + singles[month] != total:
                row.warn(
                    _("1-%(m)s月累计完成投资 %(total)s 与各月合计 %(sum)s 不一致，按当月完成投资导入。")
                    % {"m": month.month, "total": total, "sum": prior + singles[month]}
                )
            continue
        if total < prior:
            row.error(
                _("1-%(m)s月累计完成投资 %(total)s 万元少于此前各月已填报的合计 %(prior)s 万元。")
                % {"m": month.month, "total": total, "prior": prior}
            )
            continue
        months[month] = total - prior
        if earlier and not known:
            whole.add(month)
    return months, whole


def _reports(row: RowPlan, stage: str, existing: dict[dt.date, InvestmentReport]) -> dict[dt.date, tuple[Decimal, str]]:
    """The monthly reports the row changes: month → (amount, note)."""
    months, whole = _month_amounts(row, existing)
    note = row.values.get("progress")
    last = max(months) if months else None
    if note and last is None:
        row.warn(_("本行没有完成投资数，形象进度未导入。"))
    result: dict[dt.date, tuple[Decimal, str]] = {}
    for month, amount in sorted(months.items()):
        old = existing.get(month)
        text = note if note and month == last else (old.note if old is not None else "")
        if (old is None and not amount) or (old is not None and old.amount == amount and old.note == text):
            continue
        result[month] = (amount, text)
        if month in whole:
            row.warn(
                _("系统中没有该项目%(y)s年1-%(p)s月的投资填报，1-%(m)s月累计完成投资全部记入%(m)s月。")
                % {"y": month.year, "p": month.month - 1, "m": month.month}
            )
    if result and stage in NO_REPORT_STAGES:
        row.error(
            _("“%(stage)s”阶段的项目不填报投资完成情况：请删除完成投资，或改正项目阶段。")
            % {"stage": ProjectStage(stage).label}
        )
    return result


def _text(value: Any) -> str:
    return "—" if value in (None, "") else value.isoformat() if isinstance(value, dt.date) else str(value)


def _field_changes(row: RowPlan, project: Project, ctx: Context) -> dict[str, Any]:
    values = row.values
    fields: dict[str, Any] = {}
    for key, name in FIELD_OF.items():
        if values.get(key) not in (None, "") and values[key] != getattr(project, name):
            fields[name] = values[key]
    if values.get("region") is not None and values["region"].pk != project.region_id:
        fields["region"] = values["region"]
    node = _node(row, project.chain, ctx)
    if node is not None and node.pk != project.node_id:
        fields["node"] = node
    planned = dict(values["planned"])
    for stage, day in values["actual"].items():
        actual = getattr(project, STAGE_DATE_FIELD[stage])
        if actual is None:
            planned.setdefault(PLANNED_OF[stage], day)
        elif actual != day:
            label = Project._meta.get_field(STAGE_DATE_FIELD[stage]).verbose_name  # type: ignore[union-attr]
            row.warn(
                _("已登记的%(field)s为 %(old)s，导入不变更（台账：%(new)s），请在项目页面核对。")
                % {"field": label, "old": actual.isoformat(), "new": day.isoformat()}
            )
    fields.update({name: day for name, day in planned.items() if getattr(project, name) != day})
    for name, value in fields.items():
        label = str(Project._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
        old = getattr(project, name)
        row.changes.append((label, _text(old), _text(value)))
    return fields


def _classify_existing(row: RowPlan, project: Project, ctx: Context) -> None:
    values = row.values
    if not permissions.can_manage(ctx.actor, project):
        row.error(_("该项目（%(name)s）不在您可修改的范围内。") % {"name": project.name})
        return
    if values.get("chain") is not None and values["chain"].pk != project.chain_id:
        row.warn(
            _("项目已登记在“%(old)s”产业链，导入不变更所属产业链（台账：%(new)s）。")
            % {"old": project.chain.name, "new": values["chain"].name}
        )
    stage = values.get("stage")
    if stage and stage != project.stage:
        message = _(
            "项目阶段与台账不同（系统：%(old)s，台账：%(new)s），导入不变更已登记项目的阶段，请在项目页面办理。"
        )
        row.warn(message % {"old": project.get_stage_display(), "new": ProjectStage(stage).label})
    fields = _field_changes(row, project, ctx)
    plans: dict[int, Decimal] = {}
    for year, amount in values["plans"].items():
        old = ctx.existing.plans.get((project.pk, year))
        if old is None or old.amount != amount:
            plans[year] = amount
            label = _("%(year)s年计划投资(万元)") % {"year": year}
            row.changes.append((label, _text(old.amount if old else None), _text(amount)))
    reports = _reports(row, project.stage, ctx.existing.reports.get(project.pk, {}))
    for month, (amount, _note) in reports.items():
        old_report = ctx.existing.reports.get(project.pk, {}).get(month)
        label = _("%(y)s年%(m)s月完成投资(万元)") % {"y": month.year, "m": month.month}
        row.changes.append((label, _text(old_report.amount if old_report else None), _text(amount)))
    values["change"] = ProjectChange(project=project, fields=fields, plans=plans, reports=reports)
    row.outcome = Outcome.UPDATE if fields or plans or reports else Outcome.UNCHANGED


def _flag_similar(rows: list[RowPlan], ctx: Context) -> None:
    """New owners with a name close to a registered enterprise's, as the enterprise form flags them (the first
    FUZZY_LIMIT of them)."""
    owners = [
        row
        for row in rows
        if row.outcome == Outcome.NEW
        and (uscc := row.values.get("new_owner"))
        and ctx.new_owners.get(uscc, (0,))[0] == row.number
    ][:FUZZY_LIMIT]
    find = similar_search(len(owners))
    for row in owners:
        similar = find(row.values["owner_name"])
        if similar:
            names = "、".join(f"{e.name}（{e.uscc}）" for e in similar[:3])
            row.warn(_("已登记名称相近的企业：%(names)s，请核对是否为同一建设单位。") % {"names": names})


class ProjectImport(ImportKind):
    code = "projects"
    label = gettext_lazy("项目台账")
    noun = gettext_lazy("项目")
    fields = FIELDS
    sheet_names = ("项目", "台账")
    list_view = "projects:list"

    def may_import(self, user: Any) -> bool:
        return permissions.may_create(user)

    def plan(
        self, table: Table, mapping: Mapping_, *, actor: Actor, progress: Callable[[int], None] | None = None
    ) -> Plan:
        lookups = _lookups(table, actor)
        rows: list[RowPlan] = []
        for reader in read_rows(table, mapping, progress):
            reader.plan.values = _parse(reader, table, lookups)
            reader.plan.label = reader.plan.values.get("name") or ""
            rows.append(reader.plan)
        duplicates_within(rows, lambda r: r.values.get("code"), _("与第 %(row)s 行的项目编号重复。"))
        existing = _existing(rows, actor)
        for row in rows:  # also for rows with other errors, so that their duplicates are flagged too
            if row.values.get("owner_name") and row.values.get("uscc", "") is not None:
                _owner(row, existing)
        duplicates_within(rows, _owner_key, _("与第 %(row)s 行是同一建设单位的同名项目。"))
        ctx = Context(actor, lookups, existing, {})
        for row in rows:
            if not row.has_errors:
                _classify(row, ctx)
            if row.has_errors:
                row.outcome = Outcome.ERROR
        _flag_similar(rows, ctx)
        return Plan(kind=self.code, table=table, mapping=mapping, rows=rows)

    def commit(self, plan: Plan, *, actor: Actor, tag: str) -> dict[str, int]:
        message = _("导入：%(name)s") % {"name": plan.table.filename}
        owners: dict[str, NewEnterprise] = {}
        for row in plan.rows:
            uscc = row.values.get("new_owner")
            if row.outcome == Outcome.NEW and uscc and uscc not in owners:
                owners[uscc] = NewEnterprise(
                    name=row.values["owner_name"],
                    uscc=uscc,
                    region=row.values["owner_region"],
                    chains=[row.values["new"]["chain"]],
                )
        ids = enterprises_import(actor=actor, new=list(owners.values()), tag=tag, message=message) if owners else {}
        created = Enterprise.objects.in_bulk(list(ids.values()))
        by_uscc = {uscc: created[pk] for uscc, pk in ids.items()}
        new: list[NewProject] = []
        changes: list[ProjectChange] = []
        for row in plan.rows:
            if row.outcome == Outcome.NEW:
                spec = dict(row.values["new"])
                spec["enterprise"] = spec["enterprise"] or by_uscc[row.values["new_owner"]]
                new.append(NewProject(**spec))
            elif row.outcome == Outcome.UPDATE:
                changes.append(row.values["change"])
        projects_import(actor=actor, new=new, changes=changes, tag=tag, message=message)
        return {"new": len(new), "update": len(changes), "owners": len(owners)}


register(ProjectImport())
