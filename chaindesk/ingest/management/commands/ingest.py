"""`chaindesk ingest FILE [--user NAME]`: read a meeting report (plain text, .docx or a saved .html page; `-` for
standard input) and print its draft as JSON, in the label format of the labelled examples; with `--user`, the names
that user may see are the reader's dictionary (`chaindesk.ingest.lexicon`) and each item also carries its match among
the records that user may see (`chaindesk.ingest.matching`). Exits 1 with the reason
when the file cannot be read or holds no meeting. Writes nothing."""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from chaindesk.accounts.models import User
from chaindesk.ingest.extract import draft
from chaindesk.ingest.lexicon import lexicon_for
from chaindesk.ingest.matching import match_draft
from chaindesk.ingest.normalise import normalise
from chaindesk.ingest.sources import ReportError, report_text, require_meeting


class Command(BaseCommand):
    help = "print the draft of a meeting report as JSON (nothing is written)"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="a .txt, .docx or .html file, or - for standard input")
        parser.add_argument("--user", help="match the items among the records this user may see")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["file"]
        try:
            data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件：{name}") from exc
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"没有这个用户：{options['user']}")
        try:
            text = report_text(data, "" if name == "-" else name)
            result = draft(text, lexicon=lexicon_for(user, normalise(text)) if user is not None else None)
            require_meeting(result)
        except ReportError as exc:
            raise CommandError(str(exc)) from exc
        if user is not None:
            result = match_draft(result, user)
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=1))
