"""Lead services: every ordered pair of stages legal or refused (from choices.TRANSITIONS), the compare-and-set
409, abandon and sign, follow-ups keeping the next action, source rules and who may write.

On the fixed personas' world (chaindesk/testkit/personas.py): the test lead sits on 测试甲链, aimed at 测试甲区,
recorded by `p_chief` and owned by `p_liaison` (chaindesk/leads/tests/factories.py)."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chaindesk.chains import services as chain_services
from chaindesk.chains.extensions import node_counters
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.leads import selectors, services
from chaindesk.leads.choices import OPEN, TRANSITIONS, LeadSource, LeadStage
from chaindesk.leads.models import Lead, LeadFollowUp
from chaindesk.leads.tests.factories import AMOUNT, INVESTOR, TITLE
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
def test_every_pair_of_stages(make_lead, personas, today, frm, to):
    lead = _at(make_lead(), frm)
    actor = personas.chief
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
def test_advance_does_not_sign_or_abandon(make_lead, personas, today, to):
    lead = _at(make_lead(), LeadStage.NEGOTIATING)
    with pytest.raises(ValidationError):
        services.lead_advance(lead=lead, to_stage=to, on=today, actor=personas.chief)
    lead.refresh_from_db()
    assert lead.stage == LeadStage.NEGOTIATING and lead.project is None


def test_stale_expected_stage_is_409_and_changes_nothing(make_lead, personas, today):
    lead = make_lead()
    services.lead_advance(lead=lead, to_stage=LeadStage.CONTACTED, on=today, actor=personas.liaison)
    other = Lead.objects.get(pk=lead.pk)
    with pytest.raises(InvalidTransition) as exc:
        services.lead_advance(
            lead=other, to_stage=LeadStage.INSPECTED, on=today, actor=personas.member, expected_stage=LeadStage.NEW
        )
    assert "接洽" in str(exc.value) and "刷新" in str(exc.value)
    other.refresh_from_db()
    assert other.stage == LeadStage.CONTACTED
    assert AuditLog.objects.for_object(lead).filter(action=AuditAction.TRANSITION).count() == 1


def test_stale_instance_loses_the_race(make_lead, personas, today):
    """Two people loaded the lead at 新线索; the first moves it, the second's instance is stale: 409."""
    lead = make_lead()
    first, second = Lead.objects.get(pk=lead.pk), Lead.objects.get(pk=lead.pk)
    services.lead_advance(lead=first, to_stage=LeadStage.CONTACTED, on=today, actor=personas.liaison)
    with pytest.raises(InvalidTransition):
        services.lead_abandon(lead=second, reason="重复线索", on=today, actor=personas.chief)
    with pytest.raises(InvalidTransition):
        services.lead_sign(lead=second, actor=personas.chief, on=today)
    lead.refresh_from_db()
    assert lead.stage == LeadStage.CONTACTED and lead.abandon_reason == "" and lead.project is None
    assert not Project.objects.filter(name=lead.title).exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_abandon_needs_a_reason(make_lead, personas, today, reason):
    lead = make_lead()
    with pytest.raises(ValidationError) as exc:
        services.lead_abandon(lead=lead, reason=reason, on=today, actor=personas.liaison)
    assert "原因" in str(exc.value)
    lead.refresh_from_db()
    assert lead.stage == LeadStage.NEW


def test_abandon_keeps_the_reason(make_lead, personas, today):
    lead = make_lead()
    services.lead_abandon(lead=lead, reason=" 投资方转投外省 ", on=today, actor=personas.liaison)
    lead.refresh_from_db()
    assert lead.stage == LeadStage.ABANDONED and lead.abandon_reason == "投资方转投外省"
    line = AuditLog.objects.for_object(lead).get(action=AuditAction.TRANSITION)
    assert line.message == "投资方转投外省" and line.after["abandon_reason"] == "投资方转投外省"


