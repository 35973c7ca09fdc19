"""Importing a ledger of annual targets (年度目标任务分解表) end to end through the batch services: dry run, commit
through targets_save, re-import, blanks, rates, owners by name and 类别, scope per row, all-or-nothing, undo."""

import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chaindesk.accounts.models import Department
from chaindesk.core import clock
from chaindesk.core.actors import FIXTURES, IMPORT
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.core.services import audited_create
from chaindesk.targets import services as target_services
from chaindesk.targets.choices import Metric, Owner
from chaindesk.targets.models import Target
from chaindesk.testkit.personas import Personas
from chaindesk.transfer import kinds, services, xlsx
from chaindesk.transfer.choices import BatchStatus
from chaindesk.transfer.kinds import targets as target_kind
from chaindesk.transfer.models import ImportBatch
from chaindesk.transfer.tests import ledgers
from chaindesk.transfer.tests.ledgers import Sheet

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

M = Metric
HEADER = [
    "序号",
    "名称",
    "新签约项目(个)",
    "新签约金额(万元)",
    "新开工项目",
    "完成投资（万元）",
    "诉求办结率(%)",
    "满意率",
]
COLUMNS = [None, None, M.SIGNED, M.SIGNED_AMOUNT, M.STARTED, M.INVESTMENT, M.CLOSURE_RATE, M.SATISFACTION_RATE]

_capture: Any = None


@pytest.fixture(autouse=True)
def _run_tasks(django_capture_on_commit_callbacks: Any) -> None:
    """The background tasks run once the service's transaction would have committed (as in production)."""
    global _capture
    _capture = django_capture_on_commit_callbacks


def _year() -> int:
    return clock.today().year


def _ledger(rows: list[list[Any]], header: list[str] = HEADER, title: str = "年度目标任务分解表") -> bytes:
    return ledgers.xlsx(Sheet([[title], header, *rows], name="目标任务"))


def _row(n: int, name: str, **figures: Any) -> list[Any]:
    """序号, 名称, then the figures of HEADER's metric columns by metric code (blank when not given)."""
    return [n, name, *(figures.get(str(code)) if code else None for code in COLUMNS[2:])]


def _upload(actor: Any, data: bytes, name: str = "年度目标.xlsx") -> ImportBatch:
    with _capture(execute=True):
        batch = services.import_upload(actor=actor, kind="targets", name=name, data=data)
    batch.refresh_from_db()
    return batch


def _commit(actor: Any, batch: ImportBatch) -> ImportBatch:
    with _capture(execute=True):
        services.import_commit(actor=actor, batch=batch)
    batch.refresh_from_db()
    return batch


def _rows(batch: ImportBatch) -> dict[int, dict[str, Any]]:
    report = services.load_report(batch)
    assert report is not None
    return {r["row"]: r for r in report["rows"]}


def _messages(row: dict[str, Any], level: str = "error") -> str:
    return " ".join(issue[3] for issue in row["issues"] if issue[0] == level)


def _figures(owner_obj: Any, year: int | None = None) -> dict[str, Decimal]:
    found = Target.objects.filter(year=year or _year(), **{owner_obj._meta.model_name: owner_obj})
    return {t.metric: t.value for t in found}


def _set(p: Personas, owner: str, obj: Any, notes: dict[str, str] | None = None, **values: Any) -> None:
    figures = {metric: Decimal(value) for metric, value in values.items()}
    target_services.targets_save(actor=p.chief, year=_year(), owner=owner, owner_obj=obj, values=figures, notes=notes)


