"""A meeting form whose chains have more enterprises or projects than a page can list (a province's): the stop and
speech selects offer only what the rows name and search the rest at `meetings:row_options`; what is posted is
still checked against the user's chains, and the form's queries do not grow with its rows. The threshold is
lowered here (REMOTE_MIN_OPTIONS) so that the test city's few records take the province's path."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from chaindesk.meetings import forms_meetings
from chaindesk.meetings.models import Meeting

from .meeting_kit import memory_files
from .test_meeting_views import _post, assert_edit_queries_flat

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
__all__ = ["memory_files"]


@pytest.fixture
def searched(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forms_meetings, "REMOTE_MIN_OPTIONS", 0)


def _as(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _select(page: str, name: str) -> str:
    start = page.index(f'name="{name}"')
    return page[page.rindex("<select", 0, start) : page.index("</select>", start)]


def test_the_rows_search_the_server_when_the_chain_has_too_many(personas: Any, searched: None) -> None:
    page = _as(personas.member).get(reverse("meetings:create")).content.decode()
    for name, kind in (("sv_enterprise_1", "enterprise"), ("sv_project_1", "project"), ("sp_who_1", "who")):
        select = _select(page, name)
        assert f'data-picker-url="{reverse("meetings:row_options", args=[kind])}"' in select
        if kind == "who":  # the departments and districts stay listed (few); no enterprise is, none being named
            assert 'value="d:' in select and 'value="r:' in select and 'value="e:' not in select
        else:
            assert select.count("<option") == 1  # （不选） only: nothing is named yet
    assert 'data-picker-url="/meetings/options/enterprise/"' in _select(page, "sv_enterprise___n__")


def test_a_searched_choice_is_saved_and_one_outside_the_chains_refused(personas: Any, searched: None) -> None:
    client = _as(personas.member)
    ours = personas.ours
    response = client.post(reverse("meetings:create"), _post(personas, sp_who_1=f"e:{personas.ent2.pk}"))
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    meeting = Meeting.objects.get(location="测试甲区人民政府")
    assert [(s.enterprise_id, s.project_id) for s in meeting.site_visits.order_by("seq")] == [
        (ours.enterprise.pk, ours.project.pk),
        (personas.ent2.pk, None),
    ]
    assert meeting.speeches.get().enterprise_id == personas.ent2.pk
    page = client.get(reverse("meetings:edit", args=[meeting.pk])).content.decode()
    assert f'value="{ours.enterprise.pk}" selected' in _select(page, "sv_enterprise_1")  # the named ones render
    assert f'value="e:{personas.ent2.pk}" selected' in _select(page, "sp_who_1")
    before = Meeting.objects.count()
    response = client.post(reverse("meetings:create"), _post(personas, sv_enterprise_2=personas.theirs.enterprise.pk))
    assert response.status_code == 400 and "sv_enterprise_2" in response.context["form"].errors
    response = client.post(reverse("meetings:create"), _post(personas, sv_project_1=personas.theirs.project.pk))
    assert response.status_code == 400 and "sv_project_1" in response.context["form"].errors
    assert Meeting.objects.count() == before


def test_the_edit_form_costs_the_same_queries_whatever_the_rows(personas: Any, searched: None) -> None:
    assert_edit_queries_flat(personas)  # the named enterprises and projects are read in one query each


def _options(client: Client, kind: str, text: str) -> list[dict[str, Any]]:
    response = client.get(reverse("meetings:row_options", args=[kind]), {"q": text})
    assert response.status_code == 200
    options: list[dict[str, Any]] = response.json()["options"]
    return options


def test_the_row_search_answers_within_the_users_chains(personas: Any) -> None:
    client = _as(personas.member)
    ours, theirs = personas.ours, personas.theirs
    found = _options(client, "enterprise", ours.enterprise.name[:4])
    assert {"value": ours.enterprise.pk, "label": ours.enterprise.name} in found
    assert all(o["value"] != theirs.enterprise.pk for o in _options(client, "enterprise", theirs.enterprise.name))
    assert _options(client, "project", ours.project.name) == [
        {"value": ours.project.pk, "label": forms_meetings.project_label(ours.project)}
    ]
    assert _options(client, "project", theirs.project.name) == []
    who = {o["value"] for o in _options(client, "who", ours.department.short_name)}
    assert f"d:{ours.department.pk}" in who
    assert f"r:{ours.region.pk}" in {o["value"] for o in _options(client, "who", ours.region.name)}
    assert f"e:{ours.enterprise.pk}" in {o["value"] for o in _options(client, "who", ours.enterprise.name)}
    assert _options(client, "enterprise", "") == []  # nothing typed, nothing read
    assert client.get(reverse("meetings:row_options", args=["users"]), {"q": "a"}).status_code == 404
    assert _options(_as(personas.liaison), "enterprise", ours.enterprise.name) == []  # on no team: nothing
