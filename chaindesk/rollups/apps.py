from django.apps import AppConfig


class RollupsConfig(AppConfig):
    name = "chaindesk.rollups"
    label = "rollups"
    verbose_name = "汇总表"

    def ready(self) -> None:
        from chaindesk.chains import extensions
        from chaindesk.core import listeners
        from chaindesk.core.queue import register_resumer
        from chaindesk.demands import metrics, selectors_queues
        from chaindesk.projects import selectors_schedule

        from . import engine, families_chains, families_projects, reads_demands
        from .registry import FAMILIES

        for family in FAMILIES.values():
            for model in family.sources():
                listeners.listen(model, engine.heard)
        metrics.register_grouped_reader(reads_demands.grouped)
        selectors_queues.register_state_reader(
            reads_demands.states, reads_demands.first_waiting_day, reads_demands.open_counts
        )
        extensions.register_stored_node_sets(families_chains.stored_node_sets)
        selectors_schedule.register_done_join(families_projects.done_join)
        register_resumer("rollups", "chaindesk.rollups.engine.resume")  # chaindesk recover
