"""Who may write what on the registry. The services enforce these; the views answer 403 with them.

- create: a city leader or team member, placing the enterprise in a chain they serve on; a district
  admin, locating it in their district. Liaisons do not create (enterprises are assigned to them).
- edit profile, nodes, qualifications: the above within their scope, and the enterprise's own liaison.
- indicators and contacts: everyone who may edit, plus the enterprise's own enterprise users.
- full phone numbers: the enterprise's liaison, its enterprise users and the team of its chains; others
  see them masked (138****1234), in pages and exports alike.
"""

from collections.abc import Iterable
from typing import Any

from chaindesk.accounts.choices import Role
from chaindesk.core.privacy import mask_phone as mask_phone  # re-exported for the registry views
from chaindesk.core.scope import scope_of

from .models import Enterprise

CREATOR_ROLES = {Role.CITY_LEADER, Role.TEAM_MEMBER, Role.DISTRICT_ADMIN}


def may_create(user: Any) -> bool:
    return getattr(user, "is_authenticated", False) and user.role in CREATOR_ROLES


def may_create_in(user: Any, *, region_id: int | None, chain_ids: Iterable[int]) -> bool:
    """A chain role needs one of the new enterprise's chains to be theirs; a district admin its region."""
    if not may_create(user):
        return False
    if user.role == Role.DISTRICT_ADMIN:
        return region_id in scope_of(user).district_regions
    return bool(scope_of(user).team_chains & set(chain_ids))


def may_edit(user: Any, enterprise: Enterprise) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.LIAISON:
        return enterprise.liaison_id == user.pk
    if user.role in (Role.CITY_LEADER, Role.TEAM_MEMBER, Role.DISTRICT_ADMIN):
        return Enterprise.objects.visible_to(user).filter(pk=enterprise.pk).exists()
    return False


def is_own_enterprise(user: Any, enterprise: Enterprise) -> bool:
    return user.role == Role.ENTERPRISE and enterprise.accounts.filter(user=user).exists()


def may_edit_details(user: Any, enterprise: Enterprise) -> bool:
    """Indicators and contacts."""
    return may_edit(user, enterprise) or is_own_enterprise(user, enterprise)


def sees_full_phones(user: Any, enterprise: Enterprise) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if enterprise.liaison_id == user.pk or is_own_enterprise(user, enterprise):
        return True
    chain_ids = {c.pk for c in enterprise.chains.all()}
    return bool(chain_ids & scope_of(user).team_chains)
