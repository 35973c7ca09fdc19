"""A department's tasks (本部门任务) as a resource: the queue's filter bar, its columns and the 部门交办任务台账
columns. The queue's rows come from `selectors_queues.department_tasks` (the reader's visible tasks of their
department, overdue first); the page's and the ledger's rows withhold the staff-only fields (instructions,
escalation marks, core.privacy) from a reader who may not read them, as every page showing a task does."""

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.choices import Role
from chaindesk.core import clock
from chaindesk.core.privacy import withhold_staff_fields
from chaindesk.core.resources import CHOICE, MD, Col, Filter, Ledger, Resource, attr, ledger_only, page_only

from .choices import OPEN_TASK, Escalation, TaskStatus
from .models import Task
from .selectors_queues import (
    ESCALATION_COLOURS,
    SIDE_CO,
    SIDE_LEAD,
    STATUS_ALL,
    STATUS_OPEN,
    decorate_tasks,
    department_tasks,
    task_queryset,
)
from .workdays import is_provisional

CELLS = "demands/partials/queues_task_cells.html"


def _prepare(qs: QuerySet[Task]) -> QuerySet[Task]:
    return qs.select_related("demand__category").prefetch_related("co_departments")


def readable_rows(rows: Iterable[Task], user: Any) -> Iterator[Task]:
    """Each task as the reader may read it (core.privacy), with its working days left (a calendar lookup, no
    query): the rows of both the page and the ledger."""
    today = clock.today()
    for task in rows:
        withhold_staff_fields([task], user)
        decorate_tasks([task], today)
        yield task


def _days_left(task: Task) -> int | None:
    return task.days_left if task.status in OPEN_TASK else None  # type: ignore[attr-defined]


def deadline_basis(deadline: dt.date | None) -> str:
    """预估 beside a deadline in a year without an official holiday schedule (chaindesk/core/holidays.py); the
    task and demand ledgers' 期限依据 column."""
    return gettext("预估") if deadline is not None and is_provisional(deadline) else ""


def _estimated(task: Task) -> bool:
    return task.deadline is not None and is_provisional(task.deadline)


def _owner(task: Task) -> str:
    """The 企业 cell: the enterprise, or 会议交办 and the decision for a meeting's 交办事项."""
    demand = task.demand
    if demand.enterprise_id is not None:
        return str(demand.enterprise.name) if demand.enterprise else ""
    return gettext("会议交办：%(source)s") % {"source": demand.source_label or demand.title}


def _escalation(task: Task) -> str:
    return str(task.get_escalation_display()) if task.escalation else ""  # type: ignore[attr-defined]


TASKS: Resource = Resource(
    view="demands:tasks",
    testid="task",
    filters=(
        # the side's tabs (with their counts) switch it too; the filter bar keeps it when filtering
        Filter(
            "side",
            _("主办/协办"),
            CHOICE,
            options=((SIDE_CO, _("协办")),),
            values=(SIDE_LEAD, SIDE_CO),
            blank=_("主办"),
            width="col-sm-4 col-lg-2",
        ),
        Filter(
            "status",
            _("状态"),
            CHOICE,
            options=TaskStatus.choices,
            values=(STATUS_OPEN, STATUS_ALL, *TaskStatus.values),
            blank=_("未办结"),
            first=((STATUS_ALL, _("全部")),),
            width="col-sm-4 col-lg-3",
        ),
        Filter(
            "escalation",
            _("预警级别"),
            CHOICE,
            options=[(value, label) for value, label in Escalation.choices if value],
            values=tuple(ESCALATION_COLOURS),
            width="col-sm-4 col-lg-3",
        ),
    ),
    columns=(
        page_only("due", _("办结期限"), css="text-nowrap", cell=CELLS),
        Col("title", _("诉求事项"), attr("demand.title"), width=30, wrap=True, cell=CELLS),
        ledger_only("enterprise", _("企业"), _owner, 28, wrap=True),
        ledger_only("category", _("诉求类别"), attr("demand.category"), 10),
        # the page shows it on the 协办 side only (the 主办 side's is the reader's own department)
        Col(
            "lead_department",
            _("主办部门"),
            attr("lead_department"),  # the page: short name, full name on hover
            export=attr("lead_department.name"),
            width=18,
            wrap=True,
        ),
        ledger_only(
            "co_departments",
            _("协办部门"),
            lambda t: "、".join(d.short_name for d in t.co_departments.all()),
            22,
            wrap=True,
        ),
        ledger_only("instructions", _("办理要求"), attr("instructions"), 36, wrap=True),
        ledger_only("working_days", _("办理时限(工作日)"), attr("working_days"), 10),
        ledger_only("assigned_on", _("交办日期"), lambda t: timezone.localtime(t.created_at).date(), 12),
        ledger_only("deadline", _("办结期限"), attr("deadline"), 12),
        # the API's boolean beside the deadline (the ledger says it in 期限依据, the page with its 预估 mark)
        Col("deadline_estimated", _("办结期限为预估"), _estimated, page=False, in_export=False),
        ledger_only("deadline_basis", _("期限依据"), lambda t: deadline_basis(t.deadline), 8),
        ledger_only("days_left", _("剩余工作日"), _days_left, 10),
        ledger_only("escalation", _("预警级别"), _escalation, 10),
        Col("status", _("状态"), attr("get_status_display"), width=10, css="text-nowrap", cell=CELLS),
        Col("handler", _("经办人"), attr("handler"), width=10, hide=MD),
        ledger_only("signed_at", _("签收时间"), attr("signed_at"), 16),
        ledger_only("result", _("办理结果"), attr("result"), 36, wrap=True),
        page_only("actions", _("操作"), align="text-end", css="text-nowrap", cell=CELLS),
    ),
    queryset=task_queryset,
    select=lambda user, params: (department_tasks(user, TASKS.parse(params), clock.today())[0], ""),
    roles=frozenset({Role.DEPT_HANDLER}),
    api_name="tasks",
    ledger=Ledger(
        title=_("部门交办任务台账"),
        name="部门任务",
        prepare=_prepare,
        rows=readable_rows,
    ),
    export_view="demands:tasks_export",
    row_testid="task-row",
    noun=pgettext_lazy("rows of a list", "任务"),
    empty_filtered=_("暂无符合条件的任务。"),
    empty=_("暂无符合条件的任务。"),
    empty_hint=_("服务团队把企业诉求交办给本部门后，任务将在这里等待签收。"),
    empty_icon="ti-checklist",
)


def page_columns(side: str) -> list[Col]:
    """The queue's columns on a side: 主办部门 only on the 协办 side."""
    return [c for c in TASKS.page_columns() if side == SIDE_CO or c.key != "lead_department"]
