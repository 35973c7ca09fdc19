"""系统 → 节假日日历: the system administrator sees where each year's working days come from (entered official
schedule, the chinese_calendar package, or the estimate) and enters a year's official schedule when the State
Council publishes it. Saving goes through `services_calendar.official_calendar_save` (audited; re-dates the
open deadlines it moves)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from . import clock, holidays
from .errors import service_errors
from .forms_calendar import OfficialCalendarForm, initial_text
from .models_calendar import OfficialDay, OfficialYear
from .pages import form_page
from .permissions import role_required
from .scope import ADMIN, DIMENSION
from .services_calendar import CONFLICT, editable_years, official_calendar_save

ADMINS = tuple(role for role, dimension in DIMENSION.items() if dimension == ADMIN)


@dataclass
class YearRow:
    year: int
    basis: str
    rest: int
    workdays: int
    entry: OfficialYear | None

    @property
    def basis_label(self) -> str:
        return str(holidays.BASIS_LABELS[self.basis])


def _schedule(year: int, entry: OfficialYear | None) -> tuple[dict[dt.date, Any], list[dt.date]]:
    """({holiday: name}, make-up workdays) the year counts on now."""
    if entry is not None:
        days = list(entry.days.all())
        rest = {d.day: d.name for d in days if d.kind == OfficialDay.Kind.REST}
        return rest, [d.day for d in days if d.kind == OfficialDay.Kind.WORKDAY]
    basis = holidays.year_basis(year)
    if basis == holidays.ESTIMATED:
        return dict(holidays.estimated_holidays(year)), []
    if basis == holidays.PUBLISHED:
        return holidays.published_schedule(year)
    return {}, []


def _breadcrumbs(*tail: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [(_("系统"), None), (_("节假日日历"), reverse("core:calendar") if tail else None), *tail]


@role_required(*ADMINS)
def calendar_list(request: HttpRequest) -> HttpResponse:
    years = editable_years()
    entered = OfficialYear.objects.filter(year__in=years).select_related("entered_by").prefetch_related("days")
    entries = {e.year: e for e in entered}
    rows = []
    for year in years:
        entry = entries.get(year)
        rest, workdays = _schedule(year, entry)
        rows.append(YearRow(year, holidays.year_basis(year), len(rest), len(workdays), entry))
    context = {
        "rows": rows,
        "today": clock.today(),
        "page_title": _("节假日日历"),
        "breadcrumbs": _breadcrumbs(),
    }
    return render(request, "core/calendar_list.html", context)


@role_required(*ADMINS)
def calendar_year(request: HttpRequest, year: int) -> HttpResponse:
    if year not in editable_years():
        raise Http404
    entry = OfficialYear.objects.filter(year=year).first()
    rest, workdays = _schedule(year, entry)
    initial = {**initial_text(holidays.ranges(rest), workdays), "notice": entry.notice if entry else ""}
    form = OfficialCalendarForm(request.POST or None, initial=initial, year=year)
    if request.method == "POST" and form.is_valid():
        # another administrator entered this new year at the same moment: said above the form, not on a field
        with service_errors(form, default_field="holidays", codes={CONFLICT: NON_FIELD_ERRORS}):
            saved = official_calendar_save(
                year=year,
                holidays=form.cleaned_data["holidays"],
                workdays=form.cleaned_data["workdays"],
                notice=form.cleaned_data["notice"],
                actor=request.user,  # type: ignore[arg-type]
            )
            moved = sum(saved.redated.values())
            messages.success(
                request,
                _("已录入%(year)s年官方节假日安排；%(n)s项未办结任务的办结期限已按新日历重新计算，并已通知主办部门。")
                % {"year": year, "n": moved},
            )
            return redirect("core:calendar")
    basis = holidays.year_basis(year)
    context = {
        "form": form,
        "year": year,
        "basis": basis,
        "basis_label": holidays.BASIS_LABELS[basis],
        "entry": entry,
        "page_title": _("%(year)s年节假日安排") % {"year": year},
        "breadcrumbs": _breadcrumbs((str(year), None)),
    }
    return form_page(request, "core/calendar_form.html", context)
