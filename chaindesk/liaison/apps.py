from django.apps import AppConfig


class LiaisonConfig(AppConfig):
    name = "chaindesk.liaison"
    label = "liaison"
    verbose_name = "一对一服务"

    def ready(self) -> None:
        from chaindesk.accounts.choices import Role
        from chaindesk.dashboards.cards import register_card

        from .selectors import liaison_workbench

        # The liaison's enterprises (stale first), the stale count and the due next steps.
        register_card("liaison", roles={Role.LIAISON}, order=30, read=lambda user: liaison_workbench(user, limit=20))
