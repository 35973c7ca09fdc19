"""The demo's demands (issue 5).

The three issues raised at the 11月24日 site visit become demands from the visit log (江苏博生 新增建设用地指标,
江苏金扬子 双回路供电 and 环评审批); earlier demands of 生物医药 enterprises cover every status and channel:
已提交, 待补充, 已受理, 办理中 with department tasks (signed, with progress, one extension requested, one overdue
→ 预警 and one long overdue → 督办 after the escalation job), 待企业确认, 已办结 rated 满意/基本满意, one reopened
after 不满意, one 不予受理 with its reason; and a few demands of every chain from earlier in the year, closed and
rated (a city's record by the autumn). (The 上争事项 are in chaindesk.demo.upward.)

The site visit's demands (and the one 江苏博生 sent that day) are dated to the seed day (the latest 11月24日); the
others, the queue's, count back from the working day before today (World.recent: the seed day itself under the
default clock), so that on any day the overdue task is 预警 and the long-overdue one 督办, not both 督办 weeks
later. The record's closed demands are brought into this year when they would fall before it and the year has
room for them (from its third week or so): the year's 办结率 and 满意率 have cases early in the year too.

Everything goes through the services (chaindesk.demands.services); the moments the
services stamp (submitted, accepted, assigned, signed, completed, closed; the timeline rows) are then moved to
the story's days, and the working-day figures recomputed from them, so the metrics read as the story says.
A demand is found by enterprise and title: loading again creates nothing."""

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.apps import apps as django_apps
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import Department, User
from chaindesk.core import clock
from chaindesk.core.actors import DEMO
from chaindesk.core.models import Notification
from chaindesk.core.services import audited_create
from chaindesk.demands import services
from chaindesk.demands.choices import Channel, Rating, Urgency
from chaindesk.demands.jobs import run_escalation
from chaindesk.demands.models import Category, Demand, DemandEvent, Task, TaskUpdate
from chaindesk.demands.workdays import add_workdays, workdays_between
from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison.models import VisitIssue

from .projects import working_hours

# Department heads (预警 goes to them); not in the printed login list, which stays one login per role.
HEADS = [
    ("head_zrzy", "顾建平", "zrzy", "市自然资源和规划局副局长"),
    ("head_sthj", "吴海燕", "sthj", "市生态环境局副局长"),
    ("head_gdgs", "钱卫东", "gdgs", "国网泰州供电公司副总经理"),
]
CLOSE_SPAN = 10  # working days from a closed story's submission to its rating (_closed)
AT_VISIT = 4  # the first stories: the site visit's issues and what 江苏博生 sent right after, on the seed day
HANDLER = {"zrzy": "chenjing", "gdgs": "dh_gdgs", "sthj": "dh_sthj", "fgw": "dh_fgw", "gxj": "dh_gxj", "swj": "dh_swj"}


@dataclass
class World:
    users: dict[str, User]
    enterprises: dict[str | int, Enterprise]
    seed_day: dt.date
    today: dt.date

    @property
    def recent(self) -> dt.date:
        """The day the queue's stories are told up to: the working day before today, or the seed day when the
        demo is loaded on it or the day after (the working day before the default clock's day is the seed day)."""
        return max(self.seed_day, add_workdays(self.today, -1))


