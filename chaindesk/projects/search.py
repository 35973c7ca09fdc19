"""The projects in the header's global search (chaindesk/core/search.py): by name, project unit or investor,
as the list page's keyword filter matches them."""

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from chaindesk.core.search import Hit, Source, register_search_source

from .models import Project
from .resources import PROJECTS


def find(reader: Any, q: str) -> QuerySet[Project]:
    matches = Q(name__icontains=q) | Q(enterprise__name__icontains=q) | Q(investor_name__icontains=q)
    return Project.objects.visible_to(reader).filter(matches).select_related("enterprise").order_by("-pk")


def hit(p: Project) -> Hit:
    owner = p.enterprise.name if p.enterprise else p.investor_name
    note = " · ".join(part for part in (owner, p.get_stage_display()) if part)
    return Hit(title=p.name, url=reverse("projects:detail", args=[p.pk]), note=note)


register_search_source(
    Source(
        key="projects",
        label=_("项目"),
        find=find,
        hit=hit,
        roles=lambda: PROJECTS.roles,
        list_view="projects:list",
        order=20,
    )
)
