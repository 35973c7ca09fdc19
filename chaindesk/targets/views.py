"""Pages of the annual targets (年度目标): the ledger of a year with its lights, one owner's form, the year's last
stretch (最后赛段) and the thresholds of the lights. Reads go through chaindesk.targets.selectors (the reader's
visible targets), writes through chaindesk.targets.services (refusals: PermissionDenied → 403, ValidationError →
the form again with 400, nothing written)."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chaindesk.accounts.models import Department, Region
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.chains.models import Chain
from chaindesk.core import clock
from chaindesk.core.errors import service_errors
from chaindesk.core.pages import crumbs, form_page, is_htmx
from chaindesk.core.permissions import role_required
from chaindesk.core.templatetags.cd import wan_yuan

from . import services
from .choices import SPECS, Light, Metric, MetricSpec, Owner, metrics_for
from .forms import LightRuleForm, TargetsForm, is_amount
from .models import LightRule, Target
from .permissions import TARGET_VIEWERS, may_edit_rule, may_set, refusal
from .selectors import LIGHT_ORDER, OWNER_ORDER, Ledger, OwnerRow, Progress, behind_list, ledger, settable_owners

SECTION = gettext_lazy("年度目标")
OWNER_MODELS: dict[str, type[Model]] = {Owner.CHAIN: Chain, Owner.REGION: Region, Owner.DEPARTMENT: Department}
LIGHT_COLOURS = {Light.RED: "red", Light.YELLOW: "orange", Light.GREEN: "green", Light.NONE: "grey"}


# --- how a figure reads ----------------------------------------------------------------------------------


def _number(value: Decimal) -> str:
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}".rstrip("0").rstrip(".")


def figure(value: Decimal | None, spec: MetricSpec, *, unit: bool = False) -> str:
    """A figure in its metric's unit: amounts in 万元 (亿元 from 10,000 万元), rates with %, counts bare where the
    column's header names their unit, else (`unit`) followed by it."""
    if value is None:
        return "—"
    if is_amount(spec):
        return wan_yuan(value)
    if spec.is_rate:
        return f"{_number(value)}%"
    return f"{_number(value)} {spec.unit}" if unit else _number(value)


def points(value: Decimal | None) -> str:
    """How far behind, in words: 落后 12.3 / 超前 4.0 个百分点."""
    if value is None:
        return ""
    if value > 0:
        return _("落后 %(n)s 个百分点") % {"n": value}
    if value < 0:
        return _("超前 %(n)s 个百分点") % {"n": -value}
    return _("持平")


def _percent(value: Decimal) -> str:
    """A CSS length in % (0 to 100, a dot for the decimals whatever the locale)."""
    return f"{min(max(value, Decimal(0)), Decimal(100)):f}"


def unit_of(spec: MetricSpec) -> str:
    return _("万元/亿元") if is_amount(spec) else str(spec.unit)


@dataclass(frozen=True)
class Column:
    metric: str
    label: str
    unit: str
    is_rate: bool


@dataclass(frozen=True)
class Cell:
    """One target as a ledger's cell reads."""

    progress: Progress
    owner_name: str
    label: str
    target: str
    actual: str
    done: str  # 完成率 (accumulating) or the actual rate (rates)
    behind: str
    cases: str  # the rate's base: 已办结 12 / 已受理 15 件
    light: str
    light_label: str
    colour: str
    gap: str
    weekly: str
    bar: str  # the bar's length in % (完成率 or the actual rate, at most 100); "" without one
    mark: str  # where the bar should be by now: 序时进度, or the target rate

    @property
    def unreachable(self) -> bool:
        pace = self.progress.pace
        return bool(pace and not pace.reachable)

    @property
    def title(self) -> str:
        parts = [f"{self.owner_name} · {self.label}", _("目标 %(v)s") % {"v": self.target}]
        parts.append(_("完成 %(v)s") % {"v": self.actual})
        if self.done:
            parts.append(_("完成率 %(v)s") % {"v": self.done})
        if self.behind:
            parts.append(self.behind)
        return "；".join(parts)


def _weekly(item: Progress, spec: MetricSpec, days_left: int | None) -> str:
    if item.pace is None:
        return "—"
    if item.pace.gap == 0:
        return _("已完成")
    if days_left is None:
        return _("日历未覆盖")
    if not item.pace.reachable or item.pace.weekly is None:
        return _("无法按期完成")
    return _("%(v)s/周") % {"v": figure(item.pace.weekly, spec, unit=True)}


