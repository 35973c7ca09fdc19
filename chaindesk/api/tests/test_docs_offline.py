"""The API's interactive docs work offline: served from our own static files, no CDN (issue 13, item 7)."""

import re

import pytest
from django.test import Client


@pytest.mark.django_db
def test_the_docs_page_loads_swagger_from_our_static_files(personas):
    client = Client()
    client.force_login(personas.member)
    page = client.get("/api/docs").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any("swagger-ui-bundle" in source for source in sources)
    assert all(not source.startswith(("http://", "https://", "//")) for source in sources), sources
    assert client.get("/api/openapi.json").json()["openapi"].startswith("3.")
