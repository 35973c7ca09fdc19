"""Meetings as a resource (the list's filter bar and columns), and the columns of a meeting's decisions
(议定事项) table on the meeting page, declared once each."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chaindesk.accounts.choices import OFFICIALS
from chaindesk.core.resources import CHOICE, LG, MD, TEXT, Col, Filter, Resource, attr, date_range, page_only

from .models import MeetingKind
from .selectors import DEFAULT_SORT, SORTS, base_queryset, meeting_list

CELLS = "meetings/partials/list_cells.html"
DECISION_CELLS = "meetings/partials/decision_cells.html"

MEETINGS: Resource = Resource(
    view="meetings:list",
    testid="meeting",
    filters=(
        Filter("q", _("关键词"), TEXT, placeholder=_("会议名称或地点")),
        Filter("kind", _("类型"), CHOICE, options=MeetingKind.choices, values=MeetingKind.values),
        *date_range("from", "to", _("会议日期从"), _("至")),
    ),
    columns=(
        Col("held_on", _("日期"), attr("held_on"), sort="held", css="text-nowrap"),
        Col("title", _("会议名称"), attr("title"), sort="title", link="meetings:detail"),
        Col("kind", _("类型"), attr("get_kind_display"), css="text-nowrap", cell=CELLS),
        Col("chain", _("产业链"), attr("chain.name"), hide=MD, css="text-nowrap"),
        Col("leader", _("带队领导"), attr("leader"), hide=MD, css="text-nowrap"),
        Col("place", _("地点"), attr("place"), hide=LG),
    ),
    sorts=SORTS,
    default_sort=DEFAULT_SORT,
    queryset=base_queryset,
    select=lambda user, params: meeting_list(user, MEETINGS.parse(params), params.get("sort", "")),
    roles=OFFICIALS,
    api_name="meetings",
    keep_sort=True,
    row_testid="meeting-row",
    noun=pgettext_lazy("rows of a list", "会议"),
    empty=_("暂无会议记录。"),
    empty_hint=_("会议录入功能上线后，例会和现场观摩将显示在这里。"),
    empty_icon="ti-presentation",
)

# The decisions table of the meeting page (meetings/partials/decisions.html): no page of its own, no filters,
# no export; the team's 修改/删除 column shows to the team only (`decision_columns`).
DECISIONS: tuple[Col, ...] = (
    Col("seq", _("序号"), attr("seq"), align="w-1", css="text-secondary text-center fw-bold"),
    page_only("content", _("议定内容"), css="cd-decision-content", cell=DECISION_CELLS),
    page_only("enterprise", _("涉及企业"), cell=DECISION_CELLS),
    Col("department", _("责任部门"), attr("department"), hide=MD, css="text-nowrap"),
    page_only("demand", _("办理"), cell=DECISION_CELLS),
    page_only("actions", _("操作"), align="w-1", css="text-nowrap", cell=DECISION_CELLS),
)


def decision_columns(may_manage: bool) -> list[Col]:
    return [c for c in DECISIONS if may_manage or c.key != "actions"]
