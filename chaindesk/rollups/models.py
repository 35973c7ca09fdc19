"""The rollup tables: counts and sums kept per day (or month) and per the dimensions the pages group by, so that
a page adds up a few hundred rows instead of scanning a province's records. Each table is one family of
`families.py`, which says how its rows are computed from the records; `engine.py` keeps them in step. The
dimensions are plain ids (not foreign keys): a rollup row is derived data, rebuilt at will, and must never stop a
record from being deleted."""

from django.db import models

from chaindesk.core.scope import ScopedQuerySet, ScopePaths

# Nobody reads a rollup table through `visible_to`: the pages read it through `reads.py`, cut to the reader by the
# dimensions its rows are keyed by.
NOBODY = ScopePaths()


class ProjectDay(models.Model):
    """Projects that reached a key date (签约, 开工, 竣工, 投产) on `day`, per chain and region; for 签约 also their
    planned investment, in whole 分 (exact on every database)."""

    day = models.DateField()
    event = models.CharField(max_length=16)  # the project's date field: signed_on, started_on, …
    chain_id = models.IntegerField(null=True)
    region_id = models.IntegerField(null=True)
    projects = models.IntegerField()
    amount_cents = models.BigIntegerField()

    scope_paths = NOBODY
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "项目节点日汇总"
        constraints = [
            models.UniqueConstraint(fields=["day", "event", "chain_id", "region_id"], name="rollup_project_day_key")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.event} chain={self.chain_id} region={self.region_id}: {self.projects}"


class InvestmentMonth(models.Model):
    """Investment reported for `month` (its first day), per chain and region of the projects, in whole 分."""

    month = models.DateField()
    chain_id = models.IntegerField(null=True)
    region_id = models.IntegerField(null=True)
    reports = models.IntegerField()
    amount_cents = models.BigIntegerField()

    scope_paths = NOBODY
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "月度投资汇总"
        constraints = [
            models.UniqueConstraint(fields=["month", "chain_id", "region_id"], name="rollup_investment_month_key")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} chain={self.chain_id} region={self.region_id}: {self.amount_cents}"
