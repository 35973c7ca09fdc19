"""Lead pages per persona (anonymous, wrong role, in scope, out of scope by URL guessing), the stage buttons
with their 409, abandon and sign, follow-ups, the owner's queue, the list's filters, query count and export,
and the enterprise and talent fragments.

On the fixed personas' world (chaindesk/testkit/personas.py): the test lead sits on 测试甲链, aimed at 测试甲区,
recorded by `p_chief` and owned by `p_liaison` (chaindesk/leads/tests/factories.py); out of scope are the x_
personas of 测试乙链 and 测试乙区."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from openpyxl import load_workbook

from chaindesk.accounts.models import User
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.enterprises.models import Enterprise
from chaindesk.leads import services
from chaindesk.leads.choices import LeadSource, LeadStage
from chaindesk.leads.models import Lead, LeadFollowUp
from chaindesk.leads.tests import factories
from chaindesk.leads.tests.factories import INVESTOR, TALENT, TITLE
from chaindesk.projects.models import Project
from chaindesk.testkit.personas import add_chair

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def lead(make_lead) -> Lead:  # noqa: ANN001
    return make_lead()


@pytest.fixture
def login_as(personas):  # noqa: ANN001, ANN201
    """A test client logged in as the persona named by its key (force_login: no password hashing)."""

    def make(key: str) -> Client:
        return _client(personas.user(key))

    return make


def test_anonymous_goes_to_login(client, lead):
    urls = [
        reverse("leads:list"),
        reverse("leads:export"),
        reverse("leads:create"),
        reverse("leads:queue"),
        reverse("leads:detail", args=[lead.pk]),
        reverse("leads:edit", args=[lead.pk]),
        reverse("leads:sign", args=[lead.pk]),
        reverse("leads:enterprise_tab", args=[1]),
        reverse("leads:talent_tab", args=[1]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    response = client.post(reverse("leads:advance", args=[lead.pk]), {"to_stage": "contacted"})
    assert response.status_code == 302 and Lead.objects.get(pk=lead.pk).stage == LeadStage.NEW


@pytest.mark.parametrize(
    ("key", "detail", "edit", "listed"),
    [
        ("chief", 200, 200, True),  # chain chief
        ("chair", 200, 200, True),  # chair, on the chain's team
        ("member", 200, 200, True),  # team member
        ("liaison", 200, 200, True),  # the owner liaison
        ("district", 200, 403, True),  # 测试甲区 district admin: reads the leads aimed at the district
        ("x_liaison", 404, 404, False),  # another liaison: not theirs
        ("x_district", 404, 404, False),  # 测试乙区 district admin
        ("x_chief", 404, 404, False),  # another chain's chief
        ("handler", 403, 403, None),  # department handler: wrong role
        ("x_handler", 403, 403, None),
        ("ent_user", 403, 403, None),  # enterprise user: leads are confidential
        ("x_ent_user", 403, 403, None),
        ("sysadmin", 403, 403, None),
        ("auditor", 403, 403, None),
    ],
)
def test_pages_per_persona(personas, lead, key, detail, edit, listed):
    client = _client(add_chair(personas) if key == "chair" else personas.user(key))
    assert client.get(reverse("leads:detail", args=[lead.pk])).status_code == detail
    assert client.get(reverse("leads:edit", args=[lead.pk])).status_code == edit
    assert client.get(reverse("leads:sign", args=[lead.pk])).status_code == edit
    response = client.get(reverse("leads:list"))
    if listed is None:
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        assert (lead.title in response.content.decode()) is listed


def test_url_guessing_is_404_and_audited(login_as, lead):
    client = login_as("x_liaison")
    assert client.get(reverse("leads:detail", args=[lead.pk])).status_code == 404
    response = client.post(reverse("leads:advance", args=[lead.pk]), {"to_stage": "contacted", "expected_stage": "new"})
    assert response.status_code == 404
    assert Lead.objects.get(pk=lead.pk).stage == LeadStage.NEW
    assert AuditLog.objects.for_object(lead).filter(action=AuditAction.PERMISSION_DENIED).count() == 2
    assert client.get(reverse("leads:detail", args=[999999])).status_code == 404


def test_district_admin_reads_but_may_not_act(login_as, lead, today):
    client = login_as("district")
    page = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert 'data-testid="stage-form"' not in page and 'data-testid="follow-up-form"' not in page
    response = client.post(reverse("leads:advance", args=[lead.pk]), {"to_stage": "contacted", "expected_stage": "new"})
    assert response.status_code == 403
    response = client.post(reverse("leads:follow_up", args=[lead.pk]), {"followed_on": today, "notes": "x"})
    assert response.status_code == 403 and not LeadFollowUp.objects.filter(lead=lead).exists()


def test_detail_shows_facts_buttons_and_timeline(login_as, lead, personas, today):
    services.lead_advance(lead=lead, to_stage=LeadStage.CONTACTED, on=today, actor=personas.liaison)
    services.follow_up_add(
        lead=lead,
        followed_on=today,
        notes="与投资方视频会议",
        next_action="发送园区资料",
        next_action_on=today + dt.timedelta(days=3),
        actor=personas.liaison,
    )
    page = login_as("liaison").get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert INVESTOR in page and "1.20 亿元" in page  # 12000 万元, as recorded
    assert 'name="expected_stage" value="contacted"' in page
    assert 'data-testid="stage-inspected"' in page and 'data-testid="stage-negotiating"' in page
    assert 'data-testid="stage-new"' not in page and 'data-testid="stage-signed"' not in page
    assert "阶段变更为“接洽”" in page and "与投资方视频会议" in page and "发送园区资料" in page
    assert 'data-confirm="确定放弃该线索吗' in page


def test_stage_button_moves_the_lead(login_as, lead, today):
    response = login_as("liaison").post(
        reverse("leads:advance", args=[lead.pk]),
        {"to_stage": "inspected", "expected_stage": "new", "on": today.isoformat()},
    )
    assert response.status_code == 302 and response["Location"] == reverse("leads:detail", args=[lead.pk])
    lead.refresh_from_db()
    assert lead.stage == LeadStage.INSPECTED and lead.stage_changed_on == today


def test_stage_button_after_someone_else_moved_it_is_409(login_as, lead, personas, today):
    services.lead_advance(lead=lead, to_stage=LeadStage.CONTACTED, on=today, actor=personas.member)
    response = login_as("liaison").post(
        reverse("leads:advance", args=[lead.pk]), {"to_stage": "inspected", "expected_stage": "new"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert 'data-testid="lead-conflict"' in page and "已被他人变更为“接洽”" in page
    assert Lead.objects.get(pk=lead.pk).stage == LeadStage.CONTACTED


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"to_stage": "new", "expected_stage": "new"}, 400),  # not a move
        ({"to_stage": "signed", "expected_stage": "new"}, 400),  # only through the sign form
        ({"to_stage": "abandoned", "expected_stage": "new"}, 400),  # only with a reason
        ({"to_stage": "bogus", "expected_stage": "new"}, 400),
        ({"to_stage": "contacted"}, 400),  # the expected stage is required
        ({"to_stage": "contacted", "expected_stage": "new", "on": "2099-01-01"}, 400),  # future date
    ],
)
def test_illegal_stage_posts_change_nothing(login_as, lead, data, status):
    response = login_as("liaison").post(reverse("leads:advance", args=[lead.pk]), data)
    assert response.status_code == status
    assert 'data-testid="lead-errors"' in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).stage == LeadStage.NEW


def test_advance_is_post_only(login_as, lead):
    assert login_as("liaison").get(reverse("leads:advance", args=[lead.pk])).status_code == 405


def test_abandon_needs_reason_then_works(login_as, lead):
    client = login_as("liaison")
    url = reverse("leads:abandon", args=[lead.pk])
    response = client.post(url, {"expected_stage": "new", "reason": "  "})
    assert response.status_code == 400 and "放弃线索须填写原因" in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).stage == LeadStage.NEW
    response = client.post(url, {"expected_stage": "new", "reason": "投资方资金链断裂"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.stage == LeadStage.ABANDONED and lead.abandon_reason == "投资方资金链断裂"
    page = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert "投资方资金链断裂" in page and 'data-testid="stage-form"' not in page
    assert client.get(reverse("leads:edit", args=[lead.pk])).status_code == 302  # closed: back to the page
    again = client.post(url, {"expected_stage": "new", "reason": "再放弃一次"})
    assert again.status_code == 409


def _project_url(pk: int) -> str | None:
    try:
        return reverse("projects:detail", args=[pk])
    except NoReverseMatch:
        return None


def test_sign_form_creates_project_and_redirects(login_as, make_lead, personas, talent, today):
    lead = make_lead(source=LeadSource.TALENT, talent=talent)
    client = login_as("liaison")
    url = reverse("leads:sign", args=[lead.pk])
    form = client.get(url).content.decode()
    assert f'value="{TITLE}"' in form and TALENT in form and 'data-confirm="确认签约' in form
    response = client.post(
        url,
        {
            "expected_stage": "new",
            "name": "膜材配套项目（签约）",
            "enterprise": "",
            "investor_name": INVESTOR,
            "region": personas.ours.region.pk,
            "kind": "new",
            "level": "city",
            "planned_investment": "1.5亿",
            "on": today.isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    lead.refresh_from_db()
    project = lead.project
    assert project is not None and project.name == "膜材配套项目（签约）" and project.stage == "signed"
    assert project.planned_investment == Decimal("15000") and project.level == "city"
    assert project.credited_talent == talent and project.signed_on == today
    assert project.region == personas.ours.region and project.chain == personas.ours.chain
    assert response["Location"] == (_project_url(project.pk) or reverse("leads:detail", args=[lead.pk]))
    page = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert 'data-testid="lead-project"' in page and "膜材配套项目（签约）" in page
    assert "阶段变更为“签约”" in page and "签约转为项目：膜材配套项目（签约）" in page
    assert client.get(url).status_code == 302  # signed: no second project


def test_sign_form_errors_keep_the_lead(login_as, lead, personas):
    response = login_as("liaison").post(
        reverse("leads:sign", args=[lead.pk]),
        {"expected_stage": "new", "name": "x", "region": "", "kind": "new", "level": "general", "on": "2026年11月1日"},
    )
    assert response.status_code == 400 and "请选择项目所在地区" in response.content.decode()
    response = login_as("liaison").post(
        reverse("leads:sign", args=[lead.pk]),
        {
            "expected_stage": "new",
            "name": "x",
            "region": personas.ours.region.pk,
            "kind": "new",
            "level": "general",
            "on": "2026-11-01",
            "enterprise": "并不存在的企业",
        },
    )
    assert response.status_code == 400 and "未找到企业" in response.content.decode()
    lead.refresh_from_db()
    assert lead.stage == LeadStage.NEW and lead.project is None and not Project.objects.filter(name="x").exists()


def test_sign_after_someone_else_abandoned_is_409(login_as, lead, personas, today):
    services.lead_abandon(lead=lead, reason="重复登记", on=today, actor=personas.chief)
    response = login_as("liaison").post(
        reverse("leads:sign", args=[lead.pk]),
        {
            "expected_stage": "new",
            "name": "x",
            "region": personas.ours.region.pk,
            "kind": "new",
            "level": "general",
            "on": today.isoformat(),
        },
    )
    assert response.status_code in (302, 409)  # the form is not offered any more; a stale post gets a 409 or back
    assert not Project.objects.filter(name="x").exists()
    assert Lead.objects.get(pk=lead.pk).stage == LeadStage.ABANDONED


def test_follow_up_form(login_as, lead, today):
    client = login_as("liaison")
    url = reverse("leads:follow_up", args=[lead.pk])
    response = client.post(url, {"followed_on": today.isoformat(), "notes": "", "next_action": "考察"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "请填写跟进情况" in page and 'value="考察"' in page  # the form keeps what was typed
    response = client.post(
        url,
        {
            "followed_on": "2026年11月20日",
            "notes": "投资方确认来测试甲区考察",
            "next_action": "接待考察",
            "next_action_on": (today + dt.timedelta(days=2)).isoformat(),
        },
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.next_action == "接待考察" and lead.last_follow_up_on == dt.date(2026, 11, 20)


def test_create_and_edit(login_as, personas):
    client = login_as("member")
    ours_ent, node = personas.ours.enterprise, personas.ours.node  # 测试甲企业有限公司, on 测试甲链环节
    data = {
        "title": "新型透析耗材项目",
        "source": "referral",
        "referrer": "测试甲企业",  # a unique part of the name is enough
        "investor": "苏州某医疗器械有限公司",
        "chain": personas.ours.chain.pk,
        "node": node.pk,
        "region": personas.ours.region.pk,
        "estimated_investment": "3.2亿",
        "owner": personas.liaison.pk,
        "description": "甲企引荐的上游客户",
    }
    bad = client.post(reverse("leads:create"), {**data, "referrer": ""})
    assert bad.status_code == 400 and "以商引商线索须填写引荐企业" in bad.content.decode()
    assert not Lead.objects.filter(title="新型透析耗材项目").exists()
    response = client.post(reverse("leads:create"), data)
    assert response.status_code == 302
    lead = Lead.objects.get(title="新型透析耗材项目")
    assert lead.referrer == ours_ent and lead.estimated_investment == Decimal("32000") and lead.node == node
    assert lead.owner == personas.liaison and lead.created_by == personas.member
    assert lead.chain == personas.ours.chain and lead.region == personas.ours.region
    edit_url = reverse("leads:edit", args=[lead.pk])
    form = client.get(edit_url).content.decode()
    assert 'value="测试甲企业有限公司"' in form
    response = client.post(edit_url, {**data, "referrer": ours_ent.uscc, "title": "新型透析耗材项目（一期）"})
    assert response.status_code == 302
    assert Lead.objects.get(pk=lead.pk).title == "新型透析耗材项目（一期）"


def test_create_refused_for_read_only_roles(login_as):
    assert login_as("district").get(reverse("leads:create")).status_code == 403
    assert login_as("handler").get(reverse("leads:create")).status_code == 403
    page = login_as("liaison").get(reverse("leads:create")).content.decode()
    assert "挂钩服务专员登记的线索由本人跟进" in page
    assert "leads/lead_form.js" in page and 'data-source-field="referral"' in page  # origin fields follow the source


def test_queue_page(login_as, make_lead, personas, today):
    soon = make_lead(title="近期要跟进")
    services.follow_up_add(
        lead=soon,
        followed_on=today - dt.timedelta(days=5),
        notes="x",
        next_action="回访",
        next_action_on=today - dt.timedelta(days=1),
        actor=personas.liaison,
    )
    later = make_lead(title="下月再说")
    services.follow_up_add(
        lead=later,
        followed_on=today,
        notes="x",
        next_action="回访",
        next_action_on=today + dt.timedelta(days=30),
        actor=personas.liaison,
    )
    page = login_as("liaison").get(reverse("leads:queue")).content.decode()
    assert "近期要跟进" in page and "逾期" in page and "下月再说" not in page
    assert "近期要跟进" not in login_as("member").get(reverse("leads:queue")).content.decode()
    assert login_as("ent_user").get(reverse("leads:queue")).status_code == 403


def test_list_filters_and_sort(login_as, make_lead, personas, today):
    """Our chief sees our chain's leads: the three recorded here and the world's own open lead (2 亿元
    estimated, owned by the chief, from a talent, on 测试甲链环节 in 测试甲区)."""
    world = personas.ours.lead.title
    a = make_lead(title="甲项目", estimated_investment=Decimal("100"))
    b = make_lead(
        title="乙项目",
        estimated_investment=Decimal("900"),
        investor="北京某药业",
        source="referral",
        referrer=personas.ours.enterprise,
        owner=personas.member,
    )
    c = make_lead(title="丙项目", estimated_investment=None, region=None)
    services.lead_abandon(lead=c, reason="x", on=today, actor=personas.chief)
    client = login_as("chief")

    def titles(**params) -> list[str]:  # noqa: ANN003
        page = client.get(reverse("leads:list"), params)
        assert page.status_code == 200
        return [lead.title for lead in page.context["page_obj"].object_list]

    assert titles(q="北京") == ["乙项目"]
    assert titles(source="referral") == ["乙项目"]
    assert titles(owner=personas.member.pk) == ["乙项目"]
    assert set(titles(stage="open")) == {"甲项目", "乙项目", world}
    assert titles(stage="abandoned") == ["丙项目"]
    assert set(titles(region=personas.ours.region.pk)) == {"甲项目", "乙项目", world}
    assert set(titles(region=personas.city.pk)) == {"甲项目", "乙项目", world}  # the city takes in its districts
    assert titles(region=personas.theirs.region.pk) == []
    assert titles(sort="investment") == ["甲项目", "乙项目", world, "丙项目"]  # empty amounts last
    assert titles(sort="-investment") == [world, "乙项目", "甲项目", "丙项目"]
    assert set(titles(chain=personas.ours.chain.pk, node=personas.ours.node.pk)) == {
        "甲项目",
        "乙项目",
        "丙项目",
        world,
    }
    assert titles(q="不存在") == []
    assert a.pk and b.pk


def test_list_query_count_is_pinned(login_as, make_lead, personas, django_assert_max_num_queries):
    for i in range(60):
        make_lead(title=f"线索{i:02d}", owner=personas.member if i % 2 else personas.liaison)
    client = login_as("chief")
    client.get(reverse("leads:list"))  # warm-up: session, content types
    with django_assert_max_num_queries(6):
        response = client.get(reverse("leads:list"), {"sort": "-investment", "stage": "open", "node": ""})
    assert response.status_code == 200 and len(response.context["page_obj"].object_list) == 50


def test_export_is_the_filtered_list(login_as, make_lead, personas):
    make_lead(title="导出甲", source="referral", referrer=personas.ours.enterprise)
    make_lead(title="导出乙")
    make_lead(title="其他")
    response = login_as("chief").get(reverse("leads:export"), {"q": "导出", "sort": "title"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [r for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "招商线索台账" and "共 2 条" in rows[1][0] and "q=" in rows[2][0]
    header = rows[3]
    assert header[0] == "线索名称" and "预计投资(万元)" in header
    body = [r for r in rows[4:] if r and r[0]]
    assert [r[0] for r in body] == ["导出乙", "导出甲"]
    assert body[1][2] == "测试甲企业有限公司" and body[1][6] == 12000
    line = AuditLog.objects.filter(action=AuditAction.EXPORT).latest("pk")
    assert "招商线索导出 2 条" in line.message and line.actor == personas.chief
    assert login_as("x_liaison").get(reverse("leads:export")).status_code == 200  # own leads only: none here


def test_enterprise_tab(login_as, make_lead, personas):
    ours_ent = personas.ours.enterprise  # served by p_liaison; p_ent_user is its enterprise user
    make_lead(title="甲企引荐", source="referral", referrer=ours_ent)
    url = reverse("leads:enterprise_tab", args=[ours_ent.pk])
    fragment = login_as("chief").get(url, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert "甲企引荐" in html and "<html" not in html and "1.20 亿元" in html
    full = login_as("chief").get(url).content.decode()
    assert "<html" in full and "甲企引荐" in full
    assert "甲企引荐" in login_as("liaison").get(url).content.decode()  # owner liaison of the lead
    own = login_as("ent_user").get(url, HTTP_HX_REQUEST="true")
    assert own.status_code == 200 and "甲企引荐" not in own.content.decode()
    assert "仅服务人员可见" in own.content.decode()
    assert login_as("x_liaison").get(url).status_code == 404  # may not see the enterprise
    assert login_as("handler").get(url).status_code == 403


def test_talent_tab(login_as, make_lead, talent):
    make_lead(title="顾总带来的冲洗器项目", source="talent", talent=talent)
    url = reverse("leads:talent_tab", args=[talent.pk])
    html = login_as("member").get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "顾总带来的冲洗器项目" in html and "<html" not in html
    assert "<html" in login_as("member").get(url).content.decode()
    other = login_as("x_liaison").get(url).content.decode()  # sees the talent, not this lead
    assert "顾总带来的冲洗器项目" not in other and "暂无该能人引荐的线索" in other
    assert login_as("x_district").get(url).status_code == 404  # the talent has no ties to 测试乙区
    assert login_as("ent_user").get(url).status_code == 403
    assert login_as("member").get(reverse("leads:talent_tab", args=[999999])).status_code == 404


def test_queue_card_fragment(login_as, make_lead, personas, today):
    lead = make_lead()
    services.follow_up_add(
        lead=lead,
        followed_on=today - dt.timedelta(days=5),
        notes="x",
        next_action="回访",
        next_action_on=today - dt.timedelta(days=1),
        actor=personas.liaison,
    )
    make_lead(title="未安排")
    url = reverse("leads:queue_card")
    html = login_as("liaison").get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "7 天内到期 1 条" in html and "逾期 1" in html and "未安排下一步 1" in html
    assert login_as("liaison").get(url)["Location"] == reverse("leads:queue")
    assert login_as("ent_user").get(url, HTTP_HX_REQUEST="true").status_code == 403


def test_sign_refused_by_a_project_rule_shows_it(login_as, make_lead, personas):
    """The referring enterprise cannot be the project's owner (a project rule on a field this form lacks)."""
    ours_ent = personas.ours.enterprise
    lead = make_lead(source=LeadSource.REFERRAL, referrer=ours_ent)
    response = login_as("chief").post(
        reverse("leads:sign", args=[lead.pk]),
        {
            "expected_stage": "new",
            "name": "自引项目",
            "enterprise": ours_ent.uscc,
            "region": personas.ours.region.pk,
            "kind": "new",
            "level": "general",
            "planned_investment": "5000",
            "on": "2026-11-20",
        },
    )
    assert response.status_code == 400
    assert 'data-testid="form-errors"' in response.content.decode()
    lead.refresh_from_db()
    assert lead.stage == LeadStage.NEW and not Project.objects.filter(name="自引项目").exists()


