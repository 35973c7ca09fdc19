"""/service/ (我的挂钩企业) and the visits page come from one declaration each (chaindesk/liaison/resources.py):
ASSIGNMENTS (filter bar, columns, sorts) and VISITS (the fields of a visit card, the staff-only ones left out
for enterprise users as core.privacy declares them).

On the personas' world: `personas.liaison` (测试专员) serves our enterprise (visited ten days ago; its enterprise
user is `personas.ent_user`) and ent2 (never visited), nothing else."""

import datetime as dt
import re

import pytest

from chaindesk.core.privacy import staff_fields_hidden_from
from chaindesk.liaison import services
from chaindesk.liaison.models import NextStep, Visit, VisitIssue, VisitPhoto
from chaindesk.liaison.resources import ASSIGNMENTS, STAFF_ONLY, VISITS, visit_columns, withheld_note
from chaindesk.testkit.html import headers as _headers
from chaindesk.testkit.html import login as _client
from chaindesk.testkit.html import table as _table

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

MINE = "/service/"


def _log(personas, enterprise, notes="内部研判：资金链偏紧"):  # noqa: ANN001, ANN202
    """A visit today by the liaison (测试专员) with the enterprise's manager, one issue and one next step."""
    liaison, today = personas.liaison, personas.today
    services.visit_create(
        actor=liaison,
        enterprise=enterprise,
        visited_on=today,
        notes=notes,
        participants=[liaison],
        other_participants="企业总经理",
        issues=["用地指标未落实"],
        next_steps=[("对接自然资源局", liaison, today + dt.timedelta(days=7))],
    )


# --- ASSIGNMENTS: /service/ ---------------------------------------------------------------------------------


def test_service_table_comes_from_assignments(personas):
    never = personas.ent2  # served by the liaison, never visited
    response = _client(personas.liaison).get(MINE)
    html = response.content.decode()
    table = _table(html, "service-table")
    assert _headers(table) == [str(c.page_label) for c in ASSIGNMENTS.page_columns()]
    assert _headers(table) == ["企业名称", "所在地区", "最近走访", "走访状态", "待办下一步(项)", "操作"]
    assert response.context["resource"] is ASSIGNMENTS
    assert {e.pk for e in response.context["rows"]} == {personas.ours.enterprise.pk, never.pk}
    # Each row names its enterprise (the browser tests find a row by it) and links its pages.
    row = re.search(rf'<tr data-testid="service-row" data-enterprise="{never.pk}">(.*?)</tr>', table, re.S)
    assert row is not None
    assert f'<a href="/enterprises/{never.pk}/">测试甲二号企业有限公司</a>' in row.group(1)
    assert "从未走访" in row.group(1) and 'data-testid="log-visit"' in row.group(1)
    # The filter bar is the declared one.
    assert 'data-testid="service-filters"' in html and '<select id="f-stale" class="form-select" name="stale">' in html
    assert '<option value="1">超过90天未走访</option>' in html


def test_stale_filter_and_sorts_are_parsed_by_the_declaration(personas):
    assert personas.ours.enterprise.last_visit_on == personas.today - dt.timedelta(days=10)
    client = _client(personas.liaison)
    stale = client.get(MINE, {"stale": "1", "sort": "-open"})
    assert [e.pk for e in stale.context["rows"]] == [personas.ent2.pk]  # the one never visited
    assert stale.context["filters"] == {"stale": "1"} and stale.context["sort"] == "-open"
    html = stale.content.decode()
    assert '<option value="1" selected>' in html and '<input type="hidden" name="sort" value="-open">' in html
    # A value the filter does not know is ignored (all rows) and said so; never an error.
    for bad in ("yes", "0", "\x00", "1" * 40):
        ignored = client.get(MINE, {"stale": bad, "sort": "bogus", "page": "x"})
        assert ignored.status_code == 200
        assert len(ignored.context["rows"]) == 2  # ours and ent2
    assert 'data-testid="params-note"' in client.get(MINE, {"stale": "yes"}).content.decode()
    assert ASSIGNMENTS.parse({"stale": "1"}) == {"stale": "1"}
    assert ASSIGNMENTS.parse({"stale": "2"}) == {"stale": None}


