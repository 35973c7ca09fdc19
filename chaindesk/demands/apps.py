from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemandsConfig(AppConfig):
    name = "chaindesk.demands"
    label = "demands"
    verbose_name = "诉求与任务"

    def ready(self) -> None:
        from chaindesk.accounts.choices import OFFICIALS, Role
        from chaindesk.core.navigation import register_nav_item
        from chaindesk.dashboards.cards import register_card

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