class Story:
    """One demand told through the services, each step at its day in the story."""

    def __init__(
        self, world: World, enterprise: Enterprise, coordinator: str = "wangzh", anchor: dt.date | None = None
    ) -> None:
        self.world = world
        self.enterprise = enterprise
        self.coordinator = coordinator  # who accepts, assigns and accepts the tasks' completion (the chain's team)
        self.anchor = anchor or world.seed_day  # the day the story's days count back from
        self.demand: Demand | None = None

    @property
    def pk(self) -> int:
        if self.demand is None:
            raise RuntimeError("submit the demand first")
        return int(self.demand.pk)

    def user(self, username: str) -> User:
        return self.world.users[username]

    def day(self, days_before: int, hour: int = 10) -> dt.datetime:
        """A working day `days_before` working days before the story's anchor (0: the anchor itself)."""
        day = add_workdays(self.anchor, -days_before) if days_before else self.anchor
        return working_hours(day, hour)

    @contextmanager
    def at(self, when: dt.datetime) -> Iterator[None]:
        """Run a step, then move what it stamped (timestamps, timeline rows, new tasks' deadlines) to `when`."""
        started = clock.now()
        marks = (
            DemandEvent.objects.aggregate(m=Max("pk"))["m"] or 0,
            TaskUpdate.objects.aggregate(m=Max("pk"))["m"] or 0,
        )
        yield
        demands = Demand.objects.filter(pk=self.pk)
        for field in ("submitted_at", "accepted_at", "closed_at"):
            demands.filter(**{f"{field}__gte": started}).update(**{field: when})
        tasks = Task.objects.filter(demand_id=self.pk)
        for task in tasks.filter(created_at__gte=started):
            deadline = add_workdays(when.date(), task.working_days)
            Task.objects.filter(pk=task.pk).update(created_at=when, deadline=deadline)
            # The 交办 line and the department's notice quote the deadline: the re-dated one.
            was, new = f"{task.deadline:%Y-%m-%d}", f"{deadline:%Y-%m-%d}"
            for event in DemandEvent.objects.filter(demand_id=self.pk, pk__gt=marks[0], note__contains=was):
                DemandEvent.objects.filter(pk=event.pk).update(note=event.note.replace(was, new))
            page = reverse("demands:task_detail", args=[task.pk])
            for notice in Notification.objects.filter(url=page, body__contains=was):
                Notification.objects.filter(pk=notice.pk).update(body=notice.body.replace(was, new))
        for field in ("signed_at", "completed_at"):
            tasks.filter(**{f"{field}__gte": started}).update(**{field: when})
        DemandEvent.objects.filter(demand_id=self.pk, pk__gt=marks[0]).update(created_at=when)
        TaskUpdate.objects.filter(task__demand_id=self.pk, pk__gt=marks[1]).update(created_at=when)
        self.demand = Demand.objects.get(pk=self.pk)

    def submit(self, days: int, actor: str, channel: str, title: str, text: str, category: str, **kw: Any) -> None:
        """`actor` "liaison" is the enterprise's own liaison (the 专员走访 channel)."""
        started = clock.now()
        demand = services.demand_submit(
            actor=(self.enterprise.liaison or DEMO) if actor == "liaison" else self.user(actor),
            enterprise=self.enterprise,
            title=title,
            description=text,
            category=Category.objects.get(code=category),
            channel=channel,
            **kw,
        )
        when = self.day(days, 9)
        Demand.objects.filter(pk=demand.pk).update(submitted_at=when)
        DemandEvent.objects.filter(demand=demand, created_at__gte=started).update(created_at=when)
        demand.refresh_from_db()
        self.demand = demand

    def task(self, days: int, dept: str, instructions: str, working_days: int, co: tuple[str, ...] = ()) -> Task:
        with self.at(self.day(days, 11)):
            task = services.task_create(
                demand=Demand.objects.get(pk=self.pk),
                actor=self.user(self.coordinator),
                lead_department=Department.objects.get(code=dept),
                co_departments=list(Department.objects.filter(code__in=co)),
                instructions=instructions,
                working_days=working_days,
            )
        task.refresh_from_db()
        return task

    def step(self, days: int, action: Callable[..., Any], hour: int = 15, **kwargs: Any) -> None:
        with self.at(self.day(days, hour)):
            action(**kwargs)

    def finish(self) -> None:
        """Working-day figures from the story's moments (the services computed them from the load time)."""
        d = Demand.objects.get(pk=self.pk)
        local = timezone.localdate
        fields: dict[str, Any] = {}
        if d.accepted_at:
            fields["response_days"] = max(workdays_between(local(d.submitted_at), local(d.accepted_at)), 0)
        if d.closed_at:
            fields["close_days"] = max(workdays_between(local(d.submitted_at), local(d.closed_at)), 0)
            fields["closed_on_time"] = services.closed_on_time(d.pk)
        if fields:
            Demand.objects.filter(pk=d.pk).update(**fields)


def _fresh(task: Task) -> Task:
    return Task.objects.get(pk=task.pk)


