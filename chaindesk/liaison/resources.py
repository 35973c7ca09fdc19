"""One-to-one service as resources: the liaison's enterprises (我的挂钩企业, `ASSIGNMENTS`: filter bar and
table of /service/) and an enterprise's visits (`VISITS`: the fields of each visit on the visits page and
the enterprise page's 走访 tab).

The visits page shows each visit as a card, not a table row: the short fields (`wrap=False`) on its first
line, the long ones (`wrap=True`) below. The fields that core.privacy declares staff-only (a visit's notes,
its issues, its next steps, its photos) are columns an enterprise user never gets (`visit_columns`)."""

from collections.abc import Sequence
from typing import Any

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.choices import Role
from chaindesk.core.privacy import staff_fields_hidden_from
from chaindesk.core.resources import CHOICE, MD, Col, Filter, Resource, attr, page_only

from .models import NextStep, Visit, VisitIssue, VisitPhoto
from .selectors import SORTS, enterprise_service_list, service_queryset, stale_days

SERVICE_ROLES = frozenset({Role.LIAISON, Role.CITY_LEADER})  # who serves enterprises one-to-one
CELLS = "liaison/partials/service_cells.html"
VISIT_CELLS = "liaison/partials/visit_cells.html"


def _stale_options(_choices: Any) -> list[tuple[str, str]]:
    """`stale=1`: the enterprises not visited within the stale period (read from the settings per request)."""
    return [("1", gettext("超过%(n)s天未走访") % {"n": stale_days()})]


ASSIGNMENTS: Resource = Resource(
    view="liaison:mine",
    testid="service",
    count_text=_("共 %(n)s 家"),
    filters=(Filter("stale", _("走访状态"), CHOICE, options=_stale_options, values=("1",)),),
    columns=(
        Col("name", _("企业名称"), attr("name"), width=34, sort="name", link="enterprises:detail"),
        Col("region", _("所在地区"), attr("region"), width=10, sort="region", hide=MD, css="text-nowrap"),
        Col("last_visit_on", _("最近走访"), attr("last_visit_on"), width=12, sort="visit", css="text-nowrap"),
        page_only("stale", _("走访状态"), css="text-nowrap", cell=CELLS),
        Col("open_steps", _("待办下一步(项)"), attr("open_steps"), width=12, sort="open", align="num"),
        page_only("actions", _("操作"), align="text-end", css="text-nowrap", cell=CELLS),
    ),
    sorts=SORTS,
    queryset=service_queryset,
    select=lambda user, params: enterprise_service_list(
        user, stale=ASSIGNMENTS.parse(params)["stale"] == "1", sort=params.get("sort", "")
    ),
    roles=SERVICE_ROLES,
    api_name="assignments",
    keep_sort=True,
    empty_filtered=_("没有超期未走访的企业。"),
    empty=_("暂无挂钩服务的企业。"),
    empty_hint=_("服务团队或市(区)管理员为企业指派您为挂钩服务专员后，企业将显示在这里。"),
    empty_icon="ti-building-factory-2",
    row_testid="service-row",
)


def _participants(visit: Visit) -> str:
    names = (getattr(visit, "participant_names", None), visit.other_participants)
    return "、".join(name for name in names if name)


def _issues(visit: Visit) -> str:
    return "；".join(issue.text for issue in visit.issues.all())


def _steps(visit: Visit) -> str:
    return "；".join(
        gettext("%(text)s（负责人 %(owner)s，时限 %(due)s）") % {"text": s.text, "owner": s.owner, "due": s.due_on}
        for s in visit.next_steps.all()
    )


def _photos(visit: Visit) -> str:
    count = len(visit.photo_pk_list())
    return gettext("%(n)s 张") % {"n": count} if count else ""


VISITS: tuple[Col, ...] = (
    Col("visited_on", _("日期"), attr("visited_on"), width=12, css="cd-mono text-body fw-bold"),
    Col("kind", _("方式"), attr("get_kind_display"), width=10, css="badge status-blue"),
    Col("participants", _("参加人员"), _participants, width=24, css="small text-secondary", cell=VISIT_CELLS),
    Col("created_by", _("记录人"), attr("created_by"), width=10, css="small text-secondary ms-auto", cell=VISIT_CELLS),
    Col("notes", _("走访情况"), attr("notes"), width=40, wrap=True, cell=VISIT_CELLS),
    Col("issues", _("反映问题"), _issues, width=30, wrap=True, cell=VISIT_CELLS),
    Col("next_steps", _("下一步工作"), _steps, width=30, wrap=True, cell=VISIT_CELLS),
    Col("photos", _("现场照片"), _photos, width=20, wrap=True, cell=VISIT_CELLS),
)

# The visit columns that show a staff-only field (core.privacy, declared on the models).
STAFF_ONLY: dict[str, tuple[type[models.Model], str]] = {
    "notes": (Visit, "notes"),
    "issues": (VisitIssue, "text"),
    "next_steps": (NextStep, "text"),
    "photos": (VisitPhoto, "file"),
}


def visit_columns(user: Any, columns: Sequence[Col] = VISITS) -> list[Col]:
    """The visit columns `user` may read: those showing a field core.privacy withholds from them left out."""
    return [
        c
        for c in columns
        if c.key not in STAFF_ONLY or STAFF_ONLY[c.key][1] not in staff_fields_hidden_from(STAFF_ONLY[c.key][0], user)
    ]


def withheld_note(shown: Sequence[Col], columns: Sequence[Col] = VISITS) -> str:
    """ "走访情况、反映问题和下一步工作仅服务人员可见。" naming the columns left out, or "" when none is."""
    labels = [str(c.label) for c in columns if c not in shown]
    if not labels:
        return ""
    names = (
        labels[0]
        if len(labels) == 1
        else gettext("%(some)s和%(last)s")
        % {
            "some": "、".join(labels[:-1]),
            "last": labels[-1],
        }
    )
    return gettext("%(names)s仅服务人员可见。") % {"names": names}
