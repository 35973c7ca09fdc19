"""Core's own lists as resources (chaindesk/core/resources.py): the audit log (系统 → 审计日志: filter bar, page
columns and the 审计日志 ledger) and the inbox (通知: its 全部/未读 filter and its columns).

The audit filters need two things the generic kinds lack: a client address must be an IP address (the column
is `inet` on PostgreSQL, where a malformed value would be a database error, not an empty list), and a date
range must not run backwards. `IpFilter` reads the first; `audit_filters` drops the end of a reversed range;
`AuditSpec` makes the filter bar's note name what was ignored, and why, with the filters' own labels. Core
names no domain app: the object types and field names come from the content types at run time."""

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import validate_ipv46_address
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.html import format_html
from django.utils.ipv6 import clean_ipv6_address
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from .listing import sort_queryset
from .models import AuditAction, AuditLog, Notification, NotificationQuerySet
from .params import DATE_MAX, DATE_MIN, ParamSpec, declare, param_text
from .privacy import mask_phone
from .resources import CHOICE, DATE, ROW_NUMBER, TEXT, Col, Filter, Ledger, Resource, attr, ledger_only, page_only
from .scope import AUDIT as AUDIT_DIMENSION
from .scope import DIMENSION

AUDIT_CELLS = "core/partials/audit_cells.html"
INBOX_CELLS = "core/partials/inbox_cells.html"
AUDIT_SORTS = {"time": "created_at"}
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# --- changes of an audit line ----------------------------------------------------------------------------


@lru_cache(maxsize=2048)
def _field_label(model: Any, name: str, language: str | None) -> str:
    """A field's verbose name in the active language (cached: the export asks for every row)."""
    if model is None:
        return name
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


@lru_cache(maxsize=256)
def _model_name(model: Any, language: str | None) -> str:
    return str(model._meta.verbose_name)


@lru_cache(maxsize=16)
def _action_labels(language: str | None) -> dict[str, str]:
    return {value: str(label) for value, label in AuditAction.choices}


