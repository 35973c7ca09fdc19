from django.apps import AppConfig


class RollupsConfig(AppConfig):
    name = "chaindesk.rollups"
    label = "rollups"
    verbose_name = "汇总表"

    def ready(self) -> None:
        from chaindesk.core import listeners
        from chaindesk.demands import metrics

        from . import engine, reads_demands
        from .registry import FAMILIES

        for family in FAMILIES.values():
            for model in family.sources():
                listeners.listen(model, engine.heard)
        metrics.register_grouped_reader(reads_demands.grouped)
