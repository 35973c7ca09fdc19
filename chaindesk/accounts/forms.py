from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from chaindesk.core import audit, context
from chaindesk.core.form_audit import AuditedChoicesMixin
from chaindesk.core.models import AuditAction

from .choices import Role
from .lockout import is_locked, normalise
from .models import Department, Region, User


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


class StyledForm(AuditedChoicesMixin, forms.Form):
    """Tabler classes on every widget, and `is-invalid` on fields with an error (labels sit above fields
    in the templates)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-control"
            if isinstance(field.widget, forms.Select):
                css = "form-select"
            elif isinstance(field.widget, forms.CheckboxInput):
                css = "form-check-input"
            field.widget.attrs.setdefault("class", css)

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        names = (
            error.error_dict.keys() if isinstance(error, ValidationError) and hasattr(error, "error_dict") else [field]
        )
        for name in names:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class _ScopeFields(StyledForm):
    """Name, role and scope: shared by the create and edit forms."""

    display_name = forms.CharField(label=_("姓名"), max_length=50)
    role = forms.ChoiceField(label=_("角色"), choices=[("", "—"), *Role.choices])
    region = forms.ModelChoiceField(
        label=_("所属地区"),
        queryset=Region.objects.all(),
        required=False,
        empty_label="—",
        help_text=_("市(区)管理员、挂钩服务专员必填：决定其可查看的地区范围。"),
    )
    department = forms.ModelChoiceField(
        label=_("所属部门"),
        queryset=Department.objects.filter(is_active=True),
        required=False,
        empty_label="—",
        help_text=_("部门经办人必填：只能看到交办给本部门的任务。"),
    )
    title = forms.CharField(label=_("职务"), max_length=100, required=False)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The model's scope rules (a handler needs a department …), checked here too so that they show
        # together with the other errors rather than after the password has passed.
        probe = User(role=cleaned.get("role") or "", region=cleaned.get("region"), department=cleaned.get("department"))
        try:
            User.clean(probe)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                if name in self.fields and name not in self.errors:
                    self.add_error(name, messages)
        return cleaned


class UserCreateForm(_ScopeFields):
    """Fields of a new account. Password rules are checked by the service (user_create)."""

    username = forms.RegexField(
        label=_("用户名"),
        max_length=150,
        regex=r"^[A-Za-z0-9_.@+-]+$",
        error_messages={"invalid": _("用户名只能包含字母、数字和 @ . + - _ 。")},
        help_text=_("登录用，保存时转为小写。"),
    )
    password1 = forms.CharField(
        label=_("初始密码"),
        strip=False,
        widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "至少10位，含大写字母、小写字母、数字、符号中的至少3类；不能是常见密码，不能含地名或年份，"
            "不能与用户名过于相似。"
        ),
    )
    password2 = forms.CharField(
        label=_("确认密码"),
        strip=False,
        widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "new-password"}),
    )

    field_order = ["username", "display_name", "role", "region", "department", "title", "phone", "email"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password1")
        if password and cleaned.get("password2") and password != cleaned["password2"]:
            self.add_error("password2", _("两次输入的密码不一致。"))
        if password:
            # Checked early so that every problem shows at once; user_create checks again before saving.
            probe = User(username=cleaned.get("username", ""), display_name=cleaned.get("display_name", ""))
            try:
                password_validation.validate_password(password, probe)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class UserUpdateForm(_ScopeFields):
    """Role, scope and contact of an existing account (the password has its own form)."""

    is_active = forms.BooleanField(label=_("启用"), required=False)


class UserPasswordForm(StyledForm):
    """A new password set by the system administrator; rules are checked by user_set_password."""

    password1 = forms.CharField(
        label=_("新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "至少10位，含大写字母、小写字母、数字、符号中的至少3类；不能是常见密码，不能含地名或年份，"
            "不能与用户名过于相似。"
        ),
    )
    password2 = forms.CharField(
        label=_("确认新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password1") and cleaned.get("password2") and cleaned["password1"] != cleaned["password2"]:
            self.add_error("password2", _("两次输入的密码不一致。"))
        return cleaned


class OwnPasswordForm(StyledForm):
    """A user changes their own password: the current one, the new one twice. The password rules and the check
    of the current password are the service's (`password_change`)."""

    old_password = forms.CharField(
        label=_("当前密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password = forms.CharField(
        label=_("新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=UserPasswordForm.base_fields["password1"].help_text,
    )
    new_password2 = forms.CharField(
        label=_("确认新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("new_password")
            and cleaned.get("new_password2")
            and cleaned["new_password"] != cleaned["new_password2"]
        ):
            self.add_error("new_password2", _("两次输入的密码不一致。"))
        return cleaned


class TwoFactorCodeForm(StyledForm):
    """The second factor: six digits from the authenticator app, or one of the recovery codes (checked by
    services_2fa; spaces and hyphens do not matter)."""

    code = forms.CharField(
        label=_("验证码"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false", "autocapitalize": "off"}
        ),
        help_text=_("打开手机上的身份验证器，输入本系统的6位数字验证码；手机不在身边时，可输入一个恢复码。"),
    )


class DepartmentRecipientForm(StyledForm):
    """The department's 部门收件人: one of the active accounts, or none (then its heads are told)."""

    recipient = forms.ModelChoiceField(
        label=_("部门收件人"),
        queryset=User.objects.filter(is_active=True).select_related("department", "region").order_by("display_name"),
        required=False,
        empty_label=_("不指定（通知部门负责人）"),
        help_text=_("部门没有启用的经办人账号时，交办到该部门的任务通知此人；不指定时通知该部门的部门负责人。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["recipient"]
        field.label_from_instance = _recipient_label


def _recipient_label(user: User) -> str:
    place = user.department.short_name if user.department else (user.region.name if user.region else "")
    return f"{user.display_name}（{user.username}{'，' + place if place else ''}）"