def _done(s: Story, task: Task, days: int, result: str) -> None:
    """The handler signs, reports and asks for completion; the team accepts (the demand may then wait for the
    enterprise)."""
    handler = s.user(HANDLER[task.lead_department.code])
    s.step(days + 2, services.task_sign, hour=9, task=_fresh(task), actor=handler)
    s.step(days, services.task_request_completion, hour=10, task=_fresh(task), actor=handler, result=result)
    s.step(days, services.task_accept_completion, hour=16, task=_fresh(task), actor=s.user(s.coordinator))


def _demand(s: Story) -> Demand:
    return Demand.objects.get(pk=s.pk)


def _accept(s: Story, days: int) -> None:
    s.step(
        days, services.demand_accept, hour=10, demand=_demand(s), actor=s.user(s.coordinator), note="已受理，抓紧交办。"
    )


# --- the stories -------------------------------------------------------------------------------------------


def _site_issue(enterprise: Enterprise, text_part: str) -> VisitIssue | None:
    issue = VisitIssue.objects.filter(visit__enterprise=enterprise, text__contains=text_part).order_by("-pk").first()
    if issue is None or Demand.objects.filter(visit_issue=issue).exists():
        return None
    return issue


def _boshen_land(s: Story) -> None:
    """Raised at the site visit: accepted the same day, assigned to 自然资源和规划局, waiting to be signed.
    Its text comes from the visit log, but it is not linked to the visit issue: a demand protects its issue, and
    the liaison tests (and browser tests) clear 江苏博生's visits to start from a clean slate."""
    found = _site_issue(s.enterprise, "用地指标")
    s.submit(0, "liming", Channel.LIAISON, "医用膜材项目新增建设用地指标", found.text if found else "新上年产3000万平方米"
             "医用膜材项目用地指标紧张，需协调新增建设用地指标约30亩。", "land", urgency=Urgency.URGENT)  # fmt: skip
    _accept(s, 0)
    s.task(0, "zrzy", "对接新增建设用地指标，明确供地时序，5个工作日内反馈方案。", 10)


def _jyz_power(s: Story) -> None:
    """Raised at the site visit: 供电公司 signed and surveyed the site."""
    issue = _site_issue(s.enterprise, "双回路")
    s.submit(0, "liming", Channel.LIAISON, "新产线双回路供电接入", issue.text if issue else "新产线需申请双回路供电，"
             "希望加快接入方案审批。", "energy", urgency=Urgency.URGENT, visit_issue=issue)  # fmt: skip
    _accept(s, 0)
    task = s.task(0, "gdgs", "现场勘察，出具双回路接入方案并明确送电时间。", 8, co=("gxj",))
    handler = s.user("dh_gdgs")
    s.step(0, services.task_sign, hour=16, task=_fresh(task), actor=handler)
    s.step(
        0, services.task_progress, hour=17, task=_fresh(task), actor=handler, note="已完成现场勘察，接入方案编制中。"
    )


def _jyz_eia(s: Story) -> None:
    """Raised at the site visit: accepted, to be assigned at the next triage."""
    issue = _site_issue(s.enterprise, "环评")
    s.submit(0, "liming", Channel.LIAISON, "金美特项目环评审批提速", issue.text if issue else "金美特项目环评审批进度"
             "较慢，希望提前介入指导。", "environment", visit_issue=issue)  # fmt: skip
    _accept(s, 0)


def _boshen_ce(s: Story) -> None:
    """Submitted by the enterprise itself after the visit: waiting for triage."""
    s.submit(0, "liuyang", Channel.ENTERPRISE, "医用膜材出口欧盟CE认证辅导", "企业计划明年开拓欧盟市场，希望协调"
             "专业机构提供CE认证及MDR法规辅导。", "market")  # fmt: skip


def _info(s: Story) -> None:
    s.submit(6, "wangzh", Channel.TEAM, "省级专精特新中小企业认定申报", "企业拟申报省级专精特新中小企业，希望指导"
             "材料准备。", "policy")  # fmt: skip
    s.step(5, services.demand_request_info, demand=_demand(s), actor=s.user("wangzh"),
           note="请补充近两年研发投入明细和主导产品市场占有率证明。")  # fmt: skip


