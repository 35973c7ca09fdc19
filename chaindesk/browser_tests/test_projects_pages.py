"""Issue 4's pages with the demo city's data, screenshotted for docs/screenshots/ (zh-Hans, 1366×768 full page)
and checked for a seed fact or a count taken from the database, not only for loading."""

import pytest

from chaindesk.accounts.models import User
from chaindesk.chains.models import Chain
from chaindesk.core import clock
from chaindesk.enterprises.models import Enterprise
from chaindesk.leads.models import Lead
from chaindesk.leads.selectors import follow_up_queue
from chaindesk.network.models import RdPartner, Talent
from chaindesk.projects.models import Project
from chaindesk.projects.selectors_progress import chain_cycle

pytestmark = pytest.mark.browser

BOSHENG = "江苏博生医用新材料股份有限公司"
MEMBRANE = "特殊功能性新型医用膜材项目"
JINMEITE = "金美特医用材料生产项目"


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _chart(page, testid: str) -> None:  # noqa: ANN001
    """ECharts drew into the container (a canvas of a real size)."""
    canvas = page.locator(f'[data-testid="{testid}"] canvas').first
    canvas.wait_for()
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 150


def _no_horizontal_overflow(page) -> None:  # noqa: ANN001
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0


def test_project_list(page, login, shot):
    login(page, "jiangdd")
    page.goto(f"{page.base_url}/projects/")
    visible = Project.objects.visible_to(_user("jiangdd"))
    assert 0 < visible.count() <= 50
    rows = page.locator('[data-testid="project-table"] tbody tr')
    assert rows.count() == visible.count()
    assert f"共 {visible.count()} 条" in page.locator('[data-testid="project-count"]').inner_text()
    row = rows.filter(has_text=MEMBRANE)
    assert "5.20 亿元" in row.inner_text() or "52,000" in row.inner_text()
    assert "滞后" in page.locator('[data-testid="flag-rules"]').inner_text()
    shot(page, "projects-list")


def test_project_detail_of_the_seed_membrane_project(page, login, shot):
    project = Project.objects.get(name=MEMBRANE)
    login(page, "jiangdd")
    page.goto(f"{page.base_url}/projects/{project.pk}/")
    header = page.locator('[data-testid="project-header"]').inner_text()
    assert "5.20 亿元" in header
    assert "3000 万平方米/年" in header
    assert BOSHENG in header and "市重大" in header
    assert "在建" in page.locator('[data-testid="project-stage"]').inner_text()
    timeline = page.locator('[data-testid="stage-timeline"] tbody tr')
    assert timeline.count() == project.stage_changes.count()
    page.wait_for_selector('[data-testid="report-row"]')
    assert (
        page.locator('[data-testid="report-row"]').count()
        == project.investment_reports.filter(month__year=clock.today().year).count()
    )
    assert "18,000.00 万元" in page.locator('[data-testid="investment-plan"]').inner_text()  # one unit: 万元 (issue 11)
    _chart(page, "investment-chart")
    shot(page, "projects-detail")


def test_project_detail_with_production_lines(page, login, shot):
    project = Project.objects.get(name=JINMEITE)
    login(page, "jiangdd")
    page.goto(f"{page.base_url}/projects/{project.pk}/")
    assert "5.60 亿元" in page.locator('[data-testid="project-header"]').inner_text()
    lines = page.locator('[data-testid="production-lines"]').inner_text()
    assert "全自动腹透引流袋生产线" in lines and "预充式导管冲洗器生产线" in lines
    assert project.lines.count() == 2
    # behind 序时进度: the rate is flagged
    page.wait_for_selector('[data-testid="investment-rate"]')
    assert "落后序时进度" in page.locator('[data-testid="investment-summary"]').inner_text()
    _chart(page, "investment-chart")
    shot(page, "projects-detail-lines")


def test_project_form_with_a_validation_error(page, login, shot):
    before = Project.objects.count()
    login(page, "jiangdd")
    page.goto(f"{page.base_url}/projects/new/")
    form = page.locator('[data-testid="project-form"]')
    form.locator("input[name=name]").fill("医用敷料智能化生产线项目")
    form.locator("select[name=chain]").select_option(label="生物医药")
    form.locator("select[name=region]").select_option(label="兴化市")
    form.locator("input[name=planned_investment]").fill("五亿左右")
    page.click('[data-testid="project-submit"]')
    page.wait_for_selector(".invalid-feedback")
    body = page.locator('[data-testid="project-form"]').inner_text()
    assert "请选择项目单位，或填写尚未在本地登记的投资方名称。" in body
    assert page.locator("input[name=planned_investment].is-invalid").count() == 1
    assert form.locator("input[name=name]").input_value() == "医用敷料智能化生产线项目"  # kept after the error
    assert Project.objects.count() == before
    shot(page, "projects-form-errors")


