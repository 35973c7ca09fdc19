"""Importing an enterprise-demand ledger (企业诉求台账) end to end through the batch services: dry run, commit
through demand_submit, the words offices write, scope, re-import, 编号, undo (issue 13, item 1)."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chaindesk.core.actors import IMPORT
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.demands.choices import Channel, DemandKind, DemandStatus, Urgency
from chaindesk.demands.models import Category, Demand, DemandEvent
from chaindesk.testkit.personas import Personas, add_enterprise
from chaindesk.transfer import services
from chaindesk.transfer.choices import BatchStatus
from chaindesk.transfer.models import ImportBatch
from chaindesk.transfer.tests import ledgers
from chaindesk.transfer.tests.ledgers import Sheet

HEADER = ["序号", "企业名称", "统一社会信用代码", "诉求事项", "具体内容", "诉求类别", "紧急程度", "来源渠道"]

_capture: Any = None


@pytest.fixture(autouse=True)
def _run_tasks(django_capture_on_commit_callbacks: Any) -> None:
    """The background tasks run once the service's transaction would have committed (as in production)."""
    global _capture
    _capture = django_capture_on_commit_callbacks


def _ledger(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    top: list[list[Any]] = [["2025年重点企业诉求台账"], ["填报单位：测试甲链服务团队"]]
    return ledgers.xlsx(Sheet([*top, header, *rows]))


def _row(n: int, enterprise: Any, title: str, *rest: Any, uscc: bool = True) -> list[Any]:
    """序号, 企业名称, 统一社会信用代码 (or blank), 诉求事项, then 具体内容, 诉求类别, 紧急程度, 来源渠道 as given."""
    cells = [n, enterprise.name, enterprise.uscc if uscc else None, title, *rest]
    return cells + [None] * (len(HEADER) - len(cells))


def _ours(p: Personas) -> list[list[Any]]:
    return [
        _row(
            1, p.ours.enterprise, "导入诉求：协调新增用地50亩", "二期扩产缺地，请协调。", "用地规划", "特急", "座谈会"
        ),
        _row(2, p.ent2, "导入诉求：流动资金贷款", "", "融资", "紧急", "线上", uscc=False),
        _row(3, p.ent2, "导入诉求：招工难", "一线工人缺口80人。", "人才用工", "", ""),
    ]


def _upload(actor: Any, data: bytes, name: str = "诉求台账.xlsx") -> ImportBatch:
    with _capture(execute=True):
        batch = services.import_upload(actor=actor, kind="demands", name=name, data=data)
    batch.refresh_from_db()
    return batch


def _commit(actor: Any, batch: ImportBatch) -> ImportBatch:
    with _capture(execute=True):
        services.import_commit(actor=actor, batch=batch)
    batch.refresh_from_db()
    return batch


def _issues(batch: ImportBatch) -> dict[int, tuple[str, list[str]]]:
    """Row number → (outcome, the messages of its issues)."""
    report = services.load_report(batch)
    assert report is not None
    return {r["row"]: (r["outcome"], [issue[3] for issue in r["issues"]]) for r in report["rows"]}


def _imported() -> Any:
    return Demand.objects.filter(title__startswith="导入诉求")


def test_dry_run_writes_nothing_and_commit_submits_each_demand(personas: Personas) -> None:
    p = personas
    batch = _upload(p.chief, _ledger(_ours(p)))
    assert batch.status == BatchStatus.CHECKED, batch.error
    assert (batch.counts["new"], batch.counts["error"]) == (3, 0), _issues(batch)
    assert not _imported().exists()
    report = services.load_report(batch)
    assert report is not None
    assert report["mapping"] == {
        "1": "enterprise",
        "2": "uscc",
        "3": "title",
        "4": "description",
        "5": "category",
        "6": "urgency",
        "7": "channel",
    }

    batch = _commit(p.chief, batch)
    assert batch.status == BatchStatus.COMMITTED, batch.error
    land = Demand.objects.get(title="导入诉求：协调新增用地50亩")
    assert (land.enterprise, land.category.name, land.urgency, land.channel) == (
        p.ours.enterprise,
        "用地规划",
        Urgency.CRITICAL,
        Channel.MEETING,
    )
    assert (land.status, land.kind, land.submitted_by, land.description) == (
        DemandStatus.SUBMITTED,
        DemandKind.DEMAND,
        p.chief,
        "二期扩产缺地，请协调。",
    )
    assert land.source_label == "台账导入：诉求台账.xlsx" and land.region == p.ours.region
    loan = Demand.objects.get(title="导入诉求：流动资金贷款")  # matched by its name alone
    assert (loan.enterprise, loan.category.name, loan.urgency, loan.channel) == (
        p.ent2,
        "融资金融",
        Urgency.URGENT,
        Channel.API,
    )
    assert loan.description == loan.title  # no 具体内容: the title
    labour = Demand.objects.get(title="导入诉求：招工难")
    assert (labour.urgency, labour.channel) == (Urgency.NORMAL, Channel.TEAM)  # blank: 一般, the team's channel
    lines = AuditLog.objects.filter(request_id=batch.token)
    assert lines.filter(action=AuditAction.CREATE, object_id=str(land.pk)).exists()
    assert lines.get(action=AuditAction.IMPORT).after["counts"]["new"] == 3
    assert DemandEvent.objects.filter(demand__in=_imported(), kind="submitted").count() == 3


def test_synonym_headers_and_the_default_channel_of_the_role(personas: Personas) -> None:
    p = personas
    header = ["单位名称", "问题", "问题描述", "问题类型"]
    rows = [[p.ent2.name, "导入诉求：用电增容", "新上产线需增容2000千伏安。", "用能用电"]]
    batch = _commit(p.member, _upload(p.member, _ledger(rows, header)))
    assert batch.status == BatchStatus.COMMITTED, (batch.error, batch.counts)
    demand = _imported().get()
    assert (demand.enterprise, demand.channel, demand.category.name) == (p.ent2, Channel.TEAM, "用能用电")
    assert demand.description == "新上产线需增容2000千伏安。"


def test_bad_rows_are_refused_with_their_reason_and_nothing_is_written(personas: Personas) -> None:
    p = personas
    rows = _ours(p)
    rows[0][5] = "招商引资"
    rows[1][3] = "导入诉求：" + "很长" * 60
    rows.append(_row(4, p.ent2, "导入诉求：招工难", "", "人才用工"))  # the same as row 3 of the ledger
    rows.append([5, "未登记的企业有限公司", None, "导入诉求：无主", "", "其他", "", ""])
    rows.append(_row(6, p.ent2, "导入诉求：加急件", "", "其他", "火急"))
    batch = _upload(p.chief, _ledger(rows))
    issues = _issues(batch)
    outcome, messages = issues[4]
    assert outcome == "error" and "未找到诉求类别“招商引资”" in messages[0]
    assert all(name in messages[0] for name in Category.objects.values_list("name", flat=True))
    assert issues[5][0] == "error" and "诉求事项不能超过100字（本行125字）" in issues[5][1][0]
    assert issues[6] == ("new", [])
    assert issues[7][0] == "error" and "与第 6 行的企业和诉求事项相同" in issues[7][1][0]
    assert issues[8][0] == "error" and "未找到企业“未登记的企业有限公司”" in issues[8][1][0]
    assert issues[9][0] == "error" and "紧急程度“火急”无法识别" in issues[9][1][0]
    with pytest.raises(ValidationError, match="还有 5 行有错误"):
        services.import_commit(actor=p.chief, batch=batch)
    assert not _imported().exists()


def test_an_enterprise_out_of_the_importers_scope_is_refused(personas: Personas) -> None:
    p = personas
    theirs = p.theirs.enterprise
    rows = [
        _row(1, theirs, "导入诉求：乙企业的新诉求", "", "其他"),
        _row(2, theirs, p.theirs.demand.title, "", "其他"),  # registered, yet not the chief's to see
    ]
    batch = _upload(p.chief, _ledger(rows))
    issues = _issues(batch)
    message = f"您无权为该企业（{theirs.name}）提交诉求。"
    assert issues[4] == ("error", [message]) and issues[5] == ("error", [message])


def test_reimport_is_unchanged_whatever_the_status(personas: Personas) -> None:
    p = personas
    rows = _ours(p)
    rows.append(_row(4, p.ours.enterprise, p.ours.demand.title, "", "其他"))  # registered and already accepted
    batch = _commit(p.chief, _upload(p.chief, _ledger(rows)))
    assert batch.status == BatchStatus.COMMITTED and batch.counts["new"] == 3, (batch.error, batch.counts)
    assert batch.counts["unchanged"] == 1
    count = Demand.objects.count()
    again = _upload(p.chief, _ledger(rows), name="再次导入.xlsx")
    assert again.counts["unchanged"] == 4 and again.counts["new"] == 0, _issues(again)
    with pytest.raises(ValidationError, match="没有需要导入"):
        services.import_commit(actor=p.chief, batch=again)
    assert Demand.objects.count() == count


def test_the_number_of_a_registered_demand_is_never_an_edit(personas: Personas) -> None:
    p = personas
    header = [*HEADER, "编号"]
    ours, theirs = p.ours.demand, p.theirs.demand
    same = [1, p.ours.enterprise.name, None, ours.title, ours.description, "用地规划", "", "", ours.pk]
    changed = [2, p.ours.enterprise.name, None, ours.title + "（补充）", "", "用地规划", "", "", ours.pk]
    hidden = [3, p.ours.enterprise.name, None, theirs.title, "", "其他", "", "", theirs.pk]
    issues = _issues(_upload(p.chief, _ledger([same, hidden], header)))
    assert issues[4] == ("unchanged", [])
    assert issues[5][0] == "error" and f"未找到编号为 {theirs.pk} 的企业诉求" in issues[5][1][0]
    issues = _issues(_upload(p.chief, _ledger([changed], header), name="改动.xlsx"))
    assert issues[4] == (
        "error",
        [f"已登记的诉求不能通过导入修改，请在诉求页面办理（编号 {ours.pk} 的诉求事项与本行不同）。"],
    )
    ours.refresh_from_db()
    assert ours.title.endswith("协调新增用地")


def test_a_liaison_imports_for_the_enterprises_they_serve(personas: Personas) -> None:
    p = personas
    rows = [
        _row(1, p.ours.enterprise, "导入诉求：专员走访收集", "走访中企业反映。", "审批手续"),
        _row(2, p.ent2, "导入诉求：走访反映", "", "环评", "", "走访"),
        _row(3, p.ent2, "导入诉求：座谈会反映", "", "其他", "", "座谈会"),
        _row(4, p.theirs.enterprise, "导入诉求：别人的企业", "", "其他"),
    ]
    batch = _upload(p.liaison, _ledger(rows))
    issues = _issues(batch)
    assert issues[4] == ("new", []) and issues[5] == ("new", [])
    assert issues[6] == ("error", ["您的角色不能通过“会议决定”渠道录入诉求，可用渠道：专员走访。"])
    assert issues[7] == ("error", [f"您无权为该企业（{p.theirs.enterprise.name}）提交诉求。"])

    batch = _commit(p.liaison, _upload(p.liaison, _ledger(rows[:2]), name="走访诉求.xlsx"))
    assert batch.status == BatchStatus.COMMITTED, batch.error
    demands = list(_imported().order_by("title"))
    assert [(d.enterprise, d.channel, d.submitted_by) for d in demands] == [
        (p.ours.enterprise, Channel.LIAISON, p.liaison),  # no 来源渠道: the liaison's own channel
        (p.ent2, Channel.LIAISON, p.liaison),
    ]
    assert demands[1].category.name == "环评能评"


def test_who_may_import_demands(personas: Personas) -> None:
    p = personas
    data = _ledger(_ours(p)[2:])  # no 来源渠道: each importer's own channel
    for key in ("ent_user", "handler", "district", "sysadmin", "auditor"):
        with pytest.raises(PermissionDenied, match="您无权导入企业诉求台账"):
            services.import_upload(actor=getattr(p, key), kind="demands", name="a.xlsx", data=data)
    for key in ("chief", "member", "liaison"):
        assert _upload(getattr(p, key), data).counts["new"] == 1


def test_the_system_actor_submits_in_the_liaisons_name(personas: Personas) -> None:
    p = personas
    lone = add_enterprise(p, "测试无专员企业有限公司")  # no liaison serves it: the service has no submitter
    rows = [_row(1, p.ent2, "导入诉求：系统导入", "", "其他"), _row(2, lone, "导入诉求：无专员", "", "其他")]
    batch = _upload(IMPORT, _ledger(rows))
    issues = _issues(batch)
    assert issues[4] == ("new", [])
    assert issues[5] == ("error", ["系统录入的诉求须有挂钩服务专员作为提交人。"])
    batch = _commit(IMPORT, _upload(IMPORT, _ledger(rows[:1]), name="系统.xlsx"))
    assert batch.status == BatchStatus.COMMITTED, batch.error
    demand = _imported().get()
    assert (demand.submitted_by, demand.channel) == (p.liaison, Channel.LIAISON)


def test_undo_deletes_the_imported_demands(personas: Personas) -> None:
    p = personas
    batch = _commit(p.chief, _upload(p.chief, _ledger(_ours(p))))
    assert batch.status == BatchStatus.COMMITTED, batch.error
    services.import_undo(actor=p.chief, batch=batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.UNDONE
    assert not _imported().exists()
    assert not DemandEvent.objects.filter(demand__title__startswith="导入诉求").exists()
    assert Demand.objects.filter(pk=p.ours.demand.pk).exists()