def test_dates_not_in_future_nor_before_previous_change(make_lead, personas, today):
    lead = make_lead()
    with pytest.raises(ValidationError):
        services.lead_advance(
            lead=lead, to_stage=LeadStage.CONTACTED, on=today + dt.timedelta(days=1), actor=personas.liaison
        )
    services.lead_advance(lead=lead, to_stage=LeadStage.CONTACTED, on=today, actor=personas.liaison)
    with pytest.raises(ValidationError):
        services.lead_advance(
            lead=lead, to_stage=LeadStage.INSPECTED, on=today - dt.timedelta(days=1), actor=personas.liaison
        )
    lead.refresh_from_db()
    assert lead.stage == LeadStage.CONTACTED


def test_sign_creates_the_project_with_credits(make_lead, personas, today, talent):
    lead = make_lead(source=LeadSource.TALENT, talent=talent, description="年产 500 万只预充式导管冲洗器")
    services.lead_advance(lead=lead, to_stage=LeadStage.NEGOTIATING, on=today, actor=personas.liaison)
    project = services.lead_sign(lead=lead, actor=personas.liaison, on=today)
    project.refresh_from_db()
    lead.refresh_from_db()
    assert lead.stage == LeadStage.SIGNED and lead.project == project
    assert project.stage == "signed" and project.signed_on == today
    assert project.name == TITLE and project.investor_name == INVESTOR
    assert project.chain == personas.ours.chain and project.node == personas.ours.node
    assert project.region == personas.ours.region
    assert project.planned_investment == AMOUNT == Decimal("12000")
    assert project.credited_talent == talent and project.credited_enterprise is None
    assert project.liaison == personas.liaison  # the owner liaison keeps following it
    assert project.lead == lead  # the project page reaches the lead's history through the reverse accessor
    assert AuditLog.objects.for_object(lead).filter(action=AuditAction.UPDATE, after__project=project.pk).exists()


def test_sign_credits_the_referring_enterprise_and_takes_overrides(make_lead, personas, today):
    """Our enterprise brings an investor that registers our second enterprise as the project's owner (以商引商)."""
    referrer, owner = personas.ours.enterprise, personas.ent2
    lead = make_lead(source=LeadSource.REFERRAL, referrer=referrer, region=None)
    project = services.lead_sign(
        lead=lead,
        actor=personas.chief,
        on=today,
        region=personas.ours.region,
        name="甲企引荐膜材配套项目",
        enterprise=owner,
        planned_investment=Decimal("52000"),
        kind="supporting",
    )
    project.refresh_from_db()
    assert project.name == "甲企引荐膜材配套项目" and project.enterprise == owner and project.kind == "supporting"
    assert project.credited_enterprise == referrer and project.planned_investment == Decimal("52000")
    assert project.region == personas.ours.region
    assert referrer.credited_projects.filter(pk=project.pk).exists()


def test_sign_refused_by_project_rules_changes_nothing(make_lead, personas, today):
    """签约 needs a planned investment (project rule): the lead stays as it was and no project remains."""
    lead = make_lead(estimated_investment=None)
    with pytest.raises(ValidationError):
        services.lead_sign(lead=lead, actor=personas.chief, on=today)
    lead.refresh_from_db()
    assert lead.stage == LeadStage.NEW and lead.project is None
    assert not Project.objects.filter(name=lead.title).exists()
    assert not AuditLog.objects.for_object(lead).filter(action=AuditAction.TRANSITION).exists()


def test_sign_needs_a_region(make_lead, personas, today):
    lead = make_lead(region=None)
    with pytest.raises(ValidationError):
        services.lead_sign(lead=lead, actor=personas.chief, on=today)
    assert Lead.objects.get(pk=lead.pk).stage == LeadStage.NEW


