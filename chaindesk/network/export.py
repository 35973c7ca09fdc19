"""XLSX ledgers of the talent and partner lists: exactly the filtered list, capped, audited; phones masked
for users who may not read them in full."""

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chaindesk.core.export import Column, filtered_ledger

from . import permissions
from .models import RdPartner, Talent

TALENT_COLUMNS = [
    Column(gettext_lazy("姓名"), 10),
    Column(gettext_lazy("所在城市"), 10),
    Column(gettext_lazy("工作单位"), 30, wrap=True),
    Column(gettext_lazy("职务"), 16, wrap=True),
    Column(gettext_lazy("专业领域"), 18, wrap=True),
    Column(gettext_lazy("籍贯地区"), 10),
    Column(gettext_lazy("家乡联系"), 24, wrap=True),
    Column(gettext_lazy("关联产业链"), 20, wrap=True),
    Column(gettext_lazy("联络干部"), 10),
    Column(gettext_lazy("联系电话"), 14),
    Column(gettext_lazy("最近联系"), 12),
]

PARTNER_COLUMNS = [
    Column(gettext_lazy("机构名称"), 30),
    Column(gettext_lazy("机构类型"), 14),
    Column(gettext_lazy("所在城市"), 10),
    Column(gettext_lazy("研究领域"), 30, wrap=True),
    Column(gettext_lazy("合作项目(项)"), 12),
    Column(gettext_lazy("合作企业(家)"), 12),
]


def _talent_rows(user: Any, qs: QuerySet[Talent]) -> Iterator[list[Any]]:
    for t in qs:
        yield [
            t.name,
            t.city,
            t.organisation,
            t.title,
            t.field,
            str(t.hometown or ""),
            t.ties,
            "、".join(c.name for c in t.chains.all()),
            str(t.keeper),
            permissions.talent_phone(user, t),
            t.last_contact_on.isoformat() if t.last_contact_on else "",
        ]


def _partner_rows(qs: QuerySet[RdPartner]) -> Iterator[list[Any]]:
    for p in qs:
        yield [p.name, p.get_kind_display(), p.city, p.fields, p.n_cooperations, p.n_enterprises]  # type: ignore[attr-defined]


def talents_ledger(request: HttpRequest, qs: QuerySet[Talent]) -> HttpResponse:
    return filtered_ledger(
        request,
        queryset=qs.prefetch_related("chains"),
        rows=lambda part: _talent_rows(request.user, part),
        columns=TALENT_COLUMNS,
        title=_("在外能人名录"),
        name="在外能人名录",
        cap_warning=_("符合条件的记录超过单次导出上限，仅导出前 %(cap)s 条。"),
    )


def partners_ledger(request: HttpRequest, qs: QuerySet[RdPartner]) -> HttpResponse:
    return filtered_ledger(
        request,
        queryset=qs,
        rows=_partner_rows,
        columns=PARTNER_COLUMNS,
        title=_("研发资源名录"),
        name="研发资源名录",
        cap_warning=_("符合条件的记录超过单次导出上限，仅导出前 %(cap)s 条。"),
    )
