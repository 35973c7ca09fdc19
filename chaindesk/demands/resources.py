"""Demands as a resource: the ledger's filter bar, the list's columns, the 企业诉求办理台账 columns, and the
filters of the API list (/api/demands/)."""

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.choices import ENTERPRISE_VIEWERS, Role
from chaindesk.core import clock
from chaindesk.core.resources import (
    CHOICE,
    LG,
    MD,
    ROW_NUMBER,
    TEXT,
    XL,
    Col,
    Filter,
    Ledger,
    Resource,
    attr,
    ledger_only,
    page_only,
)

from .choices import OPEN_TASK, Channel, DemandStatus, Escalation, TaskStatus, Urgency
from .models import Demand, Task
from .resources_tasks import deadline_basis
from .selectors import SORTS, demand_list, ledger_queryset, with_export_columns
from .selectors_queues import workdays_left
from .workdays import day_label

CELLS = "demands/partials/list_cells.html"


_ESCALATION_RANK = {e: n for n, e in enumerate(Escalation.values)}  # 正常 < 临期提醒 < 预警 < 督办


def _overdue_days(task: Task, today: dt.date) -> int:
    """Working days an open task is past its deadline (0 when done, returned, not yet due or uncovered)."""
    if task.status not in OPEN_TASK or task.deadline >= today:
        return 0
    left = workdays_left(task.deadline, today)
    return -left if left is not None and left < 0 else 0


def _task_line(task: Task, today: dt.date) -> str:
    """One task of the 任务明细 cell: department, deadline (预估 when provisional), overdue, 督办 level, reopens."""
    parts = [gettext("%(dept)s：期限 %(date)s") % {"dept": task.lead_department, "date": day_label(task.deadline)}]
    parts.append(task.get_status_display())
    overdue = _overdue_days(task, today)
    if overdue:
        parts.append(gettext("逾期 %(n)s 个工作日") % {"n": overdue})
    if task.escalation:
        parts.append(task.get_escalation_display())
    if task.reopen_count:
        parts.append(gettext("重办 %(n)s 次") % {"n": task.reopen_count})
    return "，".join(str(p) for p in parts)


def _ledger_rows(rows: Iterable[Demand], user: Any) -> Iterator[Demand]:
    """Each demand's live tasks (not returned), for the 主办/协办/办结期限/办理结果 columns, and every task's
    deadline, overdue working days, 督办 level and reopen count for the 任务明细 and summary columns."""
    today = clock.today()
    for d in rows:
        every = list(d.tasks.all())
        tasks = [t for t in every if t.status != TaskStatus.RETURNED]
        deadlines = [t.deadline for t in tasks]
        d.ledger_leads = "、".join(dict.fromkeys(str(t.lead_department) for t in tasks))  # type: ignore[attr-defined]
        d.ledger_cos = "、".join(  # type: ignore[attr-defined]
            dict.fromkeys(str(c) for t in tasks for c in t.co_departments.all())
        )
        d.ledger_deadline = max(deadlines) if deadlines else None  # type: ignore[attr-defined]
        d.ledger_overdue = max((_overdue_days(t, today) for t in tasks), default=0) or None  # type: ignore[attr-defined]
        top = max((t.escalation for t in tasks), key=_ESCALATION_RANK.__getitem__, default="")
        d.ledger_escalation = Escalation(top).label if top else ""  # type: ignore[attr-defined]
        d.ledger_tasks = "\n".join(_task_line(t, today) for t in every)  # type: ignore[attr-defined]
        d.ledger_results = "\n".join(f"{t.lead_department}：{t.result}" for t in tasks if t.result)  # type: ignore[attr-defined]
        yield d


DEMAND_VIEWERS: frozenset[str] = frozenset(ENTERPRISE_VIEWERS | {Role.DEPT_HANDLER})

