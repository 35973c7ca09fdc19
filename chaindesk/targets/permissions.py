"""Who reads and who sets the annual targets.

Reading: chain chiefs and their teams (their chains' targets, and every region's and department's: the city's
and the rankings), district administrators (their district's and the districts below), department handlers
(their department's); see `Target.scope_paths`.

Setting: a chain's targets by its chief and team; a region's (the city's or a district's) by a city leader or
the administrator of that district or one above it; a department's by a city leader or the department's
handlers. The thresholds of the lights are the city leaders'."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from chaindesk.accounts.choices import Role
from chaindesk.core.scope import scope_of

from .choices import Owner

TARGET_VIEWERS = frozenset({Role.CITY_LEADER, Role.TEAM_MEMBER, Role.DISTRICT_ADMIN, Role.DEPT_HANDLER})


def may_set(user: Any, owner: str, owner_id: int | None) -> bool:
    """Whether the user may set this owner's targets."""
    if not getattr(user, "is_authenticated", False) or owner_id is None:
        return False
    role = user.role
    if owner == Owner.CHAIN:
        return role in (Role.CITY_LEADER, Role.TEAM_MEMBER) and owner_id in scope_of(user).team_chains
    if owner == Owner.REGION:
        return role == Role.CITY_LEADER or (role == Role.DISTRICT_ADMIN and owner_id in scope_of(user).district_regions)
    if owner == Owner.DEPARTMENT:
        return role == Role.CITY_LEADER or (role == Role.DEPT_HANDLER and owner_id == user.department_id)
    return False


def may_set_any(user: Any) -> bool:
    """Whether the page offers the user a way to enter targets at all."""
    return bool(getattr(user, "is_authenticated", False) and user.role in TARGET_VIEWERS)


def may_edit_rule(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.role == Role.CITY_LEADER)


def refusal(owner: str) -> PermissionDenied:
    messages = {
        Owner.CHAIN: _("只能填报您所在产业链的年度目标。"),
        Owner.REGION: _("只能填报您所辖地区的年度目标。"),
        Owner.DEPARTMENT: _("只能填报本部门的年度目标。"),
    }
    return PermissionDenied(messages.get(Owner(owner), _("您无权填报年度目标。")))
