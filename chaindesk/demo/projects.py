"""The demo's investment projects: the seed report's two projects, and about thirty generated ones over the
three chains and six districts at every stage, with key dates, this year's investment plans and monthly
investment reports.

Everything goes through chaindesk.projects.services, so each project has its stage timeline (StageChange)
and audit lines. A project is found by name; an existing one is left as it is, so loading again creates
nothing. A project whose enterprise is not loaded (a city loaded with fewer enterprises) is skipped.

Dates hang off the seed day (the latest 11月24日, see city.seed_day_for): the plans and reports are for that
year ("this year"); months run January to October, some projects have reported November too, and the
stalled ones stopped in summer. The two seed projects: 博生's membrane project is on schedule (序时进度),
金扬子's 金美特 project behind it (its site visit raised 双回路供电 and 环评审批)."""

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from chaindesk.accounts.models import Region, User
from chaindesk.chains.models import Chain, ChainNode
from chaindesk.enterprises.models import Enterprise
from chaindesk.network.models import Talent
from chaindesk.projects import services
from chaindesk.projects.choices import FORWARD, ProjectKind, ProjectLevel, ProjectStage
from chaindesk.projects.models import InvestmentReport, Project

S, K, L = ProjectStage, ProjectKind, ProjectLevel
# Who records a chain's projects (a member of its team) when no liaison follows them.
RECORDERS = {"biomed": "wangzh", "chem": "wangzh", "equip": "tm_fgw"}
ON, BEHIND = "on", "behind"


@dataclass(frozen=True)
class Spec:
    """One demo project. `owner`: "boshen"/"jyz" (the seed firms), the index of a generated enterprise, or an
    investor's name (not registered here). `node`: a leaf of the chain (default: the enterprise's node)."""

    name: str
    owner: str | int
    chain: str
    stage: str
    kind: str = K.NEW
    level: str = L.GENERAL
    investment: int = 20_000  # 万元
    node: str | None = None
    region: str | None = None  # region code (default: the enterprise's)
    liaison: str | None = None
    credited: str | int | None = None  # an enterprise (owner key) or a talent's name
    follow_on: str | None = None  # the name of an earlier project of the same owner
    pace: str = ON
    stalled: bool = False
    paused_at: str = ""  # the stage a paused or terminated project had reached
    reason: str = ""
    capacity: tuple[int, str] | None = None
    lines: tuple[tuple[str, int, str], ...] = ()
    description: str = ""


BOSHEN = "特殊功能性新型医用膜材项目"
JINMEITE = "金美特医用材料生产项目"
SEED_PROJECTS = [
    Spec(
        BOSHEN, "boshen", "biomed", S.BUILDING, level=L.CITY, investment=52_000, node="医用膜材", liaison="liming",
        capacity=(3000, "万平方米"),
        description="新上年产3000万平方米特殊功能性新型医用膜材项目，计划总投资5.2亿元。",
    ),
    Spec(
        JINMEITE, "jyz", "biomed", S.STARTED, level=L.CITY, investment=56_000, node="耗材", liaison="liming",
        pace=BEHIND, lines=(("全自动腹透引流袋生产线", 1, ""), ("预充式导管冲洗器生产线", 1, "")),
        description="新上全自动腹透引流袋生产线、预充式导管冲洗器生产线，计划总投资5.6亿元。",
    ),
]  # fmt: skip
# Key dates of the seed projects as (month, day) in the seed year (0) or the year before (-1).
SEED_DATES: dict[str, list[tuple[int, int, int]]] = {
    BOSHEN: [(-1, 9, 18), (-1, 12, 28), (0, 3, 16)],
    JINMEITE: [(-1, 12, 20), (0, 5, 18)],
}
# Monthly investment (万元) January to October, and the year's plan: 博生 on schedule, 金扬子 behind.
SEED_REPORTS: dict[str, tuple[int, list[int]]] = {
    BOSHEN: (18_000, [1200, 900, 1500, 1700, 1800, 1900, 1800, 1700, 1900, 2000]),
    JINMEITE: (20_000, [300, 200, 400, 600, 1500, 1400, 1300, 1200, 1500, 1600]),
}

