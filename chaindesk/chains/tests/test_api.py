"""Chains in the JSON API: one chain as its page and map show it, its segments, and the team's tree edits through
the same services as the 编辑环节 page (403 for a role or a reader the page refuses, 404 out of scope, 422 with
the Chinese message, the audit line written), and a read-only token that cannot edit.

On the fixed personas' world (chaindesk/testkit/personas.py): 测试甲链's team is `p_chief` (链长) and `p_member`; its
one segment 测试甲链环节 holds our enterprise and `ent2`; `p_liaison` and `p_district` see every chain but are on no
team; `p_x_chief` sees 测试乙链 only."""

import datetime as dt
import json
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from chaindesk.accounts.models import User
from chaindesk.api import services as api_services
from chaindesk.chains import services
from chaindesk.chains.models import ChainNode
from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.testkit.personas import Personas

pytestmark = pytest.mark.django_db


def login(user: User | None) -> Client:
    assert user is not None
    client = Client()
    client.force_login(user)
    return client


def send(client: Client, method: str, path: str, payload: Any = None) -> Any:
    body = json.dumps(payload if payload is not None else {})
    return client.generic(method, path, body, content_type="application/json")


def audited(model: type, pk: int, action: str, actor: User) -> bool:
    kind = ContentType.objects.get_for_model(model)
    return AuditLog.objects.filter(content_type=kind, object_id=str(pk), action=action, actor=actor).exists()


def base(p: Personas) -> str:
    return f"/api/chains/{p.ours.chain.pk}"


# --- reading --------------------------------------------------------------------------------------------------


def test_chain_as_its_page_and_map_show_it(personas: Personas) -> None:
    response = login(personas.chief).get(base(personas))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "测试甲链" and body["chief"]["name"] == "测试链长"
    assert body["lead_department"]["short_name"] == "测试甲局"
    assert [r["name"] for r in body["regions"]] == ["测试甲区"]
    assert [(m["name"], m["team_role"]) for m in body["team"]] == [("测试链长", "chief"), ("测试成员", "lead")]
    assert body["team"][1]["unit"] == "测试甲局"
    (node,) = body["nodes"]
    assert node["name"] == "测试甲链环节" and node["parent_id"] is None and node["depth"] == 0
    assert node["n_enterprises"] == 2 and node["rating"] in ("strong", "weak")
    assert body["gap_summary"]["strong"] + body["gap_summary"]["weak"] == 1 and body["gap_summary"]["rules"]
    assert body["may_edit_nodes"] is True
    assert login(personas.liaison).get(base(personas)).json()["may_edit_nodes"] is False


@pytest.mark.parametrize("key", ["handler", "ent_user", "sysadmin", "auditor"])
def test_a_role_the_pages_refuse_is_403(personas: Personas, key: str) -> None:
    response = login(personas.user(key)).get(base(personas))
    assert response.status_code == 403 and response["Content-Type"] == "application/problem+json"


def test_out_of_scope_or_missing_is_404(personas: Personas) -> None:
    assert login(personas.x_chief).get(base(personas)).status_code == 404
    assert login(personas.chief).get("/api/chains/987654321").status_code == 404
    assert login(personas.x_chief).get(f"{base(personas)}/nodes").status_code == 404


def test_segments_in_tree_order_and_sorted(personas: Personas) -> None:
    chain, member = personas.ours.chain, personas.member
    child = services.node_add(chain=chain, parent=personas.ours.node, name="测试空环节", actor=member)
    client = login(personas.chief)
    rows = client.get(f"{base(personas)}/nodes").json()
    assert [(r["name"], r["depth"], r["parent_id"]) for r in rows] == [
        ("测试甲链环节", 0, None),
        ("测试空环节", 1, personas.ours.node.pk),
    ]
    assert rows[1]["rating"] == "missing" and rows[1]["path"] == "测试甲链环节 / 测试空环节"
    rows = client.get(f"{base(personas)}/nodes?sort=rating").json()
    assert rows[0]["id"] == child.pk  # 缺 first
    detail = client.get(base(personas)).json()
    assert [g["id"] for g in detail["gaps"]][-1] == child.pk and detail["gap_summary"]["missing"] == 1


def test_detail_query_count_is_pinned(personas: Personas, django_assert_num_queries: Any) -> None:
    client = login(personas.chief)
    assert client.get(base(personas)).status_code == 200
    with django_assert_num_queries(10):  # session, user, chain, regions, team, nodes, placements, 2 counters, edit
        assert client.get(base(personas)).status_code == 200


# --- editing the tree -------------------------------------------------------------------------------------------


