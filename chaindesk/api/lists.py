"""The API list of every declared resource (`chaindesk.core.resources.REGISTRY`): `GET /api/<api_name>/`.

Each list is the page's list, not a copy of it: the same readers (`Resource.roles`), the same filtered and
sorted visible set (`Resource.select`, the selector the page and the export call), the same columns (those
the resource marks for the API) and the same per-reader field rules as the ledger (`Resource.reader_rows`).
The rows come `limit` at a time after a `cursor` (keyset pages: chaindesk/api/pagination.py) with the total
`count` (past CHAINDESK_EXACT_COUNT_LIMIT rows the planner's estimate, `count_estimated`) and the `next` page's
cursor. A reader outside the roles gets 403, a
visitor who is not signed in 401, both as application/problem+json (chaindesk/api/errors.py). An API token reads a
list as its user, if its scopes name the list's resource (chaindesk/api/auth.py).

Demands and projects keep their typed lists of /api/demands/ and /api/projects/ (with their detail and
create operations); every other resource is served from here.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.module_loading import autodiscover_modules
from ninja import Field, Query, Router, Schema
from pydantic import create_model

from chaindesk.core.resources import REGISTRY, Resource

from .pagination import ESTIMATED, CursorPagination, cursor_page

router = Router()  # mounted with the API's auth (chaindesk/api/auth.py: API_AUTH)

Cell = str | int | float | bool | None


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def listed(params: dict[str, Any]) -> dict[str, str]:
    """The query's filters as the page's URL would carry them: only those given."""
    return {name: str(value) for name, value in params.items() if value not in ("", None)}


def _operation(resource: Resource) -> tuple[Callable[..., Any], type[Schema]]:
    name = _camel(resource.api_name)
    filters_schema = resource.api_filters(f"{name}Filters")
    row_schema: type[Schema] = create_model(  # type: ignore[call-overload]
        f"{name}Row",
        __base__=Schema,
        id=(int, Field(..., title="ID")),
        **{c.key: (Cell, Field(None, title=str(c.label))) for c in resource.api_columns()},
    )
    page_schema: type[Schema] = create_model(  # type: ignore[call-overload]
        f"{name}Page",
        __base__=Schema,
        count=(int, Field(..., description="符合条件的总条数")),
        count_estimated=(bool, Field(False, description=ESTIMATED)),
        next=(str | None, Field(..., description="下一页的游标（作为 cursor 传回）；最后一页为 null")),
        items=(list[row_schema], ...),  # type: ignore[valid-type]
    )
    select = resource.select
    assert select is not None  # noqa: S101 - only resources with a selector are served
    prepare = resource.ledger.prepare if resource.ledger else None

    def operation(
        request: HttpRequest,
        filters: Query[filters_schema],  # type: ignore[valid-type]
        page: Query[CursorPagination.Input],
    ) -> dict[str, Any]:
        if not resource.readable_by(request.user):
            raise PermissionDenied
        queryset, _sort = select(request.user, listed(filters.model_dump()))  # type: ignore[attr-defined]
        found = cursor_page(prepare(queryset) if prepare else queryset, page.cursor, page.limit, estimate=True)
        return {**found, "items": resource.api_rows(found["items"], request.user)}

    operation.__doc__ = f"{resource.api_name}: the list page's rows with its filters and sort, paged."
    return operation, page_schema


def _has_list(target: Router) -> bool:
    """The router already serves its own typed list (projects, demands)."""
    view = target.path_operations.get("/")
    return view is not None and any("GET" in op.methods for op in view.operations)


def install(app_routers: Mapping[str, Router] | None = None) -> Router:
    """One GET operation per resource that names an `api_name` (each declared once, so each once here).
    Every app's resource modules are imported first, whatever imported this module. A resource whose app mounts
    a router at its api_name (api.app_routers) gets its list on that router's "/" (one path: the app's POST "/"
    creates beside it), unless that router serves a typed list of its own."""
    autodiscover_modules("resources", "resources_tasks", "resources_audit")
    app_routers = app_routers or {}
    for resource in sorted(served(), key=lambda r: r.api_name):
        target = app_routers.get(resource.api_name)
        if target is not None and _has_list(target):
            continue
        operation, page_schema = _operation(resource)
        target_router, path = (target, "/") if target is not None else (router, f"/{resource.api_name}/")
        target_router.add_api_operation(
            path,
            ["GET"],
            operation,
            response=page_schema,
            tags=[resource.api_name],
            operation_id=f"list_{resource.api_name}",
            url_name=f"list_{resource.api_name}",
            summary=f"{resource.api_name} list",
        )
    return router


def served() -> list[Resource]:
    """The resources served by this module, for tests and the README."""
    return [r for r in REGISTRY.values() if r.api_name and r.select is not None]
