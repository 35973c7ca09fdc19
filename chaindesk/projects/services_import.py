"""The project registry's set-based write for an import batch (chaindesk.transfer): many projects created or
changed in one transaction, with their yearly investment plans and monthly investment reports, under the rights
and validation of the forms' services (project_create / project_update / plan_set / investment_report), and an
audit line per record written carrying the batch's `tag` as its request id, so the batch can be undone
(transfer.services.import_undo).

Projects, plans and reports are validated one by one (`clean_fields`, `Project.clean`) but read and written in
batches (chaindesk.core.bulk). A new project starts at 在谈, as project_create makes
it; when the ledger puts it further on the forward path, it is moved there one stage at a time through
project_transition (compare-and-set, its TRANSITION audit line and StageChange row), on the dates the importer
gives. The StageChange rows those transitions add get a CREATE audit line of the batch too: without it the undo
would find records it did not write referring to the projects it created, and refuse.

`check_steps` runs the stage rules of project_transition on an unsaved copy of a project, so that a dry run
refuses what the commit would refuse, with the same messages.

Refusals, before anything is written: PermissionDenied naming the first record outside the actor's rights (a
system actor cannot import projects: a project names the person who entered it), ValidationError naming the
first invalid record, a project already registered for the same owner under the same name, or a report the
services would refuse (a future month, a project at 在谈 or 终止).
"""

import copy
import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from chaindesk.accounts.models import Region, User
from chaindesk.chains.models import Chain
from chaindesk.core import bulk, clock
from chaindesk.core.actors import Actor, SystemActor, require_actor
from chaindesk.core.bulk import chunks
from chaindesk.enterprises.models import Enterprise

from . import permissions
from .choices import FORWARD, ProjectStage
from .models import InvestmentPlan, InvestmentReport, Project, StageChange
from .services import EDITABLE, NO_REPORT_STAGES, _check_rules, _stage_fields, project_transition

# The foreign keys are checked by the importer's lookups and the rights checks, not one query each.
FK_FIELDS = ["enterprise", "chain", "node", "region", "follow_on_of", "credited_enterprise", "credited_talent"]
FK_FIELDS += ["liaison", "created_by"]


@dataclasses.dataclass
class NewProject:
    """A project to register; `steps` are the forward transitions from 在谈, in order, with their dates."""

    name: str
    enterprise: Enterprise
    chain: Chain
    region: Region
    fields: dict[str, Any] = dataclasses.field(default_factory=dict)
    steps: Sequence[tuple[str, dt.date]] = ()
    plans: dict[int, Decimal] = dataclasses.field(default_factory=dict)
    reports: dict[dt.date, tuple[Decimal, str]] = dataclasses.field(default_factory=dict)  # month → amount, note


@dataclasses.dataclass
class ProjectChange:
    """Field changes of a registered project (never its stage), and plans and reports to set."""

    project: Project
    fields: dict[str, Any] = dataclasses.field(default_factory=dict)
    plans: dict[int, Decimal] = dataclasses.field(default_factory=dict)
    reports: dict[dt.date, tuple[Decimal, str]] = dataclasses.field(default_factory=dict)


def steps_to(target: str, given: Mapping[str, dt.date]) -> tuple[list[tuple[str, dt.date]], list[str]]:
    """The forward transitions a new project (at 在谈) takes to reach `target`, each on its date: the one
    `given` for its stage, else the last one given before it (a project is usually built as soon as it starts),
    else the next one given after it, else today; and the stages whose date was not given. ValueError for a stage
    off the forward path (暂停, 终止)."""
    stages = list(FORWARD[1 : FORWARD.index(target) + 1])
    steps: list[tuple[str, dt.date]] = []
    filled: list[str] = []
    for index, stage in enumerate(stages):
        day = given.get(stage)
        if day is None:
            after = [given[s] for s in stages[index + 1 :] if s in given]
            before = [given[s] for s in stages[:index] if s in given]
            day = before[-1] if before else after[0] if after else clock.today()
            filled.append(stage)
        steps.append((stage, day))
    return steps, filled


