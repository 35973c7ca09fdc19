"""A lead's 引荐能人 among a province's thousands of talents: past the picker's threshold the select renders only the
chosen talent and searches `network:talent_options`, which answers the talents the reader may see (a district
administrator: those from its district) by name or organisation."""

from typing import Any

import pytest
from django.urls import reverse

from chaindesk.core import picker
from chaindesk.testkit.html import login
from chaindesk.testkit.personas import Personas

from . import factories

pytestmark = pytest.mark.django_db


def test_the_talent_options_answer_what_the_reader_may_see(personas: Personas) -> None:
    ours = factories.talent(personas, name="测能人王甲", organisation="上海测试研究院")
    theirs = factories.talent(personas, name="测能人王乙", organisation="北京测试大学", hometown=personas.theirs.region)
    url = reverse("network:talent_options")
    found = login(personas.chief).get(url, {"q": "测能人王"}).json()["options"]
    assert {o["value"] for o in found} == {ours.pk, theirs.pk}  # a chain sees every talent
    assert login(personas.chief).get(url, {"q": "上海测试"}).json()["options"] == [
        {"value": ours.pk, "label": str(ours)}
    ]
    assert [o["value"] for o in login(personas.district).get(url, {"q": "测能人王"}).json()["options"]] == [ours.pk]
    assert login(personas.chief).get(url, {"q": ""}).json()["options"] == []
    assert login(personas.ent_user).get(url, {"q": "测能人"}).status_code == 403


def test_the_lead_form_searches_talents_past_the_threshold(personas: Personas, monkeypatch: Any) -> None:
    factories.talent(personas, name="测能人王丙")
    monkeypatch.setattr(picker, "REMOTE_MIN_OPTIONS", 0)
    page = login(personas.chief).get(reverse("leads:create")).content.decode()
    start = page.index('name="talent"')
    select = page[page.rindex("<select", 0, start) : page.index("</select>", start)]
    assert f'data-picker-url="{reverse("network:talent_options")}"' in select and "测能人王丙" not in select
