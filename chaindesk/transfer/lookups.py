"""Names in a ledger matched to records: a region, a chain, a node, a qualification, a liaison, a department.

`Lookup(records, name=…, aliases=…)` indexes records by their cleaned name (values.clean_name) and by shorter
forms offices write (「海陵区」 for 「泰州市海陵区」, 「生物医药」 for 「生物医药产业链」). `find(text)` gives the
record, or
raises CellError: no such name (with the accepted names when there are few enough to list) or more than one
record with it (with the candidates). `find_many(text)` splits a cell on 、，,；;/ and newlines first.
"""

import re
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from django.utils.translation import gettext as _

from .values import CellError, clean_name
from .values_text import show

R = TypeVar("R")
LISTED = 30  # accepted names listed in a refusal at most
_SPLIT = re.compile(r"[、，,；;/\n]+")


class Lookup(Generic[R]):
    def __init__(
        self,
        records: Iterable[R],
        *,
        name: Callable[[R], str],
        aliases: Callable[[str], Iterable[str]] = lambda _name: (),
        field_label: str,
    ) -> None:
        self.field_label = field_label
        self._exact: dict[str, list[R]] = {}
        self._alias: dict[str, list[R]] = {}
        self._names: list[str] = []
        # A ledger names the same few regions and chains on every row: each cell's answer (the record, or the
        # refusal's message and code) kept by (type, value), so 1, 1.0 and True stay apart.
        self._answers: dict[tuple[type, object], tuple[R | None, tuple[str, str] | None]] = {}
        for record in records:
            full = clean_name(name(record))
            self._names.append(full)
            self._exact.setdefault(full, []).append(record)
            for alias in aliases(full):
                if alias and alias != full:
                    self._alias.setdefault(alias, []).append(record)

    def __len__(self) -> int:
        return len(self._names)

    def find(self, value: object) -> R:
        key = (type(value), value)
        try:
            answer = self._answers.get(key)
        except TypeError:  # not hashable
            return self._find(value)
        if answer is None:
            try:
                answer = (self._find(value), None)
            except CellError as exc:
                answer = (None, (exc.message, exc.code))
            self._answers[key] = answer
        record, refusal = answer
        if refusal is not None:
            raise CellError(refusal[0], code=refusal[1])
        return record  # type: ignore[return-value]

    def _find(self, value: object) -> R:
        text = clean_name(value)  # type: ignore[arg-type]
        found = self._exact.get(text) or self._alias.get(text) or []
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise CellError(
                _("“%(value)s”对应多条%(field)s记录，请写全称。") % {"value": show(text), "field": self.field_label},
                code="ambiguous",
            )
        names = sorted(set(self._names))
        if len(names) <= LISTED:
            listed = "、".join(names)
            message = _("未找到%(field)s“%(value)s”；可填：%(names)s。") % {
                "field": self.field_label,
                "value": show(text),
                "names": listed,
            }
        else:
            message = _("未找到%(field)s“%(value)s”。") % {"field": self.field_label, "value": show(text)}
        raise CellError(message, code="unknown")

    def find_many(self, value: object) -> list[R]:
        text = value if isinstance(value, str) else str(value)
        found: list[R] = []
        for part in _SPLIT.split(text):
            if part.strip():
                record = self.find(part)
                if record not in found:
                    found.append(record)
        return found


def without_suffix(*suffixes: str) -> Callable[[str], list[str]]:
    """Aliases: the name without one of `suffixes` (longest first), and without a leading city name ending 市."""

    ordered = sorted(suffixes, key=len, reverse=True)

    def aliases(name: str) -> list[str]:
        forms = [name]
        if "市" in name[:-1]:
            forms.append(name[name.index("市") + 1 :])
        out = list(forms)
        for form in forms:
            for suffix in ordered:
                if form.endswith(suffix) and len(form) > len(suffix) + 1:
                    out.append(form[: -len(suffix)])
                    break
        return out

    return aliases
