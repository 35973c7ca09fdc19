"""Apps depend one way (BRIEF.md, Architecture): core knows no domain app, the chain map knows no enterprise,
the 工作台 knows only core and accounts, and every app imports only the apps listed above it (in the order of
INSTALLED_APPS). Later apps register their parts of earlier pages: chain-map counters and enterprise
placements in chaindesk.chains.extensions, menu entries in chaindesk.core.navigation, 工作台 cards in
chaindesk.dashboards.cards. Checked on the source with `ast`, tests and migrations aside."""

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the chaindesk package
# In layer order (config/settings/base.py lists them so): the 工作台 sits right above accounts.
DOMAIN_APPS = (
    "accounts",
    "dashboards",
    "chains",
    "enterprises",
    "liaison",
    "network",
    "projects",
    "leads",
    "demands",
    "upward",
    "rollups",
    "targets",
    "cockpit",
    "meetings",
    "demo",
    "synth",
)
# Type annotations only (under `if TYPE_CHECKING:`, never imported at run time): core's actor and scope name the
# user model, Django's AUTH_USER_MODEL, for mypy.
TYPE_ONLY_ALLOWED = {("core", "chaindesk.accounts.models")}


def _modules(app: str) -> Iterator[Path]:
    for path in sorted((ROOT / app).rglob("*.py")):
        parts = path.relative_to(ROOT / app).parts
        if "tests" not in parts and "migrations" not in parts:
            yield path


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path) -> Iterator[tuple[str, int, bool]]:
    """(absolute module name, line, type-only) of every import in the file, relative ones resolved."""
    package = ["chaindesk", *path.relative_to(ROOT).parent.parts]
    type_only_lines: set[int] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            for inner in node.body:
                type_only_lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, node.lineno in type_only_lines
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            names = [module] if node.module or not node.level else [f"{module}.{a.name}" for a in node.names]
            for name in names:
                yield name, node.lineno, node.lineno in type_only_lines


def _offences(app: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in _modules(app):
        for module, line, type_only in _imports(path):
            parts = module.split(".")
            if len(parts) < 2 or parts[0] != "chaindesk" or parts[1] not in forbidden:
                continue
            if type_only and (app, module) in TYPE_ONLY_ALLOWED:
                continue
            found.append(f"{path.relative_to(ROOT.parent)}:{line} imports {module}")
    return found


def test_the_parser_sees_absolute_relative_and_type_only_imports() -> None:
    sample = ROOT / "core" / "actors.py"
    names = {(module, type_only) for module, _line, type_only in _imports(sample)}
    assert ("chaindesk.accounts.models", True) in names  # the one allowed type-only import
    chains = {module for module, _line, _t in _imports(ROOT / "chains" / "selectors.py")}
    assert "chaindesk.chains.extensions" in chains  # `from . import extensions, gaps`


def test_core_imports_no_domain_app() -> None:
    assert _offences("core", DOMAIN_APPS) == []


def test_chains_imports_nothing_from_enterprises_or_later_apps() -> None:
    later = DOMAIN_APPS[DOMAIN_APPS.index("enterprises") :]
    assert _offences("chains", later) == []


def test_the_workbench_knows_only_core_and_accounts() -> None:
    assert _offences("dashboards", tuple(app for app in DOMAIN_APPS if app not in {"accounts", "dashboards"})) == []


def test_every_app_imports_only_the_apps_above_it() -> None:
    offences = []
    for i, app in enumerate(DOMAIN_APPS):
        offences += _offences(app, DOMAIN_APPS[i + 1 :])
    assert offences == []
