from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "chaindesk.meetings"
    label = "meetings"
    verbose_name = "会议"

    def ready(self) -> None:
        from chaindesk.accounts.choices import OFFICIALS, Role
        from chaindesk.core.navigation import register_nav_item
        from chaindesk.dashboards.cards import register_card
        from chaindesk.liaison.extensions import register_timeline_source

        from .agenda import AGENDA_ROLES, next_meeting_card_view
        from .story import enterprise_decisions
        from .workbench import meetings_card

        register_timeline_source("meetings", enterprise_decisions)  # the enterprise's story tells its decisions

        register_nav_item("meetings", _("会议"), "ti-presentation", "meetings:list", roles=OFFICIALS, order=110)
        # A department handler reads no meeting list, but subscribes to the meetings their department attends.
        register_nav_item(
            "meetings_calendar", _("会议日历"), "ti-calendar", "meetings:calendar", roles={Role.DEPT_HANDLER}, order=111
        )
        register_card("meetings", roles=OFFICIALS, order=20, read=meetings_card)
        # 下次会议 and what to raise there, for the chain chief and the team (served at /cards/next_meeting/).
        register_card(
            "next_meeting",
            roles=AGENDA_ROLES,
            order=15,
            view=next_meeting_card_view,
            title=_("下次会议"),
            icon="ti-calendar-event",
        )
