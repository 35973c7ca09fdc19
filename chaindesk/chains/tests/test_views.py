import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from chaindesk.chains import extensions
from chaindesk.chains.models import ChainNode
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.rollups import engine as rollup_engine

from .factories import ours_enterprise, ours_node, ours_small_tree

pytestmark = pytest.mark.django_db


def _urls(chain, nd):
    return {
        "map": reverse("chains:map", args=[chain.pk]),
        "panel": reverse("chains:node_panel", args=[chain.pk, nd.pk]),
        "export": reverse("chains:gaps_export", args=[chain.pk]),
        "edit": reverse("chains:nodes_edit", args=[chain.pk]),
    }


@pytest.mark.parametrize("name", ["map", "panel", "export", "edit"])
def test_anonymous_goes_to_login(client, personas, name):
    url = _urls(personas.ours.chain, ours_small_tree(personas)["a"])[name]
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", ["map", "panel", "export", "edit"])
@pytest.mark.parametrize("key", ["handler", "ent_user", "sysadmin", "auditor"])
def test_wrong_role_is_403(client, personas, name, key):
    url = _urls(personas.ours.chain, ours_small_tree(personas)["a"])[name]
    client.force_login(personas.user(key))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("name", ["map", "panel", "export", "edit"])
def test_out_of_scope_chain_is_404(client, personas, name):
    chain = personas.ours.chain
    url = _urls(chain, ours_small_tree(personas)["a"])[name]
    client.force_login(personas.x_chief)
    assert client.get(url).status_code == 404
    assert AuditLog.objects.filter(
        action=AuditAction.PERMISSION_DENIED, object_id=str(chain.pk), actor=personas.x_chief
    ).exists()


def test_chief_cannot_see_another_chain(client, personas):
    client.force_login(personas.chief)
    assert client.get(reverse("chains:map", args=[personas.theirs.chain.pk])).status_code == 404


def test_node_of_another_chain_is_404(client, personas):
    foreign = personas.theirs.node  # a node of 测试乙链
    client.force_login(personas.chief)
    url = reverse("chains:node_panel", args=[personas.ours.chain.pk, foreign.pk])
    assert client.get(url).status_code == 404


