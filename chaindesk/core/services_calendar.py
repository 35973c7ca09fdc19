"""Entering a year's official holiday schedule (系统 → 节假日日历): the system administrator's one write here.

Saving replaces that year's schedule (the estimate, the package's data or an earlier entry) in one audited
transaction, then the registered listeners (the demands app) re-date the open deadlines the change moves and
notify their departments. The working-day cache is dropped at once and again on commit; should the save fail
after it was dropped, it is dropped once more so that no process keeps a schedule that was rolled back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from . import audit, clock
from . import holidays as schedules  # the module: `holidays` is the service's argument
from .actors import Actor, person_or_none, require_actor
from .models import AuditAction
from .models_calendar import OfficialDay, OfficialYear
from .scope import ADMIN, DIMENSION

NAME_MAX = 20
NOTICE_MAX = 200
CONFLICT = "conflict"  # the code of the refusal when another administrator entered a new year first


@dataclass(frozen=True)
class HolidayRange:
    """A holiday as the State Council's notice states it: a name and its first and last rest day."""

    name: str
    start: dt.date
    end: dt.date

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def editable_years(today: dt.date | None = None) -> range:
    """The years the page offers: last year to two years ahead (a notice comes out in November or December)."""
    year = (today or clock.today()).year
    return range(year - 1, year + 3)


def _need_admin(actor: Actor) -> None:
    if not getattr(actor, "is_authenticated", False) or DIMENSION.get(getattr(actor, "role", "")) != ADMIN:
        raise PermissionDenied(_("只有系统管理员可以录入节假日安排。"))


def _check_days(year: int, holidays: Sequence[HolidayRange], workdays: Sequence[dt.date]) -> dict[dt.date, str]:
    """{day: name} of the holidays; every refusal in Chinese, on the field it concerns."""
    if year not in editable_years():
        raise ValidationError({"year": _("只能录入 %(first)s 至 %(last)s 年的安排。") % _bounds()}, code="year")
    if not holidays:
        raise ValidationError({"holidays": _("请至少填写一个节假日。")}, code="holidays")
    rest: dict[dt.date, str] = {}
    for item in holidays:
        if not item.name.strip() or len(item.name.strip()) > NAME_MAX:
            raise ValidationError({"holidays": _("节日名称须为1至20个字。")}, code="holidays")
        if item.end < item.start:
            raise ValidationError({"holidays": _("%(name)s的结束日期早于开始日期。") % {"name": item.name}})
        for day in item.days():
            if day.year != year:
                raise ValidationError({"holidays": _outside(day, year)}, code="holidays")
            if day in rest:
                raise ValidationError({"holidays": _("%(day)s 重复出现在多个节假日中。") % {"day": day}})
            rest[day] = item.name.strip()
    for day in workdays:
        if day.year != year:
            raise ValidationError({"workdays": _outside(day, year)}, code="workdays")
        if day in rest:
            raise ValidationError({"workdays": _("%(day)s 既是放假日又是调休上班日。") % {"day": day}})
        if day.weekday() < 5:
            raise ValidationError({"workdays": _("%(day)s 是工作日，无需调休上班。") % {"day": day}})
    if len(set(workdays)) != len(workdays):
        raise ValidationError({"workdays": _("调休上班日有重复。")}, code="workdays")
    return rest


def _bounds() -> dict[str, int]:
    years = editable_years()
    return {"first": years[0], "last": years[-1]}


def _outside(day: dt.date, year: int) -> str:
    return _("%(day)s 不在 %(year)s 年内。") % {"day": day.isoformat(), "year": year}


def _schedule_json(days: Sequence[OfficialDay]) -> dict[str, list[str]]:
    return {
        "holidays": [f"{d.day:%Y-%m-%d} {d.name}".strip() for d in days if d.kind == OfficialDay.Kind.REST],
        "workdays": [f"{d.day:%Y-%m-%d}" for d in days if d.kind == OfficialDay.Kind.WORKDAY],
    }


