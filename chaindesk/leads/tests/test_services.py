"""Lead services: every ordered pair of stages legal or refused (from choices.TRANSITIONS), the compare-and-set
409, abandon and sign, follow-ups keeping the next action, source rules and who may write."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chaindesk.chains.extensions import node_counters
from chaindesk.chains.models import Chain
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.enterprises.models import Enterprise
from chaindesk.leads import selectors, services
from chaindesk.leads.choices import OPEN, TRANSITIONS, LeadSource, LeadStage
from chaindesk.leads.models import Lead, LeadFollowUp
from chaindesk.projects.models import Project

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # clock: depends on today, CI runs it under other clocks too

PAIRS = list(itertools.product(LeadStage.values, LeadStage.values))


def _at(lead: Lead, stage: str) -> Lead:
    """Put a test lead straight into `stage` (set-up only: real changes go through the services)."""
    Lead.objects.filter(pk=lead.pk).update(stage=stage, stage_changed_on=None)
    lead.refresh_from_db()
    return lead


def _move(lead: Lead, to_stage: str, actor, on: dt.date):  # noqa: ANN001, ANN202
    if to_stage == LeadStage.SIGNED:
        return services.lead_sign(lead=lead, actor=actor, on=on)
    if to_stage == LeadStage.ABANDONED:
        return services.lead_abandon(lead=lead, reason="投资方战略调整", on=on, actor=actor)
    return services.lead_advance(lead=lead, to_stage=to_stage, on=on, actor=actor)


@pytest.mark.parametrize(("frm", "to"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_pair_of_stages(make_lead, persona, today, frm, to):
    lead = _at(make_lead(), frm)
    actor = persona("jiangdd")
    if to in TRANSITIONS[frm]:
        _move(lead, to, actor, today)
        lead.refresh_from_db()
        assert lead.stage == to and lead.stage_changed_on == today
        line = AuditLog.objects.for_object(lead).filter(action=AuditAction.TRANSITION).get()
        assert line.before["stage"] == frm and line.after["stage"] == to
    else:
        with pytest.raises(ValidationError):
            _move(lead, to, actor, today)
        lead.refresh_from_db()
        assert lead.stage == frm
        assert not AuditLog.objects.for_object(lead).filter(action=AuditAction.TRANSITION).exists()
        assert not Project.objects.filter(lead=lead).exists()


def test_transitions_map_is_what_the_issue_says():
    assert TRANSITIONS[LeadStage.NEW] >= {LeadStage.CONTACTED, LeadStage.ABANDONED}
    assert TRANSITIONS[LeadStage.NEGOTIATING] == {LeadStage.SIGNED, LeadStage.ABANDONED}
    assert TRANSITIONS[LeadStage.SIGNED] == TRANSITIONS[LeadStage.ABANDONED] == frozenset()
    assert all(LeadStage.ABANDONED in TRANSITIONS[s] for s in OPEN)


@pytest.mark.parametrize("to", [LeadStage.SIGNED, LeadStage.ABANDONED])
def test_advance_does_not_sign_or_abandon(make_lead, persona, today, to):
    lead = _at(make_lead(), LeadStage.NEGOTIATING)
    with pytest.raises(ValidationError):
        services.lead_advance(lead=lead, to_stage=to, on=today, actor=persona("jiangdd"))
    lead.refresh_from_db()
    assert lead.stage == LeadStage.NEGOTIATING and lead.project is None


def test_stale_expected_stage_is_409_and_changes_nothing(make_lead, persona, today):
    lead = make_lead()
    services.lead_advance(lead=lead, to_stage=LeadStage.CONTACTED, on=today, actor=persona("liming"))
    other = Lead.objects.get(pk=lead.pk)
    with pytest.raises(InvalidTransition) as exc:
        services.lead_advance(
            lead=other, to_stage=LeadStage.INSPECTED, on=today, actor=persona("wangzh"), expected_stage=LeadStage.NEW
        )
    assert "接洽" in str(exc.value) and "刷新" in str(exc.value)
    other.refresh_from_db()
    assert other.stage == LeadStage.CONTACTED
    assert AuditLog.objects.for_object(lead).filter(action=AuditAction.TRANSITION).count() == 1


def test_stale_instance_loses_the_race(make_lead, persona, today):
    """Two people loaded the lead at 新线索; the first moves it, the second's instance is stale: 409."""
    lead = make_lead()
    first, second = Lead.objects.get(pk=lead.pk), Lead.objects.get(pk=lead.pk)
    services.lead_advance(lead=first, to_stage=LeadStage.CONTACTED, on=today, actor=persona("liming"))
    with pytest.raises(InvalidTransition):
        services.lead_abandon(lead=second, reason="重复线索", on=today, actor=persona("jiangdd"))
    with pytest.raises(InvalidTransition):
        services.lead_sign(lead=second, actor=persona("jiangdd"), on=today)
    lead.refresh_from_db()
    assert lead.stage == LeadStage.CONTACTED and lead.abandon_reason == "" and lead.project is None
    assert not Project.objects.filter(name=lead.title).exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_abandon_needs_a_reason(make_lead, persona, today, reason):
    lead = make_lead()
    with pytest.raises(ValidationError) as exc:
        services.lead_abandon(lead=lead, reason=reason, on=today, actor=persona("liming"))
    assert "原因" in str(exc.value)
    lead.refresh_from_db()
    assert lead.stage == LeadStage.NEW


