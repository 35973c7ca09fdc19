"""Counts of records as they are now (not of a day), kept per chain: the cockpit's virtuous cycle (`project_cycles`)
and its leads funnel (`lead_counts`).

A chain's team and a district administrator see projects and leads by their chain and region, so the rows are
keyed by chain and region and read through `reads.visible_rows`. The partition is the chain: a write refreshes the
chains of the record as it was and as it is (one grouped query over a chain's records, tens of milliseconds at
province scale), and the pages add up a few hundred rows instead of scanning a province's projects or leads."""

from collections.abc import Collection, Iterable, Iterator
from typing import Any

from django.db import models
from django.db.models import Count, QuerySet

from chaindesk.chains.models import Chain
from chaindesk.core.listeners import Change
from chaindesk.leads.models import Lead
from chaindesk.projects.models import Project
from chaindesk.projects.selectors_progress import CYCLE_VALUES, cycle_aggregates

from .families import Family, Rows, _chunks, _states
from .models import LeadCount, ProjectCycle


class _PerChain(Family):
    """A family of one model's records grouped per chain (the partition) and per the family's dimensions."""

    source: type[models.Model] = models.Model  # set by each family

    def sources(self) -> tuple[type[models.Model], ...]:
        return (self.source,)

    def grouped(self, records: QuerySet[Any]) -> Iterable[tuple[tuple[Any, ...], tuple[Any, ...]]]:
        """The rows (key, measures) of these records."""
        raise NotImplementedError

    def live(self, partitions: Collection[Any] | None) -> Rows:
        records = self.source._default_manager.all()
        parts: list[QuerySet[Any]] = (
            [records] if partitions is None else [records.filter(chain_id__in=part) for part in _chunks(partitions)]
        )
        return {key: values for part in parts for key, values in self.grouped(part)}

    def touched(self, change: Change) -> set[Any]:
        """The chains of the record before and after the change (whatever changed: the counts read several of its
        fields)."""
        return {int(state["chain"]) for state in _states(change, ("chain",)) if state and state.get("chain")}

    def batches(self) -> Iterator[Collection[Any] | None]:
        chains = sorted(Chain.objects.values_list("pk", flat=True))  # ten chains at a time
        if not chains:
            yield None
        for start in range(0, len(chains), 10):
            yield chains[start : start + 10]


class ProjectCycles(_PerChain):
    source = Project

    def grouped(self, records: QuerySet[Any]) -> Iterable[tuple[tuple[Any, ...], tuple[Any, ...]]]:
        for row in records.order_by().values("chain_id", "region_id").annotate(**cycle_aggregates()):
            for step in CYCLE_VALUES:
                if row[f"{step}_n"]:
                    yield (row["chain_id"], row["region_id"], step), (row[f"{step}_n"], int(row[f"{step}_a"] or 0))


class LeadCounts(_PerChain):
    source = Lead

    def grouped(self, records: QuerySet[Any]) -> Iterable[tuple[tuple[Any, ...], tuple[Any, ...]]]:
        rows = records.order_by().values("chain_id", "region_id", "source", "stage").annotate(n=Count("pk"))
        for row in rows:
            yield (row["chain_id"], row["region_id"], row["source"], row["stage"]), (row["n"],)


PROJECT_CYCLES = ProjectCycles(
    name="project_cycles",
    label="良性循环项目汇总",
    model=ProjectCycle,
    partition="chain_id",
    keys=("chain_id", "region_id", "step"),
    measures=("projects", "amount_cents"),
)
LEAD_COUNTS = LeadCounts(
    name="lead_counts",
    label="招商线索汇总",
    model=LeadCount,
    partition="chain_id",
    keys=("chain_id", "region_id", "source", "stage"),
    measures=("leads",),
)
