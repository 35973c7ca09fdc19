"""A rejection (不予受理) or a merge (已合并) is a response: the response rate counts it, on time when decided within
one working day (chaindesk/demands/metrics.py). The services store `response_days` at the decision from now on;
this fills it for the demands decided before, from the time of their 不予受理 or 合并 event on the calendar as
saved (the official schedules entered, the package's published years, the estimate after them). A demand
without such an event, or in a year no calendar covers, keeps none (due for a response, not responded)."""

from django.db import migrations
from django.db.models import Max
from django.utils import timezone

DECIDED = ("rejected", "merged")  # the statuses, and the kinds of their timeline events


def _calendar(apps, db):  # noqa: ANN001, ANN202 - the historical app registry
    from chaindesk.core.holidays import published_until
    from chaindesk.demands.workdays import Calendar

    official: dict = {}
    for year, day, kind in (
        apps.get_model("core", "OfficialYear").objects.using(db).values_list("year", "days__day", "days__kind")
    ):
        days = official.setdefault(year, {})
        if day is not None:
            days[day] = kind == "workday"
    return Calendar(official=official, until=published_until())


def fill(apps, schema_editor):  # noqa: ANN001, ANN201
    from chaindesk.demands.workdays import CalendarNotCovered

    db = schema_editor.connection.alias  # the database being migrated (--database), not the default
    Demand = apps.get_model("demands", "Demand")
    decisions = (
        apps.get_model("demands", "DemandEvent")
        .objects.using(db)
        .filter(kind__in=DECIDED, demand__status__in=DECIDED, demand__response_days__isnull=True)
        .order_by()
        .values_list("demand_id", "demand__submitted_at")
        .annotate(at=Max("created_at"))
    )
    calendar, filled = None, []
    for pk, submitted_at, decided_at in decisions.iterator():
        calendar = calendar or _calendar(apps, db)
        try:
            days = calendar.workdays_between(timezone.localdate(submitted_at), timezone.localdate(decided_at))
        except CalendarNotCovered:
            continue
        filled.append(Demand(pk=pk, response_days=max(days, 0)))
    Demand.objects.using(db).bulk_update(filled, ["response_days"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_official_calendar"),
        ("demands", "0007_leadernote"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
