from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "chaindesk.accounts"
    label = "accounts"
    verbose_name = "账户与组织"

    def ready(self) -> None:
        from django.contrib import admin

        from chaindesk.core.navigation import register_nav_item

        from . import signals  # noqa: F401 - connects login/logout auditing
        from .choices import Role
        from .views import admin_login

        # One way in: the admin's own login form would log in after the password alone (no second factor).
        admin.site.login = admin_login  # type: ignore[method-assign,assignment]

        register_nav_item(
            "system", _("系统"), "ti-settings", "core:system", roles={Role.SYS_ADMIN, Role.AUDIT_ADMIN}, order=130
        )
        # 部门: who signs each department's tasks (a department without a handler is flagged there).
        register_nav_item(
            "departments", _("部门"), "ti-building", "core:department_list", roles={Role.SYS_ADMIN}, order=131
        )
        # 节假日安排: the official holiday schedule the working-day deadlines count on (core/views_calendar.py).
        register_nav_item(
            "calendar", _("节假日安排"), "ti-calendar-event", "core:calendar", roles={Role.SYS_ADMIN}, order=132
        )
