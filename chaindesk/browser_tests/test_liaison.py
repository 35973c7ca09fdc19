"""A liaison's day: the stale enterprise on /service/, a visit logged with an issue and a next step, seen on
the enterprise's visits tab and timeline, and the stale flag gone."""

import datetime as dt

import pytest
from django.utils import timezone

from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison.models import Visit

pytestmark = pytest.mark.browser

BOSHENG = "江苏博生医用新材料股份有限公司"


def test_liaison_logs_a_visit(page, login, shot):
    boshen = Enterprise.objects.get(name=BOSHENG)
    Visit.objects.filter(enterprise=boshen).delete()
    Enterprise.objects.filter(pk=boshen.pk).update(last_visit_on=timezone.localdate() - dt.timedelta(days=120))
    login(page, "liming")

    page.goto(f"{page.base_url}/service/")
    row = page.locator(f'[data-testid="service-row"][data-enterprise="{boshen.pk}"]')
    assert "超过90天未走访" in row.inner_text()
    shot(page, "liaison-enterprises")

    row.locator('[data-testid="log-visit"]').click()
    page.wait_for_selector('[data-testid="visit-form"]')
    assert page.input_value("input[name=visited_on]") == timezone.localdate().isoformat()
    page.select_option("select[name=kind]", "site")
    page.fill("input[name=other_participants]", "企业总经理、市工信局同志")
    page.fill("textarea[name=notes]", "现场查看年产3000万平方米医用膜材项目进展，设备已进场，计划年底试生产。")
    page.fill("textarea[name=issue_1]", "项目二期用地指标尚未落实")
    page.fill("input[name=step_text_1]", "对接市自然资源和规划局，明确用地报批路径")
    due = timezone.localdate() + dt.timedelta(days=20)
    page.fill("input[name=step_due_1]", due.isoformat())
    shot(page, "liaison-visit-form")
    page.click('[data-testid="visit-submit"]')

    page.wait_for_selector('[data-testid="visits"]')
    visit = page.locator('[data-testid="visit"]').first
    assert "项目二期用地指标尚未落实" in visit.inner_text()
    assert "明确用地报批路径" in visit.inner_text()

    # The enterprise page loads the tabs by htmx.
    page.goto(f"{page.base_url}/enterprises/{boshen.pk}/")
    page.click('a[href="#tab-visits"]')
    page.wait_for_selector('#tab-visits [data-testid="visit"]')
    page.click('a[href="#tab-timeline"]')
    page.wait_for_selector('#tab-timeline [data-testid="timeline"]')
    first = page.locator('#tab-timeline [data-testid="timeline-row"][data-kind="visit"]').first
    assert "现场观摩" in first.inner_text() and timezone.localdate().isoformat() in first.inner_text()
    page.goto(f"{page.base_url}/service/enterprises/{boshen.pk}/timeline/")
    shot(page, "liaison-timeline")

    page.goto(f"{page.base_url}/service/")
    row = page.locator(f'[data-testid="service-row"][data-enterprise="{boshen.pk}"]')
    assert "未走访" not in row.inner_text()
    assert timezone.localdate().isoformat() in row.inner_text()


def test_liaison_list_and_visit_form_at_phone_width(phone_page, login, shot):
    """Liaisons log visits on site, from a phone: no horizontal scrolling of the page itself."""
    login(phone_page, "liming")
    phone_page.goto(f"{phone_page.base_url}/service/")
    assert phone_page.locator('[data-testid="service-row"]').count() > 0
    boshen = Enterprise.objects.get(name=BOSHENG)
    phone_page.goto(f"{phone_page.base_url}/service/enterprises/{boshen.pk}/visits/new/")
    phone_page.wait_for_selector('[data-testid="visit-form"]')
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    shot(phone_page, "liaison-visit-form-phone")
