"""Lead pages: the list with filters and export, the lead page with its stage buttons, follow-ups and signing,
the owner's follow-up queue, and the fragments other pages load (enterprise and talent tabs)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chaindesk.accounts.choices import ENTERPRISE_VIEWERS, OFFICIALS
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core import clock
from chaindesk.core.errors import refusal_page, service_errors
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.listing import paginate
from chaindesk.core.pages import Section, form_refusal, is_htmx
from chaindesk.core.params import param_text
from chaindesk.core.permissions import role_required
from chaindesk.core.visibility import get_visible_or_404
from chaindesk.enterprises.models import Enterprise
from chaindesk.enterprises.views import ENTERPRISE_PAGES
from chaindesk.network.models import Talent

from . import permissions, selectors, services
from .choices import OPEN, TRANSITIONS, LeadStage
from .forms import AbandonForm, FollowUpForm, LeadForm, SignForm, StageForm
from .models import Lead
from .resources import LEADS

LEAD_PAGES = Section(gettext_lazy("线索"), "leads:list", "leads:detail", "lead", name_attr="title")


def _visible(request: AuthedRequest, pk: int) -> Lead:
    qs = Lead.objects.visible_to(request.user).select_related(
        "chain", "node", "owner", "region", "referrer", "talent", "rd_partner", "project", "created_by"
    )
    return get_visible_or_404(qs, pk, user=request.user)


@role_required(*LEADS.roles)
def lead_list(request: AuthedRequest) -> HttpResponse:
    choices = selectors.filter_choices(request.user)
    qs, sort = selectors.lead_list(request.user, request.GET.dict(), node_parents=choices.node_parents)
    return LEADS.render(
        request,
        "leads/list.html",
        qs,
        sort,
        title=_("线索"),
        choices=choices,
        colours=selectors.STAGE_COLOURS,
        may_create=permissions.may_create(request.user),
        today=clock.today(),
        open_stages=sorted(OPEN),
        estimate=True,  # a province's list is estimated past CHAINDESK_EXACT_COUNT_LIMIT rows
    )


@role_required(*LEADS.roles)
def lead_export(request: AuthedRequest) -> HttpResponse:
    """Exactly the filtered list as an .xlsx ledger (every row, streamed); audited."""
    qs, _sort = selectors.lead_list(request.user, request.GET.dict())
    return LEADS.export(request, qs)


def _stage_buttons(lead: Lead) -> list[tuple[str, Any]]:
    """The forward moves offered as buttons (签约 and 放弃 have their own forms)."""
    allowed = TRANSITIONS.get(lead.stage, frozenset())
    return [
        (value, label)
        for value, label in LeadStage.choices
        if value in allowed and value not in (LeadStage.SIGNED, LeadStage.ABANDONED)
    ]


def _optional_url(name: str, *args: Any) -> str | None:
    """A later app's page, looked up at call time so that a missing URL breaks nothing here."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _project_url(project_id: int | None) -> str | None:
    return None if project_id is None else _optional_url("projects:detail", project_id)


def _detail_context(request: AuthedRequest, lead: Lead, **extra: Any) -> dict[str, Any]:
    follow_ups = list(lead.follow_ups.select_related("created_by"))
    may_manage = permissions.may_manage(request.user, lead)
    is_open = lead.stage in OPEN
    context: dict[str, Any] = {
        "lead": lead,
        "follow_ups": follow_ups,
        "timeline": selectors.lead_timeline(lead, follow_ups),
        "colours": selectors.STAGE_COLOURS,
        "may_manage": may_manage,
        "is_open": is_open,
        "stage_buttons": _stage_buttons(lead) if may_manage and is_open else [],
        "may_sign": may_manage and LeadStage.SIGNED in TRANSITIONS.get(lead.stage, frozenset()),
        "follow_up_form": FollowUpForm(),
        "abandon_form": AbandonForm(initial={"expected_stage": lead.stage}),
        "project_url": _project_url(lead.project_id),
        "today": clock.today(),
        "page_title": lead.title,
        "breadcrumbs": LEAD_PAGES.crumbs((lead.title, None)),
    }
    context.update(extra)
    return context


@role_required(*OFFICIALS)
def lead_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    lead = _visible(request, pk)
    return render(request, "leads/detail.html", _detail_context(request, lead))


def _manageable(request: AuthedRequest, pk: int) -> Lead:
    lead = _visible(request, pk)
    if not permissions.may_manage(request.user, lead):
        raise PermissionDenied
    return lead


def _conflict(request: AuthedRequest, error: InvalidTransition, pk: int) -> HttpResponse:
    """409 (through `refusal_page`): someone else moved the lead first; the page shows its current state
    and the reason."""
    lead = _visible(request, pk)
    return render(request, "leads/detail.html", _detail_context(request, lead, conflict=str(error)), status=409)


