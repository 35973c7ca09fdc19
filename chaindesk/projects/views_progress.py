"""Pages of investment progress (投资完成率 against 序时进度) and the virtuous cycle (良性循环).

- /projects/investment/: the summary by chain or region, chart, rules, the behind/stalled projects, export;
- /projects/<pk>/investment/: a project's investment section (plan, monthly reports, chart), which the
  project page includes; its two forms post here and answer htmx with the refreshed section;
- /projects/enterprises/<pk>/, /projects/talents/<pk>/: the enterprise page's 项目 tab and the talent's
  projects (htmx fragment, or a full page without htmx); /projects/chains/<pk>/cycle/: a chain's cycle.
Every object comes from the user's visible set (404 for missing and forbidden alike)."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from chaindesk.accounts.choices import ENTERPRISE_VIEWERS, OFFICIALS
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.chains.models import Chain
from chaindesk.chains.views import CHAIN_PAGES
from chaindesk.core import clock
from chaindesk.core.errors import service_errors
from chaindesk.core.export import Column, export_notes, ledger_response
from chaindesk.core.pages import is_htmx
from chaindesk.core.params import param_int
from chaindesk.core.permissions import role_required
from chaindesk.core.visibility import get_visible_or_404
from chaindesk.enterprises.amounts import format_wan
from chaindesk.enterprises.models import Enterprise
from chaindesk.enterprises.views import ENTERPRISE_PAGES
from chaindesk.network.models import Talent

from . import permissions, services
from .choices import ProjectStage
from .forms import PlanForm, ReportForm
from .models import Project
from .selectors_progress import (
    SummaryRow,
    chain_cycle,
    enterprise_cycle,
    investment_summary,
    summary_rule_text,
    talent_projects,
)
from .selectors_schedule import (
    annotate_progress,
    flag_filter,
    for_display,
    project_progress,
    rules_text,
    schedule_for,
    start_rule_text,
)
from .views import PROJECT_PAGES

BY_CHOICES = (("chain", gettext_lazy("按产业链")), ("region", gettext_lazy("按地区")))
FLAGGED_LIMIT = 20
NO_REPORT_STAGES = frozenset({ProjectStage.NEGOTIATING, ProjectStage.TERMINATED})
PANEL_TEMPLATE = "projects/progress/_investment_body.html"


def _reverse_or_none(name: str, *args: Any) -> str | None:
    """A link into another app that may not be wired yet (the network pages): no link rather than a 500."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _year(request: AuthedRequest, today: dt.date) -> int:
    year = param_int(request.GET.get("year"), lo=today.year - 5, hi=today.year + 1)
    return today.year if year is None else year


def _by(request: AuthedRequest) -> str:
    return "region" if request.GET.get("by") == "region" else "chain"


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _percent(value: Decimal | None) -> float | None:
    return None if value is None else float((value * 100).quantize(Decimal("0.01")))


# --- the summary page -------------------------------------------------------------------------------


def _summary_chart(rows: list[SummaryRow], year: int) -> dict[str, Any]:
    """Plan and completed per chain or region as bars (万元), the completion rate as a line (%) against each
    row's 序时进度 (weighted by its projects' plans, each from its start) as a dashed line on the same axis."""
    return {
        "title": {"text": _("%(year)s 年投资完成情况") % {"year": year}, "subtext": _("计划与完成：万元；完成率：%")},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 70, "right": 110, "top": 90, "bottom": 70},
        "xAxis": {"type": "category", "data": [r.label for r in rows], "axisLabel": {"interval": 0, "rotate": 20}},
        "yAxis": [
            {"type": "value", "name": _("万元")},
            {"type": "value", "name": "%", "min": 0, "max": 100 if not rows else None},
        ],
        "series": [
            {"name": _("年度计划"), "type": "bar", "data": [_num(r.plan) for r in rows], "barMaxWidth": 32},
            {"name": _("累计完成"), "type": "bar", "data": [_num(r.done) for r in rows], "barMaxWidth": 32},
            {
                "name": _("完成率"),
                "type": "line",
                "yAxisIndex": 1,
                "data": [_percent(r.rate) for r in rows],
            },
            {
                "name": _("序时进度"),
                "type": "line",
                "yAxisIndex": 1,
                "data": [_percent(r.schedule) for r in rows],
                "lineStyle": {"type": "dashed", "color": "#c92a2a"},
                "itemStyle": {"color": "#c92a2a"},
                "symbol": "emptyCircle",
            },
        ],
    }


