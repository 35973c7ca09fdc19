"""The kinds of ledger an office can import, each stated once: its fields (mapping.Field), the sheet names it is
looked for under, how a row is planned (new, update, unchanged, error) and how a plan is committed.

    kind = get("enterprises")
    plan = kind.plan(table, mapping, actor=user)      # reads every row; writes nothing
    kind.commit(plan, actor=user, tag=batch.token)    # in the caller's transaction; audit lines carry `tag`

`KINDS` lists them in menu order; `get(code)` raises KeyError for an unknown code.
"""

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from django.utils.functional import Promise

from chaindesk.core.actors import Actor

from ..mapping import Field, Mapping_
from ..plan import Plan
from ..reading import Table


class ImportKind:
    code: ClassVar[str]
    label: ClassVar[str | Promise]  # 企业名录
    noun: ClassVar[str | Promise]  # 企业
    fields: ClassVar[Sequence[Field]]
    sheet_names: ClassVar[Sequence[str]] = ()
    list_view: ClassVar[str] = ""  # the list page the imported records show on

    def may_import(self, user: Any) -> bool:
        raise NotImplementedError

    def plan(
        self, table: Table, mapping: Mapping_, *, actor: Actor, progress: Callable[[int], None] | None = None
    ) -> Plan:
        raise NotImplementedError

    def commit(self, plan: Plan, *, actor: Actor, tag: str) -> dict[str, int]:
        raise NotImplementedError

    @property
    def expected_headers(self) -> list[str]:
        words: list[str] = []
        for field in self.fields:
            words.extend([str(field.label), *field.synonyms])
        return words


_REGISTRY: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> ImportKind:
    _REGISTRY[kind.code] = kind
    return kind


def get(code: str) -> ImportKind:
    _load()
    return _REGISTRY[code]


def all_kinds() -> list[ImportKind]:
    _load()
    return list(_REGISTRY.values())


def _load() -> None:
    from . import enterprises  # noqa: F401 - registers itself
