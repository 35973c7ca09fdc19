"""The enterprise portal's demand list (issue 11, item 13): an enterprise user sees their own demands as a simple
list (title, status, submitted, what happens next, link) with a prominent 提交诉求, not the officials' ledger
(no internal filters, no ledger buttons, no export). `demands.views.demand_list_view` hands enterprise users here."""

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core.listing import paginate
from chaindesk.core.templatetags.cd import intcomma_cn

from .choices import DemandStatus
from .models import Demand
from .selectors import STATUS_COLOUR, base_queryset

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


def portal_page(
    request: HttpRequest,
    qs: QuerySet[Any],
    *,
    template: str,
    title: str,
    count: str,
    decorate: Callable[[list[Any]], list[Any]],
) -> HttpResponse:
    """An enterprise portal list (我的诉求, 我的项目): the reader's own rows 50 a page (two queries: the count and the
    page), each decorated, the count as `count` words it ("共 %(n)s 条"), the title as the only breadcrumb."""
    page_obj = paginate(qs, request.GET.get("page"))
    context = {
        "page_obj": page_obj,
        "rows": decorate(list(page_obj.object_list)),
        "count_text": count % {"n": intcomma_cn(page_obj.paginator.count)},
        "page_title": title,
        "breadcrumbs": [(title, None)],
    }
    return render(request, template, context)


def demand_portal(request: AuthedRequest) -> HttpResponse:
    """我的诉求: the enterprise's demands, newest first, 50 a page (two queries: the count and the page)."""
    qs = base_queryset(request.user).order_by("-submitted_at", "-pk")
    return portal_page(
        request, qs, template="demands/portal_list.html", title=_("我的诉求"), count=_("共 %(n)s 条"), decorate=_rows
    )
