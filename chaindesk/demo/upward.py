"""The demo's items sought from higher levels (上争事项): six items of the 生物医药 chain in 兴化市, one at every
stage (谋划, 申报, 审核中, two 获批, 未获批), with the amounts sought and obtained and the enterprises and projects
they serve.

Everything goes through the services (chaindesk.upward.services); each item is then dated to the story
(registered a week before its first step, the stage moves ten days apart, none after the seed day). An item
is found by title: loading again creates nothing."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chaindesk.accounts.models import Department, Region
from chaindesk.chains.models import Chain
from chaindesk.projects.models import Project
from chaindesk.upward import services
from chaindesk.upward.choices import UpwardStage
from chaindesk.upward.models import UpwardRequest

from .demands import World
from .projects import working_hours


@dataclass(frozen=True)
class Item:
    title: str
    kind: str
    level: str
    counterpart: str
    department: str
    stage: str
    sought: int | None  # 万元
    obtained: int | None = None
    enterprises: tuple[str, ...] = ()
    window: tuple[int, int] | None = None  # days from the seed day: window opens, deadline
    description: str = ""


ITEMS = [
    Item("医用膜材项目申报省级工业和信息化产业转型升级专项资金", "funds", "province", "省工业和信息化厅", "gxj",
         UpwardStage.REVIEWING, 800, enterprises=("boshen",), window=(-60, -20),
         description="年产3000万平方米特殊功能性新型医用膜材项目，按设备投资额申请专项资金补助。"),
    Item("兴化市药包材产业集群申报国家级中小企业特色产业集群", "pilot", "state", "工业和信息化部", "gxj",
         UpwardStage.APPLIED, 2000, enterprises=("boshen", "jyz"), window=(-30, 10),
         description="以江苏博生、江苏金扬子为龙头，申报国家级中小企业特色产业集群试点。"),
    Item("医用膜材项目新增建设用地指标（省级统筹）", "quota", "province", "省自然资源厅", "zrzy",
         UpwardStage.PLANNING, None, enterprises=("boshen",), window=(5, 36),
         description="项目需新增建设用地约30亩，争取纳入省级重大项目用地指标统筹保障。"),
    Item("金美特医用材料生产项目环评审批（省级权限）", "approval", "province", "省生态环境厅", "sthj",
         UpwardStage.APPROVED, None, enterprises=("jyz",), window=(-90, -45),
         description="腹透引流袋、预充式导管冲洗器生产线环评报告书，省级审批权限。"),
    Item("生物医药先进制造业集群培育省级奖补资金", "funds", "province", "省发展和改革委员会", "fgw",
         UpwardStage.APPROVED, 1500, 1200, enterprises=("jyz",), window=(-120, -75),
         description="争取省级先进制造业集群培育奖补资金，用于公共检测平台建设。"),
    Item("医疗器械注册人制度跨区域委托生产试点", "policy", "state", "国家药品监督管理局", "scjg",
         UpwardStage.DECLINED, None, window=(-150, -100),
         description="争取将兴化药包材企业纳入跨区域委托生产试点；本批次未获批，明年继续争取。"),
]  # fmt: skip
PATH: dict[str, list[str]] = {
    UpwardStage.PLANNING: [],
    UpwardStage.APPLIED: [UpwardStage.APPLIED],
    UpwardStage.REVIEWING: [UpwardStage.APPLIED, UpwardStage.REVIEWING],
    UpwardStage.APPROVED: [UpwardStage.APPLIED, UpwardStage.REVIEWING, UpwardStage.APPROVED],
    UpwardStage.DECLINED: [UpwardStage.APPLIED, UpwardStage.REVIEWING, UpwardStage.DECLINED],
}


def load_upward(world: World, add: Any) -> None:
    existing = set(UpwardRequest.objects.filter(title__in=[i.title for i in ITEMS]).values_list("title", flat=True))
    actor, seed = world.users["wangzh"], world.seed_day
    biomed, xinghua = Chain.objects.get(code="biomed"), Region.objects.get(code="321281")
    for spec in ITEMS:
        if spec.title in existing:
            continue
        add("upward_request")
        firms = [world.enterprises[k] for k in spec.enterprises if k in world.enterprises]
        opens, deadline = (seed + dt.timedelta(days=d) for d in spec.window) if spec.window else (None, None)
        item = services.upward_create(
            actor=actor, title=spec.title, kind=spec.kind, level=spec.level, counterpart=spec.counterpart,
            department=Department.objects.get(code=spec.department), chain=biomed, region=xinghua,
            window_opens_on=opens, deadline=deadline,
            amount_sought=Decimal(spec.sought) if spec.sought is not None else None, description=spec.description,
            enterprises=firms, projects=list(Project.objects.filter(enterprise__in=firms, chain=biomed)),
        )  # fmt: skip
        moves = PATH[spec.stage]
        start = min(deadline or seed, seed) - dt.timedelta(days=10 * len(moves))
        # Registered before its first step, not at the moment the demo was loaded.
        registered = min(start, opens or start) - dt.timedelta(days=7)
        UpwardRequest.objects.filter(pk=item.pk).update(created_at=working_hours(registered, 9))
        for n, stage in enumerate(moves, start=1):
            on = min(start + dt.timedelta(days=10 * n), seed)
            obtained = Decimal(spec.obtained) if stage == UpwardStage.APPROVED and spec.obtained else None
            services.upward_advance(item=item, to_stage=stage, on=on, actor=actor, amount_obtained=obtained)
