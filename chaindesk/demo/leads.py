"""The demo's investment leads: every stage (新线索 … 签约, 放弃) from every source (以商引商 referred by 江苏博生
and 江苏金扬子, 在外能人, 异地对接 上海/深圳, 展会, 研发机构, 其他), with follow-ups whose next actions fall
around the seed day (some overdue, some due in the coming days) in the owners' queues, 李明 among them.

One referral by 江苏博生 was signed and became a 配套 project credited to it (Lead.project); one lead was
abandoned with its reason. Through chaindesk.leads.services; a lead is found by title and an existing one
is left as it is, so loading again creates nothing."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from chaindesk.accounts.models import Region, User
from chaindesk.chains.models import Chain, ChainNode
from chaindesk.enterprises.models import Enterprise
from chaindesk.leads import services
from chaindesk.leads.choices import LeadSource, LeadStage
from chaindesk.leads.models import Lead
from chaindesk.network.models import RdPartner, Talent
from chaindesk.projects import services as project_services
from chaindesk.projects.choices import ProjectKind
from chaindesk.projects.models import InvestmentReport

from .projects import working_hours

T, ST = LeadSource, LeadStage
SIGNED_TITLE = "医用铝塑复合膜配套项目"


@dataclass(frozen=True)
class LeadSpec:
    title: str
    source: str
    investor: str
    chain: str
    node: str | None
    region: str | None
    investment: int  # 万元
    owner: str
    stage: str
    origin: str = ""  # referrer ("boshen"/"jyz"), talent name, partner name or source city
    description: str = ""
    moves: tuple[tuple[str, int], ...] = ()  # (stage, days before the seed day)
    # (days before the seed day, notes, next action, next action: days after the seed day (negative: overdue))
    follow_ups: tuple[tuple[int, str, str, int | None], ...] = field(default=())
    reason: str = ""  # why it was abandoned


LEADS = [
    LeadSpec(SIGNED_TITLE, T.REFERRAL, "上海瑞澄包装材料有限公司", "biomed", "医用膜材", "321281", 8_000, "liming",
             ST.SIGNED, "boshen", "江苏博生引荐其上游铝塑复合膜供应商来兴化配套建厂。",
             ((ST.CONTACTED, 150), (ST.INSPECTED, 110), (ST.NEGOTIATING, 80)),
             ((140, "江苏博生牵线，与对方总经理电话沟通配套意向。", "邀请对方来兴化考察", -120),
              (90, "对方来兴化考察园区标准厂房。", "起草投资协议文本", -60))),
    LeadSpec("医用膜材涂布加工项目", T.REFERRAL, "苏州恒润新材料有限公司", "biomed", "医用膜材", "321281", 6_000,
             "liming", ST.NEGOTIATING, "boshen", "江苏博生下游涂布加工企业，拟就近配套。",
             ((ST.CONTACTED, 100), (ST.NEGOTIATING, 40)),
             ((95, "电话联系对方董事长，介绍配套政策。", "赴苏州拜访", -80),
              (30, "就用地和厂房租赁条件进行洽谈。", "组织部门会商项目条件", -6))),
    LeadSpec("预充式导管冲洗器配套注塑件项目", T.REFERRAL, "宁波精诚塑业有限公司", "biomed", "耗材", "321281", 3_500,
             "liming", ST.CONTACTED, "jyz", "江苏金扬子金美特项目的注塑件供应商。",
             ((ST.CONTACTED, 25),),
             ((25, "江苏金扬子引荐，电话沟通配套意向。", "提供园区用地和政策资料", 3),)),
    LeadSpec("药用玻璃包材项目", T.REFERRAL, "山东华鼎药用玻璃有限公司", "biomed", "输液包材", "321281", 12_000,
             "liming", ST.NEW, "jyz", "江苏金扬子提供的潜在配套企业信息。",
             follow_ups=((5, "收集对方企业基本情况和投资意向。", "电话联系对方负责人", 2),)),
    LeadSpec("单抗药物中试基地项目", T.TALENT, "上海瑞澄生物医药有限公司", "biomed", "生物药", "321202", 35_000,
             "wangzh", ST.INSPECTED, "顾文博", "在外能人顾文博推荐。",
             ((ST.CONTACTED, 60), (ST.INSPECTED, 21)),
             ((40, "赴上海拜访，对方介绍中试基地建设需求。", "邀请对方来泰实地考察", -25),
              (21, "对方来泰考察医药高新区。", "组织部门会商项目条件", 6))),
    LeadSpec("医疗器械注册服务平台项目", T.TALENT, "北京华创医疗器械有限公司", "biomed", "设备", "321281", 2_000,
             "wangzh", ST.NEW, "陆晓东", "在外能人陆晓东提出在兴化设立注册服务分支。",
             follow_ups=((12, "发送园区政策资料。", "约对方来泰考察", 10),)),
    LeadSpec("眼科医疗器械生产基地项目", T.TALENT, "苏州博润医疗科技有限公司", "biomed", "设备", "321204", 15_000,
             "tm_321281", ST.CONTACTED, "周思远", "在外能人周思远所在企业拟设生产基地。",
             ((ST.CONTACTED, 20),),
             ((20, "电话跟进，对方计划12月来泰考察。", "安排考察行程", 8),)),
    LeadSpec("CDMO 研发生产基地二期项目", T.REMOTE, "上海澄川医药科技有限公司", "biomed", "研发外包 (CRO/CDMO)",
             "321283", 45_000, "wangzh", ST.NEGOTIATING, "上海", "赴上海招商对接活动中接洽。",
             ((ST.CONTACTED, 120), (ST.INSPECTED, 75), (ST.NEGOTIATING, 30)),
             ((110, "在上海对接会上交流投资意向。", "邀请来泰考察", -90),
              (28, "就投资强度和产出条件进行洽谈。", "协调市领导会见投资方", -3))),
    LeadSpec("生物医药产业园整体招商项目", T.REMOTE, "上海浦江生物医药园区运营有限公司", "biomed", None, "321281", 50_000,
             "tm_321281", ST.NEW, "上海", "积极融入上海，策划“延伸地”“后花园”园区合作。"),
    LeadSpec("高端医用敷料项目", T.EXPO, "广州康瑞医疗用品有限公司", "biomed", "耗材", "321281", 5_000, "liming",
             ST.CONTACTED, "", "中国国际医疗器械博览会（CMEF）上接触。",
             ((ST.CONTACTED, 50),),
             ((50, "展会后电话回访。", "寄送投资指南", -35),
              (15, "对方表示明年一季度确定选址。", "一季度再次跟进", 45))),
    LeadSpec("体外诊断试剂项目", T.EXPO, "杭州明析生物技术有限公司", "biomed", "耗材", "321283", 7_000, "lz_321283",
             ST.ABANDONED, "", "中国国际医药原料药展（CPHI）上接触。",
             ((ST.CONTACTED, 130),),
             ((125, "电话沟通投资意向。", "邀请来泰考察", -100),),
             "投资方选择落户外省"),
    LeadSpec("缓控释制剂技术转化项目", T.RD, "中国药科大学技术转移中心", "biomed", "化学药", "321281", 4_000, "wangzh",
             ST.INSPECTED, "中国药科大学", "“研发在北上广、落地在兴化”：高校成果在本地产业化。",
             ((ST.CONTACTED, 70), (ST.INSPECTED, 35)),
             ((70, "陪同本地企业赴南京洽谈技术转化。", "组织专家来泰考察", -40),
              (35, "专家团队来泰考察合作企业。", "形成合作方案", -10))),
    LeadSpec("医用高分子材料中试项目", T.RD, "北京化工大学科技园", "chem", "高分子材料", "321281", 6_000, "wangzh",
             ST.NEGOTIATING, "北京化工大学", "",
             ((ST.CONTACTED, 90), (ST.NEGOTIATING, 25)),
             ((25, "就中试平台共建方式进行洽谈。", "起草合作协议", 5),)),
    LeadSpec("锂电隔膜项目", T.REMOTE, "深圳锐能新材料有限公司", "chem", "新能源材料", "321283", 28_000, "tm_321283",
             ST.CONTACTED, "深圳", "赴深圳招商对接。",
             ((ST.CONTACTED, 40),),
             ((40, "在深圳拜访对方总部。", "提供园区用地资料", -12),)),
    LeadSpec("智能焊接机器人项目", T.OTHER, "南京智焊科技有限公司", "equip", "智能装备", "321204", 9_000, "tm_fgw",
             ST.INSPECTED, "", "商会推荐。",
             ((ST.CONTACTED, 60), (ST.INSPECTED, 18)),
             ((18, "对方来泰考察姜堰高新区。", "组织部门会商项目条件", 1),)),
    LeadSpec("船舶智能控制系统项目", T.TALENT, "上海海智船舶科技有限公司", "equip", "船舶海工", "321203", 12_000,
             "tm_fgw", ST.NEW, "吴宇航", "在外能人吴宇航推荐的船舶配套企业。"),
]  # fmt: skip


@dataclass
class World:
    users: dict[str, User]
    chains: dict[str, Chain]
    enterprises: dict[str | int, Enterprise]
    talents: dict[str, Talent]
    partners: dict[str, RdPartner]
    seed_day: dt.date


def _origin(spec: LeadSpec, world: World) -> dict[str, Any] | None:
    """The source's fields; None when the referring enterprise is not loaded."""
    if spec.source == T.REFERRAL:
        referrer = world.enterprises.get(spec.origin)
        return {"referrer": referrer} if referrer else None
    if spec.source == T.TALENT:
        return {"talent": world.talents[spec.origin]}
    if spec.source == T.RD:
        partner = world.partners[spec.origin]
        return {"rd_partner": partner, "source_city": partner.city}
    return {"source_city": spec.origin}


