"""The virtuous cycle on hand-built data: an enterprise's own investment → its follow-ons → the supporting
firms it attracted, with amounts and visibility; a chain's counts and amounts per step; a talent's projects."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from chaindesk.accounts.models import Region
from chaindesk.chains.models import Chain, TeamMember
from chaindesk.enterprises import services as enterprise_services
from chaindesk.enterprises.models import Enterprise
from chaindesk.enterprises.tests.factories import biomed_tree, valid_uscc
from chaindesk.network.models import Talent
from chaindesk.projects import selectors_progress as sp
from chaindesk.projects import services
from chaindesk.projects.choices import ProjectKind, ProjectStage
from chaindesk.projects.models import Project

pytestmark = pytest.mark.clock  # depends on today: CI runs it under other clocks too

SIGNED_ON = dt.date(2026, 3, 2)


def _enterprise(actor: Any, name: str) -> Enterprise:
    return enterprise_services.enterprise_create(
        actor=actor,
        name=name,
        uscc=valid_uscc(),
        region=Region.objects.get(code="321281"),
        nodes=[biomed_tree()["chem"]],
    )


def _sign(project: Project, actor: Any) -> Project:
    return services.project_transition(project=project, to_stage=ProjectStage.SIGNED, on=SIGNED_ON, actor=actor)


@pytest.fixture
def cycle(persona: Any) -> dict[str, Any]:
    """A (博生-like) signs 52,000, expands by 5,000, brings B's 3,000 (在谈) and an outside investor's 800.50
    on another chain; a talent brings a 1,200.25 project; one more credited project is terminated."""
    chief, equip_chief = persona("jiangdd"), persona("lead_equip")
    biomed = Chain.objects.get(code="biomed")
    equip = Chain.objects.get(pk=TeamMember.objects.filter(user=equip_chief).values("chain_id")[:1])
    xinghua = Region.objects.get(code="321281")
    a, b = _enterprise(chief, "循环测试甲公司"), _enterprise(chief, "循环测试乙公司")
    talent = Talent.objects.create(name="测试能人", city="上海", organisation="某研究院", keeper=chief)
    before = {s.key: s for s in sp.chain_cycle(biomed, chief)}

    def create(actor: Any, name: str, chain: Chain = biomed, **fields: Any) -> Project:
        return services.project_create(actor=actor, name=name, chain=chain, region=xinghua, **fields)

    own = _sign(create(chief, "循环甲一期", enterprise=a, planned_investment=Decimal("52000")), chief)
    services.investment_report(
        project=own, month=dt.date(2026, 10, 1), amount=Decimal("1000.10"), actor=chief, reported_on=SIGNED_ON
    )
    services.investment_report(
        project=own, month=dt.date(2025, 12, 1), amount=Decimal("99.90"), actor=chief, reported_on=SIGNED_ON
    )
    follow = create(
        chief,
        "循环甲二期增资扩产",
        enterprise=a,
        planned_investment=Decimal("5000"),
        kind=ProjectKind.EXPANSION,
        follow_on_of=own,
    )
    follow = _sign(follow, chief)
    supporting = create(
        chief,
        "乙配套项目",
        enterprise=b,
        planned_investment=Decimal("3000"),
        kind=ProjectKind.SUPPORTING,
        credited_enterprise=a,
    )
    elsewhere = _sign(
        create(
            equip_chief,
            "外地配套项目",
            chain=equip,
            investor_name="外地投资方",
            planned_investment=Decimal("800.50"),
            kind=ProjectKind.SUPPORTING,
            credited_enterprise=a,
        ),
        equip_chief,
    )
    by_talent = _sign(
        create(
            chief,
            "能人引荐项目",
            investor_name="沪上投资方",
            planned_investment=Decimal("1200.25"),
            credited_talent=talent,
        ),
        chief,
    )
    dropped = create(
        chief, "已终止引荐项目", investor_name="某方", planned_investment=Decimal("9"), credited_enterprise=a
    )
    services.project_transition(
        project=dropped, to_stage=ProjectStage.TERMINATED, on=SIGNED_ON, actor=chief, reason="投资方撤回"
    )
    return {
        "a": a,
        "b": b,
        "talent": talent,
        "biomed": biomed,
        "before": before,
        "own": own,
        "follow": follow,
        "supporting": supporting,
        "elsewhere": elsewhere,
        "by_talent": by_talent,
    }


def test_enterprise_cycle_for_the_chain_chief(cycle: dict[str, Any], persona: Any) -> None:
    result = sp.enterprise_cycle(cycle["a"], persona("jiangdd"), today=dt.date(2026, 11, 25))
    assert [p.name for p in result.own.projects] == ["循环甲一期"]
    assert result.own.amount == Decimal("52000")
    assert result.own.done == Decimal("1100.00")  # every month ever reported
    assert result.own.projects[0].done_ytd == Decimal("1000.10")  # this year only
    assert [p.name for p in result.follow_ons.projects] == ["循环甲二期增资扩产"]
    assert result.follow_ons.amount == Decimal("5000")
    # The terminated one still counts as brought; the other chain's project is outside 姜's scope.
    assert {p.name for p in result.supporting.projects} == {"乙配套项目", "已终止引荐项目"}
    assert result.supporting.amount == Decimal("3009")
    assert result.supporting.hidden == 1
    assert result.amount == Decimal("60009")
    assert result.count == 4 and result.hidden == 1
    assert [p.name for p in result.projects] == ["循环甲一期", "循环甲二期增资扩产"]
    for step in result.steps:
        assert isinstance(step.amount, Decimal)


def test_enterprise_cycle_out_of_scope_sees_only_its_own(cycle: dict[str, Any], persona: Any) -> None:
    result = sp.enterprise_cycle(cycle["a"], persona("lead_equip"), today=dt.date(2026, 11, 25))
    assert result.own.projects == [] and result.own.hidden == 1
    assert result.follow_ons.hidden == 1
    assert [p.name for p in result.supporting.projects] == ["外地配套项目"]
    assert result.supporting.amount == Decimal("800.50")
    assert result.supporting.hidden == 2
    nobody = sp.enterprise_cycle(cycle["a"], persona("chenjing"))
    assert nobody.count == 0 and nobody.hidden == 5


def test_enterprise_cycle_one_query(cycle: dict[str, Any], persona: Any, django_assert_num_queries: Any) -> None:
    chief = persona("jiangdd")
    with django_assert_num_queries(1):
        result = sp.enterprise_cycle(cycle["a"], chief, today=dt.date(2026, 11, 25))
        _ = [(p.chain.name, p.region.name, p.enterprise, p.follow_on_of) for s in result.steps for p in s.projects]


def test_chain_cycle_counts_and_amounts(cycle: dict[str, Any], persona: Any, django_assert_num_queries: Any) -> None:
    before = cycle["before"]
    chief = persona("jiangdd")
    with django_assert_num_queries(1):
        after = {s.key: s for s in sp.chain_cycle(cycle["biomed"], chief)}
    assert list(after) == ["signed", "follow_ons", "supporting", "talents"]

    def delta(key: str) -> tuple[int, Decimal, int, Decimal]:
        a, b = after[key], before[key]
        return (
            a.n_landed - b.n_landed,
            a.amount_landed - b.amount_landed,
            a.n_negotiating - b.n_negotiating,
            a.amount_negotiating - b.amount_negotiating,
        )

    # Landed on 生物医药: 一期 52,000 + 二期 5,000 + 能人 1,200.25; in talks: 乙配套 3,000; 终止 counts nowhere.
    assert delta("signed") == (3, Decimal("58200.25"), 1, Decimal("3000"))
    assert delta("follow_ons") == (1, Decimal("5000"), 0, Decimal("0"))
    assert delta("supporting") == (0, Decimal("0"), 1, Decimal("3000"))
    assert delta("talents") == (1, Decimal("1200.25"), 0, Decimal("0"))
    assert all(s.label and s.description for s in after.values())


def test_chain_cycle_counts_only_the_projects_the_reader_may_see(cycle: dict[str, Any], persona: Any) -> None:
    """A liaison reads every chain's outline but only their own projects: the cycle counts only those."""
    outsider = {s.key: s for s in sp.chain_cycle(cycle["biomed"], persona("lz_321282"))}  # 靖江 liaison
    chief = {s.key: s for s in sp.chain_cycle(cycle["biomed"], persona("jiangdd"))}
    assert chief["signed"].n_landed >= 1  # the fixture signed 循环甲一期 (52,000) in 兴化
    assert outsider["signed"].n_landed < chief["signed"].n_landed
    assert outsider["signed"].amount_landed <= chief["signed"].amount_landed - Decimal("52000")


def test_chain_cycle_counts_a_paused_signed_project(cycle: dict[str, Any], persona: Any) -> None:
    chief = persona("jiangdd")
    before = {s.key: s for s in sp.chain_cycle(cycle["biomed"], chief)}
    services.project_transition(
        project=cycle["follow"], to_stage=ProjectStage.PAUSED, on=dt.date(2026, 4, 1), actor=chief, reason="资金"
    )
    after = {s.key: s for s in sp.chain_cycle(cycle["biomed"], chief)}
    assert after["follow_ons"].n_landed == before["follow_ons"].n_landed


def test_talent_projects(cycle: dict[str, Any], persona: Any) -> None:
    rows, hidden = sp.talent_projects(cycle["talent"], persona("jiangdd"))
    assert [p.name for p in rows] == ["能人引荐项目"] and hidden == 0
    rows, hidden = sp.talent_projects(cycle["talent"], persona("lead_equip"))
    assert rows == [] and hidden == 1