def cell(item: Progress, owner_name: str, days_left: int | None, *, unit: bool = False) -> Cell:
    """The cell of one target; with `unit`, counts carry their unit (a list mixing metrics)."""
    spec, actual = item.spec, item.actual
    done = ""
    if spec.is_rate:
        done = figure(actual.value, spec) if actual.value is not None else ""
    elif item.done is not None:
        done = f"{item.done}%"
    reached = actual.value if spec.is_rate else item.done
    mark = item.target.value if spec.is_rate else item.elapsed
    cases = ""
    if spec.is_rate and actual.denominator is not None:
        cases = _("%(n)s / %(d)s 件") % {"n": actual.numerator, "d": actual.denominator}
    return Cell(
        progress=item,
        owner_name=owner_name,
        label=str(Metric(item.metric).label),
        target=figure(item.target.value, spec, unit=unit),
        actual=figure(actual.value, spec, unit=unit),
        done=done,
        behind=points(item.behind),
        cases=cases,
        light=item.light,
        light_label=str(Light(item.light).label),
        colour=LIGHT_COLOURS[Light(item.light)],
        gap=figure(item.pace.gap, spec, unit=unit) if item.pace else "—",
        weekly=_weekly(item, spec, days_left),
        bar="" if reached is None else _percent(reached),
        mark="" if mark is None else _percent(mark),
    )


@dataclass(frozen=True)
class Row:
    owner: OwnerRow
    cells: list[Cell | None]
    edit_url: str | None
    anchor: str


@dataclass(frozen=True)
class Section:
    owner: str
    label: str
    columns: list[Column]
    rows: list[Row]


def anchor(owner: str, owner_id: int) -> str:
    return f"target-{owner}-{owner_id}"


def row_url(year: int, owner: str, owner_id: int) -> str:
    """The ledger of the year, at the owner's row."""
    return f"{reverse('targets:ledger')}?{urlencode({'year': year})}#{anchor(owner, owner_id)}"


def edit_url(owner: str, owner_id: int, year: int) -> str:
    return f"{reverse('targets:edit', args=[owner, owner_id])}?{urlencode({'year': year})}"


def sections(book: Ledger) -> list[Section]:
    """The ledger's tables: one per kind of owner, a column per metric that kind can have."""
    result = []
    for owner, rows in book.sections.items():
        metrics = metrics_for(owner)
        columns = [Column(m, str(Metric(m).label), unit_of(SPECS[m]), SPECS[m].is_rate) for m in metrics]
        table_rows = []
        for row in rows:
            cells = [cell(row.cells[m], row.name, book.days_left) if m in row.cells else None for m in metrics]
            url = edit_url(owner, row.owner_id, book.year) if row.may_set else None
            table_rows.append(Row(row, cells, url, anchor(owner, row.owner_id)))
        result.append(Section(owner, str(Owner(owner).label), columns, table_rows))
    return result


# --- context shared by the pages -------------------------------------------------------------------------


def _year(request: AuthedRequest, default: int) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return default
    return year if year in services.YEARS else default


def _years(request: AuthedRequest, today: dt.date, year: int) -> list[int]:
    """The years that have targets the user may see, with this year, the next and the one asked for."""
    found = Target.objects.visible_to(request.user).order_by().values_list("year", flat=True).distinct()
    return sorted({*found, today.year, today.year + 1, year}, reverse=True)


def _settable(request: AuthedRequest, year: int) -> list[tuple[str, list[tuple[str, str]]]]:
    """The 填报 menu: the owners whose targets the user may set, by kind (regions, chains, departments)."""
    owners = settable_owners(request.user)
    return [
        (str(Owner(kind).label), [(str(obj), edit_url(kind, obj.pk, year)) for obj in owners[kind]])
        for kind in OWNER_ORDER
        if owners.get(kind)
    ]


def _counts(items: Iterable[Progress]) -> dict[str, int]:
    counts = dict.fromkeys(Light.values, 0)
    total = 0
    for item in items:
        counts[item.light] += 1
        total += 1
    return {**counts, "total": total}


def _base(request: AuthedRequest, book: Ledger, years: list[int], title: str) -> dict[str, Any]:
    return {
        "book": book,
        "year": book.year,
        "years": years,
        "today": book.today,
        "rule": book.rule,
        "may_edit_rule": may_edit_rule(request.user),
        "page_title": title,
    }


# --- pages -----------------------------------------------------------------------------------------------


@role_required(*TARGET_VIEWERS)
def ledger_view(request: AuthedRequest) -> HttpResponse:
    """年度目标: every visible target of the year, per kind of owner, with its figure and light."""
    today = clock.today()
    year = _year(request, today.year)
    owner = request.GET.get("owner", "")
    owner = owner if owner in Owner.values else ""
    book = ledger(request.user, year=year, today=today, owner=owner or None)
    context = {
        **_base(request, book, _years(request, today, year), _("年度目标")),
        "owner": owner,
        "tabs": [("", _("全部"))] + [(o.value, o.label) for o in (Owner(k) for k in OWNER_ORDER)],
        "sections": sections(book),
        "counts": _counts(book.progresses()),
        "settable": _settable(request, year),
        "breadcrumbs": [(str(SECTION), None)],
    }
    template = "targets/partials/ledger_body.html" if is_htmx(request) else "targets/ledger.html"
    return render(request, template, context)


def _owner_obj(owner: str, pk: int) -> Model:
    if owner not in Owner.values:
        raise Http404
    return get_object_or_404(OWNER_MODELS[owner], pk=pk)


