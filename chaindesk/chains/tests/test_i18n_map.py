"""The chain map in English: rules, legend and headings come from the catalogue, not hard-coded Chinese.

On the fixed personas' world (chaindesk/testkit/personas.py): 测试甲链's chief reads its map, with the small tree
of `ours_small_tree` added (three of its segments hold no enterprise, so 无本地企业 shows)."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from chaindesk.core.tests.test_i18n import compiled_catalogue  # noqa: F401 - compiles the .mo for this module

from .factories import ours_small_tree

pytestmark = pytest.mark.django_db


def test_map_page_in_english(personas):
    chain = personas.ours.chain
    ours_small_tree(personas)
    client = Client()
    client.force_login(personas.chief)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    try:
        html = client.get(reverse("chains:map", args=[chain.pk])).content.decode()
        for text in ("Rating rules", "Gap targets", "Segments", "Export gap targets", "No local enterprise"):
            assert text in html, text
        assert "评级规则" not in html and "无本地企业" not in html
    finally:
        client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
        translation.activate("zh-hans")  # the middleware left English active in this thread
