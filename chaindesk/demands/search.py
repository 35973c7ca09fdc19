"""The demands in the header's global search (chaindesk/core/search.py): by title or enterprise, as the list
page's keyword filter matches them; a department handler finds those with a task for the department."""

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from chaindesk.core.search import Hit, Source, register_search_source

from .models import Demand
from .resources import DEMANDS


def find(reader: Any, q: str) -> QuerySet[Demand]:
    matches = Q(title__icontains=q) | Q(enterprise__name__icontains=q)
    visible = Demand.objects.visible_to(reader).filter(matches).select_related("enterprise")
    return visible.order_by("-submitted_at", "-pk")


def hit(d: Demand) -> Hit:
    note = f"{d.enterprise.name} · {d.get_status_display()}"
    return Hit(title=d.title, url=reverse("demands:detail", args=[d.pk]), note=note)


register_search_source(
    Source(
        key="demands",
        label=_("诉求"),
        find=find,
        hit=hit,
        roles=lambda: DEMANDS.roles,
        list_view="demands:list",
        order=40,
    )
)