def test_abandon_keeps_the_reason(make_lead, persona, today):
    lead = make_lead()
    services.lead_abandon(lead=lead, reason=" 投资方转投外省 ", on=today, actor=persona("liming"))
    lead.refresh_from_db()
    assert lead.stage == LeadStage.ABANDONED and lead.abandon_reason == "投资方转投外省"
    line = AuditLog.objects.for_object(lead).get(action=AuditAction.TRANSITION)
    assert line.message == "投资方转投外省" and line.after["abandon_reason"] == "投资方转投外省"


def test_dates_not_in_future_nor_before_previous_change(make_lead, persona, today):
    lead = make_lead()
    with pytest.raises(ValidationError):
        services.lead_advance(
            lead=lead, to_stage=LeadStage.CONTACTED, on=today + dt.timedelta(days=1), actor=persona("liming")
        )
    services.lead_advance(lead=lead, to_stage=LeadStage.CONTACTED, on=today, actor=persona("liming"))
    with pytest.raises(ValidationError):
        services.lead_advance(
            lead=lead, to_stage=LeadStage.INSPECTED, on=today - dt.timedelta(days=1), actor=persona("liming")
        )
    lead.refresh_from_db()
    assert lead.stage == LeadStage.CONTACTED


def test_sign_creates_the_project_with_credits(make_lead, persona, today, talent):
    lead = make_lead(source=LeadSource.TALENT, talent=talent, description="年产 500 万只预充式导管冲洗器")
    services.lead_advance(lead=lead, to_stage=LeadStage.NEGOTIATING, on=today, actor=persona("liming"))
    project = services.lead_sign(lead=lead, actor=persona("liming"), on=today)
    project.refresh_from_db()
    lead.refresh_from_db()
    assert lead.stage == LeadStage.SIGNED and lead.project == project
    assert project.stage == "signed" and project.signed_on == today
    assert project.name == lead.title and project.investor_name == lead.investor
    assert project.chain == lead.chain and project.node == lead.node and project.region == lead.region
    assert project.planned_investment == Decimal("12000")
    assert project.credited_talent == talent and project.credited_enterprise is None
    assert project.liaison == persona("liming")  # the owner liaison keeps following it
    assert project.lead == lead  # the project page reaches the lead's history through the reverse accessor
    assert AuditLog.objects.for_object(lead).filter(action=AuditAction.UPDATE, after__project=project.pk).exists()


def test_sign_credits_the_referring_enterprise_and_takes_overrides(make_lead, persona, today, boshen, xinghua):
    """博生 brings an investor that registers 金扬子 as the project's owner (以商引商)."""
    owner = Enterprise.objects.get(name="江苏金扬子包装科技有限公司")
    lead = make_lead(source=LeadSource.REFERRAL, referrer=boshen, region=None)
    project = services.lead_sign(
        lead=lead,
        actor=persona("jiangdd"),
        on=today,
        region=xinghua,
        name="博生引荐膜材配套项目",
        enterprise=owner,
        planned_investment=Decimal("52000"),
        kind="supporting",
    )
    project.refresh_from_db()
    assert project.name == "博生引荐膜材配套项目" and project.enterprise == owner and project.kind == "supporting"
    assert project.credited_enterprise == boshen and project.planned_investment == Decimal("52000")
    assert boshen.credited_projects.filter(pk=project.pk).exists()


def test_sign_refused_by_project_rules_changes_nothing(make_lead, persona, today):
    """签约 needs a planned investment (project rule): the lead stays as it was and no project remains."""
    lead = make_lead(estimated_investment=None)
    with pytest.raises(ValidationError):
        services.lead_sign(lead=lead, actor=persona("jiangdd"), on=today)
    lead.refresh_from_db()
    assert lead.stage == LeadStage.NEW and lead.project is None
    assert not Project.objects.filter(name=lead.title).exists()
    assert not AuditLog.objects.for_object(lead).filter(action=AuditAction.TRANSITION).exists()


def test_sign_needs_a_region(make_lead, persona, today):
    lead = make_lead(region=None)
    with pytest.raises(ValidationError):
        services.lead_sign(lead=lead, actor=persona("jiangdd"), on=today)
    assert Lead.objects.get(pk=lead.pk).stage == LeadStage.NEW


