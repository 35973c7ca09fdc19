"""The 系统 area in the browser: the audit administrator's log and export, the system administrator's accounts."""

import pytest

from chaindesk.accounts.models import User
from chaindesk.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.browser


def test_audit_admin_filters_the_log_opens_a_line_and_exports(page, login, shot):
    login(page, "liming")  # leaves a login line to find
    page.click('[data-testid="logout"]')
    page.wait_for_selector("input[name=username]")
    login(page, "auditor")
    page.click(".cd-sidebar a.nav-link:has-text('系统')")
    page.wait_for_selector('[data-testid="audit-table"]')
    page.select_option("select[name=action]", "login")
    page.fill("input[name=actor]", "liming")
    page.click("button:has-text('查询')")
    page.wait_for_url("**/system/audit/?*action=login*")
    rows = page.locator('[data-testid="audit-table"] tbody tr')
    assert rows.count() >= 1
    assert "liming" in rows.first.inner_text()
    shot(page, "audit-log")

    with page.expect_download() as download:
        page.click('[data-testid="audit-export"]')
    assert download.value.suggested_filename.endswith(".xlsx")
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, actor_name="auditor").exists()

    page.goto(f"{page.base_url}/system/audit/?q=")
    page.locator('[data-testid="audit-table"] a:has-text("详情")').first.click()
    page.wait_for_selector("h1")
    shot(page, "audit-detail")


def test_system_admin_creates_an_account_after_a_refused_password(page, login, shot):
    login(page, "sysadmin")
    page.goto(f"{page.base_url}/system/users/")
    assert page.locator('[data-testid="user-table"] tbody tr').count() > 5
    shot(page, "users")
    page.click('[data-testid="user-create"]')
    page.fill("input[name=username]", "wuli")
    page.fill("input[name=display_name]", "吴丽")
    page.select_option("select[name=role]", "liaison")
    page.select_option("select[name=region]", label="泰兴市")
    page.fill("input[name=password1]", "1234567890")
    page.fill("input[name=password2]", "1234567890")
    page.click("button:has-text('创建用户')")
    body = page.locator("main").inner_text()
    assert "只包含数字" in body or "太常见" in body
    assert page.input_value("input[name=username]") == "wuli"  # what was typed is kept
    shot(page, "user-form-errors")
    assert not User.objects.filter(username="wuli").exists()

    page.fill("input[name=password1]", "Lotus-liaison-Qx7")
    page.fill("input[name=password2]", "Lotus-liaison-Qx7")
    page.click("button:has-text('创建用户')")
    page.wait_for_selector(".alert-success")
    user = User.objects.get(username="wuli")
    assert user.region.name == "泰兴市"
    assert AuditLog.objects.for_object(user).filter(action=AuditAction.CREATE, actor_name="sysadmin").exists()
