"""Pages of meeting reports (issue 15, item 3): the list of the user's reports with the paste/upload form, the
review page (the report's text beside its draft, each item's source sentence marked), the confirmation that
writes the records, and the page that discards a draft.

Reports are read through the user's visible set (404 for missing and forbidden alike); only the chains' teams
read reports, and only a report's author reviews it (403 otherwise). Writes go through chaindesk.ingest.services:
a refusal lands on the form (400) and nothing is written; a report confirmed or discarded meanwhile answers 409."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core.errors import service_errors
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.pages import Section, form_page
from chaindesk.core.permissions import role_required
from chaindesk.core.visibility import get_visible_or_404

from . import evidence, services
from .forms import ReviewForm
from .models import RecordKind, Report, ReportRecord, ReportStatus
from .sources import MAX_BYTES, ReportError

REPORT_PAGES = Section(gettext_lazy("会议报道录入"), "ingest:list", "ingest:review", "report", name_attr="title")
ROLES = tuple(services.READER_ROLES)
PAGE_SIZE = 50
UNSAVED = frozenset({"csrfmiddlewaretoken", "action"})


def _report(request: AuthedRequest, pk: int) -> Report:
    qs = Report.objects.visible_to(request.user).select_related("meeting", "created_by", "confirmed_by")
    return get_visible_or_404(qs, pk, user=request.user)


def _list(request: AuthedRequest, *, error: str = "", text: str = "", status: int = 200) -> HttpResponse:
    reports = Report.objects.visible_to(request.user).filter(created_by=request.user).select_related("meeting")
    return render(
        request,
        "ingest/list.html",
        {
            "reports": reports.defer("original", "text", "draft", "review")[:PAGE_SIZE],
            "error": error,
            "text": text,
            "page_title": _("会议报道录入"),
            "breadcrumbs": REPORT_PAGES.crumbs(),
        },
        status=status,
    )


@role_required(*ROLES)
@require_http_methods(["GET", "POST"])
def report_list(request: AuthedRequest) -> HttpResponse:
    """The user's reports, newest first, and the form that reads a new one (pasted, or a file)."""
    if request.method != "POST":
        return _list(request)
    upload = request.FILES.get("file")
    text = request.POST.get("text", "")
    try:
        if upload is not None:
            if upload.size is not None and upload.size > MAX_BYTES:
                raise ReportError(_("内容过长（超过 10 MB），请只粘贴或上传一篇报道。"))
            report = services.report_read(actor=request.user, data=upload.read(), file_name=upload.name or "")
        else:
            report = services.report_read(actor=request.user, data=text)
    except ReportError as exc:
        return _list(request, error=str(exc), text=text[:20000], status=400)
    return redirect("ingest:review", report.pk)


def _review_page(request: AuthedRequest, report: Report, form: ReviewForm | None, status: int = 200) -> HttpResponse:
    sources = (report.draft or {}).get("evidence") or {}
    return render(
        request,
        "ingest/review.html",
        {
            "report": report,
            "form": form,
            "sentences": evidence.marked(report.text, sources),
            "records": _records(report),
            "earlier": services.recorded_before(report, request.user),
            "page_title": report.title,
            "breadcrumbs": REPORT_PAGES.crumbs((report.title, None)),
        },
        status=status,
    )


RECORD_PAGES: dict[str, str] = {
    RecordKind.MEETING: "meetings:detail",
    RecordKind.ENTERPRISE: "enterprises:detail",
    RecordKind.PROJECT: "projects:detail",
    RecordKind.DEMAND: "demands:detail",
    RecordKind.UPWARD: "upward:detail",
    RecordKind.TALENT: "network:talent_detail",
    RecordKind.PARTNER: "network:partner_detail",
}


def _records(report: Report) -> list[tuple[ReportRecord, str]]:
    """What a confirmed report wrote, each with its page (stops and decisions: the meeting's)."""
    if report.status != ReportStatus.CONFIRMED:
        return []
    rows = []
    for record in report.records.all():
        page = RECORD_PAGES.get(record.kind)
        if page is not None:
            rows.append((record, reverse(page, args=[record.object_id])))
        elif report.meeting_id and record.kind in (RecordKind.SITE_VISIT, RecordKind.DECISION):
            rows.append((record, reverse("meetings:detail", args=[report.meeting_id])))
        else:
            rows.append((record, ""))
    return rows


@role_required(*ROLES)
@require_http_methods(["GET", "POST"])
def report_review(request: AuthedRequest, pk: int) -> HttpResponse:
    """The draft beside the text; 保存草稿 keeps the edits, 确认录入 writes the records."""
    report = _report(request, pk)
    editable = report.status == ReportStatus.DRAFT and report.created_by_id == request.user.pk
    if request.method != "POST":
        return _review_page(request, report, ReviewForm(report=report, user=request.user) if editable else None)
    if not editable and report.status == ReportStatus.DRAFT:
        raise PermissionDenied
    if request.POST.get("action") == "save":
        return _save(request, report)
    form = ReviewForm(request.POST, report=report, user=request.user)
    if form.is_valid():
        try:
            with service_errors(form):
                meeting = services.report_confirm(actor=request.user, report=report, review=form.review())
                messages.success(request, _("已录入会议“%(title)s”及报道中的各项记录。") % {"title": meeting.title})
                return redirect("meetings:detail", meeting.pk)
        except InvalidTransition as exc:
            return _conflict(request, pk, str(exc))
    return _review_page(request, report, form, status=400)


def _save(request: AuthedRequest, report: Report) -> HttpResponse:
    values = {k: v for k, v in request.POST.items() if k not in UNSAVED}
    try:
        services.report_save(actor=request.user, report=report, values=values)
    except ValidationError as exc:  # confirmed or discarded meanwhile
        return _conflict(request, report.pk, "；".join(exc.messages))
    messages.success(request, _("草稿已保存。"))
    return redirect("ingest:review", report.pk)


def _conflict(request: AuthedRequest, pk: int, message: str) -> HttpResponse:
    """The report as it is now, with why the action was refused (409)."""
    messages.error(request, message)
    report = _report(request, pk)
    return _review_page(request, report, None, status=409)


@role_required(*ROLES)
@require_http_methods(["GET", "POST"])
def report_discard(request: AuthedRequest, pk: int) -> HttpResponse:
    """放弃 a draft, after a confirmation page."""
    report = _report(request, pk)
    if report.created_by_id != request.user.pk:
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.report_discard(actor=request.user, report=report)
        except InvalidTransition as exc:
            return _conflict(request, pk, str(exc))
        messages.success(request, _("已放弃该报道，未录入任何记录。"))
        return redirect("ingest:list")
    return form_page(
        request,
        "ingest/discard.html",
        {
            "report": report,
            "page_title": _("放弃报道"),
            "breadcrumbs": REPORT_PAGES.object_crumbs(report, (_("放弃"), None)),
        },
    )


def meeting_source(meeting: Any, user: Any) -> tuple[str, str] | None:
    """The report a meeting was read from, for the meeting page (registered in apps.py)."""
    report = Report.objects.visible_to(user).filter(meeting=meeting).only("pk", "title").first()
    if report is None:
        return None
    return (_("会议报道：%(title)s") % {"title": report.title}, reverse("ingest:review", args=[report.pk]))