def test_follow_ups_keep_the_next_action(make_lead, persona, today):
    lead = make_lead()
    liming = persona("liming")
    services.follow_up_add(
        lead=lead,
        followed_on=today - dt.timedelta(days=3),
        notes="电话沟通，对方有意向",
        next_action="安排实地考察",
        next_action_on=today + dt.timedelta(days=5),
        actor=liming,
    )
    lead.refresh_from_db()
    assert lead.next_action == "安排实地考察" and lead.next_action_on == today + dt.timedelta(days=5)
    assert lead.last_follow_up_on == today - dt.timedelta(days=3)
    # A back-dated entry does not replace the latest follow-up's next action.
    services.follow_up_add(lead=lead, followed_on=today - dt.timedelta(days=10), notes="补记首次接触", actor=liming)
    lead.refresh_from_db()
    assert lead.next_action == "安排实地考察" and lead.last_follow_up_on == today - dt.timedelta(days=3)
    # A later one without a next action clears it.
    services.follow_up_add(lead=lead, followed_on=today, notes="考察已完成", actor=liming)
    lead.refresh_from_db()
    assert lead.next_action == "" and lead.next_action_on is None and lead.last_follow_up_on == today
    assert LeadFollowUp.objects.filter(lead=lead).count() == 3
    assert AuditLog.objects.for_object(lead).filter(message="derived from follow-ups").count() == 2


@pytest.mark.parametrize(
    ("followed", "notes", "action", "action_on"),
    [
        (1, "x", "", None),  # in the future
        (0, " ", "", None),  # no notes
        (0, "x", "考察", None),  # an action without its date
        (0, "x", "", 3),  # a date without its action
        (0, "x", "考察", -1),  # next action before the follow-up
    ],
)
def test_follow_up_input_refused(make_lead, persona, today, followed, notes, action, action_on):
    lead = make_lead()
    with pytest.raises(ValidationError):
        services.follow_up_add(
            lead=lead,
            followed_on=today + dt.timedelta(days=followed),
            notes=notes,
            next_action=action,
            next_action_on=today + dt.timedelta(days=action_on) if action_on is not None else None,
            actor=persona("liming"),
        )
    assert not LeadFollowUp.objects.filter(lead=lead).exists()


@pytest.mark.parametrize("stage", [LeadStage.SIGNED, LeadStage.ABANDONED])
def test_no_follow_ups_nor_edits_on_closed_leads(make_lead, persona, today, stage):
    lead = _at(make_lead(), stage)
    with pytest.raises(ValidationError):
        services.follow_up_add(lead=lead, followed_on=today, notes="再联系", actor=persona("liming"))
    with pytest.raises(ValidationError):
        services.lead_update(lead=lead, actor=persona("liming"), title="改名")
    assert not LeadFollowUp.objects.filter(lead=lead).exists()


def test_follow_up_refused_when_closed_meanwhile(make_lead, persona, today):
    """The instance in hand still says 新线索, but the stored lead was abandoned: no follow-up."""
    lead = make_lead()
    stale = Lead.objects.get(pk=lead.pk)
    services.lead_abandon(lead=lead, reason="无投资能力", on=today, actor=persona("jiangdd"))
    with pytest.raises(ValidationError):
        services.follow_up_add(lead=stale, followed_on=today, notes="再联系", actor=persona("liming"))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"source": LeadSource.REFERRAL}, "referrer"),
        ({"source": LeadSource.TALENT}, "talent"),
        ({"source": LeadSource.REMOTE, "source_city": " "}, "source_city"),
    ],
)
def test_source_needs_its_origin(make_lead, fields, field):
    with pytest.raises(ValidationError) as exc:
        make_lead(**fields)
    assert field in exc.value.message_dict
    assert not Lead.objects.filter(title="测试线索·医用膜材配套").exists()


def test_origins_belong_to_their_source(make_lead, boshen, talent):
    with pytest.raises(ValidationError) as exc:
        make_lead(source=LeadSource.EXPO, referrer=boshen, talent=talent)
    assert {"referrer", "talent"} <= set(exc.value.message_dict)
    assert make_lead(source=LeadSource.REMOTE, source_city="上海").source_city == "上海"
    assert make_lead(source=LeadSource.REFERRAL, referrer=boshen).referrer == boshen
    assert make_lead(source=LeadSource.RD).rd_partner is None  # 研发机构 may carry a partner, need not


def test_node_must_belong_to_the_chain(make_lead):
    other = Chain.objects.get(code="equip").nodes.first()
    with pytest.raises(ValidationError) as exc:
        make_lead(node=other)
    assert "node" in exc.value.message_dict


