"""What a briefing says (chaindesk.reports.content), on hand-built records: a meeting with two site-visit stops, two
speeches, a decision for two departments and an overdue task; a period without meetings or demands."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chaindesk.core.scope import scope_of
from chaindesk.demands.workdays import add_workdays
from chaindesk.reports import content
from chaindesk.reports.figures import amount_text
from chaindesk.testkit.personas import Personas

from . import world

pytestmark = pytest.mark.django_db


def _texts(doc) -> list[str]:  # noqa: ANN001
    return [b.text for b in doc.blocks if b.kind != "table"]


def _tables(doc) -> list[tuple[tuple[str, ...], ...]]:  # noqa: ANN001
    return [b.rows for b in doc.blocks if b.kind == "table"]


@pytest.mark.parametrize(
    ("wan", "text"),
    [
        (Decimal("52000"), "5.20亿元"),
        (Decimal("10000"), "1.00亿元"),
        (Decimal("9999.99"), "9999.99万元"),
        (Decimal("600"), "600万元"),
        (Decimal("612.50"), "612.5万元"),
        (None, "0万元"),
    ],
)
def test_amounts_are_written_in_yi_from_one_yi_up_else_in_wan(wan: Decimal | None, text: str) -> None:
    assert amount_text(wan) == text


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("市委书记、生物医药产业链链长", "市委书记姜冬冬"),
        ("市领导，生物医药产业链服务团队召集人", "市领导姜冬冬"),
        ("", "姜冬冬"),
    ],
)
def test_a_person_is_named_with_the_first_post_of_their_title(title: str, text: str) -> None:
    assert content.official(SimpleNamespace(title=title, display_name="姜冬冬")) == text


def test_a_meeting_briefing_tells_the_meeting_its_visits_figures_and_decisions(personas: Personas) -> None:
    p = personas
    world.make_overdue(p)
    briefing = world.meeting_briefing(p)
    briefing.sections = {**briefing.sections, "next_steps": "抓紧推进项目开工。"}
    doc = content.build(briefing, reader=p.member)
    texts = _texts(doc)

    assert doc.title == "测试甲链服务团队工作例会"
    assert doc.issuer == "测试市测试甲链产业链服务团队"
    assert doc.number == "第 1 期" and doc.date == p.today
    # the opening drafted from the facts, as the seed report opens
    held = p.today
    opening = (
        f"{held.month}月{held.day}日，测试链长带队赴测试甲区开展现场观摩，并召开测试甲链服务团队工作例会。"
        "测试成员主持会议。"
    )
    assert opening in texts
    assert any(
        t.startswith("参加人员：测试链长（测试链长（测试））") and "测试甲局" in t and "省工信厅 张三" in t
        for t in texts
    )
    # the stops in order, each headed by the enterprise visited (as the seed report does), its project with the
    # investment and the notes in the paragraph
    headings = [b.text for b in doc.blocks if b.kind == "h1"]
    assert headings[:2] == ["一、基本情况", "二、现场观摩"]
    stops = [b.text for b in doc.blocks if b.kind == "h2"][:2]
    assert stops == [f"（一）{p.ours.enterprise.name}", f"（二）{p.ent2.name}"]
    assert f"观摩{p.ours.project.name}，计划总投资5.00亿元。" in texts
    assert world.VISIT_NOTES in texts and world.SECOND_NOTES in texts
    assert "要以更实举措稳存量。" in texts  # the leader's points, from the minutes
    assert f"测试甲局：{world.SPEECH}" in texts
    assert f"{p.ours.enterprise.name}（王总）：扩产计划。" in texts
    assert headings[-4:] == ["五、产业链主要指标", "六、议定事项", "七、逾期任务", "八、下步工作"]
    # key figures: projects by stage (in 亿元), investment against 序时进度, demands with the rates, 上争
    stage_table = _tables(doc)[0]
    assert stage_table[0] == ("项目阶段", "项目数(个)", "计划总投资")
    assert ("签约", "1", "5.00亿元") in stage_table
    assert any(t.startswith(f"{p.today.year}年度计划投资8000万元，截至") for t in texts)
    assert any(t.startswith("统计期内受理企业诉求1件，已办结0件；响应率") for t in texts)
    assert any("有1件诉求的办理任务逾期未办结" in t for t in texts)
    assert any(t.startswith("在库上争事项1项（谋划1项），争取金额500万元") for t in texts)
    # the decision with its two departments, the lead one first, and its deadline
    decisions = _tables(doc)[1]
    assert decisions[0] == ("序号", "议定事项", "责任部门", "办结期限", "落实情况")
    deadline = add_workdays(p.today, world.DECISION_DAYS).isoformat()
    assert decisions[1] == ("1", world.DECISION, "测试甲局（牵头）、测试乙局", deadline, "未办")
    # the overdue list
    overdue = _tables(doc)[2]
    assert overdue[1][1:5] == (
        p.ours.enterprise.name,
        p.ours.demand.title,
        "测试甲局",
        (p.today - dt.timedelta(days=7)).isoformat(),
    )
    assert texts[-1] == "抓紧推进项目开工。"


def test_the_figures_are_the_reader_s_own(personas: Personas) -> None:
    """Another chain's records never reach a briefing: their demand, task and 上争事项 are not counted."""
    p = personas
    world.make_overdue(p)
    briefing = world.meeting_briefing(p)
    text = "\n".join(_texts(content.build(briefing, reader=p.member)))
    assert p.theirs.enterprise.name not in text
    assert "受理企业诉求1件" in text and "在库上争事项1项" in text


