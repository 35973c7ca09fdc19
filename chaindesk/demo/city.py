"""The demo city: 泰州市, its districts and departments, the 生物医药 chain team of the 11月24日 meeting,
the two enterprises the report names, one login per role and enough generated records to look real.

Loading goes through the services, so the demo has an audit trail like real data. Every record is found by
its natural key first, so loading twice changes nothing and a partly loaded city is completed."""

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from stdnum.cn import uscc as uscc_mod

from chaindesk.accounts import services_2fa
from chaindesk.accounts.choices import DepartmentKind, RegionLevel, Role
from chaindesk.accounts.models import Department, Region, TOTPDevice, User
from chaindesk.accounts.services import user_create
from chaindesk.chains.models import Chain, TeamMember, TeamRole
from chaindesk.core import clock
from chaindesk.core.actors import DEMO
from chaindesk.core.services import audited_create
from chaindesk.enterprises.models import Enterprise, EnterpriseAccount
from chaindesk.meetings.models import Meeting, MeetingKind

from . import (
    demands,
    leads,
    meetings,
    names,
    network,
    paperwork,
    projects,
    seed_meeting,
    service,
    targets,
    upward,
    year_to_date,
)

DEMO_PASSWORD = "Taizhou@2026"  # noqa: S105 - printed for the demo on purpose
# The demo's two administrators sign in with a second factor, as every administrator must (等保): their
# authenticator's secret is printed like the password, for an authenticator app or `pyotp.TOTP(secret).now()`.
DEMO_TOTP_SECRET = "TAIZHOUDEMOADMINSTOTPSECRETKEY23"  # noqa: S105 - printed for the demo on purpose

REGIONS = [
    ("320000", "江苏省", RegionLevel.PROVINCE, None),
    ("321200", "泰州市", RegionLevel.CITY, "320000"),
    ("321202", "海陵区", RegionLevel.DISTRICT, "321200"),
    ("321203", "高港区", RegionLevel.DISTRICT, "321200"),
    ("321204", "姜堰区", RegionLevel.DISTRICT, "321200"),
    ("321281", "兴化市", RegionLevel.DISTRICT, "321200"),
    ("321282", "靖江市", RegionLevel.DISTRICT, "321200"),
    ("321283", "泰兴市", RegionLevel.DISTRICT, "321200"),
]
GOV, SOE, REG = DepartmentKind.GOVERNMENT, DepartmentKind.ENTERPRISE, DepartmentKind.REGULATOR
DEPARTMENTS = [
    ("fgw", "泰州市发展和改革委员会", "市发改委", GOV),
    ("gxj", "泰州市工业和信息化局", "市工信局", GOV),
    ("swj", "泰州市商务局", "市商务局", GOV),
    ("kjj", "泰州市科学技术局", "市科技局", GOV),
    ("zrzy", "泰州市自然资源和规划局", "市自然资源和规划局", GOV),
    ("sthj", "泰州市生态环境局", "市生态环境局", GOV),
    ("rsj", "泰州市人力资源和社会保障局", "市人社局", GOV),
    ("scjg", "泰州市市场监督管理局", "市市场监管局", GOV),
    ("zjj", "泰州市住房和城乡建设局", "市住建局", GOV),
    ("wjw", "泰州市卫生健康委员会", "市卫健委", GOV),
    ("gdgs", "国网泰州供电公司", "供电公司", SOE),
    ("tax", "国家税务总局泰州市税务局", "市税务局", REG),
    ("jrjg", "国家金融监督管理总局泰州监管分局", "金融监管分局", REG),
]


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    role: str
    title: str = ""
    region: str = "321200"
    department: str | None = None


# One login per role; the leaders are those the seed report names.
PEOPLE = [
    Person("jiangdd", "姜冬冬", Role.CITY_LEADER, "市委书记、生物医药产业链链长"),
    Person("zhangkun", "张坤", Role.CITY_LEADER, "市领导、生物医药产业链服务团队召集人"),
    Person("wangzh", "王志华", Role.TEAM_MEMBER, "市工信局副局长", department="gxj"),
    Person("liming", "李明", Role.LIAISON, "兴化市挂钩服务专员", region="321281"),
    Person("chenjing", "陈静", Role.DEPT_HANDLER, "市自然资源和规划局经办人", department="zrzy"),
    Person("zhoutao", "周涛", Role.DISTRICT_ADMIN, "兴化市产业链工作专班", region="321281"),
    Person("liuyang", "刘洋", Role.ENTERPRISE, "江苏博生医用新材料股份有限公司 综合部"),
    Person("sysadmin", "赵磊", Role.SYS_ADMIN, "系统管理员"),
    Person("auditor", "孙敏", Role.AUDIT_ADMIN, "审计管理员"),
]
DEMO_LOGINS = [(p.role, p.username) for p in PEOPLE]

