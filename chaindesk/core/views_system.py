"""The 系统 area: the audit log for the audit administrator; accounts for the system administrator are
managed by the accounts app (chaindesk/accounts/views_users.py, mounted in this area's `core` namespace).

The two roles are kept apart (等保 三权分立): the system administrator never sees the audit trail and the
audit administrator never manages accounts. Core names no domain app: the two roles are found by their scope
dimension (`scope.DIMENSION`), not by importing accounts' Role. The audit log's filters, columns and ledger
are declared once in resources_audit.AUDIT.
"""

import json

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from chaindesk.core import clock

from .models import AuditAction, AuditLog
from .permissions import role_required
from .resources_audit import AUDIT, AUDITORS, audit_lines, changes_of
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


def _summarise(entries: list[AuditLog]) -> list[AuditLog]:
    """What a row of the page shows besides its columns: the action's tag colour and the first changes."""
    for entry in entries:
        changes = changes_of(entry)
        entry.colour = ACTION_COLOURS.get(entry.action, "grey")  # type: ignore[attr-defined,call-overload]
        entry.summary = changes[:SUMMARY_FIELDS]  # type: ignore[attr-defined]
        entry.more = max(len(changes) - SUMMARY_FIELDS, 0)  # type: ignore[attr-defined]
    return entries


@role_required(*AUDIT.roles)
def audit_list(request: HttpRequest) -> HttpResponse:
    qs, sort = audit_lines(request.user, request.GET)
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


@role_required(*AUDIT.roles)
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered audit log as the ledger `AUDIT` declares, every line, streamed; the export is audited."""
    qs, _sort = audit_lines(request.user, request.GET)
    # Lines written while the file is built (this export's own record among them) stay out of it, so the
    # file holds exactly the count its header states.
    return AUDIT.export(request, qs.filter(created_at__lte=clock.now()))
