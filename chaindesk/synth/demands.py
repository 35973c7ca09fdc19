"""Synthetic demands (诉求) with their department tasks, task updates and timeline events.

Each demand belongs to a generated enterprise and copies its chain, region and liaison, as intake does. Its
status is drawn first (about 70 % closed, 15 % in progress, the rest waiting for triage, confirmation,
rejected or merged) and its timeline is then built backwards from today on the working-day calendar, so the
stored figures agree with the dates: ``response_days`` = working days from submission to acceptance,
``close_days`` = from submission to closure, ``closed_on_time`` = every done task completed by its deadline
(the rule of ``services.closed_on_time``), ``rating`` 满意/基本满意 on closed demands and 不满意 on the
reopened ones still in progress (``reopen_count`` 1). Open tasks spread around today: most not yet due, some
due within two working days, about a quarter overdue (some by more than a week), so the escalation job has
work at every rung. Escalation marks are left empty: the job sets them.

Working days come from the official calendar (chaindesk.demands.workdays) where it is covered and fall back
to Monday–Friday outside it (synthetic data only; the services refuse such dates).

Rows are generated and written in chunks of demands (COPY on PostgreSQL), inside one bulk load per table,
so province scale (5M demands, ~7.5M tasks) streams in bounded memory."""

import contextlib
import datetime as dt
import functools
import itertools
import random
from bisect import bisect_right
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import Department, User
from chaindesk.chains.models import Chain
from chaindesk.demands.choices import Channel, DemandKind, DemandStatus, Rating, TaskStatus, Urgency
from chaindesk.demands.models import Attachment, Category, Demand, DemandEvent, Task, TaskUpdate
from chaindesk.demands.workdays import CalendarNotCovered, is_workday
from chaindesk.enterprises.models import Enterprise

from .base import SYNTH_USER_PREFIX, BulkWriter, Context, register
from .network import synthetic_liaisons
from .registry import first_synthetic_enterprise

