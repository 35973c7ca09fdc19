"""The chain map in English: rules, legend and headings come from the catalogue, not hard-coded Chinese."""

import pytest
from django.urls import reverse
from django.utils import translation

from chaindesk.core.tests.test_i18n import compiled_catalogue  # noqa: F401 - compiles the .mo for this module

from .factories import biomed, small_tree

pytestmark = pytest.mark.django_db


def test_map_page_in_english(client_as):
    chain = biomed()
    small_tree(chain)
    client = client_as("jiangdd")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    try:
        html = client.get(reverse("chains:map", args=[chain.pk])).content.decode()
        for text in ("Rating rules", "Gap targets", "Segments", "Export gap targets", "No local enterprise"):
            assert text in html, text
        assert "评级规则" not in html and "无本地企业" not in html
    finally:
        client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
        translation.activate("zh-hans")  # the middleware left English active in this thread
