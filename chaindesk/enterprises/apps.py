from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "chaindesk.enterprises"
    label = "enterprises"
    verbose_name = "企业"