def _flagged(request: AuthedRequest, year: int, today: dt.date) -> tuple[list[Project], int]:
    qs: QuerySet[Any] = annotate_progress(Project.objects.visible_to(request.user), year=year, today=today)
    qs = flag_filter(qs, "stalled", year=year, today=today).select_related("chain", "region", "enterprise")
    rows = for_display(list(qs.order_by("-is_behind", "rate", "pk")[:FLAGGED_LIMIT]))
    total = qs.count() if len(rows) == FLAGGED_LIMIT else len(rows)
    return rows, total


def _summary(request: AuthedRequest) -> tuple[dt.date, int, str, list[SummaryRow], Decimal]:
    """What the summary page and its export show: today, the year and grouping asked for, the rows (the total
    last, each with its own weighted 序时进度) and the calendar's 序时进度 (the share of the year elapsed)."""
    today = clock.today()
    year, by = _year(request, today), _by(request)
    return today, year, by, investment_summary(request.user, year=year, today=today, by=by), schedule_for(year, today)


@role_required(*OFFICIALS)
def investment_page(request: AuthedRequest) -> HttpResponse:
    """投资进度: plan, done and rate against 序时进度 per chain or region, the rules, the flagged projects."""
    today, year, by, rows, calendar = _summary(request)
    flagged, n_flagged = _flagged(request, year, today)
    return render(
        request,
        "projects/progress/investment.html",
        {
            "rows": rows[:-1],
            "total": rows[-1],
            "year": year,
            "by": by,
            "years": list(range(today.year + 1, today.year - 6, -1)),
            "by_choices": BY_CHOICES,
            "by_label": _("产业链") if by == "chain" else _("地区"),
            "calendar_percent": _percent(calendar),
            "chart": _summary_chart(rows[:-1], year) if rows[:-1] else None,
            "rules": rules_text(),
            "start_rule": start_rule_text(),
            "summary_rule": summary_rule_text(),
            "flagged": flagged,
            "n_flagged": n_flagged,
            "current_year": year == today.year,
            "today": today,
            "export_query": f"year={year}&by={by}",
            "page_title": _("投资进度"),
            "breadcrumbs": PROJECT_PAGES.crumbs((_("投资进度"), None)),
        },
    )


def _rate_cell(value: Decimal | None) -> float | None:
    return _percent(value)


def _export_columns(by: str) -> list[Column]:
    return [
        Column(_("产业链") if by == "chain" else _("地区"), 18),
        Column(_("项目数(个)"), 11),
        Column(_("签约至投产(个)"), 13),
        Column(_("年度计划投资(万元)"), 18),
        Column(_("累计完成投资(万元)"), 18),
        Column(_("序时应完成投资(万元)"), 20),
        Column(_("完成率(%)"), 11),
        Column(_("序时进度(%)"), 12),
        Column(_("差距(百分点)"), 12),
        Column(_("滞后项目(个)"), 12),
        Column(_("停滞项目(个)"), 12),
    ]


def _export_row(r: SummaryRow) -> list[Any]:
    """A row of the export: the page's figures, amounts in 万元 and shares in %."""
    return [
        r.label,
        r.n_projects,
        r.n_active,
        float(r.plan),
        float(r.done),
        float(r.expected_amount),
        _rate_cell(r.rate),
        _percent(r.schedule),
        None if r.gap is None else float(r.gap),
        r.n_behind,
        r.n_stale,
    ]


@role_required(*OFFICIALS)
def investment_export(request: AuthedRequest) -> HttpResponse:
    """The summary as shown (same year and grouping) as an .xlsx ledger, with the total row; audited."""
    today, year, by, rows, _calendar = _summary(request)
    now = clock.localnow()
    conditions = _("%(year)s 年，%(by)s；截至 %(today)s") % {
        "year": year,
        "by": dict(BY_CHOICES)[by],
        "today": today.isoformat(),
    }
    return ledger_response(
        request,
        filename=f"投资进度_{year}_{now:%Y%m%d_%H%M%S}.xlsx",
        title=_("%(year)s 年项目投资完成情况") % {"year": year},
        notes=[
            *export_notes(user=request.user, count=len(rows) - 1, conditions=conditions),
            rules_text(),
            start_rule_text(),
            summary_rule_text(),
        ],
        columns=_export_columns(by),
        rows=[_export_row(r) for r in rows],
        audit_message=f"投资进度导出 {len(rows) - 1} 行；{conditions}",
    )


