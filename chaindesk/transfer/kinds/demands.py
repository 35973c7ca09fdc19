"""Importing an enterprise-demand ledger (企业诉求台账 / 需求清单): one enterprise demand (诉求) per row, written
through the intake service `demands.services.demand_submit` (issue 13, item 1). Meetings' 交办事项 are not imported.

Who may import: those who may submit demands for enterprises other than their own: city leaders and team
members (for the enterprises of their chains) and liaisons (for the enterprises they serve), and a city-wide
system actor (the CLI without --user); enterprise users record theirs in the portal.

The enterprise: by its 统一社会信用代码 when the row gives one, else by its exact registered name (企业名称); an
unknown one is an error (a demand needs a registered enterprise), as is one the importer may not submit for
(permissions.can_submit). A row whose name differs from the name its USCC is registered under gets a warning.

Keys: 编号 (the demand's number, its pk) when given: a demand the importer may see whose enterprise, title and
description (when the row gives one) equal the row's is unchanged; any difference is an error (a registered
demand is handled on its page, never rewritten by a ledger). Without 编号, the enterprise and the title: a demand
of that enterprise with the same title (any status, 交办事项 aside) makes the row unchanged, so a ledger imported
twice creates nothing twice; another row is new and is submitted at commit (已提交), one service call per row.

Values: 诉求事项 at most 100 characters (longer is an error: the details belong in 具体内容); 具体内容 is the title
when blank or absent; 诉求类别 a registered category by name (or by one half of a four-character name: 用地 for
用地规划), an unknown one listed with the accepted names; 紧急程度 一般 unless given (URGENCY_WORDS); 来源渠道 by
the labels and the words offices write (CHANNEL_WORDS). When 来源渠道 is absent or blank, the channel is the first
one (in Channel's order) the intake service's channel check allows the importer: 服务团队 for a city leader or team
member, 专员走访 for a liaison (ROLE_CHANNELS). A channel the importer's role may not use is an error with the
service's message. The dry run refuses whatever the service would refuse, so the all-or-nothing commit does not
stop half way on a row.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chaindesk.accounts.choices import Role
from chaindesk.core.actors import Actor, is_system
from chaindesk.core.bulk import chunks
from chaindesk.demands import permissions
from chaindesk.demands import services as demand_services
from chaindesk.demands.choices import Channel, Urgency
from chaindesk.demands.models import Category, Demand
from chaindesk.enterprises.models import Enterprise

from .. import values as v
from ..choices import Outcome
from ..lookups import Lookup
from ..mapping import Field, Mapping_
from ..plan import Plan, RowPlan, RowReader, duplicates_within, read_rows
from ..reading import Table
from . import ImportKind, register

IMPORTER_ROLES = frozenset({Role.CITY_LEADER, Role.TEAM_MEMBER, Role.LIAISON})
TITLE_MAX = Demand._meta.get_field("title").max_length or 100

FIELDS = (
    Field(
        "enterprise",
        gettext_lazy("企业名称"),
        ("单位名称", "公司名称", "企业全称", "企业(单位)名称", "诉求企业", "企业名"),
        required=True,
        width=30,
    ),
    Field(
        "uscc",
        gettext_lazy("统一社会信用代码"),
        ("信用代码", "社会信用代码", "统一代码"),
        help=gettext_lazy("18位；填写时按代码匹配企业"),
        width=22,
    ),
    Field(
        "title",
        gettext_lazy("诉求事项"),
        ("问题", "需求", "诉求名称", "诉求标题", "诉求问题", "需求事项", "需求名称", "存在问题", "问题名称"),
        required=True,
        help=gettext_lazy("100字以内"),
        width=30,
    ),
    Field(
        "description",
        gettext_lazy("具体内容"),
        ("诉求内容", "问题描述", "需求内容", "诉求描述", "需求描述", "详细内容", "具体情况", "内容"),
        help=gettext_lazy("不填则同诉求事项"),
        width=50,
    ),
    Field(
        "category",
        gettext_lazy("诉求类别"),
        ("问题类型", "类别", "诉求类型", "诉求分类", "需求类别", "需求类型", "问题类别", "问题分类"),
        required=True,
        width=12,
    ),
    Field(
        "urgency",
        gettext_lazy("紧急程度"),
        ("缓急程度", "急缓程度", "紧急度", "优先级"),
        help=gettext_lazy("一般、紧急、特急；不填为一般"),
        width=10,
    ),
    Field(
        "channel",
        gettext_lazy("来源渠道"),
        ("来源", "渠道", "诉求来源", "需求来源", "收集渠道", "反映渠道", "反映方式"),
        help=gettext_lazy("如走访、座谈会、电话、线上；不填按您的角色"),
        width=12,
    ),
    Field(
        "number",
        gettext_lazy("编号"),
        ("诉求编号", "需求编号"),
        help=gettext_lazy("已登记诉求的编号；新增诉求不填"),
        width=8,
    ),
)
LABELS = {field.name: field.label for field in FIELDS}


def _words(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {word: str(code) for code, words in table.items() for word in words}


# The words offices write (the labels among them, written out: a lazy label would follow the active language),
# besides the codes, which values_choices.map_choice also reads.
URGENCY_WORDS: dict[str, str] = _words(
    {
        Urgency.NORMAL: ("一般", "普通", "正常", "常规", "不急"),
        Urgency.URGENT: ("紧急", "急", "较急", "加急", "较紧急", "比较紧急"),
        Urgency.CRITICAL: ("特急", "特别紧急", "非常紧急", "十分紧急", "紧迫"),
    }
)
CHANNEL_WORDS: dict[str, str] = _words(
    {
        Channel.LIAISON: ("专员走访", "走访", "上门走访", "入企走访", "实地走访", "挂钩走访", "专员"),
        Channel.TEAM: ("服务团队", "团队", "电话", "来电", "电话反映", "来访"),
        Channel.ENTERPRISE: ("企业提交", "企业自报", "企业申报", "企业反映", "企业"),
        Channel.MEETING: ("会议决定", "会议", "座谈会", "座谈", "例会", "调度会", "现场会"),
        Channel.API: ("接口", "线上", "网上", "平台", "在线", "系统对接"),
    }
)


def _category_aliases(name: str) -> list[str]:
    """A four-character category name's halves (用地规划 → 用地, 规划): the short words ledgers use."""
    return [name[:2], name[2:]] if len(name) == 4 else []