GENERATED = [
    Spec("医用膜材二期增资扩产项目", "boshen", "biomed", S.NEGOTIATING, K.EXPANSION, L.COUNTY, 30_000,
         liaison="liming", follow_on=BOSHEN, capacity=(2000, "万平方米")),
    Spec("年产2000万平方米医用透析膜项目", 1, "biomed", S.PRODUCING, level=L.COUNTY, investment=18_000,
         liaison="liming", capacity=(2000, "万平方米")),
    Spec("一次性医用导管生产线技术改造项目", 11, "biomed", S.COMPLETED, K.RENOVATION, investment=6_500,
         liaison="liming", stalled=True, lines=(("医用导管挤出生产线", 3, "年产 5000 万支"),)),
    Spec("新型药用辅料产业化项目", 14, "biomed", S.PAUSED, level=L.COUNTY, investment=12_000, paused_at=S.STARTED,
         reason="环评批复调整，等待重新审批"),
    Spec("非PVC软袋输液包材扩建项目", 21, "biomed", S.BUILDING, K.EXTENSION, L.COUNTY, 15_000, liaison="liming",
         pace=BEHIND, capacity=(8000, "万袋")),
    Spec("口服固体制剂车间建设项目", 22, "biomed", S.NEGOTIATING, investment=8_000),
    Spec("缓控释辅料生产基地项目", 0, "biomed", S.FULL, level=L.CITY, investment=35_000, capacity=(5000, "吨")),
    Spec("缓控释辅料二期增资扩产项目", 0, "biomed", S.STARTED, K.EXPANSION, L.COUNTY, 16_000,
         follow_on="缓控释辅料生产基地项目"),
    Spec("多层共挤输液袋项目", 2, "biomed", S.BUILDING, level=L.PROVINCIAL, investment=65_000,
         capacity=(3, "亿袋"), lines=(("多层共挤膜吹膜生产线", 2, "年产 6000 吨"), ("软袋制袋生产线", 6, ""))),
    Spec("高端制剂产业化项目", 3, "biomed", S.TERMINATED, investment=22_000, paused_at=S.SIGNED,
         reason="投资方战略调整，项目取消"),
    Spec("单抗药物产业化基地项目", 4, "biomed", S.SIGNED, level=L.PROVINCIAL, investment=120_000,
         credited="顾文博"),
    Spec("中药配方颗粒生产项目", 10, "biomed", S.PRODUCING, K.RENOVATION, investment=4_800, capacity=(3000, "吨")),
    Spec("体外诊断设备生产项目", 12, "biomed", S.BUILDING, investment=9_000, stalled=True),
    Spec("医用膜材配套分切加工项目", 20, "biomed", S.STARTED, K.SUPPORTING, investment=5_000, node="医用膜材",
         credited="boshen"),
    Spec("重组蛋白药物项目", 23, "biomed", S.NEGOTIATING, level=L.CITY, investment=40_000, credited="姚静怡"),
    Spec("CDMO 研发生产基地项目", "上海瑞澄生物医药有限公司", "biomed", S.NEGOTIATING, level=L.CITY,
         investment=60_000, node="研发外包 (CRO/CDMO)", region="321283", credited="顾文博"),
    Spec("氯碱装置节能技术改造项目", 5, "chem", S.FULL, K.RENOVATION, L.COUNTY, 12_000),
    Spec("芳烃深加工项目", 6, "chem", S.BUILDING, K.EXTENSION, L.CITY, 48_000, pace=BEHIND),
    Spec("医药中间体项目", 7, "chem", S.PRODUCING, investment=16_000, capacity=(2000, "吨")),
    Spec("特种工程塑料项目", 15, "chem", S.SIGNED, level=L.COUNTY, investment=25_000),
    Spec("锂电正极材料项目", 16, "chem", S.STARTED, level=L.PROVINCIAL, investment=80_000, capacity=(5, "万吨")),
    Spec("锂电正极材料二期增资扩产项目", 16, "chem", S.NEGOTIATING, K.EXPANSION, L.CITY, 50_000,
         follow_on="锂电正极材料项目"),
    Spec("功能薄膜项目", 25, "chem", S.PAUSED, investment=14_000, paused_at=S.BUILDING,
         reason="资金筹措未到位，企业申请暂缓建设"),
    Spec("高性能聚酯项目", 36, "chem", S.COMPLETED, level=L.COUNTY, investment=21_000, liaison="liming",
         pace=BEHIND),
    Spec("电解液项目", "深圳新锂科技有限公司", "chem", S.TERMINATED, investment=30_000, node="新能源材料",
         region="321283", paused_at=S.NEGOTIATING, reason="用地条件不具备，项目落户外地", credited="沈慧敏"),
    Spec("精密轴承智能化改造项目", 8, "equip", S.BUILDING, K.RENOVATION, L.COUNTY, 11_000),
    Spec("绿色智能船舶配套项目", 18, "equip", S.STARTED, K.SUPPORTING, investment=9_500, liaison="liming",
         credited=8, stalled=True),
    Spec("工业机器人生产基地项目", 19, "equip", S.PRODUCING, level=L.CITY, investment=26_000, capacity=(2000, "台")),
    Spec("新能源汽车零部件项目", 28, "equip", S.FULL, investment=18_000),
    Spec("海工模块制造项目", 39, "equip", S.SIGNED, K.EXTENSION, L.COUNTY, 32_000),
    Spec("液压件扩产项目", 29, "equip", S.BUILDING, K.EXTENSION, investment=7_500, pace=BEHIND),
]  # fmt: skip


