"""Import batches: upload, dry run, column mapping, all-or-nothing commit, undo (issue 13, items 2–3).

    batch = import_upload(actor=user, kind="enterprises", name="台账.xlsx", data=bytes)   # queued, then checked
    import_remap(actor=user, batch=batch, mapping={"0": "name", "3": "uscc"})          # checked again
    import_commit(actor=user, batch=batch)                                             # committed, or refused
    import_undo(actor=user, batch=batch)                                               # undone, or refused

A batch moves queued → checking → checked → committing → committed → undone by compare-and-set (choices.py);
the dry run and the commit run as background tasks (chaindesk.transfer.tasks; the test settings run them at
once) and save their progress for the page's progress bar. Only the uploader acts on a batch.

The dry run reads the stored file (reading.read_table), maps its columns (the mapping confirmed before for the
same header signature, else mapping.match_columns), plans every row (kinds.*.plan) and stores the report (every
row's outcome and messages) as a JSON file with the counts on the batch. Nothing else is written.

The commit writes from the dry run's plan (kept as a file with the batch) when no record of the models the plan
read (ImportKind.depends_on) has had an audited change since; otherwise it plans the file again against the
records as they are now. It writes only when no row has an error;
then the importer's commit writes everything in one transaction, through the registry's services, in the
uploader's scope, every audit line carrying the batch's token as its request id, and one IMPORT line names the
batch (file name, SHA-256, counts). Any refusal rolls it all back and the batch is checked again, with the
reason. The same file imported again finds every row unchanged: each kind states its keys (the USCC of an enterprise;
owner + name of a project; a demand's number or enterprise + title; a lead's title + investor), so nothing is
duplicated.

The undo replays the batch's audit lines backwards: records it created are deleted, fields it changed (UPDATE and
TRANSITION lines: a stage moved by a service's compare-and-set) are put back. It is refused when a record the batch
wrote was changed since (any later audit line on it), or another record now refers to one it created; then nothing
is undone.
"""

import gzip
import hashlib
import json
import logging
import pickle
import tempfile
import uuid
from collections.abc import Mapping
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chaindesk.core import audit, bulk, clock, context, listeners, queue, uploads
from chaindesk.core.actors import Actor, is_system, person_or_none, require_actor
from chaindesk.core.models import AuditAction, AuditLog

from . import kinds
from . import mapping as mapping_module
from .choices import OPEN_STATUSES, BatchStatus
from .models import ImportBatch, ImportTemplate
from .plan import Plan
from .reading import Table, read_table

logger = logging.getLogger(__name__)
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