def test_investment_summary_by_chain_and_by_region(page, login, shot):
    login(page, "zhangkun")
    page.goto(f"{page.base_url}/projects/investment/")
    rows = page.locator('[data-testid="investment-row"]')
    visible = Project.objects.visible_to(_user("zhangkun"))
    chains = set(visible.values_list("chain__name", flat=True))
    assert rows.count() == len(chains)
    for name in chains:
        assert rows.filter(has_text=name).count() == 1
    assert "%" in page.locator('[data-testid="total-rate"]').inner_text()
    _chart(page, "investment-chart")
    shot(page, "investment-by-chain")

    page.goto(f"{page.base_url}/projects/investment/?by=region")
    regions = set(visible.values_list("region__name", flat=True))
    rows = page.locator('[data-testid="investment-row"]')
    assert rows.count() == len(regions)
    assert rows.filter(has_text="兴化市").count() == 1
    assert page.locator('[data-testid="investment-table"] thead').inner_text().startswith("地区")
    _chart(page, "investment-chart")
    shot(page, "investment-by-region")


def test_chain_cycle(page, login, shot):
    chain = Chain.objects.get(code="biomed")
    login(page, "jiangdd")
    page.goto(f"{page.base_url}/projects/chains/{chain.pk}/cycle/")
    steps = chain_cycle(chain, User.objects.get(username="jiangdd"))
    rows = page.locator('[data-testid="chain-cycle-row"]')
    assert rows.count() == len(steps) == 4
    for i, step in enumerate(steps):
        cells = [c.strip() for c in rows.nth(i).locator("td").all_inner_texts()]
        assert step.label in cells[0]
        assert cells[2:] == [
            str(step.n_landed),
            step.amount_landed_text,
            str(step.n_negotiating),
            step.amount_negotiating_text,
        ]
    assert steps[1].label == "增资扩产" and steps[1].n_landed > 0
    _chart(page, "chain-cycle-chart")
    shot(page, "cycle-chain")


def test_lead_list_and_detail(page, login, shot):
    login(page, "jiangdd")
    page.goto(f"{page.base_url}/leads/")
    visible = Lead.objects.visible_to(_user("jiangdd"))
    assert 0 < visible.count() <= 50
    assert page.locator('[data-testid="lead-row"]').count() == visible.count()
    assert f"共 {visible.count()} 条" in page.locator('[data-testid="lead-count"]').inner_text()
    shot(page, "leads-list")

    lead = Lead.objects.get(title="医用膜材涂布加工项目")
    page.goto(f"{page.base_url}/leads/{lead.pk}/")
    assert "洽谈" in page.locator('[data-testid="lead-stage"]').inner_text()
    assert "以商引商" in page.locator('[data-testid="lead-origin"]').inner_text()
    assert BOSHENG in page.locator('[data-testid="lead-origin"]').inner_text()
    assert "逾期" in page.locator('[data-testid="lead-next"]').inner_text()
    assert page.locator('[data-testid="follow-up"]').count() == lead.follow_ups.count() == 2
    shot(page, "leads-detail")


def test_lead_queue_of_the_liaison(page, login, shot):
    login(page, "liming")
    page.goto(f"{page.base_url}/leads/queue/")
    expected = list(follow_up_queue(_user("liming")).values_list("title", flat=True))
    rows = page.locator('[data-testid="queue-row"]')
    assert rows.count() == len(expected) > 0
    assert [rows.nth(i).locator("td").nth(1).locator("a").inner_text() for i in range(rows.count())] == expected
    assert "逾期" in rows.first.inner_text()  # overdue first
    shot(page, "leads-queue")


def test_talent_list_and_detail(page, login, shot):
    login(page, "jiangdd")
    page.goto(f"{page.base_url}/network/talents/")
    rows = page.locator('[data-testid="talent-table"] tbody tr')
    assert rows.count() == Talent.objects.count()
    assert rows.filter(has_text="顾文博").count() == 1
    shot(page, "talents-list")

    talent = Talent.objects.get(name="顾文博")
    page.goto(f"{page.base_url}/network/talents/{talent.pk}/")
    projects = page.locator("#talent-projects [data-testid=talent-project-row]")
    projects.first.wait_for()
    credited = Project.objects.filter(credited_talent=talent)
    assert projects.count() == credited.count() == 2
    assert projects.filter(has_text="单抗药物产业化基地项目").count() == 1
    page.wait_for_selector("#talent-leads [data-testid=talent-lead-list]")
    assert "单抗药物中试基地项目" in page.locator("#talent-leads").inner_text()
    assert page.locator('[data-testid="contact"]').count() == talent.contacts.count() == 2
    shot(page, "talents-detail")


