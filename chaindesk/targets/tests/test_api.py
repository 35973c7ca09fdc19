"""The 年度目标 API (chaindesk/targets/api.py) on the fixed personas: the ledger's list for each reader (the targets
`Target.objects.visible_to` lets them see, with the progress the ledger measures, paged by cursor), one owner's row
set through PUT (created, changed, removed, each with its audit line; refusals 403/404/422 with the Chinese
messages, nothing written), and the lights' thresholds (read by every reader of the ledger, changed by city
leaders). Callers sign in (the session) or carry an API token (chaindesk/api/auth.py).

The world has no targets: each test sets them through the service, for 测试甲链 (ours, `p_chief` and `p_member`'s)
and 测试乙链 (theirs, `p_x_chief`'s), 测试甲区 and 测试乙区 (their district administrators'), 测试甲局 and 测试乙局
(their handlers'). The demo city's targets may be in the database too: lists are checked by the ids set here."""

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chaindesk.accounts.models import User
from chaindesk.api import services as api_services
from chaindesk.api.tests.test_problem_json import assert_problem
from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.projects.tests.factories import login
from chaindesk.targets import services
from chaindesk.targets.choices import Owner
from chaindesk.targets.models import LightRule, Target
from chaindesk.targets.selectors import ledger
from chaindesk.testkit.personas import Personas

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # progress is measured as of today

LIST = "/api/targets/"
LIGHTS = "/api/targets/lights"


def _year() -> int:
    return clock.today().year


def url(owner: str, owner_id: int, year: int | None = None) -> str:
    return f"/api/targets/{owner}/{owner_id}/{year or _year()}"


def _put(client: Client, path: str, payload: dict[str, Any]) -> Any:
    return client.put(path, data=json.dumps(payload, default=str), content_type="application/json")


def _set(actor: User, owner: str, obj: Any, **values: str) -> list[Target]:
    services.targets_save(
        actor=actor, year=_year(), owner=owner, owner_obj=obj, values={m: Decimal(v) for m, v in values.items()}
    )
    return list(Target.objects.filter(year=_year(), owner=owner, **{owner: obj}).order_by("pk"))


def _lines(action: str) -> Any:
    return AuditLog.objects.filter(content_type=ContentType.objects.get_for_model(Target), action=action)


def _walk(client: Client, **query: Any) -> list[dict[str, Any]]:
    """Every item of the list, two a page, following `next`."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {**query, "limit": 2, **({"cursor": cursor} if cursor else {})}
        response = client.get(LIST, params)
        assert response.status_code == 200, response.content
        body = response.json()
        items += body["items"]
        cursor = body["next"]
        if cursor is None:
            assert len(items) == body["count"]
            return items


@pytest.fixture
def world(personas: Personas) -> dict[str, list[Target]]:
    """One closure-rate target each for the six owners (every kind may have it), plus our chain's 新签约项目."""
    p = personas
    return {
        "ours_chain": _set(p.chief, Owner.CHAIN, p.ours.chain, closure_rate="90", signed="4"),
        "theirs_chain": _set(p.x_chief, Owner.CHAIN, p.theirs.chain, closure_rate="90"),
        "ours_region": _set(p.district, Owner.REGION, p.ours.region, closure_rate="90"),
        "theirs_region": _set(p.x_district, Owner.REGION, p.theirs.region, closure_rate="90"),
        "ours_department": _set(p.handler, Owner.DEPARTMENT, p.ours.department, closure_rate="90"),
        "theirs_department": _set(p.x_handler, Owner.DEPARTMENT, p.theirs.department, closure_rate="90"),
    }


# --- the list --------------------------------------------------------------------------------------------


def test_anonymous_is_refused(client: Client) -> None:
    assert_problem(client.get(LIST), 401)
    assert_problem(client.get(LIGHTS), 401)