def _rejected(s: Story) -> None:
    s.submit(12, "wangzh", Channel.TEAM, "申请全额减免土地出让金", "企业希望扩产用地的土地出让金全额减免。", "land")
    s.step(11, services.demand_reject, demand=_demand(s), actor=s.user("wangzh"),
           reason="土地出让金全额减免不符合国家土地出让收支管理规定；可按工业用地弹性出让和分期缴纳政策办理，已告知企业。")  # fmt: skip


def _extension(s: Story) -> None:
    s.submit(
        18, "liaison", Channel.LIAISON, "技改项目备案变更", "技改项目建设内容调整，需办理项目备案变更。", "approval"
    )
    _accept(s, 17)
    task = s.task(17, "fgw", "指导企业办理技改项目备案变更。", 20)
    handler = s.user("dh_fgw")
    s.step(16, services.task_sign, hour=9, task=_fresh(task), actor=handler)
    s.step(
        8, services.task_progress, task=_fresh(task), actor=handler, note="已受理备案变更申请，待企业补正节能审查意见。"
    )
    s.step(1, services.task_request_extension, task=_fresh(task), actor=handler, extra_days=5,
           reason="节能审查意见需省里出具，预计下周到位。")  # fmt: skip


def _warned(s: Story) -> None:
    """Deadline passed one working day ago: the escalation job marks it 预警 (the department head is told)."""
    s.submit(14, "liaison", Channel.LIAISON, "厂区不动产权证办理", "新建厂房已竣工验收，需办理不动产权证。", "land")
    _accept(s, 13)
    task = s.task(11, "zrzy", "协调办理新建厂房不动产权首次登记。", 10)
    s.step(10, services.task_sign, hour=9, task=_fresh(task), actor=s.user("chenjing"))
    s.step(4, services.task_progress, task=_fresh(task), actor=s.user("chenjing"), note="测绘成果已审核，待缴纳契税。")


def _supervised(s: Story) -> None:
    """Overdue for more than three working days: 督办 in the chain chief's queue."""
    s.submit(30, "wangzh", Channel.TEAM, "危废暂存间扩建环评备案", "扩产后危废产生量增加，需扩建危废暂存间并办理"
             "环评备案。", "environment", urgency=Urgency.URGENT)  # fmt: skip
    _accept(s, 29)
    task = s.task(28, "sthj", "指导企业完成危废暂存间扩建环评备案。", 15)
    s.step(27, services.task_sign, hour=9, task=_fresh(task), actor=s.user("dh_sthj"))


def _awaiting(s: Story) -> None:
    """Split between two departments, both done: waiting for 江苏博生 (liuyang) to confirm."""
    s.submit(20, "liuyang", Channel.ENTERPRISE, "技改设备购置补贴申报辅导", "企业购置医用膜材生产设备，希望指导"
             "申报市级技改设备购置补贴，并协调相关部门加快审核。", "policy")  # fmt: skip
    _accept(s, 19)
    first = s.task(19, "gxj", "指导企业准备技改设备购置补贴申报材料。", 10)
    second = s.task(19, "fgw", "做好补贴项目的投资备案核验。", 8)
    _done(s, second, 12, "项目投资备案信息核验无误，已出具核验意见。")
    _done(s, first, 6, "申报材料已完善并报送，补贴已列入拨付计划。")


def _closed(
    s: Story, title: str, text: str, category: str, dept: str, rating: str, comment: str, days: int = 40
) -> None:
    """Submitted by the liaison `days` working days before the anchor, closed and rated CLOSE_SPAN days later."""
    s.submit(days, "liaison", Channel.LIAISON, title, text, category)
    _accept(s, days - 1)
    task = s.task(days - 2, dept, f"协调解决：{title}。", 10)
    _done(s, task, days - 8, "已协调解决，企业已知悉。")
    _confirm(s, days - CLOSE_SPAN, rating, comment)


def _confirm(s: Story, days: int, rating: str, comment: str) -> None:
    demand = _demand(s)
    own = s.enterprise.accounts.filter(user__username="liuyang").exists()
    actor = s.user("liuyang") if own else (demand.liaison or s.user("liming"))
    proxy = "" if actor.role == Role.ENTERPRISE else "企业负责人电话确认，由服务专员代为录入评价。"
    s.step(days, services.demand_confirm, demand=demand, actor=actor, rating=rating, comment=comment, proxy_note=proxy)