SEED_ENTERPRISES: list[dict[str, Any]] = [
    {
        "name": "江苏博生医用新材料股份有限公司",
        "region": "321281",
        "business": "专业从事药包材研发、制造、销售。新上年产3000万平方米特殊功能性新型医用膜材项目，计划总投资5.2亿元。",
        "honours": "国家高新技术企业",
        "founded_on": None,
    },
    {
        "name": "江苏金扬子包装科技有限公司",
        "region": "321281",
        "business": "主要从事国内大输液药包材系列产品的研发、生产与销售。新上金美特医用材料生产项目，计划总投资5.6亿元，"
        "新上全自动腹透引流袋生产线、预充式导管冲洗器生产线。",
        "honours": "国家定点药包材生产企业",
        "founded_on": dt.date(1998, 7, 1),  # the report gives the month (1998年7月) only
    },
]


@dataclass
class Loaded:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1


def make_uscc(rng: random.Random, region_code: str) -> str:
    """A code with a valid GB 32100 check digit: 9 (enterprise) 1 (company), region, 9-char org code."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    org = "".join(rng.choice(alphabet) for _ in range(9))
    body = f"91{region_code}{org}"
    return body + uscc_mod.calc_check_digit(body)


def _get_or_create(model: type[models.Model], lookup: dict[str, Any], loaded: Loaded, **fields: Any) -> Any:
    existing = model._default_manager.filter(**lookup).first()
    if existing is not None:
        return existing
    loaded.add(model._meta.model_name or "")
    return audited_create(model=model, actor=DEMO, message="demo", **lookup, **fields)


def _load_org(loaded: Loaded) -> tuple[dict[str, Region], dict[str, Department]]:
    regions: dict[str, Region] = {}
    for order, (code, name, level, parent) in enumerate(REGIONS):
        regions[code] = _get_or_create(
            Region,
            {"code": code},
            loaded,
            name=name,
            level=level,
            parent=regions.get(parent or ""),
            sort_order=order,
        )
    departments: dict[str, Department] = {}
    for order, (code, name, short, kind) in enumerate(DEPARTMENTS):
        departments[code] = _get_or_create(
            Department,
            {"code": code},
            loaded,
            name=name,
            short_name=short,
            kind=kind,
            region=regions["321200"],
            sort_order=order,
        )
    return regions, departments


def _ensure_user(
    person: Person, regions: dict[str, Region], departments: dict[str, Department], loaded: Loaded
) -> User:
    existing = User.objects.filter(username=person.username).first()
    if existing is not None:
        return existing
    loaded.add("user")
    return user_create(
        actor=DEMO,
        username=person.username,
        display_name=person.name,
        role=person.role,
        password=DEMO_PASSWORD,
        check_password=False,  # printed for the demo on purpose; the production rules refuse it
        must_change_password=False,  # the demo's people sign in straight away with the printed password
        title=person.title,
        region=regions[person.region],
        department=departments[person.department] if person.department else None,
    )


def _generated_people(rng: random.Random, count: int) -> list[tuple[str, str]]:
    seen: set[str] = set()
    people: list[tuple[str, str]] = []
    while len(people) < count:
        name = rng.choice(names.SURNAMES) + rng.choice(names.GIVEN)
        if name not in seen:
            seen.add(name)
            people.append((f"u{len(people) + 1:03d}", name))
    return people


CHAINS = [
    (
        "biomed",
        "生物医药",
        "jiangdd",
        "gxj",
        ["321281", "321283", "321202"],
        "围绕药包材、化学药、生物药、医疗器械和研发外包补链强链。",
    ),
    (
        "chem",
        "化工及新材料",
        "lead_chem",
        "gxj",
        ["321283", "321282", "321203"],
        "以精细化工、高分子材料、新能源材料为重点。",
    ),
    (
        "equip",
        "高端装备",
        "lead_equip",
        "fgw",
        ["321282", "321204", "321203"],
        "以船舶海工、智能装备、汽车零部件为重点。",
    ),
]
CHAIN_REGIONS = {chain[0]: chain[4] for chain in CHAINS}
DISTRICTS = ["321202", "321203", "321204", "321281", "321282", "321283"]
TEAM_DEPARTMENTS = ["fgw", "swj", "kjj", "zrzy", "sthj", "scjg", "gdgs", "wjw"]


def _load_people(
    rng: random.Random, regions: dict[str, Region], departments: dict[str, Department], loaded: Loaded
) -> dict[str, User]:
    users = {p.username: _ensure_user(p, regions, departments, loaded) for p in PEOPLE}
    for admin in (u for u in users.values() if services_2fa.required_for(u)):
        if not TOTPDevice.objects.filter(user=admin).exists():
            services_2fa.loader_enrol(actor=DEMO, user=admin, secret=DEMO_TOTP_SECRET)
            loaded.add("totp device")
    pool = iter(_generated_people(rng, 60))

    def person(username: str, role: str, title: str, region: str = "321200", dept: str | None = None) -> None:
        _, name = next(pool)
        users[username] = _ensure_user(Person(username, name, role, title, region, dept), regions, departments, loaded)

    person("lead_chem", Role.CITY_LEADER, "副市长、化工及新材料产业链链长")
    person("lead_equip", Role.CITY_LEADER, "副市长、高端装备产业链链长")
    for code in TEAM_DEPARTMENTS:
        person(f"tm_{code}", Role.TEAM_MEMBER, f"{departments[code].short_name}分管负责人", dept=code)
    for code in DISTRICTS:
        person(f"tm_{code}", Role.TEAM_MEMBER, f"{regions[code].name}分管负责人", region=code)
        if code != "321281":
            person(f"lz_{code}", Role.LIAISON, f"{regions[code].name}挂钩服务专员", region=code)
            person(f"da_{code}", Role.DISTRICT_ADMIN, f"{regions[code].name}产业链工作专班", region=code)
    for code in ("fgw", "gxj", "swj", "gdgs", "sthj"):
        person(f"dh_{code}", Role.DEPT_HANDLER, f"{departments[code].short_name}经办人", dept=code)
    return users


def _load_chains(
    users: dict[str, User], regions: dict[str, Region], departments: dict[str, Department], loaded: Loaded
) -> dict[str, Chain]:
    chains: dict[str, Chain] = {}
    for order, (code, name, chief, lead, region_codes, description) in enumerate(CHAINS):
        chains[code] = _get_or_create(
            Chain,
            {"code": code},
            loaded,
            name=name,
            chief=users[chief],
            lead_department=departments[lead],
            description=description,
            sort_order=order,
            regions=[regions[c] for c in region_codes],
        )
    teams = {
        "biomed": [("jiangdd", TeamRole.CHIEF), ("zhangkun", TeamRole.CHAIR), ("wangzh", TeamRole.LEAD_DEPT)]
        + [(f"tm_{c}", TeamRole.MEMBER) for c in TEAM_DEPARTMENTS]
        + [(f"tm_{c}", TeamRole.LIAISON) for c in ("321281", "321283", "321202")],
        "chem": [("lead_chem", TeamRole.CHIEF), ("wangzh", TeamRole.LEAD_DEPT)]
        + [(f"tm_{c}", TeamRole.MEMBER) for c in ("fgw", "sthj", "gdgs", "321283", "321282")],
        "equip": [("lead_equip", TeamRole.CHIEF)]
        + [(f"tm_{c}", TeamRole.MEMBER) for c in ("fgw", "kjj", "swj", "321282", "321204")],
    }
    for code, members in teams.items():
        for order, (username, team_role) in enumerate(members):
            _get_or_create(
                TeamMember,
                {"chain": chains[code], "user": users[username]},
                loaded,
                team_role=team_role,
                sort_order=order,
            )
    return chains


def _liaison_for(region_code: str, users: dict[str, User]) -> User:
    return users["liming"] if region_code == "321281" else users[f"lz_{region_code}"]


def _load_enterprises(
    users: dict[str, User],
    regions: dict[str, Region],
    chains: dict[str, Chain],
    loaded: Loaded,
    count: int,
) -> list[tuple[Enterprise, service.Plan]]:
    quals = service.load_qualifications(loaded.add)
    nodes = service.load_trees(chains, loaded.add)
    planned: list[tuple[Enterprise, service.Plan]] = []

    def position(plan: service.Plan) -> dict[str, Any]:
        return {
            "chains": [chains[plan.chain]],
            "nodes": [nodes[(plan.chain, plan.leaf)]],
            "qualifications": [quals[c] for c in plan.qualifications],
            "leader": users[plan.leader] if plan.leader else None,
        }

    for data, plan in zip(SEED_ENTERPRISES, service.SEED_PLANS, strict=True):
        enterprise = Enterprise.objects.filter(name=data["name"]).first()
        if enterprise is None:
            loaded.add("enterprise")
            enterprise = audited_create(
                model=Enterprise,
                actor=DEMO,
                message="demo",
                uscc=make_uscc(random.Random(data["name"]), data["region"]),  # noqa: S311 - demo data
                region=regions[data["region"]],
                liaison=_liaison_for(data["region"], users),
                **position(plan),
                **{k: v for k, v in data.items() if k != "region"},
            )
        service.place(enterprise, plan, nodes, quals)
        planned.append((enterprise, plan))
    boshen = Enterprise.objects.get(name=SEED_ENTERPRISES[0]["name"])
    _get_or_create(EnterpriseAccount, {"user": users["liuyang"]}, loaded, enterprise=boshen)
    existing = {e.name: e for e in Enterprise.objects.select_related("liaison")}
    for i in range(count):
        # One generator per enterprise: re-running, or loading more, never changes the earlier ones.
        rng = random.Random(f"enterprise:{i}")  # noqa: S311 - demo data
        chain_code = "biomed" if i % 10 < 5 else ("chem" if i % 10 < 8 else "equip")
        region_code = rng.choice(CHAIN_REGIONS[chain_code]) if i % 3 else rng.choice(DISTRICTS)
        head = names.FIRM_HEADS[i % len(names.FIRM_HEADS)]
        trade = names.FIRM_TRADES[chain_code][(i // len(names.FIRM_HEADS)) % len(names.FIRM_TRADES[chain_code])]
        name = f"泰州{head}{trade}{names.FIRM_FORMS[(i // 7) % len(names.FIRM_FORMS)]}"
        plan = service.plan_generated(i, chain_code, trade)
        if name in existing:
            service.place(existing[name], plan, nodes, quals)
            planned.append((existing[name], plan))
            continue
        loaded.add("enterprise")
        enterprise = audited_create(
            model=Enterprise,
            actor=DEMO,
            message="demo",
            name=name,
            uscc=make_uscc(rng, region_code),
            region=regions[region_code],
            address=f"{regions[region_code].name}{rng.choice(names.STREETS)}",
            founded_on=dt.date(rng.randint(1995, 2023), rng.randint(1, 12), rng.randint(1, 28)),
            business=f"{trade}产品的研发、生产与销售。",
            liaison=_liaison_for(region_code, users),
            **position(plan),
        )
        existing[name] = enterprise
        planned.append((enterprise, plan))
    return planned


def seed_day_for(today: dt.date) -> dt.date:
    """The latest 11月24日 on or before `today`: the day of the seed report's site visit and meeting."""
    return dt.date(today.year if (today.month, today.day) >= (11, 24) else today.year - 1, 11, 24)