def _categories() -> Lookup[Category]:
    return Lookup(
        Category.objects.all(),
        name=lambda c: c.name,
        aliases=_category_aliases,
        field_label=str(LABELS["category"]),
    )


def _title(cell: Any) -> str:
    text = " ".join(line.strip() for line in v.clean_text(cell).splitlines() if line.strip())
    if len(text) > TITLE_MAX:
        raise v.CellError(
            _("诉求事项不能超过%(max)s字（本行%(n)s字），请精简，详细情况写在“具体内容”中。")
            % {"max": TITLE_MAX, "n": len(text)},
            code="too_long",
        )
    return text


def _number(cell: Any) -> int:
    text = v.clean_code(cell)
    if not text.isdigit() or int(text) <= 0:
        raise v.CellError(
            _("编号“%(value)s”不是诉求编号（诉求页面上的数字编号）；新增诉求请不填。") % {"value": text[:40]},
            code="number",
        )
    return int(text)


def _parse(reader: RowReader, categories: Lookup[Category]) -> dict[str, Any]:
    """The row's typed values (only what it fills in)."""
    get, has = reader.get, reader.has
    values: dict[str, Any] = {
        "name": get("enterprise", v.clean_name, required=True),
        "title": get("title", _title, required=True),
        "category": get("category", categories.find, required=True),
    }
    if has("uscc"):
        values["uscc"] = get("uscc", v.parse_uscc)
    if has("description"):
        values["description"] = get("description", v.clean_text)
    label = str(LABELS["urgency"])
    values["urgency"] = (
        get("urgency", v.map_choice, choices=URGENCY_WORDS, field_label=label) if has("urgency") else Urgency.NORMAL
    )
    if has("channel"):
        values["channel"] = get("channel", v.map_choice, choices=CHANNEL_WORDS, field_label=str(LABELS["channel"]))
    if has("number"):
        values["number"] = get("number", _number)
    return values


# --- the enterprises, the registered demands -----------------------------------------------------------------


def _enterprises(rows: Sequence[RowPlan]) -> tuple[dict[str, Enterprise], dict[str, list[Enterprise]]]:
    """The enterprises the rows name: by USCC, and by cleaned name (several when names repeat)."""
    codes = sorted({row.values["uscc"] for row in rows if row.values.get("uscc")})
    names = sorted({row.values["name"] for row in rows if row.values.get("name")})
    by_uscc: dict[str, Enterprise] = {}
    by_name: dict[str, list[Enterprise]] = {}
    for part in chunks(codes):
        for enterprise in Enterprise.objects.filter(uscc__in=part):
            by_uscc[enterprise.uscc] = enterprise
    for part in chunks(names):
        for enterprise in Enterprise.objects.filter(name__in=part).order_by("pk"):
            by_name.setdefault(v.clean_name(enterprise.name), []).append(enterprise)
    return by_uscc, by_name