DEMANDS = Resource(
    view="demands:list",
    testid="demand",
    filters=(
        Filter("q", _("关键词"), TEXT, placeholder=_("企业名称或诉求事项")),
        Filter("status", _("状态"), CHOICE, options="statuses", values=DemandStatus.values),
        Filter("category", _("类别"), options="categories"),
        Filter("chain", _("产业链"), options="chains"),
        Filter("region", _("地区（含下级）"), options="regions"),
        Filter("urgency", _("紧急程度"), CHOICE, options="urgencies", values=Urgency.values, width="col-sm-6 col-lg-1"),
        Filter("channel", _("来源"), CHOICE, options="channels", values=Channel.values),
        Filter("from", _("提交日期从"), "date"),
        Filter("to", _("至"), "date"),
    ),
    columns=(
        Col("index", _("序号"), export=ROW_NUMBER, width=6, page=False, api=False),
        Col("title_link", _("诉求事项"), attr("title"), in_export=False, api=False, link="demands:detail"),
        Col(
            "enterprise",
            _("企业名称"),
            attr("enterprise.name"),
            width=30,
            sort="enterprise",
            css="small",
            short=_("企业"),
        ),
        ledger_only("title", _("诉求事项"), attr("title"), 30, wrap=True),
        ledger_only("description", _("具体内容"), attr("description"), 50, wrap=True),
        Col("category", _("类别"), attr("category.name"), width=10, hide=MD, css="text-nowrap"),
        Col(
            "urgency",
            _("紧急程度"),
            attr("get_urgency_display"),
            width=8,
            sort="urgency",
            hide=MD,
            css="text-nowrap",
            cell=CELLS,
        ),
        Col("channel", _("来源"), attr("get_channel_display"), width=10, hide=LG, css="text-nowrap"),
        page_only("chain_region", _("产业链/地区"), hide=XL, css="small", cell=CELLS),
        page_only("status_tag", _("状态"), sort="status", css="text-nowrap", cell=CELLS),
        Col("submitted_at", _("提交时间"), attr("submitted_at"), width=17, sort="submitted", css="text-nowrap"),
        ledger_only("accepted_at", _("受理时间"), attr("accepted_at"), 17),
        ledger_only("lead_departments", _("主办部门"), attr("ledger_leads"), 16, wrap=True),
        ledger_only("co_departments", _("协办部门"), attr("ledger_cos"), 20, wrap=True),
        ledger_only("deadline", _("办结期限"), attr("ledger_deadline"), 12),
        ledger_only("deadline_basis", _("期限依据"), lambda d: deadline_basis(d.ledger_deadline), 8),
        ledger_only("overdue", _("逾期(工作日)"), attr("ledger_overdue"), 10),
        ledger_only("escalation", _("督办级别"), attr("ledger_escalation"), 10),
        ledger_only("reopens", _("重办次数"), attr("reopen_count"), 8),
        ledger_only("tasks", _("任务明细"), attr("ledger_tasks"), 48, wrap=True),
        ledger_only("status", _("状态"), attr("get_status_display"), 10),
        ledger_only("results", _("办理结果"), attr("ledger_results"), 40, wrap=True),
        Col("closed_at", _("办结时间"), attr("closed_at"), width=17, sort="closed", hide=LG, css="text-nowrap"),
        ledger_only("rating", _("评价"), lambda d: d.get_rating_display() if d.rating else "", 8),
        ledger_only("rating_comment", _("评价意见"), attr("rating_comment"), 30, wrap=True),
        ledger_only("liaison", _("挂钩服务专员"), attr("liaison"), 12),
    ),
    sorts=SORTS,
    default_sort="-submitted",
    queryset=ledger_queryset,
    select=demand_list,
    roles=DEMAND_VIEWERS,
    ledger=Ledger(
        title=_("企业诉求办理台账"),
        name="诉求台账",
        prepare=with_export_columns,
        rows=_ledger_rows,
    ),
    export_view="demands:export",
    create_view="demands:create",
    create_label=_("提交诉求"),
    row_testid="demand-row",
    noun=pgettext_lazy("rows of a list", "诉求"),
    empty=_("暂无诉求。"),
    empty_hint=_("企业提交后将显示在这里。"),
    empty_icon="ti-message-report",
)
