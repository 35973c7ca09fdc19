from django.apps import AppConfig


class UpwardConfig(AppConfig):
    name = "chaindesk.upward"
    label = "upward"
    verbose_name = "上争事项"