def _load_meetings(
    users: dict[str, User],
    regions: dict[str, Region],
    chains: dict[str, Chain],
    loaded: Loaded,
    today: dt.date,
    seed_firms: list[Enterprise],
) -> None:
    seed_day = seed_day_for(today)
    seed_meeting.load_seed_meeting(users, regions, chains["biomed"], seed_day, seed_firms, loaded.add)
    for code, chain in chains.items():
        team = [m.user for m in chain.team.select_related("user")]
        for months_back in range(1, 6):
            held_on = seed_day - dt.timedelta(days=30 * months_back + 3)
            if Meeting.objects.filter(chain=chain, held_on=held_on).exists():
                continue
            loaded.add("meeting")
            kind = MeetingKind.SITE_VISIT if months_back % 2 else MeetingKind.REGULAR
            region_code = DISTRICTS[(months_back + len(code)) % len(DISTRICTS)]
            audited_create(
                model=Meeting,
                actor=DEMO,
                message="demo",
                chain=chain,
                kind=kind,
                held_on=held_on,
                title=f"{chain.name}产业链服务团队{'现场观摩' if kind == MeetingKind.SITE_VISIT else '工作例会'}",
                region=regions[region_code],
                location=f"{regions[region_code].name}",
                leader=chain.chief,
                summary="听取重点项目推进和企业诉求办理情况汇报，研究部署下阶段工作。",
                attendees=team,
            )


