"""The demo's network outside the city: hometown talents (在外能人) in 上海/北京/深圳/苏州/南京 with their keepers
and contact logs, R&D partners (研发资源) and the local enterprises' cooperations with them.

Through the network services (audited). Talents and partners are found by name, cooperations by
(enterprise, partner, subject); a talent's contacts are written when the talent is, so loading again
creates nothing. The people are invented; the institutions are real universities and institutes."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from chaindesk.accounts.models import Region, User
from chaindesk.chains.models import Chain
from chaindesk.core.actors import DEMO
from chaindesk.enterprises.models import Enterprise
from chaindesk.network import services
from chaindesk.network.models import ContactKind, CooperationStatus, PartnerKind, RdCooperation, RdPartner, Talent


@dataclass(frozen=True)
class TalentSpec:
    name: str
    city: str
    organisation: str
    title: str
    field: str
    hometown: str  # region code
    ties: str
    keeper: str
    chains: tuple[str, ...]
    contacts: tuple[tuple[int, str, str], ...]  # (days before the seed day, kind, notes)


TALENTS = [
    TalentSpec(
        "顾文博", "上海", "上海瑞澄生物医药有限公司", "副总裁", "生物制药", "321281", "兴化籍，父母在戴南镇", "liming",
        ("biomed",),
        ((300, ContactKind.EVENT, "参加在外能人恳谈会，愿意推介上海生物医药企业来兴化考察。"),
         (40, ContactKind.MEETING, "赴上海拜访，对方推荐一家单抗药物企业的中试基地项目。")),
    ),
    TalentSpec(
        "陆晓东", "北京", "北京华创医疗器械有限公司", "总经理", "医疗器械注册", "321281", "兴化籍，高中就读于兴化中学",
        "wangzh", ("biomed",),
        ((200, ContactKind.CALL, "电话沟通医疗器械注册服务平台落地设想。"),
         (12, ContactKind.MESSAGE, "发送园区政策资料，约定下月来泰考察。")),
    ),
    TalentSpec(
        "沈慧敏", "深圳", "深圳新锂科技有限公司", "研发总监", "新能源材料", "321283", "泰兴籍，每年春节返乡",
        "tm_321283", ("chem",),
        ((150, ContactKind.CALL, "了解其企业电解液产能布局调整计划。"),),
    ),
    TalentSpec(
        "周思远", "苏州", "苏州博润医疗科技有限公司", "董事长", "眼科医疗器械", "321204", "姜堰籍，配偶为本地人",
        "tm_321281", ("biomed",),
        ((90, ContactKind.MEETING, "在苏州座谈，对方有意在泰州设立眼科器械生产基地。"),
         (20, ContactKind.CALL, "跟进投资意向，对方计划12月来泰考察。")),
    ),
    TalentSpec(
        "钱振华", "南京", "中国药科大学", "教授", "药物制剂", "321281", "兴化籍，曾在本地药企工作三年", "liming",
        ("biomed",),
        ((260, ContactKind.EVENT, "参加校企对接会，介绍缓控释制剂技术成果。"),
         (70, ContactKind.MEETING, "陪同本地企业赴南京洽谈技术转化。")),
    ),
    TalentSpec(
        "吴宇航", "上海", "上海交通大学", "研究员", "船舶设计", "321282", "靖江籍，父母在靖江城区", "tm_fgw",
        ("equip",),
        ((120, ContactKind.CALL, "咨询绿色智能船舶配套技术合作方向。"),),
    ),
    TalentSpec(
        "姚静怡", "北京", "北京启元投资管理有限公司", "投资总监", "投资并购", "321202", "海陵籍，每年春节返乡",
        "zhangkun", ("biomed", "chem"),
        ((60, ContactKind.MEETING, "介绍其基金关注的生物医药和新材料项目。"),),
    ),
    TalentSpec(
        "孔德明", "深圳", "深圳安瑞智能装备有限公司", "总经理", "智能制造", "321203", "高港籍，曾在本地工作五年",
        "tm_kjj", ("equip",), (),
    ),
]  # fmt: skip

PARTNERS = [
    ("中国药科大学", PartnerKind.UNIVERSITY, "南京", "药物制剂、药物分析、生物药"),
    ("上海医药工业研究院", PartnerKind.INSTITUTE, "上海", "化学药、药物制剂、药包材"),
    ("复旦大学", PartnerKind.UNIVERSITY, "上海", "药学、生物医学工程"),
    ("北京化工大学", PartnerKind.UNIVERSITY, "北京", "高分子材料、精细化工"),
    ("中国科学院上海药物研究所", PartnerKind.INSTITUTE, "上海", "创新药、药理、生物药"),
    ("南京工业大学", PartnerKind.UNIVERSITY, "南京", "化工、新材料、连续流工艺"),
    ("上海交通大学", PartnerKind.UNIVERSITY, "上海", "船舶与海洋工程、智能制造"),
    ("苏州大学", PartnerKind.UNIVERSITY, "苏州", "医用材料、纺织材料"),
    ("哈尔滨工程大学", PartnerKind.UNIVERSITY, "哈尔滨", "船舶与海洋工程、动力装备"),
]

# (enterprise: seed key or generated index, partner, subject, started days before the seed day, ended days
# before it or None, status)
SEED_NAMES = {"boshen": "江苏博生医用新材料股份有限公司", "jyz": "江苏金扬子包装科技有限公司"}
COOPERATIONS: list[tuple[str | int, str, str, int, int | None, str]] = [
    ("boshen", "上海医药工业研究院", "功能性医用膜材阻隔性能研究", 420, None, CooperationStatus.ACTIVE),
    ("boshen", "中国药科大学", "药包材与药品相容性研究", 900, 300, CooperationStatus.DONE),
    ("jyz", "复旦大学", "腹透液包装材料生物相容性评价", 260, None, CooperationStatus.ACTIVE),
    ("jyz", "上海医药工业研究院", "预充式导管冲洗器灌装工艺开发", 45, None, CooperationStatus.TALKING),
    (1, "苏州大学", "医用透析膜材料改性研究", 500, None, CooperationStatus.ACTIVE),
    (4, "中国科学院上海药物研究所", "单抗药物细胞株构建与工艺开发", 330, None, CooperationStatus.ACTIVE),
    (7, "南京工业大学", "医药中间体连续流合成工艺", 700, 120, CooperationStatus.DONE),
    (16, "北京化工大学", "锂电正极材料包覆改性", 380, None, CooperationStatus.ACTIVE),
    (36, "北京化工大学", "高性能聚酯催化体系", 620, 200, CooperationStatus.STOPPED),
    (18, "上海交通大学", "绿色智能船舶配套设计", 240, None, CooperationStatus.ACTIVE),
    (8, "哈尔滨工程大学", "船用精密轴承可靠性试验", 150, None, CooperationStatus.TALKING),
]


def load_talents(users: dict[str, User], chains: dict[str, Chain], seed_day: dt.date, add: Any) -> dict[str, Talent]:
    regions = {r.code: r for r in Region.objects.all()}
    talents = {t.name: t for t in Talent.objects.filter(name__in=[s.name for s in TALENTS])}
    for spec in TALENTS:
        if spec.name in talents:
            continue
        add("talent")
        keeper = users[spec.keeper]
        talent = services.talent_create(
            actor=DEMO, name=spec.name, city=spec.city, organisation=spec.organisation, keeper=keeper,
            title=spec.title, field=spec.field, hometown=regions[spec.hometown], ties=spec.ties,
            phone=f"1395260{sum(map(ord, spec.name)) % 10_000:04d}", chains=[chains[c] for c in spec.chains],
        )  # fmt: skip
        for days, kind, notes in spec.contacts:
            add("talentcontact")
            services.talent_contact_add(
                actor=keeper, talent=talent, contacted_on=seed_day - dt.timedelta(days=days), notes=notes, kind=kind
            )
        talents[spec.name] = talent
    return talents


def load_partners(add: Any) -> dict[str, RdPartner]:
    partners = {p.name: p for p in RdPartner.objects.filter(name__in=[name for name, *_ in PARTNERS])}
    for name, kind, city, fields in PARTNERS:
        if name not in partners:
            add("rdpartner")
            partners[name] = services.partner_create(actor=DEMO, name=name, city=city, kind=kind, fields=fields)
    return partners


def load_cooperations(
    enterprises: dict[str | int, Enterprise], partners: dict[str, RdPartner], seed_day: dt.date, add: Any
) -> None:
    have = set(RdCooperation.objects.values_list("enterprise_id", "partner_id", "subject"))
    for owner, partner_name, subject, started, ended, status in COOPERATIONS:
        enterprise = enterprises.get(owner)
        partner = partners[partner_name]
        if enterprise is None or enterprise.liaison is None or (enterprise.pk, partner.pk, subject) in have:
            continue
        add("rdcooperation")
        services.cooperation_create(
            actor=enterprise.liaison, enterprise=enterprise, partner=partner, subject=subject,
            started_on=seed_day - dt.timedelta(days=started),
            ended_on=seed_day - dt.timedelta(days=ended) if ended is not None else None, status=status,
        )  # fmt: skip