@dataclass
class World:
    """What the loader needs from the rest of the demo city."""

    users: dict[str, User]
    chains: dict[str, Chain]
    enterprises: dict[str | int, Enterprise]
    talents: dict[str, Talent]
    seed_day: dt.date

    def node(self, chain: str, name: str) -> ChainNode:
        return ChainNode.objects.get(chain=self.chains[chain], name=name)


def _owner_fields(spec: Spec, world: World) -> dict[str, Any] | None:
    """The owner, chain node and region of a project; None when its enterprise is not loaded."""
    if isinstance(spec.owner, str) and spec.owner not in ("boshen", "jyz"):
        node = world.node(spec.chain, spec.node or "")
        return {"investor_name": spec.owner, "node": node, "region": Region.objects.get(code=spec.region)}
    enterprise = world.enterprises.get(spec.owner)
    if enterprise is None:
        return None
    node = world.node(spec.chain, spec.node) if spec.node else enterprise.nodes.get()
    return {"enterprise": enterprise, "node": node, "region": enterprise.region}


def _key_dates(spec: Spec, seed_day: dt.date) -> list[dt.date]:
    """The dates of the forward transitions the project went through (签约, 开工 …), oldest first."""
    if spec.name in SEED_DATES:
        return [dt.date(seed_day.year + y, m, d) for y, m, d in SEED_DATES[spec.name]]
    reached = spec.paused_at or spec.stage
    count = FORWARD.index(reached) if reached in FORWARD else 0
    rng = random.Random(f"project:{spec.name}")  # noqa: S311 - demo data
    last = seed_day - dt.timedelta(days=rng.randint(120, 220) if spec.stalled else rng.randint(20, 160))
    if spec.paused_at:
        last -= dt.timedelta(days=rng.randint(30, 90))  # room for the pause or termination after it
    dates = []
    for _ in range(count):
        dates.append(last)
        last -= dt.timedelta(days=rng.randint(60, 170))
    return list(reversed(dates))


def _create(spec: Spec, world: World, owner: dict[str, Any], existing: dict[str, Project]) -> Project:
    rng = random.Random(f"facts:{spec.name}")  # noqa: S311 - demo data
    recorder = world.users[RECORDERS[spec.chain]]
    credited = spec.credited
    facts: dict[str, Any] = {
        "kind": spec.kind,
        "level": spec.level,
        "planned_investment": Decimal(spec.investment),
        "description": spec.description,
        "liaison": world.users[spec.liaison] if spec.liaison else None,
        "follow_on_of": existing.get(spec.follow_on) if spec.follow_on else None,
        "credited_enterprise": world.enterprises.get(credited) if isinstance(credited, int) or credited in (
            "boshen", "jyz") else None,
        "credited_talent": world.talents.get(credited) if isinstance(credited, str) else None,
    }  # fmt: skip
    if spec.capacity:
        facts.update(capacity_quantity=Decimal(spec.capacity[0]), capacity_unit=spec.capacity[1])
    if spec.name not in SEED_REPORTS:  # the seed report gives neither land nor expected output
        output = spec.investment * rng.uniform(1.1, 1.8)
        facts.update(
            land_mu=Decimal(rng.randint(2, 30) * 10),
            expected_output=Decimal(round(output, -1)),
            expected_tax=Decimal(round(output * rng.uniform(0.04, 0.07), -1)),
        )
    fields: dict[str, Any] = {**owner, **facts, **_planned(spec, world)}
    return services.project_create(actor=recorder, name=spec.name, chain=world.chains[spec.chain], **fields)


def _planned(spec: Spec, world: World) -> dict[str, dt.date]:
    dates = _key_dates(spec, world.seed_day)
    start = dates[0] if dates else world.seed_day + dt.timedelta(days=45)
    offsets = {
        "planned_signed_on": 0,
        "planned_started_on": 75,
        "planned_completed_on": 500,
        "planned_production_on": 580,
        "planned_full_production_on": 900,
    }
    return {name: start + dt.timedelta(days=days) for name, days in offsets.items()}


def _actor(spec: Spec, world: World) -> User:
    return world.users[spec.liaison] if spec.liaison else world.users[RECORDERS[spec.chain]]