def _reopened(s: Story) -> None:
    s.submit(14, "wangzh", Channel.TEAM, "员工通勤公交线路优化", "园区新招员工较多，希望优化公交线路和班次。",
             "infrastructure")  # fmt: skip
    _accept(s, 13)
    task = s.task(13, "fgw", "会同交通部门研究园区公交线路优化方案。", 15)
    _done(s, task, 8, "已协调增开早晚高峰班次。")
    _confirm(s, 6, Rating.UNSATISFIED, "只增开了班次，线路仍未延伸到园区北门，员工步行距离较远。")


def _biomed_generated(world: World) -> list[Enterprise]:
    """生物医药 enterprises other than the two of the seed report, in load order."""
    return _generated(world, "biomed")


def _generated(world: World, chain: str) -> list[Enterprise]:
    """The generated enterprises of a chain (not the two of the seed report), in load order (one query)."""
    seed = {e.pk for k, e in world.enterprises.items() if isinstance(k, str)}
    firms = [e for k, e in world.enterprises.items() if isinstance(k, int) and e.pk not in seed]
    through = Enterprise.chains.through.objects.filter(enterprise_id__in=[e.pk for e in firms], chain__code=chain)
    on_chain = set(through.values_list("enterprise_id", flat=True))
    return [e for e in firms if e.pk in on_chain]


# Earlier in the year, closed and rated: (chain, its n-th generated enterprise, who coordinates, working days
# before the anchor (at most: see _this_year), title, text, category, lead department, rating, comment).
EARLIER = [
    ("chem", 0, "wangzh", 150, "厂区增容用电报装", "新上反应釜生产线需增容用电约800千伏安，希望加快报装接电。",
     "energy", "gdgs", Rating.SATISFIED, "供电公司上门服务，一个月内完成增容送电。"),
    ("equip", 0, "tm_fgw", 135, "智能化改造项目备案", "企业实施智能化改造，需办理技改项目备案。", "approval",
     "fgw", Rating.SATISFIED, "备案当周办结，服务很到位。"),
    ("biomed", 6, "wangzh", 120, "数字化车间认定申报辅导", "企业拟申报市级数字化车间，希望指导申报材料。",
     "policy", "gxj", Rating.SATISFIED, "工信局专人辅导，材料一次通过。"),
    ("chem", 1, "wangzh", 105, "排污许可证变更", "扩产后污染物排放量变化，需办理排污许可证变更。", "environment",
     "sthj", Rating.BASICALLY, "许可证已变更，审核周期仍偏长。"),
    ("equip", 1, "tm_fgw", 90, "出口订单信用保险对接", "承接海外船舶配件订单，希望对接出口信用保险降低收汇风险。",
     "finance", "swj", Rating.SATISFIED, "商务局牵线保险机构，保单已出。"),
    ("biomed", 7, "wangzh", 70, "厂区道路规划调整", "厂区扩建需调整内部道路规划并办理规划许可变更。", "land",
     "zrzy", Rating.SATISFIED, "规划变更手续办理顺利。"),
]  # fmt: skip


def _this_year(world: World, days: int) -> int:
    """EARLIER's working days back from the anchor, brought forward into the anchor's year when they would fall
    before it and the year has room for the story (CLOSE_SPAN working days): the year's record has cases from
    its first weeks on. Unchanged from the autumn on (the default clock: 150 fit in the year)."""
    # Counting back this many working days from the anchor lands on the year's first working day.
    room = workdays_between(dt.date(world.recent.year, 1, 1), world.recent) - 1
    return min(days, room) if room >= CLOSE_SPAN else days


def _earlier(world: World) -> list[tuple[Enterprise, str, Callable[[Story], None], str]]:
    """The closed demands of EARLIER whose enterprise the loaded city has."""
    firms = {chain: _generated(world, chain) for chain in {row[0] for row in EARLIER}}
    found: list[tuple[Enterprise, str, Callable[[Story], None], str]] = []
    for chain, n, coordinator, back, title, text, category, dept, rating, comment in EARLIER:
        if n >= len(firms[chain]):
            continue
        days = _this_year(world, back)

        def tell(s: Story, t: tuple[Any, ...] = (title, text, category, dept, rating, comment, days)) -> None:
            _closed(s, *t)

        found.append((firms[chain][n], title, tell, coordinator))
    return found


