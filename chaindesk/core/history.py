"""The 历史记录 tab of any object page: its audit lines, only for users who may see the object.

A model whose audit trail some readers of the object may not read says so with a manager method
`history_visible_to(user)` (accounts: the system administrator manages users but only the audit
administrator reads their audit lines, 三权分立); otherwise the object's `visible_to` decides. Personal
fields are masked and staff-only fields withheld for readers who may not read them (chaindesk/core/privacy.py)."""

from typing import Any

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .changes import describe
from .listing import paginate
from .models import AuditLog
from .privacy import personal_fields_hidden_from, staff_fields_hidden_from
from .visibility import get_visible_or_404


@login_required
def object_history(request: HttpRequest, app_label: str, model: str, pk: int) -> HttpResponse:
    try:
        model_cls = apps.get_model(app_label, model)
    except LookupError as exc:
        raise Http404 from exc
    readable = _history_readable(model_cls, request.user)
    if readable is None:
        raise Http404
    obj = get_visible_or_404(readable, pk, user=request.user)
    entries = AuditLog.objects.for_object(obj).select_related("actor", "content_type")
    page_obj = paginate(entries, request.GET.get("page"))
    lines = list(page_obj.object_list)
    changes = describe(
        lines,
        masked=personal_fields_hidden_from(obj, request.user),
        withheld=staff_fields_hidden_from(obj, request.user),
    )
    context = {
        "obj": obj,
        "page_obj": page_obj,
        "rows": [(entry, changes[entry.pk]) for entry in lines],
        "page_title": _("历史记录"),
    }
    if request.headers.get("HX-Request"):
        return render(request, "core/partials/history.html", context)
    context["breadcrumbs"] = [(str(obj), None), (_("历史记录"), None)]
    return render(request, "core/history.html", context)


def _history_readable(model_cls: Any, user: Any) -> Any:
    """The objects of `model_cls` whose history `user` may read; None when the model has no visibility."""
    manager = model_cls._default_manager
    if hasattr(manager, "history_visible_to"):
        return manager.history_visible_to(user)
    if hasattr(manager, "visible_to"):
        return manager.visible_to(user)
    return None
