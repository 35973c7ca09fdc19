"""数据导入 pages (issue 13, items 1–3): the user's own import batches and the upload; a batch's page (its progress
while the dry run or the commit runs, polled by htmx; then the counts, the column mapping, every row's outcome with
its messages, the skipped rows); the error workbook and each kind's blank template.

A batch is its uploader's (ImportBatch.scope_paths: own): anyone else gets 404, as for missing batches. Every
decision is the services' (chaindesk.transfer.services): these views read the batch and its report, and hand the
user's choices to import_upload, import_remap, import_commit and import_undo; their refusals show in Chinese on the
form (400) or as a message on the batch page, a PermissionDenied reaches the 403 page."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chaindesk.accounts.choices import OFFICIALS
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.core import audit, clock, uploads
from chaindesk.core.errors import service_errors, service_messages
from chaindesk.core.listing import PAGE_SIZE, paginate
from chaindesk.core.models import AuditAction
from chaindesk.core.pages import Section, is_htmx
from chaindesk.core.params import param_choice
from chaindesk.core.permissions import role_required
from chaindesk.core.visibility import get_visible_or_404

from . import kinds, services, xlsx
from .choices import BatchStatus, Outcome
from .forms import MappingForm, UploadForm, key_title, mapping_years
from .kinds import ImportKind
from .mapping import missing_required
from .models import ImportBatch
from .plan import WARNING
from .reading import SKIP_REASONS

PAGES = Section(gettext_lazy("数据导入"), "transfer:list", "transfer:detail", "batch", name_attr="original_name")
# The status tags, in the colours every list uses (UI.md): 待确认 purple, 进行中 blue, 已办结 green, 缺/失败 red.
BATCH_COLOUR: dict[str, str] = {
    BatchStatus.QUEUED: "grey",
    BatchStatus.CHECKING: "blue",
    BatchStatus.CHECKED: "purple",
    BatchStatus.COMMITTING: "blue",
    BatchStatus.COMMITTED: "green",
    BatchStatus.UNDONE: "grey",
    BatchStatus.FAILED: "red",
}
OUTCOME_COLOUR: dict[str, str] = {
    Outcome.NEW: "green",
    Outcome.UPDATE: "blue",
    Outcome.UNCHANGED: "grey",
    Outcome.ERROR: "red",
}
SHOW_WARNINGS = "warning"
ROW_FILTERS = (
    ("", gettext_lazy("全部"), "rows"),
    (Outcome.ERROR, gettext_lazy("错误"), "error"),
    (SHOW_WARNINGS, gettext_lazy("警告"), "warnings"),
    (Outcome.NEW, gettext_lazy("新增"), "new"),
    (Outcome.UPDATE, gettext_lazy("更新"), "update"),
    (Outcome.UNCHANGED, gettext_lazy("无变化"), "unchanged"),
)
XLSX_TYPE = uploads.XLSX


def importable(user: Any) -> list[ImportKind]:
    """The kinds the user may import, in menu order."""
    return [kind for kind in kinds.all_kinds() if kind.may_import(user)]


def _kind(batch: ImportBatch) -> ImportKind | None:
    try:
        return kinds.get(batch.kind)
    except KeyError:  # a kind removed since the upload: the batch is still listed
        return None


def _decorate(batch: ImportBatch) -> ImportBatch:
    kind = _kind(batch)
    batch.kind_label = kind.label if kind else batch.kind  # type: ignore[attr-defined]
    batch.colour = BATCH_COLOUR.get(batch.status, "grey")  # type: ignore[attr-defined]
    return batch


def _upload_data(upload: Any) -> bytes:
    """The upload's bytes, read no further than one byte past the import limit (the service refuses it then)."""
    upload.seek(0)
    return bytes(upload.read(services.max_bytes() + 1))


@role_required(*OFFICIALS)
def batch_list(request: AuthedRequest) -> HttpResponse:
    """The user's own batches, newest first, and the upload form (a POST uploads: then the batch's page)."""
    allowed = importable(request.user)
    known = [kind.code for kind in kinds.all_kinds()]
    asked = request.GET.get("kind", "")
    initial = {"kind": asked} if asked in {kind.code for kind in allowed} else None
    form = UploadForm(offered=allowed, known=known, initial=initial)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, offered=allowed, known=known)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            with service_errors(form, default_field="file"):
                batch = services.import_upload(
                    actor=request.user, kind=form.cleaned_data["kind"], name=upload.name, data=_upload_data(upload)
                )
                messages.success(
                    request, _("已上传“%(name)s”，正在检查，完成后显示结果。") % {"name": batch.original_name}
                )
                return redirect("transfer:detail", batch.pk)
    page_obj = paginate(
        ImportBatch.objects.visible_to(request.user).order_by("-created_at", "-pk"), request.GET.get("page")
    )
    context = {
        "page_title": _("数据导入"),
        "breadcrumbs": [(_("数据导入"), None)],
        "page_obj": page_obj,
        "batches": [_decorate(batch) for batch in page_obj.object_list],
        "form": form,
        "kinds": allowed,
    }
    return render(request, "transfer/list.html", context, status=400 if request.method == "POST" else 200)


