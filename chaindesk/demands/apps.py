from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemandsConfig(AppConfig):
    name = "chaindesk.demands"
    label = "demands"
    verbose_name = "诉求与任务"

    def ready(self) -> None:
        from chaindesk.accounts.choices import OFFICIALS, Role
        from chaindesk.core.holidays import register_calendar_listener
        from chaindesk.core.navigation import register_nav_item
        from chaindesk.dashboards.cards import register_card
        from chaindesk.liaison.extensions import register_issue_demands, register_timeline_source

        from .redate import redate_open_tasks
        from .story import annotate_issue_demands, demand_milestones, describe_issue_demand

        # The enterprise's story (liaison's timeline and visit list) tells its demands.
        register_timeline_source("demands", demand_milestones)
        register_issue_demands(annotate=annotate_issue_demands, describe=describe_issue_demand)

        # An official holiday schedule entered by the system administrator re-dates the open deadlines it moves.
        register_calendar_listener("demands", redate_open_tasks)
        register_nav_item(
            "demands",
            _("诉求与任务"),
            "ti-checklist",
            "demands:list",
            roles=OFFICIALS | {Role.DEPT_HANDLER, Role.ENTERPRISE},
            order=70,
        )
        register_nav_item(
            "tasks", _("部门任务"), "ti-clipboard-check", "demands:tasks", roles={Role.DEPT_HANDLER}, order=80
        )
        register_nav_item(
            "team_queue",
            _("待我处理"),
            "ti-inbox",
            "demands:team_queue",
            roles={Role.CITY_LEADER, Role.TEAM_MEMBER},
            order=75,
        )
        register_nav_item(
            "metrics", _("办理指标"), "ti-chart-bar", "demands:metrics", roles=OFFICIALS | {Role.DEPT_HANDLER}, order=90
        )
        # The demand queues of each role's 工作台: htmx fragments of the demands app, loaded after the page.
        for key, role, view, slot, title, icon in (
            ("supervision", Role.CITY_LEADER, "card_supervision", "queue", _("督办事项"), "ti-alarm"),
            ("triage", Role.TEAM_MEMBER, "card_triage", "queue", _("待受理诉求"), "ti-inbox"),
            (
                "department",
                Role.DEPT_HANDLER,
                "card_department",
                "department",
                _("本部门待办任务"),
                "ti-checklist",
            ),
            ("district", Role.DISTRICT_ADMIN, "card_district", "field", _("本地区待办诉求"), "ti-map-pin"),
            (
                "liaison_demands",
                Role.LIAISON,
                "card_liaison",
                "liaison",
                _("挂钩企业诉求"),
                "ti-message-report",
            ),
            (
                "enterprise_demands",
                Role.ENTERPRISE,
                "card_enterprise",
                "enterprise",
                _("我的诉求"),
                "ti-message-report",
            ),
        ):
            register_card(key, roles={role}, order=50, url_name=f"demands:{view}", slot=slot, title=title, icon=icon)
        # What waits on the team (待我处理): the count of each section, above the chain team's queue card.
        register_card(
            "team_queue",
            roles={Role.CITY_LEADER, Role.TEAM_MEMBER},
            order=45,
            url_name="demands:card_team_queue",
            slot="team_queue",
            title=_("待我处理"),
            icon="ti-inbox",
        )
