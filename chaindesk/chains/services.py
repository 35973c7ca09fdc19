"""Writes to a chain's node tree. Every function is keyword-only, atomic, checks the actor and is audited.

Only the chain's own service team (a TeamMember of that chain with the city_leader or team_member role)
may change its tree; anyone else gets PermissionDenied, which the views turn into 403."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from chaindesk.accounts.choices import Role
from chaindesk.core import audit
from chaindesk.core.actors import Actor
from chaindesk.core.models import AuditAction
from chaindesk.core.services import audited_create, audited_update

from .models import Chain, ChainNode, TeamMember
from .selectors import subtree_ids

EDITOR_ROLES = (Role.CITY_LEADER, Role.TEAM_MEMBER)
NAME_MAX = 50


def can_edit_tree(*, chain: Chain, user: Any) -> bool:
    """True when `user` is on the chain's service team with a role that may edit its tree."""
    if not getattr(user, "is_authenticated", False) or user.role not in EDITOR_ROLES:
        return False
    return TeamMember.objects.filter(chain=chain, user=user).exists()


def _require_editor(chain: Chain, actor: Actor) -> None:
    if not can_edit_tree(chain=chain, user=actor):
        raise PermissionDenied(_("只有本产业链服务团队成员可以编辑环节。"))


def _clean_name(name: str) -> str:
    cleaned = (name or "").strip()
    if not cleaned:
        raise ValidationError({"name": _("请填写环节名称。")})
    if len(cleaned) > NAME_MAX:
        raise ValidationError({"name": _("环节名称不能超过 %(n)d 个字。") % {"n": NAME_MAX}})
    return cleaned


def _check_unique(*, chain: Chain, parent: ChainNode | None, name: str, exclude: int | None = None) -> None:
    siblings = ChainNode.objects.filter(chain=chain, parent=parent, name=name)
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude)
    if siblings.exists():
        raise ValidationError({"name": _("同一上级环节下已有名为“%(name)s”的环节。") % {"name": name}})


def _next_order(chain: Chain, parent: ChainNode | None) -> int:
    top = ChainNode.objects.filter(chain=chain, parent=parent).aggregate(m=Max("sort_order"))["m"]
    return 0 if top is None else top + 1


@transaction.atomic
def node_add(*, chain: Chain, parent: ChainNode | None, name: str, actor: Actor, description: str = "") -> ChainNode:
    """Add a node under `parent` (None: a top-level node such as 上游), last among its siblings."""
    _require_editor(chain, actor)
    if parent is not None and parent.chain_id != chain.pk:
        raise ValidationError(_("上级环节不属于本产业链。"))
    name = _clean_name(name)
    _check_unique(chain=chain, parent=parent, name=name)
    return audited_create(
        model=ChainNode,
        actor=actor,
        chain=chain,
        parent=parent,
        name=name,
        description=description,
        sort_order=_next_order(chain, parent),
    )


@transaction.atomic
def node_rename(*, node: ChainNode, name: str, actor: Actor) -> ChainNode:
    """Give a node a new name (unique among its siblings)."""
    _require_editor(node.chain, actor)
    name = _clean_name(name)
    _check_unique(chain=node.chain, parent=node.parent, name=name, exclude=node.pk)
    return audited_update(obj=node, actor=actor, name=name)


@transaction.atomic
def node_move(*, node: ChainNode, new_parent: ChainNode | None, actor: Actor) -> ChainNode:
    """Move a node (with its subtree) under another parent of the same chain, or to the top level."""
    _require_editor(node.chain, actor)
    if new_parent is not None:
        if new_parent.chain_id != node.chain_id:
            raise ValidationError(_("不能把环节移动到其他产业链。"))
        if new_parent.pk == node.pk or new_parent.pk in subtree_ids(node):
            raise ValidationError(_("不能把环节移动到它自己或它的下级环节之下。"))
    if (new_parent.pk if new_parent else None) == node.parent_id:
        return node
    _check_unique(chain=node.chain, parent=new_parent, name=node.name, exclude=node.pk)
    return audited_update(obj=node, actor=actor, parent=new_parent, sort_order=_next_order(node.chain, new_parent))


@transaction.atomic
def node_reorder(
    *, node: ChainNode, actor: Actor, direction: str | None = None, position: int | None = None
) -> ChainNode:
    """Move a node up or down among its siblings (`direction` "up"/"down"), or to `position` (0-based).

    Siblings are renumbered 0..n-1 so the order stays dense; each changed sibling gets its audit line."""
    _require_editor(node.chain, actor)
    siblings = list(ChainNode.objects.select_for_update().filter(chain_id=node.chain_id, parent_id=node.parent_id))
    siblings.sort(key=lambda n: (n.sort_order, n.pk))
    index = next(i for i, n in enumerate(siblings) if n.pk == node.pk)
    if direction in ("up", "down"):
        target = index - 1 if direction == "up" else index + 1
    elif position is not None:
        target = position
    else:
        raise ValidationError(_("请指定上移、下移或目标位置。"))
    target = max(0, min(len(siblings) - 1, target))
    moved = siblings.pop(index)
    siblings.insert(target, moved)
    for order, sibling in enumerate(siblings):
        if sibling.sort_order != order:
            audited_update(obj=sibling, actor=actor, sort_order=order)
    node.refresh_from_db()
    return node


def delete_refusal(node: ChainNode) -> str:
    """Why the node may not be deleted, or "" when it may. Projects and leads join when their apps land."""
    n_children = node.children.count()
    if n_children:
        return _("该环节下有 %(n)d 个下级环节，不能删除。请先移走或删除下级环节。") % {"n": n_children}
    n_enterprises = node.enterprises.count()
    if n_enterprises:
        return _("该环节下有 %(n)d 家企业，不能删除。") % {"n": n_enterprises}
    return ""


@transaction.atomic
def node_delete(*, node: ChainNode, actor: Actor) -> None:
    """Delete an unused leaf node and record the deletion; a node in use is refused with the reason."""
    _require_editor(node.chain, actor)
    reason = delete_refusal(node)
    if reason:
        raise ValidationError(reason)
    before = audit.snapshot(node)
    audit.record(action=AuditAction.DELETE, actor=actor, obj=node, before=before)
    node.delete()
