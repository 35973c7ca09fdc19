"""The form of 系统 → 接口令牌 → 签发令牌. It cleans input; `services.token_create` decides and writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.forms import StyledForm
from chaindesk.accounts.models import User
from chaindesk.core import clock
from chaindesk.enterprises.forms import ChineseDateField

from .auth import NO_TOKEN_ROLES, api_resources, resource_label
from .models import ALL_RESOURCES, MAX_LIFETIME, Access

DEFAULT_DAYS = 90
ACCESS_CHOICES = [("", _("无权限")), *Access.choices]
FIELD_PREFIX = "access_"


class DateInput(forms.DateInput):
    """The browser's date picker; typed values also accept 2026年11月24日 (ChineseDateField)."""

    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TokenUserField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name}（{obj.username} · {obj.get_role_display()}）"


def token_users() -> Any:
    """Who a token may act as: active users, never the two administrators."""
    return User.objects.filter(is_active=True).exclude(role__in=NO_TOKEN_ROLES).order_by("username")


def end_of(day: dt.date) -> dt.datetime:
    """The instant a token valid through `day` (Beijing time) expires: the day's last second, at most a year away."""
    last_second = timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))
    return min(last_second, clock.now() + MAX_LIFETIME)


class TokenForm(StyledForm):
    name = forms.CharField(
        label=_("使用方"),
        max_length=100,
        help_text=_("调用接口的系统或单位，如：12345热线平台。审计日志以此名称记录令牌的每次使用。"),
    )
    user = TokenUserField(
        label=_("代表用户"),
        queryset=User.objects.none(),
        empty_label="—",
        help_text=_("令牌以该用户的身份和数据范围调用接口，权限不会超出该用户；不能代表系统管理员或审计管理员。"),
    )
    expires_on = ChineseDateField(
        label=_("有效期至"), widget=DateInput(), help_text=_("含当日，最长一年；到期后令牌自动失效。")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"expires_on": clock.today() + dt.timedelta(days=DEFAULT_DAYS)})
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = token_users()  # type: ignore[attr-defined]
        for name in (ALL_RESOURCES, *api_resources()):
            label = _("全部接口（含以后新增的）") if name == ALL_RESOURCES else resource_label(name)
            field = forms.ChoiceField(label=label, choices=ACCESS_CHOICES, required=False)
            field.widget.attrs["class"] = "form-select form-select-sm"
            self.fields[self.access_name(name)] = field

    @staticmethod
    def access_name(resource: str) -> str:
        return FIELD_PREFIX + ("all" if resource == ALL_RESOURCES else resource)

    def access_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(FIELD_PREFIX)]

    def clean_expires_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["expires_on"]
        today = clock.today()
        if day < today:
            raise forms.ValidationError(_("有效期不能早于今天。"))
        if day > today + MAX_LIFETIME:
            raise forms.ValidationError(
                _("有效期最长一年（最晚 %(day)s）。") % {"day": f"{today + MAX_LIFETIME:%Y-%m-%d}"}
            )
        return day

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.scopes():
            self.add_error(None, _("请至少为一个接口选择“只读”或“读写”权限。"))
        return cleaned

    def scopes(self) -> dict[str, str]:
        """{resource or "*": "read" | "write"} for the resources given an access."""
        found = {}
        for name in (ALL_RESOURCES, *api_resources()):
            level = (self.cleaned_data or {}).get(self.access_name(name))
            if level:
                found[name] = level
        return found

    def expires_at(self) -> dt.datetime:
        return end_of(self.cleaned_data["expires_on"])