def test_partner_list_and_rd_map(page, login, shot):
    login(page, "jiangdd")
    page.goto(f"{page.base_url}/network/partners/")
    rows = page.locator('[data-testid="partner-table"] tbody tr')
    assert rows.count() == RdPartner.objects.count()
    assert rows.filter(has_text="中国药科大学").count() == 1
    shot(page, "rd-partners")

    page.goto(f"{page.base_url}/network/rd-map/")
    table = page.locator('[data-testid="rd-map-table"]')
    assert "上海" in table.inner_text() and "南京" in table.inner_text()
    assert "项合作" in page.locator('[data-testid="rd-map-rule"]').inner_text()
    _chart(page, "rd-map-chart")
    shot(page, "rd-map")


def test_enterprise_projects_and_rd_tabs(page, login, shot):
    enterprise = Enterprise.objects.get(name=BOSHENG)
    login(page, "jiangdd")
    page.goto(f"{page.base_url}/enterprises/{enterprise.pk}/")
    page.click('[data-testid="projects-tab"]')
    page.wait_for_selector('#tab-projects [data-testid="enterprise-cycle"]')
    rows = page.locator('[data-testid="enterprise-project-row"]')
    assert rows.count() == Project.objects.filter(enterprise=enterprise).count()
    own = page.locator('[data-testid="cycle-own"]').inner_text()
    assert MEMBRANE in own and "5.20 亿元" in own
    assert "医用膜材二期增资扩产项目" in page.locator('[data-testid="cycle-follow_ons"]').inner_text()
    assert "医用膜材配套分切加工项目" in page.locator('[data-testid="cycle-supporting"]').inner_text()
    shot(page, "projects-enterprise-tab")

    page.click('[data-testid="rd-tab"]')
    page.wait_for_selector('#tab-rd [data-testid="cooperation-table"]')
    rd = page.locator('#tab-rd [data-testid="cooperation-table"]')
    assert rd.locator("tbody tr").count() == enterprise.rd_cooperations.count() == 2
    assert "上海医药工业研究院" in rd.inner_text() and "功能性医用膜材阻隔性能研究" in rd.inner_text()
    shot(page, "rd-enterprise-tab")


def test_chain_map_shows_project_and_lead_columns(page, login, shot):
    chain = Chain.objects.get(code="biomed")
    login(page, "jiangdd")
    page.goto(f"{page.base_url}/chains/{chain.pk}/map/")
    page.wait_for_selector('[data-testid="chain-map"] canvas')
    table = page.locator('[data-testid="node-table"]')
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    assert "项目(个)" in headers and "线索(条)" in headers
    node = chain.nodes.get(name="医用膜材")
    row = table.locator(f'tbody tr[data-node="{node.pk}"]')
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    n_projects = Project.objects.filter(node=node).count()
    assert cells[headers.index("项目(个)")] == str(n_projects)
    shot(page, "projects-chain-map")


@pytest.mark.parametrize(("username", "name"), [("jiangdd", "city_leader"), ("liming", "liaison")])
def test_workbench_projects_card(page, login, shot, username, name):
    login(page, username)
    card = page.locator('[data-testid="projects-card"]')
    card.wait_for()  # loaded by htmx after the page
    text = card.inner_text()
    assert "年度投资完成率" in text and "序时进度" in text
    visible = Project.objects.visible_to(_user(username)).count()
    assert f"共 {visible} 个项目" in text
    queue = page.locator('[data-testid="lead-queue-card"]')
    queue.wait_for()
    shot(page, f"workbench-projects-{name}")


def test_project_detail_at_phone_width(phone_page, login, shot):
    project = Project.objects.get(name=MEMBRANE)
    login(phone_page, "liming")
    phone_page.goto(f"{phone_page.base_url}/projects/{project.pk}/")
    assert "5.20 亿元" in phone_page.locator('[data-testid="project-header"]').inner_text()
    phone_page.wait_for_selector('[data-testid="report-form"]')  # the liaison reports from the site
    _chart(phone_page, "investment-chart")
    _no_horizontal_overflow(phone_page)
    shot(phone_page, "projects-detail-phone")
