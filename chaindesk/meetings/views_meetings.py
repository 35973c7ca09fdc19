"""Meeting pages of issue 12 item 1: the team's form that records or corrects a meeting (facts, people, stops,
speeches, minutes, attachments), the confirmation page that deletes one, the export, the files (attachments and
site-visit photos, for whoever sees the meeting), and the private calendar feed: its page and the ICS itself.

Meetings are read through the user's visible set (404 for missing and forbidden alike); writing is for the
chain's service team (403 for other readers); writes go through chaindesk.meetings.services_meetings. The ICS
feed needs no session: its secret token is the key, and it lists only meetings its owner attends and may see."""

import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from chaindesk.accounts.choices import OFFICIALS, RegionLevel
from chaindesk.accounts.models import Department, Region, User
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core import clock, uploads
from chaindesk.core.errors import add_service_errors, service_messages
from chaindesk.core.params import param_text
from chaindesk.core.permissions import role_required
from chaindesk.core.picker import REMOTE_MATCHES, options_response, remote_matches, remote_options
from chaindesk.core.visibility import get_visible_or_404

from . import ics
from . import services_meetings as services
from .forms_meetings import (
    MeetingForm,
    chain_enterprises,
    chain_projects,
    draft_initial,
    project_label,
    team_chains,
)
from .models import CalendarFeed, Meeting, MeetingAttachment, SiteVisitPhoto
from .resources import MEETINGS
from .selectors import meeting_list
from .selectors_meetings import feed_meetings
from .views import MEETING_PAGES

FORM_TEMPLATE = "meetings/meeting_form.html"
# A speech's department, district or enterprise is one field on the form (发言单位).
SPEAKER_KEY = re.compile(r"^sp_(department|region|enterprise)_(\d+)$")
FILE_CODES = dict.fromkeys(uploads.ERROR_CODES, "attachments")


def _meeting(request: AuthedRequest, pk: int) -> Meeting:
    qs = Meeting.objects.visible_to(request.user).select_related("chain", "leader", "chair", "region")
    return get_visible_or_404(qs, pk, user=request.user)


def _managed(request: AuthedRequest, pk: int) -> Meeting:
    """A meeting the user sees (404 otherwise), for the team of its chain only (403 otherwise)."""
    meeting = _meeting(request, pk)
    if not services.may_write(request.user, meeting.chain_id):
        raise PermissionDenied
    return meeting


def _on_form(error: ValidationError) -> ValidationError:
    """A refusal's fields as the form names them (a speech's 发言单位 is one field)."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {SPEAKER_KEY.sub(r"sp_who_\2", name): messages for name, messages in error.message_dict.items()}
    )


def _save(request: AuthedRequest, form: MeetingForm, meeting: Meeting | None) -> Meeting | None:
    """Record the posted form; a refusal lands on the form (nothing written) and None is returned."""
    try:
        return services.meeting_record(actor=request.user, meeting=meeting, **form.service_kwargs())
    except ValidationError as error:
        add_service_errors(form, _on_form(error), codes=FILE_CODES)
        return None


def _form_page(request: AuthedRequest, form: MeetingForm, meeting: Meeting | None) -> HttpResponse:
    extra: dict[str, Any] = {"meeting": meeting, "row_template": form.row_template}
    if meeting is None:
        return MEETING_PAGES.create_page(request, FORM_TEMPLATE, form, title=_("新建会议"), **extra)
    title = _("编辑会议")
    return MEETING_PAGES.object_page(request, FORM_TEMPLATE, form, meeting, title=title, **extra)


def _handle(request: AuthedRequest, meeting: Meeting | None) -> HttpResponse:
    """GET: the form; POST 「添加一条」 without JavaScript: the form back with one more row (nothing saved);
    POST: save and go to the meeting's page, or the form with its errors (400)."""
    add_row = request.POST.get("add_row", "") if request.method == "POST" else ""
    if add_row in ("sv", "sp"):
        form = MeetingForm(user=request.user, meeting=meeting, add_row=add_row, draft=draft_initial(request.POST))
        response = _form_page(request, form, meeting)
        response.status_code = 200  # a row was added: not an error
        return response
    if request.method != "POST":
        return _form_page(request, MeetingForm(user=request.user, meeting=meeting), meeting)
    form = MeetingForm(request.POST, request.FILES, user=request.user, meeting=meeting)
    if form.is_valid() and (saved := _save(request, form, meeting)) is not None:
        done = _("已保存会议“%(title)s”。") if meeting else _("已新建会议“%(title)s”。")
        messages.success(request, done % {"title": saved.title})
        return redirect("meetings:detail", saved.pk)
    return _form_page(request, form, meeting)


@role_required(*OFFICIALS)
@require_safe
def row_options(request: AuthedRequest, kind: str) -> JsonResponse:
    """A meeting row's matches for ?q=, when the user's chains have too many enterprises or projects to list
    (chaindesk/core/picker.py): the chains' enterprises ("enterprise"), their projects labelled with their owner
    ("project"), or the departments, districts and enterprises a speech may come from, valued as the form's
    `who` ("who": "d:3", "r:2", "e:41")."""
    text = param_text(request.GET.get("q"))
    chain_ids = list(team_chains(request.user).values_list("pk", flat=True))
    by_name: Callable[[str], Q] = lambda t: Q(name__contains=t)  # noqa: E731
    if kind == "enterprise":
        return remote_options(chain_enterprises(chain_ids), text, by_name)
    if kind == "project":
        return remote_options(chain_projects(chain_ids), text, by_name, label=project_label)
    if kind != "who":
        raise Http404
    departments = Department.objects.filter(is_active=True)
    by_short = lambda t: Q(name__contains=t) | Q(short_name__contains=t)  # noqa: E731
    found = [(f"d:{d.pk}", f"{d.short_name}（{_('部门')}）") for d in remote_matches(departments, text, by_short)]
    regions = Region.objects.exclude(level=RegionLevel.PROVINCE)
    found += [(f"r:{r.pk}", f"{r.name}（{_('地区')}）") for r in remote_matches(regions, text, by_name)]
    found += [(f"e:{e.pk}", e.name) for e in remote_matches(chain_enterprises(chain_ids), text, by_name)]
    return options_response(found[:REMOTE_MATCHES])