def _create(spec: LeadSpec, world: World, origin: dict[str, Any]) -> Lead:
    chain = world.chains[spec.chain]
    owner = world.users[spec.owner]
    return services.lead_create(
        actor=owner, title=spec.title, source=spec.source, investor=spec.investor, chain=chain, owner=owner,
        node=ChainNode.objects.get(chain=chain, name=spec.node) if spec.node else None,
        region=Region.objects.get(code=spec.region) if spec.region else None,
        estimated_investment=Decimal(spec.investment), description=spec.description, **origin,
    )  # fmt: skip


def _progress(lead: Lead, spec: LeadSpec, world: World) -> None:
    owner = world.users[spec.owner]
    day = world.seed_day
    for stage, days in spec.moves:
        services.lead_advance(lead=lead, to_stage=stage, on=day - dt.timedelta(days=days), actor=owner)
    for days, notes, action, due in spec.follow_ups:
        services.follow_up_add(
            lead=lead, followed_on=day - dt.timedelta(days=days), notes=notes, next_action=action,
            next_action_on=day + dt.timedelta(days=due) if due is not None else None, actor=owner,
        )  # fmt: skip


def _close(lead: Lead, spec: LeadSpec, world: World) -> None:
    owner = world.users[spec.owner]
    on = world.seed_day - dt.timedelta(days=10 if spec.stage == ST.ABANDONED else 45)
    if spec.stage == ST.ABANDONED:
        services.lead_abandon(lead=lead, reason=spec.reason, on=on, actor=owner)
    elif spec.stage == ST.SIGNED:
        project = services.lead_sign(lead=lead, actor=owner, on=on, kind=ProjectKind.SUPPORTING)
        november = world.seed_day.replace(day=1)
        october = (november - dt.timedelta(days=1)).replace(day=1)
        project_services.plan_set(project=project, year=november.year, amount=Decimal(780), actor=owner)
        for month, amount, filed in ((october, 300, november.replace(day=6)), (november, 420, world.seed_day)):
            report = project_services.investment_report(
                project=project, month=month, amount=Decimal(amount), actor=owner, note="厂房租赁装修",
                reported_on=filed,
            )  # fmt: skip
            InvestmentReport.objects.filter(pk=report.pk).update(reported_at=working_hours(filed))


def load_leads(world: World, add: Any) -> None:
    existing = set(Lead.objects.filter(title__in=[s.title for s in LEADS]).values_list("title", flat=True))
    for spec in LEADS:
        origin = _origin(spec, world)
        if spec.title in existing or origin is None:
            continue
        add("lead")
        lead = _create(spec, world, origin)
        # Registered a week before its first recorded step, not at the moment the demo was loaded.
        days = [d for _, d in spec.moves] + [f[0] for f in spec.follow_ups]
        registered = world.seed_day - dt.timedelta(days=max(days, default=0) + 7)
        Lead.objects.filter(pk=lead.pk).update(created_at=working_hours(registered, 9))
        _progress(lead, spec, world)
        _close(lead, spec, world)
