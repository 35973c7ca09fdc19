"""年度目标 in the JSON API (/api/targets/): the ledger of a year (every target the reader may see, with its progress),
one owner's row of the ledger as it is set, and the thresholds of the lights, for the roles the pages serve (403 for
the others, as on the pages).

- `GET /api/targets/?year=&owner=`: the ledger through `selectors.ledger` (so `Target.objects.visible_to`), one item
  per target, paged by cursor (chaindesk/api/pagination.py `sequence_page`, the ledger being measured in memory).
  The items come in the ledger's order of sections (地区, 产业链, 部门), then by owner id and in the order of the
  ledger's columns: a stable key of each target (`order_key`), so a target set or removed between two pages moves
  no other; a cursor of another year or owner filter is 422.
- `PUT /api/targets/{owner}/{owner_id}/{year}`: `services.targets_save`, as the 填报 page: 403 for a role the page
  refuses, 404 for an owner that does not exist, 403 for one the reader may not set (with the page's message), 422
  for a bad figure with the Chinese messages keyed `values.<metric>` (the service's, and the page form's for a count
  that is no whole number). Only the metrics sent change (null removes one); nothing is written on any refusal. A
  PUT needs no Idempotency-Key (chaindesk/api/idempotency.py keys POSTs): sent twice, it saves the same row and the
  second answer counts no change.
- `GET` / `PUT /api/targets/lights`: the thresholds, every reader of the ledger sees them, city leaders change them
  (through the page's form and `services.light_rule_save`)."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.security import django_auth

from chaindesk.accounts.models import Department, Region
from chaindesk.accounts.requests import AuthedRequest
from chaindesk.api.pagination import CursorPagination, sequence_page
from chaindesk.chains.models import Chain
from chaindesk.core import clock
from chaindesk.core.errors import ProblemOut

from . import services
from .choices import SPECS, Light, Metric, Owner
from .forms import LightRuleForm, is_amount
from .models import LightRule
from .permissions import TARGET_VIEWERS, may_edit_rule, may_set, refusal
from .schemas import LightRuleIn, LightRuleOut, TargetPage, TargetsIn, TargetsQuery, TargetsSavedOut
from .selectors import OWNER_ORDER, Ledger, OwnerRow, Progress, ledger

PREFIX = "targets"
router = Router(tags=["targets"], auth=django_auth)  # mounted with the API's auth (chaindesk/api/auth.py)

OWNER_MODELS: dict[str, type[Model]] = {Owner.CHAIN: Chain, Owner.REGION: Region, Owner.DEPARTMENT: Department}
METRICS: list[str] = list(Metric.values)
WRITE = {403: ProblemOut, 404: ProblemOut, 422: ProblemOut}


def _viewer(request: HttpRequest) -> None:
    """403 for a role the targets' pages refuse."""
    if getattr(request.user, "role", None) not in TARGET_VIEWERS:
        raise PermissionDenied


def order_key(owner: str, owner_id: int, metric: str) -> int:
    """A target's place in the list, an int unique in a year (one target per owner and metric): the ledger's
    section, then the owner's id, then the ledger's column."""
    return (OWNER_ORDER.index(Owner(owner)) * 10**20) + owner_id * 100 + METRICS.index(metric)


def _out(row: OwnerRow, item: Progress) -> dict[str, Any]:
    target, spec, actual, pace = item.target, item.spec, item.actual, item.pace
    return {
        "id": target.pk,
        "year": target.year,
        "owner": target.owner,
        "owner_label": str(Owner(target.owner).label),
        "owner_id": row.owner_id,
        "owner_name": row.name,
        "metric": target.metric,
        "metric_label": str(Metric(target.metric).label),
        "unit": str(spec.unit),
        "is_rate": spec.is_rate,
        "value": target.value,
        "note": target.note,
        "actual": actual.value,
        "numerator": actual.numerator,
        "denominator": actual.denominator,
        "done": item.done,
        "elapsed": item.elapsed,
        "behind": item.behind,
        "light": item.light,
        "light_label": str(Light(item.light).label),
        "pace": None if pace is None else {"gap": pace.gap, "weekly": pace.weekly, "reachable": pace.reachable},
        "may_set": row.may_set,
        "updated_at": target.updated_at,
    }


def _cells(book: Ledger) -> list[tuple[OwnerRow, Progress]]:
    return [(row, item) for rows in book.sections.values() for row in rows for item in row.cells.values()]


