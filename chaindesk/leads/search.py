"""The leads in the header's global search (chaindesk/core/search.py): by name or investor, as the list
page's keyword filter matches them. Leads are confidential until signed: `visible_to` keeps them so."""

from django.utils.translation import gettext_lazy as _

from chaindesk.core.search import Source, register_search_source

from .models import Lead
from .resources import LEADS

register_search_source(
    Source(
        key="leads",
        label=_("线索"),
        resource=LEADS,
        model=Lead,
        fields=("title", "investor"),
        detail="leads:detail",
        note=lambda lead: f"{lead.investor} · {lead.get_stage_display()}",
        order=30,
    )
)