@transaction.atomic
def load(*, enterprises: int = 150, today: dt.date | None = None) -> Loaded:
    """Load or complete the demo city. Deterministic: the same data every time."""
    rng = random.Random(20261124)  # noqa: S311 - demo data, not security
    loaded = Loaded()
    regions, departments = _load_org(loaded)
    users = _load_people(rng, regions, departments, loaded)
    chains = _load_chains(users, regions, departments, loaded)
    today = today or clock.today()
    planned = _load_enterprises(users, regions, chains, loaded, enterprises)
    service.load_service(planned, users, today, seed_day_for(today), loaded.add)
    year_to_date.load_year_to_date(planned, today, loaded.add)  # this year's figures so far
    _load_meetings(users, regions, chains, loaded, today, [e for e, _ in planned[: len(SEED_ENTERPRISES)]])
    _load_pipeline(planned, users, chains, loaded, seed_day_for(today))
    _load_demands(planned, users, loaded, today)
    _load_decisions(planned, users, loaded, today)
    demands.escalate(today)  # once every task is there: the decisions add some after the demands
    targets.load_targets(users, today, loaded.add)  # last: set against what the city has done
    return loaded


def _load_demands(
    planned: list[tuple[Enterprise, service.Plan]], users: dict[str, User], loaded: Loaded, today: dt.date
) -> None:
    """Demands at every status and the items sought from higher levels (issue 5)."""
    enterprises: dict[str | int, Enterprise] = {"boshen": planned[0][0], "jyz": planned[1][0]}
    enterprises.update({i: e for i, (e, _) in enumerate(planned[len(SEED_ENTERPRISES) :])})
    world = demands.World(users, enterprises, seed_day_for(today), today)
    demands.load_demands(world, loaded.add)
    upward.load_upward(world, loaded.add)


