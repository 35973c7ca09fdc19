"""Importing a ledger of annual targets (年度目标任务分解表): one row per owner (a chain, the city or a district, or
a department) and one column per metric, written through `targets.services.targets_save`, one call per row.

Who may import: the roles that may set some targets (chaindesk.targets.permissions.may_set_any: city leaders,
team members, district administrators, department handlers); each row is then checked with `may_set`, so a row
of an owner outside the importer's reach is an error (「您无权填报“测试乙链”的年度目标：…」). A system actor (the
CLI without --user) sets no targets: every row is an error asking for a user.

The year: the row's 年度 when the column is there and filled, else the one year the metric columns' headers name
(「2026年目标/新签约项目」), else the title's (「2026年度目标任务分解表」), else this year (clock.today()).

The owner: 名称 is a chain's name, a region's (the city's or a district's; 全市 and 市本级 name the city) or a
department's short or full name. With a 类别 column filled (产业链、地区、部门 and the words in OWNER_WORDS) the name
is looked for among that kind only; otherwise among all three, and it must name exactly one record: exact names
first, then the short forms offices write (生物医药 for 生物医药产业链, 海陵 for 海陵区). A name several records bear
is an error asking for the 类别 column or the full name; an unknown one is an error.

The metrics: one column each, headed by the metric's name with or without its unit (新签约项目(个), 新签约项目,
完成投资（万元）, 满意率(%)) or a synonym (FIELDS). Counts are whole numbers (12, 12个). Amounts are in 万元 unless
the cell, the column's header or a note above it says otherwise (5.2亿元; 「签约金额（亿元）」). Rates are
percentages: 95%, 95 and 百分之九十五 are all 95. A bare number between 0 and 1 (0.95, or 1) is read as a fraction
and multiplied by 100 with a warning: that is how Excel stores a cell typed as 95% (the least surprising
reading: a 0.95 % closure rate is no one's target); 0.95% written with its sign stays 0.95. A rate above 100, a
negative figure or a metric the owner cannot have (新签约项目 for a department) is an error with the service's own
message (targets.services.check_values).

A blank cell (or -, /) leaves that metric's target as it is: the import never removes a target (the ledger page
does). The notes (说明) of the targets it changes are kept.

Outcomes: new (the owner has no target yet for any metric the row fills), update (some figure is new or
differs; the changes are listed), unchanged (every figure equals the registered one, or the row fills none),
error. The same owner twice for the same year is an error on the second row. The commit calls targets_save per
row with only the figures that change, in the caller's transaction: its audited creates and updates carry the
batch's token, so the undo deletes the targets the import created and puts back the figures it changed.
"""

import dataclasses
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, Q
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chaindesk.accounts.choices import RegionLevel
from chaindesk.accounts.models import Department, Region
from chaindesk.chains.models import Chain
from chaindesk.core import clock
from chaindesk.core.actors import Actor, SystemActor
from chaindesk.targets import permissions
from chaindesk.targets import services as target_services
from chaindesk.targets.choices import SPECS, Metric, Owner
from chaindesk.targets.models import Target

from .. import values as v
from ..choices import Outcome
from ..lookups import without_suffix
from ..mapping import Field, Mapping_
from ..plan import Plan, RowPlan, RowReader, duplicates_within, mapped_columns, read_rows
from ..reading import Table
from ..values_text import number_text
from . import ImportKind, register

YEARS = target_services.YEARS
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
CITY_WORDS = ("全市", "市本级")


