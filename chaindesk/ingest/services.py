"""Writes of meeting reports (issue 15, item 3): read a report into a draft kept for review, save the reviewer's
edits, discard it, or confirm it into records.

Nothing but the report itself is written before confirmation. Confirming is one transaction: the report moves
draft → confirmed by compare-and-set (a second confirmation, or two at once, gets InvalidTransition and creates
nothing), then the meeting, its enterprises, projects with their production lines, the stops of the site visit,
the demands, decisions, items sought from above, hometown talents and R&D cooperations are written through each
app's own services, in the confirming user's scope, each audited there. A refusal of any of them (a missing
USCC, a project outside the user's chains …) rolls everything back and is raised on the review form's field of
that item (`<ref>_<field>`, e.g. `e1_uscc`), its item named in the message. Each record the confirmation
created, completed or linked is listed in ReportRecord, the way back from the record to its report."""

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import Department, Region
from chaindesk.chains.models import ChainNode
from chaindesk.core import clock
from chaindesk.core.actors import Actor, person, require_actor
from chaindesk.core.services import audited_create
from chaindesk.core.transitions import compare_and_set
from chaindesk.demands.choices import Channel
from chaindesk.demands.models import Category
from chaindesk.demands.services import demand_submit
from chaindesk.demands.workdays import workdays_between
from chaindesk.enterprises.models import Enterprise, Qualification
from chaindesk.enterprises.services import enterprise_create, enterprise_update
from chaindesk.meetings.models import Meeting
from chaindesk.meetings.services import decision_add
from chaindesk.meetings.services_meetings import (
    SUMMARY_MAX,
    MeetingFacts,
    SiteVisitInput,
    meeting_create,
    site_visit_add,
)
from chaindesk.network.models import PartnerKind, RdPartner
from chaindesk.network.services import cooperation_create, partner_create, talent_create
from chaindesk.projects.choices import CapacityPeriod
from chaindesk.projects.models import Project
from chaindesk.projects.services import line_add, project_create, project_update
from chaindesk.upward.services import upward_create

from . import evidence
from .extract import draft as read_draft
from .lexicon import lexicon_for
from .matching import match_draft
from .models import RecordAction, RecordKind, Report, ReportRecord, ReportStatus
from .normalise import normalise
from .sources import report_text, require_meeting

READER_ROLES = frozenset({Role.CITY_LEADER, Role.TEAM_MEMBER})  # who records meetings: the chains' teams


# --- what the reviewer confirmed --------------------------------------------------------------------------


@dataclass(frozen=True)
class EnterprisePlan:
    """An enterprise of the report: linked to `record`, else registered (USCC, region and segment required).
    `visited` makes it a stop of the site visit (with its projects), else it is listed as attending."""

    ref: str
    name: str
    record: Enterprise | None = None
    uscc: str = ""
    region: Region | None = None
    node: ChainNode | None = None
    founded_on: dt.date | None = None
    qualifications: tuple[str, ...] = ()
    visited: bool = True
    source: str = ""


@dataclass(frozen=True)
class ProjectPlan:
    """A project of one of the report's enterprises (`owner` is that enterprise's reference): linked to `record`
    (whose blank facts the report completes), else registered at 在谈."""

    ref: str
    name: str
    owner: str
    record: Project | None = None
    investment: Decimal | None = None
    capacity_quantity: Decimal | None = None
    capacity_unit: str = ""
    capacity_period: str = CapacityPeriod.YEAR
    lines: tuple[tuple[str, int], ...] = ()
    source: str = ""


@dataclass(frozen=True)
class DemandPlan:
    ref: str
    enterprise: str
    title: str
    description: str
    category: Category
    department: Department | None = None


@dataclass(frozen=True)
class DecisionPlan:
    ref: str
    content: str
    department: Department | None = None
    due: dt.date | None = None


@dataclass(frozen=True)
class UpwardPlan:
    ref: str
    title: str
    counterpart: str
    level: str
    kind: str
    department: Department
    source: str = ""


@dataclass(frozen=True)
class TalentPlan:
    ref: str
    name: str
    organisation: str
    city: str
    title: str = ""
    source: str = ""


