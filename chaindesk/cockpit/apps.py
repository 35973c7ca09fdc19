from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CockpitConfig(AppConfig):
    name = "chaindesk.cockpit"
    label = "cockpit"
    verbose_name = "驾驶舱"

    def ready(self) -> None:
        from chaindesk.core.navigation import register_nav_item

        from .permissions import COCKPIT_VIEWERS

        register_nav_item("cockpit", _("驾驶舱"), "ti-gauge", "cockpit:city", roles=COCKPIT_VIEWERS, order=15)
