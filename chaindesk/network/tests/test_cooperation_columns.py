"""Both cooperation tables (the partner page, the enterprise's 研发合作 tab) render the COOPERATIONS columns
declared once in chaindesk/network/resources.py.

On the personas' world: our enterprise (测试甲区) is served by `personas.liaison`, its enterprise user is
`personas.ent_user`; the cooperations here are recorded by the liaison (network/tests/factories.py)."""

import datetime as dt

import pytest

from chaindesk.network.models import CooperationStatus
from chaindesk.network.resources import COOPERATIONS, ON_ENTERPRISE, ON_PARTNER, cooperation_columns
from chaindesk.testkit.html import headers as _headers
from chaindesk.testkit.html import login as _client
from chaindesk.testkit.html import rows as _rows
from chaindesk.testkit.html import table as _table

from . import factories

pytestmark = pytest.mark.django_db


def test_each_column_is_declared_once_and_each_side_picks_its_own():
    keys = [c.key for c in COOPERATIONS]
    assert len(keys) == len(set(keys))
    assert [c.key for c in cooperation_columns(ON_PARTNER)] == list(ON_PARTNER)
    assert {*ON_PARTNER, *ON_ENTERPRISE} == set(keys)


def test_partner_page_table_comes_from_the_declaration(personas):
    ours = personas.ours.enterprise
    partner = factories.partner(personas, name="测复旦大学", city="上海")
    factories.cooperation(personas, ours, partner, status=CooperationStatus.DONE, ended_on=dt.date(2026, 1, 28))
    # The chief manages partners (the page's 编辑 button) but cooperations are edited on the enterprise's tab.
    html = _client(personas.chief).get(f"/network/partners/{partner.pk}/").content.decode()
    assert 'data-testid="partner-edit"' in html
    table = _table(html, "partner-cooperation-table")
    assert _headers(table) == [str(c.page_label) for c in cooperation_columns(ON_PARTNER)]
    assert _headers(table) == ["企业", "所在地区", "合作内容", "合作期间", "状态"]
    [row] = _rows(table)
    assert f'<a href="/enterprises/{ours.pk}/">测试甲企业有限公司</a>' in row
    assert "测试甲区" in row and "医用膜材联合研发" in row
    assert "2025-03-01 — 2026-01-28" in row and "status-green" in row and "已完成" in row
    assert 'data-testid="cooperation-edit"' not in html


def test_enterprise_tab_table_comes_from_the_declaration(personas):
    ours = personas.ours.enterprise
    partner = factories.partner(personas, name="测浙江大学", city="杭州")
    factories.cooperation(personas, ours, partner, status=CooperationStatus.TALKING)
    editor = _client(personas.liaison).get(f"/network/enterprises/{ours.pk}/rd/", HTTP_HX_REQUEST="true")
    table = _table(editor.content.decode(), "cooperation-table")
    labels = [str(c.page_label) for c in cooperation_columns(ON_ENTERPRISE)]
    assert _headers(table) == [*labels, "操作"]  # the editor's 编辑 link column, its header hidden visually
    assert labels == ["合作机构", "所在城市", "合作内容", "合作期间", "状态"]
    row = next(r for r in _rows(table) if "测浙江大学" in r)
    assert f'<a href="/network/partners/{partner.pk}/">测浙江大学</a>' in row
    assert "杭州" in row and "2025-03-01 — 至今" in row and "洽谈中" in row
    assert 'data-testid="cooperation-edit"' in row
    reader = _client(personas.ent_user).get(f"/network/enterprises/{ours.pk}/rd/", HTTP_HX_REQUEST="true")
    table = _table(reader.content.decode(), "cooperation-table")
    assert _headers(table) == labels and 'data-testid="cooperation-edit"' not in table
