"""The 系统 area: the audit log for the audit administrator; accounts for the system administrator are
managed by the accounts app (chaindesk/accounts/views_users.py, mounted in this area's `core` namespace).

The two roles are kept apart (等保 三权分立): the system administrator never sees the audit trail and the
audit administrator never manages accounts. Core names no domain app: the two roles are found by their scope
dimension (`scope.DIMENSION`), not by importing accounts' Role.
"""

import datetime as dt
import json
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from chaindesk.core import clock

from .export import EXPORT_ROW_CAP, Column, filtered_ledger
from .forms import AuditFilterForm
from .listing import paginate, sort_queryset
from .models import AuditAction, AuditLog
from .permissions import role_required
from .scope import ADMIN, AUDIT, DIMENSION
from .visibility import get_visible_or_404

# Tag colours of UI.md: red for refusals, blue for changes, green for creation, grey for the rest.
ACTION_COLOURS = {
    AuditAction.LOGIN_FAILED: "red",
    AuditAction.LOGIN_LOCKED: "red",
    AuditAction.PERMISSION_DENIED: "red",
    AuditAction.UPDATE: "blue",
    AuditAction.TRANSITION: "blue",
    AuditAction.CREATE: "green",
}
AUDIT_SORTS = {"time": "created_at"}
SUMMARY_FIELDS = 3  # before→after pairs shown in a row; the detail page shows all
# The audit administrator, and with the system administrator the roles that see the 系统 area.
AUDITORS = tuple(role for role, dimension in DIMENSION.items() if dimension == AUDIT)
SYSTEM_ROLES = tuple(role for role, dimension in DIMENSION.items() if dimension in (ADMIN, AUDIT))


@role_required(*SYSTEM_ROLES)
def system_home(request: HttpRequest) -> HttpResponse:
    if request.user.role in AUDITORS:  # type: ignore[union-attr]
        return redirect("core:audit_list")
    return redirect("core:user_list")


# --- Audit log -------------------------------------------------------------------------------------


def _project_content_types() -> list[ContentType]:
    """Object types worth filtering on: the models of ChainDesk's own apps (one query)."""
    labels = [cfg.label for cfg in apps.get_app_configs() if cfg.name.startswith("chaindesk.")]
    return list(ContentType.objects.filter(app_label__in=labels).order_by("app_label", "model"))


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filter_audit(filters: dict[str, Any]) -> QuerySet[AuditLog]:
    """Audit lines matching the valid filters. Exact filters hit the table's indexes; the keyword is a
    substring search (a scan, bounded by the other filters and the date range)."""
    qs = AuditLog.objects.all()
    if filters.get("action"):
        qs = qs.filter(action=filters["action"])
    elif filters.get("actor") or filters.get("ip"):
        # The indexes are (action, actor_name, created_at) and (action, ip, created_at): listing every action
        # lets the database probe them once per action instead of scanning the table.
        qs = qs.filter(action__in=AuditAction.values)
    if filters.get("actor"):
        qs = qs.filter(actor_name=filters["actor"].strip().lower())
    if filters.get("ct"):
        qs = qs.filter(content_type_id=filters["ct"])
    if filters.get("ip"):
        qs = qs.filter(ip=filters["ip"])
    if filters.get("date_from"):
        qs = qs.filter(created_at__gte=_day_start(filters["date_from"]))
    if filters.get("date_to"):
        qs = qs.filter(created_at__lt=_day_start(filters["date_to"] + dt.timedelta(days=1)))
    keyword = (filters.get("q") or "").strip()
    if keyword:
        qs = qs.filter(
            Q(actor_name__icontains=keyword)
            | Q(object_repr__icontains=keyword)
            | Q(message__icontains=keyword)
            | Q(request_id__startswith=keyword.lower())
            | Q(ip__startswith=keyword)
        )
    return qs


def _audit_filters(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditLog], str]:
    form = AuditFilterForm(request.GET, _project_content_types())
    form.is_valid()  # errors are shown next to the fields; the valid filters still apply
    qs, sort = sort_queryset(filter_audit(form.cleaned_data), request.GET.get("sort", ""), AUDIT_SORTS, "-time")
    return form, qs, sort


def _field_label(model: Any, name: str) -> str:
    return _translated_field_label(model, name, get_language())


