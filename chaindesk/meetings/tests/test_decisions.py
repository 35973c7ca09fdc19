"""A meeting's decisions (议定事项): numbering, correction, deletion, the intake of a demand from a decision
(channel 会议决定, at most once, only by the chain's team), and the meeting page with its decisions.

On the fixed personas (chaindesk/testkit/personas.py): the member (TEAM) and the chief are on 测试甲链's team;
x_chief is the chief of another chain (测试乙链); the liaison (who attends) and the district admin (of 测试甲区,
where the meeting is held) see the meeting but only read it; ent_user is our enterprise's user; the handler
(测试甲局) neither attends nor is on the team."""

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from chaindesk.accounts.models import Department, User
from chaindesk.core.actors import FIXTURES
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.core.services import audited_create
from chaindesk.demands.choices import Channel, DemandStatus, Urgency
from chaindesk.demands.models import Category, Demand
from chaindesk.meetings import services
from chaindesk.meetings.models import Decision, Meeting, MeetingKind
from chaindesk.testkit.personas import Personas

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too

TEAM = "member"
TITLE = "测试甲链服务团队专题会"
LAND_TEXT = "协调解决测试甲链企业项目新增用地指标\n明确供地时序，两周内反馈。"


def _user(personas: Personas, key: str) -> User:
    user = personas.user(key)
    assert user is not None, key
    return user


def _client(personas: Personas, key: str) -> Client:
    client = Client()
    client.force_login(_user(personas, key))
    return client


@pytest.fixture
def team(personas: Personas) -> User:
    return personas.member


@pytest.fixture
def meeting(personas: Personas) -> Meeting:
    """A fresh 测试甲链 meeting without decisions, attended by the team and our liaison, held in 测试甲区."""
    return audited_create(
        model=Meeting,
        actor=FIXTURES,
        chain=personas.ours.chain,
        title=TITLE,
        kind=MeetingKind.REGULAR,
        held_on=personas.today - dt.timedelta(days=5),
        region=personas.ours.region,
        leader=personas.chief,
        attendees=[personas.chief, personas.member, personas.liaison],
    )


@pytest.fixture
def other_meeting(personas: Personas) -> Meeting:
    """A fresh meeting of 测试乙链, whose team the in-scope personas are not on."""
    return audited_create(
        model=Meeting,
        actor=FIXTURES,
        chain=personas.theirs.chain,
        title="测试乙链服务团队工作例会",
        held_on=personas.today - dt.timedelta(days=7),
        leader=personas.x_chief,
    )


@pytest.fixture
def land(personas: Personas) -> Category:
    return personas.category


@pytest.fixture
def decision(meeting: Meeting, personas: Personas, team: User) -> Decision:
    return services.decision_add(
        actor=team,
        meeting=meeting,
        content=LAND_TEXT,
        enterprise=personas.ours.enterprise,
        departments=[personas.ours.department],
        working_days=10,
    )


def _convert(decision: Decision, actor: User, land: Category, **kw: Any) -> Demand:
    return services.decision_to_demand(
        actor=actor,
        decision=decision,
        title=kw.pop("title", "测试项目新增用地指标"),
        description=kw.pop("description", LAND_TEXT),
        category=land,
        urgency=kw.pop("urgency", Urgency.URGENT),
        **kw,
    )


# --- services ----------------------------------------------------------------------------------------------


def test_add_numbers_decisions_within_their_meeting(
    meeting: Meeting, other_meeting: Meeting, personas: Personas, team: User
) -> None:
    first = services.decision_add(actor=team, meeting=meeting, content="  建立一对一跟踪服务机制  ")
    second = services.decision_add(
        actor=personas.chief, meeting=meeting, content="用地指标", enterprise=personas.ours.enterprise
    )
    elsewhere = services.decision_add(actor=personas.x_chief, meeting=other_meeting, content="船舶配套")
    assert (first.seq, second.seq, elsewhere.seq) == (1, 2, 1)
    assert first.content == "建立一对一跟踪服务机制" and first.enterprise is None and first.created_by == team
    assert list(meeting.decisions.values_list("seq", flat=True)) == [1, 2]
    assert AuditLog.objects.filter(
        action=AuditAction.CREATE, content_type__model="decision", object_id=str(second.pk)
    ).exists()
    services.decision_delete(actor=team, decision=second)
    assert services.decision_add(actor=team, meeting=meeting, content="第三项").seq == 2  # max + 1


