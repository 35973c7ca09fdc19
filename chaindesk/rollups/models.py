"""The rollup tables: counts and sums kept per day (or month) and per the dimensions the pages group by, so that
a page adds up a few hundred rows instead of scanning a province's records. Each table is one family of
`families.py`, which says how its rows are computed from the records; `engine.py` keeps them in step. The
dimensions are plain ids (not foreign keys): a rollup row is derived data, rebuilt at will, and must never stop a
record from being deleted."""

import datetime as dt

from django.db import models

from chaindesk.core.scope import ScopedQuerySet, ScopePaths

# Nobody reads a rollup table through `visible_to`: the pages read it through `reads.py`, cut to the reader by the
# dimensions its rows are keyed by.
NOBODY = ScopePaths()


class RollupBuilt(models.Model):
    """A family whose table `chaindesk rollups --rebuild` has filled since it was created or changed: until then
    the pages read the records (a table a migration has just added or emptied would show nothing)."""

    name = models.CharField(max_length=40, unique=True)
    built_at = models.DateTimeField()

    scope_paths = NOBODY
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "汇总表重建记录"

    def __str__(self) -> str:
        return f"{self.name} {self.built_at:%Y-%m-%d %H:%M}"


class RollupPending(models.Model):
    """A partition of a family that a committed write touched, waiting for the process refreshing the rollups
    (PostgreSQL: see `engine.hand_over`). No unique key on purpose: a second writer of the same day adds its own
    line instead of waiting on the refresher's uncommitted delete of the first one; the refresher takes them all."""

    family = models.CharField(max_length=40)
    partition = models.CharField(max_length=40)  # `engine._encode`: "d:2026-12-07", "i:12"

    scope_paths = NOBODY
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "待刷新汇总分区"

    def __str__(self) -> str:
        return f"{self.family} {self.partition}"


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


