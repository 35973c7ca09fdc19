"""Every Tabler icon the templates, views and scripts name exists in the icon font we ship: a missing one
renders as nothing at all (the 上争事项 stage path's dot did, issue 14)."""

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
FONT_CSS = ROOT / "build" / "static" / "vendor" / "tabler-icons" / "tabler-icons.min.css"
NAMED = re.compile(r"""["' ](ti-[a-z0-9-]+)""")


def test_every_icon_exists() -> None:
    if not FONT_CSS.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{FONT_CSS} is missing: run make setup")
        pytest.skip("the static files are not built (make setup)")
    shipped = set(re.findall(r"\.(ti-[a-z0-9-]+):before", FONT_CSS.read_text()))
    used: dict[str, str] = {}
    for path in (ROOT / "chaindesk").rglob("*"):
        if path.suffix in {".html", ".py", ".js"} and "node_modules" not in path.parts:
            for name in NAMED.findall(path.read_text(encoding="utf-8", errors="ignore")):
                used.setdefault(name, str(path.relative_to(ROOT)))
    assert len(used) > 50  # the scan found the icons
    missing = {name: where for name, where in used.items() if name not in shipped}
    assert not missing, missing