def test_owner_edits_a_lead_referred_from_outside_their_scope(login_as, make_lead, personas):
    """The member records a referral by an enterprise the liaison does not serve; the liaison (owner) can still
    save it."""
    outside = factories.outside_enterprise(personas)
    assert not Enterprise.objects.visible_to(personas.liaison).filter(pk=outside.pk).exists()
    lead = make_lead(actor=personas.member, source=LeadSource.REFERRAL, referrer=outside)
    client = login_as("liaison")
    url = reverse("leads:edit", args=[lead.pk])
    form = client.get(url)
    assert form.status_code == 200
    data = {k: v for k, v in form.context["form"].initial.items() if v is not None}
    data.update(title="改过的名称", referrer=factories.OUTSIDE, estimated_investment="12000")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    lead.refresh_from_db()
    assert lead.title == "改过的名称" and lead.referrer == outside


def test_chain_map_has_the_leads_column(login_as, make_lead, personas):
    make_lead()
    page = login_as("chief").get(reverse("chains:map", args=[personas.ours.chain.pk]))
    assert page.status_code == 200 and "线索(条)" in page.content.decode()


def test_enterprise_suggestions(login_as):
    url = reverse("leads:enterprise_suggest")
    html = login_as("chief").get(url, {"referrer": "甲企业"}, HTTP_HX_REQUEST="true").content.decode()
    assert '<option value="测试甲企业有限公司">' in html
    assert "<option" not in login_as("chief").get(url, {"referrer": "甲"}).content.decode()  # two characters
    assert "<option" not in login_as("x_liaison").get(url, {"enterprise": "甲企业"}).content.decode()  # not theirs
    theirs = login_as("x_liaison").get(url, {"enterprise": "乙企业"}).content.decode()
    assert '<option value="测试乙企业有限公司">' in theirs  # their own enterprise is offered
    assert login_as("ent_user").get(url, {"q": "甲企业"}).status_code == 403
    form = login_as("chief").get(reverse("leads:create")).content.decode()
    assert 'list="referrer-options"' in form and 'hx-get="/leads/enterprises/suggest/"' in form
