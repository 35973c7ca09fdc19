"""The JSON API (django-ninja, OpenAPI 3). It calls the same selectors and services as the pages; every error
answers application/problem+json (chaindesk/api/errors.py).

Callers are the browser (its session, with the CSRF check) and other systems (an API token): every router is
mounted with `API_AUTH` (chaindesk/api/auth.py), which overrides the session-only auth a router declares itself;
a router added here must be mounted the same way. Every POST honours `Idempotency-Key`
(chaindesk/api/idempotency.py), installed once for the whole API."""

import copy
import importlib
from typing import Any

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.utils import translation
from ninja import NinjaAPI, Router, Schema

from . import errors, idempotency, lists
from .auth import API_AUTH


class ChainDeskAPI(NinjaAPI):
    """The API, whose OpenAPI schema also names the Idempotency-Key header every POST honours and the problems
    (application/problem+json) every operation may answer."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """Built once per process and language: the routes do not change while it runs, and building the schema
        of every operation took over two seconds per request (the bench's walk of every route flagged it)."""
        key = (translation.get_language(), repr(sorted(kwargs.items())))
        cached = _SCHEMAS.get(key)
        if cached is None:
            cached = _SCHEMAS[key] = errors.document(idempotency.document(super().get_openapi_schema(**kwargs)))
        return copy.deepcopy(cached)  # a caller may change what it gets


_SCHEMAS: dict[tuple[Any, str], Any] = {}


# The schema and its docs page are for signed-in users only: a visitor is sent to the login page first.
api = ChainDeskAPI(
    title="ChainDesk API", version="1", urls_namespace="api", docs_decorator=login_required, auth=API_AUTH
)
errors.install(api)  # every error as application/problem+json in Chinese, 500 included
api.add_decorator(idempotency.idempotent, mode="view")  # Idempotency-Key on every POST


def app_routers() -> list[tuple[str, Router]]:
    """Each chaindesk app's `api` module (if it has one): its `router`, mounted at `/<PREFIX>/` (PREFIX defaults to
    the app's label), or its `routers` ({prefix: router}) for an app serving several resources. An app's router
    serves its resources' detail and write operations (and, for projects and demands, their typed lists);
    lists.py serves every other declared resource's list."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("chaindesk.") or config.name == "chaindesk.api":
            continue
        try:
            module = importlib.import_module(f"{config.name}.api")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.api":
                raise
            continue
        if hasattr(module, "routers"):  # an app serving several resources: {prefix: router}
            found.extend(module.routers.items())
        else:
            found.append((getattr(module, "PREFIX", config.label), module.router))
    return found


_routers = dict(app_routers())
_lists = lists.install(_routers)  # each resource's list, on its app's router where it has one
for prefix, router in _routers.items():
    api.add_router(f"/{prefix}/", router, auth=API_AUTH)
api.add_router("/", _lists, auth=API_AUTH)  # every other declared resource's list


class HealthOut(Schema):
    status: str


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    role_label: str
    scope: str


@api.get("/health", response=HealthOut, auth=None, tags=["system"])
def health(request: HttpRequest) -> dict[str, str]:
    """Liveness for load balancers: answers without touching the database."""
    return {"status": "ok"}


@api.get("/me", response=MeOut, tags=["accounts"])
def me(request: HttpRequest) -> dict[str, str]:
    """Who the caller is: the signed-in user, or the user an API token acts as (every token may ask)."""
    user = request.user
    return {
        "username": user.username,  # type: ignore[union-attr]
        "display_name": user.display_name,  # type: ignore[union-attr]
        "role": user.role,  # type: ignore[union-attr]
        "role_label": str(user.get_role_display()),  # type: ignore[union-attr]
        "scope": user.scope_label,  # type: ignore[union-attr]
    }
