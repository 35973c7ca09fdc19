"""Issue 10, item 2: the field rules declared once per model (chaindesk/core/privacy.py) hold in every list page,
every XLSX ledger and the API lists alike, for every persona.

The secrets are the values a persona may not read, taken from the declarations themselves: every staff-only
field (`staff_only_fields`) of every object, for a reader who may not read them, and every personal field
(`PERSONAL_FIELDS`) of an object whose personal data the reader may not read in full. No cell of any declared
resource (chaindesk/core/resources.py REGISTRY) and no API list answer may hold one of them."""

import importlib
import io
import pkgutil
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
from django.apps import apps
from django.test import Client
from django.urls import NoReverseMatch, reverse

import chaindesk
from chaindesk.core.privacy import personal_fields_hidden_from, staff_fields_hidden_from
from chaindesk.core.resources import REGISTRY, Resource
from chaindesk.testkit.personas import IN_SCOPE, OUT_OF_SCOPE

pytestmark = pytest.mark.django_db

TYPED_API_LISTS = ("/api/demands/", "/api/projects/")  # the rest: each resource's `api_name`
SHORTEST_SECRET = 4  # shorter values ("是", a date's day) could appear in a cell by coincidence


def _load_resources() -> dict[str, Resource]:
    """Every app's resources modules imported, so that each declared resource is registered."""
    for module in pkgutil.walk_packages(chaindesk.__path__, "chaindesk."):
        leaf = module.name.rsplit(".", 1)[-1]
        if leaf.startswith("resources") and ".tests" not in module.name:
            importlib.import_module(module.name)
    return dict(REGISTRY)


def _secrets(user: Any) -> set[str]:
    found: set[str] = set()
    for model in apps.get_models():
        staff = staff_fields_hidden_from(model, user)
        personal = frozenset(getattr(model, "PERSONAL_FIELDS", ()))
        if not staff and not personal:
            continue
        for obj in model._default_manager.all():
            hidden = staff | (personal_fields_hidden_from(obj, user) if personal else frozenset())
            for name in hidden:
                value = getattr(obj, model._meta.get_field(name).attname)
                if isinstance(value, str) and len(value.strip()) >= SHORTEST_SECRET:
                    found.add(value.strip())
    return found


def _cells(response: Any) -> str:
    """Every cell of an XLSX answer, as text (empty for anything else, e.g. a 403)."""
    if response.status_code != 200 or "spreadsheet" not in response.get("Content-Type", ""):
        return ""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return "\n".join(str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row)


def _answers(client: Client, resources: dict[str, Resource]) -> Iterator[tuple[str, str]]:
    """What the reader gets: each list page, each XLSX ledger (as its cells) and the API lists."""
    for view, resource in resources.items():
        try:
            url = reverse(view)
        except NoReverseMatch:  # a table on an object's page (a chain's segments): no staff or personal fields
            continue
        yield view, client.get(url).content.decode()
        if resource.export_view:
            yield resource.export_view, _cells(client.get(reverse(resource.export_view)))
    api_lists = [f"/api/{r.api_name}/" for r in resources.values() if r.api_name]
    assert len(api_lists) >= 12, api_lists
    for url in (*TYPED_API_LISTS, *api_lists):
        yield url, client.get(url).content.decode()


def test_the_registry_holds_the_resources_of_every_list_page() -> None:
    resources = _load_resources()
    assert {"enterprises:list", "projects:list", "leads:list", "demands:list", "upward:list"} <= set(resources)
    assert all(view == resource.view for view, resource in resources.items())


@pytest.mark.parametrize("key", [*IN_SCOPE, *OUT_OF_SCOPE])
def test_no_page_ledger_or_api_list_shows_a_field_its_reader_may_not_read(personas: Any, key: str) -> None:
    user = personas.user(key)
    resources = _load_resources()
    secrets = _secrets(user)
    if key in ("ent_user", "x_ent_user"):
        assert secrets, "the personas' world holds internal notes an enterprise user may not read"
    client = Client()
    client.force_login(user)
    leaks = []
    for where, text in _answers(client, resources):
        leaks += [(where, secret) for secret in secrets if secret in text]
    assert leaks == []
