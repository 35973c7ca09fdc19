"""The user list (系统 → 用户管理) is declared once (accounts.resources.USERS): its page and its filter bar read
that one declaration, and the URL's filters go through its parsers.

On the fixed personas (chaindesk/testkit/personas.py): `p_sysadmin` manages the accounts; 测试甲局 employs
`p_member` and `p_handler` (测试经办, a 部门经办人)."""

import pytest
from django.test import Client

from chaindesk.accounts import services
from chaindesk.accounts.models import User
from chaindesk.accounts.resources import USERS
from chaindesk.accounts.views_users import filter_users
from chaindesk.core.params import spec_for
from chaindesk.testkit.html import headers

pytestmark = pytest.mark.django_db

LIST = "/system/users/"


@pytest.fixture
def admin_client(personas) -> Client:
    client = Client()
    client.force_login(personas.sysadmin)
    return client


def _headers(html: str) -> list[str]:
    return headers(html, "user-table")


def test_page_shows_the_declared_columns_and_filters(admin_client):
    html = admin_client.get(LIST).content.decode()
    assert _headers(html) == [str(c.page_label) for c in USERS.page_columns()]
    assert _headers(html) == ["用户名", "姓名", "角色", "所属地区 / 部门", "职务", "最近登录", "状态"]
    form = html.split('data-testid="user-filters"', 1)[1].split("</form>", 1)[0]
    for f in USERS.filters:
        assert f'name="{f.name}"' in form and str(f.label) in form
    assert '<option value="1">启用</option><option value="0">停用</option>' in form
    assert 'data-testid="user-create"' in html and 'href="/system/users/new/"' in html
    assert 'data-testid="user-export"' not in html  # accounts have no ledger


def test_a_row_shows_its_cells(admin_client, personas):
    handler = personas.handler
    html = admin_client.get(f"{LIST}?q=p_handler").content.decode()
    assert html.count('data-testid="user-row"') == 1  # p_x_handler does not match
    row = html.split('data-testid="user-row"', 1)[1].split("</tr>", 1)[0]
    assert f'<a href="/system/users/{handler.pk}/">p_handler</a>' in row
    assert ">测试经办</td>" in row
    assert ">部门经办人</td>" in row
    # One name per department: the short name, the full name on hover (issue 11, item 8).
    assert '<span class="cd-dept" title="测试市测试甲局">测试甲局</span>' in row
    assert 'data-testid="no-handler-badge"' not in row  # 测试甲局 has its handler
    assert '<span class="badge status-green">启用</span>' in row


def test_the_declared_filters_read_the_url(personas):
    admin = personas.sysadmin
    region, department = personas.ours.region, personas.ours.department  # 测试甲区, 测试甲局
    assert USERS.parse({"q": " 陈 ", "role": "dept_handler", "region": str(region.pk), "active": "0"}) == {
        "q": "陈",
        "role": "dept_handler",
        "region": region.pk,
        "department": None,
        "active": "0",
    }
    # 测试甲局 employs p_member and p_handler; with p_member's account stopped, the active ones are p_handler alone
    services.user_update(actor=admin, user=personas.member, is_active=False)
    qs, sort = filter_users(admin, {"department": str(department.pk), "active": "1", "sort": "-login"})
    assert sort == "-login"
    assert set(qs) == {personas.handler}
    qs, _sort = filter_users(admin, {"department": str(department.pk), "active": "0"})
    assert set(qs) == {personas.member}
    # values out of shape are ignored (no filter, never a 500) and the sort falls back to the declared default
    qs, sort = filter_users(admin, {"role": "root", "region": "²", "active": "yes", "sort": "password"})
    assert sort == USERS.default_sort == "username"
    assert qs.count() == User.objects.count()
    assert spec_for("core:user_list") == USERS.spec


def test_bad_values_are_named_under_the_filter_bar(admin_client):
    response = admin_client.get(f"{LIST}?region=²&role=x&active=2&department={10**30}")
    assert response.status_code == 200
    note = response.content.decode().split('data-testid="params-note">', 1)[1].split("</div>", 1)[0]
    assert all(name in note for name in ("地区", "部门", "角色", "账号状态"))
    assert response.context["page_obj"].paginator.count == User.objects.count()


def test_the_sort_is_kept_by_the_filter_bar(admin_client):
    html = admin_client.get(f"{LIST}?sort=-login&role=liaison").content.decode()
    assert '<input type="hidden" name="sort" value="-login">' in html
    assert 'aria-sort="descending"><a href="?sort=login&amp;role=liaison">最近登录 ↓</a>' in html
