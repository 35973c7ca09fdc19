"""Generating a briefing end to end (chaindesk.reports.services): a queued version run by the background task (the
test settings' immediate backend, once the transaction commits) with the real built-in layout, the XLSX pack and
the preview; every generation a new version, the earlier ones kept; a failing generation marked failed."""

import datetime as dt
import io
from typing import Any

import docx
import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile

from chaindesk.accounts.models import User
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.reports import layout, preview, services
from chaindesk.reports.choices import VersionStatus
from chaindesk.reports.models import Briefing, BriefingVersion
from chaindesk.reports.tasks import generate_briefing
from chaindesk.testkit.personas import Personas

from . import world


def _user(p: Personas, key: str) -> User:
    user = p.user(key)
    assert user is not None
    return user


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_storage")]


@pytest.fixture(autouse=True)
def _no_soffice(monkeypatch: pytest.MonkeyPatch) -> None:
    """LibreOffice takes seconds a page: these tests run without it (the browser journey renders a real preview)."""
    monkeypatch.setattr(preview, "available", lambda: False)


def _generate(briefing: Briefing, actor: Any, capture: Any, **kwargs: Any) -> BriefingVersion:
    with capture(execute=True):
        version = services.briefing_generate(actor=actor, briefing=briefing, **kwargs)
    version.refresh_from_db()
    return version


