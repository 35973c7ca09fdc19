"""The virtuous cycle on hand-built data: an enterprise's own investment → its follow-ons → the supporting
firms it attracted, with amounts and visibility; a chain's counts and amounts per step; a talent's projects."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from chaindesk.chains.models import Chain
from chaindesk.network import services as network_services
from chaindesk.projects import selectors_progress as sp
from chaindesk.projects import services
from chaindesk.projects.choices import ProjectKind, ProjectStage
from chaindesk.projects.models import Project
from chaindesk.rollups import engine as rollup_engine
from chaindesk.testkit.personas import Personas, add_enterprise

pytestmark = pytest.mark.clock  # depends on today: CI runs it under other clocks too

SIGNED_ON = dt.date(2026, 3, 2)


def _sign(project: Project, actor: Any) -> Project:
    return services.project_transition(project=project, to_stage=ProjectStage.SIGNED, on=SIGNED_ON, actor=actor)


@pytest.fixture
def cycle(personas: Personas) -> dict[str, Any]:
    """On 测试甲链 in 测试甲区, A signs 52,000, expands by 5,000, brings B's 3,000 (在谈) and an outside investor's
    800.50 on 测试乙链 (registered by its chief); a talent brings a 1,200.25 project; one more credited project
    is terminated. Besides these, 测试甲链 holds only the personas' own project (signed, 50,000)."""
    chief, x_chief = personas.chief, personas.x_chief
    ours_chain, theirs_chain = personas.ours.chain, personas.theirs.chain
    region = personas.ours.region
    a, b = add_enterprise(personas, "循环测试甲公司"), add_enterprise(personas, "循环测试乙公司")
    talent = network_services.talent_create(
        actor=chief, name="测试循环能人", city="上海", organisation="某研究院", keeper=chief, chains=[ours_chain]
    )

    def create(actor: Any, name: str, chain: Chain = ours_chain, **fields: Any) -> Project:
        return services.project_create(actor=actor, name=name, chain=chain, region=region, **fields)

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
            x_chief,
            "外地配套项目",
            chain=theirs_chain,
            investor_name="外地投资方",
            planned_investment=Decimal("800.50"),
            kind=ProjectKind.SUPPORTING,
            credited_enterprise=a,
        ),
        x_chief,
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
        "chain": ours_chain,
        "own": own,
        "follow": follow,
        "supporting": supporting,
        "elsewhere": elsewhere,
        "by_talent": by_talent,
    }


def test_enterprise_cycle_for_the_chain_chief(cycle: dict[str, Any], personas: Personas) -> None:
    result = sp.enterprise_cycle(cycle["a"], personas.chief, today=dt.date(2026, 11, 25))
    assert [p.name for p in result.own.projects] == ["循环甲一期"]
    assert result.own.amount == Decimal("52000")
    assert result.own.done == Decimal("1100.00")  # every month ever reported
    assert result.own.projects[0].done_ytd == Decimal("1000.10")  # this year only
    assert [p.name for p in result.follow_ons.projects] == ["循环甲二期增资扩产"]
    assert result.follow_ons.amount == Decimal("5000")
    # The terminated one still counts as brought; the other chain's project is outside our chief's scope.
    assert {p.name for p in result.supporting.projects} == {"乙配套项目", "已终止引荐项目"}
    assert result.supporting.amount == Decimal("3009")
    assert result.supporting.hidden == 1
    assert result.amount == Decimal("60009")
    assert result.count == 4 and result.hidden == 1
    assert [p.name for p in result.projects] == ["循环甲一期", "循环甲二期增资扩产"]
    for step in result.steps:
        assert isinstance(step.amount, Decimal)


def test_enterprise_cycle_out_of_scope_sees_only_its_own(cycle: dict[str, Any], personas: Personas) -> None:
    result = sp.enterprise_cycle(cycle["a"], personas.x_chief, today=dt.date(2026, 11, 25))
    assert result.own.projects == [] and result.own.hidden == 1
    assert result.follow_ons.hidden == 1
    assert [p.name for p in result.supporting.projects] == ["外地配套项目"]
    assert result.supporting.amount == Decimal("800.50")
    assert result.supporting.hidden == 2
    nobody = sp.enterprise_cycle(cycle["a"], personas.handler)  # a department handler reads no projects
    assert nobody.count == 0 and nobody.hidden == 5


