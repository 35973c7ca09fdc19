"""Meetings as a resource (the list's filter bar and columns), and the columns of a meeting's decisions
(议定事项) table on the meeting page, declared once each."""

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chaindesk.accounts.choices import OFFICIALS
from chaindesk.core.resources import (
    CHOICE,
    LG,
    MD,
    TEXT,
    Col,
    Filter,
    Ledger,
    Resource,
    attr,
    date_range,
    ledger_only,
    page_only,
)

from .models import Meeting, MeetingKind
from .selectors import DEFAULT_SORT, SORTS, base_queryset, ledger_queryset, meeting_list

CELLS = "meetings/partials/list_cells.html"
DECISION_CELLS = "meetings/partials/decision_cells.html"


def _stops(meeting: Meeting) -> str:
    """The stops visited, in order (the ledger prefetches them)."""
    return "；".join(str(stop) for stop in meeting.site_visits.all())


def _time(name: str) -> Callable[[Meeting], str]:
    def get(meeting: Meeting) -> str:
        value = getattr(meeting, name)
        return f"{value:%H:%M}" if value else ""

    return get


MEETINGS: Resource = Resource(
    view="meetings:list",
    testid="meeting",
    filters=(
        Filter("q", _("关键词"), TEXT, placeholder=_("会议名称或地点")),
        Filter("chain", _("产业链"), options="chains"),
        Filter("kind", _("类型"), CHOICE, options=MeetingKind.choices, values=MeetingKind.values),
        *date_range("from", "to", _("会议日期从"), _("至")),
    ),
    columns=(
        Col("held_on", _("日期"), attr("held_on"), width=12, sort="held", css="text-nowrap"),
        ledger_only("starts_at", _("开始时间"), _time("starts_at"), 9),
        ledger_only("ends_at", _("结束时间"), _time("ends_at"), 9),
        Col("title", _("会议名称"), attr("title"), width=36, sort="title", link="meetings:detail"),
        Col("kind", _("类型"), attr("get_kind_display"), width=10, css="text-nowrap", cell=CELLS),
        Col("chain", _("产业链"), attr("chain.name"), width=14, hide=MD, css="text-nowrap"),
        Col("leader", _("带队领导"), attr("leader"), width=12, hide=MD, css="text-nowrap"),
        ledger_only("chair", _("主持人"), attr("chair"), 12),
        Col("place", _("地点"), attr("place"), width=24, hide=LG),
        ledger_only("stops", _("观摩点"), _stops, 40, wrap=True),
    ),
    sorts=SORTS,
    default_sort=DEFAULT_SORT,
    queryset=base_queryset,
    select=lambda user, params: meeting_list(user, MEETINGS.parse(params), params.get("sort", "")),
    roles=OFFICIALS,
    ledger=Ledger(title=_("会议台账"), name="会议台账", prepare=ledger_queryset),
    export_view="meetings:export",
    create_view="meetings:create",
    create_label=_("新建会议"),
    api_name="meetings",
    keep_sort=True,
    row_testid="meeting-row",
    noun=pgettext_lazy("rows of a list", "会议"),
    empty=_("暂无会议记录。"),
    empty_hint=_("产业链服务团队可点击“新建会议”录入例会、现场观摩和座谈会，录入后将显示在这里。"),
    empty_icon="ti-presentation",
)

# The decisions table of the meeting page (meetings/partials/decisions.html): no page of its own, no filters,
# no export; the team's 修改/删除 column shows to the team only (`decision_columns`).
# Departments lead first (short names), the deadline, the status from the carrying demand's tasks
# (chaindesk/meetings/progress.py) and what carries it (诉求 / 交办事项) or the team's 转为诉求 / 交办 button.
DECISIONS: tuple[Col, ...] = (
    Col("seq", _("序号"), attr("seq"), align="w-1", css="text-secondary text-center fw-bold"),
    page_only("content", _("议定内容"), css="cd-decision-content", cell=DECISION_CELLS),
    page_only("enterprise", _("涉及企业"), hide=LG, cell=DECISION_CELLS),
    page_only("departments", _("责任部门"), hide=MD, cell=DECISION_CELLS),
    page_only("deadline", _("办结期限"), hide=MD, css="text-nowrap", cell=DECISION_CELLS),
    page_only("progress", _("落实情况"), css="text-nowrap", cell=DECISION_CELLS),
    page_only("demand", _("办理"), cell=DECISION_CELLS),
    page_only("actions", _("操作"), align="w-1", css="text-nowrap", cell=DECISION_CELLS),
)


def decision_columns(may_manage: bool) -> list[Col]:
    return [c for c in DECISIONS if may_manage or c.key != "actions"]
