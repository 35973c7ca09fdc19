"""Every URL pattern of the project, enumerated once, for the two walks over all of them: the persona matrix
(chaindesk/core/tests/test_route_matrix.py: every route × every persona, statuses and query counts pinned) and
the benchmark's route walk (chaindesk/synth/bench_routes.py: every GET-able route timed as its owner).

A route's key is `namespace:name` (`namespace:<route>` when the pattern has no name); a walk's case may add
`@variant` (another object worth checking: `core:history@visit`) or `#hx` (requested as an htmx fragment).
Route names are plain strings here: core imports no domain app."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

# Routes no GET can meaningfully fill; each says why. (None today: every route is in the matrix's ROUTES.)
SKIP: dict[str, str] = {}

# Requested both as a page and as an htmx fragment (`name#hx`): the views render a partial for HX-Request.
HTMX = frozenset(
    {
        "dashboards:projects_card",
        "dashboards:next_meeting_card",
        "core:history",
        "core:history@visit",
        "core:history@task",
        "core:history@user",
        "core:inbox_badge",
        "search:results",
        "chains:node_panel",
        "liaison:visits",
        "liaison:timeline",
        "network:enterprise_rd",
        "projects:investment_panel",
        "projects:enterprise_tab",
        "projects:talent_tab",
        "leads:queue_card",
        "leads:enterprise_tab",
        "leads:enterprise_suggest",
        "leads:talent_tab",
        "demands:enterprise_tab",
        "demands:card_supervision",
        "demands:card_triage",
        "demands:card_department",
        "demands:card_liaison",
        "demands:card_district",
        "demands:card_enterprise",
        "demands:card_team_queue",
        "transfer:progress",
    }
)

_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    """(key, route) of every URL pattern: the key is `namespace:name`, or `namespace:<route>` if unnamed."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner or "")
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            name = entry.name or f"<{route}>"
            yield (f"{namespace}:{name}" if namespace else name), route


@functools.cache
def all_routes() -> dict[str, str]:
    """Route key → route text (`enterprises/<int:pk>/`), for every URL pattern of the project."""
    return dict(_walk(get_resolver().url_patterns))


def base(case: str) -> str:
    """The route key of a case: `name@variant` and `name#hx` without their suffix."""
    return re.split(r"[@#]", case, maxsplit=1)[0] if not case.startswith("admin:<") else case


def params(route: str) -> list[str]:
    """The path parameters of a route, in order (`pk`, `node_pk` …)."""
    return _PARAM.findall(route)


def fill(route: str, kwargs: dict[str, Any]) -> str:
    """Fill a route's converters (`<int:pk>`) or regex groups (`(?P<url>.*)`) with kwargs."""

    def value(match: re.Match[str]) -> str:
        return str(kwargs[match.group(1)])

    path = _PARAM.sub(value, route) if "(?P<" not in route else route
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", value, path)
    return "/" + path.replace("^", "").replace("$", "")
