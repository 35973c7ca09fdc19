from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransferConfig(AppConfig):
    """Excel in and out (issue 13): the offices' own ledgers read as they really are, mapped, dry-run, committed
    through the services, undone; streamed exports."""

    name = "chaindesk.transfer"
    label = "transfer"
    verbose_name = "导入导出"

    def ready(self) -> None:
        from chaindesk.accounts.choices import OFFICIALS
        from chaindesk.core.navigation import register_nav_item
        from chaindesk.core.queue import register_resumer

        # 数据导入, after 报表: every official may import some kind (chaindesk/transfer/kinds: each says who).
        register_nav_item("transfer", _("数据导入"), "ti-file-import", "transfer:list", roles=OFFICIALS, order=125)
        register_resumer("imports", "chaindesk.transfer.services.resume")  # chaindesk recover
