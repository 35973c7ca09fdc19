from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "chaindesk.core"
    label = "core"
    verbose_name = "核心"
