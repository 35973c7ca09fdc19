"""Writes of projects: create and edit, the stage machine, production lines, investment plans and reports.

Keyword-only, atomic, audited in the same transaction. Refusals: PermissionDenied for an actor without the
right (chaindesk.projects.permissions), ValidationError with a Chinese message for bad input or a broken stage
rule, InvalidTransition (HTTP 409) when someone else changed the stage first."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from chaindesk.accounts.models import Region
from chaindesk.chains.models import Chain
from chaindesk.core import audit, clock
from chaindesk.core.actors import Actor, person
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.models import AuditAction
from chaindesk.core.services import audited_create, audited_update
from chaindesk.core.transitions import compare_and_set

from . import permissions
from .choices import FORWARD, STAGE_DATE_FIELD, TRANSITIONS, ProjectStage
from .models import InvestmentPlan, InvestmentReport, ProductionLine, Project, StageChange

# Fields a user may set on create or edit; the stage, its dates and the bookkeeping belong to the services.
EDITABLE = frozenset(
    f.name for f in Project._meta.get_fields() if getattr(f, "editable", False) and f.concrete and not f.primary_key
) - {"created_by", "created_at"}
# Stages without investment to report: nothing signed yet, or nothing more to build.
NO_REPORT_STAGES = frozenset({ProjectStage.NEGOTIATING, ProjectStage.TERMINATED})


def _stage_label(stage: str) -> str:
    return str(ProjectStage(stage).label) if stage else ""


@transaction.atomic
def project_create(*, actor: Actor, name: str, chain: Chain, region: Region, **fields: Any) -> Project:
    """Register a project at 在谈. A liaison who creates a project follows it unless another liaison is named."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"not editable on create: {sorted(unknown)}")
    if not permissions.may_create_in(actor, chain_id=chain.pk, region_id=region.pk):
        raise PermissionDenied(_("您无权在该产业链或地区登记项目。"))
    if actor.role == "liaison" and fields.get("liaison") is None:
        fields["liaison"] = actor
    return audited_create(model=Project, actor=actor, name=name, chain=chain, region=region, created_by=actor, **fields)


