"""The request type of every page behind a login: its user is a signed-in `User`, never AnonymousUser.

Views decorated with `login_required` or `role_required` annotate `request: AuthedRequest`, so mypy checks
that what they pass as a service's `actor` is a person (services take `chaindesk.core.actors.Actor`: a user
or a named system actor, never None)."""

from django.http import HttpRequest

from .models import User


class AuthedRequest(HttpRequest):
    user: User  # type: ignore[assignment]  # narrowed by login_required
