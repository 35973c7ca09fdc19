"""The meetings in the header's global search (chaindesk/core/search.py): by name, place or the place's
region, as the list page's keyword filter matches them."""

from django.utils.translation import gettext_lazy as _

from chaindesk.core.search import Source, register_search_source

from .models import Meeting
from .resources import MEETINGS

register_search_source(
    Source(
        key="meetings",
        label=_("会议"),
        resource=MEETINGS,
        model=Meeting,
        fields=("title", "location", "region__name"),
        related=("chain",),
        ordering=("-held_on", "-pk"),
        detail="meetings:detail",
        note=lambda m: f"{m.held_on:%Y-%m-%d} · {m.chain.name} · {m.get_kind_display()}",
        order=50,
    )
)
