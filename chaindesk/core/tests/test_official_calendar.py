"""系统 → 节假日日历: entering a year's official holiday schedule replaces the estimate (and the package's data),
the working-day arithmetic follows it at once, the open deadlines it moves are re-dated and their departments
told; only the system administrator may enter it, and bad input is refused in Chinese, changing nothing.

2027 is pretended unpublished (chaindesk/testkit/calendar.py), so its estimate is 元旦 01-01 and 春节 02-05..08.
The official schedule entered here (invented, shaped like the State Council's notices): 元旦 01-01..03, 春节
02-05..12 (four days more than the estimate) with Saturday 02-20 a make-up workday."""

from collections.abc import Iterator
from datetime import date, datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import User
from chaindesk.accounts.services import user_create
from chaindesk.core import clock, holidays, services_calendar
from chaindesk.core.actors import COMMAND
from chaindesk.core.models import AuditLog, Notification, OfficialDay, OfficialYear
from chaindesk.core.navigation import items_for
from chaindesk.core.services_calendar import CONFLICT, HolidayRange, editable_years, official_calendar_save
from chaindesk.demands.choices import DemandStatus, Escalation, TaskStatus
from chaindesk.demands.models import DemandEvent, Task
from chaindesk.demands.tests.factories import DemandWorld
from chaindesk.demands.workdays import add_workdays, is_provisional, is_workday, workdays_between
from chaindesk.testkit.calendar import isolated_official_calendar, pretend_published_until
from chaindesk.testkit.personas import KEYS, Personas

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # written for any day: CI runs it under other clocks

URL = "/system/calendar/"
YEAR_URL = "/system/calendar/2027/"
HOLIDAYS = [
    HolidayRange("元旦", date(2027, 1, 1), date(2027, 1, 3)),
    HolidayRange("春节", date(2027, 2, 5), date(2027, 2, 12)),
]
MAKE_UP = [date(2027, 2, 20)]
HOLIDAY_TEXT = "元旦 2027-01-01 至 2027-01-03\n春节 2027年2月5日～2月12日"
POST = {"notice": "国办发明电〔2026〕7号", "holidays": HOLIDAY_TEXT, "workdays": "2027-02-20 春节调休"}


@pytest.fixture(autouse=True)
def _estimated_2027(settings) -> Iterator[None]:  # noqa: ANN001
    pretend_published_until(settings, 2026)
    with isolated_official_calendar():
        yield


def _enter(personas: Personas, holidays_: list[HolidayRange] = HOLIDAYS, workdays: list[date] = MAKE_UP) -> int:
    saved = official_calendar_save(year=2027, holidays=holidays_, workdays=workdays, actor=personas.sysadmin)
    return saved.redated["demands"]


