"""The frame around every page: error pages in the product's look, request ids, navigation by role.

Signed-in pages are read by the fixed personas (chaindesk/testkit/personas.py): `p_chief` (chief of 测试甲链),
`p_handler` (测试甲局) and `p_liaison` (liaison of 测试甲区)."""

import pytest
from django.test import Client, RequestFactory

from chaindesk.accounts.models import User
from chaindesk.core import views
from chaindesk.core.navigation import items_for


def test_server_error_page_needs_no_database_and_speaks_chinese():
    response = views.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统出现错误" in body and "未被保存" in body


@pytest.mark.django_db
def test_every_response_carries_our_own_request_id_never_the_clients():
    response = Client().get("/accounts/login/")
    assert len(response.headers["X-Request-ID"]) == 32
    ignored = Client().get("/accounts/login/", headers={"X-Request-ID": "lb-7f3a9c21-0001"})
    assert ignored.headers["X-Request-ID"] != "lb-7f3a9c21-0001"  # issue 10, 7e: never trusted
    assert len(ignored.headers["X-Request-ID"]) == 32
    refused = Client().get("/accounts/login/", headers={"X-Request-ID": "bad id <script>"})
    assert refused.headers["X-Request-ID"] != "bad id <script>"


def _client(user: User | None) -> Client:
    assert user is not None, "a persona key names a user (anon has no login)"
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_unknown_url_gets_the_product_404(personas):
    response = _client(personas.chief).get("/no-such-page/")
    assert response.status_code == 404
    assert "找不到您要的页面" in response.content.decode()


def test_navigation_by_role():
    def keys(role: str) -> list[str]:
        return [item["key"] for item in items_for(role, "dashboards")]

    assert keys("city_leader") == [
        "dashboards",
        "cockpit",  # 驾驶舱 (issue 14)
        "chains",
        "enterprises",
        "projects",
        "leads",
        "network",
        "demands",
        "team_queue",  # 待我处理: what waits on the chain's team (issue 11)
        "metrics",
        "upward",
        "targets",  # 年度目标 (issue 14)
        "meetings",
        "ingest",  # 报道录入: meeting reports read into records (issue 15)
        "reports",
        "transfer",  # 数据导入: the offices' own ledgers (issue 13)
    ]
    # 会议日历: the private calendar feed of the meetings their department attends (issue 12)
    assert keys("dept_handler") == [
        "dashboards",
        "demands",
        "tasks",
        "metrics",
        "upward",
        "targets",
        "meetings_calendar",
    ]
    assert keys("enterprise") == ["dashboards", "enterprises", "projects", "demands"]  # the portal (issue 11)
    assert keys("audit_admin") == ["dashboards", "system"]
    # 部门: who signs their tasks; 节假日安排: the official holiday schedule (issue 11)
    # 接口令牌: tokens for other systems' API calls (issue 13)
    assert keys("sys_admin") == ["dashboards", "system", "departments", "calendar", "api_tokens"]
    active = [item for item in items_for("liaison", "enterprises") if item["active"]]
    assert [item["key"] for item in active] == ["enterprises"]
    # 报表 leads to the briefings (issue 12)
    assert next(item for item in items_for("liaison", "") if item["key"] == "reports")["url"] == "/reports/"
    assert next(item for item in items_for("liaison", "") if item["key"] == "projects")["url"] == "/projects/"


@pytest.mark.django_db
def test_workbench_shows_the_role_scope_in_the_top_bar(personas):
    page = _client(personas.liaison).get("/").content.decode()
    assert "测试甲区 · 挂钩服务专员" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "path", "active"),
    [
        ("handler", "/demands/tasks/", "tasks"),
        ("handler", "/demands/", "demands"),
        ("chief", "/demands/upward/", "upward"),
        ("chief", "/demands/supervision/", "demands"),
        ("chief", "/demands/metrics/", "metrics"),
    ],
)
def test_the_menu_highlights_the_page_s_own_entry(personas, key, path, active):
    response = _client(personas.user(key)).get(path)
    assert response.status_code == 200
    assert [item["key"] for item in response.context["nav_items"] if item["active"]] == [active]
