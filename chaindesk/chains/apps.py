from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChainsConfig(AppConfig):
    name = "chaindesk.chains"
    label = "chains"
    verbose_name = "产业链"

    def ready(self) -> None:
        from chaindesk.accounts.choices import CHAIN_ROLES, OFFICIALS
        from chaindesk.core.navigation import register_nav_item
        from chaindesk.dashboards.cards import register_card

        from .workbench import chains_card

        register_nav_item("chains", _("产业链"), "ti-hierarchy-3", "chains:list", roles=OFFICIALS, order=20)
        register_card("chains", roles=CHAIN_ROLES, order=10, read=chains_card)
