"""`chaindesk import KIND FILE [--commit] [--user NAME]` (issue 13, item 4): the dry run or the commit's result as
JSON, exit 0 only when every row is valid or the commit succeeded, 1 for errors and refusals, 2 for usage errors;
the background tasks the services enqueue find nothing left to do."""

import hashlib
import importlib
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chaindesk.accounts.models import User
from chaindesk.core.actors import IMPORT
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.enterprises import services as enterprise_services
from chaindesk.enterprises.models import Contact, Enterprise, Indicator
from chaindesk.rollups import engine as rollup_engine
from chaindesk.testkit.personas import Personas, make_uscc
from chaindesk.transfer import services
from chaindesk.transfer.choices import BatchStatus
from chaindesk.transfer.models import ImportBatch
from chaindesk.transfer.tests import ledgers
from chaindesk.transfer.tests.ledgers import Sheet

command_module = importlib.import_module("chaindesk.transfer.management.commands.import")
HEADER = ["企业名称", "统一社会信用代码", "所在地区", "所属产业链", "成立日期", "联系人", "2024年营业收入（万元）"]


def _ledger(p: Personas, count: int = 3, cells: dict[str, Any] | None = None) -> list[list[Any]]:
    """`count` valid rows of new enterprises on our chain; `cells` {"2:4": value} replaces row 2's column E."""
    rows: list[list[Any]] = []
    for n in range(1, count + 1):
        name = f"命令行导入{n}号材料有限公司"
        rows.append(
            [name, make_uscc(name, p.ours.region.code), p.ours.region.name, p.ours.chain.name, f"2020-0{n}-1{n}"]
            + [f"联系人{n}", 100 * n]
        )
    for where, value in (cells or {}).items():
        row, column = (int(part) for part in where.split(":"))
        rows[row - 1][column] = value
    return rows


def _file(tmp_path: Path, rows: list[list[Any]], name: str = "企业名录.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(ledgers.xlsx(Sheet([HEADER, *rows])))
    return path


def _run(*args: str) -> tuple[int, dict[str, Any] | None, str]:
    """(exit status, the JSON printed or None, the message for stderr) of `chaindesk import ARGS`."""
    out = StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=StringIO())
    except CommandError as exc:
        code, message = exc.returncode, str(exc)
    else:
        code, message = 0, ""
    text = out.getvalue()
    return code, json.loads(text) if text else None, message


def _written() -> tuple[int, int, int, int]:
    return Enterprise.objects.count(), Contact.objects.count(), Indicator.objects.count(), AuditLog.objects.count()


