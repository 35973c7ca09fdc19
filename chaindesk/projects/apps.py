from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "chaindesk.projects"
    label = "projects"
    verbose_name = "项目建设"

    def ready(self) -> None:
        from chaindesk.accounts.choices import OFFICIALS, Role
        from chaindesk.chains.extensions import register_node_counter
        from chaindesk.core.navigation import register_nav_item
        from chaindesk.core.picker import register_remote_source
        from chaindesk.dashboards.cards import register_card
        from chaindesk.liaison.extensions import register_timeline_source

        from .story import project_stages

        register_timeline_source("projects", project_stages)  # the enterprise's story tells its projects' stages
        # a province's chains hold 200k projects: past a few hundred, a project choice is searched on the server
        register_remote_source(self.get_model("Project"), "projects:options")

        from .selectors import counts_by_node
        from .workbench import projects_card_view

        register_node_counter("projects", _("项目(个)"), counts_by_node)
        # Enterprise users reach their own projects too (the portal list: projects.portal).
        register_nav_item(
            "projects", _("项目"), "ti-crane", "projects:list", roles=OFFICIALS | {Role.ENTERPRISE}, order=40
        )
        register_card("projects", roles=OFFICIALS, order=40, view=projects_card_view)