CHUNK = 100_000  # demands per write batch
HISTORY_DAYS = 540  # submissions over the last 18 months
STATUS_WEIGHTS = [
    (DemandStatus.CLOSED.value, 70.0),
    (DemandStatus.IN_PROGRESS.value, 15.0),
    (DemandStatus.AWAITING_CONFIRMATION.value, 3.0),
    (DemandStatus.ACCEPTED.value, 1.5),
    (DemandStatus.SUBMITTED.value, 2.5),
    (DemandStatus.NEEDS_INFO.value, 1.0),
    (DemandStatus.REJECTED.value, 5.0),
    (DemandStatus.MERGED.value, 2.0),
]
CHANNEL_WEIGHTS = [
    (Channel.LIAISON.value, 45.0),
    (Channel.ENTERPRISE.value, 25.0),
    (Channel.TEAM.value, 15.0),
    (Channel.MEETING.value, 10.0),
    (Channel.API.value, 5.0),
]
URGENCY_WEIGHTS = [(Urgency.NORMAL.value, 80.0), (Urgency.URGENT.value, 16.0), (Urgency.CRITICAL.value, 4.0)]
TASKS_PER_DEMAND = [(1, 60.0), (2, 28.0), (3, 12.0)]
WORKING_DAYS = [(5, 25.0), (10, 40.0), (15, 20.0), (20, 15.0)]
RESPONSE_DAYS = [(0, 45.0), (1, 35.0), (2, 12.0), (3, 5.0), (5, 3.0)]
OPEN_TASK_WEIGHTS = [
    (TaskStatus.PENDING.value, 18.0),
    (TaskStatus.IN_PROGRESS.value, 62.0),
    (TaskStatus.EXTENSION_REQUESTED.value, 8.0),
    (TaskStatus.COMPLETION_REQUESTED.value, 12.0),
]
ON_TIME_SHARE = 0.85
REOPEN_SHARE = 0.07
CO_DEPARTMENT_SHARE = 0.2
TITLES = {
    "land": ["扩建项目用地指标申请", "厂区用地规划调整", "新增仓储用地选址", "不动产权证办理"],
    "approval": ["项目立项备案加快办理", "施工许可证办理", "消防验收协调", "药品生产许可变更"],
    "environment": ["环评批复加快办理", "能评指标申请", "排污许可证变更", "危废处置渠道协调"],
    "energy": ["新增用电负荷报装", "天然气管网接入", "峰谷电价政策咨询", "双回路供电改造"],
    "finance": ["流动资金贷款对接", "技改项目贴息申请", "上市辅导对接", "应收账款融资"],
    "talent": ["一线技工招聘", "高层次人才落户", "员工子女入学", "人才公寓申请"],
    "policy": ["技改奖补资金兑现", "研发费用加计扣除辅导", "高新技术企业认定辅导", "首台套奖励申报"],
    "market": ["本地配套采购对接", "产品进入医院采购目录", "参加展会对接", "政府采购信息对接"],
    "innovation": ["与高校共建研发平台", "中试基地使用协调", "科技项目申报辅导", "检测认证平台对接"],
    "infrastructure": ["厂区周边道路修缮", "污水管网接入", "公交线路延伸", "5G网络覆盖"],
    "other": ["企业周边治安协调", "员工通勤班车协调", "历史遗留问题处理", "其他事项协调"],
}
REJECT_REASONS = [
    "不属于政府职责范围，已向企业解释",
    "属于司法程序事项，建议企业依法维权",
    "诉求内容不明确，企业未补充",
]
COMMENTS = ["问题已解决，感谢", "办理及时，服务到位", "基本解决，后续还需跟进", "部门协调有力"]
UNSATISFIED = ["问题未实质解决，请重新办理", "答复不够具体"]
PROGRESS = ["已与企业对接，正在核实情况", "已组织现场会商", "已报分管领导审定", "正在办理相关手续"]
RESULTS = ["已办结，企业已取得相关批复", "已协调解决，书面答复企业", "已按政策兑现，资金已拨付"]

DEMAND_COLUMNS = (
    "id", "enterprise_id", "title", "description", "category_id", "urgency", "channel", "project_id",
    "visit_issue_id", "chain_id", "region_id", "liaison_id", "status", "status_note", "merged_into_id",
    "submitted_by_id", "submitted_at", "accepted_at", "response_days", "closed_at", "close_days", "closed_on_time",
    "rating", "rating_comment", "confirmed_by_id", "proxy_note", "reopen_count", "source_label", "source_url",
    "kind", "status_since",
)  # fmt: skip
TASK_COLUMNS = (
    "id", "demand_id", "lead_department_id", "instructions", "working_days", "deadline", "status", "handler_id",
    "signed_at", "result", "status_note", "completed_at", "assigned_by_id", "created_at", "escalation",
    "reminded_at", "warned_at", "supervised_at", "reopen_count", "status_since",
)  # fmt: skip
UPDATE_COLUMNS = ("task_id", "kind", "note", "extra_days", "actor_id", "created_at")
EVENT_COLUMNS = ("demand_id", "kind", "from_status", "to_status", "note", "actor_id", "created_at")
CO_COLUMNS = ("task_id", "department_id")


def tables() -> list[str]:
    return [
        TaskUpdate._meta.db_table,
        Task.co_departments.through._meta.db_table,
        Task._meta.db_table,
        DemandEvent._meta.db_table,
        Demand._meta.db_table,
    ]


