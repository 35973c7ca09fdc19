"""报表 pages: the briefing list, a new briefing (from a meeting, or for a chain and a period), the briefing page (the
team edits its sections, picks a layout and generates; the versions with their progress, downloads and the first
page's preview), and the offices' templates. Lookups go through the user's visible set (404 for missing and
forbidden alike); writes go through chaindesk.reports.services; every download is audited."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core import audit, uploads
from chaindesk.core.errors import service_errors
from chaindesk.core.models import AuditAction
from chaindesk.core.pages import Section, form_page, is_htmx
from chaindesk.core.permissions import role_required
from chaindesk.core.visibility import get_visible_or_404
from chaindesk.meetings.models import Meeting

from . import permissions, preview, selectors, services, template_fill
from .choices import SECTIONS, VERSION_COLOUR, BriefingKind, VersionStatus
from .forms import BriefingForm, GenerateForm, NewBriefingForm, TemplateUploadForm, team_chains
from .models import Briefing, BriefingTemplate, BriefingVersion
from .permissions import READER_ROLES, TEAM_ROLES
from .resources import BRIEFINGS

PAGES = Section(gettext_lazy("报表"), "reports:list", "reports:detail", "briefing", name_attr="title")
FILES = {
    "docx": ("docx", uploads.DOCX, ".docx"),
    "xlsx": ("xlsx", uploads.XLSX, ".xlsx"),
    "preview": ("preview", uploads.PNG, ".png"),
}


@role_required(*READER_ROLES)
def briefing_list(request: AuthedRequest) -> HttpResponse:
    """The briefings the user may see, newest first (filters and columns: resources.BRIEFINGS)."""
    qs, sort = selectors.briefing_list(request.user, BRIEFINGS.parse(request.GET), request.GET.get("sort", ""))
    return BRIEFINGS.render(
        request,
        "reports/list.html",
        qs,
        sort,
        title=_("简报"),
        choices={"chains": selectors.chain_options(request.user)},
        may_create=request.user.role in TEAM_ROLES,
        decorate=_decorate_rows,
    )


def _decorate_rows(rows: list[Briefing]) -> list[Briefing]:
    """The latest version's status tag (its label and colour) on each row: no query."""
    for row in rows:
        status = getattr(row, "latest_status", None) or ""
        row.latest_colour = VERSION_COLOUR.get(status, "grey")  # type: ignore[attr-defined]
        row.latest_label = VersionStatus(status).label if status else ""  # type: ignore[attr-defined]
    return rows


@role_required(*TEAM_ROLES)
def briefing_new(request: AuthedRequest) -> HttpResponse:
    """A new briefing: `?meeting=<pk>` (the meeting page's 生成简报) preselects the meeting."""
    if request.method == "POST":
        form = NewBriefingForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            with service_errors(form):
                briefing = services.briefing_create(
                    actor=request.user,
                    chain=data["meeting"].chain if data["kind"] == BriefingKind.MEETING else data["chain"],
                    kind=data["kind"],
                    meeting=data["meeting"],
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                )
                messages.success(request, _("已新建简报，请修改各段内容后点击“生成”。"))
                return redirect("reports:detail", briefing.pk)
    else:
        form = NewBriefingForm(user=request.user, initial=_new_initial(request))
    return PAGES.create_page(request, "reports/new.html", form, title=_("新建简报"))


def _new_initial(request: AuthedRequest) -> dict[str, Any]:
    meeting_id = request.GET.get("meeting", "")
    if meeting_id.isdigit():
        meeting = Meeting.objects.filter(pk=meeting_id, chain__in=team_chains(request.user)).first()
        if meeting is not None:
            return {"kind": BriefingKind.MEETING, "meeting": meeting.pk}
    if request.GET.get("kind") == BriefingKind.PERIOD:
        return {"kind": BriefingKind.PERIOD}
    return {}


def _briefing(request: AuthedRequest, pk: int) -> Briefing:
    qs = Briefing.objects.visible_to(request.user).select_related("chain", "meeting", "created_by")
    return get_visible_or_404(qs, pk, user=request.user)


def _versions_context(briefing: Briefing) -> dict[str, Any]:
    versions = selectors.versions_of(briefing)
    for v in versions:
        v.colour = VERSION_COLOUR.get(v.status, "grey")  # type: ignore[attr-defined]
    shown = next((v for v in versions if v.status == "done"), None)
    return {
        "briefing": briefing,
        "versions": versions,
        "polling": any(v.is_open for v in versions),
        "shown": shown,
        "preview_available": preview.available(),
    }


