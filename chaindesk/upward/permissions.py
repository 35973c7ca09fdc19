"""Who may write items sought from higher levels (上争事项): city leaders and team members for items on their
chains, department handlers for their own department's items, district admins for items located in their
district. Liaisons read only; what anyone reads is UpwardRequest.objects.visible_to."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from chaindesk.accounts.choices import Role
from chaindesk.core.scope import scope_of

from .models import UpwardRequest

WRITER_ROLES = frozenset({Role.CITY_LEADER, Role.TEAM_MEMBER, Role.DEPT_HANDLER, Role.DISTRICT_ADMIN})


def may_create(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.role in WRITER_ROLES)


def in_scope(user: Any, *, chain_id: int | None, department_id: int | None, region_id: int | None) -> bool:
    """Whether an item on this chain, of this department, in this region is within the writer's reach."""
    role = user.role
    if role in (Role.CITY_LEADER, Role.TEAM_MEMBER):
        return chain_id is not None and chain_id in scope_of(user).team_chains
    if role == Role.DEPT_HANDLER:
        return department_id is not None and department_id == user.department_id
    if role == Role.DISTRICT_ADMIN:
        return region_id is not None and region_id in scope_of(user).district_regions
    return False


def can_manage(user: Any, item: UpwardRequest) -> bool:
    """Edit and move the stage of this item."""
    if not may_create(user):
        return False
    return in_scope(user, chain_id=item.chain_id, department_id=item.department_id, region_id=item.region_id)


def scope_error(user: Any) -> PermissionDenied:
    """The refusal for an item placed outside the writer's reach, saying what they may choose instead."""
    role = user.role
    if role in (Role.CITY_LEADER, Role.TEAM_MEMBER):
        return PermissionDenied(_("请选择您所在的产业链。"))
    if role == Role.DEPT_HANDLER:
        return PermissionDenied(_("部门经办人只能登记本部门负责的上争事项。"))
    if role == Role.DISTRICT_ADMIN:
        return PermissionDenied(_("请选择您所辖的地区。"))
    return PermissionDenied(_("您无权登记上争事项。"))
