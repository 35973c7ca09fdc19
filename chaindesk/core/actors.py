"""Who does a write: a signed-in user, or a named system actor. Every service requires one.

A system actor (the demo loader, the escalation job, an import, a report reader) is not a user: it has no
account, never passes a user's role check, and the audit trail names it ("系统·升级任务"). Its scope is stated
with it: `city_wide` actors may write anywhere in the city (the loaders), the others only what their own
service allows (the escalation job sets escalation marks and nothing else).

`None` is no actor: the audited writes and the permission checks refuse it (issue 10: 16 checks used to let a
missing actor through as "the system")."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from chaindesk.accounts.models import User


@dataclasses.dataclass(frozen=True)
class SystemActor:
    """A named system actor with its own scope."""

    code: str
    label: str
    city_wide: bool = False
    pk: None = None
    role: str = "system"
    is_authenticated: bool = False  # user checks (`is_authenticated and role in …`) never pass for it
    is_active: bool = False

    def __str__(self) -> str:
        return f"系统·{self.label}"

    def get_username(self) -> str:
        return str(self)


DEMO = SystemActor("demo", "演示数据", city_wide=True)
IMPORT = SystemActor("import", "数据导入", city_wide=True)
COMMAND = SystemActor("command", "管理命令", city_wide=True)
FIXTURES = SystemActor("fixtures", "测试数据", city_wide=True)
ESCALATION = SystemActor("escalation", "督办升级")
REPORT_READER = SystemActor("report_reader", "报告识别")

Actor: TypeAlias = "User | SystemActor"


class MissingActor(TypeError):
    """A write was attempted without saying who does it."""


def require_actor(actor: Any) -> None:
    """Refuse a write without an actor (a programming error, never a user's)."""
    if actor is None:
        raise MissingActor("every write needs an actor: a user or a named system actor (chaindesk.core.actors)")


def person_or_none(actor: Actor) -> User | None:
    """The user behind a write, for a nullable "who" column (None: a system actor, named in the audit trail)."""
    return None if isinstance(actor, SystemActor) else actor


def person(actor: Actor) -> User:
    """The user behind a write, for a "who" column that must name a person: a system actor cannot do it."""
    if isinstance(actor, SystemActor):
        raise MissingActor(f"{actor} cannot do what only a person may do (this record names a person)")
    return actor


def is_system(actor: Any) -> bool:
    """A system actor that may write anywhere in the city (the loaders and imports)."""
    return isinstance(actor, SystemActor) and actor.city_wide