def test_follow_ups_keep_the_next_action(make_lead, personas, today):
    lead = make_lead()
    liaison = personas.liaison
    services.follow_up_add(
        lead=lead,
        followed_on=today - dt.timedelta(days=3),
        notes="电话沟通，对方有意向",
        next_action="安排实地考察",
        next_action_on=today + dt.timedelta(days=5),
        actor=liaison,
    )
    lead.refresh_from_db()
    assert lead.next_action == "安排实地考察" and lead.next_action_on == today + dt.timedelta(days=5)
    assert lead.last_follow_up_on == today - dt.timedelta(days=3)
    # A back-dated entry does not replace the latest follow-up's next action.
    services.follow_up_add(lead=lead, followed_on=today - dt.timedelta(days=10), notes="补记首次接触", actor=liaison)
    lead.refresh_from_db()
    assert lead.next_action == "安排实地考察" and lead.last_follow_up_on == today - dt.timedelta(days=3)
    # A later one without a next action clears it.
    services.follow_up_add(lead=lead, followed_on=today, notes="考察已完成", actor=liaison)
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
def test_follow_up_input_refused(make_lead, personas, today, followed, notes, action, action_on):
    lead = make_lead()
    with pytest.raises(ValidationError):
        services.follow_up_add(
            lead=lead,
            followed_on=today + dt.timedelta(days=followed),
            notes=notes,
            next_action=action,
            next_action_on=today + dt.timedelta(days=action_on) if action_on is not None else None,
            actor=personas.liaison,
        )
    assert not LeadFollowUp.objects.filter(lead=lead).exists()


@pytest.mark.parametrize("stage", [LeadStage.SIGNED, LeadStage.ABANDONED])
def test_no_follow_ups_nor_edits_on_closed_leads(make_lead, personas, today, stage):
    lead = _at(make_lead(), stage)
    with pytest.raises(ValidationError):
        services.follow_up_add(lead=lead, followed_on=today, notes="再联系", actor=personas.liaison)
    with pytest.raises(ValidationError):
        services.lead_update(lead=lead, actor=personas.liaison, title="改名")
    assert not LeadFollowUp.objects.filter(lead=lead).exists()


def test_follow_up_refused_when_closed_meanwhile(make_lead, personas, today):
    """The instance in hand still says 新线索, but the stored lead was abandoned: no follow-up."""
    lead = make_lead()
    stale = Lead.objects.get(pk=lead.pk)
    services.lead_abandon(lead=lead, reason="无投资能力", on=today, actor=personas.chief)
    with pytest.raises(ValidationError):
        services.follow_up_add(lead=stale, followed_on=today, notes="再联系", actor=personas.liaison)


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
    assert not Lead.objects.filter(title=TITLE).exists()


def test_origins_belong_to_their_source(make_lead, personas, talent):
    referrer = personas.ours.enterprise
    with pytest.raises(ValidationError) as exc:
        make_lead(source=LeadSource.EXPO, referrer=referrer, talent=talent)
    assert {"referrer", "talent"} <= set(exc.value.message_dict)
    assert make_lead(source=LeadSource.REMOTE, source_city="上海").source_city == "上海"
    assert make_lead(source=LeadSource.REFERRAL, referrer=referrer).referrer == referrer
    assert make_lead(source=LeadSource.RD).rd_partner is None  # 研发机构 may carry a partner, need not


def test_node_must_belong_to_the_chain(make_lead, personas):
    other = personas.theirs.node  # a segment of 测试乙链
    with pytest.raises(ValidationError) as exc:
        make_lead(node=other)
    assert "node" in exc.value.message_dict


def test_owner_must_serve_the_chain(make_lead, personas):
    with pytest.raises(ValidationError) as exc:
        make_lead(owner=personas.x_chief)  # another chain's chief
    assert "owner" in exc.value.message_dict
    assert make_lead(owner=personas.member).owner == personas.member


def test_who_may_create(make_lead, personas):
    with pytest.raises(PermissionDenied):
        make_lead(actor=personas.x_chief)  # not on the 测试甲链 team
    for key in ("district", "handler", "ent_user", "sysadmin", "auditor"):
        with pytest.raises(PermissionDenied):
            make_lead(actor=personas.user(key))
    mine = make_lead(actor=personas.liaison, owner=None)
    assert mine.owner == personas.liaison and mine.created_by == personas.liaison
    with pytest.raises(ValidationError):
        make_lead(actor=personas.liaison, owner=personas.member)  # a liaison records leads for themself
    created = AuditLog.objects.for_object(mine).get(action=AuditAction.CREATE)
    assert created.actor == personas.liaison