def _display(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def changes_of(entry: AuditLog) -> list[tuple[str, str, str]]:
    """(field label, before, after) of an audit line, with the model's Chinese field names (in the order of
    AuditLog.changed_fields) and its personal fields masked."""
    if not entry.before and not entry.after:
        return []
    model = entry.content_type.model_class() if entry.content_type else None
    language = get_language()
    personal = frozenset(getattr(model, "PERSONAL_FIELDS", ()))
    return [
        (_field_label(model, name, language), _shown(b, masked=name in personal), _shown(a, masked=name in personal))
        for name, b, a in entry.changed_fields()
    ]


def _shown(value: Any, *, masked: bool) -> str:
    """A value as the audit trail shows it; personal data (a model's PERSONAL_FIELDS) masked: the trail is
    read for who did what, never for a talent's phone number (core.privacy)."""
    text = _display(value)
    return mask_phone(text) if masked and text != "—" else text


# --- the audit log's filters -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IpFilter(Filter):
    """A client address typed in a text box: an IPv4 or IPv6 address, normalised as the column stores it (the
    model field's own rules), else None."""

    def parse(self, value: Any) -> Any:
        text = param_text(value)
        if not text:
            return None
        try:
            validate_ipv46_address(text)
            return clean_ipv6_address(text) if ":" in text else text
        except ValidationError:
            return None


def _given(value: Any) -> bool:
    return bool(param_text(value))


def audit_filters(params: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The audit filters as the list and the export apply them, and the (name, reason) of each value they
    ignore: out of shape or out of range, or the end of a range that runs backwards."""
    values = AUDIT.parse(params)
    ignored = [(f.name, "") for f in AUDIT.filters if _given(params.get(f.name)) and values[f.name] is None]
    start, end = values["date_from"], values["date_to"]
    if start and end and start > end:
        values["date_to"] = None
        ignored.append(("date_to", _("结束日期不能早于开始日期。")))
    return values, ignored


@dataclass(frozen=True)
class AuditSpec(ParamSpec):
    """What `{% params_note %}` says under the audit log's filter bar: every given value `audit_filters`
    ignores, named by its filter's label, then why where a name is not enough."""

    def ignored(self, params: Mapping[str, Any]) -> list[str]:
        return list(dict.fromkeys(name for name, _reason in audit_filters(params)[1]))

    def note(self, params: Mapping[str, Any]) -> str:
        ignored = audit_filters(params)[1]
        if not ignored:
            return ""
        names = "、".join(str(self.labels.get(name, name)) for name in dict.fromkeys(n for n, _reason in ignored))
        reasons = [reason for _name, reason in ignored if reason]
        if any(_out_of_range(params.get(name)) for name in ("date_from", "date_to")):
            reasons.insert(0, _("日期须在 1900 年至 2100 年之间。"))
        return "".join([_("以下筛选条件的取值无效，已忽略：%(names)s。") % {"names": names}, *reasons])


def _out_of_range(value: Any) -> bool:
    """A well-formed ISO date outside the years the filters accept (0001-01-01, 9999-12-31)."""
    text = param_text(value)
    if not ISO_DATE.fullmatch(text):
        return False
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return False
    return not DATE_MIN <= day <= DATE_MAX


# --- the audit log's columns -----------------------------------------------------------------------------


# The getters below run for every line of an export: labels are looked up once per language.


def _time(entry: AuditLog) -> str:
    return f"{timezone.localtime(entry.created_at):%Y-%m-%d %H:%M:%S}"


def _action(entry: AuditLog) -> str:
    return _action_labels(get_language()).get(entry.action, entry.action)


def _object_type(entry: AuditLog) -> str:
    ct = entry.content_type
    if ct is None:
        return ""
    model = ct.model_class()
    return _model_name(model, get_language()) if model else ct.model


def _changes_text(entry: AuditLog) -> str:
    return "\n".join(f"{field}：{before} → {after}" for field, before, after in changes_of(entry))


def _with_types(qs: QuerySet[AuditLog]) -> QuerySet[AuditLog]:
    return qs.select_related("content_type")


def _stream(rows: Iterable[AuditLog], user: Any) -> Iterator[AuditLog]:
    """The ledger's lines straight from the database cursor in chunks (every line: the export has no cap)."""
    return rows.iterator(chunk_size=2000) if isinstance(rows, QuerySet) else iter(rows)


def _hidden(label: Any) -> Any:
    """A header only screen readers read (the column of 详情 links)."""
    return lambda: format_html('<span class="visually-hidden">{}</span>', label)


# The audit administrator: the one role that reads the audit log (三权分立).
AUDITORS = frozenset(role for role, dimension in DIMENSION.items() if dimension == AUDIT_DIMENSION)

AUDIT = Resource(
    view="core:audit_list",
    testid="audit",
    filters=(
        Filter("q", gettext_lazy("关键词"), TEXT, placeholder=gettext_lazy("账号、对象、说明、请求编号或地址")),
        Filter("action", gettext_lazy("动作"), CHOICE, options=AuditAction.choices, values=AuditAction.values),
        Filter("ct", gettext_lazy("对象类型"), options="content_types"),
        Filter(
            "actor", gettext_lazy("操作人账号"), TEXT, placeholder=gettext_lazy("如 liming"), width="col-sm-6 col-lg-2"
        ),
        IpFilter("ip", gettext_lazy("客户端地址"), TEXT, placeholder=gettext_lazy("如 10.1.2.3")),
        Filter("date_from", gettext_lazy("开始日期"), DATE, input_id="f-from"),
        Filter("date_to", gettext_lazy("结束日期"), DATE, input_id="f-to"),
    ),
    columns=(
        Col("index", gettext_lazy("序号"), export=ROW_NUMBER, width=8, page=False, api=False),
        # The page shows the time to the second; the ledger holds it as an Excel time (local, yyyy-mm-dd hh:mm).
        Col(
            "created_at",
            gettext_lazy("时间"),
            _time,
            export=attr("created_at"),
            width=20,
            sort="time",
            css="text-nowrap",
        ),
        Col("actor_name", gettext_lazy("操作人账号"), attr("actor_name"), width=16, short=gettext_lazy("操作人")),
        Col("action", gettext_lazy("动作"), _action, width=10, css="text-nowrap", cell=AUDIT_CELLS),
        ledger_only("content_type", gettext_lazy("对象类型"), _object_type, 14),
        ledger_only("object_id", gettext_lazy("对象编号"), attr("object_id"), 10),
        Col("object_repr", gettext_lazy("对象"), attr("object_repr"), width=30, cell=AUDIT_CELLS),
        Col(
            "changes",
            gettext_lazy("变更内容（修改前 → 修改后）"),
            _changes_text,
            width=48,
            wrap=True,
            css="small",
            cell=AUDIT_CELLS,
            short=gettext_lazy("变更内容"),
        ),
        ledger_only("message", gettext_lazy("说明"), attr("message"), 30),
        Col("ip", gettext_lazy("客户端地址"), attr("ip"), width=16, css="text-nowrap"),
        Col(
            "request_id",
            gettext_lazy("请求编号"),
            attr("request_id"),
            width=34,
            css="text-secondary small",
            cell=AUDIT_CELLS,
        ),
        page_only("detail", _hidden(gettext_lazy("操作")), css="text-nowrap", cell=AUDIT_CELLS),
    ),
    sorts=AUDIT_SORTS,
    default_sort="-time",
    ledger=Ledger(
        title=gettext_lazy("审计日志"),
        name="审计日志",
        prepare=_with_types,
        rows=_stream,
    ),
    export_view="core:audit_export",
    select=lambda user, params: audit_lines(user, params),
    roles=AUDITORS,
    api_name="audit",
    keep_sort=True,
    noun=pgettext_lazy("rows of a list", "审计记录"),
    empty=gettext_lazy("暂无审计记录。"),
    empty_hint=gettext_lazy("登录、修改、越权访问和导出都会记录在这里。"),
    empty_icon="ti-shield-check",
)
# The note names the audit filters by their labels and says why a date was refused (see AuditSpec).
declare(AUDIT.view, spec=AuditSpec(labels={f.name: f.label for f in AUDIT.filters}))


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filter_audit(user: Any, filters: dict[str, Any]) -> QuerySet[AuditLog]:
    """Audit lines matching the filters as `audit_filters` reads them (None: not filtered). Exact filters
    hit the table's indexes; the keyword is a substring search (a scan, bounded by the other filters and the
    date range)."""
    qs = AuditLog.objects.visible_to(user)
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


def audit_lines(user: Any, params: Mapping[str, Any]) -> tuple[QuerySet[AuditLog], str]:
    """The audit lines the URL's filters select, sorted as it says (values the filters ignore: no filter):
    the page, the export and the API list."""
    filters, _ignored = audit_filters(params)
    qs = filter_audit(user, filters)
    return sort_queryset(qs, str(params.get("sort") or ""), AUDIT.sorts, AUDIT.default_sort)


# --- the inbox -------------------------------------------------------------------------------------------

UNREAD = "1"


def inbox_queryset(user: Any) -> NotificationQuerySet:
    """The reader's own notifications, with what a row shows."""
    return Notification.objects.visible_to(user).only("pk", "kind", "title", "body", "url", "created_at", "read_at")


def inbox_list(user: Any, unread_only: bool) -> NotificationQuerySet:
    """The inbox's rows: all the reader's notifications, or (the 未读 tab) only the unread ones."""
    mine = inbox_queryset(user)
    return mine.unread() if unread_only else mine


NOTIFICATIONS: Resource = Resource(
    view="core:inbox",
    testid="inbox",
    filters=(
        Filter("unread", gettext_lazy("未读"), CHOICE, options=((UNREAD, gettext_lazy("未读")),), values=(UNREAD,)),
    ),
    columns=(
        page_only("state", _hidden(gettext_lazy("状态")), css="w-1", cell=INBOX_CELLS),
        Col("title", gettext_lazy("通知"), attr("title"), cell=INBOX_CELLS),
        Col(
            "created_at",
            gettext_lazy("时间"),
            attr("created_at"),
            css="text-nowrap text-secondary small",
            cell=INBOX_CELLS,
        ),
        page_only("open", _hidden(gettext_lazy("操作")), align="text-end", css="text-nowrap", cell=INBOX_CELLS),
    ),
    queryset=inbox_queryset,
    select=lambda user, params: (inbox_list(user, NOTIFICATIONS.parse(params)["unread"] == UNREAD), ""),
    api_name="notifications",
    row_testid="inbox-item",
    empty_filtered=gettext_lazy("没有未读通知。"),
    empty=gettext_lazy("暂无通知。临期提醒、预警、督办和交办消息会出现在这里。"),
    empty_icon="ti-bell",
)
