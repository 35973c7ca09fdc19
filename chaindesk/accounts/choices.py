from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The roles of BRIEF.md. Each user has exactly one; the data scope follows from it."""

    CITY_LEADER = "city_leader", _("市领导/链长")
    TEAM_MEMBER = "team_member", _("服务团队成员")
    LIAISON = "liaison", _("挂钩服务专员")
    DEPT_HANDLER = "dept_handler", _("部门经办人")
    DISTRICT_ADMIN = "district_admin", _("市(区)管理员")
    ENTERPRISE = "enterprise", _("企业用户")
    SYS_ADMIN = "sys_admin", _("系统管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


# Roles that work on business records inside chains (as opposed to the two administrators).
CHAIN_ROLES = {Role.CITY_LEADER, Role.TEAM_MEMBER}
# Roles that work on the city's business records, and who may open the enterprise pages.
OFFICIALS = frozenset({Role.CITY_LEADER, Role.TEAM_MEMBER, Role.LIAISON, Role.DISTRICT_ADMIN})
ENTERPRISE_VIEWERS = OFFICIALS | {Role.ENTERPRISE}


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    DISTRICT = "district", _("县(市、区)")


class DepartmentKind(models.TextChoices):
    GOVERNMENT = "government", _("政府部门")
    ENTERPRISE = "soe", _("国有企业/公共服务")
    REGULATOR = "regulator", _("垂直管理机构")
