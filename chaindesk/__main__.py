"""`chaindesk` command: a thin front over Django's management commands.

chaindesk demo        load or refresh the demo city (safe to re-run)
chaindesk serve       serve the site (gunicorn) on 127.0.0.1:$PORT (default 8000)
chaindesk worker      run background tasks
chaindesk createuser  create an account with a role
chaindesk synth       generate city- or province-scale data for benchmarks
chaindesk import KIND FILE [--commit] [--user NAME]
                      check a ledger (and with --commit import it); prints every row as JSON
chaindesk rollups --rebuild
                      recompute the rollup tables from the records (nightly)
chaindesk check-rollups
                      compare the rollup tables with the records; exit 1 naming each difference
chaindesk ingest FILE [--user NAME]
                      print the draft of a meeting report (.txt, .docx, .html) as JSON
chaindesk ingest-eval DIR
                      score the drafts of labelled meeting reports (NAME.txt against NAME.json)
chaindesk backup DIR  the database, attachments and briefings, and a manifest of checksums into DIR
chaindesk restore DIR restore a backup into an empty database and empty file folders, then compare
chaindesk audit-archive [--before DATE] DIR
                      archive audit lines older than 180 days to a checksummed file, then delete them
chaindesk reset-2fa USERNAME
                      remove an account's authenticator (a lost phone); it binds a new one at next sign-in
chaindesk reseal      seal the authenticators' keys again under the first of CHAINDESK_DATA_KEYS (rotation)
chaindesk recover     after a crash, before the workers start: resume interrupted tasks, rebuild stale rollups
chaindesk <any manage.py command>
"""

import os
import sys

ALIASES = {
    "check-rollups": "check_rollups",
    "ingest-eval": "ingest_eval",
    "audit-archive": "audit_archive",
    "reset-2fa": "reset_2fa",
}


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    if not args or args[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return
    args[0] = ALIASES.get(args[0], args[0])
    from django.core.management import execute_from_command_line

    execute_from_command_line(["chaindesk", *args])


if __name__ == "__main__":
    main()
