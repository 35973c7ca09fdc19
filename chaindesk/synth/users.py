"""Synthetic logins: liaison officers spread over the districts and department handlers.

They get an unusable password (nobody signs in as them); the demo personas stay the ones to log in with."""

import datetime as dt

from chaindesk.accounts.choices import RegionLevel, Role
from chaindesk.accounts.models import Department, Region, User
from chaindesk.demo import names

from .base import SYNTH_USER_PREFIX, BulkWriter, Context, register, weighted

# Relative size of each district's liaison corps (bigger counties, more enterprises, more liaisons).
DISTRICT_WEIGHTS = {"321281": 3.0, "321282": 2.5, "321283": 2.5, "321204": 1.5, "321202": 1.0, "321203": 1.0}
COLUMNS = (
    "id",
    "password",
    "last_login",
    "is_superuser",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "is_active",
    "date_joined",
    "display_name",
    "role",
    "title",
    "region_id",
    "department_id",
    "phone",
    "is_department_head",
    "must_change_password",  # False: the raw insert has no model default to fall back on
    "session_generation",  # 0, likewise
)


def reset(writer: BulkWriter) -> None:
    table = writer.connection.ops.quote_name(User._meta.db_table)
    prefix = SYNTH_USER_PREFIX.replace("_", "\\_")
    writer.execute(f"DELETE FROM {table} WHERE username LIKE %s ESCAPE '\\'", [f"{prefix}%"])  # noqa: S608


@register("users", reset=reset)
def generate(ctx: Context) -> None:
    rng = ctx.rng("users")
    writer = ctx.writer
    districts = list(Region.objects.filter(level=RegionLevel.DISTRICT).order_by("code"))
    city = Region.objects.filter(level=RegionLevel.CITY).order_by("code").first()
    departments = list(Department.objects.order_by("sort_order", "code"))
    if not districts or city is None or not departments:
        raise RuntimeError("load the demo city first: synthetic users need its regions and departments")
    next_id = writer.next_id(User._meta.db_table)
    joined = writer.ts(dt.datetime.combine(ctx.today - dt.timedelta(days=730), dt.time(9), tzinfo=dt.UTC))
    placed = weighted(rng, districts, [DISTRICT_WEIGHTS.get(r.code, 1.0) for r in districts], ctx.scale.liaisons)

    def person(
        username: str, role: str, title: str, region_id: int, department_id: int | None, head: bool = False
    ) -> tuple:
        nonlocal next_id
        next_id += 1
        name = rng.choice(names.SURNAMES) + rng.choice(names.GIVEN)
        phone = f"13{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"
        row = (next_id - 1, "!synthetic", None, False, username, "", "", "", False, True, joined, name, role, title)
        return (*row, region_id, department_id, phone, head, False, 0)

    rows = [
        person(f"{SYNTH_USER_PREFIX}lz_{i:05d}", Role.LIAISON, f"{region.name}挂钩服务专员", region.pk, None)
        for i, region in enumerate(placed, start=1)
    ]
    for i in range(1, ctx.scale.handlers + 1):
        dept = departments[(i - 1) % len(departments)]
        head = i <= len(departments)  # the first handler of each department is its head (预警 goes to heads)
        title = f"{dept.short_name}{'负责人' if head else '经办人'}"
        rows.append(person(f"{SYNTH_USER_PREFIX}dh_{i:05d}", Role.DEPT_HANDLER, title, city.pk, dept.pk, head))
    ctx.counts["users"] = writer.insert(User._meta.db_table, COLUMNS, rows)
    writer.reset_sequences(User)
