from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "chaindesk.projects"
    label = "projects"
    verbose_name = "项目建设"

    def ready(self) -> None:
        from chaindesk.chains.extensions import register_node_counter

        from .selectors import counts_by_node

        register_node_counter("projects", _("项目(个)"), counts_by_node)
