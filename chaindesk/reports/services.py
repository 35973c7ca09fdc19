"""Writes on briefings: create and edit one, generate a version in the background, upload and deactivate an office's
template. Keyword-only, atomic, audited in the same transaction; only the chain's service team writes
(chaindesk.reports.permissions). Refusals: PermissionDenied for an actor without the right, ValidationError with a
Chinese message for bad input (nothing is written or stored then).

Generating: `briefing_generate` numbers a new version (the briefing row locked, so two clicks never share a number),
stores it queued and, once committed, enqueues `chaindesk.reports.tasks.generate_briefing` (Django's tasks API; on
the database backend the worker picks it up, in tests the immediate backend runs it at once). The task calls
`version_run`, which moves the version queued → running → done | failed by compare-and-set (a second run of the same
version does nothing), saving the progress as it goes so the page's progress bar follows it. Any exception marks the
version failed with the error; the files are stored only once all three were made."""

import datetime as dt
import logging
import re
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from chaindesk.accounts.choices import RegionLevel
from chaindesk.chains.models import Chain
from chaindesk.core import audit, clock, queue, uploads
from chaindesk.core.actors import Actor, SystemActor, person_or_none
from chaindesk.core.db_router import use_replica
from chaindesk.core.models import AuditAction
from chaindesk.core.services import audited_create, audited_update
from chaindesk.meetings.models import Meeting

from . import content, layout, permissions, preview, template_fill
from .choices import OPEN_VERSION, SECTION_MAX, SECTIONS, BriefingKind, VersionStatus
from .models import Briefing, BriefingTemplate, BriefingVersion
from .xlsx import build_pack

logger = logging.getLogger(__name__)

GENERATOR = SystemActor("briefing", "简报生成")  # the background generation, as the audit trail names it
ERROR_MAX = 2000
PERIOD_MAX_DAYS = 366


def _need_team(actor: Actor, chain: Chain) -> None:
    if not permissions.may_write(actor, chain.pk):
        raise PermissionDenied(_("您无权处理该产业链的简报：只有该产业链的服务团队可以编辑和生成。"))


def default_issuer(chain: Chain) -> str:
    """发文机关 from the chain: its lead department's city and the chain's team (泰州市生物医药产业链服务团队)."""
    region = chain.lead_department.region
    if region.level == RegionLevel.DISTRICT and region.parent_id and region.parent:
        region = region.parent  # a district's department: the city above it issues
    city = region.name
    return _("%(city)s%(chain)s产业链服务团队") % {"city": city, "chain": chain.name.removesuffix("产业链")}


def next_number(chain: Chain, year: int) -> int:
    """期号: the chain's briefings dated in `year` are numbered from 1."""
    last = Briefing.objects.filter(chain=chain, dated_on__year=year).aggregate(n=Max("number"))["n"]
    return (last or 0) + 1


