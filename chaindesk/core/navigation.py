"""The left navigation by area, filtered by role. Areas whose issue has not landed show as disabled.

Core names no domain app: each app registers its own entries, with the roles that see them, in its
AppConfig.ready() (`register_nav_item`); the menu lists them by their `order`."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    icon: str
    url_name: str | None  # None: the area has not landed yet; shown without a link
    roles: frozenset[str]
    order: int


_ITEMS: dict[str, NavItem] = {}


def register_nav_item(
    key: str,
    label: str | Promise,
    icon: str,
    url_name: str | None,
    *,
    roles: Iterable[str],
    order: int,
) -> None:
    """Add (or replace) the menu entry `key` for `roles`, placed by `order` (smaller first)."""
    _ITEMS[key] = NavItem(key, label, icon, url_name, frozenset(roles), order)


def nav_items() -> list[NavItem]:
    """Every registered entry, in menu order."""
    return sorted(_ITEMS.values(), key=lambda item: (item.order, item.key))


def items_for(role: str, current_area: str) -> list[dict[str, Any]]:
    result = []
    for item in nav_items():
        if role not in item.roles:
            continue
        result.append(
            {
                "key": item.key,
                "label": item.label,
                "icon": item.icon,
                "url": reverse(item.url_name) if item.url_name else None,
                "active": item.key == current_area,
            }
        )
    return result
