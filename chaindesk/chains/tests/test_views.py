import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from chaindesk.chains import extensions, selectors
from chaindesk.chains.models import Chain, ChainNode
from chaindesk.core.models import AuditAction, AuditLog

from .factories import biomed, enterprise, node, small_tree

pytestmark = pytest.mark.django_db


def _urls(chain, nd):
    return {
        "map": reverse("chains:map", args=[chain.pk]),
        "panel": reverse("chains:node_panel", args=[chain.pk, nd.pk]),
        "export": reverse("chains:gaps_export", args=[chain.pk]),
        "edit": reverse("chains:nodes_edit", args=[chain.pk]),
    }


@pytest.mark.parametrize("name", ["map", "panel", "export", "edit"])
def test_anonymous_goes_to_login(client, name):
    chain = biomed()
    url = _urls(chain, small_tree(chain)["a"])[name]
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", ["map", "panel", "export", "edit"])
@pytest.mark.parametrize("username", ["chenjing", "liuyang", "sysadmin", "auditor"])
def test_wrong_role_is_403(client_as, name, username):
    chain = biomed()
    url = _urls(chain, small_tree(chain)["a"])[name]
    assert client_as(username).get(url).status_code == 403


@pytest.mark.parametrize("name", ["map", "panel", "export", "edit"])
def test_out_of_scope_chain_is_404(client_as, name):
    chain = biomed()
    url = _urls(chain, small_tree(chain)["a"])[name]
    assert client_as("lead_equip").get(url).status_code == 404
    assert AuditLog.objects.filter(action=AuditAction.PERMISSION_DENIED, object_id=str(chain.pk)).exists()


def test_jiangdd_cannot_see_the_equip_chain(client_as):
    equip = Chain.objects.exclude(code="biomed").filter(team__user__username="lead_equip").first()
    assert client_as("jiangdd").get(reverse("chains:map", args=[equip.pk])).status_code == 404


def test_node_of_another_chain_is_404(client_as):
    chain = biomed()
    other = Chain.objects.exclude(pk=chain.pk).order_by("pk")[0]
    foreign = node(other, "外链环节")
    assert client_as("jiangdd").get(reverse("chains:node_panel", args=[chain.pk, foreign.pk])).status_code == 404


