"""系统 → 用户管理: the system administrator's accounts (list, create, edit, password reset, deactivate).

The pages live in the 系统 area next to core's audit log and keep its URL names (`core:user_list` …):
config/urls.py mounts these routes in the `core` namespace, so core never imports accounts. The audit
administrator never manages accounts (等保 三权分立); every write goes through an audited service.
"""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chaindesk.core.errors import service_errors, service_messages
from chaindesk.core.permissions import role_required
from chaindesk.core.visibility import get_visible_or_404

from . import services as account_services
from . import services_2fa
from .choices import Role
from .forms import UserCreateForm, UserPasswordForm, UserUpdateForm
from .models import Department, Region, User
from .requests import AuthedRequest
from .resources import USERS, filter_users
from .selectors import with_handler_flag


def _user_breadcrumbs(*tail: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [(_("系统"), None), (_("用户管理"), reverse("core:user_list")), *tail]


@role_required(*USERS.roles)
def user_list(request: AuthedRequest) -> HttpResponse:
    qs, sort = filter_users(request.user, request.GET.dict())
    # The department filter's options and, in the same query, the departments whose tasks nobody can sign: a
    # banner names them and their users' rows carry a badge.
    departments = list(with_handler_flag(Department.objects.only("pk", "short_name", "name", "is_active")))
    headless = [d for d in departments if d.is_active and not d.has_handler]  # type: ignore[attr-defined]
    choices = {
        "regions": list(Region.objects.values_list("pk", "name")),
        "departments": [(d.pk, d.short_name) for d in departments],
    }
    return USERS.render(
        request,
        "accounts/users.html",
        qs,
        sort,
        title=_("用户管理"),
        choices=choices,
        may_create=True,
        headless=headless,
        headless_ids={d.pk for d in headless},
        breadcrumbs=[(_("系统"), None), (_("用户管理"), None)],
    )


def _scope_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    keys = ("display_name", "role", "region", "department", "title", "phone", "email")
    return {k: data.get(k) or ("" if k not in {"region", "department"} else None) for k in keys}


@role_required(Role.SYS_ADMIN)
def user_create(request: AuthedRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form, default_field="password1"):
            created = account_services.user_create(
                actor=request.user,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                **_scope_kwargs(form.cleaned_data),
            )
            messages.success(request, _("已创建用户 %(name)s。") % {"name": created})
            messages.info(request, _("该用户首次登录时须先修改密码。"))
            return redirect("core:user_edit", pk=created.pk)
    return render(
        request,
        "accounts/user_form.html",
        {
            "form": form,
            "creating": True,
            "page_title": _("新增用户"),
            "breadcrumbs": _user_breadcrumbs((_("新增用户"), None)),
        },
    )


def _self_lockout_error(actor: Any, target: User, data: dict[str, Any]) -> str:
    if actor.pk != target.pk:
        return ""
    if not data.get("is_active"):
        return _("不能停用自己的账户。")
    if data.get("role") != target.role:
        return _("不能修改自己的角色，请由另一位系统管理员操作。")
    return ""


@role_required(Role.SYS_ADMIN)
def user_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    target = get_visible_or_404(
        User.objects.visible_to(request.user).select_related("region", "department", "totp_device"),
        pk,
        user=request.user,
    )
    fields = ("display_name", "role", "region", "department", "title", "phone", "email", "is_active")
    form = UserUpdateForm(request.POST or None, initial={f: getattr(target, f) for f in fields})
    if request.method == "POST" and form.is_valid():
        problem = _self_lockout_error(request.user, target, form.cleaned_data)
        if problem:
            form.add_error(None, problem)
        else:
            with service_errors(form):
                account_services.user_update(
                    actor=request.user,
                    user=target,
                    is_active=form.cleaned_data["is_active"],
                    **_scope_kwargs(form.cleaned_data),
                )
                messages.success(request, _("已保存用户 %(name)s 的修改。") % {"name": target})
                return redirect("core:user_edit", pk=target.pk)
            target.refresh_from_db()  # refused: the page shows the account as it is
    return render(
        request,
        "accounts/user_form.html",
        {
            "form": form,
            "target": target,
            "creating": False,
            "page_title": _("编辑用户：%(name)s") % {"name": target},
            "breadcrumbs": _user_breadcrumbs((str(target), None)),
        },
    )


@role_required(Role.SYS_ADMIN)
def user_password(request: AuthedRequest, pk: int) -> HttpResponse:
    target = get_visible_or_404(User.objects.visible_to(request.user), pk, user=request.user)
    form = UserPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form, default_field="password1"):
            account_services.user_set_password(actor=request.user, user=target, password=form.cleaned_data["password1"])
            messages.success(request, _("已重置用户 %(name)s 的密码，请通过安全渠道告知本人。") % {"name": target})
            if target.must_change_password:
                messages.info(request, _("该用户下次登录时须先修改密码。"))
            return redirect("core:user_edit", pk=target.pk)
    return render(
        request,
        "accounts/user_password.html",
        {
            "form": form,
            "target": target,
            "page_title": _("重置密码：%(name)s") % {"name": target},
            "breadcrumbs": _user_breadcrumbs(
                (str(target), reverse("core:user_edit", args=[target.pk])), (_("重置密码"), None)
            ),
        },
    )


@role_required(Role.SYS_ADMIN)
@require_POST
def user_set_active(request: AuthedRequest, pk: int) -> HttpResponse:
    """停用 / 启用 an account (the page asks for confirmation first); never one's own."""
    target = get_visible_or_404(User.objects.visible_to(request.user), pk, user=request.user)
    active = request.POST.get("active") == "1"
    if target.pk == request.user.pk:
        messages.error(request, _("不能停用自己的账户。"))
    elif target.is_active != active:
        with service_messages(request):
            account_services.user_update(actor=request.user, user=target, is_active=active)
            done = _("已启用用户 %(name)s。") if active else _("已停用用户 %(name)s，其将无法登录。")
            messages.success(request, done % {"name": target})
    return redirect("core:user_edit", pk=target.pk)


@role_required(Role.SYS_ADMIN)
@require_POST
def user_2fa_reset(request: AuthedRequest, pk: int) -> HttpResponse:
    """重置两步验证 of another account (a lost phone; the page asks for confirmation first): its authenticator and
    recovery codes are removed, and it binds a new one at its next sign-in."""
    target = get_visible_or_404(User.objects.visible_to(request.user), pk, user=request.user)
    with service_messages(request):
        services_2fa.two_factor_reset(actor=request.user, user=target)
        done = _("已重置用户 %(name)s 的两步验证，其下次登录时须重新绑定身份验证器。")
        messages.success(request, done % {"name": target})
    return redirect("core:user_edit", pk=target.pk)
