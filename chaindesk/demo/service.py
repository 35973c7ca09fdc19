"""The demo's chain positions and one-to-one service: qualifications, node trees, yearly indicators, contacts,
liaison assignments with hand-overs, and a year of visit logs with issues and next steps.

Everything goes through the audited services and is found by natural key first (node: chain+parent+name,
indicator: enterprise+year, contact: enterprise+name, assignment: enterprise+start date; an enterprise's
visits are generated once, when it has none), so loading again creates nothing."""

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from chaindesk.accounts.models import User
from chaindesk.chains.models import Chain, ChainNode
from chaindesk.core.actors import DEMO
from chaindesk.core.services import audited_create, audited_update
from chaindesk.enterprises.models import Contact, Enterprise, Indicator, Qualification
from chaindesk.liaison.models import LiaisonAssignment, NextStep, Visit, VisitIssue, VisitKind

from . import names, trees

YEARS = (2023, 2024, 2025)
ASSIGNED_ON = dt.date(2025, 1, 2)
HANDOVER_FROM = dt.date(2023, 3, 1)
CENT = Decimal("0.01")


@dataclass
class Plan:
    """What the demo says about one enterprise beyond its registry row."""

    chain: str
    leaf: str
    qualifications: list[str]
    revenue_2023: float  # 万元
    small: bool
    leader: str | None = None
    handover: bool = False
    visits: str = "regular"  # regular / stale (none in the last 90 days) / none
    extra: dict[str, Any] = field(default_factory=dict)


def load_qualifications(add: Any) -> dict[str, Qualification]:
    existing = {q.code: q for q in Qualification.objects.all()}
    for order, (code, name, scale) in enumerate(trees.QUALIFICATIONS):
        if code not in existing:
            add("qualification")
            existing[code] = audited_create(
                model=Qualification, actor=DEMO, message="demo", code=code, name=name, counts_as_scale=scale,
                sort_order=order,
            )  # fmt: skip
    return existing


def load_trees(chains: dict[str, Chain], add: Any) -> dict[tuple[str, str], ChainNode]:
    """Every chain's node tree; keyed by (chain code, node name), names being unique within a demo chain."""
    nodes: dict[tuple[str, str], ChainNode] = {}
    existing = {(n.chain_id, n.parent_id, n.name): n for n in ChainNode.objects.all()}
    for code, tree in trees.TREES.items():
        chain = chains[code]
        for parent_name, name, is_key, order, _ in trees.walk(tree):
            parent = nodes[(code, parent_name)] if parent_name else None
            node = existing.get((chain.pk, parent.pk if parent else None, name))
            if node is None:
                add("chainnode")
                node = audited_create(
                    model=ChainNode, actor=DEMO, message="demo", chain=chain, parent=parent, name=name,
                    is_key=is_key, sort_order=order,
                )  # fmt: skip
            nodes[(code, name)] = node
    return nodes


def plan_generated(i: int, chain_code: str, trade: str) -> Plan:
    """The chain position and size of generated enterprise number i (see city._load_enterprises)."""
    rng = random.Random(f"plan:{i}")  # noqa: S311 - demo data
    slot = i % 10
    position = (i // 10) * {"biomed": 5, "chem": 3, "equip": 2}[chain_code] + (
        slot if chain_code == "biomed" else slot - (5 if chain_code == "chem" else 8)
    )
    candidates = trees.placeable_leaves(chain_code, trade)
    leaf = candidates[position % len(candidates)]
    weak_leaf = trees.LEAF_PROFILES.get(chain_code, {}).get(leaf) == trees.WEAK
    # The first firm on every ordinary leaf is 规上, so each of those leaves rates 强.
    small = weak_leaf or (position >= len(candidates) and rng.random() < 0.5)
    if small:
        quals = [c for c in trees.SMALL_CODES if rng.random() < 0.3]
        revenue = rng.uniform(300, 1500)
    else:
        quals = ["gsgy"] + [c for c, p in (("gxjs", 0.5), ("xjr", 0.2)) if rng.random() < p]
        quals += ["lianzhu"] if position == 0 else ["ssgs"] if position == 1 else []
        revenue = rng.uniform(80_000, 200_000) if position == 0 else rng.uniform(2_500, 40_000)
    visits = "none" if i % 13 == 6 else "stale" if i % 7 == 3 else "regular"
    return Plan(chain_code, leaf, quals, revenue, small, handover=i % 9 == 4, visits=visits)


