from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "chaindesk.meetings"
    label = "meetings"
    verbose_name = "会议"

    def ready(self) -> None:
        from chaindesk.accounts.choices import OFFICIALS
        from chaindesk.core.navigation import register_nav_item
        from chaindesk.dashboards.cards import register_card

        from .workbench import meetings_card

        register_nav_item("meetings", _("会议"), "ti-presentation", "meetings:list", roles=OFFICIALS, order=110)
        register_card("meetings", roles=OFFICIALS, order=20, read=meetings_card)
