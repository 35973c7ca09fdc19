"""The decisions (议定事项) of the 11月24日 生物医药 meeting, from the seed report's 座谈会, each carried to its end.

Four decisions recorded during the 座谈会 by the lead department's team member (王志华) through
chaindesk.meetings.services: the one-to-one service mechanism (市工信局 牵头, 市发改委) and the R&D grafting
"研发在北上广、落地在兴化" (市科技局) are not about one enterprise, so they are assigned (交办): a 交办事项 with one
task per department, cut in the evening after the meeting, 市工信局's task signed at once; 江苏博生's land quota
stays a decision not yet carried (the meeting page offers 转为诉求: the site visit already raised it as the
enterprise's own demand); 江苏金扬子's 金美特 product registration is turned into a demand (channel 会议决定).
Every step is re-dated to the meeting's evening, as the demands' stories are.

A decision is found by meeting and content: loading again creates nothing; a decision left unconverted or
unassigned by a partial (or older) load is converted or assigned, its departments first set as below."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Max
from django.urls import reverse

from chaindesk.accounts.models import Department, User
from chaindesk.core import clock
from chaindesk.core.models import Notification
from chaindesk.demands import services_tasks
from chaindesk.demands.models import Category, Demand, DemandEvent, Task, TaskUpdate
from chaindesk.enterprises.models import Enterprise
from chaindesk.meetings import services
from chaindesk.meetings.models import Decision, Meeting
from chaindesk.projects.models import Project

from .projects import JINMEITE, working_hours

ASSIGN_AT = (17, 30)  # 交办 right after the 座谈会 (which ended at 17:00)
SIGN_AT = (17, 50)  # 市工信局's handler signs its task the same evening


@dataclass(frozen=True)
class DecisionSpec:
    content: str
    enterprise: str | None = None  # "boshen" or "jyz"
    departments: tuple[str, ...] = ()  # department codes, the lead (牵头) first
    working_days: int = 20  # from the meeting's day
    demand: tuple[str, str, str] | None = None  # title, description, category code
    assign: bool = False  # 交办 to its departments (a decision not about one enterprise)


DECISIONS = [
    DecisionSpec(
        "建立“一对一”跟踪服务机制，用心服务好现有项目、现有企业，及时解决项目建设、生产经营中的难点堵点，"
        "把企业的“需求清单”转化为项目跟进的“任务清单”。",
        departments=("gxj", "fgw"),
        working_days=20,
        assign=True,
    ),
    DecisionSpec(
        "协调解决江苏博生特殊功能性新型医用膜材项目新增用地指标，明确供地时序。",
        enterprise="boshen",
        departments=("zrzy",),
        working_days=15,
    ),
    DecisionSpec(
        "支持江苏金扬子金美特医用材料生产项目加快投产，指导全自动腹透引流袋、预充式导管冲洗器新产品办理医疗器械"
        "注册，做精做专细分赛道。",
        enterprise="jyz",
        departments=("scjg",),
        working_days=20,
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
        departments=("kjj",),
        working_days=30,
        assign=True,
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


def _at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    """`day` at hour:minute in office hours, never later than now (a demo loaded on the meeting's day)."""
    return min(working_hours(day, hour) + dt.timedelta(minutes=minute), clock.now())


def _redate(demand: Demand, marks: tuple[int, int, int], when: dt.datetime) -> None:
    """Move what a step stamped on the 交办事项 (its times, its tasks, timeline rows, updates and the departments'
    notices: rows after `marks`) to `when`. The tasks' deadlines already count from the meeting's day."""
    Demand.objects.filter(pk=demand.pk, submitted_at__gt=when).update(submitted_at=when)
    Demand.objects.filter(pk=demand.pk, accepted_at__gt=when).update(accepted_at=when)
    tasks = Task.objects.filter(demand=demand)
    tasks.filter(created_at__gt=when).update(created_at=when)
    tasks.filter(signed_at__gt=when).update(signed_at=when)
    DemandEvent.objects.filter(demand=demand, pk__gt=marks[0]).update(created_at=when)
    TaskUpdate.objects.filter(task__demand=demand, pk__gt=marks[1]).update(created_at=when)
    pages = [reverse("demands:detail", args=[demand.pk])]
    pages += [reverse("demands:task_detail", args=[pk]) for pk in tasks.values_list("pk", flat=True)]
    Notification.objects.filter(pk__gt=marks[2], url__in=pages).update(created_at=when)


def _marks() -> tuple[int, int, int]:
    return (
        DemandEvent.objects.aggregate(m=Max("pk"))["m"] or 0,
        TaskUpdate.objects.aggregate(m=Max("pk"))["m"] or 0,
        Notification.objects.aggregate(m=Max("pk"))["m"] or 0,
    )


def _departments(decision: Decision, spec: DecisionSpec, actor: User) -> None:
    """Before 交办: the decision's departments and working days as the spec says (an older demo gave it fewer)."""
    codes = list(decision.responsible.order_by("-lead", "pk").values_list("department__code", flat=True))
    if codes == list(spec.departments) and decision.working_days == spec.working_days:
        return
    services.decision_update(
        actor=actor,
        decision=decision,
        content=decision.content,
        enterprise=None,
        departments=[Department.objects.get(code=code) for code in spec.departments],
        working_days=spec.working_days,
    )


def _assign(decision: Decision, spec: DecisionSpec, users: dict[str, User], seed_day: dt.date, add: Any) -> None:
    """交办 a decision not about one enterprise; 市工信局's handler signs its task the same evening."""
    if not spec.assign or decision.demand_id is not None or decision.enterprise_id is not None:
        return
    _departments(decision, spec, users["wangzh"])
    add("assignment")
    marks = _marks()
    demand = services.decision_assign(actor=users["wangzh"], decision=decision)
    _redate(demand, marks, _at(seed_day, *ASSIGN_AT))
    signed = Task.objects.filter(demand=demand, lead_department__code="gxj").first()
    if signed is not None:
        marks = _marks()
        services_tasks.task_sign(task=signed, actor=users["dh_gxj"])
        _redate(demand, marks, _at(seed_day, *SIGN_AT))


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
                departments=[Department.objects.get(code=code) for code in spec.departments],
                working_days=spec.working_days,
            )
            Decision.objects.filter(pk=decision.pk).update(created_at=working_hours(seed_day, 16))
        _convert(decision, spec, actor, seed_day, add)
        _assign(decision, spec, users, seed_day, add)
