"""Hometown talents (在外能人) and R&D partners (研发资源) as resources: their filter bars, the lists'
columns and the 名录 columns (phones masked for readers who may not read them in full); and the columns of an
R&D cooperation (研发合作), which two pages show as a table: the partner page and the enterprise's R&D tab."""

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.choices import ENTERPRISE_VIEWERS, OFFICIALS
from chaindesk.core.resources import ANY, CHOICE, DAYS, LG, MD, TEXT, Col, Filter, Ledger, Resource, attr, ledger_only

from . import permissions
from .models import PartnerKind, RdCooperation, Talent
from .selectors import PARTNER_SORTS, TALENT_SORTS, partner_list, talent_list, with_chains

STALE_CHOICES = (30, 90, 180, 365)
NAME_CELL = "network/partials/talent_name_cell.html"


def _stale_options(_choices: Any) -> list[tuple[int, str]]:
    return [(n, gettext("%(n)s天以上未联系") % {"n": n}) for n in STALE_CHOICES]


def with_phones(rows: Iterable[Talent], user: Any) -> Iterator[Talent]:
    """Each talent with the phone this reader may see (masked unless they keep in touch with the talent)."""
    for t in rows:
        t.shown_phone = permissions.talent_phone(user, t)  # type: ignore[attr-defined]
        yield t


class TalentRow(tuple[Talent, str]):
    """A row of the talent list: unpacks as (talent, phone shown to this reader), as the page's rows always
    did, and reads as the talent for the columns (`row.name`, `row.shown_phone`)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self[0], name)

    @property
    def shown_phone(self) -> str:
        return self[1]


def page_rows(rows: Iterable[Talent], user: Any) -> list[TalentRow]:
    return [TalentRow((t, permissions.talent_phone(user, t))) for t in rows]


def _chain_names(t: Talent) -> str:
    return "、".join(c.name for c in t.chains.all())


TALENTS = Resource(
    view="network:talents",
    testid="talent",
    filters=(
        Filter("q", _("关键词"), TEXT, placeholder=_("姓名、单位、领域或家乡联系")),
        Filter("city", _("所在城市"), CHOICE, options="cities"),
        Filter("chain", _("关联产业链"), options="chains"),
        Filter("keeper", _("联络干部"), options="keepers"),
        Filter("stale", _("未联系天数"), DAYS, options=_stale_options, blank=ANY),
    ),
    columns=(
        Col(
            "name",
            _("姓名"),
            attr("name"),
            width=10,
            sort="name",
            css="text-nowrap",
            cell="network/partials/talent_name_cell.html",
        ),
        Col("city", _("所在城市"), attr("city"), width=10, sort="city", css="text-nowrap", empty=""),
        Col("organisation", _("工作单位"), attr("organisation"), width=30, wrap=True, sort="organisation", empty=""),
        ledger_only("title", _("职务"), attr("title"), 16, wrap=True),
        Col("field", _("专业领域"), attr("field"), width=18, wrap=True, hide=LG, css="small"),
        ledger_only("hometown", _("籍贯地区"), attr("hometown"), 10),
        ledger_only("ties", _("家乡联系"), attr("ties"), 24, wrap=True),
        Col("chains", _("关联产业链"), _chain_names, width=20, wrap=True, hide=LG, css="small"),
        Col("keeper", _("联络干部"), attr("keeper"), width=10, sort="keeper", css="text-nowrap", empty=""),
        Col("phone", _("联系电话"), attr("shown_phone"), width=14, hide=MD, css="text-nowrap cd-mono"),
        Col(
            "last_contact_on",
            _("最近联系"),
            attr("last_contact_on"),
            width=12,
            sort="contact",
            css="text-nowrap",
            empty=_("未联系"),
        ),
    ),
    sorts=TALENT_SORTS,
    default_sort="name",
    select=talent_list,
    roles=OFFICIALS,
    api_name="talents",
    ledger=Ledger(title=_("在外能人名录"), name="在外能人名录", prepare=with_chains, rows=with_phones),
    export_view="network:talents_export",
    create_view="network:talent_create",
    create_label=_("新增在外能人"),
    noun=pgettext_lazy("rows of a list", "在外能人"),
)


def _count(key: str, header: Any, sort: str = "") -> Col:
    return Col(key, header, attr(key), width=12, sort=sort, align="num")


PARTNERS = Resource(
    view="network:partners",
    testid="partner",
    filters=(
        Filter("q", _("关键词"), TEXT, placeholder=_("机构名称或研究领域"), width="col-sm-6 col-lg-4"),
        Filter("city", _("所在城市"), CHOICE, options="cities"),
        Filter("kind", _("机构类型"), CHOICE, options=PartnerKind.choices, values=PartnerKind.values),
    ),
    columns=(
        Col("name", _("机构名称"), attr("name"), width=30, sort="name", link="network:partner_detail"),
        Col("kind", _("机构类型"), attr("get_kind_display"), width=14, sort="kind", css="text-nowrap"),
        Col("city", _("所在城市"), attr("city"), width=10, sort="city", css="text-nowrap", empty=""),
        Col("fields", _("研究领域"), attr("fields"), width=30, wrap=True, hide=LG, css="small"),
        _count("n_cooperations", _("合作项目(项)"), "cooperations"),
        _count("n_enterprises", _("合作企业(家)")),
    ),
    sorts=PARTNER_SORTS,
    default_sort="city",
    select=partner_list,
    roles=ENTERPRISE_VIEWERS,
    api_name="partners",
    ledger=Ledger(title=_("研发资源名录"), name="研发资源名录"),
    export_view="network:partners_export",
    create_view="network:partner_create",
    create_label=_("新增研发资源"),
    noun=pgettext_lazy("rows of a list", "研发资源"),
    empty=_("暂无研发资源。"),
    empty_hint=_("登记本地企业合作的高校、科研院所后将显示在这里。"),
    empty_icon="ti-school",
)


COOPERATION_CELLS = "network/partials/cooperation_cells.html"


def _period(c: RdCooperation) -> str:
    end = f"{c.ended_on:%Y-%m-%d}" if c.ended_on else gettext("至今")
    return f"{c.started_on:%Y-%m-%d} — {end}"


# An R&D cooperation, each column declared once. There is no list page nor export of cooperations (a tuple of
# columns, not a Resource): the partner page lists its enterprises (ON_PARTNER), the enterprise's tab its
# partners (ON_ENTERPRISE), both through network/partials/cooperation_table.html.
COOPERATIONS = (
    Col("enterprise", _("企业"), attr("enterprise.name"), width=30, cell=COOPERATION_CELLS),
    Col("region", _("所在地区"), attr("enterprise.region"), width=10, css="text-nowrap"),
    Col("partner", _("合作机构"), attr("partner.name"), width=30, cell=COOPERATION_CELLS),
    Col("city", _("所在城市"), attr("partner.city"), width=10, css="text-nowrap"),
    Col("subject", _("合作内容"), attr("subject"), width=30, wrap=True),
    Col("period", _("合作期间"), _period, width=24, css="text-nowrap cd-mono"),
    Col("status", _("状态"), attr("get_status_display"), width=8, cell=COOPERATION_CELLS),
)
ON_PARTNER = ("enterprise", "region", "subject", "period", "status")
ON_ENTERPRISE = ("partner", "city", "subject", "period", "status")


def cooperation_columns(keys: Sequence[str]) -> list[Col]:
    """The COOPERATIONS columns named by `keys`, in that order."""
    by_key = {c.key: c for c in COOPERATIONS}
    return [by_key[key] for key in keys]
