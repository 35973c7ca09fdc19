"""`chaindesk backup DIR`: the database, the files and a manifest into DIR (empty or absent); see
chaindesk/core/backup.py. Exit 0 and a summary on success; exit 1 with the reason in Chinese when refused or
failed (a folder left without manifest.json is no backup)."""

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from chaindesk.core import audit, backup
from chaindesk.core.models import AuditAction


class Command(BaseCommand):
    help = "Back up the database, the attachments and briefings, and a manifest of checksums into DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="an empty or absent folder")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["directory"]).resolve()
        started = time.monotonic()
        try:
            manifest = backup.backup(directory=directory)
        except backup.BackupError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        rows = sum(table["rows"] for table in manifest["tables"].values())
        summary = _("备份完成：%(dir)s，%(tables)s 张表 %(rows)s 行，%(files)s 个文件，用时 %(seconds).1f 秒。") % {
            "dir": directory,
            "tables": len(manifest["tables"]),
            "rows": rows,
            "files": len(manifest["files"]),
            "seconds": time.monotonic() - started,
        }
        audit.record(
            action=AuditAction.EXPORT,
            actor=backup.ACTOR,
            message=summary,
            after={"directory": str(directory), "manifest_checksum": manifest["checksum"], "rows": rows},
        )
        self.stdout.write(summary)