def test_add_refuses_bad_input_and_changes_nothing(meeting: Meeting, personas: Personas, team: User) -> None:
    with pytest.raises(ValidationError) as empty:
        services.decision_add(actor=team, meeting=meeting, content="   ")
    assert empty.value.message_dict == {"content": ["请填写议定内容。"]}
    foreign_firm = personas.theirs.enterprise  # on 测试乙链 only
    with pytest.raises(ValidationError) as foreign:
        services.decision_add(actor=team, meeting=meeting, content="某事项", enterprise=foreign_firm)
    assert foreign.value.message_dict["enterprise"] == ["涉及企业须为测试甲链产业链的企业。"]
    dept = personas.ours.department
    Department.objects.filter(pk=dept.pk).update(is_active=False)
    dept.refresh_from_db()
    with pytest.raises(ValidationError) as inactive:
        services.decision_add(actor=team, meeting=meeting, content="某事项", departments=[dept])
    assert "departments" in inactive.value.message_dict
    assert not meeting.decisions.exists()


def test_update_changes_content_enterprise_and_department(decision: Decision, personas: Personas) -> None:
    ent2, dept_b = personas.ent2, personas.theirs.department
    services.decision_update(
        actor=personas.chief,
        decision=decision,
        content="改为二号企业的事项",
        enterprise=ent2,
        departments=[dept_b],
        working_days=10,
    )
    decision.refresh_from_db()
    departments = [r.department for r in decision.responsible.all()]
    assert (decision.content, decision.enterprise, departments, decision.seq) == (
        "改为二号企业的事项",
        ent2,
        [dept_b],
        1,
    )
    line = AuditLog.objects.filter(action=AuditAction.UPDATE, content_type__model="decision").latest("pk")
    assert line.after == {"content": "改为二号企业的事项", "enterprise": ent2.pk, "departments": [dept_b.pk]}


def test_conversion_creates_a_meeting_demand_with_its_source(
    decision: Decision, personas: Personas, team: User, land: Category
) -> None:
    project = personas.ours.project
    demand = _convert(decision, team, land, project=project)
    assert demand.channel == Channel.MEETING and demand.enterprise == personas.ours.enterprise
    assert demand.project == project and demand.category == land
    assert demand.status == DemandStatus.SUBMITTED and demand.submitted_by == team
    assert (demand.title, demand.description, demand.urgency) == ("测试项目新增用地指标", LAND_TEXT, "urgent")
    assert demand.source_label == f"《{TITLE}》议定事项 1"
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
    decision: Decision, personas: Personas, team: User, land: Category
) -> None:
    stale = Decision.objects.get(pk=decision.pk)  # a second page opened before the first conversion
    demand = _convert(decision, team, land)
    before = Demand.objects.count()
    with pytest.raises(ValidationError, match="该议定事项已转为诉求"):  # seen as converted
        _convert(decision, personas.chief, land)
    with pytest.raises(ValidationError, match="该议定事项已转为诉求"):  # compare-and-set: rolled back
        _convert(stale, personas.chief, land, title="重复提交")
    assert Demand.objects.count() == before
    assert not Demand.objects.filter(title="重复提交").exists()
    assert Demand.objects.filter(source_url__endswith=f"/meetings/{decision.meeting_id}/#decision-1").get() == demand
    assert Decision.objects.get(pk=decision.pk).demand == demand


def test_conversion_needs_an_enterprise(meeting: Meeting, team: User, land: Category) -> None:
    bare = services.decision_add(actor=team, meeting=meeting, content="建立一对一跟踪服务机制")
    before = Demand.objects.count()
    with pytest.raises(ValidationError, match="请先指定该议定事项涉及的企业"):
        _convert(bare, team, land)
    assert Demand.objects.count() == before
    bare.refresh_from_db()
    assert bare.demand is None


def test_a_converted_decision_cannot_be_deleted_nor_change_enterprise(
    decision: Decision, personas: Personas, team: User, land: Category
) -> None:
    _convert(decision, team, land)
    with pytest.raises(ValidationError, match="该议定事项已转为诉求，不能删除"):
        services.decision_delete(actor=team, decision=decision)
    with pytest.raises(ValidationError) as moved:
        services.decision_update(actor=team, decision=decision, content=decision.content, enterprise=personas.ent2)
    assert moved.value.message_dict == {"enterprise": ["该议定事项已转为诉求，不能更改涉及企业。"]}
    services.decision_update(
        actor=team, decision=decision, content="补充：两周内反馈。", enterprise=personas.ours.enterprise
    )
    decision.refresh_from_db()
    assert decision.content == "补充：两周内反馈。" and decision.demand is not None
    assert decision.enterprise == personas.ours.enterprise


