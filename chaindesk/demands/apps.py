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
        register_card(
            "supervision",
            roles={Role.CITY_LEADER},
            order=50,
            url_name="demands:card_supervision",
            slot="queue",
            title=_("督办事项"),
            icon="ti-alarm",
        )
        register_card(
            "triage",
            roles={Role.TEAM_MEMBER},
            order=50,
            url_name="demands:card_triage",
            slot="queue",
            title=_("待受理诉求"),
            icon="ti-inbox",
        )
        register_card(
            "department",
            roles={Role.DEPT_HANDLER},
            order=50,
            url_name="demands:card_department",
            slot="department",
            title=_("本部门待办任务"),
            icon="ti-checklist",
        )
        register_card(
            "district",
            roles={Role.DISTRICT_ADMIN},
            order=50,
            url_name="demands:card_district",
            slot="field",
            title=_("本地区待办诉求"),
            icon="ti-map-pin",
        )
        register_card(
            "liaison_demands",
            roles={Role.LIAISON},
            order=50,
            url_name="demands:card_liaison",
            slot="liaison",
            title=_("挂钩企业诉求"),
            icon="ti-message-report",
        )
        register_card(
            "enterprise_demands",
            roles={Role.ENTERPRISE},
            order=50,
            url_name="demands:card_enterprise",
            slot="enterprise",
            title=_("我的诉求"),
            icon="ti-message-report",
        )