def test_an_empty_period_says_so_rather_than_printing_empty_tables(personas: Personas) -> None:
    p = personas
    start, end = dt.date(p.today.year - 3, 1, 1), dt.date(p.today.year - 3, 3, 31)
    briefing = world.period_briefing(p, start, end)
    doc = content.build(briefing, reader=p.member)
    texts = _texts(doc)
    assert doc.title == f"测试甲链产业链服务工作简报（{start.year}年1月1日至3月31日）"
    assert "本期内无会议、无新增诉求。" in texts
    assert "本期内无会议。" in texts
    assert "统计期内无新增诉求。" in texts
    assert f"截至{end.month}月{end.day}日，本链无逾期任务。" in texts
    assert not any("议定事项" in t for t in texts)  # no decisions part without meetings
    assert all(len(rows) > 1 for rows in _tables(doc))  # a table only where there are rows


def test_a_period_briefing_lists_the_period_s_meetings_and_their_decisions(personas: Personas) -> None:
    p = personas
    world.site_meeting(p)
    briefing = world.period_briefing(p, p.today - dt.timedelta(days=30), p.today)
    doc = content.build(briefing, reader=p.member)
    texts = _texts(doc)
    assert "本期内共召开会议2次：" in texts  # the personas' meeting and ours
    assert "本期内无会议、无新增诉求。" not in texts
    decisions = next(rows for rows in _tables(doc) if rows[0][1] == "会议")
    assert [row[2] for row in decisions[1:]] == ["测试议定事项：协调企业用地。", world.DECISION]


def test_building_costs_the_same_queries_whatever_the_number_of_stops(personas: Personas) -> None:
    p = personas
    meeting = world.site_meeting(p)
    briefing = world.meeting_briefing(p, meeting)
    scope_of(p.member).team_chains  # noqa: B018 - the reader's chains, read once and kept by the scope
    with CaptureQueriesContext(connection) as few:
        content.build(briefing, reader=p.member)
    for seq in range(3, 8):
        world.audited_create(
            model=world.SiteVisit, actor=world.FIXTURES, meeting=meeting, seq=seq, place=f"观摩点{seq}"
        )
        world.audited_create(model=world.Speech, actor=world.FIXTURES, meeting=meeting, seq=seq, speaker=f"发言人{seq}")
    with CaptureQueriesContext(connection) as many:
        doc = content.build(briefing, reader=p.member)
    assert "（七）观摩点7" in _texts(doc)
    assert len(many.captured_queries) == len(few.captured_queries) <= 25