def reset(writer: BulkWriter) -> None:
    """Empty the demand tables, and the upward requests (上争事项), whose links point at the enterprises and
    projects the earlier generators' resets remove (the demo city reloads its own). Meeting decisions point at
    enterprises and demands too: they go first, their responsible departments before them, and with them what
    else meetings hold of these records (agenda items, site visits, speeches, attending enterprises); the demo
    city reloads its own."""
    upward_request: Any = apps.get_model("upward", "UpwardRequest")
    meeting: Any = apps.get_model("meetings", "Meeting")
    writer.wipe(
        # what meetings hold of the enterprises, projects, demands and tasks removed here and before
        apps.get_model("meetings", "AgendaItem")._meta.db_table,
        apps.get_model("meetings", "SiteVisitPhoto")._meta.db_table,
        apps.get_model("meetings", "SiteVisit")._meta.db_table,
        apps.get_model("meetings", "Speech")._meta.db_table,
        meeting.attendee_enterprises.through._meta.db_table,
        apps.get_model("meetings", "DecisionDepartment")._meta.db_table,
        apps.get_model("meetings", "Decision")._meta.db_table,
        *tables()[:-1],
        Attachment._meta.db_table,
        Demand._meta.db_table,
        upward_request.enterprises.through._meta.db_table,
        upward_request.projects.through._meta.db_table,
        upward_request._meta.db_table,
    )


# id(pairs) -> (the pairs themselves, their values, the cumulative weights). The entry keeps its pairs alive: an id
# is only unique among live objects, and a list of one run's departments, freed, could lend its id to the next
# run's list, whose picks would then be the first run's departments (a foreign key the next load breaks).
_CUMULATIVE: dict[int, tuple[list[tuple[Any, float]], list[Any], list[float]]] = {}


def _pick(rng: random.Random, pairs: list[tuple[Any, float]], k: int) -> list[Any]:
    """k weighted picks; the same stream as base.weighted, with the cumulative weights computed once."""
    cached = _CUMULATIVE.get(id(pairs))
    if cached is None or cached[0] is not pairs:
        cached = _CUMULATIVE[id(pairs)] = (
            pairs,
            [v for v, _ in pairs],
            list(itertools.accumulate(w for _, w in pairs)),
        )
    return rng.choices(cached[1], cum_weights=cached[2], k=k)