def check_steps(project: Project, steps: Sequence[tuple[str, dt.date]]) -> None:
    """Raise ValidationError when project_transition would refuse one of `steps` taken in order from the
    project as it is (an unsaved copy is moved; the message names the stage)."""
    current = copy.copy(project)
    for stage, on in steps:
        try:
            _check_rules(current, stage, on, "")
        except ValidationError as exc:
            label = ProjectStage(stage).label
            raise ValidationError(
                _("办理“%(stage)s”时：%(reason)s") % {"stage": label, "reason": "".join(exc.messages)},
                code=exc.code,
            ) from exc
        for name, value in _stage_fields(current, stage, on, "").items():
            setattr(current, name, value)


def _person(actor: Actor) -> User:
    if isinstance(actor, SystemActor):
        raise PermissionDenied(_("项目须由用户导入：项目的录入人和投资填报人须为用户。"))
    return actor


def _check_rights(actor: User, new: Sequence[NewProject], changes: Sequence[ProjectChange]) -> None:
    for item in new:
        if not permissions.may_create_in(actor, chain_id=item.chain.pk, region_id=item.region.pk):
            raise PermissionDenied(_("您无权在该产业链或地区登记项目：%(name)s") % {"name": item.name})
    for change in changes:
        if not permissions.can_manage(actor, change.project):
            raise PermissionDenied(_("您无权修改该项目：%(name)s") % {"name": change.project.name})


def _validate(obj: Project) -> None:
    obj.clean_fields(exclude=FK_FIELDS)
    obj.clean()


def _check_new(actor: User, new: Sequence[NewProject]) -> list[Project]:
    objs = []
    for item in new:
        unknown = set(item.fields) - EDITABLE
        if unknown:
            raise TypeError(f"projects_import: not editable on create: {sorted(unknown)}")
        fields = dict(item.fields)
        if actor.role == "liaison" and fields.get("liaison") is None:  # as project_create: the creator follows it
            fields["liaison"] = actor
        obj = Project(
            name=item.name.strip(),
            enterprise=item.enterprise,
            chain=item.chain,
            region=item.region,
            created_by=actor,
            **fields,
        )
        _validate(obj)
        objs.append(obj)
    keys = [(obj.enterprise_id, obj.name) for obj in objs]
    if len(set(keys)) != len(keys):
        raise ValidationError(_("同一批导入中有重复的项目（同一项目单位、同一项目名称）。"), code="duplicate")
    owners = sorted({owner for owner, _name in keys if owner is not None})
    wanted = set(keys)
    for part in chunks(owners):
        for owner, name in Project.objects.filter(enterprise_id__in=part).values_list("enterprise_id", "name"):
            if (owner, name) in wanted:
                raise ValidationError(_("该项目已登记：%(name)s") % {"name": name}, code="duplicate")
    return objs


def _create(actor: User, new: Sequence[NewProject], trail: bulk.Trail, message: str) -> list[Project]:
    objs = _check_new(actor, new)
    writes = bulk.Writes(Project, trail)
    for obj in objs:
        writes.new(obj)
    writes.save()
    trail.write()  # the CREATE lines before the transitions' own lines: the undo replays them backwards
    moved: list[int] = []
    for obj, item in zip(objs, new, strict=True):
        expected = str(ProjectStage.NEGOTIATING)
        for stage, on in item.steps:
            project_transition(
                project=obj, to_stage=stage, on=on, actor=actor, expected_stage=expected, reason=message[:200]
            )
            expected = stage
        if item.steps:
            moved.append(obj.pk)
    for part in chunks(moved):
        for change in StageChange.objects.filter(project_id__in=part).order_by("pk"):
            trail.created(change)
    return objs


def _update(changes: Sequence[ProjectChange], trail: bulk.Trail) -> None:
    writes = bulk.Writes(Project, trail)
    for change in changes:
        if not change.fields:
            continue
        unknown = set(change.fields) - EDITABLE
        if unknown:
            raise TypeError(f"projects_import: not editable: {sorted(unknown)}")
        obj = change.project
        writes.changing(obj)
        for name, value in change.fields.items():
            setattr(obj, name, value)
        _validate(obj)
        writes.changed(obj)
    writes.save()


