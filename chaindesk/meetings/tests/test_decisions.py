"""A meeting's decisions (议定事项): numbering, correction, deletion, the intake of a demand from a decision
(channel 会议决定, at most once, only by the chain's team), and the meeting page with its decisions.

Personas (chaindesk/conftest.py): wangzh and jiangdd are on the 生物医药 team; lead_equip is a chain chief of
another chain; liming (liaison) and zhoutao (district admin) see the meeting but only read it; liuyang is
江苏博生's user."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from chaindesk.accounts.models import Department, User
from chaindesk.chains.models import Chain
from chaindesk.core import clock
from chaindesk.core.actors import FIXTURES
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.core.services import audited_create
from chaindesk.demands.choices import Channel, DemandStatus, Urgency
from chaindesk.demands.models import Category, Demand
from chaindesk.demo.city import seed_day_for
from chaindesk.enterprises.models import Enterprise
from chaindesk.meetings import services
from chaindesk.meetings.models import Decision, Meeting, MeetingKind
from chaindesk.projects.models import Project

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too

BOSHEN = "江苏博生医用新材料股份有限公司"
JYZ = "江苏金扬子包装科技有限公司"
TEAM = "wangzh"
LAND_TEXT = "协调解决江苏博生医用膜材项目新增用地指标\n明确供地时序，两周内反馈。"


@pytest.fixture
def meeting(persona: Callable[[str], User]) -> Meeting:
    """A fresh 生物医药 meeting without decisions, attended by the team and the 兴化 liaison, held in 兴化."""
    chain = Chain.objects.get(code="biomed")
    seed = Meeting.objects.get(chain=chain, held_on=seed_day_for(clock.today()))
    return audited_create(
        model=Meeting,
        actor=FIXTURES,
        chain=chain,
        title="生物医药产业链服务团队专题会",
        kind=MeetingKind.REGULAR,
        held_on=clock.today() - dt.timedelta(days=5),
        region=seed.region,
        leader=persona("jiangdd"),
        attendees=[persona("jiangdd"), persona(TEAM), persona("liming")],
    )


@pytest.fixture
def other_meeting(persona: Callable[[str], User]) -> Meeting:
    """A meeting of the 高端装备 chain, whose team the 生物医药 personas are not on."""
    return audited_create(
        model=Meeting,
        actor=FIXTURES,
        chain=Chain.objects.get(code="equip"),
        title="高端装备产业链服务团队工作例会",
        held_on=dt.date(2026, 11, 18),
        leader=persona("lead_equip"),
    )


@pytest.fixture
def boshen() -> Enterprise:
    return Enterprise.objects.get(name=BOSHEN)


@pytest.fixture
def jyz() -> Enterprise:
    return Enterprise.objects.get(name=JYZ)


@pytest.fixture
def land() -> Category:
    return Category.objects.get(code="land")


@pytest.fixture
def zrzy() -> Department:
    return Department.objects.get(code="zrzy")


@pytest.fixture
def decision(meeting: Meeting, persona: Callable[[str], User], boshen: Enterprise, zrzy: Department) -> Decision:
    return services.decision_add(
        actor=persona(TEAM), meeting=meeting, content=LAND_TEXT, enterprise=boshen, department=zrzy
    )


def _convert(decision: Decision, actor: User, land: Category, **kw: Any) -> Demand:
    return services.decision_to_demand(
        actor=actor,
        decision=decision,
        title=kw.pop("title", "医用膜材项目新增用地指标"),
        description=kw.pop("description", LAND_TEXT),
        category=land,
        urgency=kw.pop("urgency", Urgency.URGENT),
        **kw,
    )


# --- services ----------------------------------------------------------------------------------------------


def test_add_numbers_decisions_within_their_meeting(
    meeting: Meeting, other_meeting: Meeting, persona: Callable[[str], User], boshen: Enterprise
) -> None:
    team = persona(TEAM)
    first = services.decision_add(actor=team, meeting=meeting, content="  建立一对一跟踪服务机制  ")
    second = services.decision_add(actor=persona("jiangdd"), meeting=meeting, content="用地指标", enterprise=boshen)
    elsewhere = services.decision_add(actor=persona("lead_equip"), meeting=other_meeting, content="船舶配套")
    assert (first.seq, second.seq, elsewhere.seq) == (1, 2, 1)
    assert first.content == "建立一对一跟踪服务机制" and first.enterprise is None and first.created_by == team
    assert list(meeting.decisions.values_list("seq", flat=True)) == [1, 2]
    assert AuditLog.objects.filter(
        action=AuditAction.CREATE, content_type__model="decision", object_id=str(second.pk)
    ).exists()
    services.decision_delete(actor=team, decision=second)
    assert services.decision_add(actor=team, meeting=meeting, content="第三项").seq == 2  # max + 1


def test_add_refuses_bad_input_and_changes_nothing(
    meeting: Meeting, persona: Callable[[str], User], zrzy: Department
) -> None:
    team = persona(TEAM)
    with pytest.raises(ValidationError) as empty:
        services.decision_add(actor=team, meeting=meeting, content="   ")
    assert empty.value.message_dict == {"content": ["请填写议定内容。"]}
    equip_firm = Enterprise.objects.filter(chains__code="equip").exclude(chains__code="biomed").first()
    assert equip_firm is not None
    with pytest.raises(ValidationError) as foreign:
        services.decision_add(actor=team, meeting=meeting, content="某事项", enterprise=equip_firm)
    assert "生物医药产业链的企业" in foreign.value.message_dict["enterprise"][0]
    Department.objects.filter(pk=zrzy.pk).update(is_active=False)
    zrzy.refresh_from_db()
    with pytest.raises(ValidationError) as inactive:
        services.decision_add(actor=team, meeting=meeting, content="某事项", department=zrzy)
    assert "department" in inactive.value.message_dict
    assert not meeting.decisions.exists()


def test_update_changes_content_enterprise_and_department(
    decision: Decision, persona: Callable[[str], User], jyz: Enterprise
) -> None:
    gxj = Department.objects.get(code="gxj")
    services.decision_update(
        actor=persona("jiangdd"), decision=decision, content="改为金扬子的事项", enterprise=jyz, department=gxj
    )
    decision.refresh_from_db()
    assert (decision.content, decision.enterprise, decision.department, decision.seq) == (
        "改为金扬子的事项",
        jyz,
        gxj,
        1,
    )
    line = AuditLog.objects.filter(action=AuditAction.UPDATE, content_type__model="decision").latest("pk")
    assert line.after == {"content": "改为金扬子的事项", "enterprise": jyz.pk, "department": gxj.pk}


def test_conversion_creates_a_meeting_demand_with_its_source(
    decision: Decision, persona: Callable[[str], User], land: Category, boshen: Enterprise
) -> None:
    team = persona(TEAM)
    project = Project.objects.filter(enterprise=boshen).first()
    assert project is not None
    demand = _convert(decision, team, land, project=project)
    assert demand.channel == Channel.MEETING and demand.enterprise == boshen and demand.project == project
    assert demand.status == DemandStatus.SUBMITTED and demand.submitted_by == team
    assert (demand.title, demand.description, demand.urgency) == ("医用膜材项目新增用地指标", LAND_TEXT, "urgent")
    assert demand.source_label == "《生物医药产业链服务团队专题会》议定事项 1"
    assert demand.source_url == f"/meetings/{decision.meeting_id}/#decision-1"
    decision.refresh_from_db()
    assert decision.demand == demand and demand.meeting_decision == decision
    assert AuditLog.objects.filter(
        action=AuditAction.UPDATE,
        content_type__model="decision",
        object_id=str(decision.pk),
        after={"demand": demand.pk},
    ).exists()


def test_second_conversion_is_refused_and_leaves_one_demand(
    decision: Decision, persona: Callable[[str], User], land: Category
) -> None:
    stale = Decision.objects.get(pk=decision.pk)  # a second page opened before the first conversion
    demand = _convert(decision, persona(TEAM), land)
    before = Demand.objects.count()
    with pytest.raises(ValidationError, match="该议定事项已转为诉求"):  # seen as converted
        _convert(decision, persona("jiangdd"), land)
    with pytest.raises(ValidationError, match="该议定事项已转为诉求"):  # compare-and-set: rolled back
        _convert(stale, persona("jiangdd"), land, title="重复提交")
    assert Demand.objects.count() == before
    assert not Demand.objects.filter(title="重复提交").exists()
    assert Demand.objects.filter(source_url__endswith=f"/meetings/{decision.meeting_id}/#decision-1").get() == demand
    assert Decision.objects.get(pk=decision.pk).demand == demand


def test_conversion_needs_an_enterprise(meeting: Meeting, persona: Callable[[str], User], land: Category) -> None:
    bare = services.decision_add(actor=persona(TEAM), meeting=meeting, content="建立一对一跟踪服务机制")
    before = Demand.objects.count()
    with pytest.raises(ValidationError, match="请先指定该议定事项涉及的企业"):
        _convert(bare, persona(TEAM), land)
    assert Demand.objects.count() == before


def test_a_converted_decision_cannot_be_deleted_nor_change_enterprise(
    decision: Decision, persona: Callable[[str], User], land: Category, jyz: Enterprise, boshen: Enterprise
) -> None:
    team = persona(TEAM)
    _convert(decision, team, land)
    with pytest.raises(ValidationError, match="该议定事项已转为诉求，不能删除"):
        services.decision_delete(actor=team, decision=decision)
    with pytest.raises(ValidationError) as moved:
        services.decision_update(actor=team, decision=decision, content=decision.content, enterprise=jyz)
    assert moved.value.message_dict == {"enterprise": ["该议定事项已转为诉求，不能更改涉及企业。"]}
    services.decision_update(actor=team, decision=decision, content="补充：两周内反馈。", enterprise=boshen)
    decision.refresh_from_db()
    assert decision.content == "补充：两周内反馈。" and decision.demand is not None


def test_delete_is_audited(decision: Decision, persona: Callable[[str], User]) -> None:
    pk = decision.pk
    services.decision_delete(actor=persona(TEAM), decision=decision)
    assert not Decision.objects.filter(pk=pk).exists()
    line = AuditLog.objects.get(action=AuditAction.DELETE, content_type__model="decision", object_id=str(pk))
    assert line.before is not None and line.before["content"] == LAND_TEXT


@pytest.mark.parametrize("username", ["liming", "zhoutao", "liuyang", "lead_equip", "chenjing"])
def test_only_the_chains_team_writes(
    username: str, meeting: Meeting, decision: Decision, persona: Callable[[str], User], land: Category
) -> None:
    """A liaison and a district admin who see the meeting, the enterprise's own user, the chief of another
    chain and a department handler are all refused, and nothing changes."""
    user = persona(username)
    before = Demand.objects.count()
    with pytest.raises(PermissionDenied):
        services.decision_add(actor=user, meeting=meeting, content="越权录入")
    with pytest.raises(PermissionDenied):
        services.decision_update(actor=user, decision=decision, content="越权修改")
    with pytest.raises(PermissionDenied):
        services.decision_delete(actor=user, decision=decision)
    with pytest.raises(PermissionDenied):
        _convert(decision, user, land)
    decision.refresh_from_db()
    assert decision.content == LAND_TEXT and decision.demand is None
    assert meeting.decisions.count() == 1 and Demand.objects.count() == before


def test_visible_to_follows_the_meeting(
    decision: Decision, other_meeting: Meeting, persona: Callable[[str], User]
) -> None:
    foreign = services.decision_add(actor=persona("lead_equip"), meeting=other_meeting, content="船舶配套")
    for username, sees_ours in [("jiangdd", True), ("liming", True), ("zhoutao", True), ("lead_equip", False)]:
        visible = set(Decision.objects.visible_to(persona(username)).values_list("pk", flat=True))
        assert (decision.pk in visible) is sees_ours, username
        assert (foreign.pk in visible) is (username == "lead_equip"), username
    assert not Decision.objects.visible_to(persona("liuyang")).exists()


# --- pages -------------------------------------------------------------------------------------------------


def test_team_adds_a_decision_from_the_meeting_page(
    client_as: Callable[[str], Any], meeting: Meeting, boshen: Enterprise, zrzy: Department
) -> None:
    client = client_as(TEAM)
    url = reverse("meetings:detail", args=[meeting.pk])
    page = client.get(url).content.decode()
    assert "暂无议定事项。" in page and 'data-testid="decision-form"' in page
    response = client.post(
        reverse("meetings:decision_add", args=[meeting.pk]),
        {"content": LAND_TEXT, "enterprise": boshen.pk, "department": zrzy.pk},
    )
    assert response.status_code == 302 and response["Location"] == f"{url}#decision-1"
    decision = meeting.decisions.get()
    assert (decision.seq, decision.enterprise, decision.department) == (1, boshen, zrzy)
    page = client.get(url).content.decode()
    assert 'id="decision-1"' in page and "已添加议定事项 1。" in page and BOSHEN in page
    assert reverse("meetings:decision_to_demand", args=[decision.pk]) in page


def test_add_with_errors_keeps_the_input_and_says_why(client_as: Callable[[str], Any], meeting: Meeting) -> None:
    foreign = Enterprise.objects.filter(chains__code="equip").exclude(chains__code="biomed").first()
    assert foreign is not None
    response = client_as(TEAM).post(
        reverse("meetings:decision_add", args=[meeting.pk]), {"content": "保留的内容", "enterprise": foreign.pk}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "请选择本产业链的企业。" in page and "保留的内容" in page and " open" in page
    assert not meeting.decisions.exists()


def test_readers_see_decisions_without_the_team_actions(
    client_as: Callable[[str], Any], decision: Decision, persona: Callable[[str], User], land: Category
) -> None:
    demand = _convert(decision, persona(TEAM), land)
    url = reverse("meetings:detail", args=[decision.meeting_id])
    page = client_as("liming").get(url).content.decode()  # attended; 江苏博生's liaison, so sees the demand
    assert 'id="decision-1"' in page and LAND_TEXT.splitlines()[0] in page
    assert reverse("demands:detail", args=[demand.pk]) in page and "已提交" in page
    assert 'data-testid="decision-form"' not in page and 'data-testid="decision-edit"' not in page
    assert (
        client_as("liming")
        .post(reverse("meetings:decision_add", args=[decision.meeting_id]), {"content": "越权"})
        .status_code
        == 403
    )
    for name in ("decision_edit", "decision_delete", "decision_to_demand"):
        assert client_as("liming").get(reverse(f"meetings:{name}", args=[decision.pk])).status_code == 403
        assert client_as("liuyang").get(reverse(f"meetings:{name}", args=[decision.pk])).status_code == 403


def test_url_guessing_another_chains_decision_is_a_404(
    client_as: Callable[[str], Any], other_meeting: Meeting, persona: Callable[[str], User]
) -> None:
    foreign = services.decision_add(actor=persona("lead_equip"), meeting=other_meeting, content="船舶配套")
    client = client_as("jiangdd")
    for name in ("decision_edit", "decision_delete", "decision_to_demand"):
        url = reverse(f"meetings:{name}", args=[foreign.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"content": "x", "title": "x", "description": "x"}).status_code == 404
    add = client.post(reverse("meetings:decision_add", args=[other_meeting.pk]), {"content": "越界录入"})
    assert add.status_code == 404
    assert list(other_meeting.decisions.values_list("content", flat=True)) == ["船舶配套"]
    assert AuditLog.objects.filter(
        action=AuditAction.PERMISSION_DENIED, content_type__model="decision", object_id=str(foreign.pk)
    ).exists()


def test_convert_form_is_prefilled_and_redirects_to_the_demand(
    client_as: Callable[[str], Any], decision: Decision, land: Category
) -> None:
    client = client_as(TEAM)
    url = reverse("meetings:decision_to_demand", args=[decision.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert form.context["form"].initial == {"title": LAND_TEXT.splitlines()[0], "description": LAND_TEXT}
    assert BOSHEN in form.content.decode()
    response = client.post(
        url, {"title": "医用膜材项目新增用地指标", "description": LAND_TEXT, "category": land.pk, "urgency": "urgent"}
    )
    demand = Demand.objects.get(meeting_decision=decision)
    assert response.status_code == 302 and response["Location"] == reverse("demands:detail", args=[demand.pk])
    assert demand.channel == Channel.MEETING and demand.urgency == "urgent"
    page = client.get(response["Location"]).content.decode()
    assert "已转为诉求" in page and "会议决定" in page
    assert f'href="/meetings/{decision.meeting_id}/#decision-1"' in page
    assert "《生物医药产业链服务团队专题会》议定事项 1" in page
    again = client.get(url)  # already converted: to the demand, not a second form
    assert again.status_code == 302 and again["Location"] == reverse("demands:detail", args=[demand.pk])
    meeting_page = client.get(reverse("meetings:detail", args=[decision.meeting_id])).content.decode()
    assert (
        'data-testid="decision-to-demand"' not in meeting_page and 'data-testid="decision-delete"' not in meeting_page
    )


def test_convert_form_errors_and_a_decision_without_enterprise(
    client_as: Callable[[str], Any], meeting: Meeting, decision: Decision, persona: Callable[[str], User]
) -> None:
    client = client_as(TEAM)
    url = reverse("meetings:decision_to_demand", args=[decision.pk])
    response = client.post(url, {"title": "", "description": LAND_TEXT, "urgency": "normal"})
    assert response.status_code == 400
    assert "请填写诉求事项。" in response.content.decode() and "请选择类别。" in response.content.decode()
    assert not Demand.objects.filter(meeting_decision=decision).exists()
    bare = services.decision_add(actor=persona(TEAM), meeting=meeting, content="建立一对一跟踪服务机制")
    redirect = client.get(reverse("meetings:decision_to_demand", args=[bare.pk]))
    assert redirect.status_code == 302 and redirect["Location"] == reverse("meetings:decision_edit", args=[bare.pk])


def test_edit_and_delete_with_confirmation(
    client_as: Callable[[str], Any], decision: Decision, jyz: Enterprise
) -> None:
    client = client_as(TEAM)
    edit = reverse("meetings:decision_edit", args=[decision.pk])
    assert client.get(edit).context["form"].initial["content"] == LAND_TEXT
    response = client.post(edit, {"content": "改后的内容", "enterprise": jyz.pk, "department": ""})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert (decision.content, decision.enterprise, decision.department) == ("改后的内容", jyz, None)
    delete = reverse("meetings:decision_delete", args=[decision.pk])
    confirm = client.get(delete)
    assert confirm.status_code == 200 and "确定删除议定事项 1 吗？" in confirm.content.decode()
    assert Decision.objects.filter(pk=decision.pk).exists()  # the GET only asks
    response = client.post(delete)
    assert response.status_code == 302 and not Decision.objects.filter(pk=decision.pk).exists()


def test_meeting_page_query_count_does_not_grow_with_decisions(
    client_as: Callable[[str], Any],
    meeting: Meeting,
    persona: Callable[[str], User],
    boshen: Enterprise,
    jyz: Enterprise,
    zrzy: Department,
    land: Category,
    django_assert_max_num_queries: Any,
) -> None:
    team = persona(TEAM)
    for i in range(8):
        made = services.decision_add(
            actor=team, meeting=meeting, content=f"议定事项内容{i}", enterprise=(boshen, jyz)[i % 2], department=zrzy
        )
        if i % 3 == 0:
            _convert(made, team, land, title=f"会议诉求{i}")
    url = reverse("meetings:detail", args=[meeting.pk])
    # session, user, meeting, team check, decisions (with enterprise, department, demand), visible demands,
    # attendees; the team's add form adds its enterprise and department choices.
    for username, limit in (("wangzh", 9), ("liming", 6), ("zhoutao", 6)):
        client = client_as(username)
        client.get(url)  # warm-up: session, caches
        with django_assert_max_num_queries(limit):
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.decode().count('data-testid="decision-row"') == 8
