"""Object lookup through a user's visible set: missing and forbidden both answer 404."""

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import Http404

from . import audit
from .models import AuditAction

M = TypeVar("M", bound=models.Model)


def get_visible_or_404(visible: models.QuerySet[M], pk: Any, *, user: Any) -> M:
    """Fetch `pk` from the user's visible queryset; record a denial when it exists outside their scope."""
    try:
        return visible.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        pass
    hidden = visible.model._default_manager.filter(pk=pk).first() if str(pk).isdigit() else None
    if hidden is not None:
        audit.record(
            action=AuditAction.PERMISSION_DENIED,
            actor=user,
            obj=hidden,
            message="out of scope",
        )
    raise Http404
