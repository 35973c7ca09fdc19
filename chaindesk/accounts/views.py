from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from chaindesk.core.errors import service_errors

from . import services, services_2fa, views_2fa
from .forms import LoginForm, OwnPasswordForm
from .requests import AuthedRequest


class LoginView(auth_views.LoginView):
    """The password sign-in. For a user with an authenticator, or one who must use two-factor sign-in
    (services_2fa.sign_in_step), a right password logs nothing in yet: the session is marked pending and the
    browser goes on to the code (or to enrolling an authenticator); views_2fa calls login() after that."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        step = services_2fa.sign_in_step(user)
        if step == "none":
            return super().form_valid(form)
        views_2fa.start_pending(self.request, user, next_url=self.get_redirect_url())
        return redirect("accounts:two_factor_code" if step == "code" else "accounts:two_factor_enrol")


class LogoutView(auth_views.LogoutView):
    pass


def admin_login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """Django admin's login page, replaced (accounts.apps): its own form would call login() after the password
    alone, past the second factor and past this product's sign-in. A visitor goes to our login and comes back;
    a signed-in staff member to the admin's index; anyone else signed in is refused (403)."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("admin:index"), login_url=reverse("accounts:login"))
    if admin.site.has_permission(request):
        return redirect("admin:index")
    raise PermissionDenied


@login_required
def password_change(request: AuthedRequest) -> HttpResponse:
    """修改密码: the user's own password. A user who must change it (a new account, a reset) is sent here by
    ForcedPasswordChangeMiddleware and may open nothing else until it is done; afterwards they go on to the page
    they asked for (`next`, when it is one of ours) or the 工作台."""
    form = OwnPasswordForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    # As Django's own views: over HTTPS, an http:// address on our own host is refused too (no downgrade).
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if request.method == "POST" and form.is_valid():
        with service_errors(form, default_field="new_password"):
            services.password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
            update_session_auth_hash(request, request.user)  # the new hash would otherwise end this session
            messages.success(request, _("密码已修改。"))
            return redirect(next_url or "dashboards:home")
    context = {"form": form, "next": next_url, "forced": request.user.must_change_password}
    return render(request, "accounts/password_change.html", context, status=400 if form.errors else 200)
