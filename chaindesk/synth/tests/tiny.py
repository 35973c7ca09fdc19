"""The synthetic city at tiny scale, generated once for a test module (its tests only read it)."""

from collections.abc import Callable
from typing import Any

import pytest

from chaindesk.conftest import DEMO_TODAY
from chaindesk.synth import base
from chaindesk.synth.base import SCALES
from chaindesk.synth.runner import Report, generate

TINY = SCALES["tiny"]


def tiny_city(module_data: Any, seed: int, before: Callable[[], Any] | None = None) -> tuple[Report, Any]:
    """Generate the tiny city inside the module's transaction (`module_data`, chaindesk/conftest.py; generated per
    test it cost three seconds a test), the bulk writers' drop-and-rebuild path exercised too; `before()` runs first
    and its result is returned beside the report."""

    def make() -> tuple[Report, Any]:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(base, "BULK_INDEX_THRESHOLD", 0)
            first = before() if before is not None else None
            return generate(TINY, seed=seed, today=DEMO_TODAY), first

    return module_data.build(make)
