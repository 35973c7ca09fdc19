"""The header's global search (chaindesk/core/search.py and each app's search.py): within the reader's scope,
from two characters, grouped by kind, one query per kind.

On the fixed personas (chaindesk/testkit/personas.py): every record of the world is named 测试甲… (ours) or
测试乙… (theirs), so "测试" finds both sides and each reader must see only theirs."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chaindesk.core import search as search_module
from chaindesk.core.search import MIN_CHARS, PER_KIND, search, sources_for
from chaindesk.testkit.html import login
from chaindesk.testkit.personas import Personas, add_enterprise

URL = reverse("search:results")
HX = {"HX-Request": "true"}


def _titles(results: search_module.Results) -> dict[str, list[str]]:
    return {g.source.key: [h.title for h in g.hits] for g in results.groups}


def _all_titles(results: search_module.Results) -> list[str]:
    return [t for titles in _titles(results).values() for t in titles]


def test_a_chief_finds_every_kind_of_their_chain(personas: Personas) -> None:
    found = _titles(search(personas.chief, "测试甲"))
    ours = personas.ours
    assert ours.enterprise.name in found["enterprises"]
    assert personas.ent2.name in found["enterprises"]
    assert found["projects"] == [ours.project.name]
    assert found["leads"] == [ours.lead.title]
    assert found["demands"] == [ours.demand.title]
    assert found["meetings"] == [ours.meeting.title]


@pytest.mark.parametrize(
    ("key", "other"),
    [("chief", "theirs"), ("member", "theirs"), ("liaison", "theirs"), ("district", "theirs"), ("x_chief", "ours")],
)
def test_a_reader_never_sees_another_chain_or_region(personas: Personas, key: str, other: str) -> None:
    side = getattr(personas, other)
    hidden = {side.enterprise.name, side.project.name, side.lead.title, side.demand.title, side.meeting.title}
    titles = _all_titles(search(personas.user(key), "测试"))
    assert titles, "the reader finds their own records"
    assert not hidden & set(titles)
    # nor through the page, nor the dropdown
    for headers in ({}, HX):
        page = login(personas.user(key)).get(URL, {"q": "测试"}, headers=headers).content.decode()
        assert not any(name in page for name in hidden)


def test_the_enterprise_user_finds_only_their_own(personas: Personas) -> None:
    found = _titles(search(personas.ent_user, "测试"))
    assert found["enterprises"] == [personas.ours.enterprise.name]  # not ent2, on the same chain, nor theirs
    assert found["demands"] == [personas.ours.demand.title]
    assert "leads" not in found and "meetings" not in found  # not their kinds at all
    assert {s.key for s in sources_for("enterprise")} == {"enterprises", "projects", "demands"}


def test_a_department_handler_finds_the_demands_of_their_tasks(personas: Personas) -> None:
    assert _titles(search(personas.handler, "测试")) == {"demands": [personas.ours.demand.title]}
    assert _titles(search(personas.x_handler, "测试")) == {"demands": [personas.theirs.demand.title]}


def test_the_administrators_search_nothing(personas: Personas) -> None:
    results = search(personas.sysadmin, "测试")
    assert results.groups == [] and results.searched == 0
    page = login(personas.sysadmin).get(URL, {"q": "测试"})
    assert page.status_code == 200
    assert 'data-testid="search-none"' in page.content.decode()


@pytest.mark.parametrize("q", ["测", " 测 ", "a"])
def test_one_character_is_refused_with_a_hint_and_no_query(personas: Personas, q: str) -> None:
    with CaptureQueriesContext(connection) as queries:
        results = search(personas.chief, q)
    assert len(queries) == 0
    assert results.too_short and results.groups == []
    page = login(personas.chief).get(URL, {"q": q}).content.decode()
    assert f"请输入至少 {MIN_CHARS} 个字再搜索" in page
    assert 'data-testid="search-hit"' not in page


def test_an_empty_box_closes_the_dropdown_and_the_page_explains(personas: Personas) -> None:
    client = login(personas.chief)
    assert client.get(URL, {"q": ""}, headers=HX).content == b""
    page = client.get(URL).content.decode()
    assert 'data-testid="search-hint"' in page and 'data-testid="search-hit"' not in page


def test_by_credit_code_prefix(personas: Personas) -> None:
    uscc = personas.ours.enterprise.uscc
    assert _titles(search(personas.chief, uscc[:10].lower())) == {"enterprises": [personas.ours.enterprise.name]}


def test_one_query_per_kind_whatever_the_matches(personas: Personas) -> None:
    kinds = len(sources_for(personas.chief.role))
    with CaptureQueriesContext(connection) as before:
        search(personas.chief, "测试")
    for i in range(PER_KIND + 3):
        add_enterprise(personas, f"测试甲搜索企业{i}号有限公司")
    with CaptureQueriesContext(connection) as after:
        results = search(personas.chief, "测试")
    assert len(before) == len(after) == kinds
    group = next(g for g in results.groups if g.source.key == "enterprises")
    assert len(group.hits) == PER_KIND and group.more
    assert group.list_url == reverse("enterprises:list") + "?q=%E6%B5%8B%E8%AF%95"


def test_more_links_to_the_filtered_list(personas: Personas) -> None:
    for i in range(PER_KIND + 1):
        add_enterprise(personas, f"测试甲更多企业{i}号有限公司")
    page = login(personas.chief).get(URL, {"q": "更多企业"}).content.decode()
    assert page.count('data-testid="search-hit"') == PER_KIND
    assert f'href="{reverse("enterprises:list")}?q=%E6%9B%B4%E5%A4%9A%E4%BC%81%E4%B8%9A"' in page
    listed = login(personas.chief).get(reverse("enterprises:list"), {"q": "更多企业"}).content.decode()
    assert listed.count("测试甲更多企业") >= PER_KIND + 1


def test_the_dropdown_is_a_fragment_with_links(personas: Personas) -> None:
    response = login(personas.chief).get(URL, {"q": "测试甲"}, headers=HX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert f'href="{reverse("projects:detail", args=[personas.ours.project.pk])}"' in body
    assert 'data-testid="search-group-meetings"' in body
    assert f"{URL}?q=" in body  # 查看全部结果


def test_the_header_box_searches_everything(personas: Personas) -> None:
    page = login(personas.member).get(reverse("dashboards:home")).content.decode()
    assert f'action="{URL}"' in page and f'hx-get="{URL}"' in page


def test_nothing_found_says_so_and_long_input_is_cut(personas: Personas) -> None:
    page = login(personas.chief).get(URL, {"q": "不存在的名称"}).content.decode()
    assert 'data-testid="search-none"' in page
    assert len(search(personas.chief, "测" * 300).q) == search_module.MAX_CHARS


def test_anonymous_visitors_are_sent_to_login(db: Any) -> None:
    from django.test import Client

    response = Client().get(URL, {"q": "测试"})
    assert response.status_code == 302 and "login" in response["Location"]
