import os
from getpass import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import Department, Region
from chaindesk.accounts.services import user_create
from chaindesk.core.actors import COMMAND


class Command(BaseCommand):
    help = "Create an account with a role. The password comes from --password, CHAINDESK_PASSWORD or a prompt."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--name", required=True, help="display name, e.g. 李明")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--region", help="GB/T 2260 code, e.g. 321281")
        parser.add_argument("--department", help="department code, e.g. gxj")
        parser.add_argument("--title", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--password")

    def handle(self, *args: Any, **options: Any) -> None:
        region = self._lookup(Region, "code", options["region"], "行政区划")
        department = self._lookup(Department, "code", options["department"], "部门")
        password = options["password"] or os.environ.get("CHAINDESK_PASSWORD")
        if not password:
            if not self.stdin_is_interactive():
                raise CommandError("没有提供密码：请使用 --password 或环境变量 CHAINDESK_PASSWORD。")
            password = getpass("密码: ")
        try:
            user = user_create(
                actor=COMMAND,
                username=options["username"],
                display_name=options["name"],
                role=options["role"],
                password=password,
                region=region,
                department=department,
                title=options["title"],
                email=options["email"],
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(f"created {user.username} ({user.get_role_display()})")

    @staticmethod
    def stdin_is_interactive() -> bool:
        import sys  # noqa: PLC0415

        return sys.stdin is not None and sys.stdin.isatty()

    @staticmethod
    def _lookup(model: Any, field: str, value: str | None, label: str) -> Any:
        if not value:
            return None
        obj = model.objects.filter(**{field: value}).first()
        if obj is None:
            raise CommandError(f"找不到{label}：{value}")
        return obj
