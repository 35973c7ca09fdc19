"""Ledger imports in the JSON API (/api/imports/): the caller's batches, one batch with its dry run, the upload, the
column mapping, the commit, the undo and the error workbook, each through the service the 数据导入 pages call
(chaindesk/transfer/services.py), for the roles those pages serve (403 for the others).

A batch is its uploader's (ImportBatch.scope_paths: own): anyone else's is 404, as a missing one is. The dry run and
the commit run as background tasks, so the upload, a new mapping and the commit answer 202 with the batch as it is
then (queued or committing); GET the batch for its progress and, once checked, its rows. Refusals are the services'
Chinese messages (422); every error application/problem+json."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, UploadedFile
from ninja.pagination import paginate
from ninja.security import django_auth

from chaindesk.accounts.choices import OFFICIALS
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.api.pagination import CursorPagination, sequence_page
from chaindesk.core import audit, clock, uploads
from chaindesk.core.errors import ProblemOut
from chaindesk.core.models import AuditAction
from chaindesk.core.visibility import get_visible_or_404

from . import kinds, services, xlsx
from .choices import BatchStatus, Outcome
from .forms import MappingForm, key_title, mapping_years
from .mapping import missing_required
from .models import ImportBatch
from .plan import WARNING
from .reading import SKIP_REASONS
from .schemas import BatchDetailOut, BatchOut, MappingIn, RowsQuery

PREFIX = "imports"
router = Router(tags=["imports"], auth=django_auth)  # mounted with the API's auth (chaindesk/api/auth.py)

READ = {403: ProblemOut, 404: ProblemOut}
WRITE = {403: ProblemOut, 404: ProblemOut, 422: ProblemOut}
XLSX_RESPONSE = {
    "responses": {
        200: {
            "description": "错误清单（原表各行及“错误说明”列）",
            "content": {uploads.XLSX: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def _official(request: HttpRequest) -> None:
    """The 数据导入 pages serve officials only."""
    if getattr(request.user, "role", None) not in OFFICIALS:
        raise PermissionDenied


def _batch(request: HttpRequest, batch_id: int) -> ImportBatch:
    _official(request)
    return get_visible_or_404(ImportBatch.objects.visible_to(request.user), batch_id, user=request.user)


def _kind(batch: ImportBatch) -> kinds.ImportKind | None:
    try:
        return kinds.get(batch.kind)
    except KeyError:  # a kind removed since the upload
        return None


def _row(row: dict[str, Any]) -> dict[str, Any]:
    outcome = str(row["outcome"])
    return {
        "row": row["row"],
        "label": row.get("label") or "",
        "outcome": outcome,
        "outcome_label": str(Outcome(outcome).label),
        "issues": [dict(zip(("level", "column", "header", "message"), issue, strict=True)) for issue in row["issues"]],
        "changes": [dict(zip(("field", "before", "after"), change, strict=True)) for change in row.get("changes", [])],
    }


def _rows(report: dict[str, Any], query: RowsQuery) -> dict[str, Any]:
    """The dry run's rows the query asks for (the batch page's 错误/警告/新增… tabs), one page of them."""
    rows = report.get("rows", [])
    if query.outcome == WARNING:
        rows = [row for row in rows if any(issue[0] == WARNING for issue in row.get("issues", []))]
    elif query.outcome:
        rows = [row for row in rows if row["outcome"] == query.outcome]
    page = sequence_page(rows, lambda row: int(row["row"]), query.cursor, query.limit, name="import-rows")
    return {**page, "items": [_row(row) for row in page["items"]]}


def _commit_block(counts: dict[str, int]) -> str:
    """Why a commit would be refused now ("" when it would not): the refusals of services.import_commit."""
    if counts.get("error"):
        return _("还有 %(n)s 行有错误，请下载错误清单，修正后重新上传。") % {"n": counts["error"]}
    if not counts.get("new") and not counts.get("update"):
        return _("没有需要导入的新增或更新行。")
    return ""


def _detail(batch: ImportBatch, query: RowsQuery) -> ImportBatch:
    """The batch with its dry run (services.load_report) once it is checked, as the batch page shows it."""
    kind = _kind(batch)
    report = None if batch.is_open or batch.status == BatchStatus.FAILED else services.load_report(batch)
    if report is None:
        return batch
    fields = kind.fields if kind else ()
    mapping = report.get("mapping") or {}
    # The report's counts are the latest dry run's; the batch's add what the commit wrote.
    batch.counts = {**(batch.counts or {}), **(report.get("counts") or {})}
    batch.sheet, batch.unit = report.get("sheet") or "", report.get("unit") or ""  # type: ignore[attr-defined]
    batch.columns = [  # type: ignore[attr-defined]
        {
            "index": index,
            "letter": letter,
            "header": header,
            "field": mapping.get(str(index)),
            "field_label": key_title(fields, mapping[str(index)]) if str(index) in mapping else "",
        }
        for index, letter, header in report.get("columns", [])
    ]
    batch.missing = [str(field.label) for field in missing_required(mapping, fields)]  # type: ignore[attr-defined]
    batch.skipped = [  # type: ignore[attr-defined]
        {"reason": str(SKIP_REASONS.get(reason, reason)), "count": n}
        for reason, n in (report.get("skipped") or {}).items()
        if n
    ]
    batch.commit_block = _commit_block(batch.counts) if batch.status == BatchStatus.CHECKED else ""  # type: ignore[attr-defined]
    batch.rows = _rows(report, query)  # type: ignore[attr-defined]
    return batch


@router.get("/", response={200: list[BatchOut], 403: ProblemOut})
@paginate(CursorPagination)
def list_imports(request: HttpRequest) -> Any:
    """The caller's own import batches, newest first."""
    _official(request)
    return ImportBatch.objects.visible_to(request.user).order_by("-created_at", "-pk")


