from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "chaindesk.projects"
    label = "projects"
    verbose_name = "项目建设"

    def ready(self) -> None:
        from chaindesk.accounts.choices import OFFICIALS
        from chaindesk.chains.extensions import register_node_counter
        from chaindesk.core.navigation import register_nav_item
        from chaindesk.dashboards.cards import register_card

        from .selectors import counts_by_node
        from .workbench import projects_card_view

        register_node_counter("projects", _("项目(个)"), counts_by_node)
        register_nav_item("projects", _("项目"), "ti-crane", "projects:list", roles=OFFICIALS, order=40)
        register_card("projects", roles=OFFICIALS, order=40, view=projects_card_view)
