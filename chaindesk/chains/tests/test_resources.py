"""The chain list, the chain map's two segment tables and the 补链 ledger come from one declaration each
(chaindesk/chains/resources.py): CHAINS and SEGMENTS."""

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from chaindesk.chains import extensions, selectors
from chaindesk.chains.models import Chain
from chaindesk.chains.resources import CHAINS, NODE_TABLE, SEGMENTS, TARGET_TABLE, segment_columns

from .factories import biomed, enterprise, small_tree

pytestmark = pytest.mark.django_db

LIST = "/chains/"


def _table(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</table>", start)]


def _headers(table: str) -> list[str]:
    """The header cells' text, without the sort arrows."""
    cells = re.findall(r"<th[^>]*>(.*?)</th>", table[: table.index("</thead>")], re.S)
    return [re.sub(r"<[^>]+>|[↑↓]", "", cell).strip() for cell in cells]


def _rows(table: str) -> list[str]:
    return re.findall(r"<tr[^>]*>(.*?)</tr>", table[table.index("<tbody>") :], re.S)


def test_chain_list_headers_and_rows_come_from_chains(client_as):
    response = client_as("liming").get(LIST)  # a liaison sees every chain
    html = response.content.decode()
    table = _table(html, "chain-table")
    assert _headers(table) == [str(c.page_label) for c in CHAINS.page_columns()]
    assert _headers(table) == ["产业链", "链长", "牵头部门", "链上企业(家)", "团队成员(人)", "图谱"]
    chains = list(Chain.objects.with_counts())
    assert len(_rows(table)) == len(chains) > 1
    chain = chains[0]
    assert f'<a href="{reverse("chains:detail", args=[chain.pk])}">{chain.name}</a>' in table
    assert f'?chain={chain.pk}">{chain.n_enterprises}</a>' in table
    assert reverse("chains:map", args=[chain.pk]) in table
    assert 'data-testid="chain-filters"' in html and 'name="q"' in html
    assert f"共 {len(chains)} 条产业链" in html


def test_chain_list_keyword_filter_and_sorts(client_as):
    client = client_as("liming")
    page = client.get(LIST, {"q": "生物"})
    assert [c.name for c in page.context["rows"]] == ["生物医药"]
    assert page.context["filters"] == {"q": "生物"}
    by_size = client.get(LIST, {"sort": "-enterprises"}).context
    counts = [c.n_enterprises for c in by_size["rows"]]
    assert counts == sorted(counts, reverse=True) and by_size["sort"] == "-enterprises"
    assert '<th class="num" aria-sort="descending">' in client.get(LIST, {"sort": "-enterprises"}).content.decode()
    # Unknown sorts keep the chains' own order; out-of-shape values never fail.
    plain = client.get(LIST, {"sort": "'; drop", "page": "x9"})
    assert plain.status_code == 200 and plain.context["sort"] == ""
    assert [c.pk for c in plain.context["rows"]] == list(Chain.objects.values_list("pk", flat=True))
    assert client.get(LIST, {"q": "\x00生物"}).context["rows"][0].name == "生物医药"


def test_chain_list_filtered_to_nothing_says_so(client_as):
    html = client_as("liming").get(LIST, {"q": "没有这条链"}).content.decode()
    assert "没有符合条件的产业链。" in html and 'data-testid="chain-table"' not in html


def test_chain_list_reads_the_chains_in_one_query(client_as):
    client = client_as("liming")
    client.get(LIST)
    with CaptureQueriesContext(connection) as ctx:
        client.get(LIST, {"q": "链", "sort": "team"})
    assert len(ctx.captured_queries) == 3  # session, user, the chains with their counts (no COUNT: paged in memory)


def test_chain_list_filters_parse_through_the_declaration():
    assert CHAINS.parse({"q": "  生物\x00 "}) == {"q": "生物"}
    assert CHAINS.parse({"q": ""}) == {"q": None}


def test_map_tables_come_from_segments(client_as):
    chain = biomed()
    t = small_tree(chain)
    enterprise(t["a"], quals=("lianzhu",))
    html = client_as("jiangdd").get(reverse("chains:map", args=[chain.pk])).content.decode()
    nodes = _table(html, "node-table")
    counters = [str(c.label) for c in extensions.node_counters()]
    assert _headers(nodes) == ["环节", "本地企业(家)", "链主企业(家)", *counters, "评级", "原因", "企业"]
    assert _headers(nodes) == [str(c.page_label) for c in segment_columns(NODE_TABLE)]
    assert 'href="?sort=rating"' in nodes and 'data-testid="node-link"' in nodes
    tree = selectors.chain_tree(chain)
    assert len(_rows(nodes)) == len(list(tree.walk()))
    targets = _table(html, "target-table")
    assert _headers(targets) == [str(c.page_label) for c in segment_columns(TARGET_TABLE)]
    assert _headers(targets) == ["环节", "评级", "原因", "本地企业(家)", "规上企业(家)"]
    assert "?sort=" not in targets  # the 补链 list is not sortable
    assert len(_rows(targets)) == len(tree.targets())
    assert all(s.path in targets for s in tree.targets())


def test_map_sort_keys_are_the_declared_ones(client_as):
    chain = biomed()
    small_tree(chain)
    client = client_as("jiangdd")
    url = reverse("chains:map", args=[chain.pk])
    for key in SEGMENTS.sorts:
        assert client.get(url, {"sort": f"-{key}"}).context["sort"] == f"-{key}"
    response = client.get(url, {"sort": "n_own"})
    tree = selectors.chain_tree(chain)
    assert response.context["sort"] == "" and [s.pk for s in response.context["rows"]] == [s.pk for s in tree.walk()]


def test_gaps_ledger_headers_and_rows_come_from_segments(client_as):
    chain = biomed()
    t = small_tree(chain)
    enterprise(t["a"], revenue=100)
    response = client_as("jiangdd").get(reverse("chains:gaps_export", args=[chain.pk]))
    assert response["Content-Disposition"].endswith(".xlsx")
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r[0] == "序号")
    assert list(rows[header_at]) == [str(c.label) for c in SEGMENTS.export_columns()]
    assert list(rows[header_at]) == ["序号", "环节", "评级", "原因", "本地企业(家)", "规上企业(家)", "链主企业(家)"]
    assert any("规模门槛" in str(r[0]) for r in rows[:header_at])  # the rating's size line as a note
    targets = selectors.chain_tree(chain).targets()
    first = targets[0]
    expected = [1, first.path, first.rating_label, first.reason, first.n_enterprises, first.n_scale, first.n_lianzhu]
    assert list(rows[header_at + 1]) == expected
    assert len(rows) - header_at - 1 == len(targets)
