"""Chains in the JSON API (/api/chains/): one chain as its page and its map show it (chief, lead department, key
regions, service team, the segment tree with counts and ratings, the key segments and the 补链 targets), its
segments as the map's table (sortable), and the tree edits of the map's 编辑环节 page (add, rename, move,
reorder, delete a segment) through the same services. The list is chaindesk/api/lists.py's (GET /api/chains/).

Who may: officials read (403 for other roles, as the pages); the chain's own service team (its city leaders and
team members) edits the tree (403 for anyone else who sees the chain). 404 for a chain or segment missing or out
of scope alike; 422 with the Chinese message for a broken rule; every error as application/problem+json. Chains
themselves (chief, lead department, team) are kept by the system administrator, not through this API."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from chaindesk.accounts.choices import OFFICIALS, Role
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core.errors import ProblemOut
from chaindesk.core.visibility import get_visible_or_404

from . import gaps, selectors, services
from .models import Chain, ChainNode, TeamMember
from .schemas import ChainOut, NodeIn, NodeOut, NodePatch, NodeReorderIn
from .selectors import ChainTree, NodeStats

PREFIX = "chains"
router = Router(tags=["chains"])

EDITORS = (Role.CITY_LEADER, Role.TEAM_MEMBER)  # who opens the tree editor at all (chains/views.py)
READ = {403: ProblemOut, 404: ProblemOut}
WRITE = {403: ProblemOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut}


def _require_role(user: Any, roles: Any) -> None:
    if getattr(user, "role", None) not in roles:
        raise PermissionDenied


def _chain(request: HttpRequest, chain_id: int, roles: Any = OFFICIALS) -> Chain:
    """The chain from the reader's visible set (404 otherwise), for a role the pages let in (403 otherwise)."""
    _require_role(request.user, roles)
    visible = Chain.objects.visible_to(request.user).select_related("chief", "lead_department")
    return get_visible_or_404(visible, chain_id, user=request.user)


def _editable(request: HttpRequest, chain_id: int) -> Chain:
    """A chain whose tree the user may edit: its own team only (403 for another reader who sees it)."""
    chain = _chain(request, chain_id, EDITORS)
    if not services.can_edit_tree(chain=chain, user=request.user):
        raise PermissionDenied(_("只有本产业链服务团队成员可以编辑环节。"))
    return chain


def _node(request: HttpRequest, chain: Chain, node_id: int) -> ChainNode:
    visible = ChainNode.objects.filter(chain=chain).select_related("chain", "parent")
    return get_visible_or_404(visible, node_id, user=request.user)


def _parent(chain: Chain, parent_id: int | None, message: str) -> ChainNode | None:
    """A segment of `chain` named in the body (None for the top level); 422 when it is not one of the chain's."""
    if parent_id is None:
        return None
    parent = ChainNode.objects.filter(chain=chain, pk=parent_id).select_related("chain").first()
    if parent is None:
        raise ValidationError({"parent_id": message})
    return parent


def node_row(item: NodeStats) -> dict[str, Any]:
    node = item.node
    return {
        "id": node.pk,
        "parent_id": node.parent_id,
        "depth": item.depth,
        "name": node.name,
        "path": item.path,
        "description": node.description,
        "is_key": node.is_key,
        "sort_order": node.sort_order,
        "rating": item.rating,
        "rating_label": item.rating_label,
        "reason": item.reason,
        "n_own": item.n_own,
        "n_enterprises": item.n_enterprises,
        "n_scale": item.n_scale,
        "n_lianzhu": item.n_lianzhu,
        "counters": dict(item.extra),
    }


def _team(chain: Chain) -> list[dict[str, Any]]:
    members = TeamMember.objects.filter(chain=chain).select_related("user", "user__department", "user__region")
    rows = []
    for member in members:
        user = member.user
        department, region = user.department, user.region
        unit = department.short_name if department is not None else (region.name if region is not None else "")
        rows.append(
            {
                "user_id": user.pk,
                "name": str(user),
                "team_role": member.team_role,
                "team_role_label": str(member.get_team_role_display()),
                "title": user.title,
                "unit": unit,
            }
        )
    return rows