SEED_PLANS = [
    Plan("biomed", "医用膜材", ["gxjs", "gsgy"], 26_800.0, small=False, leader="jiangdd", handover=True),
    Plan("biomed", "输液包材", ["ddbc", "gsgy"], 48_500.0, small=False, leader="zhangkun"),
]


def place(enterprise: Enterprise, plan: Plan, nodes: dict[tuple[str, str], ChainNode], quals: dict[str, Any]) -> None:
    """Complete the chain position of an enterprise loaded before nodes existed (chains stay covering nodes)."""
    node = nodes[(plan.chain, plan.leaf)]
    if not enterprise.nodes.exists():
        enterprise.nodes.add(node)
        enterprise.chains.add(node.chain)
    if not enterprise.qualifications.exists() and plan.qualifications:
        enterprise.qualifications.add(*[quals[c] for c in plan.qualifications])


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def load_indicators(enterprise: Enterprise, plan: Plan, have: set[tuple[int, int]], add: Any) -> None:
    rng = random.Random(f"indicators:{enterprise.name}")  # noqa: S311 - demo data
    revenue = plan.revenue_2023
    for year in YEARS:
        if year != YEARS[0]:
            revenue *= 1 + (rng.uniform(0.0, 0.1) if plan.small else rng.uniform(-0.06, 0.2))
        if (enterprise.pk, year) in have:
            continue
        add("indicator")
        audited_create(
            model=Indicator, actor=DEMO, message="demo", enterprise=enterprise, year=year,
            revenue=_money(revenue), tax=_money(revenue * rng.uniform(0.03, 0.065)),
            employees=max(8, int(revenue / rng.uniform(45, 95))), rd_spend=_money(revenue * rng.uniform(0.02, 0.065)),
        )  # fmt: skip


CONTACT_TITLES = [("总经理", "办公室主任"), ("董事长", "财务总监"), ("常务副总经理", "项目经理")]


def load_contacts(enterprise: Enterprise, have: set[tuple[int, str]], add: Any) -> None:
    rng = random.Random(f"contacts:{enterprise.name}")  # noqa: S311 - demo data
    titles = rng.choice(CONTACT_TITLES)
    for n in range(1 if rng.random() < 0.4 else 2):
        name = rng.choice(names.SURNAMES) + rng.choice(names.GIVEN)
        phone = f"1385260{rng.randint(0, 9999):04d}"  # fake numbers in one made-up block
        if (enterprise.pk, name) in have:
            continue
        add("contact")
        audited_create(
            model=Contact, actor=DEMO, message="demo", enterprise=enterprise, name=name, title=titles[n],
            phone=phone, is_primary=n == 0,
        )  # fmt: skip


def load_assignments(
    enterprise: Enterprise, plan: Plan, users: dict[str, User], have: set[tuple[int, dt.date]], add: Any
) -> None:
    """The open assignment mirrors Enterprise.liaison/leader; a few enterprises also have a hand-over."""
    leader = users[plan.leader] if plan.leader else None
    if enterprise.leader_id != (leader.pk if leader else None):
        audited_update(obj=enterprise, actor=DEMO, message="demo", leader=leader)
    liaison = enterprise.liaison
    if liaison is None:
        return
    if plan.handover and (enterprise.pk, HANDOVER_FROM) not in have:
        others = sorted((u for k, u in users.items() if k.startswith("lz_") and u.pk != liaison.pk), key=str)
        add("liaisonassignment")
        audited_create(
            model=LiaisonAssignment, actor=DEMO, message="demo", enterprise=enterprise,
            liaison=others[sum(map(ord, enterprise.name)) % len(others)], leader=leader, started_on=HANDOVER_FROM,
            ended_on=ASSIGNED_ON - dt.timedelta(days=1), note="原专员岗位调整，已完成工作交接",
            assigned_by=users["wangzh"],
        )  # fmt: skip
    if (enterprise.pk, ASSIGNED_ON) not in have:
        add("liaisonassignment")
        audited_create(
            model=LiaisonAssignment, actor=DEMO, message="demo", enterprise=enterprise, liaison=liaison,
            leader=leader, started_on=ASSIGNED_ON, note="2025年度挂钩服务安排" if not plan.handover else
            "接续挂钩服务", assigned_by=users["wangzh"],
        )  # fmt: skip