def test_owner_must_serve_the_chain(make_lead, persona):
    with pytest.raises(ValidationError) as exc:
        make_lead(owner=persona("lead_equip"))  # another chain's chief
    assert "owner" in exc.value.message_dict
    assert make_lead(owner=persona("wangzh")).owner == persona("wangzh")


def test_who_may_create(make_lead, persona):
    with pytest.raises(PermissionDenied):
        make_lead(actor=persona("lead_equip"))  # not on the 生物医药 team
    for username in ("zhoutao", "chenjing", "liuyang", "sysadmin"):
        with pytest.raises(PermissionDenied):
            make_lead(actor=persona(username))
    mine = make_lead(actor=persona("liming"), owner=None)
    assert mine.owner == persona("liming") and mine.created_by == persona("liming")
    with pytest.raises(ValidationError):
        make_lead(actor=persona("liming"), owner=persona("wangzh"))  # a liaison records leads for themself
    created = AuditLog.objects.for_object(mine).get(action=AuditAction.CREATE)
    assert created.actor == persona("liming")


def test_who_may_manage(make_lead, persona, today):
    lead = make_lead()
    for username in ("zhoutao", "lead_equip", "lz_321282", "liuyang"):
        with pytest.raises(PermissionDenied):
            services.lead_advance(lead=lead, to_stage=LeadStage.CONTACTED, on=today, actor=persona(username))
        with pytest.raises(PermissionDenied):
            services.follow_up_add(lead=lead, followed_on=today, notes="x", actor=persona(username))
    services.lead_advance(lead=lead, to_stage=LeadStage.CONTACTED, on=today, actor=persona("wangzh"))
    services.follow_up_add(lead=lead, followed_on=today, notes="x", actor=persona("liming"))


def test_update_is_audited_and_checked(make_lead, persona, boshen):
    lead = make_lead()
    services.lead_update(lead=lead, actor=persona("liming"), title=" 膜材二期 ", estimated_investment=Decimal("8000"))
    lead.refresh_from_db()
    assert lead.title == "膜材二期" and lead.estimated_investment == Decimal("8000")
    line = AuditLog.objects.for_object(lead).get(action=AuditAction.UPDATE)
    assert line.after == {"title": "膜材二期", "estimated_investment": "8000"}
    with pytest.raises(ValidationError):
        services.lead_update(lead=lead, actor=persona("liming"), source=LeadSource.REFERRAL)
    services.lead_update(lead=lead, actor=persona("liming"), source=LeadSource.REFERRAL, referrer=boshen)
    assert Lead.objects.get(pk=lead.pk).referrer == boshen
    with pytest.raises(PermissionDenied):  # the chief of 高端装备 may not take it to their chain
        services.lead_update(lead=lead, actor=persona("jiangdd"), chain=Chain.objects.get(code="equip"), node=None)
    with pytest.raises(TypeError):
        services.lead_update(lead=lead, actor=persona("liming"), stage=LeadStage.SIGNED)


def test_queue_and_counts(no_demo_leads, make_lead, persona, today):
    liming = persona("liming")
    due = {}
    for name, days in (("逾期", -2), ("今天", 0), ("七天", 7), ("八天", 8)):
        lead = make_lead(title=name)
        services.follow_up_add(
            lead=lead,
            followed_on=today - dt.timedelta(days=20),
            notes="沟通",
            next_action="再联系",
            next_action_on=today + dt.timedelta(days=days),
            actor=liming,
        )
        due[name] = lead
    unplanned = make_lead(title="未安排")
    closed = make_lead(title="已放弃")
    services.follow_up_add(
        lead=closed, followed_on=today, notes="x", next_action="y", next_action_on=today, actor=liming
    )
    services.lead_abandon(lead=closed, reason="不符合产业政策", on=today, actor=liming)
    not_mine = make_lead(title="王志华的", owner=persona("wangzh"))
    titles = [lead.title for lead in selectors.follow_up_queue(liming, today)]
    assert titles == ["逾期", "今天", "七天", "未安排"]
    assert selectors.queue_counts(liming, today) == {"overdue": 1, "due": 3, "unplanned": 1}
    assert [lead.title for lead in selectors.follow_up_queue(persona("wangzh"), today)] == [not_mine.title]
    assert unplanned.pk  # listed last, with no date


def test_chain_map_counter_counts_open_leads_per_node(
    no_demo_leads, make_lead, persona, biomed, today, django_assert_num_queries
):
    node = biomed.nodes.order_by("pk").first()
    make_lead()
    make_lead()
    make_lead(node=None)
    closed = make_lead()
    services.lead_abandon(lead=closed, reason="x", on=today, actor=persona("jiangdd"))
    counter = next(c for c in node_counters() if c.key == "leads")
    assert str(counter.label) == "线索(条)"
    with django_assert_num_queries(1):
        counts = counter.count(biomed)
    assert counts[node.pk] == Lead.objects.filter(node=node, stage__in=OPEN).count() == 2