def _batch(request: AuthedRequest, pk: int) -> ImportBatch:
    visible = ImportBatch.objects.visible_to(request.user).select_related("committed_by", "undone_by")
    return _decorate(get_visible_or_404(visible, pk, user=request.user))


def _issue(issue: list[str]) -> dict[str, str]:
    level, letter, header, message = issue
    return {"level": level, "letter": letter, "header": header, "message": message}


def _row(row: dict[str, Any]) -> dict[str, Any]:
    outcome = str(row["outcome"])
    return {
        "number": row["row"],
        "label": row.get("label") or "",
        "outcome": outcome,
        "outcome_label": Outcome(outcome).label if outcome in Outcome.values else outcome,
        "colour": OUTCOME_COLOUR.get(outcome, "grey"),
        "issues": [_issue(issue) for issue in row.get("issues", [])],
        "changes": row.get("changes", []),
    }


def _shown_rows(rows: list[dict[str, Any]], show: str) -> list[dict[str, Any]]:
    if show == SHOW_WARNINGS:
        return [row for row in rows if any(issue[0] == WARNING for issue in row.get("issues", []))]
    return [row for row in rows if row["outcome"] == show] if show else rows


def _filters(counts: dict[str, int], show: str) -> list[dict[str, Any]]:
    return [
        {"value": value, "label": label, "count": counts.get(key, 0), "active": value == show}
        for value, label, key in ROW_FILTERS
    ]


def _mapping_form(kind: ImportKind, report: dict[str, Any], data: Any = None) -> MappingForm:
    mapping = report.get("mapping") or {}
    years = mapping_years(report.get("columns", []), mapping, clock.today().year)
    return MappingForm(data, columns=report.get("columns", []), mapping=mapping, fields=kind.fields, years=years)


def _commit_block(counts: dict[str, int]) -> str:
    """Why 确认导入 is not offered now ("" when it is): the service refuses the same (import_commit)."""
    if counts.get("error"):
        return _("还有 %(n)s 行有错误，请下载错误清单，修正后重新上传。") % {"n": counts["error"]}
    if not counts.get("new") and not counts.get("update"):
        return _("没有需要导入的新增或更新行。")
    return ""


def _report_context(
    request: AuthedRequest, batch: ImportBatch, kind: ImportKind | None, report: dict[str, Any], form: Any
) -> dict[str, Any]:
    # The report's counts are the latest dry run's (a commit refused on a second look stores its own report); the
    # batch's add what the commit wrote.
    counts = {**(batch.counts or {}), **(report.get("counts") or {})}
    show = param_choice(request.GET.get("show"), [value for value, _label, _key in ROW_FILTERS if value]) or ""
    page_obj = Paginator(_shown_rows(report.get("rows", []), show), PAGE_SIZE).get_page(request.GET.get("page"))
    mapping = report.get("mapping") or {}
    fields = kind.fields if kind else ()
    if form is None and kind is not None and batch.status == BatchStatus.CHECKED:
        form = _mapping_form(kind, report)
    return {
        "report": report,
        "counts": counts,
        "show": show,
        "filters": _filters(counts, show),
        "page_obj": page_obj,
        "rows": [_row(row) for row in page_obj.object_list],
        "mapping_form": form,
        "mapping_rows": [
            (letter, header, key_title(fields, mapping[str(index)]) if str(index) in mapping else "")
            for index, letter, header in report.get("columns", [])
        ],
        "missing": [field.label for field in missing_required(mapping, fields)],
        "skipped": [(SKIP_REASONS.get(reason, reason), n) for reason, n in (report.get("skipped") or {}).items() if n],
        "skipped_rows": [
            {"number": number, "reason": SKIP_REASONS.get(reason, reason), "text": text}
            for number, reason, text in report.get("skipped_rows", [])
        ],
        "commit_block": _commit_block(counts) if batch.status == BatchStatus.CHECKED else "",
    }