def _docx_text(version: BriefingVersion) -> str:
    with version.docx.open("rb") as handle:
        document = docx.Document(io.BytesIO(handle.read()))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_a_generation_makes_the_docx_the_xlsx_pack_and_says_why_there_is_no_preview(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    p = personas
    briefing = world.meeting_briefing(p)
    version = _generate(briefing, p.member, django_capture_on_commit_callbacks)

    assert (version.status, version.progress, version.n) == (VersionStatus.DONE, 100, 1)
    assert version.finished_at is not None and version.error == ""
    text = _docx_text(version)
    assert "测试甲链服务团队工作例会" in text and "测试市测试甲链产业链服务团队" in text
    assert world.VISIT_NOTES in text and world.DECISION in text
    with version.xlsx.open("rb") as handle:
        book = openpyxl.load_workbook(io.BytesIO(handle.read()))
    assert book.sheetnames == ["测试甲链项目台账", "测试甲链诉求台账", "测试甲链议定事项"]
    projects, demands, decisions = book.worksheets
    assert projects["A1"].value == "测试甲链项目台账" and "A1:K1" in {str(r) for r in projects.merged_cells.ranges}
    assert projects.auto_filter.ref == "A3:K4" and projects["B4"].value == p.ours.project.name
    assert demands["D4"].value == p.ours.demand.title and demands["B4"].is_date
    assert decisions["D4"].value == world.DECISION and decisions["F4"].value == "测试甲局、测试乙局"
    assert not version.preview and "LibreOffice" in version.preview_note
    lines = AuditLog.objects.for_object(version).order_by("pk")
    assert [(line.action, line.actor_name) for line in lines] == [
        (AuditAction.CREATE, p.member.username),
        (AuditAction.TRANSITION, "系统·简报生成"),
    ]


def test_each_generation_is_a_new_version_and_the_earlier_ones_are_kept(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    p = personas
    briefing = world.meeting_briefing(p)
    first = _generate(briefing, p.member, django_capture_on_commit_callbacks)
    services.briefing_update(
        actor=p.chief,
        briefing=briefing,
        title="测试甲链工作例会纪要（修改稿）",
        number=7,
        issuer=briefing.issuer,
        dated_on=briefing.dated_on,
        distribution="市委、市政府领导",
        sections={**briefing.sections, "next_steps": "下一步：抓紧推进。"},
    )
    second = _generate(briefing, p.chief, django_capture_on_commit_callbacks)

    assert [v.n for v in briefing.versions.order_by("n")] == [1, 2]
    first.refresh_from_db()
    assert first.status == VersionStatus.DONE and first.docx.name != second.docx.name
    assert "修改稿" not in _docx_text(first)
    text = _docx_text(second)
    assert "测试甲链工作例会纪要（修改稿）" in text and "第 7 期" in text
    assert "下一步：抓紧推进。" in text and "分送：市委、市政府领导" in text


def test_a_failing_generation_is_marked_failed_with_its_error_and_stores_nothing(
    personas: Personas, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(doc: Any) -> bytes:
        raise RuntimeError("排版失败")

    monkeypatch.setattr(layout, "build_docx", broken)
    briefing = world.meeting_briefing(personas)
    version = _generate(briefing, personas.member, django_capture_on_commit_callbacks)
    assert version.status == VersionStatus.FAILED and version.error == "RuntimeError: 排版失败"
    assert version.finished_at is not None and not version.docx and not version.xlsx
    assert AuditLog.objects.for_object(version).filter(message__contains="生成失败").exists()


def test_a_version_runs_once_and_a_second_waits_for_the_first(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    p = personas
    briefing = world.meeting_briefing(p)
    queued = services.briefing_generate(actor=p.member, briefing=briefing)  # not committed: still queued
    assert queued.status == VersionStatus.QUEUED
    with pytest.raises(ValidationError) as refused:
        services.briefing_generate(actor=p.member, briefing=briefing)
    assert refused.value.code == "busy"
    assert generate_briefing.call(queued.pk) == VersionStatus.DONE
    assert generate_briefing.call(queued.pk) == VersionStatus.DONE  # a second run leaves it as it is
    assert BriefingVersion.objects.filter(briefing=briefing).count() == 1


@pytest.mark.parametrize("key", ["x_chief", "liaison", "handler", "district"])
def test_only_the_chain_s_team_creates_and_generates(personas: Personas, key: str) -> None:
    p = personas
    briefing = world.meeting_briefing(p)
    user = _user(p, key)
    with pytest.raises(PermissionDenied):
        services.briefing_generate(actor=user, briefing=briefing)
    with pytest.raises(PermissionDenied):
        world.period_briefing_by(user, p)
    assert not BriefingVersion.objects.filter(briefing=briefing).exists()


def test_a_period_must_be_in_order_and_at_most_a_year(personas: Personas) -> None:
    p = personas
    with pytest.raises(ValidationError) as refused:
        world.period_briefing(p, p.today, p.today - dt.timedelta(days=1))
    assert "统计期止不能早于统计期起" in str(refused.value)
    with pytest.raises(ValidationError):
        world.period_briefing(p, p.today - dt.timedelta(days=400), p.today)


def test_briefings_are_numbered_per_chain_and_year(personas: Personas) -> None:
    p = personas
    first = world.meeting_briefing(p)
    second = world.period_briefing(p, p.today.replace(month=1, day=1), p.today)
    assert (first.number, second.number) == (1, 2)
    assert second.number_text == "第 2 期"


def test_recover_puts_a_version_whose_worker_died_back_in_the_queue_once(
    personas: Personas, settings: Any, monkeypatch: pytest.MonkeyPatch, memory_storage: Any
) -> None:
    """A crash mid-generation leaves the version running with no worker (chaindesk/core/queue.py): `recover`
    queues it again, once, and the worker finishes it."""
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from chaindesk.core import queue

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
    # the worker runs in this test's transaction: its stale-connection check would close it on PostgreSQL
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    p = personas
    version = services.briefing_generate(actor=p.member, briefing=world.meeting_briefing(p))
    assert DBTaskResult.objects.filter(status="READY").count() == 1  # queued with the version itself
    DBTaskResult.objects.all().delete()  # the worker took it and was killed: its transaction rolled back
    BriefingVersion.objects.filter(pk=version.pk).update(status=VersionStatus.RUNNING, progress=5)

    # a worker killed between storing its files and recording them left them named by no version
    month, private_storage = f"reports/{p.today:%Y/%m}", memory_storage
    stray = [private_storage.save(f"{month}/{'ab' * 16}{ext}", ContentFile(b"x")) for ext in (".docx", ".png")]
    kept = private_storage.save(f"{month}/notes.txt", ContentFile(b"not ours"))  # not a generated name: left alone

    report = queue.recover()
    assert report["resumed"] == {
        "briefings": [f"{version.pk} 第 1 版", *(f"removed {name}: generated, named by no version" for name in stray)]
    }
    assert not any(private_storage.exists(name) for name in stray) and private_storage.exists(kept)
    assert queue.recover()["resumed"] == {}  # queued once: a second run finds its task waiting
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    version.refresh_from_db()
    assert (version.status, version.progress) == (VersionStatus.DONE, 100)
    assert queue.recover() == {"interrupted": [], "resumed": {}}  # its own files are named: none removed
    assert private_storage.exists(version.docx.name) and private_storage.exists(version.xlsx.name)