def test_team_adds_a_segment_audited(personas: Personas) -> None:
    parent = personas.ours.node
    response = send(
        login(personas.member), "POST", f"{base(personas)}/nodes", {"name": " 原料药 ", "parent_id": parent.pk}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "原料药" and body["parent_id"] == parent.pk and body["rating"] == "missing"
    assert audited(ChainNode, body["id"], AuditAction.CREATE, personas.member)


@pytest.mark.parametrize(("key", "status"), [("liaison", 403), ("district", 403), ("x_chief", 404), ("ent_user", 403)])
def test_adding_is_for_the_team_only(personas: Personas, key: str, status: int) -> None:
    before = ChainNode.objects.count()
    response = send(login(personas.user(key)), "POST", f"{base(personas)}/nodes", {"name": "越权环节"})
    assert response.status_code == status
    assert ChainNode.objects.count() == before


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"name": "  "}, "name", "请填写环节名称。"),
        ({"name": "测试甲链环节"}, "name", "同一上级环节下已有名为“测试甲链环节”的环节。"),
        ({"name": "很" * 51}, "name", "环节名称不能超过 50 个字。"),
        ({"name": "外链下级", "parent_id": -1}, "parent_id", "请选择有效的上级环节。"),
    ],
)
def test_bad_segment_is_422_in_chinese(personas: Personas, payload: dict[str, Any], field: str, message: str) -> None:
    before = ChainNode.objects.count()
    response = send(login(personas.member), "POST", f"{base(personas)}/nodes", payload)
    assert response.status_code == 422, response.content
    body = response.json()
    assert message in body["detail"] and body["errors"][0]["field"] == field
    assert ChainNode.objects.count() == before


def test_a_parent_of_another_chain_is_422(personas: Personas) -> None:
    response = send(
        login(personas.member),
        "POST",
        f"{base(personas)}/nodes",
        {"name": "外链下级", "parent_id": personas.theirs.node.pk},
    )
    assert response.status_code == 422 and "请选择有效的上级环节" in response.json()["detail"]


def test_rename_and_move_together_or_not_at_all(personas: Personas) -> None:
    chain, member = personas.ours.chain, personas.member
    top = services.node_add(chain=chain, parent=None, name="测试下游", actor=member)
    leaf = services.node_add(chain=chain, parent=personas.ours.node, name="测试制剂", actor=member)
    client = login(personas.member)
    url = f"{base(personas)}/nodes/{leaf.pk}"
    response = send(client, "PATCH", url, {"name": "测试制剂二", "parent_id": top.pk})
    assert response.status_code == 200, response.content
    assert response.json()["path"] == "测试下游 / 测试制剂二"
    assert audited(ChainNode, leaf.pk, AuditAction.UPDATE, member)
    # moving a segment under its own child is refused, and the rename with it is rolled back
    response = send(client, "PATCH", f"{base(personas)}/nodes/{top.pk}", {"name": "改名不生效", "parent_id": leaf.pk})
    assert response.status_code == 422 and "不能把环节移动到它自己或它的下级环节之下" in response.json()["detail"]
    assert ChainNode.objects.get(pk=top.pk).name == "测试下游"
    response = send(client, "PATCH", url, {"parent_id": None})
    assert response.status_code == 200 and response.json()["depth"] == 0


def test_reorder_among_siblings(personas: Personas) -> None:
    chain, member = personas.ours.chain, personas.member
    second = services.node_add(chain=chain, parent=None, name="测试第二", actor=member)
    response = send(login(member), "POST", f"{base(personas)}/nodes/{second.pk}/reorder", {"direction": "up"})
    assert response.status_code == 200, response.content
    assert [r["name"] for r in response.json() if r["depth"] == 0] == ["测试第二", "测试甲链环节"]
    bad = send(login(member), "POST", f"{base(personas)}/nodes/{second.pk}/reorder", {"direction": "left"})
    assert bad.status_code == 422


def test_delete_a_leaf_or_the_reason_why_not(personas: Personas) -> None:
    chain, member = personas.ours.chain, personas.member
    leaf = services.node_add(chain=chain, parent=None, name="测试待删", actor=member)
    client = login(member)
    refused = send(client, "DELETE", f"{base(personas)}/nodes/{personas.ours.node.pk}")
    assert refused.status_code == 422
    assert "不能删除“测试甲链环节”：该环节下有 2 家企业，不能删除。" in refused.json()["detail"]
    assert send(client, "DELETE", f"{base(personas)}/nodes/{leaf.pk}").status_code == 204
    assert not ChainNode.objects.filter(pk=leaf.pk).exists()
    assert audited(ChainNode, leaf.pk, AuditAction.DELETE, member)
    assert send(client, "DELETE", f"{base(personas)}/nodes/{personas.theirs.node.pk}").status_code == 404


def test_a_read_token_reads_but_cannot_edit(personas: Personas) -> None:
    _token, secret = api_services.token_create(
        actor=personas.sysadmin,
        user=personas.member,
        name="测试只读令牌",
        scopes={"chains": "read"},
        expires_at=clock.now() + dt.timedelta(days=30),
    )
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {secret}"})
    assert client.get(base(personas)).status_code == 200
    before = ChainNode.objects.count()
    response = send(client, "POST", f"{base(personas)}/nodes", {"name": "令牌环节"})
    assert response.status_code == 403 and "只读" in response.json()["detail"]
    assert ChainNode.objects.count() == before


def test_anonymous_is_401(client: Client, personas: Personas) -> None:
    assert client.get(base(personas)).status_code == 401
    assert send(client, "POST", f"{base(personas)}/nodes", {"name": "x"}).status_code == 401
