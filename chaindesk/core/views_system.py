"""The 系统 area: the audit log for the audit administrator; accounts for the system administrator are
managed by the accounts app (chaindesk/accounts/views_users.py, mounted in this area's `core` namespace).

The two roles are kept apart (等保 三权分立): the system administrator never sees the audit trail and the
audit administrator never manages accounts. Core names no domain app: the two roles are found by their scope
dimension (`scope.DIMENSION`), not by importing accounts' Role. The audit log's filters, columns and ledger
are declared once in resources_audit.AUDIT.
"""

import datetime as dt
import json
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chaindesk.core import clock

from .listing import sort_queryset
from .models import AuditAction, AuditLog
from .permissions import role_required
from .resources_audit import AUDIT, audit_filters, changes_of
from .scope import ADMIN, DIMENSION
from .scope import AUDIT as AUDIT_DIMENSION
from .visibility import get_visible_or_404

# Tag colours of UI.md: red for refusals, blue for changes, green for creation, grey for the rest.
ACTION_COLOURS = {
    AuditAction.LOGIN_FAILED: "red",
    AuditAction.LOGIN_LOCKED: "red",
    AuditAction.PERMISSION_DENIED: "red",
    AuditAction.UPDATE: "blue",
    AuditAction.TRANSITION: "blue",
    AuditAction.CREATE: "green",
}
SUMMARY_FIELDS = 3  # before→after pairs shown in a row; the detail page shows all
# The audit administrator, and with the system administrator the roles that see the 系统 area.
AUDITORS = tuple(role for role, dimension in DIMENSION.items() if dimension == AUDIT_DIMENSION)
SYSTEM_ROLES = tuple(role for role, dimension in DIMENSION.items() if dimension in (ADMIN, AUDIT_DIMENSION))


@role_required(*SYSTEM_ROLES)
def system_home(request: HttpRequest) -> HttpResponse:
    if request.user.role in AUDITORS:  # type: ignore[union-attr]
        return redirect("core:audit_list")
    return redirect("core:user_list")


# --- Audit log -------------------------------------------------------------------------------------


def _content_type_options() -> list[tuple[int, str]]:
    """Object types worth filtering on: the models of ChainDesk's own apps (one query)."""
    labels = [cfg.label for cfg in apps.get_app_configs() if cfg.name.startswith("chaindesk.")]
    types = ContentType.objects.filter(app_label__in=labels).order_by("app_label", "model")
    return [(ct.pk, f"{ct.name}（{ct.app_label}）") for ct in types]


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filter_audit(user: Any, filters: dict[str, Any]) -> QuerySet[AuditLog]:
    """Audit lines matching the filters as `audit_filters` reads them (None: not filtered). Exact filters
    hit the table's indexes; the keyword is a substring search (a scan, bounded by the other filters and the
    date range)."""
    qs = AuditLog.objects.visible_to(user)
    if filters.get("action"):
        qs = qs.filter(action=filters["action"])
    elif filters.get("actor") or filters.get("ip"):
        # The indexes are (action, actor_name, created_at) and (action, ip, created_at): listing every action
        # lets the database probe them once per action instead of scanning the table.
        qs = qs.filter(action__in=AuditAction.values)
    if filters.get("actor"):
        qs = qs.filter(actor_name=filters["actor"].strip().lower())
    if filters.get("ct"):
        qs = qs.filter(content_type_id=filters["ct"])
    if filters.get("ip"):
        qs = qs.filter(ip=filters["ip"])
    if filters.get("date_from"):
        qs = qs.filter(created_at__gte=_day_start(filters["date_from"]))
    if filters.get("date_to"):
        qs = qs.filter(created_at__lt=_day_start(filters["date_to"] + dt.timedelta(days=1)))
    keyword = (filters.get("q") or "").strip()
    if keyword:
        qs = qs.filter(
            Q(actor_name__icontains=keyword)
            | Q(object_repr__icontains=keyword)
            | Q(message__icontains=keyword)
            | Q(request_id__startswith=keyword.lower())
            | Q(ip__startswith=keyword)
        )
    return qs


def audit_list_queryset(request: HttpRequest) -> tuple[QuerySet[AuditLog], str]:
    """The audit lines the URL's filters select, sorted as it says (values the filters ignore: no filter)."""
    filters, _ignored = audit_filters(request.GET)
    qs = filter_audit(request.user, filters)
    return sort_queryset(qs, request.GET.get("sort", ""), AUDIT.sorts, AUDIT.default_sort)


def _summarise(entries: list[AuditLog]) -> list[AuditLog]:
    """What a row of the page shows besides its columns: the action's tag colour and the first changes."""
    for entry in entries:
        changes = changes_of(entry)
        entry.colour = ACTION_COLOURS.get(entry.action, "grey")  # type: ignore[attr-defined,call-overload]
        entry.summary = changes[:SUMMARY_FIELDS]  # type: ignore[attr-defined]
        entry.more = max(len(changes) - SUMMARY_FIELDS, 0)  # type: ignore[attr-defined]
    return entries


@role_required(*AUDITORS)
def audit_list(request: HttpRequest) -> HttpResponse:
    qs, sort = audit_list_queryset(request)
    return AUDIT.render(
        request,
        "core/audit_list.html",
        qs.select_related("content_type"),
        sort,
        title=_("审计日志"),
        choices={"content_types": _content_type_options()},
        decorate=_summarise,
        breadcrumbs=[(_("系统"), None), (_("审计日志"), None)],
    )


@role_required(*AUDITORS)
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visible = AuditLog.objects.visible_to(request.user).select_related("content_type", "actor")
    entry = get_visible_or_404(visible, pk, user=request.user)
    return render(
        request,
        "core/audit_detail.html",
        {
            "entry": entry,
            "colour": ACTION_COLOURS.get(entry.action, "grey"),  # type: ignore[call-overload]
            "changes": changes_of(entry),
            "before_json": json.dumps(entry.before, ensure_ascii=False, indent=2) if entry.before else "",
            "after_json": json.dumps(entry.after, ensure_ascii=False, indent=2) if entry.after else "",
            "page_title": _("审计记录详情"),
            "breadcrumbs": [(_("系统"), None), (_("审计日志"), reverse("core:audit_list")), (f"#{entry.pk}", None)],
        },
    )


@role_required(*AUDITORS)
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered audit log as the ledger `AUDIT` declares, at most EXPORT_ROW_CAP rows; the export is audited."""
    qs, _sort = audit_list_queryset(request)
    # Lines written while the file is built (this export's own record among them) stay out of it, so the
    # file holds exactly the count its header states.
    return AUDIT.export(request, qs.filter(created_at__lte=clock.now()))
