"""`chaindesk restore DIR`: the backup in DIR into an empty database and empty file folders, then every table and
file compared with the manifest; see chaindesk/core/backup.py. Exit 0 when the restore equals the backup; exit 1
with the reason in Chinese when refused (nothing written) or when a difference is found after writing."""

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from chaindesk.core import audit, backup
from chaindesk.core.models import AuditAction


class Command(BaseCommand):
    help = "Restore a backup made by `chaindesk backup` into an empty database and empty file folders."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="the backup folder (holding manifest.json)")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["directory"]).resolve()
        started = time.monotonic()
        try:
            report = backup.restore(directory=directory)
        except backup.BackupError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        if report.differences:
            for line in report.differences:
                self.stderr.write(line)
            message = _("恢复后校验发现 %(count)s 处不一致（见上）：目标已写入，请清空后重新恢复。")
            raise CommandError(message % {"count": len(report.differences)}, returncode=1)
        summary = _(
            "恢复完成：%(tables)s 张表 %(rows)s 行、%(files)s 个文件与备份清单一致，用时 %(seconds).1f 秒。"
        ) % {
            "tables": report.tables,
            "rows": report.rows,
            "files": report.files,
            "seconds": time.monotonic() - started,
        }
        manifest = backup.read_manifest(directory)
        audit.record(  # after the comparison: this line is the restored database's first new row
            action=AuditAction.IMPORT,
            actor=backup.ACTOR,
            message=summary,
            after={"directory": str(directory), "manifest_checksum": manifest["checksum"], "rows": report.rows},
        )
        self.stdout.write(summary)