def _advance(project: Project, spec: Spec, world: World) -> None:
    """Forward transitions on the key dates (not yet the pause or termination)."""
    actor = _actor(spec, world)
    for k, on in enumerate(_key_dates(spec, world.seed_day)):
        services.project_transition(project=project, to_stage=FORWARD[k + 1], on=on, actor=actor)


def _stop(project: Project, spec: Spec, world: World) -> None:
    if spec.stage not in (S.PAUSED, S.TERMINATED):
        return
    dates = _key_dates(spec, world.seed_day)
    rng = random.Random(f"stop:{spec.name}")  # noqa: S311 - demo data
    after = dates[-1] if dates else world.seed_day - dt.timedelta(days=200)
    on = min(after + dt.timedelta(days=rng.randint(30, 80)), world.seed_day)
    services.project_transition(
        project=project, to_stage=spec.stage, on=on, actor=_actor(spec, world), reason=spec.reason
    )


def _months(spec: Spec, world: World) -> list[dt.date]:
    """The months of the seed year the project reported (first days)."""
    year = world.seed_day.year
    dates = _key_dates(spec, world.seed_day)
    if not dates:
        return []
    first = max(dates[0].replace(day=1), dt.date(year, 1, 1))
    last = 10
    if spec.stalled:
        last = 7
    elif spec.stage in (S.PAUSED, S.TERMINATED):
        last = 6 if dates[-1].year == year else 0
    elif spec.stage == S.FULL:
        last = min(dates[-1].month, 10) if dates[-1].year == year else 0
    elif spec.name not in SEED_REPORTS and random.Random(f"nov:{spec.name}").random() < 0.4:  # noqa: S311
        last = 11
    return [dt.date(year, m, 1) for m in range(1, last + 1) if dt.date(year, m, 1) >= first]


def _report(project: Project, spec: Spec, world: World) -> None:
    """This year's plan and the monthly reports, filed early the next month (November's on the seed day)."""
    months = _months(spec, world)
    if not months:
        return
    actor = _actor(spec, world)
    year = world.seed_day.year
    if spec.name in SEED_REPORTS:
        plan, amounts = SEED_REPORTS[spec.name]
    else:
        rng = random.Random(f"reports:{spec.name}")  # noqa: S311 - demo data
        monthly = spec.investment * 0.35 / 12
        # The plan expects the monthly pace through November (a stalled project stopped reporting in summer)
        # at 序时进度 (about 0.9 in late November), so a project reporting at pace is on schedule.
        expected = 12 - months[0].month if spec.stalled else len(months)
        plan = int(round(monthly * expected / 0.9, -1))
        # 投资完成率 the project ends up at: below 序时进度 when behind, a little above it when on schedule
        # (or well below for a stalled one, whose later months are missing).
        rate = rng.uniform(0.45, 0.7) if spec.pace == BEHIND else rng.uniform(0.93, 1.05)
        shape = [rng.uniform(0.8, 1.2) for _ in months]
        total = plan * rate * (len(months) / expected if spec.stalled else 1)
        amounts = [int(total * w / sum(shape)) for w in shape]
    services.plan_set(project=project, year=year, amount=Decimal(plan), actor=actor)
    for month, amount in zip(months, amounts, strict=False):
        filed = min(dt.date(year + month.month // 12, month.month % 12 + 1, 6), world.seed_day)
        report = services.investment_report(
            project=project, month=month, amount=Decimal(amount), actor=actor, reported_on=filed,
            note="主体工程施工" if month.month > 3 else "前期工作",
        )  # fmt: skip
        # The demo tells a year's story in one load: the report's record time is its filing day.
        InvestmentReport.objects.filter(pk=report.pk).update(reported_at=working_hours(filed))


def working_hours(day: dt.date, hour: int = 10) -> dt.datetime:
    """A time on `day` in office hours (Asia/Shanghai), for demo rows whose record time should match the
    story rather than the moment the demo was loaded."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _lines(project: Project, spec: Spec, world: World) -> None:
    for name, count, capacity in spec.lines:
        services.line_add(project=project, actor=_actor(spec, world), name=name, count=count, capacity=capacity)


def load_projects(world: World, add: Any) -> dict[str, Project]:
    """The seed projects and the generated ones, in order (a follow-on after the project it follows)."""
    specs = [*SEED_PROJECTS, *GENERATED]
    existing = {p.name: p for p in Project.objects.filter(name__in=[s.name for s in specs])}
    for spec in specs:
        if spec.name in existing:
            continue
        owner = _owner_fields(spec, world)
        if owner is None or (spec.follow_on and spec.follow_on not in existing):
            continue
        add("project")
        project = _create(spec, world, owner, existing)
        _lines(project, spec, world)
        _advance(project, spec, world)
        _report(project, spec, world)
        _stop(project, spec, world)
        existing[spec.name] = project
    return existing
