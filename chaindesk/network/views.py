"""Pages of the city's outside network, mounted at /network/: hometown talents (在外能人), R&D partners
(研发资源), the enterprise tab of R&D cooperations and the R&D map ("研发在北上广、落地在兴化").

Object lookups go through the user's visible set (404 for missing and forbidden alike); writes go through
chaindesk.network.services; htmx requests for the enterprise tab get the fragment."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chaindesk.accounts.choices import ENTERPRISE_VIEWERS, OFFICIALS
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core import clock
from chaindesk.core.errors import service_errors
from chaindesk.core.pages import Section
from chaindesk.core.params import param_text
from chaindesk.core.permissions import role_required
from chaindesk.core.picker import remote_options
from chaindesk.core.visibility import get_visible_or_404
from chaindesk.enterprises.models import Enterprise
from chaindesk.enterprises.views import ENTERPRISE_PAGES

from . import permissions, selectors, services
from .forms import ContactForm, CooperationForm, PartnerForm, TalentForm
from .models import RdCooperation, RdPartner, Talent
from .resources import ON_ENTERPRISE, ON_PARTNER, PARTNERS, TALENTS, cooperation_columns, page_rows

TALENT_PAGES = Section(gettext_lazy("在外能人"), "network:talents", "network:talent_detail", "talent")
PARTNER_PAGES = Section(gettext_lazy("研发资源"), "network:partners", "network:partner_detail", "partner")

# --- talents -------------------------------------------------------------------------------------------


@role_required(*TALENTS.roles)
def talent_options(request: AuthedRequest) -> JsonResponse:
    """The talent pickers' matches (chaindesk/core/picker.py, when a choice has too many to render): the visible
    talents whose name or organisation contains ?q=, by name."""
    return remote_options(
        Talent.objects.visible_to(request.user),
        param_text(request.GET.get("q")),
        lambda text: Q(name__contains=text) | Q(organisation__contains=text),
    )


@role_required(*TALENTS.roles)
def talent_list(request: AuthedRequest) -> HttpResponse:
    qs, sort = selectors.talent_list(request.user, request.GET.dict())
    return TALENTS.render(
        request,
        "network/talent_list.html",
        selectors.with_chains(qs),
        sort,
        title=_("在外能人"),
        choices=selectors.talent_choices(request.user),
        decorate=lambda rows: page_rows(rows, request.user),
        may_create=permissions.may_create_talent(request.user),
    )


@role_required(*TALENTS.roles)
def talent_export(request: AuthedRequest) -> HttpResponse:
    qs, _sort = selectors.talent_list(request.user, request.GET.dict())
    return TALENTS.export(request, qs)


def _talent(request: AuthedRequest, pk: int) -> Talent:
    qs = Talent.objects.visible_to(request.user).select_related("keeper", "hometown")
    return get_visible_or_404(qs, pk, user=request.user)


def _talent_detail_page(request: AuthedRequest, talent: Talent, contact_form: ContactForm, status: int) -> HttpResponse:
    may_edit = permissions.may_edit_talent(request.user, talent)
    return render(
        request,
        "network/talent_detail.html",
        {
            "talent": talent,
            "phone": permissions.talent_phone(request.user, talent),
            "full_phone": permissions.sees_full_phone(request.user, talent),
            "chains": talent.chains.all(),
            "contacts": selectors.talent_contacts(talent),
            "contact_form": contact_form if may_edit else None,
            "may_edit": may_edit,
            "page_title": talent.name,
            "breadcrumbs": TALENT_PAGES.crumbs((talent.name, None)),
        },
        status=status,
    )


@role_required(*OFFICIALS)
def talent_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    talent = _talent(request, pk)
    form = ContactForm(initial={"contacted_on": clock.today()})
    return _talent_detail_page(request, talent, form, 200)


@role_required(*OFFICIALS)
def talent_contact_add(request: AuthedRequest, pk: int) -> HttpResponse:
    talent = _talent(request, pk)
    if not permissions.may_edit_talent(request.user, talent):
        raise PermissionDenied
    if request.method != "POST":
        return redirect("network:talent_detail", talent.pk)
    form = ContactForm(request.POST)
    if form.is_valid():
        with service_errors(form, codes={"future": "contacted_on"}):
            services.talent_contact_add(actor=request.user, talent=talent, **form.cleaned_data)
            messages.success(request, _("联系记录已保存。"))
            return redirect(reverse("network:talent_detail", args=[talent.pk]) + "#contacts")
    return _talent_detail_page(request, talent, form, 400)


def _talent_initial(talent: Talent) -> dict[str, Any]:
    keys = ("name", "city", "organisation", "title", "field", "ties", "phone", "notes")
    initial: dict[str, Any] = {k: getattr(talent, k) for k in keys}
    initial.update(
        hometown=talent.hometown_id,
        keeper=talent.keeper_id,
        chains=list(talent.chains.values_list("pk", flat=True)),
    )
    return initial


@role_required(*OFFICIALS)
def talent_create(request: AuthedRequest) -> HttpResponse:
    if not permissions.may_create_talent(request.user):
        raise PermissionDenied
    form = TalentForm(request.POST or None, initial={"keeper": request.user.pk})
    if request.method == "POST" and form.is_valid():
        with service_errors(form, codes={"invalid_keeper": "keeper"}):
            talent = services.talent_create(actor=request.user, **form.service_kwargs())
            messages.success(request, _("在外能人“%(name)s”已登记。") % {"name": talent.name})
            return redirect("network:talent_detail", talent.pk)
    return TALENT_PAGES.create_page(request, "network/talent_form.html", form, title=_("新增在外能人"), crumb=_("新增"))


@role_required(*OFFICIALS)
def talent_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    talent = _talent(request, pk)
    if not permissions.may_edit_talent(request.user, talent):
        raise PermissionDenied
    form = TalentForm(request.POST or None, initial=_talent_initial(talent))
    if request.method == "POST" and form.is_valid():
        with service_errors(form, codes={"invalid_keeper": "keeper"}):
            services.talent_update(actor=request.user, talent=talent, **form.service_kwargs())
            messages.success(request, _("已保存。"))
            return redirect("network:talent_detail", talent.pk)
    return TALENT_PAGES.object_page(request, "network/talent_form.html", form, talent, title=_("编辑在外能人"))


# --- partners ------------------------------------------------------------------------------------------


@role_required(*PARTNERS.roles)
def partner_list(request: AuthedRequest) -> HttpResponse:
    qs, sort = selectors.partner_list(request.user, request.GET.dict())
    return PARTNERS.render(
        request,
        "network/partner_list.html",
        qs,
        sort,
        title=_("研发资源"),
        choices={"cities": selectors.partner_cities(request.user)},
        may_create=permissions.may_manage_partners(request.user),
        may_map=permissions.may_view_rd_map(request.user),
    )


@role_required(*PARTNERS.roles)
def partner_export(request: AuthedRequest) -> HttpResponse:
    qs, _sort = selectors.partner_list(request.user, request.GET.dict())
    return PARTNERS.export(request, qs)


def _partner(request: AuthedRequest, pk: int) -> RdPartner:
    return get_visible_or_404(RdPartner.objects.visible_to(request.user), pk, user=request.user)


@role_required(*ENTERPRISE_VIEWERS)
def partner_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    partner = _partner(request, pk)
    return render(
        request,
        "network/partner_detail.html",
        {
            "partner": partner,
            "cooperations": selectors.partner_cooperations(request.user, partner),
            "cooperation_columns": cooperation_columns(ON_PARTNER),
            "may_edit": permissions.may_manage_partners(request.user),
            "page_title": partner.name,
            "breadcrumbs": PARTNER_PAGES.crumbs((partner.name, None)),
        },
    )


def _partner_initial(partner: RdPartner) -> dict[str, Any]:
    return {
        "name": partner.name,
        "kind": partner.kind,
        "city": partner.city,
        "research": partner.fields,
        "notes": partner.notes,
    }


@role_required(*OFFICIALS)
def partner_create(request: AuthedRequest) -> HttpResponse:
    if not permissions.may_manage_partners(request.user):
        raise PermissionDenied
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form, codes={"duplicate_name": "name"}):
            partner = services.partner_create(actor=request.user, **form.service_kwargs())
            messages.success(request, _("研发资源“%(name)s”已登记。") % {"name": partner.name})
            return redirect("network:partner_detail", partner.pk)
    return PARTNER_PAGES.create_page(
        request, "network/partner_form.html", form, title=_("新增研发资源"), crumb=_("新增")
    )


@role_required(*OFFICIALS)
def partner_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    partner = _partner(request, pk)
    if not permissions.may_manage_partners(request.user):
        raise PermissionDenied
    form = PartnerForm(request.POST or None, initial=_partner_initial(partner))
    if request.method == "POST" and form.is_valid():
        with service_errors(form, codes={"duplicate_name": "name"}):
            services.partner_update(actor=request.user, partner=partner, **form.service_kwargs())
            messages.success(request, _("已保存。"))
            return redirect("network:partner_detail", partner.pk)
    return PARTNER_PAGES.object_page(request, "network/partner_form.html", form, partner, title=_("编辑研发资源"))


# --- R&D cooperations of an enterprise -----------------------------------------------------------------


def _enterprise(request: AuthedRequest, pk: int) -> Enterprise:
    qs = Enterprise.objects.visible_to(request.user).select_related("liaison")
    return get_visible_or_404(qs, pk, user=request.user)


@role_required(*ENTERPRISE_VIEWERS)
def enterprise_rd(request: AuthedRequest, pk: int) -> HttpResponse:
    """The enterprise page's 研发合作 tab (a fragment for htmx, a full page otherwise)."""
    enterprise = _enterprise(request, pk)
    return ENTERPRISE_PAGES.tab_page(
        request,
        enterprise,
        title=_("研发合作"),
        fragment="network/partials/enterprise_rd.html",
        page="network/enterprise_rd.html",
        cooperations=selectors.enterprise_cooperations(enterprise),
        cooperation_columns=cooperation_columns(ON_ENTERPRISE),
        may_add=permissions.may_add_cooperation(request.user, enterprise),
    )