def test_enterprise_cycle_one_query(cycle: dict[str, Any], personas: Personas, django_assert_num_queries: Any) -> None:
    chief = personas.chief
    rollup_engine.flush()  # the fixture's writes refresh the rollups at their commit, which a test never reaches
    with django_assert_num_queries(1):
        result = sp.enterprise_cycle(cycle["a"], chief, today=dt.date(2026, 11, 25))
        _ = [(p.chain.name, p.region.name, p.enterprise, p.follow_on_of) for s in result.steps for p in s.projects]


def _figures(steps: list[sp.ChainCycleStep]) -> dict[str, tuple[int, Decimal, int, Decimal]]:
    return {s.key: (s.n_landed, s.amount_landed, s.n_negotiating, s.amount_negotiating) for s in steps}


def test_chain_cycle_counts_and_amounts(
    cycle: dict[str, Any], personas: Personas, django_assert_num_queries: Any
) -> None:
    chief = personas.chief
    with django_assert_num_queries(1):
        steps = sp.chain_cycle(cycle["chain"], chief)
    assert [s.key for s in steps] == ["signed", "follow_ons", "supporting", "talents"]
    # Landed on 测试甲链: the world's own project 50,000 + 一期 52,000 + 二期 5,000 + 能人 1,200.25; in talks:
    # 乙配套 3,000; 终止 counts nowhere; 外地配套 is on 测试乙链.
    assert _figures(steps) == {
        "signed": (4, Decimal("108200.25"), 1, Decimal("3000")),
        "follow_ons": (1, Decimal("5000"), 0, Decimal("0")),
        "supporting": (0, Decimal("0"), 1, Decimal("3000")),
        "talents": (1, Decimal("1200.25"), 0, Decimal("0")),
    }
    assert all(s.label and s.description for s in steps)


def test_chain_cycle_counts_only_the_projects_the_reader_may_see(cycle: dict[str, Any], personas: Personas) -> None:
    """A liaison reads every chain's outline but only their own projects: the cycle counts only those."""
    nothing = (0, Decimal("0"), 0, Decimal("0"))
    outsider = _figures(sp.chain_cycle(cycle["chain"], personas.x_liaison))  # serves nobody on 测试甲链
    assert outsider == dict.fromkeys(["signed", "follow_ons", "supporting", "talents"], nothing)
    # Our liaison serves our enterprise, not A or B: only the world's own project (signed, 50,000) counts.
    ours = _figures(sp.chain_cycle(cycle["chain"], personas.liaison))
    assert personas.ours.project.planned_investment == Decimal("50000")
    assert ours == {
        "signed": (1, Decimal("50000"), 0, Decimal("0")),
        "follow_ons": nothing,
        "supporting": nothing,
        "talents": nothing,
    }
    chief = _figures(sp.chain_cycle(cycle["chain"], personas.chief))
    assert chief["signed"][0] == 4  # the fixture signed 循环甲一期 (52,000) and more in 测试甲区


def test_chain_cycle_counts_a_paused_signed_project(cycle: dict[str, Any], personas: Personas) -> None:
    chief = personas.chief
    services.project_transition(
        project=cycle["follow"], to_stage=ProjectStage.PAUSED, on=dt.date(2026, 4, 1), actor=chief, reason="资金"
    )
    after = _figures(sp.chain_cycle(cycle["chain"], chief))
    assert after["follow_ons"] == (1, Decimal("5000"), 0, Decimal("0"))  # 二期 paused after signing: still landed
    assert after["signed"] == (4, Decimal("108200.25"), 1, Decimal("3000"))


def test_talent_projects(cycle: dict[str, Any], personas: Personas) -> None:
    rows, hidden = sp.talent_projects(cycle["talent"], personas.chief)
    assert [p.name for p in rows] == ["能人引荐项目"] and hidden == 0
    rows, hidden = sp.talent_projects(cycle["talent"], personas.x_chief)
    assert rows == [] and hidden == 1
