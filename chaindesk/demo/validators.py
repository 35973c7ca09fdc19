"""The demo's public password is never accepted outside DEBUG (AUTH_PASSWORD_VALIDATORS, config/settings)."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .city import DEMO_PASSWORD


class DemoPasswordValidator:
    """Outside DEBUG (production), never the password that `chaindesk demo` prints for every persona."""

    def validate(self, password: str, user: Any = None) -> None:
        if not settings.DEBUG and password.strip().lower() == DEMO_PASSWORD.lower():
            raise ValidationError(_("不能使用演示系统的公开密码。"), code="password_demo")

    def get_help_text(self) -> str:
        return _("不能使用演示系统的公开密码。")