def _cooperation_page(
    request: AuthedRequest, form: CooperationForm, enterprise: Enterprise, cooperation: RdCooperation | None
) -> HttpResponse:
    title = _("编辑研发合作") if cooperation else _("登记研发合作")
    trail = [(_("研发合作"), reverse("network:enterprise_rd", args=[enterprise.pk])), (title, None)]
    return ENTERPRISE_PAGES.object_page(
        request, "network/cooperation_form.html", form, enterprise, title=title, trail=trail, cooperation=cooperation
    )


def _after_cooperation(request: AuthedRequest, enterprise: Enterprise) -> HttpResponse:
    messages.success(request, _("研发合作已保存。"))
    return redirect(reverse("enterprises:detail", args=[enterprise.pk]) + "#tab-rd")


@role_required(*OFFICIALS)
def cooperation_create(request: AuthedRequest, pk: int) -> HttpResponse:
    enterprise = _enterprise(request, pk)
    if not permissions.may_add_cooperation(request.user, enterprise):
        raise PermissionDenied
    form = CooperationForm(request.POST or None, initial={"started_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            services.cooperation_create(actor=request.user, enterprise=enterprise, **form.cleaned_data)
            return _after_cooperation(request, enterprise)
    return _cooperation_page(request, form, enterprise, None)


@role_required(*OFFICIALS)
def cooperation_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    qs = RdCooperation.objects.visible_to(request.user).select_related("enterprise", "partner")
    cooperation = get_visible_or_404(qs, pk, user=request.user)
    enterprise = cooperation.enterprise
    if not permissions.may_edit_cooperation(request.user, enterprise):
        raise PermissionDenied
    keys = ("partner", "subject", "started_on", "ended_on", "status")
    initial = {k: getattr(cooperation, k) for k in keys}
    initial["partner"] = cooperation.partner_id
    form = CooperationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            services.cooperation_update(actor=request.user, cooperation=cooperation, **form.cleaned_data)
            return _after_cooperation(request, enterprise)
    return _cooperation_page(request, form, enterprise, cooperation)


# --- R&D map -------------------------------------------------------------------------------------------


def _map_chart(data: selectors.RdMap) -> dict[str, Any] | None:
    """ECharts option: per partner city, cooperations and distinct enterprises as bars; a click opens the
    partner list of that city."""
    if not data.cities:
        return None
    partners = reverse("network:partners")
    cities = [c.city for c in data.cities]

    def points(values: list[int]) -> list[dict[str, Any]]:
        return [
            {"value": v, "url": f"{partners}?{urlencode({'city': c})}"} for v, c in zip(values, cities, strict=True)
        ]

    return {
        "title": {"text": _("本地企业研发合作城市分布"), "subtext": _("单位：项、家"), "left": "center"},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 50, "right": 30, "top": 70, "bottom": 60},
        "xAxis": {"type": "category", "data": cities},
        "yAxis": {"type": "value", "name": _("数量"), "minInterval": 1},
        "series": [
            {"name": _("合作项目(项)"), "type": "bar", "data": points([c.cooperations for c in data.cities])},
            {"name": _("合作企业(家)"), "type": "bar", "data": points([c.enterprises for c in data.cities])},
        ],
    }


@role_required(*OFFICIALS)
def rd_map(request: AuthedRequest) -> HttpResponse:
    data = selectors.rd_map(request.user)
    return render(
        request,
        "network/rd_map.html",
        {
            "map": data,
            "chart": _map_chart(data),
            "page_title": _("研发合作地图"),
            "breadcrumbs": PARTNER_PAGES.crumbs((_("研发合作地图"), None)),
        },
    )
