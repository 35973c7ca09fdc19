"""Reading a page the way view tests do: a signed-in client, and a table's headers, rows and cells as text."""

import re
from typing import Any

from django.test import Client

_TAGS_AND_ARROWS = re.compile(r"<[^>]+>|[↑↓]")


def login(user: Any) -> Client:
    """A test client signed in as `user` (force_login: no password hashing, no audit noise)."""
    assert user is not None, "a persona key names a user (anon has no login)"  # noqa: S101 - a test helper
    client = Client()
    client.force_login(user)
    return client


def table(html: str, testid: str) -> str:
    """The table marked `data-testid=testid`, up to its closing tag."""
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</table>", start)]


def text(cell: str) -> str:
    """A cell's text: no tags, no sort arrows, no surrounding space."""
    return _TAGS_AND_ARROWS.sub("", cell).strip()


def headers(html: str, testid: str | None = None) -> list[str]:
    """The header cells' text of `html` (a table), or of the table `testid` in it."""
    part = table(html, testid) if testid else html
    return [text(cell) for cell in re.findall(r"<th[^>]*>(.*?)</th>", part[: part.index("</thead>")], re.S)]


def rows(part: str) -> list[str]:
    """The body rows of a table, as their inner HTML."""
    return re.findall(r"<tr[^>]*>(.*?)</tr>", part[part.index("<tbody>") :], re.S)


def cells(part: str) -> list[list[str]]:
    """Each body row's cells as text."""
    return [[text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows(part)]
