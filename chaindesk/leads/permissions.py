"""Who may do what with leads. The services enforce these; the views use them to show buttons.

- read: Lead.objects.visible_to (chain roles: their chains' leads; liaisons: the leads they own; district
  admins: leads aimed at their district; nobody else, leads are confidential until signed);
- create: a city leader or team member, on a chain they serve on; a liaison, as the lead's own owner;
- edit, change the stage, abandon, sign, add follow-ups: the team of the lead's chain and the lead's owner;
- owner (跟进责任人): an active member of the chain's team, or an active liaison (a liaison sees the leads
  they own, so the owner always sees the lead);
- a city-wide system actor (chaindesk.core.actors: DEMO, IMPORT) writes unattended (demo loader, imports),
  audited under its name (系统·演示数据).
"""

from typing import Any

from django.db.models import Q, QuerySet

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import User
from chaindesk.chains.models import Chain, TeamMember
from chaindesk.core.actors import is_system

from .models import Lead

CHAIN_ROLES = (Role.CITY_LEADER, Role.TEAM_MEMBER)
CREATOR_ROLES = (*CHAIN_ROLES, Role.LIAISON)
OWNER_ROLES = (Role.CITY_LEADER, Role.TEAM_MEMBER, Role.LIAISON)


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def may_create(user: Any) -> bool:
    return is_system(user) or (_authenticated(user) and user.role in CREATOR_ROLES)


def creatable_chains(user: Any) -> QuerySet[Chain]:
    """The chains a new lead of this user may aim at: their teams' chains; any chain for a liaison."""
    if is_system(user) or (_authenticated(user) and user.role == Role.LIAISON):
        return Chain.objects.all()
    if _authenticated(user) and user.role in CHAIN_ROLES:
        return Chain.objects.filter(pk__in=TeamMember.objects.filter(user=user).values("chain_id"))
    return Chain.objects.none()


def may_create_on(user: Any, chain: Chain) -> bool:
    return may_create(user) and creatable_chains(user).filter(pk=chain.pk).exists()


def may_manage(user: Any, lead: Lead) -> bool:
    """Edit, stage changes, abandon, sign and follow-ups: the chain's team and the owner."""
    if is_system(user):
        return True
    if not _authenticated(user):
        return False
    if lead.owner_id == user.pk:
        return True
    if user.role in CHAIN_ROLES:
        return TeamMember.objects.filter(user=user, chain_id=lead.chain_id).exists()
    return False


def owner_choices(chains: QuerySet[Chain] | None = None) -> QuerySet[User]:
    """Active people who may own a lead on one of `chains` (all chains when None): the chains' team
    members and the liaisons."""
    team = TeamMember.objects.all() if chains is None else TeamMember.objects.filter(chain__in=chains)
    qs = User.objects.filter(is_active=True, role__in=OWNER_ROLES).filter(
        Q(pk__in=team.values("user_id")) | Q(role=Role.LIAISON)
    )
    return qs.order_by("role", "display_name", "pk")


def may_own(owner: Any, chain: Chain) -> bool:
    return owner is not None and owner_choices(Chain.objects.filter(pk=chain.pk)).filter(pk=owner.pk).exists()
