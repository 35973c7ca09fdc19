"""The JSON API (django-ninja, OpenAPI 3). It calls the same selectors and services as the pages; every error
answers application/problem+json (chaindesk/api/errors.py).

Callers are the browser (its session, with the CSRF check) and other systems (an API token): every router is
mounted with `API_AUTH` (chaindesk/api/auth.py), which overrides the session-only auth a router declares itself;
a router added here must be mounted the same way. Every POST honours `Idempotency-Key`
(chaindesk/api/idempotency.py), installed once for the whole API."""

import copy
import dataclasses
import importlib
from typing import Any

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Router, Schema

from chaindesk.core import health as readiness
from chaindesk.core.errors import PROBLEM_JSON, Problem, ProblemOut

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


class CheckOut(Schema):
    name: str = Field(..., description="检查项：database、redis（配置了 REDIS_URL 时）、queue、disk")
    ok: bool
    detail: str = Field(..., description="中文说明")
    value: float | None = Field(None, description="测得的值：queue 为秒，disk 为字节，redis 为往返秒数")
    limit: float | None = Field(
        None, description="该值的界限：queue 的最长等待秒数，disk 的最少剩余字节，redis 的超时秒数"
    )


class ReadyOut(Schema):
    ready: bool
    checks: list[CheckOut]


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


@api.get("/ready", response={200: ReadyOut, 503: ProblemOut}, auth=None, tags=["system"])
def ready(request: HttpRequest) -> HttpResponse:
    """Readiness for load balancers and orchestrators (chaindesk/core/health.py): the database, Redis when configured,
    the age of the oldest due background task, the free space for attachments. 200 when every check passes;
    otherwise 503 as application/problem+json that carries the same `ready` (false) and `checks` members."""
    checks = [dataclasses.asdict(check) for check in readiness.run_checks()]
    failed = [check["name"] for check in checks if not check["ok"]]
    readable = {"ensure_ascii": False}
    if not failed:
        response = JsonResponse({"ready": True, "checks": checks}, json_dumps_params=readable)
    else:
        detail = _("未通过的检查：%(names)s") % {"names": "、".join(failed)}
        problem = Problem(503, detail, "not-ready").as_dict()
        body = {**problem, "title": _("服务未就绪"), "ready": False, "checks": checks}
        response = JsonResponse(body, status=503, content_type=PROBLEM_JSON, json_dumps_params=readable)
    response["Cache-Control"] = "no-store"
    return response


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
