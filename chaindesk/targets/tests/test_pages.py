"""The pages of the annual targets: who opens which page (200/403), the 填报 form (a chain chief's save writes the
targets and their audit lines; bad figures answer 400 and write nothing; owners out of reach answer 403, unknown
ones 404), the ledger's figures and lights, the 最后赛段's lists, the lights' form, and the ledger's query count."""

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from chaindesk.accounts.models import User
from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.core.navigation import items_for
from chaindesk.targets import services
from chaindesk.targets.choices import Metric, Owner
from chaindesk.targets.models import LightRule, Target
from chaindesk.testkit.personas import Personas

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too

VIEWERS_200 = ("chief", "member", "district", "handler", "x_chief", "x_district", "x_handler")
REFUSED_403 = ("liaison", "ent_user", "sysadmin", "auditor", "x_liaison", "x_ent_user")


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _year() -> int:
    return clock.today().year


def _edit_url(owner: str, pk: int, year: int | None = None) -> str:
    return f"{reverse('targets:edit', args=[owner, pk])}?year={year or _year()}"


def _blank(owner: str) -> dict[str, str]:
    """The form as posted with every figure and note empty."""
    from chaindesk.targets.choices import metrics_for

    return {f"{prefix}_{m}": "" for m in metrics_for(owner) for prefix in ("value", "note")}


def _set(p: Personas, actor: User, owner: str, obj: Any, **values: str) -> None:
    services.targets_save(
        actor=actor,
        year=_year(),
        owner=owner,
        owner_obj=obj,
        values={metric: Decimal(v) for metric, v in values.items()},
    )


def _target_logs() -> Any:
    return AuditLog.objects.filter(content_type__model="target")


def _row(body: str, name: str) -> str:
    """One owner's row of the ledger (the demo city's targets may be on the page too)."""
    start = body.index(f'data-owner="{name}"')
    return body[start : body.index("</tr>", start)]


def _rule() -> tuple[Decimal, ...]:
    rule = LightRule.current()
    return (rule.yellow, rule.red, rule.rate_yellow, rule.rate_red)


# --- who opens what --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["targets:ledger", "targets:sprint", "targets:lights"])
@pytest.mark.parametrize("key", [*VIEWERS_200, *REFUSED_403, "anon"])
def test_pages_per_persona(personas: Personas, name: str, key: str) -> None:
    response = _client(personas.user(key)).get(reverse(name))
    expected = 302 if key == "anon" else 200 if key in VIEWERS_200 else 403
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("key", "status"),
    [
        ("chief", 200),
        ("member", 200),
        ("x_chief", 403),  # a city leader, but not on 测试甲链's team
        ("district", 403),
        ("handler", 403),
        ("liaison", 403),
        ("sysadmin", 403),
        ("anon", 302),
    ],
)
def test_chain_form_per_persona(personas: Personas, key: str, status: int) -> None:
    response = _client(personas.user(key)).get(_edit_url(Owner.CHAIN, personas.ours.chain.pk))
    assert response.status_code == status


def test_unknown_owner_is_404(personas: Personas) -> None:
    client = _client(personas.chief)
    assert client.get(reverse("targets:edit", args=["planet", personas.ours.chain.pk])).status_code == 404
    assert client.get(reverse("targets:edit", args=[Owner.CHAIN, 999_999_999])).status_code == 404
    assert client.get(reverse("targets:edit", args=[Owner.DEPARTMENT, 999_999_999])).status_code == 404


def test_nav_item_for_the_viewers() -> None:
    entry = next(item for item in items_for("team_member", "targets") if item["key"] == "targets")
    assert entry["url"] == reverse("targets:ledger") and entry["active"]
    assert all(item["key"] != "targets" for item in items_for("liaison", ""))


# --- the form --------------------------------------------------------------------------------------------


