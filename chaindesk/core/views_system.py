"""The 系统 area: the audit log for the audit administrator, accounts for the system administrator."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import User

from .listing import paginate
from .models import AuditLog
from .permissions import role_required


@role_required(Role.SYS_ADMIN, Role.AUDIT_ADMIN)
def system_home(request: HttpRequest) -> HttpResponse:
    if request.user.role == Role.AUDIT_ADMIN:  # type: ignore[union-attr]
        return redirect("core:audit_list")
    users = User.objects.visible_to(request.user).select_related("region", "department")
    return render(
        request,
        "core/users.html",
        {
            "page_obj": paginate(users, request.GET.get("page")),
            "page_title": _("用户管理"),
            "breadcrumbs": [(_("系统"), None), (_("用户管理"), None)],
        },
    )


@role_required(Role.AUDIT_ADMIN)
def audit_list(request: HttpRequest) -> HttpResponse:
    entries = AuditLog.objects.select_related("actor", "content_type")
    return render(
        request,
        "core/audit_list.html",
        {
            "page_obj": paginate(entries, request.GET.get("page")),
            "page_title": _("审计日志"),
            "breadcrumbs": [(_("系统"), None), (_("审计日志"), None)],
        },
    )
