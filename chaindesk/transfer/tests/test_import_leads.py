"""Importing an investment-lead ledger (招商线索台账) end to end through the batch services: the dry run tells every
row's outcome, the commit writes through the lead services, a re-import is unchanged, an edit updates and moves
the stage forward, undo, scope and owners (issue 13, item 1)."""

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chaindesk.core.actors import IMPORT
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.leads import services as lead_services
from chaindesk.leads.choices import LeadSource, LeadStage
from chaindesk.leads.models import Lead
from chaindesk.testkit.personas import Personas
from chaindesk.transfer import services
from chaindesk.transfer.choices import BatchStatus
from chaindesk.transfer.models import ImportBatch
from chaindesk.transfer.tests import ledgers
from chaindesk.transfer.tests.ledgers import Sheet

HEADER = [
    "序号",
    "项目名称",
    "线索来源",
    "投资主体",
    "来源地",
    "所属产业链",
    "产业链环节",
    "拟落户地区",
    "投资规模",
    "项目简介",
    "跟进人",
    "阶段",
    "放弃原因",
]
TITLE, SOURCE, INVESTOR, CITY, CHAIN, NODE, REGION, AMOUNT, TEXT, OWNER, STAGE, REASON = range(1, 13)
CELLS = {"city": CITY, "amount": AMOUNT, "owner": OWNER, "stage": STAGE, "reason": REASON}


def _rows(p: Personas) -> list[list[Any]]:
    chain, node, region = p.ours.chain.name, p.ours.node.name, p.ours.region.name
    return [
        [1, "年产10万吨新材料项目", "异地对接", "上海甲新材料有限公司", "上海", chain, node, region, 2.5]
        + ["拟建设新材料生产基地。", "测试成员", "在谈", None],
        [2, "生物医药研发中心", "展会", "北京乙生物科技有限公司", "北京", chain, None, region, "3000万"]
        + ["展会上初步接触。", "测试链长", "新线索", None],
        [3, "高端装备配套项目", "其他", "深圳丙装备有限公司", None, chain, None, None, "1.2"]
        + [None, None, None, None],
    ]


