"""Registry pages: list with filters and export, detail with tabs, and the edit forms."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chaindesk.accounts.choices import ENTERPRISE_VIEWERS
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core import clock
from chaindesk.core.errors import service_errors
from chaindesk.core.pages import Section
from chaindesk.core.params import param_text
from chaindesk.core.permissions import role_required
from chaindesk.core.picker import remote_options
from chaindesk.core.visibility import get_visible_or_404

from . import permissions, services
from .amounts import format_wan
from .forms import ContactForm, EnterpriseForm, IndicatorForm
from .models import Contact, Enterprise, Indicator
from .resources import CONTACTS, ENTERPRISES, INDICATORS, contact_rows, indicator_rows, page_columns
from .selectors import enterprise_list, filter_choices, similar_enterprises, with_nodes

# A duplicate 统一社会信用代码 is told next to the field; other refusals above the form.
USCC_CODES = {"duplicate_uscc": "uscc"}
# The enterprise pages, and below an enterprise's page the tabs other apps serve (visits, R&D, projects, leads).
ENTERPRISE_PAGES = Section(gettext_lazy("企业"), "enterprises:list", "enterprises:detail", "enterprise")


@role_required(*ENTERPRISES.roles)
def enterprise_list_view(request: AuthedRequest) -> HttpResponse:
    choices = filter_choices(request.user)
    qs, sort = enterprise_list(request.user, request.GET.dict(), node_parents=choices.node_parents)
    return ENTERPRISES.render(
        request,
        "enterprises/list.html",
        with_nodes(qs),
        sort,
        title=_("企业"),
        choices=choices,
        may_create=permissions.may_create(request.user),
        estimate=True,  # a province's list is estimated past CHAINDESK_EXACT_COUNT_LIMIT rows
    )


@role_required(*ENTERPRISES.roles)
def enterprise_export(request: AuthedRequest) -> HttpResponse:
    """Exactly the filtered list as an .xlsx ledger (every row, streamed); audited."""
    qs, _sort = enterprise_list(request.user, request.GET.dict())
    return ENTERPRISES.export(request, qs)


def _visible(request: AuthedRequest, pk: int) -> Enterprise:
    qs = Enterprise.objects.visible_to(request.user).select_related("region", "liaison", "leader")
    return get_visible_or_404(qs, pk, user=request.user)


def _chart(indicators: list[Indicator]) -> dict[str, Any] | None:
    """ECharts option: revenue as bars, tax as a line, both in 万元."""
    points = sorted((i for i in indicators if i.revenue is not None or i.tax is not None), key=lambda i: i.year)
    if not points:
        return None

    def num(v: Decimal | None) -> float | None:
        return float(v) if v is not None else None

    return {
        "title": {"text": _("营业收入与税收"), "subtext": _("单位：万元"), "left": "center"},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 70, "right": 70, "top": 60, "bottom": 60},
        "xAxis": {"type": "category", "data": [str(i.year) for i in points]},
        "yAxis": [
            {"type": "value", "name": _("营业收入(万元)")},
            {"type": "value", "name": _("税收(万元)")},
        ],
        "series": [
            {"name": _("营业收入"), "type": "bar", "data": [num(i.revenue) for i in points], "barMaxWidth": 40},
            {"name": _("税收"), "type": "line", "yAxisIndex": 1, "data": [num(i.tax) for i in points]},
        ],
    }


@role_required(*ENTERPRISE_VIEWERS)
def enterprise_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    enterprise = _visible(request, pk)
    indicators = list(enterprise.indicators.all())
    contacts = contact_rows(enterprise, request.user)  # phones masked unless the reader serves the enterprise
    may_edit_details = permissions.may_edit_details(request.user, enterprise)
    return render(
        request,
        "enterprises/detail.html",
        {
            "enterprise": enterprise,
            "chains": enterprise.chains.all(),
            "nodes": enterprise.nodes.select_related("chain"),
            "qualifications": enterprise.qualifications.all(),
            "contacts": contacts,
            "contact_columns": page_columns(CONTACTS, may_edit=may_edit_details),
            "indicator_rows": indicator_rows(indicators),
            "indicator_columns": page_columns(INDICATORS, may_edit=may_edit_details),
            "chart": _chart(indicators),
            "may_edit": permissions.may_edit(request.user, enterprise),
            "may_edit_details": may_edit_details,
            "page_title": enterprise.name,
            "breadcrumbs": ENTERPRISE_PAGES.crumbs((enterprise.name, None)),
        },
    )


def _profile_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    keys = ("name", "uscc", "region", "address", "founded_on", "business", "honours", "nodes", "qualifications")
    return {k: data[k] for k in keys}


@role_required(*ENTERPRISE_VIEWERS)
def enterprise_create(request: AuthedRequest) -> HttpResponse:
    if not permissions.may_create(request.user):
        raise PermissionDenied
    form = EnterpriseForm(request.POST or None, user=request.user)
    similar: list[Enterprise] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        similar = similar_enterprises(data["name"])
        if similar and not data["confirm_similar"]:
            form.add_error("confirm_similar", _("已有名称相近的企业，请核对；确认不是同一家后勾选“已核对，仍然新增”。"))
        else:
            denied = ("nodes", _("请至少选择一个您所在产业链的环节（或您所辖地区内的地区）。"))
            with service_errors(form, codes=USCC_CODES, denied=denied):
                enterprise = services.enterprise_create(actor=request.user, **_profile_kwargs(data))
                messages.success(request, _("企业“%(name)s”已登记。") % {"name": enterprise.name})
                return redirect("enterprises:detail", enterprise.pk)
    return ENTERPRISE_PAGES.create_page(
        request, "enterprises/enterprise_form.html", form, title=_("新增企业"), similar=similar
    )


@role_required(*ENTERPRISE_VIEWERS)
def enterprise_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    enterprise = _visible(request, pk)
    if not permissions.may_edit(request.user, enterprise):
        raise PermissionDenied
    initial = {
        "name": enterprise.name,
        "uscc": enterprise.uscc,
        "region": enterprise.region_id,
        "address": enterprise.address,
        "founded_on": enterprise.founded_on,
        "nodes": list(enterprise.nodes.values_list("pk", flat=True)),
        "qualifications": list(enterprise.qualifications.values_list("pk", flat=True)),
        "business": enterprise.business,
        "honours": enterprise.honours,
    }
    form = EnterpriseForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        with service_errors(form, codes=USCC_CODES):
            services.enterprise_update(actor=request.user, enterprise=enterprise, **_profile_kwargs(form.cleaned_data))
            messages.success(request, _("已保存。"))
            return redirect("enterprises:detail", enterprise.pk)
    return ENTERPRISE_PAGES.object_page(
        request, "enterprises/enterprise_form.html", form, enterprise, title=_("编辑企业")
    )


def _details_guard(request: AuthedRequest, pk: int) -> Enterprise:
    enterprise = _visible(request, pk)
    if not permissions.may_edit_details(request.user, enterprise):
        raise PermissionDenied
    return enterprise


@role_required(*ENTERPRISE_VIEWERS)
def indicator_edit(request: AuthedRequest, pk: int, year: int | None = None) -> HttpResponse:
    enterprise = _details_guard(request, pk)
    existing = get_object_or_404(Indicator, enterprise=enterprise, year=year) if year else None
    initial: dict[str, Any] = {"year": clock.today().year - 1}
    if existing:
        initial = {f: getattr(existing, f) for f in ("year", "revenue", "tax", "employees", "rd_spend")}
    form = IndicatorForm(request.POST or None, initial=initial)
    if existing:
        form.fields["year"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ind = services.indicator_set(actor=request.user, enterprise=enterprise, **data)
        messages.success(
            request,
            _("%(year)s 年指标已保存：营业收入 %(revenue)s，税收 %(tax)s，研发投入 %(rd)s。")
            % {
                "year": ind.year,
                "revenue": format_wan(ind.revenue),
                "tax": format_wan(ind.tax),
                "rd": format_wan(ind.rd_spend),
            },
        )
        return redirect(reverse("enterprises:detail", args=[pk]) + "#tab-indicators")
    title = _("编辑年度指标") if existing else _("填报年度指标")
    return ENTERPRISE_PAGES.object_page(
        request, "enterprises/indicator_form.html", form, enterprise, title=title, trail=[(title, None)]
    )


@role_required(*ENTERPRISE_VIEWERS)
def contact_edit(request: AuthedRequest, pk: int, contact_pk: int | None = None) -> HttpResponse:
    enterprise = _details_guard(request, pk)
    contact = get_object_or_404(Contact, enterprise=enterprise, pk=contact_pk) if contact_pk else None
    initial = {f: getattr(contact, f) for f in ("name", "title", "phone", "is_primary")} if contact else {}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if contact:
            services.contact_update(actor=request.user, contact=contact, **form.cleaned_data)
        else:
            services.contact_add(actor=request.user, enterprise=enterprise, **form.cleaned_data)
        messages.success(request, _("联系人已保存。"))
        return redirect("enterprises:detail", pk)
    title = _("编辑联系人") if contact else _("新增联系人")
    return ENTERPRISE_PAGES.object_page(
        request, "enterprises/contact_form.html", form, enterprise, title=title, trail=[(title, None)], contact=contact
    )


@role_required(*ENTERPRISE_VIEWERS)
def contact_delete(request: AuthedRequest, pk: int, contact_pk: int) -> HttpResponse:
    enterprise = _details_guard(request, pk)
    contact = get_object_or_404(Contact, enterprise=enterprise, pk=contact_pk)
    if request.method != "POST":
        return redirect("enterprises:detail", pk)
    services.contact_remove(actor=request.user, contact=contact)
    messages.success(request, _("联系人已删除。"))
    return redirect("enterprises:detail", pk)


@role_required(*ENTERPRISE_VIEWERS)
def enterprise_options(request: AuthedRequest) -> JsonResponse:
    """The enterprise pickers' matches (chaindesk/core/picker.py, when a choice has too many to render): the
    visible enterprises whose name contains ?q= or whose USCC starts with it, by name."""
    return remote_options(
        Enterprise.objects.visible_to(request.user),
        param_text(request.GET.get("q")),
        lambda text: Q(name__contains=text) | Q(uscc__startswith=text.upper()),
    )
