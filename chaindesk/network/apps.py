from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "chaindesk.network"
    label = "network"
    verbose_name = "在外能人与研发资源"

    def ready(self) -> None:
        from chaindesk.accounts.choices import OFFICIALS
        from chaindesk.core.navigation import register_nav_item

        register_nav_item("network", _("能人与研发"), "ti-world-share", "network:talents", roles=OFFICIALS, order=60)
