from django.apps import AppConfig


class DemandsConfig(AppConfig):
    name = "chaindesk.demands"
    label = "demands"
    verbose_name = "诉求与任务"
