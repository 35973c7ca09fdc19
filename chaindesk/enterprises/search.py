"""The enterprises in the header's global search (chaindesk/core/search.py): by name, or by the start of the
统一社会信用代码, as the list page's keyword filter matches them."""

from django.utils.translation import gettext_lazy as _

from chaindesk.core.search import Source, register_search_source

from .models import Enterprise
from .resources import ENTERPRISES

register_search_source(
    Source(
        key="enterprises",
        label=_("企业"),
        resource=ENTERPRISES,
        model=Enterprise,
        fields=("name",),
        prefixes=("uscc",),
        related=("region",),
        ordering=("name", "pk"),
        detail="enterprises:detail",
        title="name",
        note=lambda e: f"{e.uscc} · {e.region.name}",
        order=10,
    )
)
