"""Pages of items sought from higher levels (上争事项): the list with filters and export, the item page with
its stage buttons and history, and the create/edit form. Lookups go through the user's visible set (404 for
missing and forbidden alike); writes go through chaindesk.upward.services."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import Department
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.chains.models import Chain
from chaindesk.core import clock
from chaindesk.core.errors import refusal_page, service_errors
from chaindesk.core.pages import Section, form_refusal, stage_refusal
from chaindesk.core.permissions import role_required
from chaindesk.core.visibility import get_visible_or_404
from chaindesk.enterprises.models import Enterprise
from chaindesk.projects.models import Project

from . import permissions, services
from .choices import UpwardStage
from .forms import AdvanceForm, UpwardForm
from .models import UpwardRequest
from .resources import UPWARD, UPWARD_VIEWERS
from .selectors import upward_list

UPWARD_PAGES = Section(gettext_lazy("上争事项"), "upward:list", "upward:detail", "item", name_attr="title")


# --- list and export -----------------------------------------------------------------------------------


@role_required(*UPWARD.roles)
def upward_list_view(request: AuthedRequest) -> HttpResponse:
    qs, sort = upward_list(request.user, request.GET.dict())
    choices = {
        "departments": list(Department.objects.filter(is_active=True).values_list("pk", "short_name")),
        "chains": list(Chain.objects.values_list("pk", "name")),
    }
    return UPWARD.render(
        request,
        "upward/list.html",
        qs,
        sort,
        title=_("上争事项"),
        choices=choices,
        today=clock.today(),
        may_create=permissions.may_create(request.user),
    )


@role_required(*UPWARD.roles)
def upward_export(request: AuthedRequest) -> HttpResponse:
    """Exactly the filtered list as an .xlsx ledger (every row, streamed); audited."""
    qs, _sort = upward_list(request.user, request.GET.dict())
    return UPWARD.export(request, qs)


# --- item page and stage moves -------------------------------------------------------------------------


def _visible(request: AuthedRequest, pk: int) -> UpwardRequest:
    qs = UpwardRequest.objects.visible_to(request.user).select_related("department", "chain", "region", "created_by")
    return get_visible_or_404(qs, pk, user=request.user)


def _managed(request: AuthedRequest, pk: int) -> UpwardRequest:
    item = _visible(request, pk)
    if not permissions.can_manage(request.user, item):
        raise PermissionDenied
    return item


def _linked(request: AuthedRequest, item: UpwardRequest) -> dict[str, Any]:
    """Linked enterprises and projects, each with whether the reader may open its page."""
    enterprises = list(item.enterprises.order_by("name"))
    projects = list(item.projects.order_by("name"))
    seen_e = set(
        Enterprise.objects.visible_to(request.user)
        .filter(pk__in=[e.pk for e in enterprises])
        .values_list("pk", flat=True)
    )
    seen_p = set(
        Project.objects.visible_to(request.user).filter(pk__in=[p.pk for p in projects]).values_list("pk", flat=True)
    )
    return {
        "linked_enterprises": [(e, e.pk in seen_e) for e in enterprises],
        "linked_projects": [(p, p.pk in seen_p) for p in projects],
    }


def _detail_context(request: AuthedRequest, item: UpwardRequest, **extra: Any) -> dict[str, Any]:
    may_manage = permissions.can_manage(request.user, item)
    targets = services.allowed_stages(item) if may_manage else []
    context = {
        "item": item,
        "may_manage": may_manage,
        "targets": [(t, UpwardStage(t).label) for t in targets],
        "stage_path": [(value, label, value == item.stage) for value, label in UpwardStage.choices],
        "today": clock.today(),
        "page_title": item.title,
        "breadcrumbs": UPWARD_PAGES.crumbs((item.title, None)),
        **_linked(request, item),
    }
    context.update(extra)
    return context


@role_required(*UPWARD_VIEWERS)
def upward_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _visible(request, pk)
    return render(request, "upward/detail.html", _detail_context(request, item))


def _refused(request: AuthedRequest, error: Exception, pk: int) -> HttpResponse:
    """The item as it now stands with the refusal (409 or 400 through `refusal_page`)."""
    context = _detail_context(request, _visible(request, pk), **stage_refusal(request, error))
    return render(request, "upward/detail.html", context)


@role_required(*UPWARD_VIEWERS)
@require_POST
@refusal_page(_refused, invalid=_refused)
def upward_advance(request: AuthedRequest, pk: int) -> HttpResponse:
    """A stage move. A stale page or a move the machine forbids answers 409 with the item as it now stands;
    bad input answers 400 with its message; neither changes anything."""
    item = _managed(request, pk)
    form = AdvanceForm(request.POST)
    if not form.is_valid():
        raise form_refusal(form)
    data = form.cleaned_data
    item = services.upward_advance(
        item=item,
        to_stage=data["to_stage"],
        on=data["on"],
        actor=request.user,
        expected_stage=data["expected_stage"],
        amount_obtained=data["amount_obtained"],
    )
    messages.success(
        request,
        _("事项阶段已变更为“%(stage)s”（%(date)s）。")
        % {"stage": item.get_stage_display(), "date": data["on"].isoformat()},
    )
    return redirect("upward:detail", item.pk)


# --- create and edit -----------------------------------------------------------------------------------


def _initial(item: UpwardRequest) -> dict[str, Any]:
    data: dict[str, Any] = {f: getattr(item, f) for f in services.EDITABLE}
    data["enterprises"] = list(item.enterprises.all())
    data["projects"] = list(item.projects.all())
    return data


def _save(request: AuthedRequest, form: UpwardForm, item: UpwardRequest | None) -> UpwardRequest | None:
    """Hand the cleaned form to the service; its refusals land on the form and nothing is written."""
    data = dict(form.cleaned_data)
    with service_errors(form, denied=(None, _("您无权保存该上争事项。"))):
        if item is None:
            return services.upward_create(actor=request.user, **data)
        return services.upward_update(item=item, actor=request.user, **data)
    return None


@role_required(*UPWARD_VIEWERS)
def upward_create(request: AuthedRequest) -> HttpResponse:
    if not permissions.may_create(request.user):
        raise PermissionDenied
    initial = {"department": request.user.department_id} if request.user.role == Role.DEPT_HANDLER else {}  # type: ignore[union-attr]
    form = UpwardForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid() and (item := _save(request, form, None)) is not None:
        messages.success(request, _("上争事项“%(title)s”已登记，当前阶段：谋划。") % {"title": item.title})
        return redirect("upward:detail", item.pk)
    return UPWARD_PAGES.create_page(request, "upward/form.html", form, title=_("登记上争事项"), crumb=_("登记"))


@role_required(*UPWARD_VIEWERS)
def upward_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _managed(request, pk)
    form = UpwardForm(request.POST or None, user=request.user, item=item, initial=_initial(item))
    if request.method == "POST" and form.is_valid() and _save(request, form, item) is not None:
        messages.success(request, _("已保存。"))
        return redirect("upward:detail", item.pk)
    return UPWARD_PAGES.object_page(request, "upward/form.html", form, item, title=_("编辑上争事项"))
