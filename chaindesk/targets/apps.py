from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "chaindesk.targets"
    label = "targets"
    verbose_name = "年度目标"

    def ready(self) -> None:
        from chaindesk.core.navigation import register_nav_item

        from .permissions import TARGET_VIEWERS

        register_nav_item("targets", _("年度目标"), "ti-target", "targets:ledger", roles=TARGET_VIEWERS, order=105)
