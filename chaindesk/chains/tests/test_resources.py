"""The chain list, the chain map's two segment tables and the 补链 ledger come from one declaration each
(chaindesk/chains/resources.py): CHAINS and SEGMENTS.

On the fixed personas' world (chaindesk/testkit/personas.py): 测试甲链 (chief `p_chief`, team of two, enterprises
ours and ent2 on its one node 测试甲链环节) and 测试乙链 (chief `p_x_chief`, team of one, one enterprise). The
keyword 测试 picks out exactly these two chains from every chain in the database; `p_liaison`, a liaison, sees
every chain. The map tests add `ours_small_tree` (chaindesk/chains/tests/factories.py) to 测试甲链."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from chaindesk.chains import extensions
from chaindesk.chains.models import Chain
from chaindesk.chains.resources import CHAINS, NODE_TABLE, SEGMENTS, TARGET_TABLE, segment_columns
from chaindesk.testkit.html import headers as _headers
from chaindesk.testkit.html import login as _client
from chaindesk.testkit.html import rows as _rows
from chaindesk.testkit.html import table as _table

from .factories import other_chain, ours_enterprise, ours_small_tree

pytestmark = pytest.mark.django_db

LIST = "/chains/"
# 测试甲链's tree once ours_small_tree is added, in tree order: the world's node first (sort order 0).
TREE_ORDER = ["测试甲链环节", "测试上游", "测试环节甲", "测试环节乙", "测试环节乙一", "测试中游"]


def test_chain_list_headers_and_rows_come_from_chains(personas):
    other = other_chain(personas, "另设产业链")  # a third chain, which the keyword 测试 leaves out
    client = _client(personas.liaison)  # a liaison sees every chain
    html = client.get(LIST).content.decode()
    table = _table(html, "chain-table")
    assert _headers(table) == [str(c.page_label) for c in CHAINS.page_columns()]
    assert _headers(table) == ["产业链", "链长", "牵头部门", "链上企业(家)", "团队成员(人)", "图谱"]
    every = Chain.objects.count()  # ours, theirs and the other, plus the demo's chains when it is loaded
    assert len(_rows(table)) == every and every >= 3
    assert "测试甲链" in table and "测试乙链" in table and other.name in table
    assert f"共 {every} 条产业链" in html
    html = client.get(LIST, {"q": "测试"}).content.decode()
    table = _table(html, "chain-table")
    assert len(_rows(table)) == 2 and "共 2 条产业链" in html and other.name not in table
    chain = personas.ours.chain
    assert f'<a href="{reverse("chains:detail", args=[chain.pk])}">测试甲链</a>' in table
    assert f'?chain={chain.pk}">2</a>' in table  # ours and ent2
    assert f'?chain={personas.theirs.chain.pk}">1</a>' in table
    assert reverse("chains:map", args=[chain.pk]) in table
    assert 'data-testid="chain-filters"' in html and 'name="q"' in html


def test_chain_list_keyword_filter_and_sorts(personas):
    client = _client(personas.liaison)
    page = client.get(LIST, {"q": "甲链"})
    assert [c.name for c in page.context["rows"]] == ["测试甲链"]
    assert page.context["filters"] == {"q": "甲链"}
    by_size = client.get(LIST, {"q": "测试", "sort": "enterprises"}).context
    assert [(c.name, c.n_enterprises) for c in by_size["rows"]] == [("测试乙链", 1), ("测试甲链", 2)]
    by_size = client.get(LIST, {"q": "测试", "sort": "-enterprises"}).context
    assert [(c.name, c.n_enterprises) for c in by_size["rows"]] == [("测试甲链", 2), ("测试乙链", 1)]
    assert by_size["sort"] == "-enterprises"
    by_team = client.get(LIST, {"q": "测试", "sort": "team"}).context
    assert [(c.name, c.n_team) for c in by_team["rows"]] == [("测试乙链", 1), ("测试甲链", 2)]
    assert '<th class="num" aria-sort="descending">' in client.get(LIST, {"sort": "-enterprises"}).content.decode()
    # Unknown sorts keep the chains' own order (sort order, then code: p_ours before p_theirs); out-of-shape
    # values never fail.
    plain = client.get(LIST, {"q": "测试", "sort": "'; drop", "page": "x9"})
    assert plain.status_code == 200 and plain.context["sort"] == ""
    assert [c.pk for c in plain.context["rows"]] == [personas.ours.chain.pk, personas.theirs.chain.pk]
    assert [c.name for c in client.get(LIST, {"q": "\x00甲链"}).context["rows"]] == ["测试甲链"]


def test_chain_list_filtered_to_nothing_says_so(personas):
    html = _client(personas.liaison).get(LIST, {"q": "没有这条链"}).content.decode()
    assert "没有符合条件的产业链。" in html and 'data-testid="chain-table"' not in html


def test_chain_list_reads_the_chains_in_one_query(personas):
    client = _client(personas.liaison)
    client.get(LIST)
    with CaptureQueriesContext(connection) as ctx:
        client.get(LIST, {"q": "链", "sort": "team"})
    assert len(ctx.captured_queries) == 3  # session, user, the chains with their counts (no COUNT: paged in memory)


def test_chain_list_filters_parse_through_the_declaration():
    assert CHAINS.parse({"q": "  生物\x00 "}) == {"q": "生物"}
    assert CHAINS.parse({"q": ""}) == {"q": None}


def test_map_tables_come_from_segments(personas):
    chain = personas.ours.chain
    t = ours_small_tree(personas)
    ours_enterprise(personas, t["a"], quals=("lianzhu",))
    html = _client(personas.chief).get(reverse("chains:map", args=[chain.pk])).content.decode()
    nodes = _table(html, "node-table")
    counters = [str(c.label) for c in extensions.node_counters()]
    assert _headers(nodes) == ["环节", "本地企业(家)", "链主企业(家)", *counters, "评级", "原因", "企业"]
    assert _headers(nodes) == [str(c.page_label) for c in segment_columns(NODE_TABLE)]
    assert 'href="?sort=rating"' in nodes and 'data-testid="node-link"' in nodes
    assert len(_rows(nodes)) == len(TREE_ORDER)
    targets = _table(html, "target-table")
    assert _headers(targets) == [str(c.page_label) for c in segment_columns(TARGET_TABLE)]
    assert _headers(targets) == ["环节", "评级", "原因", "本地企业(家)", "规上企业(家)"]
    assert "?sort=" not in targets  # the 补链 list is not sortable
    # 测试甲链环节 (ours reported 12,000 万元) and 测试上游 / 甲 (a 链主) are strong; the other three hold nobody.
    missing = ["测试上游 / 测试环节乙", "测试上游 / 测试环节乙 / 测试环节乙一", "测试中游"]
    assert len(_rows(targets)) == len(missing)
    assert all(path in targets for path in missing)
    assert "测试环节甲" not in targets and "测试甲链环节" not in targets


def test_map_sort_keys_are_the_declared_ones(personas):
    chain = personas.ours.chain
    ours_small_tree(personas)
    client = _client(personas.chief)
    url = reverse("chains:map", args=[chain.pk])
    for key in SEGMENTS.sorts:
        assert client.get(url, {"sort": f"-{key}"}).context["sort"] == f"-{key}"
    response = client.get(url, {"sort": "n_own"})
    assert response.context["sort"] == "" and [s.name for s in response.context["rows"]] == TREE_ORDER


def test_gaps_ledger_headers_and_rows_come_from_segments(personas):
    chain = personas.ours.chain
    t = ours_small_tree(personas)
    ours_enterprise(personas, t["a"], revenue=100)
    response = _client(personas.chief).get(reverse("chains:gaps_export", args=[chain.pk]))
    assert response["Content-Disposition"].endswith(".xlsx")
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r[0] == "序号")
    assert list(rows[header_at]) == [str(c.label) for c in SEGMENTS.export_columns()]
    assert list(rows[header_at]) == ["序号", "环节", "评级", "原因", "本地企业(家)", "规上企业(家)", "链主企业(家)"]
    assert any("规模门槛" in str(r[0]) for r in rows[:header_at])  # the rating's size line as a note
    # 甲's one enterprise reported 100 万元, under the 2,000 万元 line: 测试上游 is weak, first of the targets.
    assert list(rows[header_at + 1]) == [1, "测试上游", "弱", "有 1 家企业，均未达到规模门槛", 1, 0, 0]
    # The targets: 测试上游, 甲 (weak), 乙, 乙一, 测试中游 (missing); 测试甲链环节 is strong.
    assert len(rows) - header_at - 1 == 5