def _write(
    model: type[InvestmentPlan] | type[InvestmentReport],
    wanted: dict[tuple[int, Any], dict[str, Any]],
    existing: dict[tuple[int, Any], Any],
    trail: bulk.Trail,
) -> int:
    """Create or change plans or reports: `wanted` maps (project id, year or month) to the fields to hold."""
    writes = bulk.Writes(model, trail)
    for (project_id, period), values in wanted.items():
        found = existing.get((project_id, period))
        if found is None:
            key = "year" if model is InvestmentPlan else "month"
            obj = model(project_id=project_id, **{key: period}, **values)
            obj.clean_fields(exclude=["project", "reported_by"])
            writes.new(obj)
            continue
        writes.changing(found)
        for name, value in values.items():
            setattr(found, name, value)
        found.clean_fields(exclude=["project", "reported_by"])
        writes.changed(found)
    return writes.save()


def _plans(items: Sequence[tuple[Project, dict[int, Decimal]]], trail: bulk.Trail) -> int:
    wanted: dict[tuple[int, Any], dict[str, Any]] = {}
    for project, plans in items:
        for year, amount in plans.items():
            if not 2000 <= int(year) <= 2100:
                raise ValidationError(_("年度须在 2000 至 2100 之间。"), code="year")
            wanted[(project.pk, int(year))] = {"amount": amount}
    if not wanted:
        return 0
    ids = sorted({pk for pk, _year in wanted})
    existing: dict[tuple[int, Any], Any] = {}
    for part in chunks(ids):
        for plan in InvestmentPlan.objects.filter(project_id__in=part):
            existing[(plan.project_id, plan.year)] = plan
    return _write(InvestmentPlan, wanted, existing, trail)


def _reports(
    actor: User, items: Sequence[tuple[Project, dict[dt.date, tuple[Decimal, str]]]], trail: bulk.Trail
) -> int:
    """Monthly reports with the rules of investment_report: no future month, no project at 在谈 or 终止; the
    projects' latest progress becomes today (unaudited, as investment_report keeps it)."""
    today = clock.today()
    wanted: dict[tuple[int, Any], dict[str, Any]] = {}
    names: dict[int, str] = {}
    for project, reports in items:
        for month, (amount, note) in reports.items():
            first = month.replace(day=1)
            if first > today.replace(day=1):
                raise ValidationError(_("不能填报未来月份的投资。"), code="future")
            wanted[(project.pk, first)] = {"amount": amount, "note": note, "reported_by": actor}
            names[project.pk] = project.name
    if not wanted:
        return 0
    ids = sorted(names)
    existing: dict[tuple[int, Any], Any] = {}
    for part in chunks(ids):
        for pk, stage in Project.objects.filter(pk__in=part).values_list("pk", "stage"):
            if stage in NO_REPORT_STAGES:
                raise ValidationError(
                    _("“%(stage)s”阶段的项目不填报投资完成情况：%(name)s")
                    % {"stage": ProjectStage(stage).label, "name": names[pk]},
                    code="stage",
                )
        for report in InvestmentReport.objects.filter(project_id__in=part):
            existing[(report.project_id, report.month)] = report
    written = _write(InvestmentReport, wanted, existing, trail)
    for part in chunks(ids):
        Project.objects.filter(pk__in=part).filter(
            Q(last_progress_on__isnull=True) | Q(last_progress_on__lt=today)
        ).update(last_progress_on=today)
    return written


@transaction.atomic
def projects_import(
    *,
    actor: Actor,
    new: Sequence[NewProject] = (),
    changes: Sequence[ProjectChange] = (),
    tag: str,
    message: str = "",
) -> list[Project]:
    """Create `new` (moved to their stage), apply `changes`, then set the plans and reports of both. Every
    record written gets an audit line with request id `tag`. Returns the created projects, in order."""
    require_actor(actor)
    user = _person(actor)
    _check_rights(user, new, changes)
    trail = bulk.Trail(user, tag=tag, message=message)
    created = _create(user, new, trail, message)
    _update(changes, trail)
    touched: list[tuple[Project, NewProject | ProjectChange]] = [
        *zip(created, new, strict=True),
        *((change.project, change) for change in changes),
    ]
    for project, item in touched:
        if item.reports and not permissions.can_report(user, project):
            raise PermissionDenied(_("您无权填报该项目的投资完成情况：%(name)s") % {"name": project.name})
    _plans([(project, item.plans) for project, item in touched if item.plans], trail)
    _reports(user, [(project, item.reports) for project, item in touched if item.reports], trail)
    trail.write()
    return created