def test_map_in_scope_shows_chart_table_rules_and_targets(client, personas):
    chain = personas.ours.chain
    t = ours_small_tree(personas)
    ours_enterprise(personas, t["a"], quals=("lianzhu",))
    client.force_login(personas.chief)
    response = client.get(reverse("chains:map", args=[chain.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-chart="chain-map-data"' in html and 'id="chain-map-data"' in html
    assert "测试环节乙一" in html and "评级规则" in html and "2,000 万元" in html
    assert f"/enterprises/?node={t['a'].pk}" in html
    assert "编辑环节" in html
    targets = [s.name for s in response.context["targets"]]
    # 甲 holds a 链主 (strong), so does 测试上游 above it; 乙, 乙一 and 测试中游 hold nobody (missing).
    assert targets == ["测试环节乙", "测试环节乙一", "测试中游"]


def test_liaison_reads_the_map_but_cannot_edit(client, personas):
    chain = personas.ours.chain
    ours_small_tree(personas)
    client.force_login(personas.liaison)
    response = client.get(reverse("chains:map", args=[chain.pk]))
    assert response.status_code == 200 and not response.context["can_edit"]
    assert client.get(reverse("chains:nodes_edit", args=[chain.pk])).status_code == 403


def test_map_sorts_by_rating_and_count(client, personas):
    chain = personas.ours.chain
    t = ours_small_tree(personas)
    ours_enterprise(personas, t["a"], revenue=3000)
    client.force_login(personas.chief)
    rows = client.get(reverse("chains:map", args=[chain.pk]), {"sort": "-rating"}).context["rows"]
    assert rows[0].rating == "strong" and rows[-1].rating == "missing"
    # strong first (ties keep tree order), then the missing ones
    assert [r.name for r in rows] == [
        personas.ours.node.name,  # 测试甲链环节: the world's two enterprises, ours above the threshold
        "测试上游",
        "测试环节甲",
        "测试环节乙",
        "测试环节乙一",
        "测试中游",
    ]
    rows = client.get(reverse("chains:map", args=[chain.pk]), {"sort": "-enterprises"}).context["rows"]
    assert rows[0].n_enterprises >= rows[-1].n_enterprises
    assert [(r.name, r.n_enterprises) for r in rows[:3]] == [
        (personas.ours.node.name, 2),  # the world's ours.enterprise and ent2
        ("测试上游", 1),
        ("测试环节甲", 1),
    ]


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


def test_map_and_panel_query_counts_do_not_grow(client, personas):
    chain = personas.ours.chain
    t = ours_small_tree(personas)
    client.force_login(personas.chief)
    map_url = reverse("chains:map", args=[chain.pk])
    panel_url = reverse("chains:node_panel", args=[chain.pk, t["up"].pk])
    ours_enterprise(personas, t["a"], quals=("lianzhu",))
    rollup_engine.flush()
    client.get(map_url)  # the first request of a session also refreshes it
    small_map = _count_queries(client, map_url)
    small_panel = _count_queries(client, panel_url, headers={"HX-Request": "true"})
    for i in range(25):
        extra = ours_node(personas, f"测试批量{i}", t["a"])
        ours_enterprise(personas, extra, quals=("lianzhu", "gsgy"), revenue=i * 100)
    rollup_engine.flush()  # what the writes' commits do (a test's transaction never commits)
    assert _count_queries(client, map_url) == small_map == MAP_QUERIES
    assert _count_queries(client, panel_url, headers={"HX-Request": "true"}) == small_panel == PANEL_QUERIES


def test_panel_lists_visible_enterprises_of_the_subtree(client, personas):
    chain = personas.ours.chain
    t = ours_small_tree(personas)
    ent = ours_enterprise(personas, t["b1"], quals=("lianzhu",))
    panel_url = reverse("chains:node_panel", args=[chain.pk, t["up"].pk])
    client.force_login(personas.chief)
    response = client.get(panel_url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert ent.name in html and "链主企业" in html and "<html" not in html
    assert personas.ours.enterprise.name not in html  # on 测试甲链环节, outside this subtree
    full = client.get(panel_url)
    assert "<html" in full.content.decode()
    # A liaison sees only the enterprises they serve: ours_enterprise has no liaison.
    client.force_login(personas.liaison)
    as_liaison = client.get(panel_url)
    assert as_liaison.status_code == 200 and ent.name not in as_liaison.content.decode()


def test_export_matches_the_target_list_and_is_audited(client, personas):
    chain = personas.ours.chain
    t = ours_small_tree(personas)
    ours_enterprise(personas, t["a"], revenue=100)
    client.force_login(personas.chief)
    response = client.get(reverse("chains:gaps_export", args=[chain.pk]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "测试甲链产业链补链目标清单"
    header_at = next(i for i, r in enumerate(rows) if r[0] == "序号")
    assert rows[header_at][4] == "本地企业(家)"
    assert ws.freeze_panes == f"A{header_at + 2}"
    data = [r for r in rows[header_at + 1 :]]
    # 测试甲链环节 is strong (ours.enterprise reported 12,000 万元), so not a target; 甲's one enterprise is under
    # the 2,000 万元 line, so 甲 and 测试上游 are weak; 乙, 乙一 and 测试中游 hold nobody.
    weak, missing = "有 1 家企业，均未达到规模门槛", "无本地企业"
    assert [(r[1], r[2], r[3]) for r in data] == [
        ("测试上游", "弱", weak),
        ("测试上游 / 测试环节甲", "弱", weak),
        ("测试上游 / 测试环节乙", "缺", missing),
        ("测试上游 / 测试环节乙 / 测试环节乙一", "缺", missing),
        ("测试中游", "缺", missing),
    ]
    line = AuditLog.objects.filter(action=AuditAction.EXPORT, object_id=str(chain.pk)).get()
    assert line.actor == personas.chief


def test_edit_page_and_add_rename_move_reorder_delete(client, personas):
    chain = personas.ours.chain
    t = ours_small_tree(personas)
    client.force_login(personas.chief)
    assert client.get(reverse("chains:nodes_edit", args=[chain.pk])).status_code == 200
    r = client.post(reverse("chains:node_add", args=[chain.pk]), {"parent": t["mid"].pk, "name": "测试新增"})
    assert r.status_code == 302
    added = ChainNode.objects.get(name="测试新增")
    assert added.parent == t["mid"]
    client.post(reverse("chains:node_rename", args=[chain.pk, added.pk]), {"name": "测试新增改"})
    added.refresh_from_db()
    assert added.name == "测试新增改"
    client.post(reverse("chains:node_move", args=[chain.pk, added.pk]), {"new_parent": t["up"].pk})
    added.refresh_from_db()
    assert added.parent == t["up"]
    client.post(reverse("chains:node_reorder", args=[chain.pk, added.pk]), {"direction": "up"})
    added.refresh_from_db()
    assert added.sort_order == 1
    client.post(reverse("chains:node_delete", args=[chain.pk, added.pk]))
    assert not ChainNode.objects.filter(pk=added.pk).exists()


def test_edit_refusals_are_shown_in_chinese_and_change_nothing(client, personas):
    chain = personas.ours.chain
    t = ours_small_tree(personas)
    ours_enterprise(personas, t["a"])
    client.force_login(personas.chief)
    r = client.post(reverse("chains:node_delete", args=[chain.pk, t["a"].pk]), follow=True)
    assert "该环节下有 1 家企业，不能删除" in r.content.decode()
    assert ChainNode.objects.filter(pk=t["a"].pk).exists()
    r = client.post(reverse("chains:node_move", args=[chain.pk, t["b"].pk]), {"new_parent": t["b1"].pk}, follow=True)
    assert "不能把环节移动到它自己或它的下级环节之下" in r.content.decode()
    t["b"].refresh_from_db()
    assert t["b"].parent == t["up"]
    r = client.post(reverse("chains:node_add", args=[chain.pk]), {"parent": t["up"].pk, "name": "测试环节甲"})
    assert r.status_code == 400 and "已有名为" in r.content.decode()
    assert 'value="测试环节甲"' in r.content.decode()
    r = client.post(reverse("chains:node_add", args=[chain.pk]), {"parent": "", "name": ""})
    assert r.status_code == 400 and "请填写环节名称" in r.content.decode()
    r = client.post(reverse("chains:node_rename", args=[chain.pk, t["a"].pk]), {"name": "x" * 51}, follow=True)
    assert "不能超过 50 个字" in r.content.decode()
    t["a"].refresh_from_db()
    assert t["a"].name == "测试环节甲"
    assert ChainNode.objects.filter(chain=chain, name="测试环节甲").count() == 1
    assert client.get(reverse("chains:node_add", args=[chain.pk])).status_code == 405


def test_out_of_scope_editor_cannot_post(client, personas):
    chain = personas.ours.chain
    t = ours_small_tree(personas)
    client.force_login(personas.x_chief)
    r = client.post(reverse("chains:node_delete", args=[chain.pk, t["mid"].pk]))
    assert r.status_code == 404
    assert ChainNode.objects.filter(pk=t["mid"].pk).exists()


def test_chain_detail_links_to_the_map(client, personas):
    chain = personas.ours.chain
    client.force_login(personas.chief)
    html = client.get(reverse("chains:detail", args=[chain.pk])).content.decode()
    assert reverse("chains:map", args=[chain.pk]) in html


def test_edit_page_query_count_does_not_grow(client, personas):
    chain = personas.ours.chain
    t = ours_small_tree(personas)
    client.force_login(personas.chief)
    url = reverse("chains:nodes_edit", args=[chain.pk])
    client.get(url)
    before = _count_queries(client, url)
    for i in range(20):
        ours_enterprise(personas, ours_node(personas, f"测试批量{i}", t["b"]))
    rollup_engine.flush()  # what the writes' commits do (a test's transaction never commits)
    assert _count_queries(client, url) == before == MAP_QUERIES  # same reads as the map