def _save(request: AuthedRequest, form: TargetsForm, *, year: int, owner: str, obj: Model) -> HttpResponse | None:
    """Hand the form to the service: a redirect to the ledger with what changed, or None with the refusal on the
    form (nothing written). PermissionDenied reaches the 403 page."""
    try:
        saved = services.targets_save(
            actor=request.user, year=year, owner=owner, owner_obj=obj, values=form.values(), notes=form.notes()
        )
    except ValidationError as error:
        form.add_refusal(error)
        return None
    if saved.total:
        text = _("已保存：新增 %(c)s 项、修改 %(u)s 项、删除 %(d)s 项。") % {
            "c": saved.created,
            "u": saved.changed,
            "d": saved.removed,
        }
        messages.success(request, f"{obj} · {year} · {text}")
    else:
        messages.info(request, _("没有改动。"))
    return redirect(row_url(year, owner, obj.pk))


@role_required(*TARGET_VIEWERS)
def edit_view(request: AuthedRequest, owner: str, pk: int) -> HttpResponse:
    """填报: one owner's targets for a year, a figure and a note per metric; an empty figure removes that target."""
    obj = _owner_obj(owner, pk)
    if not may_set(request.user, owner, obj.pk):
        raise refusal(owner)
    today = clock.today()
    year = _year(request, today.year)
    existing = {
        t.metric: t for t in Target.objects.filter(year=year, owner=owner, **{owner: obj}).select_related("updated_by")
    }
    form = TargetsForm(request.POST or None, owner=owner, existing=existing)
    if request.method == "POST" and form.is_valid():
        response = _save(request, form, year=year, owner=owner, obj=obj)
        if response is not None:
            return response
    title = _("填报年度目标")
    context = {
        "form": form,
        "owner": owner,
        "owner_label": Owner(owner).label,
        "owner_obj": obj,
        "year": year,
        "years": _years(request, today, year),
        "today": today,
        "page_title": title,
        "breadcrumbs": crumbs(str(SECTION), "targets:ledger", (f"{obj} · {year}", None)),
        "cancel_url": f"{reverse('targets:ledger')}?{urlencode({'year': year})}",
    }
    return form_page(request, "targets/edit.html", context)


def _gaps(book: Ledger) -> list[tuple[OwnerRow, Progress]]:
    """Every accumulating target still short of its figure: red first, then by points behind."""
    found = [
        (row, item)
        for rows in book.sections.values()
        for row in rows
        for item in row.cells.values()
        if item.pace is not None and item.pace.gap > 0
    ]
    return sorted(found, key=lambda rc: (LIGHT_ORDER[rc[1].light], -(rc[1].behind or Decimal(0)), rc[0].name))


def _who(book: Ledger) -> list[dict[str, Any]]:
    """谁落后了: the owners with a red or yellow light, most red first."""
    result = []
    for owner, rows in book.sections.items():
        for row in rows:
            lights = row.lights
            if lights[Light.RED] or lights[Light.YELLOW]:
                result.append(
                    {
                        "name": row.name,
                        "kind": Owner(owner).label,
                        "red": lights[Light.RED],
                        "yellow": lights[Light.YELLOW],
                        "url": row_url(book.year, owner, row.owner_id),
                    }
                )
    return sorted(result, key=lambda r: (-r["red"], -r["yellow"], r["name"]))


@role_required(*TARGET_VIEWERS)
def sprint_view(request: AuthedRequest) -> HttpResponse:
    """最后赛段: working days left, the targets behind, every gap and the weekly pace that closes it."""
    today = clock.today()
    year = _year(request, today.year)
    book = ledger(request.user, year=year, today=today)
    who = _who(book)
    context = {
        **_base(request, book, _years(request, today, year), _("最后赛段")),
        "behind": [cell(item, row.name, book.days_left, unit=True) for row, item in behind_list(book)],
        "gaps": [cell(item, row.name, book.days_left, unit=True) for row, item in _gaps(book)],
        "who": who,
        "red_owners": sum(1 for r in who if r["red"]),
        "counts": _counts(book.progresses()),
        "breadcrumbs": crumbs(str(SECTION), "targets:ledger", (_("最后赛段"), None)),
    }
    return render(request, "targets/sprint.html", context)


@role_required(*TARGET_VIEWERS)
def lights_view(request: AuthedRequest) -> HttpResponse:
    """红黄绿灯阈值: every reader sees them; city leaders change them."""
    rule = LightRule.current()
    may_edit = may_edit_rule(request.user)
    if request.method == "POST" and not may_edit:
        raise PermissionDenied(_("只有市领导可以修改红黄绿灯阈值。"))
    form = None
    if may_edit:
        initial = {"yellow": rule.yellow, "red": rule.red, "rate_yellow": rule.rate_yellow, "rate_red": rule.rate_red}
        form = LightRuleForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            with service_errors(form):
                services.light_rule_save(actor=request.user, **form.cleaned_data)
                messages.success(request, _("红黄绿灯阈值已保存，各页面即按新阈值亮灯。"))
                return redirect("targets:lights")
    context = {
        "rule": rule,
        "form": form,
        "may_edit_rule": may_edit,
        "page_title": _("红黄绿灯阈值"),
        "breadcrumbs": crumbs(str(SECTION), "targets:ledger", (_("红黄绿灯阈值"), None)),
    }
    return form_page(request, "targets/lights.html", context)
