"""The demands in the header's global search (chaindesk/core/search.py): by title or enterprise, as the list
page's keyword filter matches them; a department handler finds those with a task for the department. The
meetings' 交办事项 are not an enterprise's demands: the search leaves them out, as the ledger does."""

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from chaindesk.core.search import Source, register_search_source

from .choices import DemandKind
from .models import Demand
from .resources import DEMANDS


@dataclass(frozen=True)
class EnterpriseDemands(Source):
    """The demands source, without the 交办事项 (`Demand.objects.enterprise_demands()`)."""

    def find(self, reader: Any, q: str) -> QuerySet[Any]:
        return super().find(reader, q).filter(kind=DemandKind.DEMAND)


register_search_source(
    EnterpriseDemands(
        key="demands",
        label=_("诉求"),
        resource=DEMANDS,
        model=Demand,
        fields=("title", "enterprise__name"),
        related=("enterprise",),
        ordering=("-submitted_at", "-pk"),
        detail="demands:detail",
        note=lambda d: f"{d.enterprise.name} · {d.get_status_display()}",
        order=40,
    )
)