def test_delete_is_audited(decision: Decision, team: User) -> None:
    pk = decision.pk
    services.decision_delete(actor=team, decision=decision)
    assert not Decision.objects.filter(pk=pk).exists()
    line = AuditLog.objects.get(action=AuditAction.DELETE, content_type__model="decision", object_id=str(pk))
    assert line.before is not None and line.before["content"] == LAND_TEXT


@pytest.mark.parametrize("key", ["liaison", "district", "ent_user", "x_chief", "handler"])
def test_only_the_chains_team_writes(
    key: str, meeting: Meeting, decision: Decision, personas: Personas, land: Category
) -> None:
    """A liaison and a district admin who see the meeting, the enterprise's own user, the chief of another
    chain and a department handler are all refused, and nothing changes."""
    user = _user(personas, key)
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


def test_visible_to_follows_the_meeting(decision: Decision, other_meeting: Meeting, personas: Personas) -> None:
    foreign = services.decision_add(actor=personas.x_chief, meeting=other_meeting, content="船舶配套")
    for key, sees_ours in [("chief", True), ("liaison", True), ("district", True), ("x_chief", False)]:
        visible = set(Decision.objects.visible_to(_user(personas, key)).values_list("pk", flat=True))
        assert (decision.pk in visible) is sees_ours, key
        assert (foreign.pk in visible) is (key == "x_chief"), key
    assert not Decision.objects.visible_to(personas.ent_user).exists()


# --- pages -------------------------------------------------------------------------------------------------


def test_team_adds_a_decision_from_the_meeting_page(personas: Personas, meeting: Meeting) -> None:
    enterprise, dept = personas.ours.enterprise, personas.ours.department
    client = _client(personas, TEAM)
    url = reverse("meetings:detail", args=[meeting.pk])
    page = client.get(url).content.decode()
    assert "暂无议定事项。" in page and 'data-testid="decision-form"' in page
    response = client.post(
        reverse("meetings:decision_add", args=[meeting.pk]),
        {"content": LAND_TEXT, "enterprise": enterprise.pk, "departments": dept.pk, "working_days": 10},
    )
    assert response.status_code == 302 and response["Location"] == f"{url}#decision-1"
    decision = meeting.decisions.get()
    assert (decision.seq, decision.enterprise, decision.responsible.get().department) == (1, enterprise, dept)
    page = client.get(url).content.decode()
    assert 'id="decision-1"' in page and "已添加议定事项 1。" in page and enterprise.name in page
    assert reverse("meetings:decision_to_demand", args=[decision.pk]) in page


