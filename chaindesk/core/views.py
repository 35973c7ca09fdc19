"""Error pages in the product's look; permission denials are recorded in the audit trail."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import audit
from .models import AuditAction


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    user = getattr(request, "user", None)
    audit.record(action=AuditAction.PERMISSION_DENIED, actor=user, message=request.path[:500])
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors: the database may be what failed.
    from django.template import loader  # noqa: PLC0415

    return HttpResponse(loader.get_template("500.html").render(), status=500)


def csrf_failure(request: HttpRequest, reason: str = "", **kwargs: Any) -> HttpResponse:
    """A refused form (missing or wrong CSRF token): recorded like any other refusal, then explained."""
    user = getattr(request, "user", None)
    message = f"CSRF {request.method} {request.path}: {reason}"[:500]
    audit.record(action=AuditAction.PERMISSION_DENIED, actor=user, message=message)
    return render(request, "403_csrf.html", status=403)
