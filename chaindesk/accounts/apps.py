from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "chaindesk.accounts"
    label = "accounts"
    verbose_name = "账户与组织"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects login/logout auditing