def test_add_with_errors_keeps_the_input_and_says_why(personas: Personas, meeting: Meeting) -> None:
    foreign = personas.theirs.enterprise  # on 测试乙链 only
    response = _client(personas, TEAM).post(
        reverse("meetings:decision_add", args=[meeting.pk]), {"content": "保留的内容", "enterprise": foreign.pk}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "请选择本产业链的企业。" in page and "保留的内容" in page and " open" in page
    assert not meeting.decisions.exists()


def test_readers_see_decisions_without_the_team_actions(
    personas: Personas, decision: Decision, team: User, land: Category
) -> None:
    demand = _convert(decision, team, land)
    url = reverse("meetings:detail", args=[decision.meeting_id])
    liaison = _client(personas, "liaison")
    page = liaison.get(url).content.decode()  # attended; our enterprise's liaison, so sees the demand
    assert 'id="decision-1"' in page and LAND_TEXT.splitlines()[0] in page
    assert reverse("demands:detail", args=[demand.pk]) in page and "已提交" in page
    assert 'data-testid="decision-form"' not in page and 'data-testid="decision-edit"' not in page
    assert (
        liaison.post(reverse("meetings:decision_add", args=[decision.meeting_id]), {"content": "越权"}).status_code
        == 403
    )
    ent_user = _client(personas, "ent_user")
    for name in ("decision_edit", "decision_delete", "decision_to_demand"):
        assert liaison.get(reverse(f"meetings:{name}", args=[decision.pk])).status_code == 403
        assert ent_user.get(reverse(f"meetings:{name}", args=[decision.pk])).status_code == 403
    assert list(decision.meeting.decisions.values_list("content", flat=True)) == [LAND_TEXT]


def test_url_guessing_another_chains_decision_is_a_404(personas: Personas, other_meeting: Meeting) -> None:
    foreign = services.decision_add(actor=personas.x_chief, meeting=other_meeting, content="船舶配套")
    client = _client(personas, "chief")
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
    personas: Personas, decision: Decision, land: Category
) -> None:
    client = _client(personas, TEAM)
    url = reverse("meetings:decision_to_demand", args=[decision.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert form.context["form"].initial == {"title": LAND_TEXT.splitlines()[0], "description": LAND_TEXT}
    assert personas.ours.enterprise.name in form.content.decode()
    response = client.post(
        url, {"title": "测试项目新增用地指标", "description": LAND_TEXT, "category": land.pk, "urgency": "urgent"}
    )
    demand = Demand.objects.get(meeting_decision=decision)
    assert response.status_code == 302 and response["Location"] == reverse("demands:detail", args=[demand.pk])
    assert demand.channel == Channel.MEETING and demand.urgency == "urgent"
    assert (demand.title, demand.category, demand.enterprise) == (
        "测试项目新增用地指标",
        land,
        personas.ours.enterprise,
    )
    page = client.get(response["Location"]).content.decode()
    assert "已转为诉求" in page and "会议决定" in page
    assert f'href="/meetings/{decision.meeting_id}/#decision-1"' in page
    assert f"《{TITLE}》议定事项 1" in page
    again = client.get(url)  # already converted: to the demand, not a second form
    assert again.status_code == 302 and again["Location"] == reverse("demands:detail", args=[demand.pk])
    meeting_page = client.get(reverse("meetings:detail", args=[decision.meeting_id])).content.decode()
    assert (
        'data-testid="decision-to-demand"' not in meeting_page and 'data-testid="decision-delete"' not in meeting_page
    )


def test_convert_form_errors_and_a_decision_without_enterprise(
    personas: Personas, meeting: Meeting, decision: Decision, team: User
) -> None:
    client = _client(personas, TEAM)
    url = reverse("meetings:decision_to_demand", args=[decision.pk])
    response = client.post(url, {"title": "", "description": LAND_TEXT, "urgency": "normal"})
    assert response.status_code == 400
    assert "请填写诉求事项。" in response.content.decode() and "请选择类别。" in response.content.decode()
    assert not Demand.objects.filter(meeting_decision=decision).exists()
    bare = services.decision_add(actor=team, meeting=meeting, content="建立一对一跟踪服务机制")
    redirect = client.get(reverse("meetings:decision_to_demand", args=[bare.pk]))
    assert redirect.status_code == 302 and redirect["Location"] == reverse("meetings:decision_edit", args=[bare.pk])


def test_edit_and_delete_with_confirmation(personas: Personas, decision: Decision) -> None:
    client = _client(personas, TEAM)
    edit = reverse("meetings:decision_edit", args=[decision.pk])
    assert client.get(edit).context["form"].initial["content"] == LAND_TEXT
    response = client.post(edit, {"content": "改后的内容", "enterprise": personas.ent2.pk, "working_days": 10})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert (decision.content, decision.enterprise, decision.responsible.count()) == ("改后的内容", personas.ent2, 0)
    delete = reverse("meetings:decision_delete", args=[decision.pk])
    confirm = client.get(delete)
    assert confirm.status_code == 200 and "确定删除议定事项 1 吗？" in confirm.content.decode()
    assert Decision.objects.filter(pk=decision.pk).exists()  # the GET only asks
    response = client.post(delete)
    assert response.status_code == 302 and not Decision.objects.filter(pk=decision.pk).exists()


def test_meeting_page_query_count_does_not_grow_with_decisions(
    personas: Personas,
    meeting: Meeting,
    team: User,
    land: Category,
    django_assert_max_num_queries: Any,
) -> None:
    enterprises = (personas.ours.enterprise, personas.ent2)
    for i in range(8):
        made = services.decision_add(
            actor=team,
            meeting=meeting,
            content=f"议定事项内容{i}",
            enterprise=enterprises[i % 2],
            departments=[personas.ours.department],
        )
        if i % 3 == 0:
            _convert(made, team, land, title=f"会议诉求{i}")
    url = reverse("meetings:detail", args=[meeting.pk])
    # session, user, meeting, team check, decisions (with enterprise, demand, whether it may be opened, status
    # and task count), their departments, attendees, attending departments/districts/enterprises (one UNION),
    # stops, speeches, attachments, the report it was read from (chaindesk.ingest's source); the team's add form
    # adds its enterprise and department choices.
    for key, limit in ((TEAM, 14), ("liaison", 11), ("district", 11)):
        client = _client(personas, key)
        client.get(url)  # warm-up: session, caches
        with django_assert_max_num_queries(limit):
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.decode().count('data-testid="decision-row"') == 8