TOPICS = [
    "企业生产经营总体平稳，一季度订单饱满，产能利用率约八成，计划下半年新增一条生产线。",
    "了解新上项目进展：主体厂房已封顶，设备正在招标，预计年内试生产。",
    "企业反映扩产需新增用地约30亩，正与园区对接周边地块。",
    "企业用电负荷增长较快，现有单回路供电难以满足新产线需求。",
    "企业流动资金偏紧，希望对接银行开展知识产权质押融资。",
    "企业研发团队以本地招聘为主，高端研发人才引进难，希望对接高校共建研发平台。",
    "出口订单受汇率波动影响，企业正开拓国内医院和经销渠道。",
    "企业新产品注册证申报材料已提交，等待省药监局技术审评。",
    "企业环保设施运行正常，新项目环评报告已编制完成。",
    "企业计划申报专精特新中小企业，询问认定条件和申报时间。",
    "企业与上海一家研究院洽谈技术合作，拟在本地落地中试项目。",
    "企业员工约三成为外地务工人员，希望改善周边公寓和通勤条件。",
]
ISSUES = [
    ("新上项目用地指标紧张，需协调新增建设用地指标。", "chenjing"),
    ("新产线需申请双回路供电，希望加快接入方案审批。", "dh_gdgs"),
    ("扩产项目环评审批进度较慢，希望提前介入指导。", "dh_sthj"),
    ("企业申请技改项目补助资金，请帮助了解申报政策。", "dh_gxj"),
    ("流动资金缺口约2000万元，希望对接银行授信。", "dh_fgw"),
    ("研发人员招聘难，希望对接人才政策和高校资源。", "dh_swj"),
]
STEP_TEXT = {
    "chenjing": "市自然资源和规划局对接用地指标，明确供地时序",
    "dh_gdgs": "供电公司现场勘察，出具双回路接入方案",
    "dh_sthj": "市生态环境局提前介入，指导环评报告修改",
    "dh_gxj": "市工信局解读技改补助政策，指导企业申报",
    "dh_fgw": "协调银行上门对接授信需求",
    "dh_swj": "组织企业参加校企人才对接会",
}
KIND_WEIGHTS = ((VisitKind.VISIT, 55), (VisitKind.CALL, 30), (VisitKind.SYMPOSIUM, 15))


def _visit_days(rng: random.Random, plan: Plan) -> list[int]:
    """How many days before `today` each visit was."""
    if plan.visits == "none":
        return []
    if plan.visits == "stale":
        return sorted(rng.sample(range(95, 340), rng.randint(1, 3)))
    return sorted({rng.randint(3, 45), *rng.sample(range(46, 360), rng.randint(1, 4))})


def load_visits(
    enterprise: Enterprise, plan: Plan, users: dict[str, User], today: dt.date, seen: set[int], add: Any
) -> None:
    if enterprise.pk in seen or enterprise.liaison is None:
        return
    rng = random.Random(f"visits:{enterprise.name}")  # noqa: S311 - demo data
    for days in _visit_days(rng, plan):
        kind = rng.choices([k for k, _ in KIND_WEIGHTS], weights=[w for _, w in KIND_WEIGHTS])[0]
        raised = rng.sample(ISSUES, rng.choice((1, 1, 2))) if rng.random() < 0.4 else []
        _visit(
            enterprise, today - dt.timedelta(days=days), kind, [enterprise.liaison], enterprise.liaison,
            rng.choice(TOPICS), raised, users, today, rng, add,
        )  # fmt: skip


