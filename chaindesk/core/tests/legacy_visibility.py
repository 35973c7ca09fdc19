"""The visibility rules as each model wrote them by hand before the declared scope paths (chaindesk/core/scope.py):
a frozen oracle, so a generated test can prove the derived `visible_to` gives every reader exactly the same rows.
Not used by the product. Where issue 10 changed a rule on purpose (a leak closed), the change is noted."""

from typing import Any

from django.apps import apps
from django.db.models import Exists, OuterRef, Q, QuerySet

from chaindesk.accounts.choices import Role

NETWORK_ROLES = (Role.CITY_LEADER, Role.TEAM_MEMBER, Role.LIAISON)


def _m(label: str) -> Any:
    return apps.get_model(label)


def _team_chains(user: Any) -> QuerySet[Any]:
    return _m("chains.TeamMember").objects.filter(user=user).values("chain_id")


def chain(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    if user.role in (Role.CITY_LEADER, Role.TEAM_MEMBER):
        return qs.filter(pk__in=_team_chains(user))
    if user.role in (Role.LIAISON, Role.DISTRICT_ADMIN):
        return qs.all()
    return qs.none()


def enterprise(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    role = user.role
    if role in (Role.CITY_LEADER, Role.TEAM_MEMBER):
        through = _m("enterprises.Enterprise").chains.through.objects.filter(
            enterprise_id=OuterRef("pk"), chain_id__in=_team_chains(user)
        )
        return qs.filter(Exists(through))
    if role == Role.LIAISON:
        return qs.filter(liaison=user)
    if role == Role.DISTRICT_ADMIN and user.region_id:
        return qs.filter(Q(region_id=user.region_id) | Q(region__parent_id=user.region_id))
    if role == Role.ENTERPRISE:
        return qs.filter(accounts__user=user)
    return qs.none()


def project(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    role = user.role
    if role in (Role.CITY_LEADER, Role.TEAM_MEMBER):
        return qs.filter(chain_id__in=_team_chains(user))
    if role == Role.LIAISON:
        return qs.filter(Q(liaison=user) | Q(enterprise__liaison=user))
    if role == Role.DISTRICT_ADMIN and user.region_id:
        return qs.filter(Q(region_id=user.region_id) | Q(region__parent_id=user.region_id))
    if role == Role.ENTERPRISE:
        return qs.filter(enterprise__accounts__user=user)
    return qs.none()


def lead(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    role = user.role
    if role in (Role.CITY_LEADER, Role.TEAM_MEMBER):
        return qs.filter(chain_id__in=_team_chains(user))
    if role == Role.LIAISON:
        return qs.filter(owner=user)
    if role == Role.DISTRICT_ADMIN and user.region_id:
        return qs.filter(Q(region_id=user.region_id) | Q(region__parent_id=user.region_id))
    return qs.none()


def meeting(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    if user.role in (Role.CITY_LEADER, Role.TEAM_MEMBER):
        return qs.filter(chain_id__in=_team_chains(user))
    if user.role == Role.DISTRICT_ADMIN and user.region_id:
        return qs.filter(region_id=user.region_id)
    if user.role == Role.LIAISON:
        return qs.filter(attendees=user)
    if user.role == Role.DEPT_HANDLER:  # issue 12: also the meetings their department attended
        return qs.filter(Q(attendees=user) | Q(attendee_departments=user.department_id)).distinct()
    return qs.none()


def decision(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    return qs.filter(meeting__in=meeting(_m("meetings.Meeting").objects.all(), user).values("pk"))


def talent(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    if user.role in NETWORK_ROLES:
        return qs.all()
    if user.role == Role.DISTRICT_ADMIN and user.region_id:
        return qs.filter(Q(hometown_id=user.region_id) | Q(hometown__parent_id=user.region_id))
    return qs.none()


def rd_partner(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    if user.role in (*NETWORK_ROLES, Role.DISTRICT_ADMIN, Role.ENTERPRISE):
        return qs.all()
    return qs.none()


def _visible_enterprises(user: Any) -> QuerySet[Any]:
    return enterprise(_m("enterprises.Enterprise").objects.all(), user).values("pk")


def by_enterprise(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """Visits and R&D cooperations: whoever may see the enterprise."""
    return qs.filter(enterprise__in=_visible_enterprises(user))


def demand(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    if user.role == Role.DEPT_HANDLER:
        if not user.department_id:
            return qs.none()
        mine = (
            _m("demands.Task")
            .objects.filter(Q(lead_department_id=user.department_id) | Q(co_departments=user.department_id))
            .values("demand_id")
        )
        return qs.filter(pk__in=mine)
    mine = Q(enterprise__in=_visible_enterprises(user))
    # Issue 12: a meeting's 交办事项 (no enterprise) follows its chain for the team, its region for a district admin.
    if user.role in (Role.CITY_LEADER, Role.TEAM_MEMBER):
        mine |= Q(kind="assignment", chain_id__in=_team_chains(user))
    elif user.role == Role.DISTRICT_ADMIN and user.region_id:
        mine |= Q(kind="assignment", region_id=user.region_id)
    return qs.filter(mine)


def task(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """Issue 10 closed one leak on purpose: enterprise users no longer see tasks (they follow the demand)."""
    if user.role == Role.ENTERPRISE:
        return qs.none()
    if user.role == Role.DEPT_HANDLER:
        if not user.department_id:
            return qs.none()
        co = _m("demands.Task").co_departments.through.objects.filter(department_id=user.department_id)
        return qs.filter(Q(lead_department_id=user.department_id) | Q(pk__in=co.values("task_id")))
    return qs.filter(demand__in=demand(_m("demands.Demand").objects.all(), user).values("pk"))


def upward_request(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    role = user.role
    if role in (Role.CITY_LEADER, Role.TEAM_MEMBER):
        return qs.filter(chain__team__user=user).distinct()
    if role == Role.DEPT_HANDLER:
        return qs.filter(department_id=user.department_id) if user.department_id else qs.none()
    if role == Role.DISTRICT_ADMIN and user.region_id:
        return qs.filter(Q(region_id=user.region_id) | Q(region__parent_id=user.region_id))
    if role == Role.LIAISON:
        return qs.filter(enterprises__liaison=user).distinct()
    return qs.none()


def user(qs: QuerySet[Any], reader: Any) -> QuerySet[Any]:
    if reader.role == Role.SYS_ADMIN:
        return qs.all()
    return qs.filter(pk=reader.pk)


def notification(qs: QuerySet[Any], reader: Any) -> QuerySet[Any]:
    return qs.filter(recipient=reader)


RULES = {
    "chains.Chain": chain,
    "enterprises.Enterprise": enterprise,
    "projects.Project": project,
    "leads.Lead": lead,
    "meetings.Meeting": meeting,
    "meetings.Decision": decision,
    "network.Talent": talent,
    "network.RdPartner": rd_partner,
    "network.RdCooperation": by_enterprise,
    "liaison.Visit": by_enterprise,
    "demands.Demand": demand,
    "demands.Task": task,
    "upward.UpwardRequest": upward_request,
    "accounts.User": user,
    "core.Notification": notification,
}
