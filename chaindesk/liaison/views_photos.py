"""A visit's photos after it was saved: the page that shows them, adds more (the phone's camera or its album) and
removes one after a confirmation page. Officials who see the visit read the page; adding and removing are for
whoever may edit the visit (permissions.may_log_visit), through the audited services. Visits and photos are read
through the user's visible set: 404 for missing and forbidden alike."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from chaindesk.accounts.choices import OFFICIALS
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core import uploads
from chaindesk.core.errors import service_errors, service_messages
from chaindesk.core.pages import Crumb, form_page
from chaindesk.core.permissions import role_required
from chaindesk.core.visibility import get_visible_or_404
from chaindesk.enterprises.views import ENTERPRISE_PAGES

from . import permissions, selectors, services
from .forms import VisitPhotosForm
from .models import Visit, VisitPhoto

PHOTO_CODES = {**dict.fromkeys(uploads.ERROR_CODES, "photos"), "no_photos": "photos"}


def _visit(request: AuthedRequest, pk: int) -> Visit:
    qs = Visit.objects.visible_to(request.user).select_related("enterprise", "created_by")
    return get_visible_or_404(qs, pk, user=request.user)


def _crumbs(visit: Visit, *extra: Crumb) -> list[Crumb]:
    visits = (_("走访记录"), reverse("liaison:visits", args=[visit.enterprise_id]))
    return ENTERPRISE_PAGES.object_crumbs(visit.enterprise, visits, *extra)


@role_required(*OFFICIALS)
def visit_photos(request: AuthedRequest, pk: int) -> HttpResponse:
    """走访照片: the visit's photos; for whoever may edit the visit, the form that adds more (POST) and a 删除
    beside each photo. A refused photo comes back on the form (400) and nothing is stored."""
    visit = _visit(request, pk)
    may_edit = permissions.may_log_visit(request.user, visit.enterprise, visible=True)
    if request.method == "POST" and not may_edit:
        raise PermissionDenied
    posted = request.method == "POST"  # bound even when nothing was chosen: that is refused, not ignored
    form = VisitPhotosForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        with service_errors(form, codes=PHOTO_CODES):
            added = services.visit_photos_add(actor=request.user, visit=visit, photos=form.cleaned_data["photos"])
            messages.success(request, _("已上传 %(n)s 张照片。") % {"n": len(added)})
            return redirect("liaison:visit_photos", visit.pk)
    title = _("走访照片")
    context = {
        "visit": visit,
        "enterprise": visit.enterprise,
        "photos": list(selectors.visit_photos(visit)),
        "form": form if may_edit else None,
        "may_edit": may_edit,
        "page_title": title,
        "breadcrumbs": _crumbs(visit, (title, None)),
    }
    return form_page(request, "liaison/visit_photos.html", context)


@role_required(*OFFICIALS)
def visit_photo_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    """GET: the confirmation page (the photo and what removing it means); POST: remove it and go back to the
    visit's photos. Only for whoever may edit the visit (403 for a reader, 404 out of scope)."""
    qs = VisitPhoto.objects.visible_to(request.user).select_related("visit__enterprise", "visit__created_by")
    photo = get_visible_or_404(qs, pk, user=request.user)
    visit = photo.visit
    if not permissions.may_log_visit(request.user, visit.enterprise, visible=True):
        raise PermissionDenied
    if request.method == "POST":
        with service_messages(request):
            services.visit_photo_remove(actor=request.user, photo=photo)
            messages.success(request, _("已删除照片“%(name)s”。") % {"name": photo.original_name})
        return redirect("liaison:visit_photos", visit.pk)
    title = _("删除照片")
    back = (_("走访照片"), reverse("liaison:visit_photos", args=[visit.pk]))
    context = {"photo": photo, "visit": visit, "page_title": title, "breadcrumbs": _crumbs(visit, back, (title, None))}
    return render(request, "liaison/visit_photo_remove.html", context)
