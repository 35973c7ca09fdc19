from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from chaindesk.core.errors import service_errors

from . import services
from .forms import LoginForm, OwnPasswordForm
from .requests import AuthedRequest


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


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
