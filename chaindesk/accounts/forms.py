from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from chaindesk.core import audit, context
from chaindesk.core.models import AuditAction

from .lockout import is_locked, normalise


class LoginForm(AuthenticationForm):
    """Django's login form, refusing locked accounts and addresses before checking the password."""

    error_messages = {
        "invalid_login": _("用户名或密码不正确。注意：连续5次失败将锁定15分钟。"),
        "inactive": _("该账户已停用，请联系系统管理员。"),
        "locked": _("登录失败次数过多，该账户或地址已被锁定15分钟，请稍后再试或联系系统管理员。"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autofocus": True, "class": "form-control"})
        self.fields["password"].widget.attrs.update({"class": "form-control"})
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")

    def clean(self) -> dict[str, Any]:
        username = normalise(self.cleaned_data.get("username", ""))
        if is_locked(username=username, ip=context.current().ip):
            audit.record(action=AuditAction.LOGIN_LOCKED, actor_name=username)
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        self.cleaned_data["username"] = username
        cleaned = super().clean()
        return cleaned

    def get_invalid_login_error(self) -> forms.ValidationError:
        username = normalise(self.cleaned_data.get("username", ""))
        if is_locked(username=username, ip=context.current().ip):
            return forms.ValidationError(self.error_messages["locked"], code="locked")
        return super().get_invalid_login_error()
