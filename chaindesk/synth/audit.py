"""Synthetic audit trail: a year of logins, failed logins, edits and exports by the city's users.

Rows are generated in time order over the working hours of the past year's weekdays (08:30-18:00 local
time), so ids grow with time as in a real trail. Edits point at generated enterprises."""

import datetime as dt
from collections.abc import Iterator

from django.contrib.contenttypes.models import ContentType

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import User
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.enterprises.models import Enterprise

from .base import BulkWriter, Context, register, weighted

# (action, share in percent): what a year of a real trail looks like, mostly logins and edits.
ACTION_MIX = [
    (AuditAction.LOGIN, 24.0),
    (AuditAction.LOGOUT, 9.0),
    (AuditAction.LOGIN_FAILED, 4.0),
    (AuditAction.LOGIN_LOCKED, 0.2),
    (AuditAction.CREATE, 12.0),
    (AuditAction.UPDATE, 46.0),
    (AuditAction.EXPORT, 2.8),
    (AuditAction.PERMISSION_DENIED, 2.0),
]
ROLE_ACTIVITY: dict[str, float] = {
    Role.LIAISON: 5.0,
    Role.TEAM_MEMBER: 3.0,
    Role.DISTRICT_ADMIN: 2.0,
    Role.DEPT_HANDLER: 2.0,
    Role.CITY_LEADER: 1.0,
    Role.ENTERPRISE: 1.0,
    Role.SYS_ADMIN: 0.5,
    Role.AUDIT_ADMIN: 0.5,
}
UPDATES = [
    ("address", "兴化市经济开发区88号", "兴化市经济开发区英武路88号"),
    ("business", "药包材研发、制造", "药包材研发、制造、销售"),
    ("honours", "", "国家高新技术企业"),
    ("honours", "国家高新技术企业", "国家高新技术企业；省级专精特新中小企业"),
    ("founded_on", None, "2012-05-18"),
    ("name", "泰州康源医药有限公司", "泰州康源医药股份有限公司"),
]
CREATE, UPDATE, DENIED = AuditAction.CREATE.value, AuditAction.UPDATE.value, AuditAction.PERMISSION_DENIED.value
EXPORT, FAILED, LOCKED = AuditAction.EXPORT.value, AuditAction.LOGIN_FAILED.value, AuditAction.LOGIN_LOCKED.value
DAY_START_UTC = 30 * 60  # 08:30 in Asia/Shanghai is 00:30 UTC, so the UTC date is the local date
DAY_SECONDS = int(9.5 * 3600)
CHUNK = 50_000
COLUMNS = (
    "created_at",
    "actor_id",
    "actor_name",
    "ip",
    "request_id",
    "action",
    "content_type_id",
    "object_id",
    "object_repr",
    "before",
    "after",
    "message",
)


def _json(value: object) -> str:
    if value is None:
        return "null"
    return f'"{value}"'


def reset(writer: BulkWriter) -> None:
    writer.wipe(AuditLog._meta.db_table)


@register("audit", reset=reset)
def generate(ctx: Context) -> None:
    rng = ctx.rng("audit")
    writer = ctx.writer
    n = ctx.scale.audit_rows
    users = list(User.objects.filter(is_active=True).order_by("pk").values_list("pk", "username", "role"))
    enterprises = list(Enterprise.objects.order_by("pk").values_list("pk", "name", "region_id"))
    if not users or not enterprises:
        raise RuntimeError("synthetic audit rows need users and enterprises")
    ct = ContentType.objects.get_for_model(Enterprise).pk
    actors = [(pk, username, f"10.12.{pk // 250 % 250}.{pk % 250 + 2}") for pk, username, _ in users]
    activity = [ROLE_ACTIVITY.get(role, 1.0) for _, _, role in users]
    updates = [(f'{{"{f}": {_json(b)}}}', f'{{"{f}": {_json(a)}}}') for f, b, a in UPDATES]
    first = ctx.today - dt.timedelta(days=365)
    days = [first + dt.timedelta(days=d) for d in range(366)]
    prefixes = [f"{d.isoformat()} " for d in days if d.weekday() < 5]
    work_seconds = len(prefixes) * DAY_SECONDS
    suffix = writer.tz_suffix
    actions = [a.value for a, _ in ACTION_MIX]  # plain str for the drivers
    action_weights = [w for _, w in ACTION_MIX]
    n_ent = len(enterprises)

    def rows() -> Iterator[tuple[object, ...]]:
        for start in range(0, n, CHUNK):
            size = min(CHUNK, n - start)
            chunk_actions = weighted(rng, actions, action_weights, size)
            chunk_actors = weighted(rng, actors, activity, size)
            for j in range(size):
                i = start + j
                day, second = divmod(i * work_seconds // n, DAY_SECONDS)
                hours, rest = divmod(DAY_START_UTC + second, 3600)
                created = f"{prefixes[day]}{hours:02d}:{rest // 60:02d}:{rest % 60:02d}{suffix}"
                action = chunk_actions[j]
                actor_id, actor_name, ip = chunk_actors[j]
                ct_id = None
                object_id = object_repr = message = ""
                before = after = None
                if action in (CREATE, UPDATE, DENIED):
                    ent_id, ent_name, region_id = enterprises[rng.randrange(n_ent)]
                    ct_id, object_id, object_repr = ct, str(ent_id), ent_name
                    if action == CREATE:
                        after = f'{{"name": "{ent_name}", "region": {region_id}}}'
                    elif action == UPDATE:
                        before, after = updates[rng.randrange(len(updates))]
                    else:
                        message = f"GET /enterprises/{ent_id}/"
                elif action == EXPORT:
                    message = "企业名单导出"
                elif action in (FAILED, LOCKED):
                    actor_id = None
                    if rng.random() < 0.3:  # guessing from outside: unknown names, foreign addresses
                        actor_name, ip = f"admin{rng.randrange(100)}", f"203.0.113.{rng.randrange(1, 255)}"
                yield (
                    created,
                    actor_id,
                    actor_name,
                    ip,
                    f"{rng.getrandbits(64):016x}",
                    action,
                    ct_id,
                    object_id,
                    object_repr,
                    before,
                    after,
                    message,
                )

    with writer.bulk_load(AuditLog._meta.db_table, n):
        ctx.counts["audit"] = writer.insert(AuditLog._meta.db_table, COLUMNS, rows())
