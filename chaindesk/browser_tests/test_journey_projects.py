"""Issue 4's journey in a real browser: a hometown talent brings a lead, it is followed up, advanced and signed
into a project credited to the talent; the project starts, gets its year's plan and a month's investment; a
follow-on expansion of the same enterprise then shows in the enterprise's virtuous cycle. And the 409 path:
two tabs showing the same project, the stale one is refused with a clear message."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from chaindesk.accounts.models import User
from chaindesk.chains.models import Chain, ChainNode
from chaindesk.enterprises.models import Enterprise
from chaindesk.leads.models import Lead
from chaindesk.network.models import Talent
from chaindesk.projects.models import InvestmentPlan, InvestmentReport, Project, StageChange

pytestmark = pytest.mark.browser

BOSHENG = "江苏博生医用新材料股份有限公司"
TALENT = "顾文博"
LEAD = "高阻隔医用包装膜材产业化项目"
INVESTOR = "上海瑞澄包装科技有限公司"
FOLLOW_ON = "高阻隔医用包装膜材二期增资扩产项目"


def _accept_dialogs(page) -> None:  # noqa: ANN001
    """Forms with data-confirm ask through window.confirm: the user says yes."""
    page.on("dialog", lambda dialog: dialog.accept())


def _lead_stage(page, label: str) -> None:  # noqa: ANN001
    page.wait_for_selector(f'[data-testid="lead-stage"]:has-text("{label}")')


def _create_lead(page, talent: Talent, node: ChainNode) -> Lead:  # noqa: ANN001
    page.goto(f"{page.base_url}/leads/new/")
    form = page.locator('[data-testid="lead-form"]')
    form.locator("input[name=title]").fill(LEAD)
    form.locator("input[name=investor]").fill(INVESTOR)
    form.locator("select[name=chain]").select_option(label="生物医药")
    form.locator("select[name=node]").select_option(str(node.pk))
    form.locator("select[name=region]").select_option(label="兴化市")
    form.locator("input[name=estimated_investment]").fill("3.5亿")
    form.locator("select[name=source]").select_option(label="在外能人")
    # The form's script shows the talent picker once the source asks for it.
    form.locator("select[name=talent]").select_option(str(talent.pk))
    form.locator("select[name=owner]").select_option(str(User.objects.get(username="liming").pk))
    form.locator("textarea[name=description]").fill("顾文博推介的上海企业，拟在兴化建设高阻隔医用包装膜材生产线。")
    page.click('[data-testid="lead-submit"]')
    page.wait_for_selector('[data-testid="lead-header"]')
    return Lead.objects.get(title=LEAD)


def _sign(page, lead: Lead) -> Project:  # noqa: ANN001
    page.click('[data-testid="lead-sign"]')
    form = page.locator('[data-testid="sign-form"]')
    assert form.locator("input[name=name]").input_value() == LEAD  # carried over from the lead
    form.locator("input[name=enterprise]").fill(BOSHENG)
    form.locator("select[name=region]").select_option(label="兴化市")
    form.locator("select[name=level]").select_option(label="县级重点")
    page.click('[data-testid="sign-submit"]')
    page.wait_for_selector('[data-testid="project-header"]')
    lead.refresh_from_db()
    assert lead.project is not None
    return lead.project


def _top_shot(shot, page, name: str) -> None:  # noqa: ANN001
    """A full-page shot from the top: the left menu is sticky, so a scrolled page would draw it midway."""
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, name)


def _transition(page, to_stage: str, on: dt.date) -> None:  # noqa: ANN001
    action = page.locator(f'[data-testid="stage-action-{to_stage}"]')
    action.locator("summary").click()
    action.locator("input[name=on]").fill(on.isoformat())
    action.locator(f'[data-testid="stage-submit-{to_stage}"]').click()


def test_talent_lead_signed_started_invested_and_followed_on(page, login, shot):
    today = timezone.localdate()
    chain = Chain.objects.get(code="biomed")
    node = ChainNode.objects.get(chain=chain, name="医用膜材")
    talent = Talent.objects.get(name=TALENT)
    bosheng = Enterprise.objects.get(name=BOSHENG)
    _accept_dialogs(page)
    login(page, "jiangdd")

    # 1. the talent's lead, owned by 李明
    lead = _create_lead(page, talent, node)
    assert lead.source == "talent" and lead.talent == talent
    assert lead.stage == "new" and lead.node == node and lead.owner.username == "liming"
    assert lead.estimated_investment == Decimal("35000")
    origin = page.locator('[data-testid="lead-origin"]').inner_text()
    assert "在外能人" in origin and TALENT in origin
    assert "3.50 亿元" in page.locator('[data-testid="lead-header"]').inner_text()

    # 2. a follow-up with the next action
    next_on = today + dt.timedelta(days=7)
    form = page.locator('[data-testid="follow-up-form"]')
    form.locator("textarea[name=notes]").fill("与投资方视频会谈，对方确认考察意向，关注园区洁净厂房和环评周期。")
    form.locator("input[name=next_action]").fill("陪同投资方赴兴化考察洁净厂房")
    form.locator("input[name=next_action_on]").fill(next_on.isoformat())
    page.click('[data-testid="follow-up-submit"]')
    page.wait_for_selector('[data-testid="follow-up"]')
    lead.refresh_from_db()
    assert lead.follow_ups.count() == 1
    assert lead.next_action == "陪同投资方赴兴化考察洁净厂房" and lead.next_action_on == next_on
    assert next_on.isoformat() in page.locator('[data-testid="lead-next"]').inner_text()

    # 3. 接洽 → 考察 → 洽谈, one button each
    for value, label in (("contacted", "接洽"), ("inspected", "考察"), ("negotiating", "洽谈")):
        page.click(f'[data-testid="stage-{value}"]')
        _lead_stage(page, label)
        lead.refresh_from_db()
        assert lead.stage == value
    assert page.locator('[data-testid="timeline-row"]', has_text="阶段变更为“洽谈”").count() == 1
    _top_shot(shot, page, "journey-lead")

    # 4. signed from the lead page: the project page, at 签约, credited to the talent
    project = _sign(page, lead)
    lead.refresh_from_db()
    assert lead.stage == "signed"
    project.refresh_from_db()
    assert project.stage == "signed" and project.signed_on == today
    assert project.enterprise == bosheng and project.credited_talent == talent
    assert project.planned_investment == Decimal("35000") and project.node == node
    assert "签约" in page.locator('[data-testid="project-stage"]').inner_text()
    header = page.locator('[data-testid="project-header"]').inner_text()
    assert "引荐能人" in header and TALENT in header and "3.50 亿元" in header
    assert page.locator('[data-testid="project-lead"]').count() == 1

    # 5. 开工 with its date
    _transition(page, "started", today)
    page.wait_for_selector('[data-testid="project-stage"]:has-text("开工")')
    project.refresh_from_db()
    assert project.stage == "started" and project.started_on == today
    assert StageChange.objects.filter(project=project, to_stage="started", changed_on=today).count() == 1

    # 6. this year's plan, then a month's completed investment (htmx forms in the investment section)
    plan_form = page.locator('[data-testid="plan-form"]')
    plan_form.locator("input[name=year]").fill(str(today.year))
    plan_form.locator("input[name=amount]").fill("0.8亿")
    plan_form.locator("button[type=submit]").click()
    page.wait_for_selector('[data-testid="investment-plan"]:has-text("8,000.00 万元")')
    assert InvestmentPlan.objects.get(project=project, year=today.year).amount == Decimal("8000")

    report_form = page.locator('[data-testid="report-form"]')
    report_form.locator("input[name=month]").fill(f"{today:%Y-%m}")
    report_form.locator("input[name=amount]").fill("1200")
    report_form.locator("input[name=note]").fill("洁净厂房基础施工，主要设备已下订单")
    report_form.locator("button[type=submit]").click()
    page.wait_for_selector('[data-testid="report-row"]')
    report = InvestmentReport.objects.get(project=project)
    assert report.month == today.replace(day=1) and report.amount == Decimal("1200")
    assert report.reported_by.username == "jiangdd"
    assert "1,200.00 万元" in page.locator('[data-testid="investment-done"]').inner_text()
    assert "15.00%" in page.locator('[data-testid="investment-rate"]').inner_text()  # 1200 / 8000
    page.wait_for_selector('[data-testid="investment-chart"] canvas')
    _top_shot(shot, page, "journey-project")

    # 7. a follow-on expansion of the same enterprise, on the signed project
    page.goto(f"{page.base_url}/projects/new/")
    form = page.locator('[data-testid="project-form"]')
    form.locator("input[name=name]").fill(FOLLOW_ON)
    form.locator("select[name=enterprise]").select_option(label=BOSHENG)
    form.locator("select[name=chain]").select_option(label="生物医药")
    form.locator("select[name=node]").select_option(str(node.pk))
    form.locator("select[name=region]").select_option(label="兴化市")
    form.locator("select[name=kind]").select_option(label="增资扩产")
    form.locator("input[name=planned_investment]").fill("1.8亿")
    form.locator("select[name=follow_on_of]").select_option(str(project.pk))
    page.click('[data-testid="project-submit"]')
    page.wait_for_selector('[data-testid="project-header"]')
    follow_on = Project.objects.get(name=FOLLOW_ON)
    assert follow_on.follow_on_of == project and follow_on.kind == "expansion"
    assert follow_on.enterprise == bosheng and follow_on.planned_investment == Decimal("18000")
    assert follow_on.stage == "negotiating"
    assert page.locator('[data-testid="follow-on-of"]').inner_text().strip() == LEAD

    # 8. the enterprise's cycle shows the follow-on under 增资扩产 with its amount
    page.goto(f"{page.base_url}/enterprises/{bosheng.pk}/")
    page.click('[data-testid="projects-tab"]')
    page.wait_for_selector('[data-testid="enterprise-cycle"]')
    own = page.locator('[data-testid="cycle-own"]').inner_text()
    assert LEAD in own and "3.50 亿元" in own
    expansions = page.locator('[data-testid="cycle-follow_ons"]')
    row = expansions.locator("li", has_text=FOLLOW_ON)
    assert row.count() == 1 and "1.80 亿元" in row.inner_text()
    assert "增资扩产" in expansions.locator(".card-title").inner_text()
    follow_ons = Project.objects.filter(enterprise=bosheng).exclude(follow_on_of=None)
    expected = sum((p.planned_investment or Decimal(0) for p in follow_ons), Decimal(0))
    amount = page.locator('[data-testid="cycle-follow_ons-amount"]').inner_text().strip()
    assert amount == f"{expected / 10000:,.2f} 亿元"
    _top_shot(shot, page, "journey-cycle")

    # 9. the lead keeps its history and names the project it became
    page.goto(f"{page.base_url}/leads/{lead.pk}/")
    assert page.locator('[data-testid="lead-project"]').inner_text().strip() == LEAD
    assert "签约" in page.locator('[data-testid="lead-stage"]').inner_text()
    assert page.locator('[data-testid="follow-up"]').count() == 1
    assert page.locator('[data-testid="lead-actions"]').count() == 0  # nothing left to do on a signed lead

    # 10. the talent page lists the project credited to them
    page.goto(f"{page.base_url}/network/talents/{talent.pk}/")
    credited = page.locator("#talent-projects [data-testid=talent-project-row]", has_text=LEAD)
    credited.wait_for()
    assert "开工" in credited.inner_text() and "35,000.00" in credited.inner_text()


def test_stale_project_page_gets_conflict_message(page, login, shot):
    project = Project.objects.get(name="单抗药物产业化基地项目")
    assert project.stage == "signed"
    today = timezone.localdate()
    login(page, "jiangdd")
    url = f"{page.base_url}/projects/{project.pk}/"
    page.goto(url)
    other = page.context.new_page()  # a second tab of the same session, opened before the change
    other.goto(url)
    other.wait_for_selector('[data-testid="stage-action-started"]')

    _transition(page, "started", today)
    page.wait_for_selector('[data-testid="project-stage"]:has-text("开工")')

    with other.expect_response(lambda r: r.url.endswith("/transition/")) as answer:
        _transition(other, "started", today)
    assert answer.value.status == 409
    error = other.locator('[data-testid="transition-error"]')
    error.wait_for()
    assert "该项目的阶段已被他人变更为“开工”，请刷新页面后再操作。" in error.inner_text()
    assert "开工" in other.locator('[data-testid="project-stage"]').inner_text()
    project.refresh_from_db()
    assert project.stage == "started" and project.started_on == today
    assert StageChange.objects.filter(project=project, to_stage="started").count() == 1
    shot(other, "projects-conflict", full_page=False)
    other.close()
