"""The enterprise registry as a resource: its filter bar and its columns, for the list page, the 企业名录
export and (when it has one) the API list."""

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from chaindesk.core.resources import ANY, DAYS, LG, MD, TEXT, Col, Filter, Ledger, Resource, attr

from . import permissions
from .models import Contact, Enterprise
from .selectors import SORTS, base_queryset, with_export_columns


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
    ledger=Ledger(
        title=_("企业名录"),
        name="企业名录",
        cap_warning=_("符合条件的企业超过单次导出上限，仅导出前 %(cap)s 条。"),
        prepare=_prepare,
        rows=_ledger_rows,
    ),
    export_view="enterprises:export",
    create_view="enterprises:create",
    create_label=_("新增企业"),
    empty_filtered=_("没有符合条件的企业。"),
    empty=_("暂无可查看的企业。"),
    empty_hint=_("企业录入或分配挂钩服务后将显示在这里。"),
    empty_icon="ti-building-factory-2",
)
