"""The left navigation by area, filtered by role. Areas whose issue has not landed show as disabled."""

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.choices import Role

# Roles that work on the city's business records, and who may open the enterprise pages.
OFFICIALS = frozenset({Role.CITY_LEADER, Role.TEAM_MEMBER, Role.LIAISON, Role.DISTRICT_ADMIN})
ENTERPRISE_VIEWERS = OFFICIALS | {Role.ENTERPRISE}


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    icon: str
    url_name: str | None
    roles: frozenset[str]


NAV: tuple[NavItem, ...] = (
    NavItem("dashboards", _("工作台"), "ti-layout-dashboard", "dashboards:home", frozenset(Role.values)),
    NavItem("chains", _("产业链"), "ti-hierarchy-3", "chains:list", OFFICIALS),
    NavItem("enterprises", _("企业"), "ti-building-factory-2", "enterprises:list", ENTERPRISE_VIEWERS),
    NavItem("projects", _("项目"), "ti-crane", "projects:list", OFFICIALS),
    NavItem("leads", _("线索"), "ti-target-arrow", "leads:list", OFFICIALS),
    NavItem("network", _("能人与研发"), "ti-world-share", "network:talents", OFFICIALS),
    NavItem(
        "demands",
        _("诉求与任务"),
        "ti-checklist",
        "demands:list",
        frozenset(OFFICIALS | {Role.DEPT_HANDLER, Role.ENTERPRISE}),
    ),
    NavItem("tasks", _("部门任务"), "ti-clipboard-check", "demands:tasks", frozenset({Role.DEPT_HANDLER})),
    NavItem("metrics", _("办理指标"), "ti-chart-bar", "demands:metrics", frozenset(OFFICIALS | {Role.DEPT_HANDLER})),
    NavItem(
        "upward",
        _("上争事项"),
        "ti-arrow-big-up-lines",
        "upward:list",
        frozenset(OFFICIALS | {Role.DEPT_HANDLER}),
    ),
    NavItem("meetings", _("会议"), "ti-presentation", "meetings:list", OFFICIALS),
    NavItem("reports", _("报表"), "ti-report-analytics", None, OFFICIALS),
    NavItem("system", _("系统"), "ti-settings", "core:system", frozenset({Role.SYS_ADMIN, Role.AUDIT_ADMIN})),
)


def items_for(role: str, current_area: str) -> list[dict[str, Any]]:
    result = []
    for item in NAV:
        if role not in item.roles:
            continue
        result.append(
            {
                "key": item.key,
                "label": item.label,
                "icon": item.icon,
                "url": reverse(item.url_name) if item.url_name else None,
                "active": item.key == current_area,
            }
        )
    return result