def test_a_dry_run_prints_every_row_and_writes_nothing(personas: Personas, tmp_path: Path) -> None:
    p = personas
    path = _file(tmp_path, _ledger(p))
    before = _written()
    code, output, message = _run("enterprises", str(path), "--user", p.chief.username)
    assert (code, message) == (0, "")
    assert output is not None
    assert set(output) >= {"kind", "file", "sha256", "batch", "status", "counts", "mapping", "rows", "skipped"}
    assert output["kind"] == "enterprises" and output["file"] == str(path) and output["status"] == "checked"
    assert output["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert output["counts"]["new"] == 3 and output["counts"]["error"] == 0 and output["counts"]["rows"] == 3
    assert output["mapping"]["A"] == {"header": "企业名称", "field": "name"}
    assert output["mapping"]["G"]["field"] == "revenue@2024"
    assert [(r["row"], r["outcome"], r["label"], r["errors"]) for r in output["rows"]] == [
        (n + 1, "new", f"命令行导入{n}号材料有限公司", []) for n in (1, 2, 3)
    ]
    assert _written() == before
    batch = ImportBatch.objects.get(pk=output["batch"])
    assert batch.status == BatchStatus.CHECKED and batch.uploaded_by == p.chief
    assert not AuditLog.objects.filter(request_id=batch.token).exists()


def test_rows_with_errors_exit_1_with_row_column_and_message(personas: Personas, tmp_path: Path) -> None:
    p = personas
    rows = _ledger(p, cells={"2:1": "91320000MA1A2B3C4X", "3:4": "明年春天"})
    before = _written()
    code, output, message = _run("enterprises", str(_file(tmp_path, rows)), "--user", p.chief.username)
    assert code == 1 and "有 2 行有错误" in message
    assert output is not None and output["error"] == message and output["counts"]["error"] == 2
    by_row = {r["row"]: r for r in output["rows"]}
    assert by_row[2]["outcome"] == "new"
    assert by_row[3]["outcome"] == "error"
    ((error,),) = [by_row[3]["errors"]]
    assert (error["column"], error["header"]) == ("B", "统一社会信用代码") and "统一社会信用代码" in error["message"]
    assert [(e["column"], e["header"]) for e in by_row[4]["errors"]] == [("E", "成立日期")]
    assert "明年春天" in by_row[4]["errors"][0]["message"]
    assert _written() == before


def test_commit_writes_and_a_second_commit_of_the_same_file_writes_nothing(personas: Personas, tmp_path: Path) -> None:
    p = personas
    path = _file(tmp_path, _ledger(p))
    code, output, message = _run("enterprises", str(path), "--commit", "--user", p.chief.username)
    assert (code, message) == (0, ""), output
    assert output is not None and output["status"] == "committed"
    assert output["counts"]["new"] == 3 and output["counts"]["written"] == 3
    created = Enterprise.objects.get(name="命令行导入2号材料有限公司")
    assert Contact.objects.filter(enterprise=created, name="联系人2").exists()
    assert Indicator.objects.get(enterprise=created, year=2024).revenue == 200
    batch = ImportBatch.objects.get(pk=output["batch"])
    line = AuditLog.objects.get(request_id=batch.token, action=AuditAction.IMPORT)
    assert line.actor_id == p.chief.pk and line.after["sha256"] == output["sha256"]

    before = _written()
    code, again, message = _run("enterprises", str(path), "--commit", "--user", p.chief.username)
    assert (code, message) == (0, "")
    assert again is not None and again["batch"] != output["batch"]
    assert again["counts"]["new"] == 0 and again["counts"]["update"] == 0 and again["counts"]["unchanged"] == 3
    assert {r["outcome"] for r in again["rows"]} == {"unchanged"}
    assert "没有需要导入" in again["message"] and again["status"] == "checked"
    assert _written() == before


def test_a_commit_with_row_errors_is_refused_and_writes_nothing(personas: Personas, tmp_path: Path) -> None:
    p = personas
    before = _written()
    path = _file(tmp_path, _ledger(p, cells={"1:2": "火星区"}))
    code, output, message = _run("enterprises", str(path), "--commit", "--user", p.chief.username)
    assert code == 1 and "有 1 行有错误，未导入任何数据" in message
    assert output is not None and output["status"] == "checked" and output["error"] == message
    assert output["rows"][0]["errors"][0]["column"] == "C" and "火星区" in output["rows"][0]["errors"][0]["message"]
    assert _written() == before


def test_a_commit_refused_by_the_second_check_exits_1_with_the_refusal(
    personas: Personas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the dry run and the commit another chain registers one of the file's enterprises: the commit's
    second check finds that row outside the importer's reach and refuses the whole file."""
    p = personas
    rows = _ledger(p)
    check = services.run_check

    def check_then_someone_registers(batch_id: int) -> str:
        status = check(batch_id)
        enterprise_services.enterprise_create(
            actor=p.x_chief, name=rows[0][0], uscc=rows[0][1], region=p.theirs.region, nodes=[p.theirs.node]
        )
        return status

    monkeypatch.setattr(services, "run_check", check_then_someone_registers)
    before = _written()
    code, output, message = _run("enterprises", str(_file(tmp_path, rows)), "--commit", "--user", p.chief.username)
    assert code == 1 and "文件重新检查时发现 1 行有错误，未导入任何数据" in message
    assert output is not None and output["error"] == message and output["status"] == "checked"
    assert output["counts"]["error"] == 1 and output["rows"][0]["outcome"] == "error"
    assert "不在您可修改的范围内" in output["rows"][0]["errors"][0]["message"]
    assert _written()[:3] == (before[0] + 1, before[1], before[2])  # only the other chain's enterprise
    batch = ImportBatch.objects.get(pk=output["batch"])
    assert not AuditLog.objects.filter(request_id=batch.token).exists()


def test_usage_errors_exit_2(personas: Personas, tmp_path: Path) -> None:
    p = personas
    path = _file(tmp_path, _ledger(p, 1))
    batches = ImportBatch.objects.count()
    code, output, message = _run("spaceships", str(path), "--user", p.chief.username)
    assert code == 2 and output is None
    assert "未知的导入类型“spaceships”" in message and "enterprises（企业名录）" in message
    for missing, reason in ((tmp_path / "没有这个文件.xlsx", "文件不存在"), (tmp_path, "这是一个目录")):
        code, output, message = _run("enterprises", str(missing), "--user", p.chief.username)
        assert code == 2 and output is None and message == f"无法读取文件“{missing}”：{reason}。"
    code, _output, message = _run("enterprises", str(path), "--user", "nobody")
    assert code == 2 and message == "找不到用户“nobody”。"
    User.objects.filter(pk=p.member.pk).update(is_active=False)
    code, _output, message = _run("enterprises", str(path), "--user", p.member.username)
    assert code == 2 and "已停用" in message
    assert ImportBatch.objects.count() == batches


def test_a_file_that_cannot_be_read_or_is_refused_exits_1(personas: Personas, tmp_path: Path) -> None:
    p = personas
    pdf = tmp_path / "名录.xlsx"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\n")
    code, output, message = _run("enterprises", str(pdf), "--user", p.chief.username)
    assert code == 1 and "不是可导入的表格" in message
    assert output is not None and output["status"] == "failed" and output["rows"] == [] and output["batch"]

    empty = tmp_path / "空.xlsx"
    empty.write_bytes(b"")
    code, output, message = _run("enterprises", str(empty), "--user", p.chief.username)
    assert code == 1 and "是空的" in message
    assert output == {
        "kind": "enterprises",
        "file": str(empty),
        "sha256": hashlib.sha256(b"").hexdigest(),
        "batch": None,
        "status": "refused",
        "error": message,
    }


def test_a_user_who_may_not_import_is_refused(personas: Personas, tmp_path: Path) -> None:
    p = personas
    code, output, message = _run("enterprises", str(_file(tmp_path, _ledger(p, 1))), "--user", p.liaison.username)
    assert code == 1 and message == "您无权导入企业名录。"
    assert output is not None and output["batch"] is None and output["status"] == "refused"


def test_without_user_it_acts_as_the_system_import_actor(personas: Personas, tmp_path: Path) -> None:
    p = personas
    code, output, message = _run("enterprises", str(_file(tmp_path, _ledger(p))), "--commit")
    assert (code, message) == (0, "")
    assert output is not None and output["status"] == "committed" and output["counts"]["new"] == 3
    batch = ImportBatch.objects.get(pk=output["batch"])
    assert batch.uploaded_by is None
    line = AuditLog.objects.get(request_id=batch.token, action=AuditAction.IMPORT)
    assert line.actor_id is None and line.actor_name == str(IMPORT)


def test_the_enqueued_tasks_find_nothing_left_to_do(
    personas: Personas, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    """The upload and the commit request enqueue their task (on commit); a worker running them after the command
    leaves the batch as it is: run_check only moves a queued batch, run_commit only a committing one."""
    p = personas
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        code, output, _message = _run("enterprises", str(_file(tmp_path, _ledger(p))), "--commit", "--user", "p_chief")
    tasks = [c for c in callbacks if c is not rollup_engine.flush]  # (the rollups' refresh of what was written)
    assert code == 0 and output is not None and len(tasks) == 2
    batch = ImportBatch.objects.get(pk=output["batch"])
    state = (batch.status, batch.report.name, batch.checked_at, batch.committed_at, batch.counts)
    written = _written()
    for callback in callbacks:  # the test settings' backend runs each task as it is enqueued
        callback()
    assert services.run_check(batch.pk) == services.run_commit(batch.pk) == BatchStatus.COMMITTED
    batch.refresh_from_db()
    assert (batch.status, batch.report.name, batch.checked_at, batch.committed_at, batch.counts) == state
    assert _written() == written
    assert AuditLog.objects.filter(request_id=batch.token, action=AuditAction.IMPORT).count() == 1


def test_a_worker_that_checked_first_gives_the_same_output(
    personas: Personas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = personas
    upload = services.import_upload
    reports: list[str] = []

    def upload_and_worker_checks(**kwargs: Any) -> ImportBatch:
        batch = upload(**kwargs)
        assert services.run_check(batch.pk) == BatchStatus.CHECKED
        batch.refresh_from_db()
        reports.append(str(batch.report.name))
        return batch

    monkeypatch.setattr(services, "import_upload", upload_and_worker_checks)
    code, output, _message = _run("enterprises", str(_file(tmp_path, _ledger(p))), "--user", p.chief.username)
    assert code == 0 and output is not None and output["counts"]["new"] == 3
    assert ImportBatch.objects.get(pk=output["batch"]).report.name == reports[0]  # checked once


def test_a_batch_a_worker_still_holds_is_reported_as_such(
    personas: Personas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def worker_busy(batch_id: int) -> str:
        ImportBatch.objects.filter(pk=batch_id).update(status=BatchStatus.CHECKING)
        return BatchStatus.CHECKING

    monkeypatch.setattr(services, "run_check", worker_busy)
    monkeypatch.setattr(command_module, "WAIT_SECONDS", 0.0)
    code, output, message = _run("enterprises", str(_file(tmp_path, _ledger(personas, 1))), "--user", "p_chief")
    assert code == 1 and "仍在处理中（检查中）" in message
    assert output is not None and output["status"] == "checking" and output["rows"] == []