def test_dry_run_statuses_then_the_commit_sets_each_owners_targets(personas: Personas) -> None:
    p = personas
    _set(p, Owner.REGION, p.ours.region, signed=10)
    _set(p, Owner.REGION, p.city, signed=30, started=20)
    rows = [
        _row(1, "测试甲链", signed=12, signed_amount="5.2亿元", started="8个", investment=30000),
        _row(2, "测试市", signed=30, started=20),
        _row(3, "测试甲区", signed=12, closure_rate="95"),
        _row(4, "测试甲局", closure_rate="95%", satisfaction_rate=0.98),
    ]
    batch = _upload(p.chief, _ledger(rows))
    assert batch.status == BatchStatus.CHECKED, batch.error
    counts = batch.counts
    assert (counts["new"], counts["update"], counts["unchanged"], counts["error"]) == (2, 1, 1, 0), _rows(batch)
    report = _rows(batch)
    assert [report[n]["outcome"] for n in (3, 4, 5, 6)] == ["new", "unchanged", "update", "new"]
    assert report[3]["label"] == f"测试甲链（{_year()}年）"
    assert report[5]["changes"] == [["新签约项目(个)", "10", "12"], ["诉求办结率(%)", "—", "95"]]
    assert "按 98% 导入" in _messages(report[6], "warning")
    mapping = services.load_report(batch)["mapping"]
    assert mapping == {"1": "name", **{str(i): str(code) for i, code in enumerate(COLUMNS) if code}}
    assert _figures(p.ours.chain) == {}  # a dry run writes nothing

    batch = _commit(p.chief, batch)
    assert batch.status == BatchStatus.COMMITTED, batch.error
    assert _figures(p.ours.chain) == {
        M.SIGNED: Decimal(12),
        M.SIGNED_AMOUNT: Decimal(52000),
        M.STARTED: Decimal(8),
        M.INVESTMENT: Decimal(30000),
    }
    assert _figures(p.ours.region) == {M.SIGNED: Decimal(12), M.CLOSURE_RATE: Decimal(95)}
    assert _figures(p.ours.department) == {M.CLOSURE_RATE: Decimal(95), M.SATISFACTION_RATE: Decimal(98)}
    target = Target.objects.get(chain=p.ours.chain, metric=M.SIGNED, year=_year())
    assert target.updated_by == p.chief
    lines = AuditLog.objects.filter(request_id=batch.token)
    assert lines.filter(action=AuditAction.CREATE, object_id=str(target.pk)).exists()
    assert (lines.filter(action=AuditAction.CREATE).count(), lines.filter(action=AuditAction.UPDATE).count()) == (7, 1)
    assert lines.get(action=AuditAction.IMPORT).after["counts"]["written"] == 8


