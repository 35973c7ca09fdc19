"""The demands in the header's global search (chaindesk/core/search.py): by title or enterprise, as the list
page's keyword filter matches them; a department handler finds those with a task for the department."""

from django.utils.translation import gettext_lazy as _

from chaindesk.core.search import Source, register_search_source

from .models import Demand
from .resources import DEMANDS

register_search_source(
    Source(
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
