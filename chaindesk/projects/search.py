"""The projects in the header's global search (chaindesk/core/search.py): by name, project unit or investor,
as the list page's keyword filter matches them."""

from django.utils.translation import gettext_lazy as _

from chaindesk.core.search import Source, register_search_source

from .models import Project
from .resources import PROJECTS


def note(p: Project) -> str:
    owner = p.enterprise.name if p.enterprise else p.investor_name
    return " · ".join(part for part in (owner, p.get_stage_display()) if part)


register_search_source(
    Source(
        key="projects",
        label=_("项目"),
        resource=PROJECTS,
        model=Project,
        fields=("name", "enterprise__name", "investor_name"),
        related=("enterprise",),
        detail="projects:detail",
        title="name",
        note=note,
        order=20,
    )
)
