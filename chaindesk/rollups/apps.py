from django.apps import AppConfig


class RollupsConfig(AppConfig):
    name = "chaindesk.rollups"
    label = "rollups"
    verbose_name = "汇总表"

    def ready(self) -> None:
        from chaindesk.core import listeners

        from . import engine
        from .families import FAMILIES

        for family in FAMILIES.values():
            for model in family.sources():
                listeners.listen(model, engine.heard)
