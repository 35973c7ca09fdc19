from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from chaindesk.accounts.models import User
from chaindesk.demo import city


class Command(BaseCommand):
    help = "Load or refresh the demo city (泰州市). Safe to re-run: only what is missing is created."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the database has users")
        parser.add_argument("--enterprises", type=int, default=150, help="generated enterprises (default 150)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and User.objects.exists():
            self.stdout.write("demo: database already has data; nothing loaded")
        else:
            loaded = city.load(enterprises=options["enterprises"])
            summary = ", ".join(f"{k} {v}" for k, v in sorted(loaded.created.items())) or "nothing new"
            self.stdout.write(f"demo: {summary}")
        self.stdout.write("demo logins (role  username  password):")
        for role, username in city.DEMO_LOGINS:
            self.stdout.write(f"  {role:<15} {username:<10} {city.DEMO_PASSWORD}")
        self.stdout.write(
            f"two-factor sign-in: sys_admin and audit_admin use an authenticator with the secret {city.DEMO_TOTP_SECRET}"
            f" (or: python -c \"import pyotp; print(pyotp.TOTP('{city.DEMO_TOTP_SECRET}').now())\")"
        )
