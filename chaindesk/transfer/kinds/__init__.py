"""The kinds of ledger an office can import, each stated once: its fields (mapping.Field), the sheet names it is
looked for under, how a row is planned (new, update, unchanged, error) and how a plan is committed.

    kind = get("enterprises")
    plan = kind.plan(table, mapping, actor=user)      # reads every row; writes nothing
    kind.commit(plan, actor=user, tag=batch.token)    # in the caller's transaction; audit lines carry `tag`

`all_kinds()` lists them in menu order (ORDER); `get(code)` raises KeyError for an unknown code. Every module of
this package is imported on first use, so a new kind is one new module that calls `register`.
"""

import importlib
import pkgutil
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
    # Models ("app.Model") the commit's services write beside a record without an audit line of their own (a
    # demand's timeline events): the undo deletes them with the record instead of taking them for later work.
    undo_follows: ClassVar[tuple[str, ...]] = ()
    # Models ("app.Model") a plan reads: while none has an audited change since the dry run, the commit writes
    # from the dry run's own plan instead of planning the file again. Empty: the commit always plans again.
    depends_on: ClassVar[tuple[str, ...]] = ()

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
    rank = {code: n for n, code in enumerate(ORDER)}
    return sorted(_REGISTRY.values(), key=lambda kind: (rank.get(kind.code, len(ORDER)), kind.code))


def undo_follows() -> frozenset[str]:
    return frozenset(label for kind in all_kinds() for label in kind.undo_follows)


_loaded: list[bool] = []


def _load() -> None:
    """Import every module of this package once: each registers its kind (menu order: ORDER, then the rest)."""
    if _loaded:
        return
    _loaded.append(True)
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


ORDER = ("enterprises", "projects", "leads", "demands", "targets")
