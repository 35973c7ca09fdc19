"""Who may write what on projects. The services enforce these; the views answer 403 with them.

- create: a city leader or team member in a chain they serve on; a liaison (who then follows the project);
  a district admin, locating it in their district.
- manage (edit, stage changes, plans, production lines): the chain's team incl. the chief, the project's
  liaison or its enterprise's liaison, and a district admin for projects located in their district.
- report monthly investment: whoever manages, plus the owner enterprise's users.
"""

from typing import Any

from django.db.models import QuerySet

from chaindesk.accounts.choices import Role
from chaindesk.chains.models import Chain, TeamMember
from chaindesk.core.scope import scope_of

from .models import Project

CREATOR_ROLES = {Role.CITY_LEADER, Role.TEAM_MEMBER, Role.LIAISON, Role.DISTRICT_ADMIN}


def may_create(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.role in CREATOR_ROLES)


def creatable_chains(user: Any) -> QuerySet[Chain]:
    """The chains a new project may be placed on by this user."""
    if not may_create(user):
        return Chain.objects.none()
    if user.role in (Role.CITY_LEADER, Role.TEAM_MEMBER):
        return Chain.objects.filter(pk__in=TeamMember.objects.filter(user=user).values("chain_id"))
    return Chain.objects.all()


def may_create_in(user: Any, *, chain_id: int, region_id: int) -> bool:
    if not may_create(user):
        return False
    if user.role == Role.DISTRICT_ADMIN:
        return region_id in scope_of(user).district_regions
    return creatable_chains(user).filter(pk=chain_id).exists()


def can_manage(user: Any, project: Project) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    role = user.role
    if role in (Role.CITY_LEADER, Role.TEAM_MEMBER):
        return project.chain_id in scope_of(user).team_chains
    if role == Role.LIAISON:
        owner = project.enterprise
        return project.liaison_id == user.pk or (owner is not None and owner.liaison_id == user.pk)
    if role == Role.DISTRICT_ADMIN:
        return project.region_id in scope_of(user).district_regions
    return False


def can_report(user: Any, project: Project) -> bool:
    if can_manage(user, project):
        return True
    owner = project.enterprise
    return bool(
        getattr(user, "is_authenticated", False)
        and user.role == Role.ENTERPRISE
        and owner is not None
        and owner.accounts.filter(user=user).exists()
    )
