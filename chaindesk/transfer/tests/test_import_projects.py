"""Importing a project ledger end to end through the batch services: the offices' two-row header ledger, owners
linked or created, stages reached through the transitions, plans and monthly reports, re-import, undo, scope and
refusals (issue 13, items 1–3)."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.enterprises.models import Enterprise
from chaindesk.projects.choices import ProjectStage
from chaindesk.projects.models import InvestmentPlan, InvestmentReport, Project, StageChange
from chaindesk.rollups import engine as rollup_engine
from chaindesk.rollups.models import ProjectDay
from chaindesk.testkit.personas import Personas, add_enterprise, make_uscc
from chaindesk.transfer import services
from chaindesk.transfer.choices import BatchStatus
from chaindesk.transfer.models import ImportBatch
from chaindesk.transfer.tests import ledgers
from chaindesk.transfer.tests.ledgers import Sheet

KANGRUI, BIO, DEVICES = "泰州康瑞药业有限公司", "兴化生物科技有限公司", "江苏医械集团有限公司"
LEDGER_PROJECTS = ("年产5000吨原料药项目", "生物制剂二期", "医疗器械产业园")

_capture: Any = None


@pytest.fixture(autouse=True)
def _run_tasks(django_capture_on_commit_callbacks: Any) -> None:
    """The background tasks run once the service's transaction would have committed (as in production)."""
    global _capture
    _capture = django_capture_on_commit_callbacks


def _upload(actor: Any, data: bytes, name: str = "重点项目台账.xlsx") -> ImportBatch:
    with _capture(execute=True):
        batch = services.import_upload(actor=actor, kind="projects", name=name, data=data)
    batch.refresh_from_db()
    return batch


