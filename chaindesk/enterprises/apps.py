from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "chaindesk.enterprises"
    label = "enterprises"
    verbose_name = "企业"

    def ready(self) -> None:
        from chaindesk.accounts.choices import CHAIN_ROLES, ENTERPRISE_VIEWERS, Role
        from chaindesk.chains.extensions import register_enterprise_placements
        from chaindesk.core.navigation import register_nav_item
        from chaindesk.core.picker import register_remote_source
        from chaindesk.dashboards.cards import register_card

        from .chain_map import enterprises_on_nodes, node_sets
        from .workbench import enterprises_card, my_enterprise_card

        register_enterprise_placements(node_sets=node_sets, on_nodes=enterprises_on_nodes)
        register_remote_source(self.get_model("Enterprise"), "enterprises:options")

        register_nav_item(
            "enterprises", _("企业"), "ti-building-factory-2", "enterprises:list", roles=ENTERPRISE_VIEWERS, order=30
        )
        register_card("enterprises", roles=CHAIN_ROLES | {Role.DISTRICT_ADMIN}, order=30, read=enterprises_card)
        register_card("my_enterprise", roles={Role.ENTERPRISE}, order=30, read=my_enterprise_card)