def _body(request: AuthedRequest, batch: ImportBatch, form: MappingForm | None = None) -> dict[str, Any]:
    """The part of the batch page the progress poll replaces: the progress while the batch runs, the result after."""
    kind = _kind(batch)
    context: dict[str, Any] = {"batch": batch, "kind": kind, "polling": batch.is_open, "query": request.GET.urlencode()}
    if batch.is_open or batch.status == BatchStatus.FAILED:
        return context
    report = services.load_report(batch)
    if report is not None:
        context.update(_report_context(request, batch, kind, report, form))
    return context


def _detail(
    request: AuthedRequest, batch: ImportBatch, form: MappingForm | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "page_title": batch.original_name,
        "breadcrumbs": PAGES.crumbs((batch.original_name, None)),
        **_body(request, batch, form),
    }
    return render(request, "transfer/detail.html", context, status=status)


@role_required(*OFFICIALS)
def batch_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A batch's page (see the module docstring); the rows are filtered by `show` and paged by `page`."""
    return _detail(request, _batch(request, pk))


@role_required(*OFFICIALS)
def batch_progress(request: AuthedRequest, pk: int) -> HttpResponse:
    """The fragment the batch page polls while the batch runs (without htmx: the page itself)."""
    batch = _batch(request, pk)
    if not is_htmx(request):
        return redirect("transfer:detail", batch.pk)
    return render(request, "transfer/partials/batch_body.html", _body(request, batch))


@role_required(*OFFICIALS)
@require_POST
def batch_mapping(request: AuthedRequest, pk: int) -> HttpResponse:
    """Confirm the column mapping: remembered for the ledger's layout, and the file checked again."""
    batch = _batch(request, pk)
    kind = _kind(batch)
    report = services.load_report(batch) if batch.status == BatchStatus.CHECKED else None
    if kind is None or report is None:
        messages.error(request, _("该批次正在处理或已导入，不能再修改列对应。"))
        return redirect("transfer:detail", batch.pk)
    form = _mapping_form(kind, report, request.POST)
    if form.is_valid():
        with service_errors(form):
            services.import_remap(actor=request.user, batch=batch, mapping=form.mapping())
            messages.success(request, _("已保存列对应（同样表头的文件下次自动使用），正在重新检查。"))
            return redirect("transfer:detail", batch.pk)
    return _detail(request, batch, form, status=400)


@role_required(*OFFICIALS)
@require_POST
def batch_commit(request: AuthedRequest, pk: int) -> HttpResponse:
    """确认导入: the commit runs in the background; a refusal shows on the batch page."""
    batch = _batch(request, pk)
    with service_messages(request, lead=_("未导入：")):
        services.import_commit(actor=request.user, batch=batch)
        messages.success(request, _("正在导入，完成后显示结果。"))
    return redirect("transfer:detail", batch.pk)


@role_required(*OFFICIALS)
@require_POST
def batch_undo(request: AuthedRequest, pk: int) -> HttpResponse:
    """撤销导入: the batch's records deleted or put back, or the refusal (a record edited since) on the page."""
    batch = _batch(request, pk)
    with service_messages(request, lead=_("未能撤销：")):
        services.import_undo(actor=request.user, batch=batch)
        messages.success(request, _("已撤销该批次的导入。"))
    return redirect("transfer:detail", batch.pk)


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = uploads.content_disposition(uploads.safe_filename(name))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(*OFFICIALS)
def batch_errors(request: AuthedRequest, pk: int) -> HttpResponse:
    """The error workbook (chaindesk.transfer.xlsx.error_workbook) of a checked batch; the download is audited."""
    batch = _batch(request, pk)
    report = None if batch.is_open or batch.status == BatchStatus.FAILED else services.load_report(batch)
    if report is None or _kind(batch) is None:
        raise Http404
    data = xlsx.error_workbook(batch, report)
    stem = batch.original_name.rsplit(".", 1)[0].removesuffix(_("_错误清单"))
    audit.record(
        action=AuditAction.EXPORT, actor=request.user, obj=batch, message=f"下载导入错误清单：{batch.original_name}"
    )
    return _xlsx(data, _("%(name)s_错误清单.xlsx") % {"name": stem})


@role_required(*OFFICIALS)
def blank_template(request: AuthedRequest, kind: str) -> HttpResponse:
    """A kind's blank template, for the users who may import it."""
    try:
        importer = kinds.get(kind)
    except KeyError as exc:
        raise Http404 from exc
    if not importer.may_import(request.user):
        raise PermissionDenied
    return _xlsx(xlsx.blank_template(importer), _("%(kind)s导入模板.xlsx") % {"kind": importer.label})