# Which of the world's owners each reader sees (BRIEF.md's scope table; Target.scope_paths).
SEES = {
    "chief": {"ours_chain", "ours_region", "theirs_region", "ours_department", "theirs_department"},
    "member": {"ours_chain", "ours_region", "theirs_region", "ours_department", "theirs_department"},
    "x_chief": {"theirs_chain", "ours_region", "theirs_region", "ours_department", "theirs_department"},
    "district": {"ours_region"},
    "x_district": {"theirs_region"},
    "handler": {"ours_department"},
    "x_handler": {"theirs_department"},
}


@pytest.mark.parametrize("key", sorted(SEES))
def test_each_reader_lists_the_targets_they_may_see(personas: Personas, world: dict, key: str) -> None:
    listed = {item["id"] for item in _walk(login(getattr(personas, key)))}
    for name, targets in world.items():
        assert ({t.pk for t in targets} <= listed) is (name in SEES[key]), name
        assert not ({t.pk for t in targets} & listed) or name in SEES[key], name


@pytest.mark.parametrize("key", ["liaison", "ent_user", "sysadmin", "auditor", "x_liaison", "x_ent_user"])
def test_roles_without_the_targets_pages_are_refused(personas: Personas, key: str) -> None:
    client = login(getattr(personas, key))
    assert_problem(client.get(LIST), 403)
    assert_problem(client.get(LIGHTS), 403)


def test_each_item_carries_the_progress_the_ledger_measures(personas: Personas, world: dict) -> None:
    p = personas
    book = ledger(p.chief, year=_year(), today=clock.today(), owner=Owner.CHAIN)
    row = next(r for r in book.sections[Owner.CHAIN] if r.owner_id == p.ours.chain.pk)
    items = {i["metric"]: i for i in _walk(login(p.chief), owner="chain") if i["owner_id"] == p.ours.chain.pk}
    assert list(items) == list(row.cells)  # the ledger's columns: 新签约项目 before 诉求办结率
    signed, rate = items["signed"], items["closure_rate"]
    cell = row.cells["signed"]
    assert (signed["owner"], signed["owner_name"], signed["metric_label"], signed["unit"]) == (
        "chain",
        "测试甲链",
        "新签约项目",
        "个",
    )
    assert Decimal(signed["value"]) == 4 and signed["is_rate"] is False and signed["may_set"] is True
    assert Decimal(signed["actual"]) == cell.actual.value and Decimal(signed["elapsed"]) == cell.elapsed
    assert Decimal(signed["done"]) == cell.done and Decimal(signed["behind"]) == cell.behind
    assert signed["light"] == cell.light and signed["light_label"] in {"绿灯", "黄灯", "红灯", "暂无数据"}
    assert signed["pace"] is not None and Decimal(signed["pace"]["gap"]) == cell.pace.gap  # type: ignore[union-attr]
    measured = row.cells["closure_rate"].actual
    assert rate["is_rate"] is True and rate["elapsed"] is None and rate["done"] is None and rate["pace"] is None
    assert (rate["numerator"], rate["denominator"]) == (measured.numerator, measured.denominator)
    assert rate["unit"] == "%" and rate["light"] == row.cells["closure_rate"].light


def test_the_filters_and_the_cursor(personas: Personas, world: dict) -> None:
    client = login(personas.chief)
    owners = {item["owner"] for item in _walk(client, owner="department")}
    assert owners == {"department"}
    assert all(item["year"] == _year() + 1 for item in _walk(client, year=_year() + 1))
    assert {t.pk for t in world["ours_chain"]} <= {item["id"] for item in _walk(client, year=_year())}
    first = client.get(LIST, {"limit": 1}).json()
    assert len(first["items"]) == 1 and first["next"]
    foreign = assert_problem(client.get(LIST, {"limit": 1, "owner": "chain", "cursor": first["next"]}), 422)
    assert foreign["errors"][0]["field"] == "cursor"
    assert_problem(client.get(LIST, {"year": 1999}), 422)
    assert_problem(client.get(LIST, {"owner": "enterprise"}), 422)


