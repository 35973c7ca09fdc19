from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "chaindesk.reports"
    label = "reports"
    verbose_name = "报表"

    def ready(self) -> None:
        from chaindesk.accounts.choices import OFFICIALS
        from chaindesk.core.navigation import register_nav_item
        from chaindesk.core.queue import register_resumer

        # Replaces the greyed-out entry the dashboards app declared until briefings landed (issue 12, item 7).
        register_nav_item("reports", _("报表"), "ti-report-analytics", "reports:list", roles=OFFICIALS, order=120)
        register_resumer("briefings", "chaindesk.reports.services.resume")  # chaindesk recover
