"""`chaindesk audit-archive [--before DATE] DIR`: the audit lines older than DATE (default and latest allowed:
today minus 180 days) archived to a gzip JSON Lines file in DIR with its SHA-256 beside it, checked, then deleted
and the run audited; see chaindesk/core/audit_archive.py. Exit 0 with a summary; exit 1 with the reason in
Chinese when refused (nothing deleted)."""

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from chaindesk.core import audit_archive


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(_("日期 %(text)s 无效：请写成 YYYY-MM-DD。") % {"text": text}) from exc


class Command(BaseCommand):
    help = (
        "Archive audit lines older than 180 days (or --before DATE, never later) to a checksummed file, "
        "then delete them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="the folder for the archive file (created if absent)")
        parser.add_argument("--before", type=_date, help="archive lines before this date (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["directory"]).resolve()
        try:
            result = audit_archive.archive(directory=directory, before=options["before"])
        except audit_archive.ArchiveRefused as exc:
            raise CommandError(str(exc), returncode=1) from exc
        if not result.rows:
            self.stdout.write(_("没有 %(before)s 之前的审计记录，未写文件，未删除记录。") % {"before": result.before})
            return
        self.stdout.write(
            _("已归档 %(before)s 之前的审计记录 %(rows)s 条到 %(file)s（SHA-256 %(sha256)s），并已从数据库删除。")
            % {"before": result.before, "rows": result.rows, "file": result.path, "sha256": result.sha256}
        )