def test_who_may_manage(make_lead, personas, today):
    lead = make_lead()
    for key in ("district", "x_chief", "x_liaison", "ent_user"):
        with pytest.raises(PermissionDenied):
            services.lead_advance(lead=lead, to_stage=LeadStage.CONTACTED, on=today, actor=personas.user(key))
        with pytest.raises(PermissionDenied):
            services.follow_up_add(lead=lead, followed_on=today, notes="x", actor=personas.user(key))
    services.lead_advance(lead=lead, to_stage=LeadStage.CONTACTED, on=today, actor=personas.member)
    services.follow_up_add(lead=lead, followed_on=today, notes="x", actor=personas.liaison)


def test_update_is_audited_and_checked(make_lead, personas):
    referrer = personas.ours.enterprise
    lead = make_lead()
    services.lead_update(lead=lead, actor=personas.liaison, title=" 膜材二期 ", estimated_investment=Decimal("8000"))
    lead.refresh_from_db()
    assert lead.title == "膜材二期" and lead.estimated_investment == Decimal("8000")
    line = AuditLog.objects.for_object(lead).get(action=AuditAction.UPDATE)
    assert line.after == {"title": "膜材二期", "estimated_investment": "8000"}
    with pytest.raises(ValidationError):
        services.lead_update(lead=lead, actor=personas.liaison, source=LeadSource.REFERRAL)
    services.lead_update(lead=lead, actor=personas.liaison, source=LeadSource.REFERRAL, referrer=referrer)
    assert Lead.objects.get(pk=lead.pk).referrer == referrer
    with pytest.raises(PermissionDenied):  # our chief may not take it to a chain they do not serve on
        services.lead_update(lead=lead, actor=personas.chief, chain=personas.theirs.chain, node=None)
    assert Lead.objects.get(pk=lead.pk).chain == personas.ours.chain
    with pytest.raises(TypeError):
        services.lead_update(lead=lead, actor=personas.liaison, stage=LeadStage.SIGNED)


def test_queue_and_counts(make_lead, personas, today):
    liaison = personas.liaison  # owns no lead of the world: the queue holds only what this test records
    due = {}
    for name, days in (("逾期", -2), ("今天", 0), ("七天", 7), ("八天", 8)):
        lead = make_lead(title=name)
        services.follow_up_add(
            lead=lead,
            followed_on=today - dt.timedelta(days=20),
            notes="沟通",
            next_action="再联系",
            next_action_on=today + dt.timedelta(days=days),
            actor=liaison,
        )
        due[name] = lead
    unplanned = make_lead(title="未安排")
    closed = make_lead(title="已放弃")
    services.follow_up_add(
        lead=closed, followed_on=today, notes="x", next_action="y", next_action_on=today, actor=liaison
    )
    services.lead_abandon(lead=closed, reason="不符合产业政策", on=today, actor=liaison)
    make_lead(title="成员的", owner=personas.member)
    titles = [lead.title for lead in selectors.follow_up_queue(liaison, today)]
    assert titles == ["逾期", "今天", "七天", "未安排"]
    assert selectors.queue_counts(liaison, today) == {"overdue": 1, "due": 3, "unplanned": 1}
    assert [lead.title for lead in selectors.follow_up_queue(personas.member, today)] == ["成员的"]
    assert unplanned.pk  # listed last, with no date


def test_chain_map_counter_counts_open_leads_per_node(make_lead, personas, today, django_assert_num_queries):
    chain = personas.ours.chain
    node = chain_services.node_add(chain=chain, parent=None, name="测试线索环节", actor=personas.chief)
    make_lead(node=node)
    make_lead(node=node)
    make_lead(node=None)
    closed = make_lead(node=node)
    services.lead_abandon(lead=closed, reason="x", on=today, actor=personas.chief)
    make_lead(actor=personas.x_chief, chain=personas.theirs.chain, node=personas.theirs.node, owner=None)
    counter = next(c for c in node_counters() if c.key == "leads")
    assert str(counter.label) == "线索(条)"
    with django_assert_num_queries(1):
        counts = counter.count(chain)
    # Two open leads on the new segment (the abandoned one and the one without a segment do not count); the
    # world's own open lead on 测试甲链环节; nothing of the other chain.
    assert counts == {node.pk: 2, personas.ours.node.pk: 1}
