"""`chaindesk reset-2fa USERNAME`: remove an account's authenticator and recovery codes (a lost phone) from the
server, as the command actor. For the accounts no one can reset on the pages: an audit administrator's (三权分立:
the system administrator never touches it) and the last system administrator's own. Audited like the page's reset."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chaindesk.accounts.models import User
from chaindesk.accounts.services_2fa import two_factor_reset
from chaindesk.core.actors import COMMAND


class Command(BaseCommand):
    help = "Reset an account's two-factor sign-in: it binds a new authenticator at its next sign-in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"].strip().lower()).first()
        if user is None:
            raise CommandError(f"no account named {options['username']!r}")
        try:
            two_factor_reset(actor=COMMAND, user=user)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(f"two-factor sign-in reset for {user.username}: a new authenticator is bound at next sign-in")