@dataclass(frozen=True)
class SavedSchedule:
    calendar: OfficialYear
    redated: dict[str, int]  # listener key → records it re-dated


def official_calendar_save(
    *,
    year: int,
    holidays: Sequence[HolidayRange],
    workdays: Sequence[dt.date],
    actor: Actor,
    notice: str = "",
) -> SavedSchedule:
    """Enter (or correct) `year`'s official schedule: its holidays and make-up workdays replace whatever the
    year counted on before; the open deadlines it moves are re-dated and their departments notified. Should
    another administrator enter a year never entered before at the same moment, the later save is refused
    (ValidationError, code CONFLICT) and writes nothing."""
    require_actor(actor)
    _need_admin(actor)
    try:
        with transaction.atomic():
            return _save(year=int(year), holidays=holidays, workdays=workdays, actor=actor, notice=notice)
    except IntegrityError:
        schedules.invalidate()
        if OfficialYear.objects.filter(year=int(year)).exists():  # read after the rollback: the other's commit
            raise ValidationError(_("该年度的节假日安排刚被他人保存，请刷新后再编辑。"), code=CONFLICT) from None
        raise
    except BaseException:
        schedules.invalidate()
        raise


def _locked_year(year: int) -> OfficialYear | None:
    """The year's entry, locked until the transaction ends; None for a year never entered (nothing to lock: two
    administrators entering it at the same moment both insert, and the unique year lets only one through)."""
    return OfficialYear.objects.select_for_update().filter(year=year).first()


def _save(
    *, year: int, holidays: Sequence[HolidayRange], workdays: Sequence[dt.date], actor: Actor, notice: str
) -> SavedSchedule:
    rest = _check_days(year, holidays, workdays)
    notice = (notice or "").strip()[:NOTICE_MAX]
    existing = _locked_year(year)
    previous: dict[dt.date, bool] | None = None
    before: dict[str, object] = {"basis": schedules.year_basis(year)}
    if existing is not None:
        old_days = list(existing.days.all())
        previous = {d.day: d.kind == OfficialDay.Kind.WORKDAY for d in old_days}
        before.update(_schedule_json(old_days), notice=existing.notice)
        existing.days.all().delete()
        existing.notice, existing.entered_by, existing.entered_at = notice, person_or_none(actor), clock.now()
        calendar = existing
    else:
        calendar = OfficialYear(year=year, notice=notice, entered_by=person_or_none(actor), entered_at=clock.now())
    # A new year's uniqueness is left to the database (IntegrityError, mapped above): a check here could not see
    # a row another administrator has inserted but not yet committed.
    calendar.full_clean(validate_unique=existing is not None)
    calendar.save()
    days = [OfficialDay(calendar=calendar, day=d, kind=OfficialDay.Kind.REST, name=n) for d, n in sorted(rest.items())]
    days += [OfficialDay(calendar=calendar, day=d, kind=OfficialDay.Kind.WORKDAY) for d in sorted(workdays)]
    for day in days:
        day.full_clean(exclude=["calendar"], validate_unique=False)  # the year's old days were just deleted
    OfficialDay.objects.bulk_create(days)
    after = {"basis": schedules.OFFICIAL, **_schedule_json(days), "notice": notice}
    message = _("录入%(year)s年官方节假日安排：放假%(rest)s天，调休上班%(work)s天") % {
        "year": year,
        "rest": len(rest),
        "work": len(workdays),
    }
    action = AuditAction.UPDATE if existing is not None else AuditAction.CREATE
    audit.record(action=action, actor=actor, obj=calendar, before=before, after=after, message=message)
    schedules.invalidate()  # the listeners below must count on the new schedule
    transaction.on_commit(schedules.invalidate)
    listeners = schedules.calendar_listeners()
    redated = {key: listener(year=year, previous=previous, actor=actor) for key, listener in listeners}
    return SavedSchedule(calendar=calendar, redated=redated)