def _detail(
    request: AuthedRequest,
    briefing: Briefing,
    forms: tuple[BriefingForm, GenerateForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    may_write = permissions.may_write(request.user, briefing.chain_id)
    if may_write and forms is None:
        forms = (BriefingForm.for_briefing(briefing), GenerateForm(briefing=briefing))
    context = {
        "page_title": briefing.title,
        "breadcrumbs": PAGES.crumbs((briefing.title, None)),
        "may_write": may_write,
        "form": forms[0] if forms else None,
        "generate_form": forms[1] if forms else None,
        "sections": [(label, (briefing.sections or {}).get(key, "")) for key, (label, _help) in SECTIONS.items()],
        **_versions_context(briefing),
    }
    return render(request, "reports/detail.html", context, status=status)


@role_required(*READER_ROLES)
def briefing_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The briefing page. A POST from the team saves the edits (保存), and with `action=generate` then queues a new
    version in the chosen layout (保存并生成)."""
    briefing = _briefing(request, pk)
    if request.method != "POST":
        return _detail(request, briefing)
    if not permissions.may_write(request.user, briefing.chain_id):
        raise PermissionDenied
    form = BriefingForm.for_briefing(briefing, request.POST)
    generate = GenerateForm(request.POST, briefing=briefing)
    if form.is_valid() and generate.is_valid():
        with service_errors(form):
            _save(request, briefing, form)
            if request.POST.get("action") != "generate":
                messages.success(request, _("已保存。点击“保存并生成”按新内容生成新版本。"))
                return redirect("reports:detail", briefing.pk)
            version = services.briefing_generate(
                actor=request.user, briefing=briefing, template=generate.cleaned_data["template"]
            )
            messages.success(request, _("已保存，正在生成第 %(n)s 版。") % {"n": version.n})
            return redirect(reverse("reports:detail", args=[briefing.pk]) + "#versions")
    return _detail(request, briefing, forms=(form, generate), status=400)


def _save(request: AuthedRequest, briefing: Briefing, form: BriefingForm) -> None:
    data = form.cleaned_data
    services.briefing_update(
        actor=request.user,
        briefing=briefing,
        title=data["title"],
        number=data["number"],
        issuer=data["issuer"],
        dated_on=data["dated_on"],
        distribution=data["distribution"],
        sections=form.sections(),
    )


@role_required(*READER_ROLES)
def briefing_versions(request: AuthedRequest, pk: int) -> HttpResponse:
    """The versions and the preview (the fragment the page polls while a version is being generated)."""
    briefing = _briefing(request, pk)
    template = "reports/partials/versions.html" if is_htmx(request) else "reports/versions_page.html"
    context = {"page_title": _("版本"), "breadcrumbs": PAGES.object_crumbs(briefing, (_("版本"), None))}
    return render(request, template, {**context, **_versions_context(briefing)})


@role_required(*READER_ROLES)
def version_file(request: AuthedRequest, pk: int, kind: str) -> HttpResponse:
    """A version's DOCX or XLSX (a download, audited) or its preview PNG (shown in the page)."""
    if kind not in FILES:
        raise Http404
    qs = BriefingVersion.objects.visible_to(request.user).select_related("briefing")
    version = get_visible_or_404(qs, pk, user=request.user)
    field_name, content_type, extension = FILES[kind]
    file = getattr(version, field_name)
    if not file:
        raise Http404
    name = _("%(title)s（第%(n)s版）") % {"title": version.briefing.title, "n": version.n} + extension
    response = uploads.private_file_response(file, original_name=name, content_type=content_type)
    if kind != "preview":
        audit.record(
            action=AuditAction.EXPORT,
            actor=request.user,
            obj=version,
            message=f"下载简报第 {version.n} 版（{extension.lstrip('.').upper()}）",
        )
    return response


# --- templates -------------------------------------------------------------------------------------------------


def placeholder_help() -> list[tuple[str, str]]:
    """The placeholders a template holds (chaindesk.reports.template_fill), written as the office writes them, and
    what each becomes."""
    tf = template_fill
    meanings = {
        tf.TITLE: _("简报标题（必需）"),
        tf.NUMBER: _("期号，如：第 12 期（必需）"),
        tf.DATE: _("成文日期，如：2026年11月25日（必需）"),
        tf.BODY: _("正文：标题、段落和表格（必需，须单独占一段）"),
        tf.ISSUER: _("发文机关（可选）"),
        tf.DISTRIBUTION: _("分送（可选；模板中没有时印在正文末尾）"),
    }
    return [("{{ %s }}" % name, str(meanings.get(name, ""))) for name in tf.PLACEHOLDERS]  # noqa: UP031


def _templates_page(request: AuthedRequest, form: TemplateUploadForm, status: int = 200) -> HttpResponse:
    context = {
        "page_title": _("简报模板"),
        "breadcrumbs": PAGES.crumbs((_("简报模板"), None)),
        "form": form,
        "templates": list(selectors.templates_for(request.user).order_by("-active", "chain__sort_order", "-pk")),
        "placeholders": placeholder_help(),
    }
    return render(request, "reports/templates.html", context, status=status)


@role_required(*TEAM_ROLES)
def template_list(request: AuthedRequest) -> HttpResponse:
    """The templates of the user's chains, and the upload form (a refused file stores nothing)."""
    if request.method != "POST":
        return _templates_page(request, TemplateUploadForm(user=request.user))
    form = TemplateUploadForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        with service_errors(form):
            template = services.template_upload(
                actor=request.user, chain=data["chain"], name=data["name"], upload=data["file"]
            )
            messages.success(request, _("已上传模板“%(name)s”。") % {"name": template.name})
            return redirect("reports:templates")
    return _templates_page(request, form, status=400)


@role_required(*TEAM_ROLES)
def template_deactivate(request: AuthedRequest, pk: int) -> HttpResponse:
    """停用: asks first (GET), then stops offering the template (POST)."""
    qs = BriefingTemplate.objects.visible_to(request.user).select_related("chain")
    template = get_visible_or_404(qs, pk, user=request.user)
    if request.method == "POST":
        services.template_deactivate(actor=request.user, template=template)
        messages.success(request, _("已停用模板“%(name)s”。") % {"name": template.name})
        return redirect("reports:templates")
    context = {
        "template_obj": template,
        "page_title": _("停用模板"),
        "breadcrumbs": PAGES.crumbs((_("简报模板"), reverse("reports:templates")), (_("停用模板"), None)),
    }
    return form_page(request, "reports/template_deactivate.html", context)