def _stories(world: World) -> list[tuple[Enterprise, str, Callable[[Story], None]]]:
    """The seed report's stories (AT_VISIT first), then the queue's."""
    boshen, jyz = world.enterprises["boshen"], world.enterprises["jyz"]
    story: list[tuple[Enterprise, str, Callable[[Story], None]]] = [
        (boshen, "医用膜材项目新增建设用地指标", _boshen_land),
        (jyz, "新产线双回路供电接入", _jyz_power),
        (jyz, "金美特项目环评审批提速", _jyz_eia),
        (boshen, "医用膜材出口欧盟CE认证辅导", _boshen_ce),
        (boshen, "技改设备购置补贴申报辅导", _awaiting),
    ]
    others = _biomed_generated(world)
    if len(others) < 6:  # a city loaded without (enough) generated enterprises: the seed firms' demands only
        return story
    story += [
        (others[0], "省级专精特新中小企业认定申报", _info),
        (others[1], "申请全额减免土地出让金", _rejected),
        (others[2], "技改项目备案变更", _extension),
        (others[3], "厂区不动产权证办理", _warned),
        (others[4], "危废暂存间扩建环评备案", _supervised),
        (others[5], "员工通勤公交线路优化", _reopened),
    ]
    closed = [
        ("流动资金贷款对接", "企业原材料采购资金紧张，希望对接银行流动资金贷款。", "finance", "gxj", Rating.SATISFIED,
         "银行上门服务，贷款两周到位，非常满意。"),
        ("高校毕业生招聘对接", "新产线投产需招聘质量管理和检验人员。", "talent", "swj", Rating.BASICALLY,
         "招聘会已举办，仍缺少检验岗位人员。"),
    ]  # fmt: skip
    for i, (title, text, category, dept, rating, comment) in enumerate(closed):
        enterprise = others[i % len(others)]

        def tell(
            s: Story, t: tuple[str, str, str, str, str, str] = (title, text, category, dept, rating, comment)
        ) -> None:
            _closed(s, *t)

        story.append((enterprise, title, tell))
    return story


def _ensure_heads(world: World, add: Any) -> None:
    for username, name, code, title in HEADS:
        if username in world.users or User.objects.filter(username=username).exists():
            world.users[username] = User.objects.get(username=username)
            continue
        department = Department.objects.get(code=code)
        add("user")
        # The demo password's hash is taken from a demo persona: hashing it again would cost a second a head.
        world.users[username] = audited_create(
            model=User, actor=DEMO, message="demo", username=username, display_name=name, role=Role.DEPT_HANDLER,
            password=world.users["chenjing"].password, title=title, region=department.region, department=department,
            is_department_head=True,
        )  # fmt: skip


def _ensure_categories() -> None:
    """The categories come from a data migration; a transactional test's flush empties the table, so the
    demo puts them back (get_or_create: a no-op when they are there)."""
    import_module("chaindesk.demands.migrations.0002_categories").create_categories(django_apps, None)


def load_demands(world: World, add: Any) -> None:
    """The demands of the story (the escalation job runs once the whole city is loaded: `escalate`)."""
    _ensure_categories()
    _ensure_heads(world, add)
    stories = [(*story, "wangzh") for story in _stories(world)] + _earlier(world)
    for n, (enterprise, title, tell, coordinator) in enumerate(stories):
        if Demand.objects.filter(enterprise=enterprise, title=title).exists():
            continue
        add("demand")
        s = Story(world, enterprise, coordinator, world.seed_day if n < AT_VISIT else world.recent)
        tell(s)
        s.finish()


def escalate(today: dt.date) -> None:
    """The escalation job for the demo's today, once every task of the city is there (the meeting's decisions
    add some after the demands): idempotent, so loading again notifies no one."""
    run_escalation(today=today, now=working_hours(today, 8))
