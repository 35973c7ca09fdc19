from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "chaindesk.api"
    label = "api"
    verbose_name = "接口"