def _period(kind: str, meeting: Meeting | None, start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """A meeting briefing covers the year up to the meeting; a period briefing its two dates, in order, at most a
    year apart."""
    if kind == BriefingKind.MEETING:
        if meeting is None:
            raise ValidationError({"meeting": _("请选择会议。")}, code="required")
        return dt.date(meeting.held_on.year, 1, 1), meeting.held_on
    if start is None or end is None:
        raise ValidationError({"period_start": _("请填写统计期的起止日期。")}, code="required")
    if start > end:
        raise ValidationError({"period_end": _("统计期止不能早于统计期起。")}, code="order")
    if (end - start).days >= PERIOD_MAX_DAYS:
        raise ValidationError({"period_end": _("统计期不能超过一年。")}, code="too_long")
    return start, end


def _title(kind: str, chain: Chain, meeting: Meeting | None, start: dt.date, end: dt.date) -> str:
    if kind == BriefingKind.MEETING and meeting is not None:
        return meeting.title
    return _("%(chain)s产业链服务工作简报（%(start)s至%(end)s）") % {
        "chain": chain.name.removesuffix("产业链"),
        "start": content.day_text(start, year=True),
        "end": content.day_text(end, year=start.year != end.year),
    }


@transaction.atomic
def briefing_create(
    *,
    actor: Actor,
    chain: Chain,
    kind: str,
    meeting: Meeting | None = None,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
) -> Briefing:
    """A new briefing of `chain`, for one of its meetings or for a period, with its sections drafted from the records
    (the opening from the meeting's facts, the leader's points from its minutes), numbered after the chain's last
    briefing of the year and issued by the chain's team."""
    if kind not in BriefingKind.values:
        raise ValidationError({"kind": _("请选择简报类型。")}, code="kind")
    if kind == BriefingKind.MEETING and meeting is not None:
        chain = meeting.chain
    else:
        meeting = None
    _need_team(actor, chain)
    start, end = _period(kind, meeting, period_start, period_end)
    today = clock.today()
    return audited_create(
        model=Briefing,
        actor=actor,
        chain=chain,
        kind=kind,
        meeting=meeting,
        title=_title(kind, chain, meeting, start, end),
        period_start=start,
        period_end=end,
        number=next_number(chain, today.year),
        issuer=default_issuer(chain),
        dated_on=today,
        sections=content.draft_sections(kind=kind, meeting=meeting, chain_name=chain.name, start=start, end=end),
        created_by=person_or_none(actor),
    )


def clean_sections(sections: dict[str, Any]) -> dict[str, str]:
    """The known sections, trimmed, each at most SECTION_MAX characters."""
    cleaned = {}
    for key, (label, _help) in SECTIONS.items():
        text = str(sections.get(key) or "").strip()
        if len(text) > SECTION_MAX:
            message = _("“%(label)s”请控制在%(n)s字以内。") % {"label": label, "n": SECTION_MAX}
            raise ValidationError({key: message}, code="too_long")
        cleaned[key] = text
    return cleaned


@transaction.atomic
def briefing_update(
    *,
    actor: Actor,
    briefing: Briefing,
    title: str,
    number: int,
    issuer: str,
    dated_on: dt.date,
    distribution: str,
    sections: dict[str, Any],
) -> Briefing:
    """Save what the team edited: the title, 期号, 发文机关, 成文日期, 分送 and the text sections. The next
    generation prints them; the versions made before keep what they printed."""
    _need_team(actor, briefing.chain)
    title, issuer = (title or "").strip(), (issuer or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写标题。")}, code="required")
    if not issuer:
        raise ValidationError({"issuer": _("请填写发文机关。")}, code="required")
    return audited_update(
        obj=briefing,
        actor=actor,
        title=title,
        number=number,
        issuer=issuer,
        dated_on=dated_on,
        distribution=(distribution or "").strip(),
        sections=clean_sections(sections),
    )


def _usable_template(briefing: Briefing, template: BriefingTemplate | None) -> None:
    if template is not None and (template.chain_id != briefing.chain_id or not template.active):
        raise ValidationError({"template": _("该模板已停用或不属于本产业链，请重新选择。")}, code="template")


@transaction.atomic
def briefing_generate(*, actor: Actor, briefing: Briefing, template: BriefingTemplate | None = None) -> BriefingVersion:
    """Queue a new version of the briefing (in the built-in layout, or filled into `template`) and, once committed,
    start its generation in the background. Refused while another version is still being generated."""
    _need_team(actor, briefing.chain)
    _usable_template(briefing, template)
    Briefing.objects.select_for_update().filter(pk=briefing.pk).first()  # serialise the numbering (PostgreSQL)
    versions = BriefingVersion.objects.filter(briefing=briefing)
    if versions.filter(status__in=(VersionStatus.QUEUED, VersionStatus.RUNNING)).exists():
        raise ValidationError(_("上一版本正在生成，请等它完成后再生成新版本。"), code="busy")
    n = (versions.aggregate(n=Max("n"))["n"] or 0) + 1
    version = audited_create(
        model=BriefingVersion,
        actor=actor,
        briefing=briefing,
        n=n,
        template=template,
        created_by=person_or_none(actor),
        message=f"生成简报第 {n} 版",
    )
    _enqueue(version.pk)
    return version


def _generator() -> Any:
    from .tasks import generate_briefing  # the task module imports this one

    return generate_briefing


def _enqueue(version_id: int) -> None:
    """Queue the version's generation with the write that asked for it (chaindesk/core/queue.py)."""
    queue.enqueue(_generator(), version_id)


def resume(queued: queue.Queued) -> list[str]:
    """After a crash (`chaindesk recover`, no worker running): every open version back in the queue, once; one
    left running when its worker died goes back to queued. A worker killed after storing a version's files and
    before recording them left those files behind, named by no version: they are removed (the version makes new
    ones when it runs again)."""
    lines = []
    for version in BriefingVersion.objects.filter(status__in=OPEN_VERSION).order_by("pk"):
        if version.status == VersionStatus.RUNNING:
            _move(version.pk, VersionStatus.RUNNING, status=VersionStatus.QUEUED, progress=0)
        if not queued.has(_generator(), version.pk):
            _enqueue(version.pk)
            lines.append(f"{version.pk} 第 {version.n} 版")
    storage = _files()
    for name in unrecorded_files():
        storage.delete(name)
        lines.append(f"removed {name}: generated, named by no version")
    return lines


GENERATED_NAME = re.compile(r"[0-9a-f]{32}\.(docx|xlsx|png)")  # _store's names


def _files() -> Any:
    """The versions' file storage (one for the three fields)."""
    return BriefingVersion._meta.get_field("docx").storage  # type: ignore[attr-defined]


def unrecorded_files() -> list[str]:
    """The generated files (reports/YYYY/MM/<random>.docx|xlsx|png) no version names; never a template's."""
    storage = _files()
    recorded: set[str] = set()
    for names in BriefingVersion.objects.values_list("docx", "xlsx", "preview"):
        recorded.update(name for name in names if name)
    found: list[str] = []

    def walk(folder: str, depth: int) -> None:
        folders, files = storage.listdir(folder)
        if depth < 2:  # reports/<year>/<month>/
            for sub in sorted(folders):
                if sub.isdigit():
                    walk(f"{folder}/{sub}", depth + 1)
            return
        found.extend(
            f"{folder}/{name}"
            for name in sorted(files)
            if GENERATED_NAME.fullmatch(name) and f"{folder}/{name}" not in recorded
        )

    if storage.exists("reports"):
        walk("reports", 0)
    return found


# --- the generation (run by the background task) ---------------------------------------------------------------


def _move(version_id: int, expected: str, **fields: Any) -> bool:
    """Compare-and-set the version's status: True when it was `expected` and now holds `fields`."""
    return BriefingVersion.objects.filter(pk=version_id, status=expected).update(**fields) == 1


def _progress(version_id: int, percent: int) -> None:
    BriefingVersion.objects.filter(pk=version_id, status=VersionStatus.RUNNING).update(progress=percent)


def make_preview(docx: bytes) -> tuple[bytes | None, str]:
    """The first page as PNG, or None and the reason the page shows (预览不可用: why)."""
    if not preview.available():
        return None, _("服务器未安装 LibreOffice 或 pdftoppm，无法生成首页预览；请下载 Word 文档查看。")
    png = preview.render_first_page(docx)
    if png is None:
        return None, _("首页预览生成失败（文档转换出错或超时）；请下载 Word 文档查看。")
    return png, ""


def _reader(version: BriefingVersion) -> Any:
    """Whose view of the records the briefing prints: who asked for it (the chain chief for a system actor)."""
    return version.created_by or version.briefing.chain.chief


def _documents(version: BriefingVersion) -> tuple[bytes, bytes, bytes | None, str]:
    """The DOCX, the XLSX pack and the preview, with the progress saved after each step."""
    briefing, reader = version.briefing, _reader(version)
    with use_replica():  # the figures from the replica when there is a usable one (chaindesk/core/db_router.py)
        doc = content.build(briefing, reader=reader)
    _progress(version.pk, 30)
    if version.template is not None:
        with version.template.file.open("rb") as handle:
            docx = template_fill.fill_template(handle.read(), doc)
    else:
        docx = layout.build_docx(doc)
    _progress(version.pk, 55)
    with use_replica():
        xlsx = build_pack(briefing, reader=reader, period=content.briefing_period(briefing))
    _progress(version.pk, 70)
    png, note = make_preview(docx)
    _progress(version.pk, 95)
    return docx, xlsx, png, note


def _store(version: BriefingVersion, docx: bytes, xlsx: bytes, png: bytes | None) -> dict[str, str]:
    """Save the files under random names (all or none); returns the stored names by field."""
    names: dict[str, str] = {}
    try:
        for field_name, data, ext in (("docx", docx, ".docx"), ("xlsx", xlsx, ".xlsx"), ("preview", png, ".png")):
            if data is not None:
                field = getattr(version, field_name)
                field.save(f"{uuid.uuid4().hex}{ext}", ContentFile(data), save=False)
                names[field_name] = field.name
    except Exception:
        _discard(version, names)
        raise
    return names


def version_run(*, version_id: int) -> str:
    """Generate a queued version: running, then done with its files or failed with the error. Returns the status
    it ends in; a version that is not queued any more (run twice) is left as it is."""
    if not _move(version_id, VersionStatus.QUEUED, status=VersionStatus.RUNNING, progress=5):
        current = BriefingVersion.objects.filter(pk=version_id).values_list("status", flat=True).first()
        return str(current or "")
    version = BriefingVersion.objects.select_related(
        "briefing__chain__chief", "briefing__meeting__leader", "briefing__meeting__chair", "template", "created_by"
    ).get(pk=version_id)
    try:
        docx, xlsx, png, note = _documents(version)
        names = _store(version, docx, xlsx, png)
    except Exception as exc:  # noqa: BLE001 - any failure is the version's, shown on the page
        logger.exception("briefing version %s failed", version_id)
        return _fail(version, exc)
    return _finish(version, names, note)


def _finish(version: BriefingVersion, names: dict[str, str], note: str) -> str:
    fields = {**names, "preview_note": note, "progress": 100, "finished_at": clock.now()}
    with transaction.atomic():
        if not _move(version.pk, VersionStatus.RUNNING, status=VersionStatus.DONE, **fields):
            _discard(version, names)
            return VersionStatus.FAILED
        audit.record(
            action=AuditAction.TRANSITION,
            actor=GENERATOR,
            obj=version,
            before={"status": VersionStatus.RUNNING},
            after={"status": VersionStatus.DONE, **names},
            message=f"简报第 {version.n} 版生成完成",
        )
    return VersionStatus.DONE


def _discard(version: BriefingVersion, names: dict[str, str]) -> None:
    for field_name, name in names.items():
        getattr(version, field_name).storage.delete(name)


def error_text(exc: BaseException) -> str:
    """What a failed version says: the refusal's own message, or the error's kind and text."""
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)[:ERROR_MAX]
    return f"{type(exc).__name__}: {exc}"[:ERROR_MAX]


def _fail(version: BriefingVersion, exc: BaseException) -> str:
    message = error_text(exc)
    with transaction.atomic():
        if _move(
            version.pk, VersionStatus.RUNNING, status=VersionStatus.FAILED, error=message, finished_at=clock.now()
        ):
            audit.record(
                action=AuditAction.TRANSITION,
                actor=GENERATOR,
                obj=version,
                before={"status": VersionStatus.RUNNING},
                after={"status": VersionStatus.FAILED},
                message=f"简报第 {version.n} 版生成失败：{message}"[:500],
            )
    return VersionStatus.FAILED


# --- templates -------------------------------------------------------------------------------------------------


def _checked_template(upload: Any) -> tuple[bytes, str]:
    """The upload's bytes when it is a DOCX holding the placeholders; ValidationError on the file field otherwise."""
    name = uploads.upload_name(upload)
    try:
        uploads.check_upload(upload, kinds={uploads.DOCX})
    except ValidationError as exc:
        if exc.code in ("bad_type", "bad_extension"):
            message = _("文件“%(name)s”不是 Word 文档：模板须为 .docx 格式（旧版 .doc 请先在 Word 中另存为 .docx）。")
            raise ValidationError({"file": message % {"name": name}}, code="not_docx") from exc
        raise ValidationError({"file": exc.messages}, code=exc.code) from exc
    data = uploads.read_all(upload)
    try:
        template_fill.check_template(data)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}, code=exc.code or "placeholders") from exc
    return data, name


@transaction.atomic
def template_upload(*, actor: Actor, chain: Chain, name: str, upload: Any) -> BriefingTemplate:
    """Store an office's 红头 template for the chain after checking it is a DOCX with the placeholders; a refused
    file stores nothing."""
    _need_team(actor, chain)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写模板名称。")}, code="required")
    data, original = _checked_template(upload)
    return audited_create(
        model=BriefingTemplate,
        actor=actor,
        chain=chain,
        name=name,
        file=ContentFile(data, name=uploads.random_name(original, uploads.DOCX)),
        original_name=original,
        content_type=uploads.DOCX,
        size=len(data),
        uploaded_by=person_or_none(actor),
    )


@transaction.atomic
def template_deactivate(*, actor: Actor, template: BriefingTemplate) -> BriefingTemplate:
    """Stop offering a template; the versions made with it keep it (a template is never deleted)."""
    _need_team(actor, template.chain)
    if not template.active:
        return template
    return audited_update(obj=template, actor=actor, active=False, message="停用简报模板")