def _commit(actor: Any, batch: ImportBatch) -> ImportBatch:
    with _capture(execute=True):
        services.import_commit(actor=actor, batch=batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED, batch.error
    return batch


def _rows(batch: ImportBatch) -> dict[int, dict[str, Any]]:
    report = services.load_report(batch)
    assert report is not None
    return {row["row"]: row for row in report["rows"]}


def _messages(row: dict[str, Any], level: str | None = None) -> str:
    return " | ".join(issue[3] for issue in row["issues"] if level is None or issue[0] == level)


def _office_cells(p: Personas) -> dict[str, Any]:
    """The cells every form of the office ledger changes: a title naming our chain, valid codes."""
    return {
        "A1": "2025年测试甲链重点项目台账",
        "D6": make_uscc(KANGRUI, p.ours.region.code),
        "D7": make_uscc(BIO, p.ours.region.code),
        "D10": make_uscc(DEVICES, "320000"),  # registered by the province: its region is not ours
    }


def _office_ledger(p: Personas) -> bytes:
    """ledgers.project_ledger() as the office keeps it (title, unit note, header over two merged rows, a section
    row, a subtotal, a blank row, a total, notes), its title naming our chain and its codes valid ones."""
    data = ledgers.xlsx(ledgers.replaced(ledgers.project_ledger(), _office_cells(p)))
    return ledgers.with_cached_values(data, ledgers.PROJECT_VALUES)


def test_the_offices_ledger_imports_linking_and_creating_owners(personas: Personas) -> None:
    p = personas
    kangrui = add_enterprise(p, KANGRUI)
    batch = _upload(p.chief, _office_ledger(p))
    assert batch.status == BatchStatus.CHECKED, batch.error
    assert batch.counts["new"] == 3 and batch.counts["error"] == 0, batch.counts
    assert not Project.objects.filter(name__in=LEDGER_PROJECTS).exists()
    report = services.load_report(batch)
    assert report is not None and report["header_rows"] == [3, 4] and report["unit"] == "万元"
    assert {report["mapping"][k] for k in ("1", "2", "3", "4", "5", "6")} == {
        "name",
        "owner",
        "uscc",
        "planned_investment",
        "year_plan",
        "stage",
    }
    rows = _rows(batch)
    assert list(rows) == [6, 7, 10]
    assert "将新增建设单位" not in _messages(rows[6])
    assert "将新增建设单位：兴化生物科技有限公司" in _messages(rows[7], "warning")
    assert "测试甲区" in _messages(rows[7], "warning")
    assert "台账未填写以下阶段日期" in _messages(rows[6], "warning")
    assert "在建" in _messages(rows[6], "warning")

    _commit(p.chief, batch)
    first, second, third = (Project.objects.get(name=name) for name in LEDGER_PROJECTS)
    assert first.enterprise == kangrui and first.stage == ProjectStage.BUILDING
    assert first.chain == p.ours.chain and first.region == p.ours.region
    assert first.planned_investment == Decimal("52000.00") and first.started_on == p.today
    assert list(first.stage_changes.values_list("to_stage", flat=True)) == ["signed", "started", "building"]
    assert InvestmentPlan.objects.get(project=first, year=2025).amount == Decimal("5200.00")
    assert second.stage == ProjectStage.STARTED and second.planned_investment == Decimal("52000.00")
    assert InvestmentPlan.objects.get(project=second, year=2025).amount == Decimal("8000.50")
    bio = Enterprise.objects.get(name=BIO)
    assert second.enterprise == bio and bio.region == p.ours.region and list(bio.chains.all()) == [p.ours.chain]
    devices = Enterprise.objects.get(name=DEVICES)
    assert devices.region == p.ours.region  # the chain's only 重点地区: 320000 is a province
    assert third.enterprise == devices and third.stage == ProjectStage.NEGOTIATING
    lines = AuditLog.objects.filter(request_id=batch.token)
    assert lines.filter(action=AuditAction.CREATE, object_id=str(first.pk)).exists()
    assert lines.filter(action=AuditAction.TRANSITION, object_id=str(first.pk)).count() == 3
    assert lines.filter(action=AuditAction.CREATE, object_id=str(bio.pk)).exists()
    assert lines.get(action=AuditAction.IMPORT).after["counts"]["new"] == 3


@pytest.mark.parametrize("form", ["xls", "csv"])
def test_the_offices_ledger_reads_the_same_as_xls_and_gb18030_csv(personas: Personas, form: str) -> None:
    p = personas
    add_enterprise(p, KANGRUI)
    sheet = ledgers.replaced(ledgers.project_ledger(), ledgers.PROJECT_VALUES)  # the formulas' results
    sheet = ledgers.replaced(sheet, _office_cells(p))
    data = ledgers.xls(sheet) if form == "xls" else ledgers.csv_bytes(sheet, encoding="gb18030")
    batch = _upload(p.chief, data, name=f"重点项目台账.{form}")
    assert batch.counts["new"] == 3 and batch.counts["error"] == 0, batch.counts
    assert list(_rows(batch)) == [6, 7, 10]


def test_the_same_ledger_again_is_unchanged_and_undo_removes_the_batch(personas: Personas) -> None:
    p = personas
    kangrui = add_enterprise(p, KANGRUI)
    data = _office_ledger(p)
    batch = _commit(p.chief, _upload(p.chief, data))
    projects, owners = Project.objects.count(), Enterprise.objects.count()
    # The rollups took the batch's key dates and reports in, once it committed.
    assert rollup_engine.pending() == {} and rollup_engine.check() == []
    assert ProjectDay.objects.filter(chain_id=p.ours.chain.pk, event="signed_on").count() > 1

    again = _upload(p.chief, data)
    assert again.counts["unchanged"] == 3 and again.counts["new"] == again.counts["error"] == 0, again.counts
    assert not any("将新增建设单位" in _messages(row) for row in _rows(again).values())
    with pytest.raises(ValidationError, match="没有需要导入"):
        services.import_commit(actor=p.chief, batch=again)
    assert (Project.objects.count(), Enterprise.objects.count()) == (projects, owners)

    created = list(Project.objects.filter(name__in=LEDGER_PROJECTS).values_list("pk", flat=True))
    services.import_undo(actor=p.chief, batch=batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.UNDONE
    assert not Project.objects.filter(name__in=LEDGER_PROJECTS).exists()
    assert not Enterprise.objects.filter(name__in=(BIO, DEVICES)).exists()
    assert Enterprise.objects.filter(pk=kangrui.pk).exists()  # registered before the import: kept
    assert not StageChange.objects.filter(project_id__in=created).exists()
    assert not InvestmentPlan.objects.filter(project_id__in=created).exists()
    rollup_engine.flush()  # the undo's transaction did not commit here (the test's own)
    assert rollup_engine.check() == []  # the undone projects left the rollups too
    assert _upload(p.chief, data).counts["new"] == 3  # and the ledger imports again


def _ledger(header: list[str], rows: list[list[Any]], title: str = "2026年测试甲链重点项目进展表") -> bytes:
    return ledgers.xlsx(Sheet([[title], [None] * (len(header) - 1) + ["单位：万元"], header, *rows]))


def test_a_registered_project_is_updated_but_its_stage_is_not_moved(personas: Personas) -> None:
    p = personas
    project, owner = p.ours.project, p.ours.enterprise  # signed; plan 8000 this year; 600 reported this month
    year, month = p.today.year, p.today.month
    header = ["项目名称", "建设单位", "统一社会信用代码", "项目阶段", "计划总投资（亿元）"]
    header += [f"{year}年计划投资", f"{year}年1-{month}月完成投资", "形象进度", "开工时间"]
    row = [project.name, owner.name, owner.uscc, "在建", "6", 9000, 900, "主体结构施工", f"{year}年3月"]
    batch = _upload(p.chief, _ledger(header, [row]))
    (found,) = _rows(batch).values()
    assert found["outcome"] == "update", found
    assert ["计划总投资(万元)", "50000.00", "60000.00"] in found["changes"]
    assert "导入不变更已登记项目的阶段" in _messages(found, "warning")
    assert f"1-{month}月累计完成投资全部记入{month}月" in _messages(found, "warning")

    batch = _commit(p.chief, batch)
    project.refresh_from_db()
    assert project.stage == ProjectStage.SIGNED and project.planned_investment == Decimal("60000.00")
    assert project.planned_started_on == dt.date(year, 3, 1)
    assert InvestmentPlan.objects.get(project=project, year=year).amount == Decimal("9000.00")
    report = InvestmentReport.objects.get(project=project, month=p.today.replace(day=1))
    assert (report.amount, report.note) == (Decimal("900.00"), "主体结构施工")
    assert _upload(p.chief, _ledger(header, [row])).counts["unchanged"] == 1

    services.import_undo(actor=p.chief, batch=batch)
    project.refresh_from_db()
    assert project.planned_investment == Decimal("50000.00") and project.planned_started_on is None
    assert InvestmentPlan.objects.get(project=project, year=year).amount == Decimal("8000.00")
    assert InvestmentReport.objects.get(project=project, month=p.today.replace(day=1)).amount == Decimal("600.00")


def test_a_new_project_takes_the_ledgers_dates_and_monthly_investment(personas: Personas) -> None:
    p = personas
    owner = p.ent2
    header = ["项目名称", "建设单位", "统一社会信用代码", "项目阶段", "计划总投资", "签约时间", "开工时间"]
    header += ["竣工时间", "累计完成投资", "建设性质", "项目级别"]
    row = ["二号企业新厂房", owner.name, owner.uscc, "竣工", "3亿元", "2025年1月", "2025.3.15", "2026年10月", 500]
    row += ["扩建", "市重大"]
    batch = _upload(p.chief, _ledger(header, [row], title="2026年10月测试甲链重点项目进展表"))
    (found,) = _rows(batch).values()
    assert found["outcome"] == "new", found
    assert "在建 2025-03-15" in _messages(found, "warning")
    assert "1-10月累计完成投资全部记入10月" in _messages(found, "warning")
    _commit(p.chief, batch)
    project = Project.objects.get(name="二号企业新厂房")
    assert project.stage == ProjectStage.COMPLETED and (project.kind, project.level) == ("extension", "city")
    assert (project.signed_on, project.started_on) == (dt.date(2025, 1, 1), dt.date(2025, 3, 15))
    assert (project.building_on, project.completed_on) == (dt.date(2025, 3, 15), dt.date(2026, 10, 1))
    assert InvestmentReport.objects.get(project=project, month=dt.date(2026, 10, 1)).amount == Decimal("500.00")


def test_rows_the_rules_or_the_scope_refuse_are_errors_and_nothing_is_written(personas: Personas) -> None:
    p = personas
    ours, theirs = p.ours.enterprise, p.theirs.enterprise
    header = ["项目名称", "建设单位", "统一社会信用代码", "所属产业链", "项目阶段", "计划总投资", "开工时间"]
    rows: list[list[Any]] = [
        ["别链新项目", ours.name, ours.uscc, p.theirs.chain.name, "洽谈", 100, None],
        [p.theirs.project.name, theirs.name, theirs.uscc, p.theirs.chain.name, "签约", 100, None],
        ["无代码项目", "未登记的某某有限公司", None, p.ours.chain.name, "洽谈", 100, None],
        ["规划项目", ours.name, ours.uscc, p.ours.chain.name, "规划中", 100, None],
        ["未填投资项目", ours.name, ours.uscc, p.ours.chain.name, "签约", None, None],
        ["暂停项目", ours.name, ours.uscc, p.ours.chain.name, "暂停", 100, None],
        ["未来开工项目", ours.name, ours.uscc, p.ours.chain.name, "在建", 100, "2099-01-01"],
        ["规划项目", ours.name, ours.uscc, p.ours.chain.name, "洽谈", 100, None],
    ]
    before = Project.objects.count()
    batch = _upload(p.chief, _ledger(header, rows))
    found = _rows(batch)
    assert all(row["outcome"] == "error" for row in found.values()), [
        (r["row"], r["outcome"], r["issues"]) for r in found.values() if r["outcome"] != "error"
    ]
    assert "只能登记您所服务产业链的项目" in _messages(found[4])
    assert "不在您可修改的范围内" in _messages(found[5])
    assert "新增建设单位须填写统一社会信用代码" in _messages(found[6])
    assert "规划中" in _messages(found[7]) and "在谈、洽谈" in _messages(found[7])
    assert "签约前须填写计划总投资" in _messages(found[8])
    assert "须填写原因和暂停前的阶段" in _messages(found[9])
    assert "不能晚于今天" in _messages(found[10])
    assert "与第 7 行是同一建设单位的同名项目" in _messages(found[11])
    with pytest.raises(ValidationError, match="还有 8 行有错误"):
        services.import_commit(actor=p.chief, batch=batch)
    assert Project.objects.count() == before


def test_who_may_import_projects(personas: Personas) -> None:
    p = personas
    header = ["项目名称", "建设单位", "统一社会信用代码", "所属产业链"]
    name = "专员新项目企业有限公司"
    data = _ledger(header, [["专员新项目", name, make_uscc(name, p.ours.region.code), p.ours.chain.name]])
    for key in ("handler", "ent_user", "sysadmin", "auditor"):
        with pytest.raises(PermissionDenied):
            services.import_upload(actor=getattr(p, key), kind="projects", name="a.xlsx", data=data)
    batch = _upload(p.liaison, data)  # a liaison registers projects, not enterprises
    (found,) = _rows(batch).values()
    assert found["outcome"] == "error" and "您无权在“测试甲链”产业链" in _messages(found)
    with pytest.raises(PermissionDenied):
        services.import_commit(actor=p.member, batch=batch)


@pytest.mark.parametrize("few", [30, 0])  # 0: the registry's names read once (SimilarNames), as for many owners
def test_a_new_owner_close_to_a_registered_name_is_flagged(
    personas: Personas, monkeypatch: pytest.MonkeyPatch, few: int
) -> None:
    from chaindesk.enterprises import selectors

    monkeypatch.setattr(selectors, "FEW_NAMES", few)
    add_enterprise(personas, "江苏兴化生物有限公司")
    batch = _upload(personas.chief, _office_ledger(personas))
    assert batch.status == BatchStatus.CHECKED, batch.error
    rows = _rows(batch)
    assert "已登记名称相近的企业：江苏兴化生物有限公司" in _messages(rows[7], "warning")
    assert "已登记名称相近" not in _messages(rows[6])