def _words(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {word: str(code) for code, words in table.items() for word in words}


# The words a 类别 column holds (cleaned as values.clean_name: full-width brackets), besides the codes.
OWNER_WORDS: dict[str, str] = _words(
    {
        Owner.CHAIN: ("产业链", "链", "产业", "重点产业链"),
        Owner.REGION: ("地区", "市", "区", "县", "市区", "县区", "区县", "县（市、区）", "市（区）", "地方", "属地"),
        Owner.DEPARTMENT: ("部门", "单位", "市级部门", "市直部门", "责任部门", "牵头部门", "局"),
    }
)
METRIC_SYNONYMS: dict[str, tuple[str, ...]] = {
    Metric.SIGNED: ("新签约项目数", "新签约项目个数", "签约项目", "签约项目数", "新签项目"),
    Metric.SIGNED_AMOUNT: ("新签约项目金额", "新签约项目总投资", "签约金额", "签约项目金额", "签约总投资"),
    Metric.STARTED: ("新开工项目数", "新开工项目个数", "开工项目", "开工项目数"),
    Metric.COMPLETED: ("竣工项目数", "新竣工项目", "竣工项目个数"),
    Metric.PRODUCTION: ("投产项目数", "新投产项目", "投产项目个数"),
    Metric.INVESTMENT: ("完成投资额", "年度完成投资", "项目完成投资", "完成项目投资"),
    Metric.NEW_SCALE: ("新增规上企业数", "新增规上工业企业", "新增规模以上企业", "新增规上"),
    Metric.CLOSURE_RATE: ("办结率", "诉求办结率目标"),
    Metric.SATISFACTION_RATE: ("满意度", "诉求满意率", "企业满意率"),
    Metric.UPWARD_OBTAINED: ("上争获批资金", "上争资金", "上争金额", "争取上级资金"),
}


@functools.cache
def _is_amount(metric: str) -> bool:
    """Whether the metric is an amount in 万元 (read by parse_amount), whatever the active language."""
    with translation.override(None):
        return not SPECS[metric].is_rate and str(SPECS[metric].unit) == "万元"


def _metric_field(metric: Metric) -> Field:
    spec = SPECS[metric]
    if spec.is_rate:
        help_text: Any = gettext_lazy("百分比，0 到 100，如 95% 或 95")
    elif _is_amount(metric):
        help_text = gettext_lazy("万元，也可写作“5.2亿元”")
    else:
        help_text = gettext_lazy("整数")
    if Owner.DEPARTMENT not in spec.owners:
        help_text = format_lazy("{}；{}", help_text, gettext_lazy("仅产业链和地区"))
    label = format_lazy("{}({})", metric.label, spec.unit)
    return Field(metric.value, label, METRIC_SYNONYMS[metric], help=help_text, width=14)


FIELDS = (
    Field(
        "year",
        gettext_lazy("年度"),
        ("年份", "目标年度", "考核年度", "年"),
        help=gettext_lazy("如 2026；不填则取表格标题中的年份，否则为今年"),
        width=8,
    ),
    Field(
        "owner",
        gettext_lazy("类别"),
        ("目标类别", "对象类别", "主体类别", "类型", "对象类型"),
        help=gettext_lazy("产业链、地区或部门；不填则按名称在三类中唯一匹配"),
        width=10,
    ),
    Field(
        "name",
        gettext_lazy("名称"),
        ("对象名称", "目标对象", "考核对象", "责任单位", "责任主体", "单位名称", "单位", "主体", "对象")
        + ("产业链", "产业链名称", "地区", "地区名称", "县（市、区）", "部门", "部门名称"),
        required=True,
        help=gettext_lazy("产业链名称、县（市、区）名称（市本级填市名或“全市”）或部门简称"),
        width=20,
    ),
    *(_metric_field(metric) for metric in Metric),
)
LABELS = {field.name: field.label for field in FIELDS}


# --- the owners ----------------------------------------------------------------------------------------------


Candidate = tuple[str, Model]  # (Owner code, the chain, region or department)


@dataclasses.dataclass
class Owners:
    """The chains, regions (the city and its districts) and active departments by cleaned name: `exact` (a
    chain's or region's name, a department's short and full names) and `short` (the forms offices write)."""

    exact: dict[str, list[Candidate]]
    short: dict[str, list[Candidate]]

    @classmethod
    def load(cls) -> "Owners":
        owners = cls({}, {})
        chain_short = without_suffix("产业链", "链")
        region_short = without_suffix("区", "县", "市", "新区", "高新区")
        for chain in Chain.objects.all():
            owners.add(Owner.CHAIN, chain, [chain.name], chain_short(v.clean_name(chain.name)))
        for region in Region.objects.filter(level__in=[RegionLevel.CITY, RegionLevel.DISTRICT]):
            extra = CITY_WORDS if region.level == RegionLevel.CITY else ()
            owners.add(Owner.REGION, region, [region.name], [*region_short(v.clean_name(region.name)), *extra])
        department_short = without_suffix()
        for department in Department.objects.filter(is_active=True):
            names = [department.short_name, department.name]
            owners.add(Owner.DEPARTMENT, department, names, department_short(v.clean_name(department.name)))
        return owners

    def add(self, owner: str, obj: Model, names: Iterable[str], short: Iterable[str]) -> None:
        exact = {v.clean_name(name) for name in names if name}
        for name in exact:
            self.exact.setdefault(name, []).append((owner, obj))
        for name in set(short) - exact:
            if name:
                self.short.setdefault(name, []).append((owner, obj))

    def find(self, name: str, owner: str | None) -> list[Candidate]:
        """The records `name` names (of the `owner` kind if given): the exact ones, else the short forms'."""
        for index in (self.exact, self.short):
            found = [c for c in dict.fromkeys(index.get(name, [])) if owner is None or c[0] == owner]
            if found:
                return found
        return []


def _owner_text(candidate: Candidate) -> str:
    return f"{Owner(candidate[0]).label}“{candidate[1]}”"


def _resolve(reader: RowReader, owners: Owners) -> Candidate | None:
    """The row's owner, or None with the row's error filed."""
    row, values = reader.plan, reader.plan.values
    name, owner = values.get("name"), values.get("owner")
    if not name:
        return None
    found = owners.find(name, owner)
    if len(found) == 1:
        return found[0]
    column = reader.column("name")
    if found:
        listed = "、".join(_owner_text(c) for c in found[:5])
        row.error(
            _("“%(name)s”对应多个对象（%(listed)s），请写全称，或增加“类别”列（产业链、地区、部门）。")
            % {"name": name, "listed": listed},
            column,
        )
    elif owner:
        row.error(_("未找到名为“%(name)s”的%(owner)s。") % {"name": name, "owner": Owner(owner).label}, column)
    else:
        row.error(
            _("未找到名为“%(name)s”的产业链、地区或部门：请核对名称（产业链全称、县（市、区）名称或部门简称）。")
            % {"name": name},
            column,
        )
    return None


# --- reading a row -------------------------------------------------------------------------------------------


def _sheet_year(table: Table, mapping: Mapping_) -> int:
    """The year every row without a 年度 of its own takes (see the module docstring)."""
    columns = mapped_columns(table, mapping)
    named = {
        int(found[1])
        for key, column in columns.items()
        if key in SPECS
        for found in [_YEAR.search(unicodedata.normalize("NFKC", column.name))]
        if found
    }
    if len(named) == 1:
        return named.pop()
    title = _YEAR.search(unicodedata.normalize("NFKC", table.title or ""))
    return int(title[1]) if title else clock.today().year


def _rate(reader: RowReader, metric: str) -> Decimal | None:
    """A rate in % (see the module docstring): a bare fraction is multiplied by 100, with a warning."""
    raw = reader.raw(metric)
    value = reader.get(metric, v.parse_percent)
    if value is None:
        return None
    signed = isinstance(raw, str) and ("%" in v.clean_code(raw) or "百分之" in raw)
    if not signed and 0 < value <= 1:
        shown = v.as_text(raw)  # type: ignore[arg-type]
        value = (value * 100).quantize(Decimal("0.01")) + 0
        reader.plan.warn(
            _(
                "“%(raw)s”按 %(value)s%% 导入（在 Excel 中输入 %(value)s%% 时存为 %(raw)s）；"
                "如确指 %(raw)s%%，请写作“%(raw)s%%”。"
            )
            % {"raw": shown, "value": number_text(value)},
            reader.column(metric),
        )
    return value


def _figure(reader: RowReader, metric: str, unit: str | None) -> Decimal | None:
    """The metric's figure in the row, None when blank (or refused: the error filed)."""
    if not reader.has(metric):
        return None
    spec = SPECS[metric]
    if spec.is_rate:
        return _rate(reader, metric)
    if _is_amount(metric):
        column = reader.column(metric)
        hint = (column.unit if column is not None else None) or unit
        return reader.get(metric, v.parse_amount, unit_hint=hint)
    count = reader.get(metric, v.parse_int)
    return None if count is None else Decimal(count)


def _parse(reader: RowReader, table: Table, year: int) -> dict[str, Any]:
    """The row's typed values: year, owner kind (if given), cleaned name, and the filled figures by metric."""
    get = reader.get
    values: dict[str, Any] = {"year": year, "name": get("name", v.clean_name, required=True)}
    if reader.has("year"):
        values["year"] = get("year", v.parse_year)
        if values["year"] is not None and values["year"] not in YEARS:
            reader.plan.error(_("年度须在 2000 到 2100 之间。"), reader.column("year"))
    if reader.has("owner"):
        values["owner"] = get("owner", v.map_choice, choices=OWNER_WORDS, field_label=str(LABELS["owner"]))
    figures: dict[str, Decimal] = {}
    for metric in Metric.values:
        figure = _figure(reader, metric, table.unit)
        if figure is not None:
            figures[metric] = figure
    values["figures"] = figures
    return values


def _checked(reader: RowReader, owner: str) -> None:
    """The service's own refusals of the figures (a metric the owner cannot have, negative, a rate above 100),
    each on its column."""
    try:
        target_services.check_values(owner, reader.plan.values["figures"])
    except ValidationError as exc:
        for metric, messages in exc.message_dict.items():
            for message in messages:
                reader.plan.error(message, reader.column(metric))


# --- one row's outcome ---------------------------------------------------------------------------------------


Key = tuple[int, str, int]  # (year, owner, owner id)


def _key(row: RowPlan) -> Key | None:
    found = row.values.get("found")
    year = row.values.get("year")
    return None if found is None or year is None else (year, found[0], found[1].pk)


def _existing(rows: Sequence[RowPlan]) -> dict[Key, dict[str, Target]]:
    """The registered targets of the rows' owners and years, by (year, owner, owner id) and metric."""
    keys = [key for row in rows if (key := _key(row)) is not None]
    by_owner: dict[str, set[int]] = {}
    for _year, owner, pk in keys:
        by_owner.setdefault(owner, set()).add(pk)
    if not keys:
        return {}
    who = Q()
    for owner, ids in by_owner.items():
        who |= Q(owner=owner, **{f"{owner}_id__in": sorted(ids)})
    found: dict[Key, dict[str, Target]] = {}
    for target in Target.objects.filter(who, year__in={key[0] for key in keys}):
        key = (target.year, target.owner, target.owner_id or 0)
        found.setdefault(key, {})[target.metric] = target
    return found


def _shown(value: Decimal | None) -> str:
    return "—" if value is None else number_text(value)


def _classify(reader: RowReader, actor: Actor, existing: dict[Key, dict[str, Target]]) -> None:
    row, values = reader.plan, reader.plan.values
    owner, obj = values["found"]
    figures: dict[str, Decimal] = values["figures"]
    if not figures:
        row.warn(_("本行没有填写任何目标值，不导入。"))
        row.outcome = Outcome.UNCHANGED
        return
    if isinstance(actor, SystemActor):
        row.error(_("年度目标须以有填报权限的用户身份导入（命令行请用 --user 指定用户）。"))
        return
    if not permissions.may_set(actor, owner, obj.pk):
        reason = str(permissions.refusal(owner).args[0])
        row.error(
            _("您无权填报“%(name)s”的年度目标：%(reason)s") % {"name": obj, "reason": reason}, reader.column("name")
        )
        return
    _checked(reader, owner)
    if row.has_errors:
        return
    registered = existing.get(_key(row) or (0, "", 0), {})
    changed = {m: value for m, value in figures.items() if m not in registered or registered[m].value != value}
    for metric, value in changed.items():
        before = registered[metric].value if metric in registered else None
        row.changes.append((str(LABELS[metric]), _shown(before), _shown(value)))
    values["write"] = changed
    values["notes"] = {m: registered[m].note for m in changed if m in registered}
    if not changed:
        row.outcome = Outcome.UNCHANGED
    elif not any(m in registered for m in figures):
        row.outcome = Outcome.NEW
    else:
        row.outcome = Outcome.UPDATE


class TargetImport(ImportKind):
    code = "targets"
    label = gettext_lazy("年度目标")
    noun = gettext_lazy("目标")
    fields = FIELDS
    list_view = "targets:ledger"
    sheet_names = ("目标", "任务", "考核")
    depends_on = (
        "targets.Target",
        "chains.Chain",
        "chains.TeamMember",
        "accounts.Region",
        "accounts.Department",
        "accounts.User",
    )

    def may_import(self, user: Any) -> bool:
        return permissions.may_set_any(user) and bool(getattr(user, "is_active", False))

    def plan(
        self, table: Table, mapping: Mapping_, *, actor: Actor, progress: Callable[[int], None] | None = None
    ) -> Plan:
        owners = Owners.load()
        year = _sheet_year(table, mapping)
        readers: list[RowReader] = []
        for reader in read_rows(table, mapping, progress):
            values = _parse(reader, table, year)
            reader.plan.values = values
            values["found"] = _resolve(reader, owners)
            name = str(values["found"][1]) if values["found"] else values.get("name") or ""
            reader.plan.label = _("%(name)s（%(year)s年）") % {"name": name, "year": values.get("year") or "?"}
            readers.append(reader)
        rows = [reader.plan for reader in readers]
        if not any(key in SPECS for key in mapping.values()):
            for row in rows:
                row.error(_("没有可识别的目标指标列（如“新签约项目(个)”“完成投资(万元)”），请在列对应中选择。"))
        duplicates_within(rows, _key, _("与第 %(row)s 行是同一对象同一年度的目标。"))
        existing = _existing(rows)
        for reader in readers:
            row = reader.plan
            if not row.has_errors:
                _classify(reader, actor, existing)
            if row.has_errors:
                row.outcome = Outcome.ERROR
        return Plan(kind=self.code, table=table, mapping=mapping, rows=rows)

    def commit(self, plan: Plan, *, actor: Actor, tag: str) -> dict[str, int]:
        """Set each new or changed row's figures through targets_save, in the caller's transaction (its audit
        lines carry the batch's request id, `tag`): any refusal rolls the whole batch back."""
        created = changed = 0
        for row in plan.rows:
            if row.outcome not in (Outcome.NEW, Outcome.UPDATE):
                continue
            values = row.values
            owner, obj = values["found"]
            saved = target_services.targets_save(
                actor=actor,
                year=values["year"],
                owner=owner,
                owner_obj=obj,
                values=values["write"],
                notes=values["notes"],
            )
            created, changed = created + saved.created, changed + saved.changed
        return {"created": created, "changed": changed}


register(TargetImport())
