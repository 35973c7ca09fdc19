"""Where each figure of the cockpit clicks through: the list page behind it, filtered by the parameters that list
declares in its app's resources.py (projects, demands, leads, 上争事项) or reads itself (督办事项, 办理指标, 投资进度).

The reader's scope needs no parameter: every list reads `visible_to` as the cockpit does. A chain's page adds the
chain. Where a list has no filter for what a figure counts, the link goes to the closest list and says so
(`Link.exact` is False): the demands list cannot filter on the rating, 上争事项 on the day they were decided."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from .permissions import SUPERVISION_READERS
from .selectors import RANK_BY, Area


@dataclass(frozen=True)
class Link:
    url: str | None
    exact: bool = True


def url(name: str, *args: Any, **params: Any) -> str:
    """`name`'s URL with the parameters given a value (in the order given)."""
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    path = reverse(name, args=args)
    return f"{path}?{query}" if query else path


class Links:
    """The click-through URLs of one cockpit (the city page, or a chain's page)."""

    def __init__(self, area: Area) -> None:
        self.area = area
        self.chain = area.chain.pk if area.chain is not None else None

    def projects(self, *, exact: bool = True, chain: int | None = None, **params: Any) -> Link:
        return Link(url("projects:list", chain=chain or self.chain, **params), exact)

    def project_events(self, chain: int | None = None, reached: str = "") -> Link:
        """签约/开工/竣工/投产 this year: the projects list's 本年进展 filter (`reached`), exact for the current year;
        without a step (or for another year), the chain's (or every) project."""
        if reached and self.area.year == self.area.today.year:
            return self.projects(chain=chain, reached=reached)
        return self.projects(exact=False, chain=chain)

    def stalled(self, chain: int | None = None) -> Link:
        return self.projects(chain=chain, flag="stalled")

    def cycle(self, key: str) -> Link:
        return self.projects(cycle=key)

    def investment(self) -> Link:
        """投资进度 of the year: its total row is the cockpit's total; on a chain's page, the chain's row."""
        by = "region" if self.area.chain is None and self.area.user.role not in SUPERVISION_READERS else "chain"
        return Link(url("projects:investment", year=self.area.year, by=by))

    def demands(self, *, exact: bool = True, chain: Any = None, **params: Any) -> Link:
        """The demands submitted from 1 January to today (办理指标's period)."""
        period = {"from": self.area.first.isoformat(), "to": self.area.today.isoformat()}
        return Link(url("demands:list", chain=chain or self.chain, **period, **params), exact)

    def metrics(self, dimension: str) -> Link:
        period = {"start": self.area.first.isoformat(), "end": self.area.today.isoformat()}
        return Link(url("demands:metrics", dimension=dimension, rank_by=RANK_BY, **period))

    def overdue(self, chain: int | None = None) -> Link:
        """The 督办 queue (show=all): the service team's page; a district administrator has no list of tasks."""
        if self.area.user.role not in SUPERVISION_READERS:
            return Link(None, exact=False)
        return Link(url("demands:supervision", show="all", chain=chain or self.chain))

    def leads(self, source: str = "", stage: str = "") -> Link:
        return Link(url("leads:list", chain=self.chain, source=source, stage=stage))

    def upward(self, stage: str, *, exact: bool) -> Link:
        return Link(url("upward:list", chain=self.chain, stage=stage), exact)

    def targets(self, owner: str = "") -> Link:
        return Link(url("targets:ledger", year=self.area.year, owner=owner))

    @staticmethod
    def cockpit(chain: int) -> str:
        return reverse("cockpit:chain", args=[chain])

    @staticmethod
    def project(pk: int) -> str:
        return reverse("projects:detail", args=[pk])

    @staticmethod
    def demand(pk: int) -> str:
        return reverse("demands:detail", args=[pk])