def _chain_out(request: HttpRequest, chain: Chain, tree: ChainTree) -> dict[str, Any]:
    rows = [node_row(item) for item in tree.walk()]
    chief, department = chain.chief, chain.lead_department
    return {
        "id": chain.pk,
        "code": chain.code,
        "name": chain.name,
        "description": chain.description,
        "chief": {"id": chief.pk, "name": str(chief), "title": chief.title},
        "lead_department": {"id": department.pk, "name": department.name, "short_name": department.short_name},
        "regions": [{"id": r.pk, "code": r.code, "name": r.name} for r in chain.regions.order_by("code")],
        "team": _team(chain),
        "nodes": rows,
        "key_node_ids": [row["id"] for row in rows if row["is_key"]],
        "gaps": [node_row(item) for item in tree.targets()],
        "gap_summary": {
            **tree.summary(),
            "rules": [sentence for _value, _label, sentence in gaps.rules()],
            "threshold": gaps.threshold_text(),
        },
        "may_edit_nodes": services.can_edit_tree(chain=chain, user=request.user),
    }


def _node_out(chain: Chain, node_id: int) -> dict[str, Any]:
    """The segment as it now stands in its chain's tree (its counts and rating with it)."""
    return node_row(selectors.chain_tree(chain).by_pk[node_id])


@router.get("/{chain_id}", response={200: ChainOut, **READ})
def get_chain(request: HttpRequest, chain_id: int) -> Any:
    """One chain as its page and its map show it: officials who see the chain (403 for other roles)."""
    chain = _chain(request, chain_id)
    return 200, _chain_out(request, chain, selectors.chain_tree(chain))


@router.get("/{chain_id}/nodes", response={200: list[NodeOut], **READ})
def list_chain_nodes(request: HttpRequest, chain_id: int, sort: str = "") -> Any:
    """The chain's segments as the map's 环节列表: in tree order, or sorted by `sort` (name, enterprises, lianzhu,
    rating; `-key` descending; an unknown key keeps the tree order)."""
    chain = _chain(request, chain_id)
    rows, _sort = selectors.chain_tree(chain).sorted(sort)
    return 200, [node_row(item) for item in rows]


@router.post("/{chain_id}/nodes", response={201: NodeOut, **WRITE})
def add_chain_node(request: AuthedRequest, chain_id: int, payload: NodeIn) -> Any:
    """新增环节 under `parent_id` (or at the top level), last among its siblings: the chain's team only."""
    chain = _editable(request, chain_id)
    parent = _parent(chain, payload.parent_id, _("请选择有效的上级环节。"))
    node = services.node_add(chain=chain, parent=parent, name=payload.name, actor=request.user)
    return 201, _node_out(chain, node.pk)


@router.patch("/{chain_id}/nodes/{node_id}", response={200: NodeOut, **WRITE})
def update_chain_node(request: AuthedRequest, chain_id: int, node_id: int, payload: NodePatch) -> Any:
    """重命名 (name) and/or 移动 (parent_id; null: to the top level), all or nothing: the chain's team only."""
    chain = _editable(request, chain_id)
    node = _node(request, chain, node_id)
    given = payload.model_fields_set
    with transaction.atomic():
        if "name" in given:
            services.node_rename(node=node, name=payload.name or "", actor=request.user)
        if "parent_id" in given:
            parent = _parent(chain, payload.parent_id, _("请选择有效的目标上级环节。"))
            services.node_move(node=node, new_parent=parent, actor=request.user)
    return 200, _node_out(chain, node.pk)


@router.post("/{chain_id}/nodes/{node_id}/reorder", response={200: list[NodeOut], **WRITE})
def reorder_chain_node(request: AuthedRequest, chain_id: int, node_id: int, payload: NodeReorderIn) -> Any:
    """上移 / 下移 (direction) or to a place among its siblings (position); answers the whole tree in order."""
    chain = _editable(request, chain_id)
    node = _node(request, chain, node_id)
    services.node_reorder(node=node, actor=request.user, direction=payload.direction, position=payload.position)
    return 200, [node_row(item) for item in selectors.chain_tree(chain).walk()]


@router.delete("/{chain_id}/nodes/{node_id}", response={204: None, **WRITE})
def delete_chain_node(request: AuthedRequest, chain_id: int, node_id: int) -> Any:
    """删除 an unused leaf segment (422 with the reason when it has segments or enterprises below it)."""
    chain = _editable(request, chain_id)
    node = _node(request, chain, node_id)
    name = node.name
    try:
        services.node_delete(node=node, actor=request.user)
    except ValidationError as error:
        lead = _("不能删除“%(name)s”：") % {"name": name}
        raise ValidationError(lead + "；".join(error.messages), code=error.code) from error
    return 204, None
