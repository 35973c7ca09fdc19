"""The enterprises in the header's global search (chaindesk/core/search.py): by name, or by the start of the
统一社会信用代码, as the list page's keyword filter matches them."""

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from chaindesk.core.search import Hit, Source, register_search_source

from .models import Enterprise
from .resources import ENTERPRISES


def find(reader: Any, q: str) -> QuerySet[Enterprise]:
    matches = Q(name__icontains=q) | Q(uscc__startswith=q.upper())
    return Enterprise.objects.visible_to(reader).filter(matches).select_related("region").order_by("name", "pk")


def hit(e: Enterprise) -> Hit:
    return Hit(title=e.name, url=reverse("enterprises:detail", args=[e.pk]), note=f"{e.uscc} · {e.region.name}")


register_search_source(
    Source(
        key="enterprises",
        label=_("企业"),
        find=find,
        hit=hit,
        roles=lambda: ENTERPRISES.roles,
        list_view="enterprises:list",
        order=10,
    )
)