@lru_cache(maxsize=2048)
def _translated_field_label(model: Any, name: str, language: str | None) -> str:
    """A field's verbose name in the active language (cached: exports call this for every row)."""
    if model is None:
        return name
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _display(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _changes(model: Any, before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[tuple[str, str, str]]:
    before, after = before or {}, after or {}
    keys = dict.fromkeys([*before, *after])  # the order of AuditLog.changed_fields
    return [(_field_label(model, k), _display(before.get(k)), _display(after.get(k))) for k in keys]


def changes_of(entry: AuditLog) -> list[tuple[str, str, str]]:
    """(field label, before, after) of an audit line, with the model's Chinese field names."""
    model = entry.content_type.model_class() if entry.content_type else None
    return _changes(model, entry.before, entry.after)


@role_required(*AUDITORS)
def audit_list(request: HttpRequest) -> HttpResponse:
    form, qs, sort = _audit_filters(request)
    page_obj = paginate(qs.select_related("content_type"), request.GET.get("page"))
    rows = []
    for entry in page_obj.object_list:
        changes = changes_of(entry)
        rows.append(
            {
                "entry": entry,
                "colour": ACTION_COLOURS.get(entry.action, "grey"),  # type: ignore[call-overload]
                "changes": changes[:SUMMARY_FIELDS],
                "more": max(len(changes) - SUMMARY_FIELDS, 0),
            }
        )
    filtered = any(v for k, v in request.GET.items() if k not in {"page", "sort"})
    return render(
        request,
        "core/audit_list.html",
        {
            "form": form,
            "rows": rows,
            "page_obj": page_obj,
            "sort": sort,
            "filtered": filtered,
            "export_query": request.GET.urlencode(),
            "page_title": _("审计日志"),
            "breadcrumbs": [(_("系统"), None), (_("审计日志"), None)],
        },
    )


@role_required(*AUDITORS)
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_visible_or_404(AuditLog.objects.select_related("content_type", "actor"), pk, user=request.user)
    return render(
        request,
        "core/audit_detail.html",
        {
            "entry": entry,
            "colour": ACTION_COLOURS.get(entry.action, "grey"),  # type: ignore[call-overload]
            "changes": changes_of(entry),
            "before_json": json.dumps(entry.before, ensure_ascii=False, indent=2) if entry.before else "",
            "after_json": json.dumps(entry.after, ensure_ascii=False, indent=2) if entry.after else "",
            "page_title": _("审计记录详情"),
            "breadcrumbs": [(_("系统"), None), (_("审计日志"), reverse("core:audit_list")), (f"#{entry.pk}", None)],
        },
    )


AUDIT_COLUMNS = [
    Column(gettext_lazy("序号"), 8),
    Column(gettext_lazy("时间"), 20),
    Column(gettext_lazy("操作人账号"), 16),
    Column(gettext_lazy("动作"), 10),
    Column(gettext_lazy("对象类型"), 14),
    Column(gettext_lazy("对象编号"), 10),
    Column(gettext_lazy("对象"), 30),
    Column(gettext_lazy("变更内容（修改前 → 修改后）"), 48, wrap=True),
    Column(gettext_lazy("说明"), 30),
    Column(gettext_lazy("客户端地址"), 16),
    Column(gettext_lazy("请求编号"), 34),
]


def _audit_rows(qs: QuerySet[AuditLog]) -> Iterator[list[Any]]:
    """Export rows straight from the database cursor: no model instances, no per-row queries, and the
    translated labels looked up once per action and object type (this loop runs up to the cap)."""
    actions = {value: str(label) for value, label in AuditAction.choices}
    types: dict[int, tuple[str, Any]] = {}
    tz = timezone.get_current_timezone()
    fields = ("created_at", "actor_name", "action", "content_type_id", "object_id", "object_repr")
    rest = ("before", "after", "message", "ip", "request_id")
    for number, values in enumerate(qs.values_list(*fields, *rest).iterator(chunk_size=2000), start=1):
        created, actor, action, ct_id, object_id, object_repr, before, after, message, ip, request_id = values
        if ct_id and ct_id not in types:
            ct = ContentType.objects.get_for_id(ct_id)
            types[ct_id] = (str(ct.name), ct.model_class())
        type_name, model = types.get(ct_id, ("", None))
        changes = _changes(model, before, after) if before or after else []
        yield [
            number,
            created.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
            actor,
            actions.get(action, action),
            type_name,
            object_id,
            object_repr,
            "\n".join(f"{f}：{b} → {a}" for f, b, a in changes),
            message,
            ip or "",
            request_id,
        ]


@role_required(*AUDITORS)
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered audit log as an .xlsx ledger, at most EXPORT_ROW_CAP rows; the export is audited."""
    _form, qs, _sort = _audit_filters(request)
    now = clock.localnow()
    # Lines written while the file is built (this export's own record among them) stay out of it, so the
    # file holds exactly the count its header states.
    return filtered_ledger(
        request,
        queryset=qs.filter(created_at__lte=now),
        rows=_audit_rows,
        columns=AUDIT_COLUMNS,
        title=_("审计日志"),
        name="审计日志",
        cap_warning=_(
            "符合条件的记录共 %(total)s 条，超过单次导出上限，仅导出当前排序下的前 %(cap)s 条。"
            "请缩小日期范围后分批导出。"
        ),
        cap=EXPORT_ROW_CAP,  # read here, where tests lower it
        now=now,
    )
