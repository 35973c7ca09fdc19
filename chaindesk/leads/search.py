"""The leads in the header's global search (chaindesk/core/search.py): by name or investor, as the list
page's keyword filter matches them. Leads are confidential until signed: `visible_to` keeps them so."""

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from chaindesk.core.search import Hit, Source, register_search_source

from .models import Lead
from .resources import LEADS


def find(reader: Any, q: str) -> QuerySet[Lead]:
    return Lead.objects.visible_to(reader).filter(Q(title__icontains=q) | Q(investor__icontains=q)).order_by("-pk")


def hit(lead: Lead) -> Hit:
    note = f"{lead.investor} · {lead.get_stage_display()}"
    return Hit(title=lead.title, url=reverse("leads:detail", args=[lead.pk]), note=note)


register_search_source(
    Source(
        key="leads",
        label=_("线索"),
        find=find,
        hit=hit,
        roles=lambda: LEADS.roles,
        list_view="leads:list",
        order=30,
    )
)
