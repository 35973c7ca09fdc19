from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "chaindesk.dashboards"
    label = "dashboards"
    verbose_name = "工作台"
