from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UpwardConfig(AppConfig):
    name = "chaindesk.upward"
    label = "upward"
    verbose_name = "上争事项"

    def ready(self) -> None:
        from chaindesk.accounts.choices import OFFICIALS, Role
        from chaindesk.core.navigation import register_nav_item

        register_nav_item(
            "upward",
            _("上争事项"),
            "ti-arrow-big-up-lines",
            "upward:list",
            roles=OFFICIALS | {Role.DEPT_HANDLER},
            order=100,
        )