# --- a project's investment section --------------------------------------------------------------------


def _project(request: AuthedRequest, pk: int) -> Project:
    qs = Project.objects.visible_to(request.user).select_related("enterprise", "chain", "region")
    return get_visible_or_404(qs, pk, user=request.user)


def panel_context(request: AuthedRequest, project: Project, **extra: Any) -> dict[str, Any]:
    """What projects/progress/_project_investment.html needs: project, progress, can_report, can_manage."""
    today = clock.today()
    return {
        "project": project,
        "progress": project_progress(project, year=today.year, today=today),
        "can_manage": permissions.can_manage(request.user, project),
        "can_report": permissions.can_report(request.user, project),
        "progress_rules": rules_text(),
        "start_rule": start_rule_text(),
        **extra,
    }


def _render_panel(request: AuthedRequest, project: Project, status: int = 200, **extra: Any) -> HttpResponse:
    context = panel_context(request, project, **extra)
    if is_htmx(request):
        # htmx swaps only 2xx answers: a form with errors comes back as 200 with its messages in place.
        return render(request, PANEL_TEMPLATE, context)
    title = _("投资完成情况")
    context.update(page_title=title, breadcrumbs=PROJECT_PAGES.object_crumbs(project, (title, None)))
    return render(request, "projects/progress/investment_panel.html", context, status=status)


@role_required(*ENTERPRISE_VIEWERS)
def investment_panel(request: AuthedRequest, pk: int) -> HttpResponse:
    """The project's investment section on its own (the project page loads it with htmx if need be)."""
    return _render_panel(request, _project(request, pk))


def _after_write(request: AuthedRequest, project: Project, notice: str) -> HttpResponse:
    if is_htmx(request):
        return _render_panel(request, project, notice=notice)
    messages.success(request, notice)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("projects:investment_panel", args=[project.pk])
    return redirect(target)


def _panel_post(
    request: AuthedRequest,
    pk: int,
    *,
    allowed: Callable[[Any, Project], bool],
    form: PlanForm | ReportForm,
    form_key: str,
    write: Callable[[Project, dict[str, Any]], str],
) -> HttpResponse:
    """One of the section's forms posted: `write` saves it through the service (its refusals land on the form)
    and returns the notice; a form with errors comes back in the section as `form_key`."""
    project = _project(request, pk)
    if not allowed(request.user, project):
        raise PermissionDenied
    if form.is_valid():
        with service_errors(form):
            return _after_write(request, project, write(project, form.cleaned_data))
    return _render_panel(request, project, status=400, **{form_key: form})


@role_required(*ENTERPRISE_VIEWERS)
@require_POST
def investment_plan_set(request: AuthedRequest, pk: int) -> HttpResponse:
    def write(project: Project, data: dict[str, Any]) -> str:
        plan = services.plan_set(project=project, year=data["year"], amount=data["amount"], actor=request.user)
        return _("已保存 %(year)s 年度计划投资：%(amount)s。") % {"year": plan.year, "amount": format_wan(plan.amount)}

    form = PlanForm(request.POST)
    return _panel_post(request, pk, allowed=permissions.can_manage, form=form, form_key="plan_form", write=write)


@role_required(*ENTERPRISE_VIEWERS)
@require_POST
def investment_report_submit(request: AuthedRequest, pk: int) -> HttpResponse:
    def write(project: Project, data: dict[str, Any]) -> str:
        month, amount = data["month"], data["amount"]
        replaced = project.investment_reports.filter(month=month).exists()
        services.investment_report(project=project, month=month, amount=amount, note=data["note"], actor=request.user)
        notice = (
            _("已更新 %(month)s 完成投资为 %(amount)s（替换原填报数）。")
            if replaced
            else _("已填报 %(month)s 完成投资 %(amount)s。")
        )
        return notice % {"month": f"{month:%Y年%m月}", "amount": format_wan(amount)}

    form = ReportForm(request.POST)
    return _panel_post(request, pk, allowed=permissions.can_report, form=form, form_key="report_form", write=write)


