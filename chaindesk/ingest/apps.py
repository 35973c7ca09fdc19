from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IngestConfig(AppConfig):
    """Reading meeting reports into records (issue 15): a pasted or uploaded report normalised, read into a draft
    of the meeting, its people, enterprises, projects, demands, decisions and items sought from above, reviewed
    beside its text and confirmed into records; scored against labelled examples."""

    name = "chaindesk.ingest"
    label = "ingest"
    verbose_name = "会议报道识别"

    def ready(self) -> None:
        from chaindesk.core.navigation import register_nav_item
        from chaindesk.meetings.extensions import register_meeting_source

        from .services import READER_ROLES
        from .views import meeting_source

        register_nav_item("ingest", _("报道录入"), "ti-file-text", "ingest:list", roles=READER_ROLES, order=112)
        register_meeting_source("ingest", meeting_source)