def test_map_in_scope_shows_chart_table_rules_and_targets(client_as):
    chain = biomed()
    t = small_tree(chain)
    enterprise(t["a"], quals=("lianzhu",))
    response = client_as("jiangdd").get(reverse("chains:map", args=[chain.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-chart="chain-map-data"' in html and 'id="chain-map-data"' in html
    assert "测试环节乙一" in html and "评级规则" in html and "2,000 万元" in html
    assert f"/enterprises/?node={t['a'].pk}" in html
    assert "编辑环节" in html
    targets = [s.name for s in response.context["targets"]]
    assert "测试中游" in targets and "测试环节甲" not in targets


def test_liaison_reads_the_map_but_cannot_edit(client_as):
    chain = biomed()
    small_tree(chain)
    response = client_as("liming").get(reverse("chains:map", args=[chain.pk]))
    assert response.status_code == 200 and not response.context["can_edit"]
    assert client_as("liming").get(reverse("chains:nodes_edit", args=[chain.pk])).status_code == 403


def test_map_sorts_by_rating_and_count(client_as):
    chain = biomed()
    t = small_tree(chain)
    enterprise(t["a"], revenue=3000)
    c = client_as("jiangdd")
    rows = c.get(reverse("chains:map", args=[chain.pk]), {"sort": "-rating"}).context["rows"]
    assert rows[0].rating == "strong" and rows[-1].rating == "missing"
    rows = c.get(reverse("chains:map", args=[chain.pk]), {"sort": "-enterprises"}).context["rows"]
    assert rows[0].n_enterprises >= rows[-1].n_enterprises


def _count_queries(client, url, **kw):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **kw).status_code == 200
    return len(ctx.captured_queries)


# session, user, chain, team check (edit button), nodes, enterprise links, then one per counter a later app
# registers (projects, leads: chaindesk.chains.extensions)
MAP_QUERIES = 6 + len(extensions.node_counters())
PANEL_QUERIES = 7  # session, user, chain, node, subtree ids, enterprises, their qualifications


def test_map_and_panel_query_counts_do_not_grow(client_as):
    chain = biomed()
    t = small_tree(chain)
    c = client_as("jiangdd")
    map_url = reverse("chains:map", args=[chain.pk])
    panel_url = reverse("chains:node_panel", args=[chain.pk, t["up"].pk])
    enterprise(t["a"], quals=("lianzhu",))
    c.get(map_url)  # the first request of a session also refreshes it
    small_map = _count_queries(c, map_url)
    small_panel = _count_queries(c, panel_url, headers={"HX-Request": "true"})
    for i in range(25):
        extra = node(chain, f"测试批量{i}", t["a"], i)
        enterprise(extra, quals=("lianzhu", "gsgy"), revenue=i * 100)
    assert _count_queries(c, map_url) == small_map == MAP_QUERIES
    assert _count_queries(c, panel_url, headers={"HX-Request": "true"}) == small_panel == PANEL_QUERIES


def test_panel_lists_visible_enterprises_of_the_subtree(client_as):
    chain = biomed()
    t = small_tree(chain)
    ent = enterprise(t["b1"], quals=("lianzhu",))
    response = client_as("jiangdd").get(
        reverse("chains:node_panel", args=[chain.pk, t["up"].pk]), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert ent.name in html and "链主企业" in html and "<html" not in html
    full = client_as("jiangdd").get(reverse("chains:node_panel", args=[chain.pk, t["up"].pk]))
    assert "<html" in full.content.decode()
    # A liaison sees only the enterprises they serve.
    as_liaison = client_as("liming").get(reverse("chains:node_panel", args=[chain.pk, t["up"].pk]))
    assert ent.name not in as_liaison.content.decode()


def test_export_matches_the_target_list_and_is_audited(client_as, persona):
    chain = biomed()
    t = small_tree(chain)
    enterprise(t["a"], revenue=100)
    response = client_as("jiangdd").get(reverse("chains:gaps_export", args=[chain.pk]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "生物医药产业链补链目标清单"
    header_at = next(i for i, r in enumerate(rows) if r[0] == "序号")
    assert rows[header_at][4] == "本地企业(家)"
    assert ws.freeze_panes == f"A{header_at + 2}"
    data = [r for r in rows[header_at + 1 :]]
    expected = selectors.chain_tree(chain).targets()
    assert [(r[1], r[2], r[3]) for r in data] == [(s.path, s.rating_label, s.reason) for s in expected]
    assert ("测试上游 / 测试环节甲", "弱") in [(r[1], r[2]) for r in data]
    line = AuditLog.objects.filter(action=AuditAction.EXPORT, object_id=str(chain.pk)).get()
    assert line.actor == persona("jiangdd")


def test_edit_page_and_add_rename_move_reorder_delete(client_as):
    chain = biomed()
    t = small_tree(chain)
    c = client_as("jiangdd")
    assert c.get(reverse("chains:nodes_edit", args=[chain.pk])).status_code == 200
    r = c.post(reverse("chains:node_add", args=[chain.pk]), {"parent": t["mid"].pk, "name": "测试新增"})
    assert r.status_code == 302
    added = ChainNode.objects.get(name="测试新增")
    assert added.parent == t["mid"]
    c.post(reverse("chains:node_rename", args=[chain.pk, added.pk]), {"name": "测试新增改"})
    added.refresh_from_db()
    assert added.name == "测试新增改"
    c.post(reverse("chains:node_move", args=[chain.pk, added.pk]), {"new_parent": t["up"].pk})
    added.refresh_from_db()
    assert added.parent == t["up"]
    c.post(reverse("chains:node_reorder", args=[chain.pk, added.pk]), {"direction": "up"})
    added.refresh_from_db()
    assert added.sort_order == 1
    c.post(reverse("chains:node_delete", args=[chain.pk, added.pk]))
    assert not ChainNode.objects.filter(pk=added.pk).exists()


def test_edit_refusals_are_shown_in_chinese_and_change_nothing(client_as):
    chain = biomed()
    t = small_tree(chain)
    enterprise(t["a"])
    c = client_as("jiangdd")
    r = c.post(reverse("chains:node_delete", args=[chain.pk, t["a"].pk]), follow=True)
    assert "该环节下有 1 家企业，不能删除" in r.content.decode()
    assert ChainNode.objects.filter(pk=t["a"].pk).exists()
    r = c.post(reverse("chains:node_move", args=[chain.pk, t["b"].pk]), {"new_parent": t["b1"].pk}, follow=True)
    assert "不能把环节移动到它自己或它的下级环节之下" in r.content.decode()
    r = c.post(reverse("chains:node_add", args=[chain.pk]), {"parent": t["up"].pk, "name": "测试环节甲"})
    assert r.status_code == 400 and "已有名为" in r.content.decode()
    assert 'value="测试环节甲"' in r.content.decode()
    r = c.post(reverse("chains:node_add", args=[chain.pk]), {"parent": "", "name": ""})
    assert r.status_code == 400 and "请填写环节名称" in r.content.decode()
    r = c.post(reverse("chains:node_rename", args=[chain.pk, t["a"].pk]), {"name": "x" * 51}, follow=True)
    assert "不能超过 50 个字" in r.content.decode()
    assert c.get(reverse("chains:node_add", args=[chain.pk])).status_code == 405


def test_out_of_scope_editor_cannot_post(client_as):
    chain = biomed()
    t = small_tree(chain)
    r = client_as("lead_equip").post(reverse("chains:node_delete", args=[chain.pk, t["mid"].pk]))
    assert r.status_code == 404
    assert ChainNode.objects.filter(pk=t["mid"].pk).exists()


def test_chain_detail_links_to_the_map(client_as):
    chain = biomed()
    html = client_as("jiangdd").get(reverse("chains:detail", args=[chain.pk])).content.decode()
    assert reverse("chains:map", args=[chain.pk]) in html


def test_edit_page_query_count_does_not_grow(client_as):
    chain = biomed()
    t = small_tree(chain)
    c = client_as("jiangdd")
    url = reverse("chains:nodes_edit", args=[chain.pk])
    c.get(url)
    before = _count_queries(c, url)
    for i in range(20):
        enterprise(node(chain, f"测试批量{i}", t["b"], i))
    assert _count_queries(c, url) == before == MAP_QUERIES  # same reads as the map
