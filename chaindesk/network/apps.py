from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "chaindesk.network"
    label = "network"
    verbose_name = "在外能人与研发资源"