def max_bytes() -> int:
    return int(getattr(settings, "CHAINDESK_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


# --- helpers ---------------------------------------------------------------------------------------------------


def _move(batch_id: int, expected: str | tuple[str, ...], **fields: Any) -> bool:
    """Compare-and-set the batch's status: True when it was `expected` (one of) and now holds `fields`."""
    statuses = (expected,) if isinstance(expected, str) else expected
    return ImportBatch.objects.filter(pk=batch_id, status__in=statuses).update(**fields) == 1


def _progress_saver(batch_id: int, total_hint: int) -> Any:
    def save(n: int) -> None:
        percent = min(90, 5 + int(85 * n / max(total_hint, 1)))
        ImportBatch.objects.filter(pk=batch_id).update(progress=percent)

    return save


def _need_owner(actor: Actor, batch: ImportBatch) -> None:
    require_actor(actor)
    owner = person_or_none(actor)
    if batch.uploaded_by_id is not None and (owner is None or owner.pk != batch.uploaded_by_id):
        raise PermissionDenied(_("只有上传该文件的用户可以操作此导入批次。"))


def _read(batch: ImportBatch) -> Table:
    kind = kinds.get(batch.kind)
    with batch.file.open("rb") as handle:
        data = handle.read()
    return read_table(
        data, filename=batch.original_name, expected_headers=kind.expected_headers, sheet_names=kind.sheet_names
    )


def _mapping_for(batch: ImportBatch, table: Table) -> dict[str, str]:
    kind = kinds.get(batch.kind)
    if batch.mapping:
        return mapping_module.clean_mapping(batch.mapping, table.columns, kind.fields)
    remembered = ImportTemplate.objects.filter(
        kind=batch.kind, signature=mapping_module.signature(table.columns)
    ).first()
    if remembered is not None:
        return mapping_module.clean_mapping(remembered.mapping, table.columns, kind.fields)
    return mapping_module.match_columns(table.columns, kind.fields)


def _actor_of(batch: ImportBatch) -> Actor:
    if batch.uploaded_by is not None:
        return batch.uploaded_by
    from chaindesk.core.actors import IMPORT

    return IMPORT


def _store_report(batch: ImportBatch, report: dict[str, Any]) -> None:
    data = gzip.compress(json.dumps(report, ensure_ascii=False, default=str).encode(), compresslevel=5)
    old = batch.report.name if batch.report else ""
    batch.report.save(f"{uuid.uuid4().hex}.json.gz", ContentFile(data), save=False)
    if old:
        batch.report.storage.delete(old)


PLAN_ROWS = 5000  # rows pickled at a time: a pickler's memo holds every object it wrote until it is done


def _store_plan(batch: ImportBatch, plan: Plan) -> None:
    """Keep the dry run's plan for the commit, with the last audit line's id it was made after. Written to a
    temporary file as a head (the plan without its rows, the row count) and then the rows PLAN_ROWS at a time, so a
    ledger of 100 000 rows is never in memory twice (as objects and as one pickle with its memo)."""
    old = batch.checked_plan.name if batch.checked_plan else ""
    counts = plan.counts
    if kinds.get(batch.kind).depends_on and plan.ok and (counts["new"] or counts["update"]):
        mark = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        head = Plan(kind=plan.kind, table=plan.table.detached(), mapping=plan.mapping, rows=[])
        with tempfile.TemporaryFile() as handle:
            protocol = pickle.HIGHEST_PROTOCOL
            pickle.dump({"mark": mark, "sha256": batch.sha256, "plan": head, "rows": len(plan.rows)}, handle, protocol)
            for part in bulk.chunks(plan.rows, PLAN_ROWS):
                pickle.dump(part, handle, protocol)
            handle.seek(0)
            batch.checked_plan.save(f"{uuid.uuid4().hex}.plan", File(handle), save=False)
    else:
        batch.checked_plan = ""  # type: ignore[assignment]
    if old:
        batch.checked_plan.storage.delete(old)


_WRITES = (AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE, AuditAction.TRANSITION)


def checked_plan(batch: ImportBatch, mapping: Mapping[str, str]) -> Plan | None:
    """The dry run's plan, if the commit may write from it: kept for the same file and mapping, and no record of
    the models it read has been created, changed or deleted since (every write of the product is audited)."""
    if not batch.checked_plan:
        return None
    with batch.checked_plan.open("rb") as handle:
        kept = pickle.load(handle)  # noqa: S301 - our own file, written by _store_plan
        plan: Plan = kept["plan"]
        if kept["sha256"] != batch.sha256 or dict(plan.mapping) != dict(mapping):
            return None
        total = kept.get("rows", len(plan.rows))  # a plan kept before rows were pickled in parts holds them all
        while len(plan.rows) < total:
            plan.rows.extend(pickle.load(handle))  # noqa: S301 - the same file
    models_read = [apps.get_model(label) for label in kinds.get(batch.kind).depends_on]
    types = ContentType.objects.get_for_models(*models_read).values()
    if AuditLog.objects.filter(pk__gt=kept["mark"], content_type__in=types, action__in=_WRITES).exists():
        return None
    return plan


def load_report(batch: ImportBatch) -> dict[str, Any] | None:
    """The stored dry-run report, or None before the first check finished."""
    if not batch.report:
        return None
    with batch.report.open("rb") as handle:
        return json.loads(gzip.decompress(handle.read()))


def _plan(batch: ImportBatch, actor: Actor, progress: Any = None) -> tuple[Plan, dict[str, str]]:
    table = _read(batch)
    mapping = _mapping_for(batch, table)
    missing = mapping_module.missing_required(mapping, kinds.get(batch.kind).fields)
    plan = kinds.get(batch.kind).plan(table, mapping, actor=actor, progress=progress)
    if missing:
        names = "、".join(str(field.label) for field in missing)
        message = _("没有对应“%(names)s”的列，请在列对应中选择。") % {"names": names}
        for row in plan.rows:
            row.error(message)
            row.outcome = "error"
    return plan, mapping


# --- upload and dry run ----------------------------------------------------------------------------------------


@transaction.atomic
def import_upload(*, actor: Actor, kind: str, name: str, data: bytes) -> ImportBatch:
    """Store an uploaded ledger as a new batch and, once committed, start its dry run in the background."""
    require_actor(actor)
    try:
        importer = kinds.get(kind)
    except KeyError as exc:
        raise ValidationError(_("未知的导入类型。"), code="kind") from exc
    if not (is_system(actor) or importer.may_import(actor)):
        raise PermissionDenied(_("您无权导入%(kind)s。") % {"kind": importer.label})
    clean_name = uploads.safe_filename(name, ".xlsx")
    if not data:
        raise ValidationError(_("文件“%(name)s”是空的。") % {"name": clean_name}, code="empty")
    if len(data) > max_bytes():
        raise ValidationError(
            _("文件“%(name)s”超过 %(mb)s MB，请拆分后导入。")
            % {"name": clean_name, "mb": max_bytes() // (1024 * 1024)},
            code="too_large",
        )
    batch = ImportBatch(
        kind=kind,
        original_name=clean_name,
        content_type=uploads.sniff(data, clean_name) or "application/octet-stream",
        size=len(data),
        uploaded_by=person_or_none(actor),
        sha256=hashlib.sha256(data).hexdigest(),
        token=f"import-{uuid.uuid4().hex}",
    )
    batch.file.save(f"{uuid.uuid4().hex}{uploads.extension(clean_name) or '.bin'}", ContentFile(data), save=False)
    batch.full_clean()
    batch.save()
    _enqueue("check", batch.pk)
    return batch


def _task(step: str) -> Any:
    from .tasks import check_batch, commit_batch  # the task module imports this one

    return check_batch if step == "check" else commit_batch


def _enqueue(step: str, batch_id: int) -> None:
    """Queue the batch's check or commit with the write that asked for it (chaindesk/core/queue.py)."""
    queue.enqueue(_task(step), batch_id)


def resume(queued: queue.Queued) -> list[str]:
    """After a crash (`chaindesk recover`): every open batch back in the queue, once. A batch "checking" or
    "committing" whose worker died had its task's transaction rolled back: checking goes back to queued; a commit
    is simply run again (run_commit writes everything or nothing)."""
    lines = []
    for batch in ImportBatch.objects.filter(status__in=OPEN_STATUSES).order_by("pk"):
        if batch.status == BatchStatus.CHECKING:
            _move(batch.pk, BatchStatus.CHECKING, status=BatchStatus.QUEUED, progress=0)
        step = "commit" if batch.status == BatchStatus.COMMITTING else "check"
        if not queued.has(_task(step), batch.pk):
            _enqueue(step, batch.pk)
            lines.append(f"{batch.pk} {batch.original_name}: {step}")
    return lines


@bulk.without_cycle_collection()
def run_check(batch_id: int) -> str:
    """The dry run (the background task's body): queued → checking → checked | failed. Idempotent."""
    if not _move(batch_id, BatchStatus.QUEUED, status=BatchStatus.CHECKING, progress=1, error=""):
        return ImportBatch.objects.get(pk=batch_id).status
    batch = ImportBatch.objects.select_related("uploaded_by").get(pk=batch_id)
    try:
        plan, mapping = _plan(batch, _actor_of(batch), _progress_saver(batch_id, batch.size // 120 or 1))
    except ValidationError as exc:
        _move(batch_id, BatchStatus.CHECKING, status=BatchStatus.FAILED, error=" ".join(exc.messages), progress=100)
        return BatchStatus.FAILED
    except Exception:  # noqa: BLE001 - a bug must not leave the batch "checking" forever
        logger.exception("import check failed: batch %s", batch_id)
        _move(batch_id, BatchStatus.CHECKING, status=BatchStatus.FAILED, error=_("检查时出错，请联系管理员。"))
        return BatchStatus.FAILED
    _store_report(batch, plan.report())
    _store_plan(batch, plan)
    _move(
        batch_id,
        BatchStatus.CHECKING,
        status=BatchStatus.CHECKED,
        progress=100,
        mapping=mapping,
        counts=plan.counts,
        report=batch.report.name,
        checked_plan=batch.checked_plan.name or "",
        checked_at=clock.now(),
    )
    return BatchStatus.CHECKED


@transaction.atomic
def import_remap(*, actor: Actor, batch: ImportBatch, mapping: Mapping[str, str]) -> ImportBatch:
    """Confirm the office's column mapping: remembered for the ledger's layout, and the dry run made again."""
    _need_owner(actor, batch)
    table = _read(batch)
    importer = kinds.get(batch.kind)
    cleaned = mapping_module.clean_mapping(mapping, table.columns, importer.fields)
    if not _move(batch.pk, BatchStatus.CHECKED, status=BatchStatus.QUEUED, mapping=cleaned, progress=0):
        raise ValidationError(_("该批次正在处理或已导入，不能再修改列对应。"), code="busy")
    ImportTemplate.objects.update_or_create(
        kind=batch.kind,
        signature=mapping_module.signature(table.columns),
        defaults={"mapping": cleaned, "headers": [c.name for c in table.columns], "updated_by": person_or_none(actor)},
    )
    _enqueue("check", batch.pk)
    batch.refresh_from_db()
    return batch


# --- commit ----------------------------------------------------------------------------------------------------


@transaction.atomic
def import_commit(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Ask for the commit of a checked batch; it runs in the background (run_commit)."""
    _need_owner(actor, batch)
    counts = batch.counts or {}
    if batch.status == BatchStatus.CHECKED and counts.get("error"):
        raise ValidationError(
            _("还有 %(n)s 行有错误，请下载错误清单，修正后重新上传。") % {"n": counts["error"]}, code="errors"
        )
    if not counts.get("new") and not counts.get("update") and batch.status == BatchStatus.CHECKED:
        raise ValidationError(_("没有需要导入的新增或更新行。"), code="nothing")
    if not _move(batch.pk, BatchStatus.CHECKED, status=BatchStatus.COMMITTING, progress=1, error=""):
        raise ValidationError(_("该批次不在可导入的状态。"), code="busy")
    _enqueue("commit", batch.pk)
    batch.refresh_from_db()
    return batch


@bulk.without_cycle_collection()
def run_commit(batch_id: int) -> str:
    """The commit (the background task's body): committing → committed, or back to checked with the reason."""
    batch = ImportBatch.objects.select_related("uploaded_by").get(pk=batch_id)
    if batch.status != BatchStatus.COMMITTING:
        return batch.status
    actor = _actor_of(batch)
    kind = kinds.get(batch.kind)
    try:
        kept = checked_plan(batch, batch.mapping) if batch.mapping else None
        if kept is not None:
            plan, mapping = kept, dict(kept.mapping)
        else:
            plan, mapping = _plan(batch, actor, _progress_saver(batch_id, batch.size // 60 or 1))
        if not plan.ok:
            _store_report(batch, plan.report())
            raise ValidationError(
                _("文件重新检查时发现 %(n)s 行有错误，未导入任何数据。") % {"n": plan.counts["error"]}, code="errors"
            )
        ctx = context.current()
        token = context.activate(context.RequestContext(request_id=batch.token, ip=ctx.ip, user_getter=ctx.user_getter))
        try:
            with transaction.atomic():
                # Every line this commit writes gets a larger id than any taken before (ids only grow).
                lines_after = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
                written = kind.commit(plan, actor=actor, tag=batch.token)
                bulk.replan()  # the checks deferred to the commit, planned for the tables as they are now
                counts = plan.counts | {"written": sum(written.values())}
                line = audit.record(
                    action=AuditAction.IMPORT,
                    actor=actor,
                    obj=batch,
                    after={"kind": batch.kind, "file": batch.original_name, "sha256": batch.sha256, "counts": counts},
                    message=_("导入%(kind)s：%(name)s") % {"kind": kind.label, "name": batch.original_name},
                )
                if not _move(
                    batch_id,
                    BatchStatus.COMMITTING,
                    status=BatchStatus.COMMITTED,
                    progress=100,
                    counts=counts,
                    mapping=mapping,
                    committed_at=clock.now(),
                    committed_by=person_or_none(actor),
                    lines_after=lines_after,
                    import_line=line.pk,
                ):
                    raise ValidationError(_("该批次已被其他操作处理。"), code="busy")
        finally:
            context.deactivate(token)
    except (ValidationError, PermissionDenied) as exc:
        message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        fields: dict[str, Any] = {"status": BatchStatus.CHECKED, "progress": 100, "error": message}
        if batch.report:
            fields["report"] = batch.report.name
        _move(batch_id, BatchStatus.COMMITTING, **fields)
        return BatchStatus.CHECKED
    except Exception:  # noqa: BLE001 - a bug must not leave the batch "committing" forever
        logger.exception("import commit failed: batch %s", batch_id)
        _move(batch_id, BatchStatus.COMMITTING, status=BatchStatus.CHECKED, error=_("导入时出错，未写入任何数据。"))
        return BatchStatus.CHECKED
    return BatchStatus.COMMITTED


# --- undo ------------------------------------------------------------------------------------------------------


def batch_lines(batch: ImportBatch) -> models.QuerySet[AuditLog]:
    """The audit lines the batch's commit wrote (its records), oldest first; not the batch's own IMPORT line. Read
    by the range of ids the commit wrote in (the primary key's index) when the batch kept it."""
    lines = AuditLog.objects.filter(request_id=batch.token)
    if batch.lines_after is not None and batch.import_line is not None:
        lines = lines.filter(pk__gt=batch.lines_after, pk__lt=batch.import_line)
    return lines.exclude(action=AuditAction.IMPORT).order_by("pk")


def _last_line(batch: ImportBatch) -> int:
    """The id of the last audit line of the batch's commit (its IMPORT line)."""
    if batch.import_line is not None:
        return batch.import_line
    return AuditLog.objects.filter(request_id=batch.token).order_by("-pk").values_list("pk", flat=True).first() or 0


def _edited_since(lines: list[AuditLog], last_pk: int) -> AuditLog | None:
    by_type: dict[int, set[str]] = {}
    for line in lines:
        by_type.setdefault(line.content_type_id or 0, set()).add(line.object_id)
    for type_id, ids in by_type.items():
        ordered = sorted(ids)
        for start in range(0, len(ordered), 900):
            later = (
                AuditLog.objects.filter(
                    content_type_id=type_id, object_id__in=ordered[start : start + 900], pk__gt=last_pk
                )
                .exclude(action=AuditAction.PERMISSION_DENIED)
                .order_by("pk")
                .first()
            )
            if later is not None:
                return later
    return None


def _referenced(model: type[models.Model], ids: set[Any], created: dict[type[models.Model], set[Any]]) -> str | None:
    """A record outside the batch that refers to one the batch created (the undo would delete or orphan it). The
    rows a service writes with its record and without an audit line of their own (a demand's timeline events,
    kinds.ImportKind.undo_follows) go with it."""
    follows = kinds.undo_follows()
    for relation in model._meta.related_objects:
        if not (relation.one_to_many or relation.one_to_one or relation.many_to_many):
            continue
        related = relation.related_model
        if related._meta.label in follows:
            continue
        ours = created.get(related, set())
        ordered = sorted(ids)
        for start in range(0, len(ordered), 900):
            query = related._default_manager.filter(**{f"{relation.field.name}__in": ordered[start : start + 900]})
            if ours:
                query = query.exclude(pk__in=ours)
            found = query.first()
            if found is not None:
                return f"{related._meta.verbose_name}“{found}”"
    return None


def _restore(model: type[models.Model], pk: Any, before: dict[str, Any]) -> None:
    obj = model._default_manager.get(pk=pk)
    plain: list[str] = []
    for name, value in before.items():
        field = model._meta.get_field(name)
        if not isinstance(field, models.Field):
            continue
        if field.many_to_many:
            getattr(obj, name).set(value or [])
            continue
        setattr(obj, field.attname, field.to_python(value) if value is not None else None)
        plain.append(field.attname)
    if plain:
        obj.save(update_fields=plain)


def _undo_line(line: AuditLog, action: str, actor: Actor, **values: Any) -> AuditLog:
    """An audit line of the undo about the record `line` names."""
    entry = audit.line(action=action, actor=actor, **values)
    entry.content_type_id, entry.object_id, entry.object_repr = line.content_type_id, line.object_id, line.object_repr
    model = ContentType.objects.get_for_id(line.content_type_id).model_class() if line.content_type_id else None
    listeners.heard(model, line.object_id, None, values.get("before"), values.get("after"), action)
    return entry


@transaction.atomic
def import_undo(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Undo a committed batch (see the module docstring)."""
    _need_owner(actor, batch)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != BatchStatus.COMMITTED:
        raise ValidationError(_("只有已导入的批次可以撤销。"), code="status")
    lines = list(batch_lines(batch))
    later = _edited_since(lines, _last_line(batch))
    if later is not None:
        raise ValidationError(
            _("“%(name)s”在导入后已被修改（%(when)s，%(who)s），不能撤销该批次。")
            % {
                "name": later.object_repr,
                "when": f"{timezone.localtime(later.created_at):%Y-%m-%d %H:%M}",
                "who": later.actor_name,
            },
            code="edited",
        )
    types = {t.pk: t for t in ContentType.objects.filter(pk__in={line.content_type_id for line in lines})}

    def model_of(line: AuditLog) -> type[models.Model]:
        model = types[line.content_type_id or 0].model_class()
        if model is None:  # a model removed since the import: nothing can be undone safely
            raise ValidationError(_("该批次写入的记录类型已不存在，不能撤销。"), code="model")
        return model

    created: dict[type[models.Model], set[Any]] = {}
    order: list[type[models.Model]] = []  # models of created records, children first (reverse of creation)
    for line in reversed(lines):
        if line.action == AuditAction.CREATE:
            model = model_of(line)
            created.setdefault(model, set()).add(int(line.object_id))
            if model not in order:
                order.append(model)
    for model, ids in created.items():
        blocker = _referenced(model, ids, created)
        if blocker is not None:
            raise ValidationError(
                _("%(what)s引用了该批次新增的记录，不能撤销。") % {"what": blocker}, code="referenced"
            )
    message = _("撤销导入批次 #%(n)s") % {"n": batch.pk}
    undo_lines = []
    for line in reversed(lines):
        if line.action in (AuditAction.UPDATE, AuditAction.TRANSITION) and line.before:
            _restore(model_of(line), line.object_id, line.before)
            undo_lines.append(_undo_line(line, AuditAction.UPDATE, actor, before=line.after, after=line.before))
    for model in order:
        ordered = sorted(created[model])
        for begin in range(0, len(ordered), 900):
            model._default_manager.filter(pk__in=ordered[begin : begin + 900]).delete()
    undo_lines += [
        _undo_line(line, AuditAction.DELETE, actor, before=line.after)
        for line in lines
        if line.action == AuditAction.CREATE
    ]
    for entry in undo_lines:
        entry.message = message
    audit.record_many(undo_lines)
    bulk.replan()  # the deletions' deferred checks, planned for the tables as they are now
    deleted = sum(len(ids) for ids in created.values())
    audit.record(
        action=AuditAction.IMPORT_UNDO,
        actor=actor,
        obj=batch,
        after={"deleted": deleted, "restored": len(lines) - deleted},
        message=_("撤销导入：%(name)s") % {"name": batch.original_name},
    )
    _move(
        batch.pk,
        BatchStatus.COMMITTED,
        status=BatchStatus.UNDONE,
        undone_at=clock.now(),
        undone_by=person_or_none(actor),
    )
    batch.refresh_from_db()
    return batch