class Calendar:
    """Working days around today as an index: constant-time add_workdays and workdays_between."""

    def __init__(self, today: dt.date, back: int, ahead: int) -> None:
        self.base = today - dt.timedelta(days=back)
        self.days: list[dt.date] = []  # the working days in order
        self.count: list[int] = []  # working days in [base, base + i]
        n = 0
        for i in range(back + ahead + 1):
            day = self.base + dt.timedelta(days=i)
            try:
                work = is_workday(day)
            except CalendarNotCovered:
                work = day.weekday() < 5
            if work:
                self.days.append(day)
                n += 1
            self.count.append(n)
        self.ordinals = [d.toordinal() for d in self.days]

    def position(self, day: dt.date) -> int:
        """How many working days lie in [base, day]."""
        offset = (day - self.base).days
        if not 0 <= offset < len(self.count):
            raise ValueError(f"{day} is outside the synthetic calendar ({self.base} + {len(self.count)} days)")
        return self.count[offset]

    def add(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after `day` (n > 0), or before it (n < 0; the day itself not counted)."""
        if n >= 0:
            return self.days[self.position(day) + n - 1] if n else day
        before = bisect_right(self.ordinals, day.toordinal() - 1)  # working days strictly before `day`
        if before + n < 0:
            raise ValueError(f"{n} working days before {day} lie before the synthetic calendar ({self.base})")
        return self.days[before + n]

    def between(self, a: dt.date, b: dt.date) -> int:
        return self.position(b) - self.position(a)

    def workday_on_or_before(self, day: dt.date) -> dt.date:
        return self.days[max(self.position(day) - 1, 0)]


class _Writer:
    """Collects one chunk's rows per table and flushes them."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.demands: list[tuple[Any, ...]] = []
        self.tasks: list[tuple[Any, ...]] = []
        self.updates: list[tuple[Any, ...]] = []
        self.events: list[tuple[Any, ...]] = []
        self.co: list[tuple[Any, ...]] = []

    def flush(self) -> None:
        w, counts = self.ctx.writer, self.ctx.counts
        for key, table, columns, rows in (
            ("demands", Demand._meta.db_table, DEMAND_COLUMNS, self.demands),
            ("tasks", Task._meta.db_table, TASK_COLUMNS, self.tasks),
            ("task_co_departments", Task.co_departments.through._meta.db_table, CO_COLUMNS, self.co),
            ("task_updates", TaskUpdate._meta.db_table, UPDATE_COLUMNS, self.updates),
            ("demand_events", DemandEvent._meta.db_table, EVENT_COLUMNS, self.events),
        ):
            counts[key] = counts.get(key, 0) + w.insert(table, columns, rows)
            rows.clear()


@register("demands", reset=reset)
def generate(ctx: Context) -> None:
    n = getattr(ctx.scale, "demands", 0)
    ctx.counts.setdefault("demands", 0)
    if not n:
        return
    rng = ctx.rng("demands")
    writer = ctx.writer
    tz = ZoneInfo(settings.TIME_ZONE)
    today = ctx.today
    cal = Calendar(today, back=HISTORY_DAYS + 30, ahead=400)

    first_ent = first_synthetic_enterprise(ctx)
    primary: dict[int, int] = {}
    through = Enterprise.chains.through._meta.db_table
    for ent, chain in writer.execute(
        f"SELECT enterprise_id, MIN(chain_id) FROM {through} WHERE enterprise_id >= %s GROUP BY enterprise_id",  # noqa: S608
        [first_ent],
    ):
        primary[ent] = chain
    enterprises = list(
        Enterprise.objects.filter(pk__gte=first_ent).order_by("pk").values_list("pk", "region_id", "liaison_id")
    )
    if not enterprises:
        return
    liaisons = synthetic_liaisons()
    handlers: dict[int, list[int]] = defaultdict(list)
    for pk, dept in (
        User.objects.filter(role=Role.DEPT_HANDLER, is_active=True, department__isnull=False)
        .filter(username__startswith=SYNTH_USER_PREFIX)
        .values_list("pk", "department_id")
    ):
        handlers[dept].append(pk)
    departments = list(Department.objects.order_by("sort_order", "code").values_list("pk", flat=True))
    dept_weights = [4.0 if handlers.get(d) else 1.0 for d in departments]
    dept_pairs = list(zip(departments, dept_weights, strict=True))
    chiefs = dict(Chain.objects.values_list("pk", "chief_id"))
    fallback_actor = liaisons[0] if liaisons else User.objects.order_by("pk").values_list("pk", flat=True)[0]
    categories = list(Category.objects.order_by("sort_order").values_list("pk", "code"))

    first_demand = writer.next_id(Demand._meta.db_table)
    first_task = writer.next_id(Task._meta.db_table)
    out = _Writer(ctx)
    state = {"task": first_task}

    @functools.lru_cache(maxsize=65536)
    def ts(day: dt.date, hour: int, minute: int = 0) -> str:
        return writer.ts(dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz))

    def event(demand: int, kind: str, frm: str, to: str, note: str, actor: int, at: str) -> None:
        out.events.append((demand, kind, frm, to, note, actor, at))

    def update(task: int, kind: str, note: str, actor: int, at: str, extra: int | None = None) -> None:
        out.updates.append((task, kind, note, extra, actor, at))

    def make_tasks(
        demand: int, accepted: dt.date, assigner: int, plan: list[tuple[str, dt.date, int]], reopens: int = 0
    ) -> bool:
        """Write the demand's tasks; plan[i] = (status, date, working days): the completion date of a done
        task (deadline = accepted + working days), the deadline of an open one; `reopens`: how often each was
        sent back by 不满意. True if every done task was completed by its deadline."""
        on_time = True
        for status, day, wd in plan:
            tid = state["task"]
            state["task"] += 1
            dept = _pick(rng, dept_pairs, 1)[0]
            done_on = day if status == TaskStatus.DONE else None
            deadline = cal.add(accepted, wd) if done_on else day
            people = handlers.get(dept) or [fallback_actor]
            signed = status != TaskStatus.PENDING
            handler = rng.choice(people) if signed else None
            sign_day = min(cal.add(accepted, 1), done_on or today, today) if signed else None
            completed = ts(done_on, 16) if status == TaskStatus.DONE and done_on else None
            if status == TaskStatus.DONE and done_on and done_on > deadline:
                on_time = False
            created = ts(accepted, 10, 30)
            # when it entered its status: the move's update below (signed, asked, done), else its creation
            moved: dict[str, str | None] = {
                TaskStatus.IN_PROGRESS: ts(sign_day, 9) if sign_day else None,
                TaskStatus.EXTENSION_REQUESTED: ts(sign_day, 16) if sign_day else None,
                TaskStatus.COMPLETION_REQUESTED: ts(sign_day, 11) if sign_day else None,
                TaskStatus.DONE: ts(done_on, 16) if done_on else None,
            }
            since = moved.get(status) or created
            out.tasks.append(
                (tid, demand, dept, f"请于{wd}个工作日内办结并书面答复企业。", wd, deadline.isoformat(), status,
                 handler, ts(sign_day, 9) if sign_day else None,
                 rng.choice(RESULTS) if status in (TaskStatus.DONE, TaskStatus.COMPLETION_REQUESTED) else "",
                 "", completed, assigner, created, "", None, None, None, reopens, since)
            )  # fmt: skip
            if rng.random() < CO_DEPARTMENT_SHARE:
                co = _pick(rng, dept_pairs, 1)[0]
                if co != dept:
                    out.co.append((tid, co))
            if handler and sign_day:
                update(tid, TaskUpdate.Kind.SIGN, "", handler, ts(sign_day, 9))
                if rng.random() < 0.5:
                    update(tid, TaskUpdate.Kind.PROGRESS, rng.choice(PROGRESS), handler, ts(sign_day, 15))
                if status == TaskStatus.EXTENSION_REQUESTED:
                    update(tid, TaskUpdate.Kind.EXTENSION, "需协调上级部门，申请延期", handler, ts(sign_day, 16), 5)
                if status in (TaskStatus.DONE, TaskStatus.COMPLETION_REQUESTED):
                    day = done_on if done_on and status == TaskStatus.DONE else sign_day
                    update(tid, TaskUpdate.Kind.COMPLETION, rng.choice(RESULTS), handler, ts(day, 11))
                if status == TaskStatus.DONE and done_on:
                    update(tid, TaskUpdate.Kind.COMPLETION_ACCEPTED, "", assigner, ts(done_on, 16))
        return on_time

    statuses = _pick(rng, STATUS_WEIGHTS, n)
    chunk_tables = tables()
    with contextlib.ExitStack() as stack:
        for table in chunk_tables:
            stack.enter_context(writer.bulk_load(table, n))
        previous: tuple[int, int, int, int | None, int | None] | None = None
        for i in range(n):
            pk = first_demand + i
            status = statuses[i]
            if status == DemandStatus.MERGED and previous is not None:
                ent, region, liaison = previous[1], previous[2], previous[3]
            else:
                if status == DemandStatus.MERGED:
                    status = DemandStatus.REJECTED
                ent, region, liaison = enterprises[rng.randrange(len(enterprises))]
            chain = primary.get(ent)
            submitter = liaison or (rng.choice(liaisons) if liaisons else fallback_actor)
            assigner = chiefs.get(chain) if chain else None
            assigner = assigner or submitter
            cat_pk, cat_code = rng.choice(categories)
            title = rng.choice(TITLES.get(cat_code, TITLES["other"]))
            channel = _pick(rng, CHANNEL_WEIGHTS, 1)[0]
            urgency = _pick(rng, URGENCY_WEIGHTS, 1)[0]
            resp = _pick(rng, RESPONSE_DAYS, 1)[0]
            k = _pick(rng, TASKS_PER_DEMAND, 1)[0]
            merged_into = accepted_at = closed_at = confirmed_by = None
            status_note = rating = comment = proxy = ""
            response_days = close_days = closed_on_time = None
            reopen = 0
            # --- the timeline, anchored so that today falls in the drawn status
            if status == DemandStatus.CLOSED:
                submitted = today - dt.timedelta(days=rng.randint(100, HISTORY_DAYS))
                submitted = cal.workday_on_or_before(submitted)
                accepted = cal.add(submitted, resp) if resp else submitted
                plan: list[tuple[str, dt.date, int]] = []
                for _ in range(k):
                    wd = _pick(rng, WORKING_DAYS, 1)[0]
                    late = rng.random() > ON_TIME_SHARE
                    done = cal.add(accepted, wd + rng.randint(1, 10) if late else rng.randint(1, wd))
                    plan.append((TaskStatus.DONE, done, wd))
                if rng.random() < REOPEN_SHARE:  # rated 不满意 once, done again later
                    reopen = 1
                    plan = [(s, cal.add(d, rng.randint(3, 10)), wd) for s, d, wd in plan]
                last_done = max(d for _, d, _wd in plan)
                closed = cal.add(last_done, rng.randint(0, 3)) if rng.random() < 0.8 else last_done
                on_time = make_tasks(pk, accepted, assigner, plan, reopen)
                response_days = cal.between(submitted, accepted)
                close_days = cal.between(submitted, closed)
                closed_on_time = on_time
                accepted_at, closed_at = ts(accepted, 10), ts(closed, 17)
                rating = Rating.SATISFIED if rng.random() < 0.75 else Rating.BASICALLY
                comment = rng.choice(COMMENTS)
                confirmed_by = liaison or submitter
                proxy = "电话回访，企业确认办结" if rng.random() < 0.6 else ""
            elif status in (DemandStatus.IN_PROGRESS, DemandStatus.AWAITING_CONFIRMATION):
                # open work around today: the deadline of the (first) open task relative to today
                offset = rng.choice([-12, -8, -5, -3, -2, -1, 0, 1, 2, 3, 5, 8, 12, 15])
                wd = max(_pick(rng, WORKING_DAYS, 1)[0], offset + 2)
                deadline = cal.add(today, offset) if offset else today
                accepted = cal.add(deadline, -wd)
                submitted = cal.add(accepted, -resp) if resp else accepted
                response_days = cal.between(submitted, accepted)
                accepted_at = ts(accepted, 10)
                plan = []
                first_done = min(cal.add(accepted, 1), today)
                for j in range(k):
                    if status == DemandStatus.AWAITING_CONFIRMATION:
                        done = max(cal.add(today, -rng.randint(1, 3)), first_done)
                        plan.append((TaskStatus.DONE, done, wd))
                    elif j == 0 or rng.random() < 0.6:
                        plan.append((_pick(rng, OPEN_TASK_WEIGHTS, 1)[0], deadline, wd))
                    else:
                        plan.append((TaskStatus.DONE, first_done, wd))
                make_tasks(pk, accepted, assigner, plan)
                if status == DemandStatus.IN_PROGRESS and rng.random() < 0.05:
                    reopen, rating, comment = 1, Rating.UNSATISFIED, rng.choice(UNSATISFIED)
                    confirmed_by = liaison or submitter
                    proxy = "电话回访，企业不满意"
            elif status == DemandStatus.ACCEPTED:
                accepted = cal.workday_on_or_before(today)
                submitted = cal.add(accepted, -resp) if resp else accepted
                response_days = cal.between(submitted, accepted)
                accepted_at = ts(accepted, 10)
            else:  # submitted, needs information, rejected, merged: never accepted
                back = rng.randint(0, 5) if status in (DemandStatus.SUBMITTED, DemandStatus.NEEDS_INFO) else None
                if back is None:
                    submitted = cal.workday_on_or_before(today - dt.timedelta(days=rng.randint(3, HISTORY_DAYS)))
                else:
                    submitted = cal.add(cal.workday_on_or_before(today), -back) if back else today
                if status in (DemandStatus.REJECTED, DemandStatus.MERGED):
                    response_days = 0  # decided the day it came in (the events below are dated so)
                if status == DemandStatus.REJECTED:
                    status_note = rng.choice(REJECT_REASONS)
                elif status == DemandStatus.MERGED and previous is not None:
                    merged_into = previous[0]
                    status_note = "与已受理诉求重复，合并办理"
                elif status == DemandStatus.NEEDS_INFO:
                    status_note = "请补充项目用地红线图等材料"
            sub_at = ts(submitted, rng.randint(8, 16), rng.randint(0, 59))
            out.demands.append(
                (pk, ent, title, f"{title}：企业反映相关事项需协调解决，请予支持。", cat_pk, urgency, channel, None,
                 None, chain, region, liaison, status, status_note, merged_into, submitter, sub_at, accepted_at,
                 response_days, closed_at, close_days, closed_on_time, rating, comment, confirmed_by, proxy, reopen,
                 "", "", DemandKind.DEMAND.value)  # every synthetic row is an enterprise's demand (no 交办事项)
            )  # fmt: skip
            # --- timeline events
            event(pk, "submitted", "", DemandStatus.SUBMITTED, "", submitter, sub_at)
            if status == DemandStatus.REJECTED:
                event(pk, "rejected", DemandStatus.SUBMITTED, status, status_note, assigner, ts(submitted, 17))
            elif status == DemandStatus.MERGED:
                event(pk, "merged", DemandStatus.SUBMITTED, status, status_note, assigner, ts(submitted, 17))
            elif status == DemandStatus.NEEDS_INFO:
                event(pk, "info_requested", DemandStatus.SUBMITTED, status, status_note, assigner, ts(submitted, 17))
            elif accepted_at:
                event(pk, "accepted", DemandStatus.SUBMITTED, DemandStatus.ACCEPTED, "", assigner, accepted_at)
                if status != DemandStatus.ACCEPTED:
                    event(
                        pk, "task_created", DemandStatus.ACCEPTED, DemandStatus.IN_PROGRESS, "", assigner, accepted_at
                    )
                if reopen:
                    event(pk, "reopened", DemandStatus.AWAITING_CONFIRMATION, DemandStatus.IN_PROGRESS,
                          "不满意：" + rng.choice(UNSATISFIED), confirmed_by or submitter, accepted_at)  # fmt: skip
                if status in (DemandStatus.AWAITING_CONFIRMATION, DemandStatus.CLOSED):
                    event(pk, "awaiting_confirmation", DemandStatus.IN_PROGRESS, DemandStatus.AWAITING_CONFIRMATION,
                          "", assigner, closed_at or ts(today, 8))  # fmt: skip
                if status == DemandStatus.CLOSED:
                    event(pk, "confirmed", DemandStatus.AWAITING_CONFIRMATION, status, comment,
                          confirmed_by or submitter, closed_at or ts(today, 17))  # fmt: skip
            # when it entered its status: the time of its last timeline event (EVENT_COLUMNS end with created_at)
            out.demands[-1] = (*out.demands[-1], out.events[-1][-1])
            if status not in (DemandStatus.MERGED,):
                previous = (pk, ent, region, liaison, chain)
            if len(out.demands) >= CHUNK:
                out.flush()
        out.flush()
    writer.reset_sequences(Demand, Task, TaskUpdate, DemandEvent)
