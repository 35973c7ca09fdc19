from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "chaindesk.api"
    label = "api"
    verbose_name = "接口"

    def ready(self) -> None:
        from chaindesk.accounts.choices import Role
        from chaindesk.core.navigation import register_nav_item

        # 接口令牌: tokens for the systems that call the API (chaindesk/api/views.py), after 节假日安排.
        register_nav_item(
            "api_tokens", _("接口令牌"), "ti-key", "core:api_token_list", roles={Role.SYS_ADMIN}, order=133
        )