def _as(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --- the arithmetic follows the entered schedule ---------------------------------------------------------------


def test_an_entered_schedule_replaces_the_estimate(personas: Personas) -> None:
    assert add_workdays(date(2027, 2, 4), 1) == date(2027, 2, 9) and is_provisional(date(2027, 2, 9))
    _enter(personas)
    assert holidays.year_basis(2027) == holidays.OFFICIAL
    assert not is_provisional(date(2027, 2, 15)) and not is_provisional(date(2027, 1, 4))
    # the extra holidays are skipped …
    assert [is_workday(date(2027, 2, d)) for d in range(9, 13)] == [False] * 4
    assert add_workdays(date(2027, 2, 4), 1) == date(2027, 2, 15)
    # … the make-up Saturday counts, the Sunday after it does not
    assert is_workday(date(2027, 2, 20)) and not is_workday(date(2027, 2, 21))
    assert add_workdays(date(2027, 2, 19), 1) == date(2027, 2, 20)
    assert workdays_between(date(2027, 2, 4), date(2027, 2, 22)) == 7  # 15..19, 20, 22
    # days the schedule does not list: Monday to Friday, even a day the estimate rested (清明 2027-04-05)
    assert is_workday(date(2027, 4, 5))
    # across 元旦: 2026-12-31 → the first working day of 2027 is Monday 01-04
    assert add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_an_entered_schedule_overrides_even_the_package(personas: Personas, settings) -> None:  # noqa: ANN001
    """A year chinese_calendar publishes follows what was entered: a day it lists as a working day becomes a
    holiday, and a make-up day it lists but the entry does not is a weekend again."""
    settings.CHAINDESK_CALENDAR_PUBLISHED_UNTIL = None
    covered = [y for y in editable_years() if holidays.year_basis(y) == holidays.PUBLISHED]
    if not covered:
        pytest.skip("no year the package publishes is in the page's window under this clock")
    year = covered[-1]
    day = next(date(year, 3, d) for d in range(2, 10) if is_workday(date(year, 3, d)))
    make_up = holidays.published_schedule(year)[1]
    assert all(is_workday(d) for d in make_up)
    official_calendar_save(
        year=year, holidays=[HolidayRange("测试假日", day, day)], workdays=[], actor=personas.sysadmin
    )
    assert holidays.year_basis(year) == holidays.OFFICIAL
    assert not is_workday(day)
    assert not any(is_workday(d) for d in make_up)


def test_the_schedule_is_stored_and_audited(personas: Personas) -> None:
    _enter(personas)
    calendar = OfficialYear.objects.get(year=2027)
    assert calendar.entered_by == personas.sysadmin
    rest = OfficialDay.objects.filter(calendar=calendar, kind=OfficialDay.Kind.REST)
    assert rest.count() == 3 + 8
    assert list(OfficialDay.objects.filter(kind=OfficialDay.Kind.WORKDAY).values_list("day", flat=True)) == MAKE_UP
    line = AuditLog.objects.for_object(calendar).get()
    assert line.actor == personas.sysadmin and "2027-02-20" in str(line.after) and line.before["basis"] == "estimated"


def test_other_processes_notice_a_saved_schedule(personas: Personas, settings) -> None:  # noqa: ANN001
    """Another process saved a schedule: this one sees the shared version stamp change at its next recheck; where
    the cache is not shared, the maximum age reloads it anyway."""
    seen = holidays.official_days()
    OfficialYear.objects.create(year=2027)  # as if saved elsewhere: this process's copy was not dropped
    assert holidays.official_days() is seen and 2027 not in seen
    holidays._cache.checked -= holidays.RECHECK_SECONDS  # time passes, the stamp is unchanged: still the copy
    assert holidays.official_days() is seen
    cache.set(holidays.VERSION_KEY, "saved-by-another-process")
    holidays._cache.checked -= holidays.RECHECK_SECONDS
    assert 2027 in holidays.official_days()

    OfficialYear.objects.filter(year=2027).delete()
    settings.CHAINDESK_CALENDAR_MAX_AGE = 0  # no shared stamp change: the age alone reloads
    holidays._cache.checked -= holidays.RECHECK_SECONDS
    assert 2027 not in holidays.official_days()


# --- re-dating the open deadlines ----------------------------------------------------------------------------


def _task_on(w: DemandWorld, created: date, working_days: int, **extra: object) -> Task:
    """A task of our department assigned on `created` (a test may place it on any day) with its estimated
    deadline, as the service would have computed it then."""
    task = w.task(w.demand(status=DemandStatus.ACCEPTED), working_days=working_days)
    moment = datetime(created.year, created.month, created.day, 10, tzinfo=timezone.get_current_timezone())
    fields = {"created_at": moment, "deadline": add_workdays(created, working_days), **extra}
    Task.objects.filter(pk=task.pk).update(**fields)
    task.refresh_from_db()
    return task


def _enter_moving(personas: Personas, **kwargs: list) -> set[int]:
    """Enter the schedule; the tasks whose deadline it moved (as many as the service reports moving). The
    personas' own tasks count too: under a clock in 2027 their deadlines lie in the year."""
    before = dict(Task.objects.values_list("pk", "deadline"))
    count = _enter(personas, **kwargs)
    after = dict(Task.objects.values_list("pk", "deadline"))
    moved = {pk for pk, deadline in before.items() if after[pk] != deadline}
    assert count == len(moved)
    return moved


def test_open_deadlines_are_re_dated_and_their_departments_told(personas: Personas) -> None:
    w = DemandWorld(personas)
    later = _task_on(w, date(2027, 2, 1), 5, escalation=Escalation.WARNED, warned_at=clock.now())
    earlier = _task_on(w, date(2027, 2, 15), 5)
    across = _task_on(w, date(2026, 12, 4), 45)  # assigned before the year, due inside it
    done = _task_on(w, date(2027, 2, 1), 5, status=TaskStatus.DONE)
    before_year = _task_on(w, date(2026, 11, 2), 5)
    assert (later.deadline, earlier.deadline, done.deadline) == (
        date(2027, 2, 10),
        date(2027, 2, 22),
        date(2027, 2, 10),
    )
    assert across.deadline == date(2027, 2, 10)  # 45 working days from 2026-12-04, 元旦 and 春节 estimated
    Notification.objects.filter(recipient=personas.handler).delete()

    mine = {later.pk, earlier.pk, across.pk, done.pk, before_year.pk}
    assert _enter_moving(personas) & mine == {later.pk, earlier.pk, across.pk}

    by_pk = {t.pk: t for t in Task.objects.filter(pk__in=[later.pk, earlier.pk, across.pk, done.pk, before_year.pk])}
    assert by_pk[later.pk].deadline == date(2027, 2, 16)  # 02-02..04, then 02-15, 02-16
    assert by_pk[later.pk].escalation == "" and by_pk[later.pk].warned_at is None  # later: the marks restart
    assert by_pk[earlier.pk].deadline == date(2027, 2, 20)  # the make-up Saturday counts
    assert by_pk[across.pk].deadline == date(2027, 2, 16)
    assert by_pk[done.pk].deadline == date(2027, 2, 10)  # closed tasks keep their history
    assert by_pk[before_year.pk].deadline == before_year.deadline

    notices = Notification.objects.filter(recipient=personas.handler, kind="task_redated")
    urls = {reverse("demands:task_detail", args=[pk]): pk for pk in mine}
    assert sorted(urls[n.url] for n in notices if n.url in urls) == sorted([later.pk, earlier.pk, across.pk])
    text = notices.get(url__contains=f"/{later.pk}/").body
    assert "2027-02-10（预估）" in text and "2027-02-16" in text and "2027-02-16（预估）" not in text
    assert DemandEvent.objects.filter(demand=later.demand, kind="task_redated").exists()
    assert AuditLog.objects.for_object(by_pk[earlier.pk]).filter(after__deadline="2027-02-20").exists()


def test_a_correction_re_dates_from_the_entered_schedule_and_a_repeat_changes_nothing(personas: Personas) -> None:
    w = DemandWorld(personas)
    task = _task_on(w, date(2027, 2, 15), 5)
    assert task.pk in _enter_moving(personas)
    assert _enter_moving(personas) == set()  # the same schedule again: nothing moves
    assert Task.objects.get(pk=task.pk).deadline == date(2027, 2, 20)
    assert task.pk in _enter_moving(personas, workdays=[])  # the make-up Saturday withdrawn
    assert Task.objects.get(pk=task.pk).deadline == date(2027, 2, 22)


# --- who may, and what is refused ----------------------------------------------------------------------------


def test_only_the_system_administrator_may_enter_a_schedule(personas: Personas) -> None:
    for user in (personas.auditor, personas.chief, personas.member):
        with pytest.raises(PermissionDenied):
            official_calendar_save(year=2027, holidays=HOLIDAYS, workdays=[], actor=user)
    assert not OfficialYear.objects.exists()


@pytest.mark.parametrize(
    ("holidays_", "workdays", "field", "message"),
    [
        ([HolidayRange("元旦", date(2026, 12, 31), date(2027, 1, 1))], [], "holidays", "2026-12-31 不在 2027 年内"),
        (HOLIDAYS, [date(2028, 1, 8)], "workdays", "2028-01-08 不在 2027 年内"),
        (HOLIDAYS, [date(2027, 2, 17)], "workdays", "是工作日，无需调休上班"),
        (HOLIDAYS, [date(2027, 2, 6)], "workdays", "既是放假日又是调休上班日"),
        ([HolidayRange("春节", date(2027, 2, 12), date(2027, 2, 5))], [], "holidays", "结束日期早于开始日期"),
        ([*HOLIDAYS, HolidayRange("重复", date(2027, 1, 2), date(2027, 1, 2))], [], "holidays", "重复出现"),
        ([], [], "holidays", "请至少填写一个节假日"),
    ],
)
def test_bad_schedules_are_refused_in_chinese(
    personas: Personas, holidays_: list[HolidayRange], workdays: list[date], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        official_calendar_save(year=2027, holidays=holidays_, workdays=workdays, actor=personas.sysadmin)
    assert any(message in m for m in excinfo.value.message_dict[field])
    assert not OfficialYear.objects.exists() and holidays.year_basis(2027) == holidays.ESTIMATED


def _entered_meanwhile(monkeypatch: pytest.MonkeyPatch) -> User:
    """Another administrator enters 2027 (元旦 only) at the same moment as ours: ours looked the year up before
    that entry was committed, so it found none and goes on to insert the year too (a race PostgreSQL shows)."""
    other = user_create(
        actor=COMMAND,
        username="p_sysadmin2",
        display_name="另一系统管理员",
        role=Role.SYS_ADMIN,
        password="Other-Ledger-Qx7",
    )
    official_calendar_save(year=2027, holidays=HOLIDAYS[:1], workdays=[], actor=other, notice="他人录入")
    monkeypatch.setattr(services_calendar, "_locked_year", lambda year: None)
    return other


SAVED_BY_ANOTHER = "该年度的节假日安排刚被他人保存，请刷新后再编辑。"


def test_a_new_year_another_administrator_entered_at_the_same_moment_is_refused(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = DemandWorld(personas)
    task = _task_on(w, date(2027, 2, 1), 5)
    other = _entered_meanwhile(monkeypatch)
    deadlines, lines = dict(Task.objects.values_list("pk", "deadline")), AuditLog.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        _enter(personas)
    assert excinfo.value.messages == [SAVED_BY_ANOTHER] and excinfo.value.code == CONFLICT
    # nothing of ours written: the other's entry stands whole, no audit line, no deadline moved
    calendar = OfficialYear.objects.get(year=2027)
    assert (calendar.entered_by, calendar.notice, calendar.days.count()) == (other, "他人录入", 3)
    assert AuditLog.objects.count() == lines and dict(Task.objects.values_list("pk", "deadline")) == deadlines
    assert is_workday(date(2027, 2, 10)) and Task.objects.get(pk=task.pk).deadline == deadlines[task.pk]


def test_the_form_says_above_it_that_another_administrator_entered_the_year(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    _entered_meanwhile(monkeypatch)
    response = _as(personas.sysadmin).post(YEAR_URL, POST)
    assert response.status_code == 400
    summary = response.content.decode().split('data-testid="form-errors"', 1)[1].split("</div>", 1)[0]
    assert f"<li>{SAVED_BY_ANOTHER}</li>" in summary  # a form-level error, on no field
    assert response.context["form"]["holidays"].value() == POST["holidays"]  # what was typed is kept
    assert OfficialYear.objects.get().notice == "他人录入" and OfficialDay.objects.count() == 3


# --- the page ------------------------------------------------------------------------------------------------


def test_the_menu_offers_the_calendar_to_the_system_administrator_only(personas: Personas) -> None:
    for role in Role.values:
        assert ("calendar" in [item["key"] for item in items_for(role, "")]) == (role == Role.SYS_ADMIN), role
    active = [item for item in _as(personas.sysadmin).get(URL).context["nav_items"] if item["active"]]
    assert [(item["key"], str(item["label"]), item["url"]) for item in active] == [("calendar", "节假日安排", URL)]
    for key in KEYS:
        user = personas.user(key)
        if user is not None:
            menu = _as(user).get("/").content.decode().split('aria-label="主导航"', 1)[1].split("</aside>", 1)[0]
            assert ("节假日安排" in menu and f'href="{URL}"' in menu) == (key == "sysadmin"), key


def test_the_pages_answer_only_the_system_administrator(personas: Personas) -> None:
    for key in KEYS:
        user = personas.user(key)
        for url in (URL, YEAR_URL):
            status = _as(user).get(url).status_code
            assert status == (200 if key == "sysadmin" else 302 if user is None else 403), (key, url)
    assert _as(personas.auditor).post(YEAR_URL, POST).status_code == 403
    assert not OfficialYear.objects.exists()


def test_the_list_and_the_form_show_the_estimate(personas: Personas) -> None:
    client = _as(personas.sysadmin)
    listing = client.get(URL).content.decode()
    assert 'data-testid="calendar-year-2027"' in listing and "预估（按法定节假日）" in listing
    form = client.get(YEAR_URL).content.decode()
    assert "春节 2027-02-05 至 2027-02-08" in form and "元旦 2027-01-01" in form
    assert client.get("/system/calendar/2040/").status_code == 404
    assert 'data-testid="calendar-link"' in client.get("/system/users/").content.decode()


def test_the_form_enters_the_schedule(personas: Personas) -> None:
    w = DemandWorld(personas)
    task = _task_on(w, date(2027, 2, 1), 5)
    response = _as(personas.sysadmin).post(YEAR_URL, POST, follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "已录入2027年官方节假日安排" in body and "项未办结任务的办结期限已按新日历重新计算" in body
    assert "官方安排（已录入）" in body
    calendar = OfficialYear.objects.get(year=2027)
    assert calendar.notice == POST["notice"] and calendar.days.count() == 3 + 8 + 1
    assert Task.objects.get(pk=task.pk).deadline == date(2027, 2, 16)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"holidays": "元旦 2026-12-31 至 2027-01-01"}, "2026-12-31 不在 2027 年内"),
        ({"holidays": "元旦 2027-13-01"}, "第1行"),
        ({"holidays": "2027-01-01"}, "请在日期前写明节日名称"),
        ({"holidays": "元旦"}, "第1行：请写成"),
        ({"holidays": HOLIDAY_TEXT, "workdays": "2027-02-17"}, "是工作日，无需调休上班"),
        ({"holidays": ""}, "这个字段是必填项"),
    ],
)
def test_the_form_refuses_bad_lines_in_chinese(personas: Personas, data: dict[str, str], message: str) -> None:
    response = _as(personas.sysadmin).post(YEAR_URL, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not OfficialYear.objects.exists()
