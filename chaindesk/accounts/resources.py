"""User accounts (系统 → 用户管理) as a resource: the filter bar and the columns of the system administrator's
user list, declared once (chaindesk/core/resources.py). The page lives in views_users.py under core's URL
names (`core:user_list`); there is no export and no API list of accounts."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from chaindesk.core.resources import CHOICE, TEXT, Col, Filter, Resource, attr

from .choices import Role
from .models import User

CELLS = "accounts/partials/user_cells.html"
SORTS = {"username": "username", "name": "display_name", "role": "role", "login": "last_login"}
ACTIVE, INACTIVE = "1", "0"
STATES = ((ACTIVE, _("启用")), (INACTIVE, _("停用")))


def base_queryset(user: Any) -> QuerySet[User]:
    """The accounts the reader manages, with what a list row shows (the filters: `USERS`)."""
    return User.objects.visible_to(user).select_related("region", "department")


def _state(user: User) -> Any:
    return STATES[0][1] if user.is_active else STATES[1][1]


USERS = Resource(
    view="core:user_list",
    testid="user",
    filters=(
        Filter("q", _("关键词"), TEXT, placeholder=_("用户名、姓名或职务"), width="col-sm-6 col-lg-2"),
        Filter("role", _("角色"), CHOICE, options=Role.choices, values=Role.values),
        Filter("region", _("所属地区"), options="regions"),
        Filter("department", _("所属部门"), options="departments", input_id="f-dept"),
        Filter("active", _("状态"), CHOICE, options=STATES, values=(ACTIVE, INACTIVE)),
    ),
    columns=(
        Col("username", _("用户名"), attr("username"), sort="username", link="core:user_edit"),
        Col("display_name", _("姓名"), attr("display_name"), sort="name"),
        Col("role", _("角色"), attr("get_role_display"), sort="role"),
        Col("scope", _("所属地区 / 部门"), lambda user: user.department or user.region),
        Col("title", _("职务"), attr("title"), css="text-secondary", cell=CELLS),
        Col("last_login", _("最近登录"), attr("last_login"), sort="login", css="text-nowrap", cell=CELLS),
        Col("is_active", _("状态"), _state, cell=CELLS),
    ),
    sorts=SORTS,
    default_sort="username",
    queryset=base_queryset,
    create_view="core:user_create",
    create_label=_("新增用户"),
    keep_sort=True,
    row_testid="user-row",
    empty_filtered=_("没有符合条件的用户。"),
    empty=_("暂无用户。"),
    empty_hint=_("点击“新增用户”创建账户。"),
    empty_icon="ti-users",
)
