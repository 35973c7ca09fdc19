from django.apps import AppConfig


class LiaisonConfig(AppConfig):
    name = "chaindesk.liaison"
    label = "liaison"
    verbose_name = "一对一服务"
