from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "chaindesk.leads"
    label = "leads"
    verbose_name = "招商线索"
