"""User accounts (系统 → 用户管理) as a resource: the filter bar and the columns of the system administrator's
user list, declared once (chaindesk/core/resources.py). The page lives in views_users.py under core's URL
names (`core:user_list`); there is no export; the API list is the page's (/api/users/, the system
administrator's)."""

from collections.abc import Mapping
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chaindesk.core.listing import sort_queryset
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


def filter_users(user: Any, params: Mapping[str, str]) -> tuple[QuerySet[User], str]:
    """Accounts the system administrator manages, filtered as `USERS` reads the URL (keyword, role, region,
    department, state; values out of shape are ignored) and sorted."""
    f = USERS.parse(params)
    qs = base_queryset(user)
    if q := f["q"]:
        qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q) | Q(title__icontains=q))
    if f["role"]:
        qs = qs.filter(role=f["role"])
    if f["region"] is not None:
        qs = qs.filter(region_id=f["region"])
    if f["department"] is not None:
        qs = qs.filter(department_id=f["department"])
    if f["active"]:
        qs = qs.filter(is_active=f["active"] == ACTIVE)
    return sort_queryset(qs, params.get("sort", ""), USERS.sorts, USERS.default_sort)


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
    select=lambda user, params: filter_users(user, params),
    roles=frozenset({Role.SYS_ADMIN}),
    api_name="users",
    create_view="core:user_create",
    create_label=_("新增用户"),
    keep_sort=True,
    row_testid="user-row",
    noun=pgettext_lazy("rows of a list", "用户"),
    empty=_("暂无用户。"),
    empty_hint=_("点击“新增用户”创建账户。"),
    empty_icon="ti-users",
)