def _load_decisions(
    planned: list[tuple[Enterprise, service.Plan]], users: dict[str, User], loaded: Loaded, today: dt.date
) -> None:
    """The 11月24日 meeting in full (issue 12): its site-visit stops and speeches (the projects exist by now), its
    decisions (议定事项: one turned into a demand, two assigned to their departments, issue 5 and 12), the briefing
    it leaves behind and the chain's next meeting with its agenda."""
    enterprises = {"boshen": planned[0][0], "jyz": planned[1][0]}
    seed_day = seed_day_for(today)
    meeting = Meeting.objects.filter(chain__code="biomed", held_on=seed_day, title=seed_meeting.TITLE).first()
    if meeting is None:
        return
    seed_meeting.load_stops(meeting, users, enterprises, loaded.add)
    seed_meeting.load_speeches(meeting, users, enterprises, loaded.add)
    meetings.load_decisions(users, enterprises, seed_day, loaded.add)
    paperwork.load_next_meeting(meeting.chain, users, seed_day, today, loaded.add)
    paperwork.load_briefing(meeting, users, seed_day, loaded.add)


def _load_pipeline(
    planned: list[tuple[Enterprise, service.Plan]],
    users: dict[str, User],
    chains: dict[str, Chain],
    loaded: Loaded,
    seed_day: dt.date,
) -> None:
    """Talents, R&D partners and cooperations, projects, then leads (issue 4). The seed firms are keyed
    "boshen" and "jyz", generated enterprise number i by i."""
    enterprises: dict[str | int, Enterprise] = {"boshen": planned[0][0], "jyz": planned[1][0]}
    enterprises.update({i: e for i, (e, _) in enumerate(planned[len(SEED_ENTERPRISES) :])})
    talents = network.load_talents(users, chains, seed_day, loaded.add)
    partners = network.load_partners(loaded.add)
    network.load_cooperations(enterprises, partners, seed_day, loaded.add)
    projects.load_projects(projects.World(users, chains, enterprises, talents, seed_day), loaded.add)
    leads.load_leads(leads.World(users, chains, enterprises, talents, partners, seed_day), loaded.add)
