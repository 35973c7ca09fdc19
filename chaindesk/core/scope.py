"""What a reader may see, computed once, and each model's path to it declared once.

A `Scope` is the reader's role and the sets their role is limited to: the chains whose team they are on, the
district (with its sub-districts) they administer, the enterprises they serve as liaison or belong to as an
enterprise user, and their department. It is computed once per user object (so once per request) and holds
subqueries, not rows: a page pays no extra query for it.

A model says once how a scope reaches it (`scope_paths = ScopePaths(...)` on the model): for each dimension of
the scope, the path from the model to that dimension, or `ALL` (every row), or `via=` another model whose
visible set it follows. `ScopedQuerySet.visible_to(user)` derives the filter from that declaration; no model
writes its own role chain any more. Roles map to dimensions in one table (`DIMENSION`), so a role's meaning is
written once for every model.

Core names no domain app: the scope's subqueries go through the user's own relations (`teams`, the
enterprise accounts), looked up by name at run time."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from django.apps import apps
from django.db import models
from django.db.models import Exists, OuterRef, Q

if TYPE_CHECKING:
    from chaindesk.accounts.models import User

M = TypeVar("M", bound=models.Model)

# The dimension each role's scope is cut along.
CHAIN, LIAISON, REGION, ENTERPRISE, DEPARTMENT, ADMIN, AUDIT = (
    "chain",
    "liaison",
    "region",
    "enterprise",
    "department",
    "admin",
    "audit",
)
DIMENSION: Final = {
    "city_leader": CHAIN,
    "team_member": CHAIN,
    "liaison": LIAISON,
    "district_admin": REGION,
    "enterprise": ENTERPRISE,
    "dept_handler": DEPARTMENT,
    "sys_admin": ADMIN,
    "audit_admin": AUDIT,
}


class _All:
    def __repr__(self) -> str:
        return "ALL"


class _None:
    def __repr__(self) -> str:
        return "NONE"


ALL: Final = _All()
"""Every row, for the roles of that dimension (e.g. liaisons read every chain's outline)."""
NONE: Final = _None()
"""No row, even where `via` would lend the related model's rows (enterprise users and departments' tasks)."""


@dataclasses.dataclass(frozen=True)
class Exact:
    """A region path matched exactly, without the district's sub-districts."""

    path: str


@dataclasses.dataclass(frozen=True)
class Person:
    """A path to users the row names (a meeting's attendees): matched against the reader, whatever the dimension."""

    path: str


@dataclasses.dataclass(frozen=True)
class Custom:
    """A rule no path expresses: `rule(scope) -> Q`; say in the model why."""

    rule: Callable[[Scope], Q]


Path = str | tuple[str | Person, ...] | _All | _None | Exact | Person | Custom | None


@dataclasses.dataclass(frozen=True)
class ScopePaths:
    """How each dimension of a scope reaches a model.

    chain: path to the chain (FK or many-to-many), for chain chiefs and team members.
    liaison: path(s) to the liaison user(s) the row belongs to.
    region: path to the region (matched with its sub-districts; `Exact(path)` for the region itself).
    enterprise: path to the enterprise, for enterprise users.
    department: path(s) to the department(s), for department handlers.
    admin / audit: the two administrators (三权分立).
    own: for every dimension not declared above, the path to the user the row belongs to (an inbox).
    via: a dimension not declared above follows the visible set of the model at this path (a visit follows
    its enterprise). A dimension with neither sees nothing; `NONE` says so where `via` would lend rows.
    """

    chain: Path = None
    liaison: Path = None
    region: Path = None
    enterprise: Path = None
    department: Path = None
    admin: Path = None
    audit: Path = None
    own: str | None = None
    via: str | None = None

    @classmethod
    def reference(cls) -> ScopePaths:
        """Reference data (qualifications, categories, regions, departments): every signed-in role reads it."""
        return cls(chain=ALL, liaison=ALL, region=ALL, enterprise=ALL, department=ALL, admin=ALL, audit=ALL)

    def path_for(self, dimension: str) -> Path:
        return getattr(self, dimension, None)


class Scope:
    """The reader's role and the sets it is limited to (subqueries, evaluated inside the page's queries)."""

    def __init__(self, user: Any) -> None:
        self.user = user
        authenticated = bool(getattr(user, "is_authenticated", False))
        self.role: str | None = user.role if authenticated else None
        self.dimension: str | None = DIMENSION.get(self.role or "")
        self.region_id: int | None = getattr(user, "region_id", None) if authenticated else None
        self.department_id: int | None = getattr(user, "department_id", None) if authenticated else None

    @functools.cached_property
    def team_chains(self) -> frozenset[int]:
        """The ids of the chains whose team the reader is on (one query, then kept for the request)."""
        if self.role is None:
            return frozenset()
        return frozenset(self.chain_ids.values_list("chain_id", flat=True))

    @functools.cached_property
    def district_regions(self) -> frozenset[int]:
        """The reader's region and its sub-districts (for a district administrator's writes and choices)."""
        if self.region_id is None:
            return frozenset()
        region = apps.get_model("accounts", "Region")
        return frozenset(region.objects.get(pk=self.region_id).subtree_ids())

    @property
    def chain_ids(self) -> models.QuerySet[Any]:
        """The chains whose service team the reader is on (a subquery)."""
        team = apps.get_model("chains", "TeamMember")
        return team.objects.filter(user_id=self.user.pk).values("chain_id")

    @property
    def enterprise_ids(self) -> models.QuerySet[Any] | list[int]:
        """The enterprises the reader belongs to as an enterprise user: its one enterprise's id when the user was
        loaded with its account (the signed-in user is: backends.ChainDeskBackend.get_user), a subquery else."""
        relation = self.user._meta.get_field("enterprise_account") if hasattr(self.user, "_meta") else None
        if relation is not None and relation.is_cached(self.user):  # one account per user (a one-to-one), or none
            account = relation.get_cached_value(self.user)
            return [account.enterprise_id] if account is not None else []
        account_model = apps.get_model("enterprises", "EnterpriseAccount")
        return account_model.objects.filter(user_id=self.user.pk).values("enterprise_id")


def scope_of(user: Any) -> Scope:
    """The user's scope, computed once per user object (a request's `request.user` keeps it)."""
    if isinstance(user, Scope):
        return user
    cached = getattr(user, "_chaindesk_scope", None)
    if cached is None or cached.user is not user:
        cached = Scope(user)
        try:
            user._chaindesk_scope = cached
        except AttributeError:  # AnonymousUser allows attributes too; anything else simply is not cached
            pass
    return cached


def _is_many(model: type[models.Model], path: str) -> bool:
    """Whether the path's first step is a many-to-many or a reverse relation (rows would repeat on a join)."""
    if path == "pk":
        return False
    field = model._meta.get_field(path.split("__")[0])
    return bool(field.many_to_many or field.one_to_many)


def _id_path(model: type[models.Model], path: str) -> str:
    """The path to the related object's id: `chain` → `chain_id` for a foreign key, the path itself else."""
    if path == "pk":
        return "pk"
    if "__" in path:
        return f"{path}_id" if path.rsplit("__", 1)[1] not in ("pk", "id") else path
    field = model._meta.get_field(path)
    return getattr(field, "attname") if field.many_to_one or field.one_to_one else f"{path}__pk"  # noqa: B009


def _in(model: type[models.Model], path: str, values: Any) -> Q:
    """`path IN values`, without join fan-out: a many-to-many path goes through an EXISTS on its own rows."""
    if path == "pk":
        return Q(pk__in=values)
    if _is_many(model, path):
        field = model._meta.get_field(path.split("__")[0])
        if field.many_to_many and "__" not in path and not field.auto_created:
            through = field.remote_field.through  # type: ignore[union-attr]
            own = field.m2m_field_name()  # type: ignore[union-attr]
            other = field.m2m_reverse_field_name()  # type: ignore[union-attr]
            rows = through.objects.filter(**{f"{own}_id": OuterRef("pk"), f"{other}_id__in": values})
            return Q(Exists(rows))
        return Q(pk__in=model._default_manager.filter(**{f"{path}__in": values}).values("pk"))
    return Q(**{f"{_id_path(model, path)}__in": values})


def _equals(model: type[models.Model], path: str, value: Any) -> Q:
    if path == "pk":
        return Q(pk=getattr(value, "pk", value))
    if _is_many(model, path) and "__" not in path:
        field = model._meta.get_field(path)
        if field.many_to_many and not field.auto_created:  # straight through the link table, no join
            through = field.remote_field.through  # type: ignore[union-attr]
            own, other = field.m2m_field_name(), field.m2m_reverse_field_name()  # type: ignore[union-attr]
            value_id = getattr(value, "pk", value)
            return Q(pk__in=through.objects.filter(**{f"{other}_id": value_id}).values(f"{own}_id"))
    if _is_many(model, path):
        return Q(pk__in=model._default_manager.filter(**{path: value}).values("pk"))
    return Q(**{path: value})


def _region(model: type[models.Model], path: str, region_id: int) -> Q:
    """The region or one of its sub-districts."""
    return _equals(model, path, region_id) | _equals(model, f"{path}__parent_id", region_id)


def through_key(attname: str, visible: models.QuerySet[Any]) -> Q:
    """The rows whose foreign key `attname` names a row of `visible`, as a correlated EXISTS on that key, not
    `key IN (every visible row)`: the database probes the one related row (its primary key, then that row's own
    condition) for each row it keeps. Under an OR (a demand's enterprise, or a meeting's 交办事项) PostgreSQL cannot
    turn an IN into a join; once the visible set outgrew work_mem (a province chief's 587k enterprises) it scanned
    that whole set again for every row it counted: a 工作台 card ran for most of an hour."""
    if not visible.query.has_filters():  # every row is visible: any key will do
        return Q(**{f"{attname}__isnull": False})
    return Q(Exists(visible.filter(pk=OuterRef(attname))))


def _own_enterprise_path(model: Any) -> bool:
    """Whether an enterprise user sees exactly the rows of `model` whose primary key is their enterprise's."""
    paths = getattr(model, "scope_paths", None)
    return isinstance(paths, ScopePaths) and paths.path_for(ENTERPRISE) == "pk"


def condition(model: type[models.Model], paths: ScopePaths, scope: Scope) -> Q | None:
    """The filter a scope puts on a model; `None` for every row, `Q(pk__in=[])` for none."""
    nothing = Q(pk__in=[])
    dimension = scope.dimension
    if dimension is None:
        return nothing
    path = paths.path_for(dimension)
    if path is NONE:
        return nothing
    if path is None and paths.own is not None:
        return _equals(model, paths.own, scope.user)
    if path is None:
        if paths.via is None:
            return nothing
        field = model._meta.get_field(paths.via)
        target = field.related_model
        single = field.many_to_one or field.one_to_one
        if single and dimension == ENTERPRISE and _own_enterprise_path(target):
            # An enterprise user's rows through their one enterprise: its id itself, so the database starts from
            # that id's index. The EXISTS below (or a semi-join placed after a list page's eight joins) went
            # through all of a city's 50,000 demands to fill an enterprise's first page (190 ms a view).
            return Q(**{f"{field.attname}__in": scope.enterprise_ids})  # type: ignore[union-attr]
        visible = target._default_manager.visible_to(scope)  # type: ignore[union-attr]
        if single:
            return through_key(field.attname, visible)  # type: ignore[union-attr]
        return Q(**{f"{paths.via}__in": visible.values("pk")})
    if path is ALL:
        return None
    if isinstance(path, Custom):
        return path.rule(scope)
    many = path if isinstance(path, tuple) else (path,)
    return _OR(model, dimension, scope, many)


def _OR(model: type[models.Model], dimension: str, scope: Scope, paths: tuple[Any, ...]) -> Q:  # noqa: N802
    result = Q(pk__in=[])
    for i, path in enumerate(paths):
        q = _one(model, dimension, scope, path)
        result = q if i == 0 else result | q
    return result


def _one(model: type[models.Model], dimension: str, scope: Scope, path: Any) -> Q:
    if isinstance(path, Person):
        return _equals(model, path.path, scope.user)
    if dimension == CHAIN:
        return _in(model, path, scope.chain_ids)
    if dimension == LIAISON:
        return _equals(model, path, scope.user)
    if dimension == REGION:
        if scope.region_id is None:
            return Q(pk__in=[])
        if isinstance(path, Exact):
            return _equals(model, path.path, scope.region_id)
        return _region(model, path, scope.region_id)
    if dimension == ENTERPRISE:
        return _in(model, path, scope.enterprise_ids)
    if dimension == DEPARTMENT:
        return _equals(model, path, scope.department_id) if scope.department_id else Q(pk__in=[])
    return _equals(model, path, scope.user)  # the administrators: a path to the user


def visible(qs: models.QuerySet[Any], user: Any) -> Any:
    """`qs` cut to what the user (or a `Scope`) may see, by the model's declared `scope_paths`."""
    paths: ScopePaths = qs.model.scope_paths  # type: ignore[attr-defined]
    q = condition(qs.model, paths, scope_of(user))
    return qs if q is None else qs.filter(q)


class ScopedQuerySet(models.QuerySet[M], Generic[M]):
    """A queryset whose model declares `scope_paths`; `visible_to` is derived from the declaration."""

    def visible_to(self, user: Any) -> Any:
        """The rows the user (or a `Scope`) may see; none for the anonymous and for roles not declared."""
        return visible(self, user)


def reader_scope(user: User) -> Scope:
    """Alias for callers that read better with a noun."""
    return scope_of(user)