class _DemandCounts(models.Model):
    """The key and counts shared by the daily and the monthly rows of 办理指标 (see `DemandDay`)."""

    dimension = models.CharField(max_length=24)  # "region", or "region@7" within chain 7 (see `DemandDay`)
    group_id = models.IntegerField(null=True)
    reader = models.CharField(max_length=8)
    reader_chains = models.CharField(max_length=255, blank=True)
    reader_region = models.IntegerField(null=True)
    received = models.IntegerField()
    accepted = models.IntegerField()
    waiting = models.IntegerField()
    needs_info = models.IntegerField(default=0)
    awaiting = models.IntegerField(default=0)
    decided = models.IntegerField()
    responded = models.IntegerField()
    closed = models.IntegerField()
    on_time = models.IntegerField()
    rated = models.IntegerField()
    satisfied = models.IntegerField()
    reopened = models.IntegerField()
    t_done = models.IntegerField()
    t_reopened = models.IntegerField()
    t_urged = models.IntegerField()
    t_open = models.IntegerField(default=0)
    # the lead tasks waiting on the chain's team now (its 待我处理 sections), in the chain dimension's rows
    q_completion = models.IntegerField(default=0)
    q_extension = models.IntegerField(default=0)
    q_returned = models.IntegerField(default=0)
    # the closed demands by working days from submission to closure, "3:5,4:7" (see `histograms.py`): the median
    histogram = models.TextField(blank=True)
    # the open lead tasks by deadline (its date's ordinal): a department's open and overdue tasks on any day
    deadlines = models.TextField(blank=True)

    scope_paths = NOBODY
    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class DemandDay(_DemandCounts):
    """The counts of 办理指标 of the enterprises' demands submitted on `day`, per dimension the page groups by
    (`dimension`: chain, region, liaison, department; `group_id` its id; region and department are also counted
    within each demand's own chain, as "region@7" and "department@7", for a chain's cockpit) and per reader key:
    each demand is counted once in the rows of reader "chain", keyed by its enterprise's chains (`reader_chains`,
    ",3,7,"), and once in those of reader "region", keyed by its enterprise's region (`reader_region`). A chain's
    team adds up the rows whose chains meet its own, a district administrator the rows of its district and the
    districts below: what each may see of demands. `histogram` keeps the median exact.

    The counts are those of `chaindesk.demands.metrics` (`waiting`: still 已提交, late once submitted before the
    response deadline's day), and the demands now 待补充材料 (`needs_info`) and 待企业确认 (`awaiting`); for the
    department dimension they count distinct demands per lead department, and the ``t_`` columns its lead tasks
    (done, reopened among them, urged)."""

    day = models.DateField()

    class Meta:
        verbose_name = "诉求办理日汇总"
        indexes = [models.Index(fields=["dimension", "reader", "day"], name="rollup_demand_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.dimension}={self.group_id} {self.reader}: {self.received}"


class DemandMonth(_DemandCounts):
    """The daily rows of a month added up (`month`: its first day), so that a year reads twelve months of rows and
    only the days of a partial month at either end of the period. Kept from the differences each refresh of some
    days makes, and rebuilt with them."""

    month = models.DateField()

    class Meta:
        verbose_name = "诉求办理月汇总"
        indexes = [models.Index(fields=["dimension", "reader", "month"], name="rollup_demand_month_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.dimension}={self.group_id} {self.reader}: {self.received}"


class ChainNodeSet(models.Model):
    """Enterprises of block `block` sitting on exactly the nodes `nodes` of chain `chain_id`, with the flags.
    Kept by `families_chains.py`; read by the chain map."""

    block = models.IntegerField()
    chain_id = models.IntegerField()
    nodes = models.TextField()  # the node pks, ascending, joined with ",": "3,7"
    is_lianzhu = models.BooleanField()
    is_scale = models.BooleanField()
    enterprises = models.IntegerField()

    scope_paths = NOBODY  # the map's figures are the whole chain's, whoever reads them
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "产业链环节企业汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["block", "chain_id", "nodes", "is_lianzhu", "is_scale"], name="rollup_chain_node_set_key"
            )
        ]
        indexes = [models.Index(fields=["chain_id"], name="rollup_chain_node_set_chain")]

    def __str__(self) -> str:
        return f"block={self.block} chain={self.chain_id} nodes={self.nodes}: {self.enterprises}"


MONTHS = tuple(f"m{month:02d}" for month in range(1, 13))


class ProjectYear(models.Model):
    """Investment one project reported in each month of `year` (`m01` … `m12`), in whole 分; a row only for a year
    with reports. Kept by `families_projects.py` per block of project ids; read by the investment progress, which
    joins one row per project instead of summing each project's reports. Unlike the other rollups it names its
    project through a relation, only so that the progress can join it: no database constraint, nothing done on
    delete (a deleted project's rows go with its block's next refresh)."""

    block = models.IntegerField()
    project = models.ForeignKey(
        "projects.Project", on_delete=models.DO_NOTHING, db_constraint=False, related_name="rollup_years"
    )
    year = models.IntegerField()
    m01 = models.BigIntegerField(default=0)
    m02 = models.BigIntegerField(default=0)
    m03 = models.BigIntegerField(default=0)
    m04 = models.BigIntegerField(default=0)
    m05 = models.BigIntegerField(default=0)
    m06 = models.BigIntegerField(default=0)
    m07 = models.BigIntegerField(default=0)
    m08 = models.BigIntegerField(default=0)
    m09 = models.BigIntegerField(default=0)
    m10 = models.BigIntegerField(default=0)
    m11 = models.BigIntegerField(default=0)
    m12 = models.BigIntegerField(default=0)

    scope_paths = NOBODY  # read only as a join of projects the reader may see
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "项目年度完成投资"
        constraints = [models.UniqueConstraint(fields=["project", "year"], name="rollup_project_year_key")]
        indexes = [models.Index(fields=["block"], name="rollup_project_year_block")]

    def __str__(self) -> str:
        return f"project={self.project_id} {self.year}"


NEVER = dt.date(1, 1, 1)  # `ProjectStall.updated_on` of a project never updated


class ProjectStall(models.Model):
    """A project stalled on the day the family was computed (`families_projects.PROJECT_STALLS`): behind 序时进度
    (`is_behind`) or without an update for 30 days (`is_stale`), as the project list's `flag=stalled` finds it,
    with its chain and region (what a reader may see) and the two columns the cockpit orders its most urgent rows
    by. Unlike the other rollups its figures hold for one day: the pages read it only on the day it was rebuilt
    (nightly), refreshed per block of projects by every write in between."""

    block = models.IntegerField()
    project = models.ForeignKey(
        "projects.Project", on_delete=models.DO_NOTHING, db_constraint=False, related_name="rollup_stall"
    )
    chain_id = models.IntegerField(null=True)
    region_id = models.IntegerField(null=True)
    # the cockpit's order, most urgent first, as plain columns (an index with NULLS FIRST is PostgreSQL's only):
    # the last update (NEVER when there was none, so those come first) and the planned investment in 分 (-1 without
    # one, so those come last)
    updated_on = models.DateField()
    planned_cents = models.BigIntegerField()
    is_behind = models.BooleanField()
    is_stale = models.BooleanField()

    scope_paths = NOBODY  # read through `reads.visible_rows`, by chain and region
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "停滞项目"
        constraints = [models.UniqueConstraint(fields=["project"], name="rollup_project_stall_key")]
        indexes = [
            models.Index(fields=["block"], name="rollup_project_stall_block"),
            models.Index(fields=["updated_on", "-planned_cents", "project"], name="rollup_project_stall_urgent"),
        ]

    def __str__(self) -> str:
        return f"project={self.project_id} behind={self.is_behind} stale={self.is_stale}"


class ScaleYear(models.Model):
    """Enterprises of block `block` (enterprise id // 4096) that became 规上 in `year` (revenue at or above the
    size line that year, not the year before), per chain they are on (`dimension` "chain") and per region
    (`dimension` "region"): the target 新增规上企业. Kept by `families_chains.py`; read by the targets' measures."""

    block = models.IntegerField()
    year = models.IntegerField()
    dimension = models.CharField(max_length=8)
    group_id = models.IntegerField()
    enterprises = models.IntegerField()

    scope_paths = NOBODY  # a target's figures are its owner's, whoever reads them
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "新增规上企业汇总"
        constraints = [
            models.UniqueConstraint(fields=["block", "year", "dimension", "group_id"], name="rollup_scale_year_key")
        ]
        indexes = [models.Index(fields=["year", "dimension"], name="rollup_scale_year_idx")]

    def __str__(self) -> str:
        return f"block={self.block} {self.year} {self.dimension}={self.group_id}: {self.enterprises}"


class ProjectCycle(models.Model):
    """The projects of chain `chain_id` in region `region_id` that a step of the virtuous cycle counts now
    (`step`: a value of the project list's `cycle` filter, "follow_ons" landed or "follow_ons_talks" in talks),
    with their planned investment in whole 分. Kept per chain by `families_states.py`; read by the cockpit."""

    chain_id = models.IntegerField()
    region_id = models.IntegerField(null=True)
    step = models.CharField(max_length=24)
    projects = models.IntegerField()
    amount_cents = models.BigIntegerField()

    scope_paths = NOBODY  # read through `reads.visible_rows`, by chain and region
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "良性循环项目汇总"
        constraints = [
            models.UniqueConstraint(fields=["chain_id", "region_id", "step"], name="rollup_project_cycle_key")
        ]

    def __str__(self) -> str:
        return f"chain={self.chain_id} region={self.region_id} {self.step}: {self.projects}"


class LeadCount(models.Model):
    """The leads of chain `chain_id` and region `region_id` now at `stage`, per source. Kept per chain by
    `families_states.py`; read by the cockpit's leads funnel."""

    chain_id = models.IntegerField()
    region_id = models.IntegerField(null=True)
    source = models.CharField(max_length=16)
    stage = models.CharField(max_length=16)
    leads = models.IntegerField()

    scope_paths = NOBODY  # read through `reads.visible_rows`, by chain and region
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "招商线索汇总"
        constraints = [
            models.UniqueConstraint(fields=["chain_id", "region_id", "source", "stage"], name="rollup_lead_count_key")
        ]

    def __str__(self) -> str:
        return f"chain={self.chain_id} region={self.region_id} {self.source}/{self.stage}: {self.leads}"