@router.get("/", response={200: TargetPage, 403: ProblemOut})
def list_targets(request: HttpRequest, filters: Query[TargetsQuery], page: Query[CursorPagination.Input]) -> Any:
    """年度目标: the reader's targets of the year (of one kind of owner if given), each with its figure so far, 完成率,
    序时进度, points behind and light, paged."""
    _viewer(request)
    today = clock.today()
    year = filters.year or today.year
    owner = filters.owner.value if filters.owner else None
    book = ledger(request.user, year=year, today=today, owner=owner)
    found = sequence_page(
        _cells(book),
        lambda cell: order_key(cell[0].owner, cell[0].owner_id, cell[1].metric),
        page.cursor,
        page.limit,
        name=f"targets:{year}:{owner or ''}",
    )
    return {**found, "items": [_out(row, item) for row, item in found["items"]]}


def _refusals(owner: str, year: int, values: dict[str, Any], notes: dict[str, str]) -> dict[str, list[str]]:
    """What the service would refuse (keyed as the body names it), plus the page form's rule that a count is a
    whole number and a note that comes without its figure."""
    errors: dict[str, list[str]] = {}
    if year not in services.YEARS:
        errors["year"] = [_("年度须在 2000 到 2100 之间。")]
    try:
        services.check_values(owner, values)
    except ValidationError as error:
        errors.update({f"values.{metric}": messages for metric, messages in error.message_dict.items()})
    for metric, value in values.items():
        spec = SPECS[metric]
        counted = not spec.is_rate and not is_amount(spec)
        if f"values.{metric}" not in errors and value is not None and counted and value != value.to_integral_value():
            errors[f"values.{metric}"] = [_("个数须为整数。")]
    for metric in notes:
        if metric not in values:
            errors[f"notes.{metric}"] = [_("说明须随该指标的目标值（values）一同提交。")]
    return errors


def _row_out(request: HttpRequest, owner: str, owner_id: int, year: int) -> list[dict[str, Any]]:
    """The owner's targets of the year as the ledger shows them to the reader."""
    book = ledger(request.user, year=year, today=clock.today(), owner=owner)
    return [_out(row, item) for row, item in _cells(book) if row.owner_id == owner_id]


@router.put("/{owner}/{owner_id}/{year}", response={200: TargetsSavedOut, **WRITE})
def set_targets(request: AuthedRequest, owner: Owner, owner_id: int, year: int, payload: TargetsIn) -> Any:
    """填报年度目标: set one owner's (a chain's, a region's or a department's) targets for the year; answers what
    changed and the owner's targets after the save."""
    _viewer(request)
    obj = get_object_or_404(OWNER_MODELS[owner], pk=owner_id)
    if not may_set(request.user, owner, obj.pk):
        raise refusal(owner)
    values = {Metric(metric).value: value for metric, value in payload.values.items()}
    notes = {Metric(metric).value: note for metric, note in payload.notes.items()}
    errors = _refusals(owner, year, values, notes)
    if errors:
        raise ValidationError(errors)
    saved = services.targets_save(
        actor=request.user, year=year, owner=owner.value, owner_obj=obj, values=values, notes=notes
    )
    targets = _row_out(request, owner.value, obj.pk, year)
    return 200, {"created": saved.created, "changed": saved.changed, "removed": saved.removed, "targets": targets}


def _rule_out(request: HttpRequest, rule: LightRule) -> dict[str, Any]:
    return {
        "yellow": rule.yellow,
        "red": rule.red,
        "rate_yellow": rule.rate_yellow,
        "rate_red": rule.rate_red,
        "updated_at": rule.updated_at,
        "updated_by": rule.updated_by.display_name if rule.updated_by_id and rule.updated_by else None,
        "may_edit": may_edit_rule(request.user),
    }


@router.get("/lights", response={200: LightRuleOut, 403: ProblemOut})
def get_target_lights(request: HttpRequest) -> Any:
    """红黄绿灯阈值: the thresholds every light of the targets is lit by."""
    _viewer(request)
    return 200, _rule_out(request, LightRule.current())


@router.put("/lights", response={200: LightRuleOut, 403: ProblemOut, 422: ProblemOut})
def set_target_lights(request: AuthedRequest, payload: LightRuleIn) -> Any:
    """修改红黄绿灯阈值 (city leaders): through the page's form (0–100 points, one decimal) and its service (red above
    yellow)."""
    _viewer(request)
    if not may_edit_rule(request.user):
        raise PermissionDenied(_("只有市领导可以修改红黄绿灯阈值。"))
    form = LightRuleForm({name: format(value, "f") for name, value in payload.dict().items()})
    if not form.is_valid():
        raise ValidationError({name: list(messages) for name, messages in form.errors.items()})
    rule = services.light_rule_save(actor=request.user, **form.cleaned_data)
    return 200, _rule_out(request, rule)
