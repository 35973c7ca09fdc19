"""The 工作台's cards, registered by the apps that own their data (the way chains/extensions.py registers the
chain map's counters): the dashboards app imports none of them.

An app registers a card in its AppConfig.ready() with the roles that see it and its order:

- with `read`, the card's numbers are read with the page (`read(user) -> context`, a query or two) and the
  role's layout template shows them;
- with `url_name`, the card is an htmx fragment loaded after the page (so the 工作台 stays within its query
  budget); the layout holds a slot for it at `slot`, showing `title` and `icon` while it loads;
- with `view`, the dashboards app serves that fragment itself at cards/<key>/ (URL name
  `dashboards:<key>_card`), for cards that belong to no page of their app.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils.functional import Promise

CardRead = Callable[[Any], dict[str, Any]]
CardView = Callable[..., HttpResponse]


@dataclass(frozen=True)
class Card:
    key: str
    roles: frozenset[str]
    order: int
    read: CardRead | None = None
    url_name: str | None = None
    view: CardView | None = None
    slot: str = ""
    title: str | Promise = ""
    icon: str = ""


_CARDS: dict[str, Card] = {}


def register_card(
    key: str,
    *,
    roles: Iterable[str],
    order: int,
    read: CardRead | None = None,
    url_name: str | None = None,
    view: CardView | None = None,
    slot: str = "",
    title: str | Promise = "",
    icon: str = "",
) -> None:
    """Add (or replace) the card `key` for `roles`: numbers read with the page (`read`), or an htmx fragment
    at `url_name` (or served here from `view`) shown in the layout's `slot`."""
    if view is not None:
        url_name = f"dashboards:{key}_card"
    _CARDS[key] = Card(key, frozenset(roles), order, read, url_name, view, slot or key, title, icon)


def cards_for(role: str) -> list[Card]:
    """The cards `role` sees, in order."""
    return sorted((c for c in _CARDS.values() if role in c.roles), key=lambda c: (c.order, c.key))


def served_cards() -> list[Card]:
    """The cards whose fragment the dashboards app serves (its urls.py routes them)."""
    return sorted((c for c in _CARDS.values() if c.view is not None), key=lambda c: c.key)


def slot(card: Card) -> dict[str, Any]:
    """What the layout's placeholder needs to load the card."""
    return {"url": reverse(card.url_name) if card.url_name else "", "title": card.title, "icon": card.icon}
