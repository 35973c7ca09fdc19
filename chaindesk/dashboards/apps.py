from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "chaindesk.dashboards"
    label = "dashboards"
    verbose_name = "工作台"

    def ready(self) -> None:
        from chaindesk.accounts.choices import Role
        from chaindesk.accounts.workbench import accounts_card
        from chaindesk.core.navigation import register_nav_item

        from .cards import register_card
        from .selectors import audit_card

        register_nav_item(
            "dashboards", _("工作台"), "ti-layout-dashboard", "dashboards:home", roles=Role.values, order=10
        )
        # Core and accounts lie below the 工作台 and never import it: their cards are registered here.
        register_card("accounts", roles={Role.SYS_ADMIN}, order=10, read=accounts_card)
        register_card("audit", roles={Role.AUDIT_ADMIN}, order=10, read=audit_card)