def _resolve(
    reader: RowReader, by_uscc: dict[str, Enterprise], by_name: dict[str, list[Enterprise]]
) -> Enterprise | None:
    """The row's enterprise (USCC first, then the exact name), or None with the row's error filed."""
    row, values = reader.plan, reader.plan.values
    uscc, name = values.get("uscc"), values.get("name")
    if uscc:
        enterprise = by_uscc.get(uscc)
        if enterprise is None:
            row.error(
                _("未找到统一社会信用代码为 %(uscc)s 的企业，诉求须属于已登记的企业，请先在企业名录中登记。")
                % {"uscc": uscc},
                reader.column("uscc"),
            )
        elif name and v.clean_name(enterprise.name) != name:
            row.warn(
                _("企业名称与该统一社会信用代码登记的名称（%(name)s）不一致，按统一社会信用代码匹配。")
                % {"name": enterprise.name},
                reader.column("enterprise"),
            )
        return enterprise
    if not name:
        return None
    found = by_name.get(name, [])
    if len(found) > 1:
        row.error(_("有多家企业名为“%(name)s”，请填写统一社会信用代码。") % {"name": name}, reader.column("enterprise"))
        return None
    if not found:
        row.error(
            _("未找到企业“%(name)s”，诉求须属于已登记的企业：请核对名称（须与登记的全称一致）或填写统一社会信用代码。")
            % {"name": name},
            reader.column("enterprise"),
        )
        return None
    return found[0]


def _registered(rows: Sequence[RowPlan], actor: Actor) -> tuple[dict[tuple[int, str], Demand], dict[int, Demand]]:
    """The enterprise demands already registered: by (enterprise, cleaned title), any status, for the natural
    key; and those the rows' 编号 name that the importer may see."""
    ids = sorted({row.values["enterprise"].pk for row in rows if row.values.get("enterprise") is not None})
    by_title: dict[tuple[int, str], Demand] = {}
    for part in chunks(ids):
        for demand in Demand.objects.enterprise_demands().filter(enterprise_id__in=part).order_by("pk"):
            by_title.setdefault((demand.enterprise_id or 0, _title_key(demand.title)), demand)
    numbers = sorted({row.values["number"] for row in rows if row.values.get("number")})
    visible = Demand.objects.all() if is_system(actor) else Demand.objects.visible_to(actor)
    by_number: dict[int, Demand] = {}
    for part in chunks(numbers):
        for demand in visible.enterprise_demands().filter(pk__in=part).select_related("enterprise"):
            by_number[demand.pk] = demand
    return by_title, by_number


def _title_key(title: str) -> str:
    return " ".join(v.clean_text(title).split())


# --- one row's outcome -------------------------------------------------------------------------------------------


class Checks:
    """What the intake service checks per enterprise and per channel, each asked once per dry run."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self._submit: dict[int, bool] = {}
        self.default_channel = next((c.value for c in Channel if self.channel_refusal(c.value) is None), "")

    def may_submit(self, enterprise: Enterprise) -> bool:
        if enterprise.pk not in self._submit:
            self._submit[enterprise.pk] = permissions.can_submit(self.actor, enterprise)
        return self._submit[enterprise.pk]

    def channel_refusal(self, channel: str) -> str | None:
        """The intake service's refusal of `channel` for the importer (its own message), None when allowed."""
        try:
            demand_services.check_channel(self.actor, channel)
        except ValidationError as exc:
            return " ".join(exc.messages)
        return None


def _classify_number(row: RowPlan, demand: Demand | None, enterprise: Enterprise, reader: RowReader) -> None:
    values = row.values
    if demand is None:
        row.error(
            _("未找到编号为 %(n)s 的企业诉求（或您无权查看）；新增诉求请不填编号。") % {"n": values["number"]},
            reader.column("number"),
        )
        return
    row.target = demand
    differ = []
    if demand.enterprise_id != enterprise.pk:
        differ.append(str(LABELS["enterprise"]))
    if _title_key(demand.title) != _title_key(values["title"]):
        differ.append(str(LABELS["title"]))
    if values.get("description") and v.clean_text(demand.description) != values["description"]:
        differ.append(str(LABELS["description"]))
    if differ:
        row.error(
            _("已登记的诉求不能通过导入修改，请在诉求页面办理（编号 %(n)s 的%(fields)s与本行不同）。")
            % {"n": demand.pk, "fields": "、".join(differ)},
            reader.column("number"),
        )
        return
    row.outcome = Outcome.UNCHANGED


