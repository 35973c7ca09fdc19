"""Reads of one-to-one service: the liaison's enterprises and follow-ups, the visit list, the timeline.

Lists are built from annotations, so their query count does not depend on the number of rows."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from chaindesk.accounts.choices import Role
from chaindesk.core import clock
from chaindesk.core.aggregates import JoinedText
from chaindesk.core.changes import describe
from chaindesk.core.listing import sort_queryset
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.enterprises.models import Enterprise

from .extensions import TimelineRow, issue_demand, timeline_sources, with_issue_demands
from .models import LiaisonAssignment, NextStep, Visit, VisitIssue, VisitPhoto

# Never visited first, then the longest without a visit: the order a liaison should plan visits in.
NEEDS_VISIT_FIRST = (F("last_visit_on").asc(nulls_first=True), "name", "pk")
SORTS = {"name": "name", "visit": "last_visit_on", "open": "open_steps", "region": "region__sort_order"}


def stale_days() -> int:
    return int(getattr(settings, "CHAINDESK_STALE_VISIT_DAYS", 90))


def stale_cutoff(today: dt.date | None = None) -> dt.date:
    """Visits before this date no longer count: the enterprise is flagged 超期未走访."""
    return (today or clock.today()) - dt.timedelta(days=stale_days())


def stale_q(today: dt.date | None = None) -> Q:
    return Q(last_visit_on__isnull=True) | Q(last_visit_on__lt=stale_cutoff(today))


def with_service_columns(qs: QuerySet[Enterprise], today: dt.date | None = None) -> QuerySet[Enterprise]:
    """Annotate `open_steps` (next steps not done) and `stale` (no visit, or the last one before the cutoff)."""
    open_steps = (
        NextStep.objects.filter(visit__enterprise=OuterRef("pk"), done_on=None)
        .order_by()
        .values("visit__enterprise")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        open_steps=Coalesce(Subquery(open_steps), 0),
        stale=Case(
            When(stale_q(today), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def my_enterprises(user: Any) -> QuerySet[Enterprise]:
    """The enterprises this user serves: a liaison's assigned ones, a city leader's linked ones."""
    visible = Enterprise.objects.visible_to(user)
    if user.role == Role.LIAISON:
        return visible.filter(liaison=user)
    return visible.filter(leader=user)


def service_queryset(user: Any, today: dt.date | None = None) -> QuerySet[Enterprise]:
    """The enterprises this user serves, with what a /service/ row shows (the filters and columns:
    `resources.ASSIGNMENTS`)."""
    return with_service_columns(my_enterprises(user).select_related("region"), today)


def enterprise_service_list(
    user: Any, *, stale: bool = False, sort: str = "", today: dt.date | None = None
) -> tuple[QuerySet[Enterprise], str]:
    """/service/: my enterprises with last visit, open items and the stale flag; `stale` keeps the stale
    ones; sort by name, visit, open, region (stale first by default: they need a visit)."""
    qs = service_queryset(user, today)
    if stale:
        qs = qs.filter(stale_q(today))
    if not sort:
        return qs.order_by(*NEEDS_VISIT_FIRST), ""
    return sort_queryset(qs, sort, SORTS, "name")


def due_next_steps(user: Any, today: dt.date | None = None) -> QuerySet[NextStep]:
    """The user's open next steps on enterprises they may see, overdue first (by due date)."""
    today = today or clock.today()
    visible = Enterprise.objects.visible_to(user).values("pk")
    return (
        NextStep.objects.filter(owner=user, done_on=None, visit__enterprise__in=visible)
        .select_related("visit__enterprise")
        .annotate(overdue=Case(When(due_on__lt=today, then=Value(True)), default=Value(False)))
        .order_by("due_on", "pk")
    )


def liaison_workbench(user: Any, *, limit: int = 20, today: dt.date | None = None) -> dict[str, Any]:
    """The liaison's 工作台: their enterprises (stale first), the stale count and the due next steps."""
    counts = my_enterprises(user).aggregate(total=Count("pk"), stale=Count("pk", filter=stale_q(today)))
    mine = service_queryset(user, today)
    steps = list(due_next_steps(user, today)[:8])
    return {
        "enterprise_count": counts["total"],
        "stale_count": counts["stale"],
        "enterprises": list(mine.order_by(*NEEDS_VISIT_FIRST)[:limit]),
        "due_steps": steps,
        "stale_days": stale_days(),
    }


def enterprise_visits(enterprise: Enterprise, *, internal: bool = True, reader: Any = None) -> QuerySet[Visit]:
    """The enterprise's visits, newest first; participants' names as one column; issues and next steps
    prefetched for officials (`internal`), with their photos' numbers (`Visit.photo_pk_list`); all three left
    out for enterprise users. With a `reader`, each issue carries the demand it became, as that reader may
    read it (`extensions.with_issue_demands`, in the issues' own query)."""
    through = Visit.participants.through
    names = (
        through.objects.filter(visit_id=OuterRef("pk"))
        .order_by()
        .values("visit_id")
        .annotate(names=JoinedText("user__display_name", "、"))
        .values("names")  # type: ignore[misc]  # an annotation the stubs do not follow
    )
    qs = Visit.objects.filter(enterprise=enterprise).select_related("created_by")
    qs = qs.annotate(participant_names=Subquery(names, output_field=CharField()))
    if internal:
        steps = NextStep.objects.select_related("owner").order_by("due_on", "pk")
        issues = VisitIssue.objects.all() if reader is None else with_issue_demands(reader, VisitIssue.objects.all())
        qs = qs.prefetch_related(Prefetch("issues", queryset=issues), Prefetch("next_steps", queryset=steps))
        # The photos' numbers as one column of the same query (thumbnails need no more): no query of their own.
        photos = (
            VisitPhoto.objects.filter(visit_id=OuterRef("pk"))
            .order_by()
            .values("visit_id")
            .annotate(pks=JoinedText(Cast("pk", CharField()), "、"))
            .values("pks")  # type: ignore[misc]  # an annotation the stubs do not follow
        )
        qs = qs.annotate(photo_pks=Subquery(photos, output_field=CharField()))
    return qs.order_by("-visited_on", "-pk")


