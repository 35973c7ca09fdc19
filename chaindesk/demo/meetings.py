"""The decisions (议定事项) of the 11月24日 生物医药 meeting, from the seed report's 座谈会.

Four decisions recorded by the lead department's team member (王志华) through chaindesk.meetings.services: the
one-to-one service mechanism, 江苏博生's land quota, 江苏金扬子's 金美特 product registration (turned into a
demand, channel 会议决定, so the demo shows a converted decision; its submission moved to the evening of the
meeting day, as the demands' stories are) and the R&D grafting "研发在北上广、落地在兴化". A decision is found by
meeting and content: loading again creates nothing; a decision left unconverted by a partial load is converted."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from chaindesk.accounts.models import Department, User
from chaindesk.core import clock
from chaindesk.demands.models import Category, Demand, DemandEvent
from chaindesk.enterprises.models import Enterprise
from chaindesk.meetings import services
from chaindesk.meetings.models import Decision, Meeting
from chaindesk.projects.models import Project

from .projects import JINMEITE, working_hours


@dataclass(frozen=True)
class DecisionSpec:
    content: str
    enterprise: str | None = None  # "boshen" or "jyz"
    department: str | None = None
    demand: tuple[str, str, str] | None = None  # title, description, category code


DECISIONS = [
    DecisionSpec(
        "建立“一对一”跟踪服务机制，用心服务好现有项目、现有企业，及时解决项目建设、生产经营中的难点堵点，"
        "把企业的“需求清单”转化为项目跟进的“任务清单”。",
        department="gxj",
    ),
    DecisionSpec(
        "协调解决江苏博生特殊功能性新型医用膜材项目新增用地指标，明确供地时序。",
        enterprise="boshen",
        department="zrzy",
    ),
    DecisionSpec(
        "支持江苏金扬子金美特医用材料生产项目加快投产，指导全自动腹透引流袋、预充式导管冲洗器新产品办理医疗器械"
        "注册，做精做专细分赛道。",
        enterprise="jyz",
        department="scjg",
        demand=(
            "金美特项目新产品医疗器械注册辅导",
            "会议议定：指导江苏金扬子全自动腹透引流袋、预充式导管冲洗器新产品办理医疗器械注册，"
            "推动金美特医用材料生产项目早日投产。",
            "approval",
        ),
    ),
    DecisionSpec(
        "在研发资源嫁接上再加力，鼓励和支持企业主动“走出去”，对接上海、北京等地高校院所，"
        "加快实现“研发在北上广、落地在兴化”的创新格局。",
        department="kjj",
    ),
]


def _convert(decision: Decision, spec: DecisionSpec, actor: User, seed_day: dt.date, add: Any) -> None:
    if spec.demand is None or decision.demand_id is not None or decision.enterprise is None:
        return
    title, description, category = spec.demand
    add("demand")
    started = clock.now()
    demand = services.decision_to_demand(
        actor=actor,
        decision=decision,
        title=title,
        description=description,
        category=Category.objects.get(code=category),
        project=Project.objects.filter(enterprise=decision.enterprise, name=JINMEITE).first(),
    )
    when = working_hours(seed_day, 17)
    Demand.objects.filter(pk=demand.pk).update(submitted_at=when)
    DemandEvent.objects.filter(demand=demand, created_at__gte=started).update(created_at=when)


def load_decisions(users: dict[str, User], enterprises: dict[str, Enterprise], seed_day: dt.date, add: Any) -> None:
    meeting = Meeting.objects.filter(chain__code="biomed", held_on=seed_day).select_related("chain").first()
    if meeting is None:
        return
    actor = users["wangzh"]
    existing = {d.content: d for d in Decision.objects.filter(meeting=meeting).select_related("enterprise")}
    for spec in DECISIONS:
        decision = existing.get(spec.content)
        if decision is None:
            add("decision")
            decision = services.decision_add(
                actor=actor,
                meeting=meeting,
                content=spec.content,
                enterprise=enterprises[spec.enterprise] if spec.enterprise else None,
                department=Department.objects.get(code=spec.department) if spec.department else None,
            )
            Decision.objects.filter(pk=decision.pk).update(created_at=working_hours(seed_day, 16))
        _convert(decision, spec, actor, seed_day, add)