def test_service_filtered_to_nothing_says_so(personas):
    _log(personas, personas.ent2)  # ours was visited ten days ago: now neither is stale
    html = _client(personas.liaison).get(MINE, {"stale": "1"}).content.decode()
    assert "没有超期未走访的企业。" in html and 'data-testid="service-table"' not in html


# --- VISITS: the visits page and the enterprise page's tab ----------------------------------------------------


def test_visit_columns_follow_core_privacy(personas):
    official, outsider = personas.liaison, personas.ent_user
    assert visit_columns(official) == list(VISITS)
    shown = visit_columns(outsider)
    assert [c.key for c in shown] == ["visited_on", "kind", "participants", "created_by"]
    # What is left out is exactly what the models declare staff-only.
    for key, (model, field) in STAFF_ONLY.items():
        assert field in model.staff_only_fields  # type: ignore[attr-defined]
        assert (field in staff_fields_hidden_from(model, outsider)) is (key not in {c.key for c in shown})
    assert {Visit, VisitIssue, NextStep, VisitPhoto} == {model for model, _field in STAFF_ONLY.values()}
    assert withheld_note(shown) == "走访情况、反映问题、下一步工作和现场照片仅服务人员可见。"
    assert withheld_note(visit_columns(official)) == ""


def test_visit_cards_show_the_declared_fields(personas):
    ours, today = personas.ours.enterprise, personas.today
    _log(personas, ours)  # the newest visit, so the first card (the world's is ten days older)
    htmx = {"HX-Request": "true"}
    official = _client(personas.liaison).get(f"/service/enterprises/{ours.pk}/visits/", headers=htmx)
    html = official.content.decode()
    assert official.context["columns"] == list(VISITS)
    card = html[html.index('data-testid="visit"') : html.index("</article>")]
    assert today.isoformat() in card and "走访" in card
    assert "参加人员：测试专员、企业总经理" in card and "记录人 测试专员" in card
    assert "内部研判" in card and "用地指标未落实" in card and "对接自然资源局" in card
    assert "仅服务人员可见" not in html

    own = _client(personas.ent_user).get(f"/service/enterprises/{ours.pk}/visits/", headers=htmx)
    html = own.content.decode()
    card = html[html.index('data-testid="visit"') : html.index("</article>")]
    assert today.isoformat() in card and "参加人员：测试专员、企业总经理" in card and "记录人 测试专员" in card
    for withheld in ("内部研判", "用地指标未落实", "对接自然资源局", "反映问题", "下一步工作", "visit-issue"):
        assert withheld not in card
    assert "走访情况、反映问题、下一步工作和现场照片仅服务人员可见。" in html
    # The rows themselves carry no staff-only value for an enterprise user (core.privacy blanks them).
    visit = own.context["visits"][0]
    assert visit.notes == "" and visit.withheld_fields == {"notes"}


def test_visit_ledger_values_come_from_the_same_columns(personas):
    """The declaration also gives each field as the export holds it (a date as a date, the rest as text)."""
    today = personas.today
    _log(personas, personas.ent2)  # its only visit
    from chaindesk.liaison.selectors import enterprise_visits

    visit = enterprise_visits(personas.ent2).get()
    values = {c.key: c.ledger_value(visit) for c in VISITS}
    assert values["visited_on"] == today and values["kind"] == "走访"
    assert values["participants"] == "测试专员、企业总经理" and values["created_by"] == "测试专员"
    assert values["issues"] == "用地指标未落实"
    due = (today + dt.timedelta(days=7)).isoformat()
    assert values["next_steps"] == f"对接自然资源局（负责人 测试专员，时限 {due}）"
