"""Who may do what with demands and tasks. The services enforce these; the views use them to show buttons.

- submit (提交诉求) for an enterprise: its own enterprise users; its liaison (挂钩服务专员); the team members and
  city leaders (链长) of one of its chains; a city-wide system actor (chaindesk.core.actors: DEMO, IMPORT)
  writes for imports;
- triage (受理, 不予受理, 合并, 要求补充) and task creation (交办): city leaders and team members of one of
  the enterprise's chains;
- handle a task (签收, 进展, 申请延期, 退回, 申请办结): department handlers of the task's lead department;
- manage a task (延期审批, 办结确认 or 退回重办): the team of the demand's enterprise's chains;
- confirm (企业确认评价): the enterprise's own users, or its liaison on the enterprise's behalf (the service
  then requires a proxy note);
- supply information (补充材料): whoever may submit for the enterprise;
- lead (领导批示, 催办): the chain chief (链长), the convenor (召集人) and the lead department's head (牵头部门负责人)
  on the team of one of the enterprise's chains (chaindesk/demands/services_leaders.py).

A meeting's 交办事项 (DemandKind.ASSIGNMENT) has no enterprise: its chain's team stands where the enterprise's
chains' team stands above (`is_team_of_demand`), and nobody confirms, rates or supplies information.
"""

from typing import Any

from chaindesk.accounts.choices import Role
from chaindesk.chains.models import TeamMember, TeamRole
from chaindesk.core.actors import is_system
from chaindesk.enterprises.models import Enterprise, EnterpriseAccount

from .models import Demand, Task

TEAM_ROLES = (Role.CITY_LEADER, Role.TEAM_MEMBER)


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "is_active", True))


def is_enterprise_user(user: Any, enterprise_id: int) -> bool:
    return (
        _authenticated(user)
        and user.role == Role.ENTERPRISE
        and EnterpriseAccount.objects.filter(user=user, enterprise_id=enterprise_id).exists()
    )


def is_liaison_of(user: Any, enterprise: Enterprise) -> bool:
    return _authenticated(user) and user.role == Role.LIAISON and enterprise.liaison_id == user.pk


def is_team_of(user: Any, enterprise_id: int) -> bool:
    """A city leader or team member on the team of one of the enterprise's chains."""
    if not _authenticated(user) or user.role not in TEAM_ROLES:
        return False
    chains = Enterprise.chains.through.objects.filter(enterprise_id=enterprise_id).values("chain_id")
    return TeamMember.objects.filter(user=user, chain_id__in=chains).exists()


def is_team_of_demand(user: Any, demand: Demand) -> bool:
    """The team of the demand's enterprise's chains; for a 交办事项 (no enterprise), the team of its chain."""
    if demand.enterprise_id is not None:
        return is_team_of(user, demand.enterprise_id)
    if not _authenticated(user) or user.role not in TEAM_ROLES or demand.chain_id is None:
        return False
    return TeamMember.objects.filter(user=user, chain_id=demand.chain_id).exists()


def can_submit(user: Any, enterprise: Enterprise) -> bool:
    if is_system(user):
        return True
    return is_enterprise_user(user, enterprise.pk) or is_liaison_of(user, enterprise) or is_team_of(user, enterprise.pk)


def can_triage(user: Any, demand: Demand) -> bool:
    """Accept, reject, merge, ask for information, create tasks: the team of the enterprise's chains (of the
    chain, for a 交办事项)."""
    if is_system(user):
        return True
    return is_team_of_demand(user, demand)


def can_supply_info(user: Any, demand: Demand) -> bool:
    if demand.enterprise is None:  # a 交办事项: nobody supplies information
        return False
    if is_system(user):
        return True
    return can_submit(user, demand.enterprise)


def can_confirm(user: Any, demand: Demand) -> bool:
    """The enterprise's own users, or its liaison (on the enterprise's behalf, with a proxy note); nobody for a
    交办事项."""
    if demand.enterprise_id is None or demand.enterprise is None:
        return False
    return is_enterprise_user(user, demand.enterprise_id) or is_liaison_of(user, demand.enterprise)


def is_proxy(user: Any, demand: Demand) -> bool:
    """True when the confirmation would be given by the liaison on the enterprise's behalf."""
    if demand.enterprise_id is None or demand.enterprise is None:
        return False
    return not is_enterprise_user(user, demand.enterprise_id) and is_liaison_of(user, demand.enterprise)


def can_handle(user: Any, task: Task) -> bool:
    """Sign, progress, request extension or completion, return: handlers of the lead department."""
    return (
        _authenticated(user)
        and user.role == Role.DEPT_HANDLER
        and user.department_id is not None
        and user.department_id == task.lead_department_id
    )


def can_manage_task(user: Any, task: Task) -> bool:
    """Decide extensions and completion requests: the team of the demand's chains."""
    if is_system(user):
        return True
    return is_team_of_demand(user, task.demand)


# The parts on a chain's team that lead it: they write 批示 and 催办 a department.
LEADER_TEAM_ROLES = (TeamRole.CHIEF, TeamRole.CHAIR, TeamRole.LEAD_DEPT)


def leader_chains(user: Any) -> Any:
    """The chains the user leads (chief, convenor or lead department's head), as a subquery of chain ids."""
    return TeamMember.objects.filter(user=user, team_role__in=LEADER_TEAM_ROLES).values("chain_id")


def can_lead(user: Any, demand: Demand) -> bool:
    """Write a 批示 on the demand or its tasks and 催办 their departments: a city leader or team member who
    leads one of the enterprise's chains."""
    if not _authenticated(user) or user.role not in TEAM_ROLES:
        return False
    if demand.enterprise_id is None:  # a 交办事项: the leaders of its chain
        return leader_chains(user).filter(chain_id=demand.chain_id).exists()
    chains = Enterprise.chains.through.objects.filter(enterprise_id=demand.enterprise_id).values("chain_id")
    return leader_chains(user).filter(chain_id__in=chains).exists()