def _refused(request: AuthedRequest, lead: Lead, error: ValidationError, **extra: Any) -> HttpResponse:
    context = _detail_context(request, lead, action_errors=error.messages, **extra)
    return render(request, "leads/detail.html", context, status=400)


def _invalid(request: AuthedRequest, error: ValidationError, pk: int) -> HttpResponse:
    """400 (through `refusal_page`): the service refused the move; the abandon form keeps what was typed."""
    extra = {"abandon_form": AbandonForm(request.POST)} if "reason" in request.POST else {}
    return _refused(request, _visible(request, pk), error, **extra)


@require_POST
@role_required(*OFFICIALS)
@refusal_page(_conflict, invalid=_invalid)
def lead_advance(request: AuthedRequest, pk: int) -> HttpResponse:
    lead = _manageable(request, pk)
    form = StageForm(request.POST)
    if not form.is_valid():
        return _refused(request, lead, ValidationError(_("请求不完整，请刷新页面后重试。")))
    to_stage = form.cleaned_data["to_stage"]
    services.lead_advance(
        lead=lead,
        to_stage=to_stage,
        on=form.on_or_today(),
        actor=request.user,
        expected_stage=form.cleaned_data["expected_stage"],
    )
    messages.success(request, _("线索已进入“%(stage)s”阶段。") % {"stage": lead.get_stage_display()})
    return redirect("leads:detail", pk)


@require_POST
@role_required(*OFFICIALS)
@refusal_page(_conflict, invalid=_invalid)
def lead_abandon(request: AuthedRequest, pk: int) -> HttpResponse:
    lead = _manageable(request, pk)
    form = AbandonForm(request.POST)
    if not form.is_valid():
        return _refused(request, lead, form_refusal(form), abandon_form=form)
    services.lead_abandon(
        lead=lead,
        reason=form.cleaned_data["reason"],
        on=form.cleaned_data.get("on") or clock.today(),
        actor=request.user,
        expected_stage=form.cleaned_data["expected_stage"],
    )
    messages.success(request, _("线索已放弃。"))
    return redirect("leads:detail", pk)


@require_POST
@role_required(*OFFICIALS)
def follow_up_add(request: AuthedRequest, pk: int) -> HttpResponse:
    lead = _manageable(request, pk)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        with service_errors(form):
            services.follow_up_add(lead=lead, actor=request.user, **form.cleaned_data)
            messages.success(request, _("跟进记录已保存。"))
            return redirect(reverse("leads:detail", args=[pk]) + "#follow-ups")
    context = _detail_context(request, lead, follow_up_form=form)
    return render(request, "leads/detail.html", context, status=400)


@role_required(*OFFICIALS)
def lead_create(request: AuthedRequest) -> HttpResponse:
    if not permissions.may_create(request.user):
        raise PermissionDenied
    initial: dict[str, Any] = {"owner": request.user.pk}
    form = LeadForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        with service_errors(form, denied=("chain", _("您无权在该产业链登记线索。"))):
            lead = services.lead_create(actor=request.user, **form.service_kwargs())
            messages.success(request, _("线索“%(title)s”已登记。") % {"title": lead.title})
            return redirect("leads:detail", lead.pk)
    return LEAD_PAGES.create_page(request, "leads/lead_form.html", form, title=_("登记线索"))


@role_required(*OFFICIALS)
def lead_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    lead = _manageable(request, pk)
    if lead.stage not in OPEN:
        messages.error(request, _("线索已%(stage)s，不能再修改。") % {"stage": lead.get_stage_display()})
        return redirect("leads:detail", pk)
    fields = sorted(services.EDITABLE)
    initial = {name: getattr(lead, f"{name}_id", None) or getattr(lead, name) for name in fields}
    initial["referrer"] = lead.referrer.name if lead.referrer else ""
    form = LeadForm(request.POST or None, user=request.user, initial=initial, lead=lead)
    if request.method == "POST" and form.is_valid():
        with service_errors(form, denied=("chain", _("您无权在该产业链登记线索。"))):
            services.lead_update(lead=lead, actor=request.user, **form.service_kwargs())
            messages.success(request, _("已保存。"))
            return redirect("leads:detail", pk)
    return LEAD_PAGES.object_page(request, "leads/lead_form.html", form, lead, title=_("编辑线索"))