def _ledger(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    """A title row and a unit note (amounts in 亿元) above the header, as offices keep them."""
    top: list[list[Any]] = [["2025年招商线索台账"], [None] * (len(header) - 1) + ["单位：亿元"]]
    return ledgers.xlsx(Sheet([*top, header, *rows]))


def _known(p: Personas, **cells: Any) -> list[Any]:
    """A row naming our registered lead (测试甲链测试线索, 测试投资方有限公司) with `cells` filled in."""
    row: list[Any] = [9, p.ours.lead.title, None, p.ours.lead.investor] + [None] * 9
    for name, value in cells.items():
        row[CELLS[name]] = value
    return row


_capture: Any = None


@pytest.fixture(autouse=True)
def _run_tasks(django_capture_on_commit_callbacks: Any) -> None:
    """The background tasks run once the service's transaction would have committed (as in production)."""
    global _capture
    _capture = django_capture_on_commit_callbacks


def _upload(actor: Any, data: bytes, name: str = "招商线索台账.xlsx") -> ImportBatch:
    with _capture(execute=True):
        batch = services.import_upload(actor=actor, kind="leads", name=name, data=data)
    batch.refresh_from_db()
    return batch


def _commit(actor: Any, batch: ImportBatch) -> ImportBatch:
    with _capture(execute=True):
        services.import_commit(actor=actor, batch=batch)
    batch.refresh_from_db()
    return batch


def _by_row(batch: ImportBatch) -> dict[int, dict[str, Any]]:
    report = services.load_report(batch)
    assert report is not None
    return {r["row"]: r for r in report["rows"]}


def _messages(row: dict[str, Any], level: str) -> str:
    return " | ".join(issue[3] for issue in row["issues"] if issue[0] == level)


def test_a_ledger_with_a_title_and_unit_note_creates_leads_at_their_stage(personas: Personas) -> None:
    p = personas
    before = Lead.objects.count()
    batch = _upload(p.chief, _ledger(_rows(p)))
    assert batch.status == BatchStatus.CHECKED, batch.error
    assert (batch.counts["new"], batch.counts["error"]) == (3, 0), services.load_report(batch)
    assert Lead.objects.count() == before  # the dry run writes nothing
    report = services.load_report(batch)
    assert report is not None and report["unit"] == "亿元" and [r["row"] for r in report["rows"]] == [4, 5, 6]
    mapping = report["mapping"]
    assert (mapping["1"], mapping["3"], mapping["4"], mapping["8"], mapping["10"], mapping["11"]) == (
        "title",
        "investor",
        "source_city",
        "estimated_investment",
        "owner",
        "stage",
    )
    assert ["阶段", "新线索", "洽谈"] in report["rows"][0]["changes"]  # the dry run already tells the move

    batch = _commit(p.chief, batch)
    assert batch.status == BatchStatus.COMMITTED, batch.error
    first = Lead.objects.get(title="年产10万吨新材料项目")
    assert (first.source, first.investor, first.source_city) == (LeadSource.REMOTE, "上海甲新材料有限公司", "上海")
    assert (first.chain, first.node, first.region) == (p.ours.chain, p.ours.node, p.ours.region)
    assert first.estimated_investment == Decimal("25000.00")  # 2.5 under 「单位：亿元」
    assert (first.owner, first.created_by) == (p.member, p.chief)
    assert (first.stage, first.stage_changed_on) == (LeadStage.NEGOTIATING, p.today)
    second = Lead.objects.get(title="生物医药研发中心")
    assert (second.estimated_investment, second.stage, second.owner) == (Decimal("3000.00"), LeadStage.NEW, p.chief)
    third = Lead.objects.get(title="高端装备配套项目")
    assert (third.estimated_investment, third.owner, third.region) == (Decimal("12000.00"), p.chief, None)

    lines = AuditLog.objects.filter(request_id=batch.token)
    assert lines.filter(action=AuditAction.CREATE).count() == 3
    moves = lines.filter(action=AuditAction.TRANSITION, object_id=str(first.pk)).order_by("pk")
    assert [line.after["stage"] for line in moves] == ["contacted", "inspected", "negotiating"]  # step by step
    assert lines.get(action=AuditAction.IMPORT).after["counts"]["new"] == 3


def test_an_amount_header_in_yi_yuan_and_source_labels(personas: Personas) -> None:
    p = personas
    header = [*HEADER]
    header[AMOUNT] = "预计投资额（亿元）"
    rows = _rows(p)[:1]
    rows[0][AMOUNT] = "0.75"
    batch = _commit(p.chief, _upload(p.chief, _ledger(rows, header)))
    assert batch.status == BatchStatus.COMMITTED, batch.error
    assert Lead.objects.get(title="年产10万吨新材料项目").estimated_investment == Decimal("7500.00")


def test_unknown_words_are_refused_listing_the_accepted_ones(personas: Personas) -> None:
    p = personas
    rows = _rows(p)
    rows[0][STAGE] = "规划中"
    rows[1][SOURCE] = "朋友介绍"
    rows[2][STAGE] = "签约"
    batch = _upload(p.chief, _ledger(rows))
    assert (batch.counts["error"], batch.counts["new"]) == (2, 1)
    by_row = _by_row(batch)
    stage_issue = by_row[4]["issues"][0]
    assert stage_issue[1] == "L" and stage_issue[2] == "阶段"
    assert "阶段“规划中”无法识别，可填：" in stage_issue[3]
    assert all(word in stage_issue[3] for word in ("新线索", "接洽", "考察", "洽谈", "签约", "放弃"))
    source = _messages(by_row[5], "error")
    assert "线索来源“朋友介绍”无法识别，可填：" in source and "以商引商" in source and "异地对接" in source
    signed = by_row[6]
    assert signed["outcome"] == "new" and "签约转项目" in _messages(signed, "warning")
    with pytest.raises(ValidationError, match="还有 2 行有错误"):
        services.import_commit(actor=p.chief, batch=batch)
    assert not Lead.objects.filter(title__in=[r[TITLE] for r in rows]).exists()


def test_the_dry_run_refuses_what_the_services_would_refuse(personas: Personas) -> None:
    p = personas
    rows = _rows(p)
    rows[0][CITY] = None  # 异地对接 without a city
    rows[1][SOURCE] = "以商引商"  # without the referring enterprise
    rows[2][TITLE] = "超长" * 60
    rows.append(_known(p, stage="放弃"))  # 放弃 without a reason
    batch = _upload(p.chief, _ledger(rows))
    assert batch.counts["error"] == 4
    by_row = _by_row(batch)
    assert "异地对接线索须填写对接城市" in _messages(by_row[4], "error")
    assert "以商引商线索须填写引荐企业" in _messages(by_row[5], "error")
    assert "线索名称" in _messages(by_row[6], "error") and "100" in _messages(by_row[6], "error")
    assert "阶段为“放弃”时须填写放弃原因" in _messages(by_row[7], "error")

    header = [*HEADER, "引荐企业"]
    referred = [*_rows(p)[1], p.ours.enterprise.name]
    referred[SOURCE] = "以商引商"
    batch = _commit(p.chief, _upload(p.chief, _ledger([referred], header)))
    assert batch.status == BatchStatus.COMMITTED, batch.error
    lead = Lead.objects.get(title="生物医药研发中心")
    assert (lead.source, lead.referrer) == (LeadSource.REFERRAL, p.ours.enterprise)


def test_reimport_is_unchanged_and_an_edited_file_updates(personas: Personas) -> None:
    p = personas
    rows = _rows(p)
    _commit(p.chief, _upload(p.chief, _ledger(rows)))
    count = Lead.objects.count()
    again = _upload(p.chief, _ledger(rows))
    assert (again.counts["unchanged"], again.counts["new"], again.counts["update"]) == (3, 0, 0)
    with pytest.raises(ValidationError, match="没有需要导入"):
        services.import_commit(actor=p.chief, batch=again)

    rows[0][AMOUNT] = "3"
    rows[1][STAGE] = "已接洽"
    rows[2][STAGE] = "实地考察"
    rows[2][TEXT] = "客商来访。"
    changed = _upload(p.chief, _ledger(rows))
    assert (changed.counts["update"], changed.counts["unchanged"]) == (3, 0), changed.counts
    by_row = _by_row(changed)
    assert ["预计投资额(万元)", "25000.00", "30000.00"] in by_row[4]["changes"]
    assert ["阶段", "新线索", "接洽"] in by_row[5]["changes"]
    assert ["线索情况", "—", "客商来访。"] in by_row[6]["changes"]
    changed = _commit(p.chief, changed)
    assert changed.status == BatchStatus.COMMITTED, changed.error
    assert Lead.objects.count() == count
    assert Lead.objects.get(title="年产10万吨新材料项目").estimated_investment == Decimal("30000.00")
    assert Lead.objects.get(title="生物医药研发中心").stage == LeadStage.CONTACTED
    third = Lead.objects.get(title="高端装备配套项目")
    assert (third.stage, third.description) == (LeadStage.INSPECTED, "客商来访。")

    rows[0][STAGE] = "接洽"  # behind 洽谈: not moved back
    behind = _upload(p.chief, _ledger(rows))
    assert behind.counts["unchanged"] == 3
    assert "导入不回退阶段" in _messages(_by_row(behind)[4], "warning")


def test_abandon_with_a_reason_and_a_closed_lead_refuses_edits(personas: Personas) -> None:
    p = personas
    lead = p.ours.lead
    batch = _commit(p.chief, _upload(p.chief, _ledger([_known(p, stage="已放弃", reason="投资方资金链断裂")])))
    assert batch.status == BatchStatus.COMMITTED, batch.error
    lead.refresh_from_db()
    assert (lead.stage, lead.abandon_reason) == (LeadStage.ABANDONED, "投资方资金链断裂")

    edited = _upload(p.chief, _ledger([_known(p, amount=9, stage="洽谈")]))
    row = _by_row(edited)[4]
    assert row["outcome"] == "error" and "线索已放弃，不能再修改。" in _messages(row, "error")
    same = _upload(p.chief, _ledger([_known(p, stage="洽谈")]))
    row = _by_row(same)[4]
    assert row["outcome"] == "unchanged" and "线索已放弃，导入不变更阶段" in _messages(row, "warning")


def test_undo_deletes_the_leads_the_import_created(personas: Personas) -> None:
    p = personas
    before = Lead.objects.count()
    batch = _commit(p.chief, _upload(p.chief, _ledger(_rows(p))))
    assert batch.status == BatchStatus.COMMITTED, batch.error
    assert Lead.objects.count() == before + 3
    services.import_undo(actor=p.chief, batch=batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.UNDONE
    assert Lead.objects.count() == before
    assert not Lead.objects.filter(title="年产10万吨新材料项目").exists()  # created and advanced to 洽谈
    assert AuditLog.objects.filter(action=AuditAction.IMPORT_UNDO, object_id=str(batch.pk)).exists()


def test_undo_restores_the_fields_an_import_changed(personas: Personas) -> None:
    p = personas
    lead = p.ours.lead
    old = (lead.estimated_investment, lead.source_city)
    batch = _commit(p.chief, _upload(p.chief, _ledger([_known(p, amount="0.5", city="苏州")])))
    assert batch.status == BatchStatus.COMMITTED, batch.error
    lead.refresh_from_db()
    assert (lead.estimated_investment, lead.source_city) == (Decimal("5000.00"), "苏州")
    services.import_undo(actor=p.chief, batch=batch)
    lead.refresh_from_db()
    assert (lead.estimated_investment, lead.source_city) == old


def test_undo_puts_back_a_stage_the_import_advanced(personas: Personas) -> None:
    p = personas
    lead = p.ours.lead
    batch = _commit(p.chief, _upload(p.chief, _ledger([_known(p, stage="洽谈")])))
    assert batch.status == BatchStatus.COMMITTED, batch.error
    lead.refresh_from_db()
    assert lead.stage == LeadStage.NEGOTIATING
    services.import_undo(actor=p.chief, batch=batch)
    lead.refresh_from_db()
    assert (lead.stage, lead.stage_changed_on) == (LeadStage.NEW, None)


def test_rows_out_of_the_importers_scope_are_errors(personas: Personas) -> None:
    p = personas
    rows = _rows(p)[:1]
    theirs = [2, "乙链新线索", "其他", "某投资方", None, p.theirs.chain.name, None, None, 1] + [None] * 4
    their_lead = [3, p.theirs.lead.title, None, p.theirs.lead.investor, None, None, None, None, 2] + [None] * 4
    batch = _upload(p.chief, _ledger([*rows, theirs, their_lead]))
    by_row = _by_row(batch)
    assert by_row[4]["outcome"] == "new"
    assert by_row[5]["outcome"] == "error" and "您无权在产业链“测试乙链”登记线索" in _messages(by_row[5], "error")
    assert by_row[6]["outcome"] == "error" and "不在您可修改的范围内" in _messages(by_row[6], "error")

    # a liaison records leads on any chain, followed by themselves; they may not touch a lead someone else owns
    batch = _upload(p.liaison, _ledger([*rows, _known(p, amount=9)]))
    by_row = _by_row(batch)
    assert by_row[4]["outcome"] == "new" and "由本人跟进" in _messages(by_row[4], "warning")
    assert by_row[5]["outcome"] == "error" and "不在您可修改的范围内" in _messages(by_row[5], "error")


def test_who_may_import_leads(personas: Personas) -> None:
    p = personas
    data = _ledger(_rows(p)[:1])
    for key in ("handler", "district", "ent_user", "sysadmin", "auditor"):
        with pytest.raises(PermissionDenied, match="您无权导入招商线索台账"):
            services.import_upload(actor=getattr(p, key), kind="leads", name="a.xlsx", data=data)
    for key in ("chief", "member", "liaison"):
        assert _upload(getattr(p, key), data).status == BatchStatus.CHECKED


def test_an_unknown_owner(personas: Personas) -> None:
    p = personas
    rows = _rows(p)
    rows[0][OWNER] = "查无此人"
    rows[1][OWNER] = p.x_chief.display_name  # a person, not on 测试甲链's team
    batch = _upload(p.chief, _ledger(rows))
    assert batch.counts["new"] == 3 and batch.counts["warnings"] == 2
    by_row = _by_row(batch)
    unknown = by_row[4]["issues"][0]
    assert unknown[:3] == ["warning", "K", "跟进人"] and "未找到负责人“查无此人”" in unknown[3]
    assert "由您本人跟进" in unknown[3]
    assert "跟进责任人须为该产业链服务团队的在岗成员或挂钩服务专员" in _messages(by_row[5], "warning")
    _commit(p.chief, batch)
    assert Lead.objects.get(title="年产10万吨新材料项目").owner == p.chief
    assert Lead.objects.get(title="生物医药研发中心").owner == p.chief


def test_the_system_import_actor_needs_an_owner_for_a_new_lead(personas: Personas) -> None:
    """Without a user (the command line without --user) the importer cannot own a lead: an unknown owner of a new
    lead is an error; a registered lead keeps its owner (a warning), and its other changes are imported; a new
    lead with a known owner is created, the owner recorded as who entered it."""
    p = personas
    rows = _rows(p)[:1]
    rows[0][OWNER] = "查无此人"
    batch = _upload(IMPORT, _ledger([*rows, _known(p, amount="0.3", owner="查无此人")]))
    by_row = _by_row(batch)
    assert by_row[4]["outcome"] == "error" and "未找到负责人“查无此人”" in _messages(by_row[4], "error")
    assert "系统导入的新线索须填写负责人" in _messages(by_row[4], "error")
    assert by_row[5]["outcome"] == "update" and "负责人不变" in _messages(by_row[5], "warning")

    batch = _commit(IMPORT, _upload(IMPORT, _ledger([_known(p, amount="0.3", owner="查无此人")])))
    assert batch.status == BatchStatus.COMMITTED, batch.error
    lead = p.ours.lead
    lead.refresh_from_db()
    assert (lead.estimated_investment, lead.owner) == (Decimal("3000.00"), p.chief)

    rows = _rows(p)[:1]
    rows[0][OWNER] = p.liaison.display_name
    batch = _commit(IMPORT, _upload(IMPORT, _ledger(rows), name="系统导入.xlsx"))
    assert batch.status == BatchStatus.COMMITTED, batch.error
    created = Lead.objects.get(title=rows[0][TITLE])
    assert (created.owner, created.created_by) == (p.liaison, p.liaison)


def test_a_refusal_at_commit_time_writes_nothing(personas: Personas) -> None:
    """The commit plans the file again: a lead closed between the dry run and the commit turns its row into an
    error, and nothing of the batch is written."""
    p = personas
    batch = _upload(p.chief, _ledger([*_rows(p), _known(p, amount=8)]))
    assert batch.counts["new"] == 3 and batch.counts["update"] == 1
    lead_services.lead_abandon(lead=p.ours.lead, reason="另有安排", on=p.today, actor=p.chief)
    batch = _commit(p.chief, batch)
    assert batch.status == BatchStatus.CHECKED and "1 行有错误" in batch.error
    assert not Lead.objects.filter(title="年产10万吨新材料项目").exists()
