from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "chaindesk.network"
    label = "network"
    verbose_name = "在外能人与研发资源"

    def ready(self) -> None:
        from chaindesk.accounts.choices import OFFICIALS
        from chaindesk.core.navigation import register_nav_item
        from chaindesk.core.picker import register_remote_source

        register_nav_item("network", _("能人与研发"), "ti-world-share", "network:talents", roles=OFFICIALS, order=60)
        # a province keeps thousands of talents: a lead's 引荐能人 searches them past the picker's threshold
        register_remote_source(self.get_model("Talent"), "network:talent_options")