def test_the_same_ledger_again_is_unchanged_a_blank_keeps_a_target_and_undo_restores(personas: Personas) -> None:
    p = personas
    _set(p, Owner.CHAIN, p.ours.chain, notes={M.SIGNED: "含续建项目"}, signed=10, investment=20000)
    data = _ledger([_row(1, "测试甲链", signed=15, started=5, investment="—")])
    batch = _upload(p.chief, data)
    (row,) = _rows(batch).values()
    assert row["outcome"] == "update" and row["changes"] == [
        ["新签约项目(个)", "10", "15"],
        ["新开工项目(个)", "—", "5"],
    ]
    batch = _commit(p.chief, batch)
    assert batch.status == BatchStatus.COMMITTED, batch.error
    assert _figures(p.ours.chain) == {M.SIGNED: Decimal(15), M.STARTED: Decimal(5), M.INVESTMENT: Decimal(20000)}
    assert Target.objects.get(chain=p.ours.chain, metric=M.SIGNED, year=_year()).note == "含续建项目"

    again = _upload(p.chief, data)
    assert (again.counts["unchanged"], again.counts["new"], again.counts["update"]) == (1, 0, 0), _rows(again)
    with pytest.raises(ValidationError, match="没有需要导入"):
        services.import_commit(actor=p.chief, batch=again)

    services.import_undo(actor=p.chief, batch=batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.UNDONE
    assert _figures(p.ours.chain) == {M.SIGNED: Decimal(10), M.INVESTMENT: Decimal(20000)}
    assert Target.objects.get(chain=p.ours.chain, metric=M.SIGNED, year=_year()).note == "含续建项目"
    assert _upload(p.chief, data).counts["update"] == 1  # and the ledger imports again


def test_the_year_from_the_row_the_headers_or_the_title(personas: Personas) -> None:
    p = personas
    titled = _upload(p.chief, _ledger([_row(1, "测试甲链", signed=3)], title="2027年度产业链目标任务分解表"))
    assert _rows(titled)[3]["label"] == "测试甲链（2027年）"
    header = ["年度", "名称", "2028年目标/新签约项目"]
    rows: list[list[Any]] = [[None, "测试甲链", 4], ["2029年", "测试甲区", 5], [1999, "测试乙区", 6]]
    batch = _upload(p.chief, ledgers.xlsx(Sheet([["2027年目标"], header, *rows])))
    report = _rows(batch)
    assert [report[n]["label"] for n in (3, 4)] == ["测试甲链（2028年）", "测试甲区（2029年）"]
    assert "年度须在 2000 到 2100 之间" in _messages(report[5])
    batch = _commit(p.chief, _upload(p.chief, ledgers.xlsx(Sheet([header, *rows[:2]]))))
    assert batch.status == BatchStatus.COMMITTED, batch.error
    assert _figures(p.ours.chain, 2028) == {M.SIGNED: Decimal(4)}
    assert _figures(p.ours.region, 2029) == {M.SIGNED: Decimal(5)}


def test_bad_rows_are_refused_in_chinese_and_nothing_is_written(personas: Personas) -> None:
    p = personas
    rows = [
        _row(1, "测试乙区", signed=3),  # fine on its own
        _row(2, "不存在的产业链", signed=3),
        _row(3, "测试甲局", signed=5, closure_rate=90),
        _row(4, "测试甲区", closure_rate="120%"),
        _row(5, "测试甲链", signed=-3, investment="很多"),
        _row(6, "测试乙区", started=2),
    ]
    before = Target.objects.count()  # the demo city's targets among them
    batch = _upload(p.chief, _ledger(rows))
    report = _rows(batch)
    assert batch.counts["error"] == 5 and report[3]["outcome"] == "new", report
    assert "未找到名为“不存在的产业链”的产业链、地区或部门" in _messages(report[4])
    assert "“部门”没有“新签约项目”这项目标" in _messages(report[5])
    assert report[5]["issues"][0][1] == "C"  # on the column of the metric
    assert "比率类目标须在 0 到 100 之间" in _messages(report[6])
    assert "不能为负数" in _messages(report[7]) and "无法识别的金额“很多”" in _messages(report[7])
    assert "与第 3 行是同一对象同一年度的目标" in _messages(report[8])
    with pytest.raises(ValidationError, match="还有 5 行有错误"):
        services.import_commit(actor=p.chief, batch=batch)
    assert Target.objects.count() == before


def test_a_refusal_at_commit_rolls_the_whole_batch_back(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    p = personas
    before = Target.objects.count()
    batch = _upload(p.chief, _ledger([_row(1, "测试甲链", signed=3), _row(2, "测试甲区", signed=4)]))
    assert batch.counts["new"] == 2, _rows(batch)
    save = target_services.targets_save
    calls: list[int] = []

    def second_refused(**kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise ValidationError("模拟的拒绝")
        return save(**kwargs)

    monkeypatch.setattr(target_kind.target_services, "targets_save", second_refused)
    batch = _commit(p.chief, batch)
    assert batch.status == BatchStatus.CHECKED and "模拟的拒绝" in batch.error
    assert len(calls) == 2 and Target.objects.count() == before


def test_each_row_is_checked_against_the_importers_reach(personas: Personas) -> None:
    p = personas
    batch = _upload(p.x_chief, _ledger([_row(1, "测试甲链", signed=3), _row(2, "测试乙链", signed=4)]))
    report = _rows(batch)
    assert "您无权填报“测试甲链”的年度目标：只能填报您所在产业链的年度目标。" in _messages(report[3])
    assert report[4]["outcome"] == "new"
    district = _upload(p.district, _ledger([_row(1, "测试甲区", signed=3), _row(2, "测试乙区", signed=4)]))
    report = _rows(district)
    assert report[3]["outcome"] == "new" and "只能填报您所辖地区的年度目标" in _messages(report[4])
    handler = _upload(p.handler, _ledger([_row(1, "测试甲局", closure_rate=96), _row(2, "测试乙局", closure_rate=1)]))
    report = _rows(handler)
    assert report[3]["outcome"] == "new" and "只能填报本部门的年度目标" in _messages(report[4])
    handler = _commit(p.handler, _upload(p.handler, _ledger([_row(1, "测试市测试甲局", closure_rate=96)])))
    assert handler.status == BatchStatus.COMMITTED, handler.error
    assert _figures(p.ours.department) == {M.CLOSURE_RATE: Decimal(96)}


def test_who_may_import_and_the_system_actor(personas: Personas) -> None:
    p = personas
    kind = kinds.get("targets")
    assert [kind.may_import(u) for u in (p.chief, p.member, p.district, p.handler)] == [True] * 4
    for user in (p.liaison, p.ent_user, p.sysadmin):
        assert not kind.may_import(user)
        with pytest.raises(PermissionDenied):
            services.import_upload(actor=user, kind="targets", name="目标.xlsx", data=_ledger([_row(1, "测试甲链")]))
    batch = _upload(IMPORT, _ledger([_row(1, "测试甲链", signed=3)]))
    assert "须以有填报权限的用户身份导入" in _messages(_rows(batch)[3])


def test_owner_names_the_kind_column_and_ambiguity(personas: Personas) -> None:
    p = personas
    audited_create(
        model=Department,
        actor=FIXTURES,
        code="p_dept_chain",
        name="测试甲链办公室",
        short_name="测试甲链",
        region=p.city,
    )
    header = ["类别", "名称", "新签约项目", "满意率(%)"]
    rows: list[list[Any]] = [
        [None, "测试甲链", 3, None],
        ["产业链", "测试甲链", 3, None],
        ["部门", "测试甲链", None, 90],
    ]
    rows += [
        ["地区", "测试甲", 4, None],
        ["区县", "测试乙", 5, None],
        ["产业", "测试乙区", 6, None],
        ["园区", "测试市", 1, None],
    ]
    report = _rows(_upload(p.chief, _ledger(rows, header)))
    assert "“测试甲链”对应多个对象（产业链“测试甲链”、部门“测试甲链”）" in _messages(report[3])
    assert [report[n]["outcome"] for n in (4, 5, 6, 7)] == ["new", "new", "new", "new"]
    assert [report[n]["label"].split("（")[0] for n in (4, 5, 6, 7)] == ["测试甲链", "测试甲链", "测试甲区", "测试乙区"]
    assert "未找到名为“测试乙区”的产业链" in _messages(report[8])
    assert "类别“园区”无法识别" in _messages(report[9])


def test_the_blank_template_filled_in_imports(personas: Personas) -> None:
    p = personas
    kind = kinds.get("targets")
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.blank_template(kind)))
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]][:5] == ["年度", "类别", "名称*", "新签约项目(个)", "新签约金额(万元)"]
    values = {
        "year": _year(),
        "owner": "地区",
        "name": p.ours.region.name,
        M.INVESTMENT: "1.5亿元",
        M.CLOSURE_RATE: "98%",
    }
    sheet.append([values.get(field.name) for field in kind.fields])
    filled = io.BytesIO()
    workbook.save(filled)
    batch = _commit(p.district, _upload(p.district, filled.getvalue(), "年度目标导入模板.xlsx"))
    assert batch.status == BatchStatus.COMMITTED, (batch.error, _rows(batch))
    assert len(batch.mapping) == len(kind.fields)
    assert _figures(p.ours.region) == {M.INVESTMENT: Decimal(15000), M.CLOSURE_RATE: Decimal(98)}


def test_units_in_the_header_and_rates_stored_as_fractions(personas: Personas) -> None:
    p = personas
    header = ["名称", "签约金额（亿元）", "满意度", "办结率"]
    rows: list[list[Any]] = [["测试甲链", 5.2, None, None], ["测试甲局", None, 1, "0.5%"]]
    batch = _upload(p.chief, _ledger(rows, header))
    report = _rows(batch)
    assert services.load_report(batch)["mapping"] == {"0": "name", "1": "signed_amount", "2": "satisfaction_rate"} | {
        "3": "closure_rate"
    }
    assert "“1”按 100% 导入" in _messages(report[4], "warning")
    batch = _commit(p.chief, batch)
    assert batch.status == BatchStatus.COMMITTED, batch.error
    assert _figures(p.ours.chain) == {M.SIGNED_AMOUNT: Decimal(52000)}
    assert _figures(p.ours.department) == {M.SATISFACTION_RATE: Decimal(100), M.CLOSURE_RATE: Decimal("0.5")}