def _classify(
    reader: RowReader, checks: Checks, by_title: dict[tuple[int, str], Demand], by_number: dict[int, Demand]
) -> None:
    row, values = reader.plan, reader.plan.values
    enterprise: Enterprise = values["enterprise"]
    if not checks.may_submit(enterprise):
        row.error(_("您无权为该企业（%(name)s）提交诉求。") % {"name": enterprise.name}, reader.column("enterprise"))
        return
    if values.get("number"):
        _classify_number(row, by_number.get(values["number"]), enterprise, reader)
        return
    existing = by_title.get((enterprise.pk, _title_key(values["title"])))
    if existing is not None:
        row.target = existing
        row.outcome = Outcome.UNCHANGED
        return
    channel = values.get("channel") or checks.default_channel
    refusal = checks.channel_refusal(channel) if channel else _("请选择来源渠道。")
    if refusal:
        row.error(refusal, reader.column("channel"))
        return
    values["channel"] = channel
    if is_system(checks.actor) and enterprise.liaison_id is None:
        row.error(_("系统录入的诉求须有挂钩服务专员作为提交人。"), reader.column("enterprise"))
        return
    values["description"] = values.get("description") or values["title"]
    row.outcome = Outcome.NEW


class DemandImport(ImportKind):
    code = "demands"
    label = gettext_lazy("企业诉求台账")
    noun = gettext_lazy("诉求")
    fields = FIELDS
    sheet_names = ("诉求", "需求", "问题", "台账")
    list_view = "demands:list"
    undo_follows = ("demands.DemandEvent",)  # the timeline's "submitted" step, written by demand_submit

    def may_import(self, user: Any) -> bool:
        if is_system(user):
            return True
        return (
            bool(getattr(user, "is_authenticated", False))
            and bool(getattr(user, "is_active", False))
            and user.role in IMPORTER_ROLES
        )

    def plan(
        self, table: Table, mapping: Mapping_, *, actor: Actor, progress: Callable[[int], None] | None = None
    ) -> Plan:
        categories = _categories()
        readers: list[RowReader] = []
        for reader in read_rows(table, mapping, progress):
            values = _parse(reader, categories)
            reader.plan.values = values
            reader.plan.label = "：".join(str(x) for x in (values.get("name"), values.get("title")) if x)
            readers.append(reader)
        rows = [reader.plan for reader in readers]
        by_uscc, by_name = _enterprises(rows)
        for reader in readers:
            reader.plan.values["enterprise"] = _resolve(reader, by_uscc, by_name)
        duplicates_within(rows, lambda r: r.values.get("number"), _("与第 %(row)s 行的编号重复。"))
        duplicates_within(rows, _natural_key, _("与第 %(row)s 行的企业和诉求事项相同。"))
        by_title, by_number = _registered(rows, actor)
        checks = Checks(actor)
        for reader in readers:
            row = reader.plan
            if not row.has_errors:
                _classify(reader, checks, by_title, by_number)
            if row.has_errors:
                row.outcome = Outcome.ERROR
        return Plan(kind=self.code, table=table, mapping=mapping, rows=rows)

    def commit(self, plan: Plan, *, actor: Actor, tag: str) -> dict[str, int]:
        """Submit every new row through the intake service, in the caller's transaction (its audit lines carry
        the batch's request id): any refusal rolls the whole batch back."""
        source = _("台账导入：%(name)s") % {"name": plan.table.filename}
        new = 0
        for row in plan.rows:
            if row.outcome != Outcome.NEW:
                continue
            values = row.values
            demand_services.demand_submit(
                actor=actor,
                enterprise=values["enterprise"],
                title=values["title"],
                description=values["description"],
                category=values["category"],
                urgency=values["urgency"],
                channel=values["channel"],
                source_label=source,
            )
            new += 1
        return {"new": new}


def _natural_key(row: RowPlan) -> tuple[int, str] | None:
    enterprise, title = row.values.get("enterprise"), row.values.get("title")
    if enterprise is None or not title or row.values.get("number"):
        return None
    return (enterprise.pk, _title_key(title))


register(DemandImport())