@role_required(*OFFICIALS)
@refusal_page(_conflict)
def lead_sign(request: AuthedRequest, pk: int) -> HttpResponse:
    """签约转项目: the lead moves to 签约 and a project is created in 签约; then the project page."""
    lead = _manageable(request, pk)
    if LeadStage.SIGNED not in TRANSITIONS.get(lead.stage, frozenset()):
        messages.error(request, _("线索已%(stage)s，不能办理签约。") % {"stage": lead.get_stage_display()})
        return redirect("leads:detail", pk)
    initial = {
        "expected_stage": lead.stage,
        "name": lead.title,
        "investor_name": lead.investor,
        "region": lead.region_id,
        "planned_investment": lead.estimated_investment,
    }
    form = SignForm(request.POST or None, user=request.user, initial=initial)
    conflict = ""
    if request.method == "POST" and form.is_valid():
        with service_errors(form, denied=(None, _("您无权创建该项目。"))):
            project = services.lead_sign(
                lead=lead,
                actor=request.user,
                expected_stage=form.cleaned_data["expected_stage"],
                **form.service_kwargs(),
            )
            messages.success(request, _("已签约，项目“%(name)s”已创建。") % {"name": project.name})
            return redirect(_project_url(project.pk) or reverse("leads:detail", args=[pk]))
    title = _("签约转项目")
    return LEAD_PAGES.object_page(
        request, "leads/sign_form.html", form, lead, title=title, trail=[(title, None)], conflict=conflict
    )


@role_required(*OFFICIALS)
def queue(request: AuthedRequest) -> HttpResponse:
    """我的线索跟进: my open leads due within a week (overdue first), then those with no next action."""
    today = clock.today()
    page_obj = paginate(selectors.follow_up_queue(request.user, today), request.GET.get("page"))
    return render(
        request,
        "leads/queue.html",
        {
            "page_obj": page_obj,
            "today": today,
            "horizon": selectors.QUEUE_HORIZON_DAYS,
            "colours": selectors.STAGE_COLOURS,
            "page_title": _("线索跟进"),
            "breadcrumbs": LEAD_PAGES.crumbs((_("线索跟进"), None)),
        },
    )


SUGGESTIONS = 10


@role_required(*OFFICIALS)
def enterprise_suggest(request: AuthedRequest) -> HttpResponse:
    """<option>s for the enterprise fields' datalist: visible enterprises whose name contains the typed text
    (or whose USCC starts with it), at most ten."""
    text = next((param_text(request.GET[k]) for k in ("referrer", "enterprise", "q") if request.GET.get(k)), "")
    names: list[str] = []
    if len(text) >= 2:
        qs = Enterprise.objects.visible_to(request.user).filter(
            Q(name__contains=text) | Q(uscc__startswith=text.upper())
        )
        names = list(qs.order_by("name").values_list("name", flat=True)[:SUGGESTIONS])
    return render(request, "leads/partials/enterprise_options.html", {"names": names})


@role_required(*OFFICIALS)
def queue_card(request: AuthedRequest) -> HttpResponse:
    """The 工作台 card: how many of my open leads are overdue, due within a week, or have no next action.
    A fragment for htmx; without htmx the full queue page."""
    if not is_htmx(request):
        return redirect("leads:queue")
    counts = selectors.queue_counts(request.user)
    return render(
        request, "leads/partials/queue_card.html", {"counts": counts, "horizon": selectors.QUEUE_HORIZON_DAYS}
    )


def _tab(request: AuthedRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context.setdefault("colours", selectors.STAGE_COLOURS)
    if is_htmx(request):
        return render(request, f"leads/partials/{template}", context)
    context["partial"] = f"leads/partials/{template}"
    return render(request, "leads/tab_page.html", context)


@role_required(*ENTERPRISE_VIEWERS)
def enterprise_tab(request: AuthedRequest, pk: int) -> HttpResponse:
    """以商引商: the leads this enterprise referred, as far as the user may see them."""
    qs = Enterprise.objects.visible_to(request.user).only("pk", "name")
    enterprise = get_visible_or_404(qs, pk, user=request.user)
    leads = list(selectors.enterprise_leads(request.user, enterprise.pk))
    return _tab(
        request,
        "enterprise_leads.html",
        {
            "enterprise": enterprise,
            "leads": leads,
            "sees_leads": getattr(request.user, "role", "") in OFFICIALS,
            "page_title": _("引荐线索"),
            "back_url": reverse("enterprises:detail", args=[enterprise.pk]),
            "back_label": enterprise.name,
            "breadcrumbs": ENTERPRISE_PAGES.object_crumbs(enterprise, (_("引荐线索"), None)),
        },
    )


@role_required(*OFFICIALS)
def talent_tab(request: AuthedRequest, pk: int) -> HttpResponse:
    """The leads credited to a hometown talent, for users who may see the talent."""
    talent = get_visible_or_404(Talent.objects.visible_to(request.user), pk, user=request.user)
    leads = list(selectors.talent_leads(request.user, talent.pk))
    talents_url, talent_url = _optional_url("network:talents"), _optional_url("network:talent_detail", talent.pk)
    return _tab(
        request,
        "talent_leads.html",
        {
            "talent": talent,
            "leads": leads,
            "sees_leads": True,
            "page_title": _("引荐线索"),
            "back_url": talent_url,
            "back_label": talent.name,
            "breadcrumbs": [(_("在外能人"), talents_url), (talent.name, talent_url), (_("引荐线索"), None)],
        },
    )