@router.post("/", response={202: BatchOut, **WRITE})
def upload_import(
    request: AuthedRequest,
    kind: Form[str],
    file: File[UploadedFile],
) -> Any:
    """Upload a ledger (.xlsx, .xls or .csv) of `kind` (enterprises, projects, leads, demands …): the batch is
    stored and its dry run starts in the background (202, status queued). 403 for a kind the caller may not
    import, 422 for an unknown kind, an empty or too large file."""
    _official(request)
    file.seek(0)
    data = bytes(file.read(services.max_bytes() + 1))  # one byte past the limit: the service refuses it then
    batch = services.import_upload(actor=request.user, kind=kind, name=file.name or "", data=data)
    return 202, batch


@router.get("/{batch_id}", response={200: BatchDetailOut, **READ})
def get_import(request: HttpRequest, batch_id: int, query: Query[RowsQuery]) -> Any:
    """One batch: status and progress while it runs; once checked, the counts, the column mapping and the dry
    run's rows (each with its Excel row number, outcome and messages), filtered by `outcome` and paged."""
    return _detail(_batch(request, batch_id), query)


def _mapping(batch: ImportBatch, sent: dict[str, str]) -> dict[str, str]:
    """The mapping as the batch page's mapping form cleans it (one column per field, only the kind's fields)."""
    kind = _kind(batch)
    report = services.load_report(batch) if batch.status == BatchStatus.CHECKED else None
    if kind is None or report is None:
        raise ValidationError(_("该批次正在处理或已导入，不能再修改列对应。"), code="busy")
    columns = report.get("columns", [])
    unknown = sorted(set(sent) - {str(index) for index, _letter, _header in columns})
    if unknown:
        raise ValidationError({"mapping": _("表中没有这些列：%(cols)s。") % {"cols": "、".join(unknown)}})
    years = mapping_years(columns, {**report.get("mapping", {}), **sent}, clock.today().year)
    data = {f"col_{index}": key for index, key in sent.items()}
    form = MappingForm(data, columns=columns, mapping=report.get("mapping") or {}, fields=kind.fields, years=years)
    if not form.is_valid():
        raise ValidationError(
            {
                f"mapping.{name.removeprefix('col_')}" if name.startswith("col_") else name: list(messages)
                for name, messages in form.errors.items()
            }
        )
    return form.mapping()


@router.post("/{batch_id}/mapping", response={202: BatchOut, **WRITE})
def remap_import(request: AuthedRequest, batch_id: int, payload: MappingIn) -> Any:
    """Confirm the column mapping of a checked batch: remembered for ledgers with the same header, and the file
    checked again in the background (202, status queued)."""
    batch = _batch(request, batch_id)
    batch = services.import_remap(actor=request.user, batch=batch, mapping=_mapping(batch, payload.mapping))
    return 202, batch


@router.post("/{batch_id}/commit", response={202: BatchOut, **WRITE})
def commit_import(request: AuthedRequest, batch_id: int) -> Any:
    """确认导入: the commit runs in the background (202, status committing) and writes everything or nothing;
    refused (422) while rows have errors or nothing is new or changed."""
    batch = services.import_commit(actor=request.user, batch=_batch(request, batch_id))
    return 202, batch


@router.post("/{batch_id}/undo", response={200: BatchOut, **WRITE})
def undo_import(request: AuthedRequest, batch_id: int) -> Any:
    """撤销导入: what the batch created is deleted and what it changed put back; refused (422) when a record it
    wrote was changed since."""
    batch = services.import_undo(actor=request.user, batch=_batch(request, batch_id))
    return 200, batch


@router.get("/{batch_id}/errors.xlsx", response=READ, openapi_extra=XLSX_RESPONSE)
def import_errors(request: AuthedRequest, batch_id: int) -> Any:
    """The error workbook of a checked batch (the rows with an 错误说明 column) to fix and upload again; the
    download is audited. 404 before the dry run has finished."""
    batch = _batch(request, batch_id)
    report = None if batch.is_open or batch.status == BatchStatus.FAILED else services.load_report(batch)
    if report is None or _kind(batch) is None:
        raise Http404
    data = xlsx.error_workbook(batch, report)
    stem = batch.original_name.rsplit(".", 1)[0].removesuffix(_("_错误清单"))
    audit.record(
        action=AuditAction.EXPORT, actor=request.user, obj=batch, message=f"下载导入错误清单：{batch.original_name}"
    )
    response = HttpResponse(data, content_type=uploads.XLSX)
    name = uploads.safe_filename(_("%(name)s_错误清单.xlsx") % {"name": stem})
    response["Content-Disposition"] = uploads.content_disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