# --- the virtuous cycle ---------------------------------------------------------------------------------


@role_required(*ENTERPRISE_VIEWERS)
def enterprise_tab(request: AuthedRequest, pk: int) -> HttpResponse:
    """The enterprise page's 项目 tab: its projects with stage and amounts, then its cycle."""
    enterprise = get_visible_or_404(Enterprise.objects.visible_to(request.user), pk, user=request.user)
    today = clock.today()
    return ENTERPRISE_PAGES.tab_page(
        request,
        enterprise,
        title=_("项目与良性循环"),
        fragment="projects/progress/_enterprise_tab.html",
        page="projects/progress/enterprise_tab.html",
        cycle=enterprise_cycle(enterprise, request.user, today=today),
        year=today.year,
    )


def _projects(n: int) -> str:
    return ngettext("%(n)s 个项目", "%(n)s 个项目", n) % {"n": n}


def _cycle_chart(steps: list[Any]) -> dict[str, Any]:
    """The cycle as bars of landed planned investment per step, each labelled with its amount in 万元 (the axis's
    unit);
    the number of landed projects sits under the step's name. Steps overlap, so the bars need not shrink
    like a funnel. (Labels are plain strings: the chart options are JSON, no formatter functions.)"""
    return {
        "title": {"text": _("良性循环各环节"), "subtext": _("已落地项目的计划总投资（万元）")},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 80, "right": 40, "top": 80, "bottom": 60},
        "xAxis": {
            "type": "category",
            "data": [
                f"{i}. {s.label}\n{ngettext('%(n)s 个项目', '%(n)s 个项目', s.n_landed) % {'n': s.n_landed}}"
                for i, s in enumerate(steps, 1)
            ],
            "axisLabel": {"lineHeight": 18},
        },
        "yAxis": {"type": "value", "name": _("万元")},
        "series": [
            {
                "name": _("计划总投资"),
                "type": "bar",
                "barMaxWidth": 60,
                # the labels in 万元 like the axis (not 亿元 for the large ones): one unit per chart
                "data": [
                    {"value": float(s.amount_landed), "label": {"formatter": s.amount_landed_text}} for s in steps
                ],
                "label": {"show": True, "position": "top"},
            }
        ],
    }


@role_required(*OFFICIALS)
def chain_cycle_page(request: AuthedRequest, pk: int) -> HttpResponse:
    """A chain's cycle: signed investment → follow-ons → brought by local enterprises → brought by talents."""
    chain = get_visible_or_404(Chain.objects.visible_to(request.user), pk, user=request.user)
    steps = chain_cycle(chain, request.user)
    return render(
        request,
        "projects/progress/chain_cycle.html",
        {
            "chain": chain,
            "steps": steps,
            "chart": _cycle_chart(steps) if any(s.n_landed for s in steps) else None,
            "page_title": _("%(chain)s · 良性循环") % {"chain": chain.name},
            "breadcrumbs": CHAIN_PAGES.object_crumbs(chain, (_("良性循环"), None)),
        },
    )


@role_required(*OFFICIALS)
def talent_tab(request: AuthedRequest, pk: int) -> HttpResponse:
    """Projects credited to a hometown talent (those in the user's scope; the others only counted)."""
    talent = get_visible_or_404(Talent.objects.visible_to(request.user), pk, user=request.user)
    rows, hidden = talent_projects(talent, request.user)
    context = {
        "talent": talent,
        "rows": rows,
        "hidden": hidden,
        "amount": sum((p.planned_investment or Decimal("0") for p in rows), Decimal("0")),
        "page_title": _("%(name)s 引荐的项目") % {"name": talent.name},
        "breadcrumbs": [
            (_("在外能人"), _reverse_or_none("network:talents")),
            (talent.name, _reverse_or_none("network:talent_detail", talent.pk)),
            (_("引荐项目"), None),
        ],
    }
    fragment = "projects/progress/_talent_tab.html"
    return render(request, fragment if is_htmx(request) else "projects/progress/talent_tab.html", context)
