"""The meetings in the header's global search (chaindesk/core/search.py): by name, place or the place's
region, as the list page's keyword filter matches them."""

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from chaindesk.core.search import Hit, Source, register_search_source

from .models import Meeting
from .resources import MEETINGS


def find(reader: Any, q: str) -> QuerySet[Meeting]:
    matches = Q(title__icontains=q) | Q(location__icontains=q) | Q(region__name__icontains=q)
    return Meeting.objects.visible_to(reader).filter(matches).select_related("chain").order_by("-held_on", "-pk")


def hit(m: Meeting) -> Hit:
    note = f"{m.held_on:%Y-%m-%d} · {m.chain.name} · {m.get_kind_display()}"
    return Hit(title=m.title, url=reverse("meetings:detail", args=[m.pk]), note=note)


register_search_source(
    Source(
        key="meetings",
        label=_("会议"),
        find=find,
        hit=hit,
        roles=lambda: MEETINGS.roles,
        list_view="meetings:list",
        order=50,
    )
)
