"""User accounts (系统 → 用户管理) and departments (系统 → 部门) as resources: the filter bar and the columns of
the system administrator's lists, declared once (chaindesk/core/resources.py). The pages live in
views_users.py and views_departments.py under core's URL names (`core:user_list`, `core:department_list`);
there is no export; the API list of users is the page's (/api/users/, the system administrator's)."""

from collections.abc import Mapping
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chaindesk.core.listing import sort_queryset
from chaindesk.core.resources import BOOLEAN, CHOICE, TEXT, Col, Filter, Resource, attr

from .choices import Role
from .models import Department, User
from .selectors import departments_with_handler_counts

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
        Col("scope", _("所属地区 / 部门"), lambda user: user.department or user.region, cell=CELLS),
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


DEPARTMENT_CELLS = "accounts/partials/department_cells.html"
DEPARTMENT_SORTS = {"code": "code", "name": "short_name", "handlers": "active_handlers", "order": "sort_order"}


def department_queryset(user: Any) -> QuerySet[Department]:
    """Every department (the system administrator's list; other roles never reach it), with its active handler
    count and its 部门收件人."""
    return departments_with_handler_counts()


def filter_departments(user: Any, params: Mapping[str, str]) -> tuple[QuerySet[Department], str]:
    """Departments filtered as `DEPARTMENTS` reads the URL (keyword, region, only those without an active
    handler) and sorted; the default order is the organisation's (排序, 编码)."""
    f = DEPARTMENTS.parse(params)
    qs: Any = department_queryset(user)  # annotated with active_handlers (the stubs know only model fields)
    if q := f["q"]:
        qs = qs.filter(Q(code__icontains=q) | Q(short_name__icontains=q) | Q(name__icontains=q))
    if f["region"] is not None:
        qs = qs.filter(region_id=f["region"])
    if f["no_handler"] == "1":
        qs = qs.filter(active_handlers=0, is_active=True)
    elif f["no_handler"] == "0":
        qs = qs.filter(active_handlers__gt=0)
    return sort_queryset(qs, params.get("sort", ""), DEPARTMENT_SORTS, "order")


DEPARTMENTS = Resource(
    view="core:department_list",
    testid="department",
    filters=(
        Filter("q", _("关键词"), TEXT, placeholder=_("编码、简称或全称"), width="col-sm-6 col-lg-3"),
        Filter("region", _("所属地区"), options="regions"),
        Filter("no_handler", _("无经办人"), BOOLEAN),
    ),
    columns=(
        Col("code", _("编码"), attr("code"), sort="code", link="core:department_edit", css="font-monospace"),
        Col("short_name", _("简称"), attr("short_name"), sort="name", cell=DEPARTMENT_CELLS),
        Col("name", _("全称"), attr("name")),
        Col("region", _("所属地区"), attr("region")),
        Col(
            "handlers",
            _("启用的经办人"),
            attr("active_handlers"),
            sort="handlers",
            align="text-end",
            cell=DEPARTMENT_CELLS,
        ),
        Col("recipient", _("部门收件人"), attr("recipient"), cell=DEPARTMENT_CELLS),
        Col("is_active", _("状态"), attr("is_active"), cell=DEPARTMENT_CELLS),
    ),
    sorts=DEPARTMENT_SORTS,
    default_sort="order",
    queryset=department_queryset,
    roles=frozenset({Role.SYS_ADMIN}),  # a setting of the 系统 area: no export, no API list
    keep_sort=True,
    row_testid="department-row",
    noun=pgettext_lazy("rows of a list", "部门"),
    empty=_("暂无部门。"),
    empty_icon="ti-building",
)