def test_a_target_set_between_two_pages_moves_no_other(personas: Personas, world: dict) -> None:
    client = login(personas.chief)
    before = [item["id"] for item in _walk(client)]
    first = client.get(LIST, {"limit": 3}).json()
    [added] = [t for t in _set(personas.chief, Owner.REGION, personas.city, signed="10") if t.metric == "signed"]
    rest = _walk_from(client, first["next"])
    seen = [item["id"] for item in first["items"]] + [item["id"] for item in rest]
    assert [pk for pk in seen if pk != added.pk] == before  # nothing repeated, nothing hidden, the order kept


def _walk_from(client: Client, cursor: str | None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while cursor:
        body = client.get(LIST, {"limit": "3", "cursor": cursor}).json()
        items += body["items"]
        cursor = body["next"]
    return items


def test_the_query_count_does_not_grow_with_the_targets(personas: Personas, world: dict) -> None:
    client = login(personas.chief)
    client.get(LIST)  # the session's first request writes its last-seen time

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        return len(queries.captured_queries)

    before = count()  # one grouped query per family of metrics and kind of owner (chaindesk/targets/actuals.py)
    _set(personas.chief, Owner.CHAIN, personas.ours.chain, started="5", completed="3", production="2")
    _set(personas.chief, Owner.DEPARTMENT, personas.ours.department, satisfaction_rate="95")
    _set(personas.chief, Owner.REGION, personas.city, closure_rate="95", satisfaction_rate="95")
    assert count() == before


# --- setting one owner's row -----------------------------------------------------------------------------


def test_put_creates_changes_and_removes_with_audit(personas: Personas) -> None:
    p = personas
    client = login(p.member)  # 测试甲链's team member
    path = url("chain", p.ours.chain.pk)
    created = _put(client, path, {"values": {"signed": 5, "investment": "12000.5"}, "notes": {"signed": "市定目标"}})
    assert created.status_code == 200, created.content
    body = created.json()
    assert (body["created"], body["changed"], body["removed"]) == (2, 0, 0)
    assert [(t["metric"], Decimal(t["value"]), t["note"]) for t in body["targets"]] == [
        ("signed", 5, "市定目标"),
        ("investment", Decimal("12000.5"), ""),
    ]
    assert _lines(AuditAction.CREATE).filter(actor=p.member).count() == 2
    changed = _put(client, path, {"values": {"signed": 6, "investment": None}, "notes": {"signed": "市定目标"}}).json()
    assert (changed["created"], changed["changed"], changed["removed"]) == (0, 1, 1)
    assert [(t["metric"], Decimal(t["value"])) for t in changed["targets"]] == [("signed", 6)]
    assert _lines(AuditAction.UPDATE).filter(actor=p.member).exists()
    assert _lines(AuditAction.DELETE).filter(actor=p.member).exists()
    again = _put(client, path, {"values": {"signed": 6}, "notes": {"signed": "市定目标"}}).json()
    assert (again["created"], again["changed"], again["removed"]) == (0, 0, 0)  # a PUT sent twice changes nothing
    target = Target.objects.get(year=_year(), owner="chain", chain=p.ours.chain)
    assert (target.metric, target.value, target.updated_by) == ("signed", 6, p.member)


def test_a_city_leader_sets_a_district_and_a_handler_their_department(personas: Personas) -> None:
    p = personas
    region = _put(login(p.chief), url("region", p.theirs.region.pk), {"values": {"new_scale": 3}})
    assert region.status_code == 200 and region.json()["targets"][0]["owner_name"] == p.theirs.region.name
    department = _put(login(p.handler), url("department", p.ours.department.pk), {"values": {"closure_rate": 95}})
    assert department.status_code == 200 and department.json()["targets"][0]["is_rate"] is True


@pytest.mark.parametrize(
    ("values", "notes", "field", "message"),
    [
        ({"closure_rate": 101}, {}, "values.closure_rate", "比率类目标须在 0 到 100 之间（单位：%）。"),
        ({"signed": 3}, {}, "values.signed", "“部门”没有“新签约项目”这项目标。"),
        ({"upward_obtained": -1}, {}, "values.upward_obtained", "目标值须为不小于 0 的数值。"),
        ({"upward_obtained": "1.234"}, {}, "values.upward_obtained", "目标值最多保留两位小数。"),
        ({"closure_rate": 90}, {"satisfaction_rate": "说明"}, "notes.satisfaction_rate", "说明须随该指标的目标值"),
    ],
    ids=["rate-above-100", "inapplicable", "negative", "three-decimals", "note-alone"],
)
def test_bad_figures_are_422_in_chinese_keyed_by_metric(
    personas: Personas, values: dict, notes: dict, field: str, message: str
) -> None:
    p = personas
    response = _put(login(p.handler), url("department", p.ours.department.pk), {"values": values, "notes": notes})
    body = assert_problem(response, 422)
    assert any(e["field"] == field and message in e["detail"] for e in body["errors"]), body
    assert not Target.objects.filter(department=p.ours.department).exists()


def test_a_count_is_a_whole_number_as_on_the_page(personas: Personas) -> None:
    p = personas
    body = assert_problem(_put(login(p.chief), url("chain", p.ours.chain.pk), {"values": {"signed": 2.5}}), 422)
    assert body["errors"] == [{"field": "values.signed", "detail": "个数须为整数。"}]
    amount = _put(login(p.chief), url("chain", p.ours.chain.pk), {"values": {"signed_amount": 2.5}})
    assert amount.status_code == 200  # an amount in 万元 may have decimals


def test_the_year_must_be_one_the_ledger_has(personas: Personas) -> None:
    response = _put(login(personas.chief), url("chain", personas.ours.chain.pk, 1999), {"values": {"signed": 1}})
    assert any(e["field"] == "year" for e in assert_problem(response, 422)["errors"])


@pytest.mark.parametrize(
    ("key", "owner", "side", "message"),
    [
        ("x_chief", "chain", "ours", "只能填报您所在产业链的年度目标。"),
        ("district", "chain", "ours", "只能填报您所在产业链的年度目标。"),  # reads the ledger, sets no chain
        ("x_district", "region", "ours", "只能填报您所辖地区的年度目标。"),
        ("x_handler", "department", "ours", "只能填报本部门的年度目标。"),
    ],
)
def test_an_owner_out_of_reach_is_403_and_writes_nothing(
    personas: Personas, key: str, owner: str, side: str, message: str
) -> None:
    p = personas
    obj = getattr(getattr(p, side), owner)
    response = _put(login(getattr(p, key)), url(owner, obj.pk), {"values": {"closure_rate": 90}})
    assert assert_problem(response, 403)["detail"] == message
    assert not Target.objects.filter(**{owner: obj}).exists()


def test_roles_without_the_page_and_missing_owners(personas: Personas) -> None:
    p = personas
    for key in ("liaison", "ent_user", "sysadmin"):
        assert_problem(_put(login(getattr(p, key)), url("chain", p.ours.chain.pk), {"values": {}}), 403)
    assert_problem(_put(login(p.chief), url("chain", 987654321), {"values": {}}), 404)
    assert_problem(_put(login(p.chief), url("enterprise", p.ours.enterprise.pk), {"values": {}}), 422)
    assert_problem(_put(login(p.chief), url("chain", p.ours.chain.pk), {"values": {"nonsense": 1}}), 422)


def test_a_token_sets_targets_as_its_user_and_a_read_only_one_may_not(personas: Personas) -> None:
    p = personas
    expires = clock.now() + dt.timedelta(days=30)
    _token, secret = api_services.token_create(
        actor=p.sysadmin, user=p.chief, name="目标填报接口", scopes={"targets": "write"}, expires_at=expires
    )
    bearer = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {secret}"})
    response = _put(bearer, url("chain", p.ours.chain.pk), {"values": {"started": 2}})
    assert response.status_code == 200, response.content
    assert _lines(AuditAction.CREATE).filter(actor=p.chief).exists()
    assert AuditLog.objects.filter(action=AuditAction.API_CALL, actor_name="令牌·目标填报接口").exists()
    _token, reader = api_services.token_create(
        actor=p.sysadmin, user=p.chief, name="目标只读接口", scopes={"targets": "read"}, expires_at=expires
    )
    read_only = Client(headers={"Authorization": f"Bearer {reader}"})
    assert read_only.get(LIST).status_code == 200
    assert_problem(_put(read_only, url("chain", p.ours.chain.pk), {"values": {"started": 3}}), 403)
    assert Target.objects.get(chain=p.ours.chain, metric="started").value == 2


# --- the lights ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["chief", "member", "district", "handler", "x_chief"])
def test_every_reader_of_the_ledger_reads_the_thresholds(personas: Personas, key: str) -> None:
    body = login(getattr(personas, key)).get(LIGHTS).json()
    rule = LightRule.current()
    assert [Decimal(body[k]) for k in ("yellow", "red", "rate_yellow", "rate_red")] == [
        rule.yellow,
        rule.red,
        rule.rate_yellow,
        rule.rate_red,
    ]
    assert body["may_edit"] is (key in ("chief", "x_chief"))


def test_a_city_leader_changes_the_thresholds(personas: Personas) -> None:
    p = personas
    payload = {"yellow": 5, "red": 20, "rate_yellow": "1.5", "rate_red": 4}
    response = _put(login(p.chief), LIGHTS, payload)
    assert response.status_code == 200, response.content
    body = response.json()
    assert Decimal(body["rate_yellow"]) == Decimal("1.5") and body["updated_by"] == p.chief.display_name
    rule = LightRule.current()
    assert (rule.yellow, rule.red, rule.rate_yellow, rule.rate_red) == (5, 20, Decimal("1.5"), 4)
    lines = AuditLog.objects.filter(content_type=ContentType.objects.get_for_model(LightRule), actor=p.chief)
    assert lines.exists()
    assert Decimal(login(p.handler).get(LIGHTS).json()["red"]) == 20


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"yellow": 30, "red": 10, "rate_yellow": 2, "rate_red": 5}, "red", "红灯阈值须大于黄灯阈值。"),
        ({"yellow": 10, "red": 130, "rate_yellow": 2, "rate_red": 5}, "red", "阈值须在 0 到 100 个百分点之间。"),
        ({"yellow": "10.25", "red": 30, "rate_yellow": 2, "rate_red": 5}, "yellow", "1 位"),
    ],
    ids=["red-below-yellow", "above-100", "two-decimals"],
)
def test_bad_thresholds_are_422_and_change_nothing(personas: Personas, payload: dict, field: str, message: str) -> None:
    before = LightRule.current()
    body = assert_problem(_put(login(personas.chief), LIGHTS, payload), 422)
    assert any(e["field"] == field and message in e["detail"] for e in body["errors"]), body
    after = LightRule.current()
    assert (after.yellow, after.red) == (before.yellow, before.red)


@pytest.mark.parametrize("key", ["member", "district", "handler", "liaison", "ent_user"])
def test_only_city_leaders_change_the_thresholds(personas: Personas, key: str) -> None:
    payload = {"yellow": 5, "red": 20, "rate_yellow": 1, "rate_red": 4}
    body = assert_problem(_put(login(getattr(personas, key)), LIGHTS, payload), 403)
    if key in ("member", "district", "handler"):
        assert body["detail"] == "只有市领导可以修改红黄绿灯阈值。"
    assert not LightRule.objects.filter(pk=1, yellow=5).exists()
