"""系统 → 部门: the system administrator's departments, with who signs their tasks.

A department without an active handler account (部门经办人) leaves every task sent there at 待签收; the list marks
such departments and the edit page names the 部门收件人 who is told instead (issue 11, item 1). The routes live
in core's `core` namespace like the user pages (config/urls.py), so core never imports accounts."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from chaindesk.core.errors import service_errors
from chaindesk.core.permissions import role_required

from . import services as account_services
from .choices import Role
from .forms import DepartmentRecipientForm
from .models import Region, User
from .requests import AuthedRequest
from .resources import DEPARTMENTS, department_queryset, filter_departments


@role_required(*DEPARTMENTS.roles)
def department_list(request: AuthedRequest) -> HttpResponse:
    qs, sort = filter_departments(request.user, request.GET.dict())
    return DEPARTMENTS.render(
        request,
        "accounts/departments.html",
        qs,
        sort,
        title=_("部门"),
        choices={"regions": list(Region.objects.values_list("pk", "name"))},
        breadcrumbs=[(_("系统"), None), (_("部门"), None)],
    )


@role_required(Role.SYS_ADMIN)
def department_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Name (or clear) the department's 部门收件人; the page also lists who may sign its tasks today."""
    department = get_object_or_404(department_queryset(request.user), pk=pk)
    form = DepartmentRecipientForm(request.POST or None, initial={"recipient": department.recipient_id})
    if request.method == "POST" and form.is_valid():
        with service_errors(form, default_field="recipient"):
            account_services.department_set_recipient(
                actor=request.user, department=department, recipient=form.cleaned_data["recipient"]
            )
            messages.success(request, _("已保存部门 %(name)s 的部门收件人。") % {"name": department})
            return redirect("core:department_list")
    members = User.objects.filter(department=department, is_active=True).order_by("-is_department_head", "username")
    context = {
        "form": form,
        "department": department,
        "members": list(members),
        "page_title": _("部门：%(name)s") % {"name": department.name},
        "breadcrumbs": [(_("系统"), None), (_("部门"), reverse("core:department_list")), (str(department), None)],
    }
    return render(request, "accounts/department_form.html", context, status=400 if form.errors else 200)
