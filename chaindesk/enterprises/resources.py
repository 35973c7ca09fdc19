"""The enterprise registry as a resource: its filter bar and its columns, for the list page, the 企业名录
export and (when it has one) the API list; and the columns of the enterprise page's tables (contacts,
indicators)."""

from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chaindesk.accounts.choices import ENTERPRISE_VIEWERS
from chaindesk.core.resources import ANY, DAYS, LG, MD, TEXT, Col, Filter, Ledger, Resource, attr, page_only

from . import permissions
from .models import Contact, Enterprise, Indicator
from .selectors import SORTS, base_queryset, enterprise_list, with_export_columns


def _prepare(qs: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    primary = Prefetch("contacts", queryset=Contact.objects.order_by("-is_primary", "pk"), to_attr="primary_contacts")
    return with_export_columns(qs).prefetch_related(primary)


def _ledger_rows(rows: Iterable[Enterprise], user: Any) -> Iterator[Enterprise]:
    """The main contact of each row, the phone masked unless the reader serves the enterprise (its liaison,
    its own account, or the team of one of its chains)."""
    team_chains = permissions.scope_of(user).team_chains
    account = getattr(user, "enterprise_account", None) if user.role == "enterprise" else None
    own = {account.enterprise_id} if account else set()
    for e in rows:
        contact = next(iter(e.primary_contacts), None)  # type: ignore[attr-defined]
        phone = contact.phone if contact else ""
        full = e.liaison_id == user.pk or e.pk in own or {c.pk for c in e.chains.all()} & team_chains
        e.contact_name = contact.name if contact else ""  # type: ignore[attr-defined]
        e.contact_phone = phone if full else permissions.mask_phone(phone)  # type: ignore[attr-defined]
        yield e


def _position(e: Enterprise) -> str:
    return "；".join(f"{n.chain.name}/{n.name}" for n in e.nodes.all())


STALE_OPTIONS = (("30", _("30天以上未走访")), ("90", _("90天以上未走访")), ("180", _("180天以上未走访")))

ENTERPRISES = Resource(
    view="enterprises:list",
    testid="enterprise",
    filters=(
        Filter("q", _("关键词"), TEXT, placeholder=_("企业名称或信用代码")),
        Filter("chain", _("产业链"), options="chains"),
        Filter("node", _("环节（含下级）"), options="nodes", width="col-sm-6 col-lg-3"),
        Filter("region", _("地区"), options="regions"),
        Filter("qual", _("资质"), options="qualifications"),
        Filter("liaison", _("挂钩服务专员"), options="liaisons"),
        Filter("stale", _("未走访天数"), DAYS, options=STALE_OPTIONS, blank=ANY),
    ),
    columns=(
        Col("name", _("企业名称"), attr("name"), width=34, sort="name", link="enterprises:detail"),
        Col(
            "uscc",
            _("统一社会信用代码"),
            attr("uscc"),
            width=22,
            hide=MD,
            css="cd-mono",
            empty="",
        ),
        Col("region", _("所在地区"), attr("region"), width=10, sort="region", css="text-nowrap", empty=""),
        Col("position", _("所属产业链/环节"), _position, width=30, wrap=True, hide=LG, css="small"),
        Col(
            "founded_on",
            _("成立日期"),
            attr("founded_on"),
            in_export=False,
            sort="founded",
            hide=LG,
            css="text-nowrap",
        ),
        Col(
            "qualifications",
            _("资质"),
            lambda e: "、".join(q.name for q in e.qualifications.all()),
            width=26,
            wrap=True,
            page=False,
            api=False,
        ),
        Col("liaison", _("挂钩服务专员"), attr("liaison"), width=12, css="text-nowrap"),
        Col(
            "last_visit_on",
            _("最近走访"),
            attr("last_visit_on"),
            width=12,
            sort="visit",
            css="text-nowrap",
            empty=_("未走访"),
        ),
        Col("latest_revenue", _("最新年度营业收入(万元)"), attr("latest_revenue"), width=16, page=False, api=False),
        Col("contact", _("主要联系人"), attr("contact_name"), width=10, page=False, api=False),
        Col("phone", _("联系电话"), attr("contact_phone"), width=14, page=False, api=False),
    ),
    sorts=SORTS,
    default_sort="name",
    queryset=base_queryset,
    select=enterprise_list,
    roles=ENTERPRISE_VIEWERS,
    api_name="enterprises",
    ledger=Ledger(
        title=_("企业名录"),
        name="企业名录",
        prepare=_prepare,
        rows=_ledger_rows,
    ),
    export_view="enterprises:export",
    create_view="enterprises:create",
    create_label=_("新增企业"),
    noun=pgettext_lazy("rows of a list", "企业"),
    empty=_("暂无可查看的企业。"),
    empty_hint=_("企业录入或分配挂钩服务后将显示在这里。"),
    empty_icon="ti-building-factory-2",
)


# --- tables of the enterprise page ------------------------------------------------------------------------
# The contacts (概况 tab) and the yearly indicators (指标 tab) have no list page of their own: their columns are
# declared here once and `enterprises/partials/table.html` renders them. A column keyed "actions" (编辑/删除)
# shows only to those who may edit the enterprise's details (`page_columns`).

CONTACT_CELLS = "enterprises/partials/contact_cells.html"
INDICATOR_CELLS = "enterprises/partials/indicator_cells.html"
YOY_CELL = "enterprises/partials/yoy_cell.html"
EDIT_KEY = "actions"


def page_columns(columns: Sequence[Col], *, may_edit: bool) -> list[Col]:
    """The columns a page shows; the 编辑 column only to a reader who may edit."""
    return [c for c in columns if c.page and (may_edit or c.key != EDIT_KEY)]


def contact_rows(enterprise: Enterprise, user: Any) -> list[Contact]:
    """The enterprise's contacts, each with `shown_phone`: in full for those who serve it (its liaison, its own
    account, the team of one of its chains: `permissions.sees_full_phones`), masked (138****1234) for others.
    The 电话 column reads only `shown_phone`, so a row not passed through here shows no number at all."""
    full = permissions.sees_full_phones(user, enterprise)
    rows = list(enterprise.contacts.all())
    for c in rows:
        c.shown_phone = c.phone if full else permissions.mask_phone(c.phone)  # type: ignore[attr-defined]
    return rows


CONTACTS: tuple[Col, ...] = (
    Col("name", _("姓名"), attr("name"), width=10, cell=CONTACT_CELLS),
    Col("title", _("职务"), attr("title"), width=14),
    Col("phone", _("电话"), attr("shown_phone"), width=14, css="cd-mono text-nowrap"),
    page_only(EDIT_KEY, "", align="w-1", css="text-nowrap", cell=CONTACT_CELLS),
)


# The indicators a year is compared on with the year before (同比), and the key of the change's column.
YOY = (("revenue", "revenue_yoy"), ("tax", "tax_yoy"), ("rd_spend", "rd_yoy"))


def _change(current: Decimal | int | None, previous: Decimal | int | None) -> Decimal | None:
    if current is None or not previous:
        return None
    return ((Decimal(current) - Decimal(previous)) / Decimal(previous) * 100).quantize(Decimal("0.1"))


def indicator_rows(indicators: Iterable[Indicator]) -> list[Indicator]:
    """The enterprise's years, newest first, each with `yoy`: the change in % on the year before of each
    indicator in YOY (None without that year or its value)."""
    rows = sorted(indicators, key=lambda i: -i.year)
    by_year = {i.year: i for i in rows}
    for ind in rows:
        prev = by_year.get(ind.year - 1)
        ind.yoy = {  # type: ignore[attr-defined]
            key: _change(getattr(ind, field), getattr(prev, field) if prev else None) for field, key in YOY
        }
    return rows


def _money(field: str) -> Callable[[Indicator], str | None]:
    def get(ind: Indicator) -> str | None:
        value = getattr(ind, field)
        return None if value is None else f"{value:,.2f}"

    return get


def _amount(field: str, header: Any) -> Col:
    return Col(field, header, _money(field), export=attr(field), width=16, align="text-end")


def _yoy(key: str, header: Any) -> Col:
    return Col(key, header, lambda i: i.yoy[key], width=10, align="text-end", cell=YOY_CELL, short=_("同比"))


INDICATORS: tuple[Col, ...] = (
    Col("year", _("年度"), attr("year"), width=8),
    _amount("revenue", _("营业收入(万元)")),
    _yoy("revenue_yoy", _("营业收入同比(%)")),
    _amount("tax", _("税收(万元)")),
    _yoy("tax_yoy", _("税收同比(%)")),
    Col(
        "employees",
        _("从业人数"),
        lambda i: None if i.employees is None else f"{i.employees:,}",
        export=attr("employees"),
        width=10,
        align="text-end",
    ),
    _amount("rd_spend", _("研发投入(万元)")),
    _yoy("rd_yoy", _("研发投入同比(%)")),
    page_only(EDIT_KEY, "", align="w-1", css="text-nowrap", cell=INDICATOR_CELLS),
)