@transaction.atomic
def project_update(*, project: Project, actor: Actor, **changes: Any) -> Project:
    """Change the project's facts (never its stage or key dates: those move with the stage transitions)."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    if not permissions.can_manage(actor, project):
        raise PermissionDenied(_("您无权修改该项目。"))
    chain = changes.get("chain")
    if (
        chain is not None
        and chain.pk != project.chain_id
        and not permissions.creatable_chains(actor).filter(pk=chain.pk).exists()
    ):
        raise PermissionDenied(_("您无权将项目移至该产业链。"))
    return audited_update(obj=project, actor=actor, **changes)


def allowed_transitions(project: Project) -> list[str]:
    """The stages the project may move to now, in the order the page offers them."""
    if project.stage == ProjectStage.PAUSED:
        return [s for s in (project.paused_stage, ProjectStage.TERMINATED) if s]
    targets = TRANSITIONS.get(project.stage, frozenset())
    order = [*FORWARD, ProjectStage.PAUSED, ProjectStage.TERMINATED]
    return [s for s in order if s in targets]


def _check_rules(current: Project, to_stage: str, on: dt.date, reason: str) -> None:
    """The rules each stage needs; a broken one raises ValidationError and nothing changes."""
    frm = current.stage
    if to_stage not in allowed_transitions(current):
        raise ValidationError(
            _("项目不能从“%(from)s”变更为“%(to)s”。") % {"from": _stage_label(frm), "to": _stage_label(to_stage)},
            code="illegal",
        )
    if on > clock.today():
        raise ValidationError(_("变更日期不能晚于今天。"), code="future")
    if to_stage in (ProjectStage.PAUSED, ProjectStage.TERMINATED) and not reason.strip():
        raise ValidationError(_("“%(to)s”须填写原因。") % {"to": _stage_label(to_stage)}, code="reason_required")
    dates = [getattr(current, f) for f in STAGE_DATE_FIELD.values() if getattr(current, f)]
    if current.stage_changed_on:
        dates.append(current.stage_changed_on)
    if dates and on < max(dates):
        raise ValidationError(
            _("变更日期不能早于上一次阶段变更或关键节点日期（%(date)s）。") % {"date": max(dates).isoformat()},
            code="date_order",
        )
    if frm == ProjectStage.PAUSED or to_stage not in STAGE_DATE_FIELD:
        return
    if to_stage == ProjectStage.SIGNED and not current.planned_investment:
        raise ValidationError(_("签约前须填写计划总投资。"), code="needs_investment")
    previous = FORWARD[FORWARD.index(to_stage) - 1]
    field = STAGE_DATE_FIELD.get(previous)
    if field and getattr(current, field) is None:
        label = Project._meta.get_field(field).verbose_name  # type: ignore[union-attr]
        raise ValidationError(
            _("“%(to)s”前须先有%(date)s。") % {"to": _stage_label(to_stage), "date": label}, code="missing_date"
        )


def _stage_fields(current: Project, to_stage: str, on: dt.date, reason: str) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "stage": to_stage,
        "stage_changed_on": on,
        "last_progress_on": max(d for d in (current.last_progress_on, on) if d),
    }
    if to_stage == ProjectStage.PAUSED:
        fields.update(paused_stage=current.stage, status_reason=reason.strip())
    elif to_stage == ProjectStage.TERMINATED:
        fields.update(paused_stage="", status_reason=reason.strip())
    elif current.stage == ProjectStage.PAUSED:  # resuming: the paused stage's date stays as it was
        fields.update(paused_stage="", status_reason="")
    else:
        fields[STAGE_DATE_FIELD[to_stage]] = on
    return fields


@transaction.atomic
def project_transition(
    *,
    project: Project,
    to_stage: str,
    on: dt.date,
    actor: Actor,
    expected_stage: str | None = None,
    reason: str = "",
) -> Project:
    """Move the project to `to_stage` as of `on`, if it is still in `expected_stage` (compare-and-set).

    Of two concurrent transitions from the same stage exactly one wins: the UPDATE is conditional on the
    stage, so the loser updates no row and gets InvalidTransition (HTTP 409)."""
    if not permissions.can_manage(actor, project):
        raise PermissionDenied(_("您无权变更该项目的阶段。"))
    expected = expected_stage or project.stage
    current = Project.objects.get(pk=project.pk)
    if current.stage != expected:
        raise InvalidTransition(_stale(current.stage))
    _check_rules(current, to_stage, on, reason)
    fields = _stage_fields(current, to_stage, on, reason)
    compare_and_set(
        current, field="stage", expected=expected, fields=fields, actor=actor, stale=_stale, message=reason.strip()
    )
    StageChange.objects.create(
        project=current,
        from_stage=expected,
        to_stage=to_stage,
        changed_on=on,
        reason=reason.strip(),
        actor=person(actor),
    )
    project.refresh_from_db()
    return project


def _stale(stage_now: str) -> str:
    return _("该项目的阶段已被他人变更为“%(stage)s”，请刷新页面后再操作。") % {"stage": _stage_label(stage_now)}


@transaction.atomic
def line_add(*, project: Project, actor: Actor, name: str, count: int = 1, capacity: str = "") -> ProductionLine:
    if not permissions.can_manage(actor, project):
        raise PermissionDenied(_("您无权修改该项目。"))
    order = project.lines.count()
    return audited_create(
        model=ProductionLine, actor=actor, project=project, name=name, count=count, capacity=capacity, sort_order=order
    )


@transaction.atomic
def line_remove(*, line: ProductionLine, actor: Actor) -> None:
    if not permissions.can_manage(actor, line.project):
        raise PermissionDenied(_("您无权修改该项目。"))
    audit.record(action=AuditAction.DELETE, actor=actor, obj=line, before=audit.snapshot(line))
    line.delete()


@transaction.atomic
def plan_set(*, project: Project, year: int, amount: Decimal, actor: Actor) -> InvestmentPlan:
    """Create or change the project's investment plan for `year` (万元)."""
    if not permissions.can_manage(actor, project):
        raise PermissionDenied(_("您无权设置该项目的投资计划。"))
    if not 2000 <= int(year) <= 2100:
        raise ValidationError(_("年度须在 2000 至 2100 之间。"), code="year")
    plan = InvestmentPlan.objects.select_for_update().filter(project=project, year=year).first()
    if plan is None:
        return audited_create(model=InvestmentPlan, actor=actor, project=project, year=year, amount=amount)
    return audited_update(obj=plan, actor=actor, amount=amount)


@transaction.atomic
def investment_report(
    *,
    project: Project,
    month: dt.date,
    amount: Decimal,
    actor: Actor,
    note: str = "",
    reported_on: dt.date | None = None,
) -> InvestmentReport:
    """Report the investment completed in `month` (万元). Reporting a month again replaces its figure.

    `reported_on` (default today) counts as the project's latest progress update."""
    if not permissions.can_report(actor, project):
        raise PermissionDenied(_("您无权填报该项目的投资完成情况。"))
    today = clock.today()
    month = month.replace(day=1)
    if month > today.replace(day=1):
        raise ValidationError(_("不能填报未来月份的投资。"), code="future")
    current = Project.objects.select_for_update().get(pk=project.pk)
    if current.stage in NO_REPORT_STAGES:
        raise ValidationError(
            _("“%(stage)s”阶段的项目不填报投资完成情况。") % {"stage": _stage_label(current.stage)}, code="stage"
        )
    existing = InvestmentReport.objects.select_for_update().filter(project=project, month=month).first()
    if existing is None:
        report = audited_create(
            model=InvestmentReport,
            actor=actor,
            project=project,
            month=month,
            amount=amount,
            note=note,
            reported_by=actor,
        )
    else:
        report = audited_update(obj=existing, actor=actor, amount=amount, note=note, reported_by=actor)
    progress_on = reported_on or today
    if current.last_progress_on is None or progress_on > current.last_progress_on:
        Project.objects.filter(pk=current.pk).update(last_progress_on=progress_on)
        project.last_progress_on = progress_on
    return report
