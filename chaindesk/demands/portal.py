"""The enterprise portal's demand list (issue 11, item 13): an enterprise user sees their own demands as a simple
list (title, status, submitted, what happens next, link) with a prominent 提交诉求, not the officials' ledger
(no internal filters, no ledger buttons, no export). `demands.views.demand_list_view` hands enterprise users here."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core.listing import portal_page

from .choices import DemandStatus
from .models import Demand
from .selectors import STATUS_COLOUR, ledger_queryset

# What happens next, as the enterprise reads it; True: the enterprise itself has to act.
NEXT_STEP: dict[str, tuple[object, bool]] = {
    DemandStatus.SUBMITTED: (gettext_lazy("等待服务团队受理"), False),
    DemandStatus.NEEDS_INFO: (gettext_lazy("请按要求补充材料"), True),
    DemandStatus.ACCEPTED: (gettext_lazy("已受理，正在交办部门"), False),
    DemandStatus.IN_PROGRESS: (gettext_lazy("部门办理中"), False),
    DemandStatus.AWAITING_CONFIRMATION: (gettext_lazy("请确认办理结果并评价"), True),
    DemandStatus.CLOSED: (gettext_lazy("已办结"), False),
    DemandStatus.REJECTED: (gettext_lazy("未予受理，原因见诉求详情"), False),
    DemandStatus.MERGED: (gettext_lazy("已并入同类诉求一并办理"), False),
}


def _rows(rows: list[Demand]) -> list[Demand]:
    for d in rows:
        d.status_colour = STATUS_COLOUR.get(d.status, "grey")  # type: ignore[attr-defined]
        d.next_step, d.enterprise_acts = NEXT_STEP.get(d.status, ("", False))  # type: ignore[attr-defined]
    return rows


def demand_portal(request: AuthedRequest) -> HttpResponse:
    """我的诉求: the enterprise's demands, newest first, 50 a page (two queries: the count and the page)."""
    qs = ledger_queryset(request.user).order_by("-submitted_at", "-pk")
    return portal_page(
        request, qs, template="demands/portal_list.html", title=_("我的诉求"), count=_("共 %(n)s 条"), decorate=_rows
    )
