"""chaindesk.core.bulk: the set-based insert returns the new keys in order and stores every kind of value as the
ORM would; Trail writes the lines `audit.line` would; Writes creates, changes and audits."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chaindesk.core import audit, bulk, context
from chaindesk.core.actors import SystemActor
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.enterprises.models import Enterprise, Indicator
from chaindesk.testkit.personas import Personas

pytestmark = pytest.mark.django_db


def test_insert_returns_the_keys_in_order_and_stores_values_as_the_orm_would(personas: Personas) -> None:
    enterprise = personas.ours.enterprise
    rows = [(enterprise.pk, year, Decimal(f"{year}.25"), year % 7 or None) for year in range(2051, 2091)]
    with CaptureQueriesContext(connection) as captured:
        ids = bulk.insert(Indicator, ("enterprise", "year", "revenue", "employees"), rows)
    assert len(captured.captured_queries) == 1  # 40 rows × 4 columns: one statement
    assert len(ids) == len(rows) == len(set(ids))
    stored = {i.pk: i for i in Indicator.objects.filter(pk__in=ids)}
    for pk, (enterprise_id, year, revenue, employees) in zip(ids, rows, strict=True):
        indicator = stored[pk]
        assert (indicator.enterprise_id, indicator.year, indicator.revenue, indicator.employees) == (
            enterprise_id,
            year,
            revenue,
            employees,
        )
        assert indicator.tax is None


def test_insert_without_keys_lets_the_table_number_the_rows_and_later_keys_follow_them(personas: Personas) -> None:
    """`returning=False` (audit lines, links): no keys come back, the rows are there, and keys taken afterwards for
    another insert come from the same numbering (COPY without the key column on PostgreSQL: no collision)."""
    enterprise = personas.ours.enterprise
    fields = ("enterprise", "year", "revenue")
    unnumbered = [(enterprise.pk, year, Decimal(year)) for year in range(2101, 2106)]
    assert bulk.insert(Indicator, fields, unnumbered, returning=False) == []
    stored = dict(Indicator.objects.filter(enterprise=enterprise, year__range=(2101, 2105)).values_list("year", "pk"))
    assert sorted(stored) == list(range(2101, 2106))
    assert [Indicator.objects.get(pk=stored[year]).revenue for year in sorted(stored)] == [r[2] for r in unnumbered]
    ids = bulk.insert(Indicator, fields, [(enterprise.pk, year, None) for year in range(2106, 2109)])
    assert len(ids) == 3 and min(ids) > max(stored.values())
    assert Indicator.objects.filter(enterprise=enterprise, year__range=(2101, 2108)).count() == 8


def test_insert_splits_into_statements_and_ignores_conflicts_when_asked(personas: Personas, monkeypatch) -> None:
    monkeypatch.setattr(bulk, "ROWS_PER_INSERT", 3)
    enterprise = personas.ours.enterprise
    chains = list(enterprise.chains.values_list("pk", flat=True))
    assert chains
    through = Enterprise.chains.through
    before = through.objects.count()
    with CaptureQueriesContext(connection) as captured:
        ids = bulk.insert(
            through, ("enterprise", "chain"), [(enterprise.pk, pk) for pk in chains], ignore_conflicts=True
        )
    assert ids == [] and through.objects.count() == before  # every link was there already
    assert len(captured.captured_queries) == -(-len(chains) // 3)


def test_trail_writes_the_lines_audit_line_would(personas: Personas) -> None:
    enterprise = personas.ours.enterprise
    token = context.activate(context.RequestContext(request_id="req-1", ip="10.0.0.8"))
    try:
        trail = bulk.Trail(personas.chief, tag="import-abc", message="导入：台账.xlsx")
        trail.created(enterprise)
        trail.updated(enterprise, {"name": "旧名"}, {"name": enterprise.name})
        assert trail.write() == 2 and trail.rows == []
        expected = audit.line(
            action=AuditAction.CREATE,
            actor=personas.chief,
            obj=enterprise,
            after=audit.snapshot(enterprise),
            message="导入：台账.xlsx",
            request_id="import-abc",
        )
    finally:
        context.deactivate(token)
    created, updated = AuditLog.objects.filter(request_id="import-abc").order_by("pk")
    for name in ("actor_id", "actor_name", "ip", "request_id", "action", "content_type_id", "object_id", "message"):
        assert getattr(created, name) == getattr(expected, name), name
    assert created.object_repr == expected.object_repr and created.after == expected.after
    assert created.created_at == updated.created_at and created.created_at is not None
    assert (updated.action, updated.before, updated.after) == ("update", {"name": "旧名"}, {"name": enterprise.name})


def test_trail_names_a_system_actor() -> None:
    trail = bulk.Trail(SystemActor("escalation", "督办升级"), tag="t-sys")
    trail.add(AuditAction.UPDATE, AuditLog.objects.create(action="login"), before={}, after={"x": 1})
    trail.write()
    line = AuditLog.objects.get(request_id="t-sys")
    assert line.actor_id is None and line.actor_name == str(SystemActor("escalation", "督办升级"))


def test_writes_creates_changes_and_audits_only_what_changed(personas: Personas) -> None:
    enterprise = personas.ours.enterprise
    trail = bulk.Trail(personas.chief, tag="t-writes")
    writes = bulk.Writes(Indicator, trail)
    new = Indicator(enterprise=enterprise, year=2031, revenue=Decimal("12.50"))
    writes.new(new, {"note": "extra"})
    kept = Indicator.objects.create(enterprise=enterprise, year=2032, revenue=Decimal("1.00"))
    same = Indicator.objects.create(enterprise=enterprise, year=2033, revenue=Decimal("2.00"))
    writes.changing(kept)
    kept.revenue = Decimal("3.00")
    assert writes.changed(kept)
    writes.changing(same)
    same.revenue = Decimal("2.00")
    assert not writes.changed(same)
    assert writes.save() == 2
    trail.write()
    assert new.pk and Indicator.objects.get(pk=new.pk).revenue == Decimal("12.50")
    assert Indicator.objects.get(pk=kept.pk).revenue == Decimal("3.00")
    lines = list(AuditLog.objects.filter(request_id="t-writes").order_by("pk"))
    assert [(line.action, line.object_id) for line in lines] == [("update", str(kept.pk)), ("create", str(new.pk))]
    assert lines[0].before == {"revenue": "1.00"} and lines[0].after == {"revenue": "3.00"}
    assert lines[1].after["note"] == "extra" and lines[1].after["year"] == 2031


def test_update_writes_every_kind_of_value_of_the_records_given_and_no_other(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "ROWS_PER_INSERT", 2)  # three records: two statements on PostgreSQL
    enterprise = personas.ours.enterprise
    made = [Indicator.objects.create(enterprise=enterprise, year=2061 + i, revenue=Decimal("1.00")) for i in range(4)]
    changing, untouched = made[:3], made[3]
    for i, indicator in enumerate(changing):
        indicator.revenue = Decimal(f"{i}.75") if i else None
        indicator.employees = 10 + i
        indicator.rd_spend = Decimal("0.05")
    with CaptureQueriesContext(connection) as captured:
        assert bulk.update(Indicator, ["employees", "rd_spend", "revenue"], changing) == 3
    assert len(captured.captured_queries) == (2 if connection.vendor == "postgresql" else 1)
    stored = {i.pk: i for i in Indicator.objects.filter(pk__in=[m.pk for m in made])}
    for i, indicator in enumerate(changing):
        got = stored[indicator.pk]
        assert (got.revenue, got.employees, got.rd_spend) == (
            Decimal(f"{i}.75") if i else None,
            10 + i,
            Decimal("0.05"),
        )
    assert (stored[untouched.pk].revenue, stored[untouched.pk].employees) == (Decimal("1.00"), None)
    other = personas.theirs.enterprise
    enterprise.founded_on, enterprise.region, enterprise.address = dt.date(2020, 2, 29), other.region, "新地址"
    other.founded_on, other.address = None, ""
    bulk.update(Enterprise, ["address", "founded_on", "region"], [enterprise, other])
    enterprise.refresh_from_db()
    other.refresh_from_db()
    assert (enterprise.founded_on, enterprise.region_id, enterprise.address) == (
        dt.date(2020, 2, 29),
        other.region_id,
        "新地址",
    )
    assert (other.founded_on, other.address) == (None, "")
    assert bulk.update(Enterprise, ["address"], []) == 0


def test_dates_go_in_as_dates(personas: Personas) -> None:
    region = personas.ours.region
    ids = bulk.insert(
        Enterprise,
        ("name", "uscc", "region", "founded_on"),
        [("批量测试企业", "91320000000000001X", region.pk, dt.date(2020, 2, 29))],
    )
    assert Enterprise.objects.get(pk=ids[0]).founded_on == dt.date(2020, 2, 29)


def test_a_long_trail_is_written_as_it_goes_in_order(personas: Personas, monkeypatch) -> None:
    monkeypatch.setattr(bulk, "TRAIL_ROWS", 2)
    enterprise = personas.ours.enterprise
    trail = bulk.Trail(personas.chief, tag="t-long")
    for n in range(5):
        trail.add(AuditAction.UPDATE, enterprise, before={"n": n}, after={"n": n + 1})
    assert trail.written == 4 and len(trail.rows) == 1  # two writes of two while adding
    assert trail.write() == 1 and trail.written == 5
    lines = AuditLog.objects.filter(request_id="t-long").order_by("pk")
    assert [line.before["n"] for line in lines] == [0, 1, 2, 3, 4]


def test_among_finds_every_match_once_whatever_the_database(personas: Personas) -> None:
    codes = list(Enterprise.objects.values_list("uscc", flat=True)) + [f"nope{n}" for n in range(2000)]
    found = [e.uscc for qs in bulk.among(Enterprise.objects.all(), "uscc", codes) for e in qs]
    assert sorted(found) == sorted(Enterprise.objects.values_list("uscc", flat=True))
    ids = list(Enterprise.objects.values_list("pk", flat=True))
    linked = {
        pk
        for qs in bulk.among(Enterprise.chains.through.objects.all(), "enterprise_id", ids)
        for pk in qs.values_list("enterprise_id", flat=True)
    }
    assert linked == set(Enterprise.chains.through.objects.values_list("enterprise_id", flat=True))
    assert list(bulk.among(Enterprise.objects.all(), "uscc", [])) == []


def test_a_trails_lines_carry_the_clocks_time(personas: Personas) -> None:
    import time_machine

    from chaindesk.core import clock

    moment = clock.now() + dt.timedelta(days=3, hours=2)
    with time_machine.travel(moment, tick=False):
        trail = bulk.Trail(personas.chief, tag="t-clock")
        trail.created(personas.ours.enterprise)
        trail.write()
        assert AuditLog.objects.get(request_id="t-clock").created_at == clock.now() == moment


def test_a_value_repeated_across_rows_is_stored_in_each_and_the_next_one_too(personas: Personas) -> None:
    """`insert` converts a date or a decimal repeated by many rows once (one object), and every other value still."""
    enterprise = personas.ours.enterprise
    same, other = Decimal("12.50"), Decimal("7.25")
    revenues = [same, same, other, same, Decimal("12.50"), None, same]
    rows = [(enterprise.pk, 2101 + n, revenue) for n, revenue in enumerate(revenues)]
    ids = bulk.insert(Indicator, ("enterprise", "year", "revenue"), rows)
    stored = dict(Indicator.objects.filter(pk__in=ids).values_list("year", "revenue"))
    assert [stored[2101 + n] for n in range(len(revenues))] == revenues


def test_maker_builds_what_the_models_init_builds() -> None:
    from chaindesk.api.models import ApiToken
    from chaindesk.enterprises.models import Contact

    make = bulk.Maker(Contact)
    made = make(enterprise_id=7, name="张三", title="总经理", phone="13812341234")
    plain = Contact(enterprise_id=7, name="张三", title="总经理", phone="13812341234")
    assert {k: v for k, v in made.__dict__.items() if k != "_state"} == {
        k: v for k, v in plain.__dict__.items() if k != "_state"
    }
    assert made._state.adding and made._state.db is None and made.pk is None and made.is_primary is False
    assert made is not make(enterprise_id=7, name="张三") and made.__dict__ is not make(name="李四").__dict__
    assert make(name="李四").name == "李四" and made.name == "张三"  # no value leaks between instances
    made.clean_fields(exclude=["enterprise"])
    with pytest.raises(TypeError, match="enterprise"):
        make(enterprise=None)  # attribute names only: a relation goes by its id
    first, second = bulk.Maker(ApiToken)(), bulk.Maker(ApiToken)()  # scopes=dict: the model's own __init__
    assert first.scopes == {} and first.scopes is not second.scopes
