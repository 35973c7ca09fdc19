"""The projects' part of the enterprise's story (registered with chaindesk.liaison.extensions): the stage
changes of its projects on the enterprise timeline."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison.extensions import TimelineRow

from .models import StageChange


def project_stages(user: Any, enterprise: Enterprise) -> list[TimelineRow]:
    """Each stage change of the enterprise's projects the reader may see, one line each: one query."""
    changes = (
        StageChange.objects.visible_to(user)  # follows the projects the reader may see
        .filter(project__enterprise=enterprise)
        .select_related("project", "actor")
        .order_by("changed_on", "pk")
    )
    rows = []
    for c in changes:
        stage = c.get_to_stage_display()
        if c.from_stage:
            what = _("项目“%(name)s”：%(old)s → %(new)s") % {
                "name": c.project.name,
                "old": c.get_from_stage_display(),
                "new": stage,
            }
        else:
            what = _("项目“%(name)s”：进入%(new)s阶段") % {"name": c.project.name, "new": stage}
        if c.reason:
            what += f"（{c.reason}）"
        url = reverse("projects:detail", args=[c.project_id])
        rows.append(TimelineRow(c.changed_on, str(c.actor), what, "project", (c.pk,), url=url))
    return rows
