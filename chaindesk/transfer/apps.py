from django.apps import AppConfig


class TransferConfig(AppConfig):
    """Excel in and out (issue 13): the offices' own ledgers read as they really are, mapped, dry-run, committed
    through the services, undone; streamed exports."""

    name = "chaindesk.transfer"
    label = "transfer"
    verbose_name = "导入导出"