@role_required(*OFFICIALS)
def meeting_create(request: AuthedRequest) -> HttpResponse:
    """新建会议: for members of a chain's service team (403 for anyone on no team)."""
    if not team_chains(request.user).exists():
        raise PermissionDenied
    return _handle(request, None)


@role_required(*OFFICIALS)
def meeting_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _handle(request, _managed(request, pk))


@role_required(*OFFICIALS)
def meeting_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    """GET: the confirmation page (what deleting takes with it); POST: delete and go to the list."""
    meeting = _managed(request, pk)
    if request.method == "POST":
        with service_messages(request):
            services.meeting_delete(actor=request.user, meeting=meeting)
            messages.success(request, _("已删除会议“%(title)s”。") % {"title": meeting.title})
            return redirect("meetings:list")
        return redirect("meetings:detail", meeting.pk)
    title = _("删除会议")
    context = {
        "meeting": meeting,
        "counts": {
            "site_visits": meeting.site_visits.count(),
            "speeches": meeting.speeches.count(),
            "decisions": meeting.decisions.count(),
            "converted": meeting.decisions.filter(demand__isnull=False).count(),
            "attachments": meeting.attachments.count(),
        },
        "page_title": title,
        "breadcrumbs": MEETING_PAGES.object_crumbs(meeting, (title, None)),
    }
    return render(request, "meetings/meeting_delete.html", context)


@role_required(*MEETINGS.roles)
def meeting_export(request: AuthedRequest) -> HttpResponse:
    """Exactly the filtered list as an .xlsx ledger (capped; audited)."""
    qs, _sort = meeting_list(request.user, MEETINGS.parse(request.GET), request.GET.get("sort", ""))
    return MEETINGS.export(request, qs)


# --- files --------------------------------------------------------------------------------------------------


@role_required(*OFFICIALS)
def attachment_download(request: AuthedRequest, pk: int) -> HttpResponse:
    """A meeting's attachment, for whoever sees the meeting (404 otherwise): always a download."""
    attachment = get_visible_or_404(MeetingAttachment.objects.visible_to(request.user), pk, user=request.user)
    return uploads.private_file_response(
        attachment.file, original_name=attachment.original_name, content_type=attachment.content_type
    )


@role_required(*OFFICIALS)
def site_visit_photo(request: AuthedRequest, pk: int) -> HttpResponse:
    """A stop's photo, for whoever sees the meeting (404 otherwise): shown inline (thumbnails)."""
    photo = get_visible_or_404(SiteVisitPhoto.objects.visible_to(request.user), pk, user=request.user)
    return uploads.private_file_response(photo.file, original_name=photo.original_name, content_type=photo.content_type)


# --- calendar feed -----------------------------------------------------------------------------------------


def _feed_url(request: AuthedRequest, feed: CalendarFeed | None) -> str:
    return request.build_absolute_uri(reverse("meetings:ics", args=[feed.token])) if feed else ""


@role_required(*services.FEED_ROLES)
def calendar_feed(request: AuthedRequest) -> HttpResponse:
    """会议日历订阅: the user's private feed address; POST `action` create / regenerate / revoke."""
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "create":
            services.calendar_feed_create(actor=request.user)
            messages.success(request, _("已开通会议日历订阅，请复制下方地址添加到日历应用。"))
        elif action == "regenerate":
            services.calendar_feed_regenerate(actor=request.user)
            messages.success(request, _("已生成新的订阅地址，原地址已失效，请在日历应用中更新。"))
        elif action == "revoke":
            services.calendar_feed_revoke(actor=request.user)
            messages.success(request, _("已停用会议日历订阅，原地址已失效。"))
        return redirect("meetings:calendar")
    feed = CalendarFeed.objects.filter(user=request.user).first()
    title = _("会议日历订阅")
    context = {
        "feed": feed,
        "feed_url": _feed_url(request, feed),
        "may_list": request.user.role in MEETINGS.roles,
        "page_title": title,
        "breadcrumbs": MEETING_PAGES.crumbs((title, None)) if request.user.role in MEETINGS.roles else [(title, None)],
    }
    return render(request, "meetings/calendar_feed.html", context)


def _feed_owner(token: str) -> User:
    feed = CalendarFeed.objects.select_related("user", "user__department").filter(token=token).first()
    if feed is None or not feed.user.is_active or feed.user.role not in services.FEED_ROLES:
        raise Http404
    return feed.user


@require_safe
def calendar_ics(request: Any, token: str) -> HttpResponse:
    """The ICS feed behind a secret token (no session: calendar apps fetch it). 404 for an unknown or revoked
    token; only meetings the token's owner attends and may see."""
    user = _feed_owner(token)
    meetings = feed_meetings(user, clock.today())
    with translation.override(settings.LANGUAGE_CODE):
        body = ics.calendar(
            meetings,
            name=_("产业链服务台会议 · %(name)s") % {"name": user.display_name},
            now=clock.now(),
            url_of=lambda m: request.build_absolute_uri(reverse("meetings:detail", args=[m.pk])),
        )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="chaindesk-meetings.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
