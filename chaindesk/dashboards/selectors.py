"""What each role's 工作台 shows: its queue and the few numbers it asks first. Reads only."""

from typing import Any

from django.db.models import Count

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import User
from chaindesk.chains.models import Chain
from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison.selectors import liaison_workbench
from chaindesk.meetings.models import Meeting
from chaindesk.projects.choices import ProjectStage
from chaindesk.projects.models import Project
from chaindesk.projects.selectors_progress import investment_summary, percent


def _chains(user: User) -> list[Chain]:
    return list(Chain.objects.visible_to(user).select_related("chief", "lead_department").with_counts())


def _recent_meetings(user: User) -> list[Meeting]:
    return list(Meeting.objects.visible_to(user).select_related("chain", "leader", "region")[:5])


def _enterprises(user: User, limit: int = 10) -> dict[str, Any]:
    visible = Enterprise.objects.visible_to(user)
    rows = list(visible.select_related("region", "liaison").order_by("-created_at", "pk")[:limit])
    return {"enterprise_count": Enterprise.objects.count_visible_to(user), "enterprises": rows}


def projects_card(user: User) -> dict[str, Any]:
    """Projects by stage and this year's investment against 序时进度: two aggregate queries."""
    today = clock.today()
    by_stage = dict(
        Project.objects.visible_to(user)
        .order_by()
        .values_list("stage")
        .annotate(n=Count("pk"))
        .values_list("stage", "n")
    )
    stages = [{"value": value, "label": label, "n": by_stage.get(value, 0)} for value, label in ProjectStage.choices]
    total = investment_summary(user, year=today.year, today=today)[-1]
    return {
        "project_stages": stages,
        "project_count": sum(by_stage.values()),
        "investment": total,
        "schedule_percent": percent(total.schedule),
    }


def workbench(user: User) -> dict[str, Any]:
    """The context of the 工作台 for this user's role."""
    role = user.role
    data: dict[str, Any] = {"role": role}
    if role in (Role.CITY_LEADER, Role.TEAM_MEMBER):
        data.update(chains=_chains(user), meetings=_recent_meetings(user), **_enterprises(user))
    elif role == Role.LIAISON:
        # The liaison's enterprises with 最近走访 and the stale flag, and their due next steps.
        data.update(meetings=_recent_meetings(user), **liaison_workbench(user, limit=20))
    elif role == Role.DISTRICT_ADMIN:
        data.update(meetings=_recent_meetings(user), **_enterprises(user, limit=20))
    elif role == Role.ENTERPRISE:
        data.update(my_enterprise=Enterprise.objects.visible_to(user).select_related("region", "liaison").first())
    elif role == Role.SYS_ADMIN:
        data.update(
            users_by_role=list(User.objects.values("role").annotate(n=Count("pk")).order_by("role")),
            user_count=User.objects.count(),
            role_labels=dict(Role.choices),
        )
    elif role == Role.AUDIT_ADMIN:
        since = clock.localnow().replace(hour=0, minute=0, second=0, microsecond=0)
        watched = [AuditAction.LOGIN_FAILED, AuditAction.LOGIN_LOCKED, AuditAction.PERMISSION_DENIED]
        data.update(
            today_count=AuditLog.objects.filter(created_at__gte=since).count(),
            alerts=list(AuditLog.objects.filter(action__in=watched).select_related("actor")[:10]),
        )
    return data
