"""The reader's field libraries, each imported on first use (they take a second or so to load, which commands that
never read a report should not pay) and kept quiet: jionlp prints a banner on import, jieba logs "Building prefix
dict…" and its old source raises warnings (invalid escapes, pkg_resources) while it is compiled."""

import contextlib
import functools
import io
import logging
import warnings
from typing import Any


@functools.cache
def jionlp() -> Any:
    """jionlp (money, time and place expressions), without the banner it prints on import (the CLI prints JSON)."""
    with contextlib.redirect_stdout(io.StringIO()):
        import jionlp as module
    return module


@functools.cache
def jieba() -> Any:
    """jieba (segmentation), its log kept off standard error and its import's warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import jieba as module
    module.setLogLevel(logging.WARNING)
    return module


@functools.cache
def place_names() -> frozenset[str]:
    """The names of China's provinces, cities and counties, full and short (江苏省, 江苏, 南通市, 南通 …), from
    jionlp's administrative divisions: what a registered enterprise name may begin with."""
    names: set[str] = set()
    pending = [jionlp().china_location_loader()]
    while pending:
        level = pending.pop()
        for key, value in level.items():
            if key.startswith("_") or not isinstance(value, dict):
                continue
            alias = value.get("_alias") or []
            names.update([key, value.get("_full_name") or key, *([alias] if isinstance(alias, str) else alias)])
            pending.append(value)
    return frozenset(name for name in names if len(name) >= 2)