@dataclass(frozen=True)
class CooperationPlan:
    ref: str
    enterprise: str
    partner: str
    city: str
    subject: str


@dataclass(frozen=True)
class Review:
    """The draft as the reviewer confirmed it: the meeting's facts and the items kept (dropped ones are absent)."""

    meeting: MeetingFacts
    enterprises: tuple[EnterprisePlan, ...] = ()
    projects: tuple[ProjectPlan, ...] = ()
    demands: tuple[DemandPlan, ...] = ()
    decisions: tuple[DecisionPlan, ...] = ()
    upward: tuple[UpwardPlan, ...] = ()
    talents: tuple[TalentPlan, ...] = ()
    cooperations: tuple[CooperationPlan, ...] = ()


# --- reading and the draft's life ---------------------------------------------------------------------------


def may_read(actor: Actor) -> bool:
    return getattr(actor, "role", None) in READER_ROLES


def _need_reader(actor: Actor) -> None:
    require_actor(actor)
    if not may_read(actor):
        raise PermissionDenied(_("只有产业链服务团队可以录入会议报道。"))


def _title(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first[:200]


@transaction.atomic
def report_read(*, actor: Actor, data: bytes | str, file_name: str = "") -> Report:
    """Read a pasted text or an uploaded file into a draft kept for review (ReportError, in Chinese, for input
    that is not a report: nothing is written then). Items are matched among the records the actor may see."""
    _need_reader(actor)
    original = report_text(data, file_name)
    lexicon = lexicon_for(actor, normalise(original))  # the names the actor's records know, as the report writes them
    found = read_draft(original, lexicon=lexicon)
    require_meeting(found)
    text = normalise(original)
    matched = match_draft(found, actor) | {"evidence": evidence.evidence(text, found)}
    return audited_create(
        model=Report,
        actor=actor,
        file_name=file_name[:255],
        original=original,
        text=text,
        digest=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        title=_title(text) or _("会议报道"),
        draft=matched,
        created_by=person(actor),
        created_at=clock.now(),
    )


def _stale(status: str) -> str:
    label = ReportStatus(status).label if status in ReportStatus.values else status
    return _("该报道的状态已是“%(status)s”，不能再次操作；请刷新页面查看。") % {"status": label}


def _need_author(actor: Actor, report: Report) -> None:
    _need_reader(actor)
    if report.created_by_id != person(actor).pk:
        raise PermissionDenied(_("只有录入该报道的人可以审核和确认。"))


@transaction.atomic
def report_save(*, actor: Actor, report: Report, values: dict[str, Any]) -> Report:
    """Keep the reviewer's edits (the review form's values) so that nothing typed is lost before confirming."""
    _need_author(actor, report)
    if Report.objects.filter(pk=report.pk, status=ReportStatus.DRAFT).update(review=values) == 0:
        raise ValidationError(_stale(Report.objects.get(pk=report.pk).status))
    report.review = values
    return report


@transaction.atomic
def report_discard(*, actor: Actor, report: Report) -> None:
    """Give up a draft: it stays on record as 已放弃, and nothing was ever written from it."""
    _need_author(actor, report)
    compare_and_set(
        report,
        field="status",
        expected=ReportStatus.DRAFT,
        fields={"status": ReportStatus.DISCARDED},
        actor=actor,
        stale=_stale,
        message=_("放弃会议报道“%(title)s”") % {"title": report.title},
    )


def recorded_before(report: Report, user: Any) -> Report | None:
    """A confirmed report of the same text the user may see (the same report pasted twice), if any."""
    return (
        Report.objects.visible_to(user)
        .filter(digest=report.digest, status=ReportStatus.CONFIRMED)
        .exclude(pk=report.pk)
        .select_related("meeting")
        .first()
    )


# --- confirming ---------------------------------------------------------------------------------------------


@contextmanager
def _item(ref: str, label: str) -> Iterator[None]:
    """A service's refusal for one item, on that item's form fields (`<ref>_<field>`), the item named."""
    try:
        yield
    except PermissionDenied as exc:
        raise ValidationError({f"{ref}_name": [f"{label}：{exc}"]}) from exc
    except ValidationError as exc:
        about_code = "uscc" in str(exc.code or "") or "统一社会信用代码" in "".join(exc.messages)
        field = "uscc" if about_code else "name"  # check_uscc refuses without naming a field
        found = exc.message_dict if hasattr(exc, "error_dict") else {field: exc.messages}
        raise ValidationError(
            {
                f"{ref}_{'name' if field == '__all__' else field}": [f"{label}：{m}" for m in messages]
                for field, messages in found.items()
            }
        ) from exc


class _Trail:
    """The records a confirmation touched, written as ReportRecord rows at its end."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.rows: list[ReportRecord] = []

    def add(self, kind: str, obj: models.Model, action: str = RecordAction.CREATED) -> None:
        self.rows.append(
            ReportRecord(report=self.report, kind=kind, object_id=obj.pk, action=action, label=str(obj)[:200])
        )


def _qualifications(names: tuple[str, ...]) -> tuple[list[Qualification], list[str]]:
    """The qualifications on record among `names`, and the names that are none (kept as honours)."""
    known = {q.name: q for q in Qualification.objects.filter(name__in=names)}
    return [known[n] for n in names if n in known], [n for n in names if n not in known]


def _enterprise(actor: Actor, plan: EnterprisePlan, trail: _Trail) -> Enterprise:
    qualifications, honours = _qualifications(plan.qualifications)
    with _item(plan.ref, _("企业“%(name)s”") % {"name": plan.name}):
        if plan.record is None:
            if plan.region is None or plan.node is None:
                missing = "region" if plan.region is None else "node"
                raise ValidationError({missing: _("新登记的企业须选择所在地区和所属环节。")})
            enterprise = enterprise_create(
                actor=actor,
                name=plan.name,
                uscc=plan.uscc,
                region=plan.region,
                founded_on=plan.founded_on,
                honours="、".join(honours)[:200],
                nodes=[plan.node],
                qualifications=qualifications,
            )
            trail.add(RecordKind.ENTERPRISE, enterprise)
            return enterprise
        return _complete_enterprise(actor, plan.record, plan, qualifications, trail)


def _complete_enterprise(
    actor: Actor, record: Enterprise, plan: EnterprisePlan, qualifications: list[Qualification], trail: _Trail
) -> Enterprise:
    """An enterprise on record: the report fills its founding date when blank and adds the qualifications it
    states; nothing the record holds is overwritten."""
    changes: dict[str, Any] = {}
    if plan.founded_on and record.founded_on is None:
        changes["founded_on"] = plan.founded_on
    held = list(record.qualifications.all())
    added = [q for q in qualifications if q not in held]
    if added:
        changes["qualifications"] = held + added
    if changes:
        record = enterprise_update(actor=actor, enterprise=record, **changes)
    trail.add(RecordKind.ENTERPRISE, record, RecordAction.UPDATED if changes else RecordAction.LINKED)
    return record


def _project(actor: Actor, plan: ProjectPlan, owner: Enterprise, meeting: Meeting, trail: _Trail) -> Project:
    facts: dict[str, Any] = {
        "planned_investment": plan.investment,
        "capacity_quantity": plan.capacity_quantity,
        "capacity_unit": plan.capacity_unit,
        "capacity_period": plan.capacity_period,
    }
    with _item(plan.ref, _("项目“%(name)s”") % {"name": plan.name}):
        if plan.record is None:
            project = project_create(
                actor=actor,
                name=plan.name,
                chain=meeting.chain,
                region=owner.region,
                enterprise=owner,
                description=plan.source,
                **{k: v for k, v in facts.items() if v not in (None, "")},
            )
            action: str = RecordAction.CREATED
        else:
            project, action = _complete_project(actor, plan.record, facts)
        names = set(project.lines.values_list("name", flat=True))
        for name, count in plan.lines:
            if name not in names:
                line_add(project=project, actor=actor, name=name, count=count)
                action = action if action == RecordAction.CREATED else RecordAction.UPDATED
    trail.add(RecordKind.PROJECT, project, action)
    return project


def _complete_project(actor: Actor, record: Project, facts: dict[str, Any]) -> tuple[Project, str]:
    blank = {k: v for k, v in facts.items() if v not in (None, "") and getattr(record, k) in (None, "")}
    if "capacity_quantity" not in blank:
        blank.pop("capacity_unit", None)
    blank.pop("capacity_period", None)
    if not blank:
        return record, RecordAction.LINKED
    return project_update(project=record, actor=actor, **blank), RecordAction.UPDATED


def _stops(actor: Actor, meeting: Meeting, review: Review, made: dict[str, Any], trail: _Trail) -> None:
    """The site visit in the report's order: each visited enterprise with each of its projects, or alone."""
    sources = {plan.ref: plan.source for plan in review.projects}
    for plan in review.enterprises:
        if not plan.visited:
            continue
        own = [p.ref for p in review.projects if p.owner == plan.ref]
        stops = [(made[ref], sources[ref]) for ref in own] or [(None, plan.source)]
        for project, notes in stops:
            with _item(plan.ref, _("观摩点“%(name)s”") % {"name": plan.name}):
                data = SiteVisitInput(enterprise=made[plan.ref], project=project, notes=notes)
                trail.add(RecordKind.SITE_VISIT, site_visit_add(actor=actor, meeting=meeting, data=data))


def _demand(actor: Actor, plan: DemandPlan, enterprise: Enterprise, meeting: Meeting, trail: _Trail) -> None:
    description = plan.description
    if plan.department is not None:
        description += "\n" + _("建议承办部门：%(name)s") % {"name": plan.department.name}
    with _item(plan.ref, _("诉求“%(title)s”") % {"title": plan.title}):
        demand = demand_submit(
            actor=actor,
            enterprise=enterprise,
            title=plan.title,
            description=description,
            category=plan.category,
            channel=Channel.TEAM,
            source_label=_("会议：%(title)s") % {"title": meeting.title},
        )
    trail.add(RecordKind.DEMAND, demand)


def _decision(actor: Actor, plan: DecisionPlan, meeting: Meeting, trail: _Trail) -> None:
    with _item(plan.ref, _("议定事项“%(text)s”") % {"text": plan.content[:20]}):
        days = None
        if plan.due is not None:
            days = workdays_between(meeting.held_on, plan.due)
            if days < 1:
                raise ValidationError({"due": _("办结期限须晚于会议日期，且至少相隔一个工作日。")})
        departments = [plan.department] if plan.department is not None else []
        decision = decision_add(
            actor=actor, meeting=meeting, content=plan.content, departments=departments, working_days=days
        )
    trail.add(RecordKind.DECISION, decision)


def _upward(actor: Actor, plan: UpwardPlan, meeting: Meeting, trail: _Trail) -> None:
    with _item(plan.ref, _("上争事项“%(title)s”") % {"title": plan.title}):
        item = upward_create(
            actor=actor,
            title=plan.title,
            kind=plan.kind,
            level=plan.level,
            department=plan.department,
            counterpart=plan.counterpart,
            chain=meeting.chain,
            description=plan.source,
        )
    trail.add(RecordKind.UPWARD, item)


def _talent(actor: Actor, plan: TalentPlan, meeting: Meeting, trail: _Trail) -> None:
    with _item(plan.ref, _("在外能人“%(name)s”") % {"name": plan.name}):
        talent = talent_create(
            actor=actor,
            name=plan.name,
            city=plan.city,
            organisation=plan.organisation,
            keeper=person(actor),
            title=plan.title,
            chains=[meeting.chain],
            notes=plan.source,
        )
    trail.add(RecordKind.TALENT, talent)


def partner_kind(name: str) -> str:
    """What kind of R&D partner a name says it is (大学 → 高校, 研究所 → 科研院所 …)."""
    if name.endswith(("大学", "学院")):
        return PartnerKind.UNIVERSITY
    if name.endswith(("研究院", "研究所", "科学院")):
        return PartnerKind.INSTITUTE
    return PartnerKind.PLATFORM


def _cooperation(actor: Actor, plan: CooperationPlan, enterprise: Enterprise, meeting: Meeting, trail: _Trail) -> None:
    with _item(plan.ref, _("研发合作“%(name)s”") % {"name": plan.partner}):
        partner = RdPartner.objects.filter(name__iexact=plan.partner).first()
        if partner is None:
            partner = partner_create(actor=actor, name=plan.partner, city=plan.city, kind=partner_kind(plan.partner))
            trail.add(RecordKind.PARTNER, partner)
        cooperation = cooperation_create(
            actor=actor, enterprise=enterprise, partner=partner, subject=plan.subject, started_on=meeting.held_on
        )
    trail.add(RecordKind.COOPERATION, cooperation)


def _check_refs(review: Review) -> None:
    """Every project, demand and cooperation names an enterprise the review keeps."""
    kept = {plan.ref for plan in review.enterprises}
    named: list[tuple[str, str, str]] = [(p.ref, "owner", p.owner) for p in review.projects]
    named += [(p.ref, "enterprise", p.enterprise) for p in review.demands]
    named += [(p.ref, "enterprise", p.enterprise) for p in review.cooperations]
    for ref, field, owner in named:
        if owner not in kept:
            raise ValidationError({f"{ref}_{field}": _("请选择本报道中保留的企业（所选企业已移出）。")})


@transaction.atomic
def report_confirm(*, actor: Actor, report: Report, review: Review) -> Meeting:
    """Write the reviewed draft as records (see the module's docstring) and return the meeting."""
    _need_author(actor, report)
    earlier = recorded_before(report, actor)
    if earlier is not None and earlier.meeting is not None:
        raise ValidationError(
            _("该报道已于%(day)s录入为会议“%(title)s”，不再重复录入。")
            % {"day": f"{earlier.confirmed_at:%Y-%m-%d}" if earlier.confirmed_at else "", "title": earlier.meeting}
        )
    _check_refs(review)
    now = clock.now()
    compare_and_set(
        report,
        field="status",
        expected=ReportStatus.DRAFT,
        fields={"status": ReportStatus.CONFIRMED, "confirmed_by": person(actor), "confirmed_at": now},
        actor=actor,
        stale=_stale,
        message=_("确认会议报道“%(title)s”并录入") % {"title": report.title},
    )
    facts = review.meeting
    if not facts.summary:
        facts = dataclasses.replace(facts, summary=report.text[:SUMMARY_MAX])
    visitors = [p.record for p in review.enterprises if not p.visited and p.record is not None]
    facts = dataclasses.replace(facts, attendee_enterprises=[*facts.attendee_enterprises, *visitors])
    with _item("m", _("会议")):
        meeting = meeting_create(actor=actor, facts=facts)
    trail = _Trail(report)
    trail.add(RecordKind.MEETING, meeting)
    _write_items(actor, review, meeting, trail)
    ReportRecord.objects.bulk_create(trail.rows)
    Report.objects.filter(pk=report.pk).update(meeting=meeting)
    report.status, report.meeting, report.confirmed_at = ReportStatus.CONFIRMED, meeting, now
    return meeting


def _write_items(actor: Actor, review: Review, meeting: Meeting, trail: _Trail) -> None:
    made: dict[str, Any] = {}
    for plan in review.enterprises:
        made[plan.ref] = _enterprise(actor, plan, trail)
    for project in review.projects:
        made[project.ref] = _project(actor, project, made[project.owner], meeting, trail)
    _stops(actor, meeting, review, made, trail)
    for demand in review.demands:
        _demand(actor, demand, made[demand.enterprise], meeting, trail)
    for decision in review.decisions:
        _decision(actor, decision, meeting, trail)
    for upward in review.upward:
        _upward(actor, upward, meeting, trail)
    for talent in review.talents:
        _talent(actor, talent, meeting, trail)
    for cooperation in review.cooperations:
        _cooperation(actor, cooperation, made[cooperation.enterprise], meeting, trail)


def report_of(kind: str, object_id: int, user: Any) -> Report | None:
    """The confirmed report a record came from, if the user may see it."""
    found = ReportRecord.objects.filter(kind=kind, object_id=object_id).values_list("report_id", flat=True).first()
    return None if found is None else Report.objects.visible_to(user).filter(pk=found).first()