def _visit(
    enterprise: Enterprise,
    on: dt.date,
    kind: str,
    people: list[User],
    author: User,
    notes: str,
    raised: list[tuple[str, str]],
    users: dict[str, User],
    today: dt.date,
    rng: random.Random,
    add: Any,
) -> Visit:
    add("visit")
    visit = audited_create(
        model=Visit, actor=author, message="demo", enterprise=enterprise, visited_on=on, kind=kind,
        participants=people, notes=notes, created_by=author,
    )  # fmt: skip
    for order, (text, owner) in enumerate(raised):
        add("visitissue")
        audited_create(model=VisitIssue, actor=author, message="demo", visit=visit, text=text, sort_order=order)
        due = on + dt.timedelta(days=rng.randint(20, 60))
        done = on + dt.timedelta(days=rng.randint(5, (min(due, today) - on).days)) if due < today else None
        if done is not None and rng.random() < 0.4:
            done = None  # overdue and still open
        add("nextstep")
        audited_create(
            model=NextStep, actor=author, message="demo", visit=visit, text=STEP_TEXT[owner], owner=users[owner],
            due_on=due, done_on=done,
        )  # fmt: skip
    return visit


SITE_NOTES = {
    "江苏博生医用新材料股份有限公司": (
        "市委书记姜冬冬带队现场观摩。听取企业负责人介绍年产3000万平方米特殊功能性新型医用膜材项目"
        "（计划总投资5.2亿元）进展，鼓励企业发挥创新优势，提升生产规模和技术水平，优化产品结构。",
        [("新上年产3000万平方米医用膜材项目用地指标紧张，需协调新增建设用地指标。", "chenjing")],
    ),
    "江苏金扬子包装科技有限公司": (
        "市委书记姜冬冬带队实地考察企业车间。金美特医用材料生产项目计划总投资5.6亿元，新上全自动腹透引流袋"
        "生产线、预充式导管冲洗器生产线；希望企业聚焦细分赛道做精做专、做优做强。",
        [
            ("新产线需申请双回路供电，希望加快接入方案审批。", "dh_gdgs"),
            ("金美特项目环评审批进度较慢，希望提前介入指导。", "dh_sthj"),
        ],
    ),
}


def load_site_visit(
    enterprise: Enterprise, users: dict[str, User], seed_day: dt.date, today: dt.date, add: Any
) -> None:
    """The 11月24日 现场观摩 of the seed report, on each of the two enterprises it names."""
    if enterprise.name not in SITE_NOTES or seed_day > today:
        return
    if Visit.objects.filter(enterprise=enterprise, visited_on=seed_day, kind=VisitKind.SITE).exists():
        return
    notes, raised = SITE_NOTES[enterprise.name]
    people = [users["jiangdd"], users["zhangkun"], users["liming"]]
    rng = random.Random(f"site:{enterprise.name}")  # noqa: S311 - demo data
    _visit(enterprise, seed_day, VisitKind.SITE, people, users["liming"], notes, raised, users, today, rng, add)


def sync_last_visit(enterprise: Enterprise) -> None:
    latest = enterprise.visits.order_by("-visited_on").values_list("visited_on", flat=True).first()
    if enterprise.last_visit_on != latest:
        audited_update(obj=enterprise, actor=DEMO, message="demo", last_visit_on=latest)


def load_service(
    planned: list[tuple[Enterprise, Plan]], users: dict[str, User], today: dt.date, seed_day: dt.date, add: Any
) -> None:
    """Indicators, contacts, assignments and visits of every planned enterprise (existing ones are skipped)."""
    ids = [e.pk for e, _ in planned]
    indicators = set(Indicator.objects.filter(enterprise_id__in=ids).values_list("enterprise_id", "year"))
    contacts = set(Contact.objects.filter(enterprise_id__in=ids).values_list("enterprise_id", "name"))
    assignments = set(
        LiaisonAssignment.objects.filter(enterprise_id__in=ids).values_list("enterprise_id", "started_on")
    )
    visited = set(Visit.objects.filter(enterprise_id__in=ids).values_list("enterprise_id", flat=True))
    for enterprise, plan in planned:
        load_indicators(enterprise, plan, indicators, add)
        load_contacts(enterprise, contacts, add)
        load_assignments(enterprise, plan, users, assignments, add)
        load_visits(enterprise, plan, users, today, visited, add)
        load_site_visit(enterprise, users, seed_day, today, add)
        sync_last_visit(enterprise)
