"""The JSON API (django-ninja, OpenAPI 3). It calls the same selectors and services as the pages; every error
answers application/problem+json (chaindesk/api/errors.py)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from ninja import NinjaAPI, Schema
from ninja.security import django_auth

from chaindesk.demands.api import router as demands_router
from chaindesk.projects.api import router as projects_router

from . import errors, lists

# The schema and its docs page are for signed-in users only: a visitor is sent to the login page first.
api = NinjaAPI(title="ChainDesk API", version="1", urls_namespace="api", docs_decorator=login_required)
errors.install(api)  # every error as application/problem+json in Chinese, 500 included
api.add_router("/projects/", projects_router)
api.add_router("/demands/", demands_router)
api.add_router("/", lists.install())  # every other declared resource's list


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


@api.get("/me", response=MeOut, auth=django_auth, tags=["accounts"])
def me(request: HttpRequest) -> dict[str, str]:
    user = request.user
    return {
        "username": user.username,  # type: ignore[union-attr]
        "display_name": user.display_name,  # type: ignore[union-attr]
        "role": user.role,  # type: ignore[union-attr]
        "role_label": str(user.get_role_display()),  # type: ignore[union-attr]
        "scope": user.scope_label,  # type: ignore[union-attr]
    }
