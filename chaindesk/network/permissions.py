"""Who may do what with talents, partners and R&D cooperations. The services enforce these; the views use
them to answer 403 and to show buttons.

- talents: read per Talent.objects.visible_to; add: city leaders, team members and liaisons; edit and log
  contacts: the talent's keeper, and city leaders or team members serving on one of the talent's chains
  (on any chain when the talent is linked to none);
- a talent's phone is personal data: in full for its keeper and the chain roles (city leader, team member),
  masked (138****1234) for everyone else, in pages and exports alike;
- partners (institutions, public facts): officials add and edit them;
- cooperations: whoever may edit the enterprise's record (chaindesk.enterprises.permissions.may_edit, which
  includes its liaison) adds and edits its cooperations;
- a city-wide system actor (chaindesk.core.actors: DEMO, IMPORT) writes unattended (demo loader, imports),
  audited under its name (系统·演示数据);
  contacts and cooperations name their recorder (created_by), so those need a person as actor.
"""

from typing import Any

from chaindesk.accounts.choices import CHAIN_ROLES, OFFICIALS
from chaindesk.chains.models import TeamMember
from chaindesk.core.actors import is_system
from chaindesk.enterprises import permissions as enterprise_permissions
from chaindesk.enterprises.models import Enterprise
from chaindesk.enterprises.permissions import mask_phone

from .models import NETWORK_ROLES, Talent

TALENT_CREATORS = frozenset(NETWORK_ROLES)
# The roles that may be a talent's keeper (联络干部).
KEEPER_ROLES = frozenset(NETWORK_ROLES)


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def may_create_talent(user: Any) -> bool:
    if is_system(user):
        return True
    return _authenticated(user) and user.role in TALENT_CREATORS


def may_edit_talent(user: Any, talent: Talent) -> bool:
    """The keeper; chain roles on the team of one of the talent's chains (any chain role if it has none)."""
    if is_system(user):
        return True
    if not _authenticated(user):
        return False
    if talent.keeper_id == user.pk:
        return True
    if user.role not in CHAIN_ROLES or talent.pk is None:
        return False
    chain_ids = list(talent.chains.values_list("pk", flat=True))
    if not chain_ids:
        return True
    return TeamMember.objects.filter(user=user, chain_id__in=chain_ids).exists()


def sees_full_phone(user: Any, talent: Talent) -> bool:
    return talent.personal_data_visible_to(user)


def talent_phone(user: Any, talent: Talent) -> str:
    """The phone as this user may read it (full or masked)."""
    return talent.phone if sees_full_phone(user, talent) else mask_phone(talent.phone)


def may_manage_partners(user: Any) -> bool:
    if is_system(user):
        return True
    return _authenticated(user) and user.role in OFFICIALS


def may_add_cooperation(user: Any, enterprise: Enterprise) -> bool:
    if is_system(user):
        return True
    return enterprise_permissions.may_edit(user, enterprise)


def may_edit_cooperation(user: Any, enterprise: Enterprise) -> bool:
    return may_add_cooperation(user, enterprise)


def may_view_rd_map(user: Any) -> bool:
    return _authenticated(user) and user.role in OFFICIALS


def is_keeper_role(user: Any) -> bool:
    return user is not None and user.is_active and user.role in KEEPER_ROLES