def test_chief_saves_through_the_form(personas: Personas) -> None:
    client, chain = _client(personas.chief), personas.ours.chain
    page = client.get(_edit_url(Owner.CHAIN, chain.pk))
    assert "清空即删除该项目标" in page.content.decode()
    data = {**_blank(Owner.CHAIN), "value_signed": "6", "value_investment": "5.2亿", "note_investment": "市定目标"}
    response = client.post(_edit_url(Owner.CHAIN, chain.pk), data)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('targets:ledger')}?year={_year()}")
    targets = {t.metric: t for t in Target.objects.filter(chain=chain, year=_year())}
    assert set(targets) == {Metric.SIGNED, Metric.INVESTMENT}
    assert targets[Metric.INVESTMENT].value == Decimal("52000.00") and targets[Metric.INVESTMENT].note == "市定目标"
    assert targets[Metric.SIGNED].updated_by == personas.chief
    created = _target_logs().filter(action=AuditAction.CREATE, actor=personas.chief)
    assert created.count() == 2
    ledger = client.get(response["Location"])
    assert "已保存：新增 2 项、修改 0 项、删除 0 项" in ledger.content.decode()

    # the form shows what is stored; clearing one figure removes it, changing the other updates it
    form = client.get(_edit_url(Owner.CHAIN, chain.pk)).content.decode()
    assert 'value="52000"' in form and 'value="6"' in form
    data.update(value_signed="", value_investment="60000")
    response = client.post(_edit_url(Owner.CHAIN, chain.pk), data, follow=True)
    assert "已保存：新增 0 项、修改 1 项、删除 1 项" in response.content.decode()
    assert list(Target.objects.filter(chain=chain).values_list("metric", "value")) == [
        (Metric.INVESTMENT, Decimal("60000.00"))
    ]
    response = client.post(_edit_url(Owner.CHAIN, chain.pk), data, follow=True)
    assert "没有改动" in response.content.decode()


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("value_signed", "-3", "目标值须为不小于 0 的数值"),
        ("value_investment", "-5", "目标值须为不小于 0 的数值"),
        ("value_closure_rate", "120", "比率类目标须在 0 到 100 之间"),
        ("value_signed", "2.5", "个数须为整数"),
        ("value_investment", "许多", "无法识别金额"),
    ],
)
def test_bad_figure_is_400_and_writes_nothing(personas: Personas, field: str, typed: str, message: str) -> None:
    before = _target_logs().count()
    data = {**_blank(Owner.CHAIN), "value_completed": "4", field: typed}
    response = _client(personas.chief).post(_edit_url(Owner.CHAIN, personas.ours.chain.pk), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and f'value="{typed}"' in body  # beside the field, and what was typed is kept
    assert 'data-testid="form-errors"' in body
    assert not Target.objects.filter(chain=personas.ours.chain).exists()
    assert _target_logs().count() == before


def test_x_chief_cannot_set_our_chain(personas: Personas) -> None:
    data = {**_blank(Owner.CHAIN), "value_signed": "5"}
    response = _client(personas.x_chief).post(_edit_url(Owner.CHAIN, personas.ours.chain.pk), data)
    assert response.status_code == 403
    assert not Target.objects.filter(chain=personas.ours.chain).exists()


def test_district_admin_sets_their_district_only(personas: Personas) -> None:
    client = _client(personas.district)
    ours, theirs = personas.ours.region, personas.theirs.region
    assert client.get(_edit_url(Owner.REGION, ours.pk)).status_code == 200
    data = {**_blank(Owner.REGION), "value_new_scale": "8"}
    assert client.post(_edit_url(Owner.REGION, ours.pk), data).status_code == 302
    assert Target.objects.get(region=ours).value == Decimal("8")
    assert client.get(_edit_url(Owner.REGION, theirs.pk)).status_code == 403
    assert client.post(_edit_url(Owner.REGION, theirs.pk), data).status_code == 403
    assert not Target.objects.filter(region=theirs).exists()
    assert client.get(_edit_url(Owner.CHAIN, personas.ours.chain.pk)).status_code == 403


def test_handler_sets_their_department(personas: Personas) -> None:
    client = _client(personas.handler)
    department = personas.ours.department
    form = client.get(_edit_url(Owner.DEPARTMENT, department.pk)).content.decode()
    assert 'name="value_closure_rate"' in form and 'name="value_signed"' not in form  # a department's metrics
    data = {**_blank(Owner.DEPARTMENT), "value_closure_rate": "95%"}
    assert client.post(_edit_url(Owner.DEPARTMENT, department.pk), data).status_code == 302
    assert Target.objects.get(department=department).value == Decimal("95")
    assert client.get(_edit_url(Owner.DEPARTMENT, personas.theirs.department.pk)).status_code == 403


# --- the ledger and the sprint ---------------------------------------------------------------------------


def test_empty_ledger_says_why_and_offers_the_form(personas: Personas) -> None:
    body = _client(personas.handler).get(reverse("targets:ledger")).content.decode()  # reads 测试甲局's only
    assert 'data-testid="targets-empty"' in body and "尚未填报年度目标" in body
    assert _edit_url(Owner.DEPARTMENT, personas.ours.department.pk) in body.replace("&amp;", "&")  # the 填报 menu
    assert "序时进度" in body and "红灯" in body  # the basis is stated even before any target
    later = _client(personas.chief).get(reverse("targets:ledger"), {"year": _year() + 1}).content.decode()
    assert "尚未填报年度目标" in later
    assert _edit_url(Owner.CHAIN, personas.ours.chain.pk, _year() + 1) in later.replace("&amp;", "&")


def test_ledger_shows_actual_light_and_thresholds(personas: Personas) -> None:
    chain = personas.ours.chain
    # our project reports 600 万元 this month; our demand is accepted, not closed (办结率 0 of 1)
    _set(personas, personas.chief, Owner.CHAIN, chain, investment="1000", closure_rate="90")
    response = _client(personas.member).get(reverse("targets:ledger"), {"year": _year()})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="targets-table-chain"' in body and "测试甲链" in body
    row = _row(body, "测试甲链")
    assert "600.00 万元" in row and "1,000.00 万元" in row and "60.0%" in row
    assert 'data-light="red"' in row and "0 / 1 件" in row  # the rate: 0% against 90%, far beyond 5 points
    rule = LightRule.current()
    assert f"累计类目标落后序时进度不足 {rule.yellow:.0f} 个百分点" in body
    assert f"累计类落后超过 {rule.red:.0f} 个百分点" in body
    assert 'data-testid="targets-edit"' in row  # the member may set the chain's targets


def test_ledger_tab_and_htmx_fragment(personas: Personas) -> None:
    _set(personas, personas.chief, Owner.CHAIN, personas.ours.chain, signed="3")
    _set(personas, personas.chief, Owner.REGION, personas.city, signed="30")
    client = _client(personas.chief)
    regions = client.get(reverse("targets:ledger"), {"owner": Owner.REGION}).content.decode()
    assert 'data-owner="测试市"' in regions and 'data-testid="targets-table-chain"' not in regions
    fragment = client.get(reverse("targets:ledger"), {"owner": Owner.CHAIN}, headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert "<html" not in text and 'id="targets-ledger"' in text and 'data-testid="targets-table-chain"' in text


def test_handler_reads_only_their_department(personas: Personas) -> None:
    _set(personas, personas.chief, Owner.DEPARTMENT, personas.ours.department, closure_rate="90")
    _set(personas, personas.chief, Owner.DEPARTMENT, personas.theirs.department, closure_rate="80")
    _set(personas, personas.chief, Owner.CHAIN, personas.ours.chain, signed="3")
    body = _client(personas.handler).get(reverse("targets:ledger")).content.decode()
    assert 'data-owner="测试甲局"' in body and 'data-owner="测试乙局"' not in body and "测试甲链" not in body


def test_sprint_lists_the_targets_behind(personas: Personas) -> None:
    chain = personas.ours.chain
    # thresholds low enough that any target far from done is red on any day of the year but 1 January
    services.light_rule_save(
        actor=personas.chief, yellow=Decimal("0"), red=Decimal("0.5"), rate_yellow=Decimal("2"), rate_red=Decimal("5")
    )
    _set(personas, personas.chief, Owner.CHAIN, chain, investment="1000000", closure_rate="90")
    response = _client(personas.chief).get(reverse("targets:sprint"))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('data-testid="sprint-behind-row"') >= 1  # 办结率 is red whatever the day
    assert "诉求办结率" in body and "完成投资" in body and "测试甲链" in body
    assert 'data-testid="sprint-gap-row"' in body and "99.94 亿元" in body  # the gap: 100 亿元 − 600 万元
    assert 'data-testid="sprint-who-item"' in body and "个单位有目标亮红灯" in body
    who = body[body.index('data-testid="sprint-who"') : body.index('data-testid="sprint-behind"')]
    assert "测试甲链" in who


def test_sprint_without_targets(personas: Personas) -> None:
    body = _client(personas.district).get(reverse("targets:sprint")).content.decode()
    assert "尚未填报年度目标" in body and 'data-testid="sprint-days"' in body


def test_ledger_query_count(personas: Personas, django_assert_max_num_queries: Any) -> None:
    """The ledger reads in a bounded number of queries whatever the number of owners and targets (the demo city's
    are on the page too): session and user (2), the reader's chains (1), the targets and the rule (2), at most one
    grouped query per family of metrics and kind of owner plus the region tree (13), the years (1) and the 填报
    menu (3): 22 at most, 20 here."""
    for region in (personas.city, personas.ours.region, personas.theirs.region):
        _set(personas, personas.chief, Owner.REGION, region, signed="3", investment="100", closure_rate="90")
    for chain in (personas.ours.chain,):
        _set(personas, personas.chief, Owner.CHAIN, chain, started="2", new_scale="1", upward_obtained="50")
    for department in (personas.ours.department, personas.theirs.department):
        _set(personas, personas.chief, Owner.DEPARTMENT, department, satisfaction_rate="95", upward_obtained="10")
    client = _client(personas.chief)
    client.get(reverse("targets:ledger"))  # warm the session and the calendar
    with django_assert_max_num_queries(22):
        response = client.get(reverse("targets:ledger"))
    body = response.content.decode()
    assert response.status_code == 200
    for name in ("测试市", "测试甲区", "测试乙区", "测试甲链", "测试甲局", "测试乙局"):
        assert f'data-owner="{name}"' in body


# --- the lights ------------------------------------------------------------------------------------------


def test_lights_form_for_city_leaders_only(personas: Personas) -> None:
    member = _client(personas.member)
    page = member.get(reverse("targets:lights")).content.decode()
    assert 'data-testid="lights-current"' in page and 'data-testid="lights-form"' not in page
    data = {"yellow": "5", "red": "20", "rate_yellow": "1", "rate_red": "3"}
    before = _rule()
    assert member.post(reverse("targets:lights"), data).status_code == 403
    assert _rule() == before

    chief = _client(personas.chief)
    assert 'data-testid="lights-form"' in chief.get(reverse("targets:lights")).content.decode()
    response = chief.post(reverse("targets:lights"), data)
    assert response.status_code == 302
    rule = LightRule.current()
    assert (rule.yellow, rule.red, rule.rate_yellow, rule.rate_red) == (5, 20, 1, 3)
    assert AuditLog.objects.filter(content_type__model="lightrule", actor=personas.chief).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"yellow": "20", "red": "20", "rate_yellow": "2", "rate_red": "5"}, "红灯阈值须大于黄灯阈值"),
        ({"yellow": "10", "red": "30", "rate_yellow": "6", "rate_red": "5"}, "红灯阈值须大于黄灯阈值"),
        ({"yellow": "10", "red": "130", "rate_yellow": "2", "rate_red": "5"}, "阈值须在 0 到 100 个百分点之间"),
        ({"yellow": "", "red": "30", "rate_yellow": "2", "rate_red": "5"}, "请填写阈值"),
    ],
)
def test_lights_form_refusals(personas: Personas, data: dict[str, str], message: str) -> None:
    before = _rule()
    response = _client(personas.chief).post(reverse("targets:lights"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _rule() == before