def _visit_rows(visits: list[Visit]) -> list[TimelineRow]:
    rows = []
    for v in visits:
        issues = tuple(_("反映问题：%(text)s") % {"text": i.text} for i in v.issues.all())
        what = _("%(kind)s：%(notes)s") % {"kind": v.get_kind_display(), "notes": v.notes}
        photos = tuple(v.photo_pk_list())
        rows.append(TimelineRow(v.visited_on, str(v.created_by), what, "visit", (v.created_at,), issues, photos=photos))
        for s in v.next_steps.all():
            if s.done_on:
                what = _("完成下一步工作：%(text)s") % {"text": s.text}
                rows.append(TimelineRow(s.done_on, str(s.owner), what, "step-done", (v.created_at, s.pk)))
            else:
                what = _("下一步工作：%(text)s（负责人 %(owner)s，时限 %(due)s）") % {
                    "text": s.text,
                    "owner": s.owner,
                    "due": f"{s.due_on:%Y-%m-%d}",
                }
                rows.append(TimelineRow(v.visited_on, str(v.created_by), what, "step", (v.created_at, s.pk)))
    return rows


def _assignment_rows(assignments: list[LiaisonAssignment]) -> list[TimelineRow]:
    rows = []
    ordered = sorted(assignments, key=lambda a: (a.started_on, a.pk))
    for previous, a in zip([None, *ordered], ordered, strict=False):
        who = str(a.assigned_by) if a.assigned_by else _("系统")
        ended = previous.ended_on if previous is not None else None
        if previous is not None and ended is not None and (a.started_on - ended).days <= 1:
            what = _("挂钩服务专员由 %(old)s 交接给 %(new)s") % {"old": previous.liaison, "new": a.liaison}
        else:
            what = _("指派挂钩服务专员：%(new)s") % {"new": a.liaison}
        if a.leader:
            what += _("；挂钩市领导：%(leader)s") % {"leader": a.leader}
        if a.note:
            what += f"（{a.note}）"
        rows.append(TimelineRow(a.started_on, who, what, "assignment", (a.pk,)))
    return rows


def _audit_rows(entries: list[AuditLog]) -> list[TimelineRow]:
    # A creation reads "登记企业" here, so only the changes need their related names resolved.
    changes = describe([e for e in entries if e.action != AuditAction.CREATE])
    rows = []
    for e in entries:
        fields = changes.get(e.pk, [])
        if e.action == AuditAction.UPDATE and [label for label, *_rest in fields] == [
            str(Enterprise._meta.get_field("last_visit_on").verbose_name)
        ]:
            continue  # derived from a visit, which has its own line
        who = str(e.actor) if e.actor else (e.actor_name or _("系统"))
        if e.action == AuditAction.CREATE:
            what = _("登记企业")
        else:
            summary = "；".join(f"{label}：{before} → {after}" for label, before, after in fields)
            what = f"{e.get_action_display()}{'：' + summary if summary else ''}"
        rows.append(TimelineRow(timezone.localdate(e.created_at), who, what, "audit", (e.created_at,)))
    return rows


TIMELINE_AUDIT_CAP = 200


def mark_converted_issues(visits: list[Visit]) -> None:
    """Mark each issue (read with a `reader`) already turned into a demand with that demand (`issue.became`),
    so the visit list links to it instead of offering 转为诉求 again: no query."""
    for v in visits:
        for issue in v.issues.all():
            issue.became = issue_demand(issue)  # type: ignore[attr-defined]


def enterprise_timeline(user: Any, enterprise: Enterprise) -> list[TimelineRow]:
    """Visits (with issues raised), next steps, liaison assignments, the enterprise's audit lines and what later
    apps register (`extensions.register_timeline_source`: demands, project stages, meeting decisions), merged
    newest first. The caller has checked that `user` may see `enterprise` (and is an official)."""
    visits = list(enterprise_visits(enterprise))
    assignments = list(
        LiaisonAssignment.objects.filter(enterprise=enterprise).select_related("liaison", "leader", "assigned_by")
    )
    watched = [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE]
    audit_lines = AuditLog.objects.for_object(enterprise).filter(action__in=watched)
    entries = list(audit_lines.select_related("actor", "content_type").order_by("-created_at")[:TIMELINE_AUDIT_CAP])
    rows = _visit_rows(visits) + _assignment_rows(assignments) + _audit_rows(entries)
    for source in timeline_sources():
        rows += source(user, enterprise)
    # Same day: the visit, then what it agreed, then the rest (the list is read newest first); the kind breaks
    # ties so that `order` is only compared within one kind.
    rank = {"audit": 0, "assignment": 1, "step-done": 2, "step": 3, "visit": 4}
    return sorted(rows, key=lambda r: (r.on, rank.get(r.kind, 5), r.kind, r.order), reverse=True)


def visit_photos(visit: Visit) -> QuerySet[VisitPhoto]:
    """A visit's photos in upload order, with who uploaded each (one query)."""
    return visit.photos.select_related("uploaded_by").order_by("pk")
