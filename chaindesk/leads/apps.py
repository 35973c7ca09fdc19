from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "chaindesk.leads"
    label = "leads"
    verbose_name = "招商线索"

    def ready(self) -> None:
        from chaindesk.accounts.choices import OFFICIALS
        from chaindesk.chains.extensions import register_node_counter
        from chaindesk.core.navigation import register_nav_item

        from .selectors import open_counts_by_node

        register_node_counter("leads", _("线索(条)"), open_counts_by_node)
        register_nav_item("leads", _("线索"), "ti-target-arrow", "leads:list", roles=OFFICIALS, order=50)
