"""Synthetic network: hometown talents (在外能人) with their contact logs and chains, R&D partners in other
cities, and R&D cooperations of generated enterprises with them.

Keepers and authors are the synthetic liaisons; Talent.last_contact_on is the latest contact written."""

import datetime as dt
from collections.abc import Iterator

from chaindesk.accounts.choices import RegionLevel, Role
from chaindesk.accounts.models import Region, User
from chaindesk.chains.models import Chain
from chaindesk.demo import names
from chaindesk.network.models import (
    ContactKind,
    CooperationStatus,
    PartnerKind,
    RdCooperation,
    RdPartner,
    Talent,
    TalentContact,
)

from .base import SYNTH_USER_PREFIX, BulkWriter, Context, register
from .registry import first_synthetic_enterprise

CONTACTS_PER_TALENT = (0, 4)
COOPERATION_SHARE = 0.08  # of generated enterprises
PARTNER_KINDS = [PartnerKind.UNIVERSITY, PartnerKind.INSTITUTE, PartnerKind.PLATFORM, PartnerKind.CORPORATE]
CONTACT_NOTES = [
    "春节返乡座谈，介绍家乡产业链招商重点。",
    "电话联系，了解其所在企业产能布局调整计划。",
    "赴{city}拜访，对方愿意牵线上下游企业来泰考察。",
    "参加在外能人恳谈会，交流生物医药项目信息。",
]
STATUS_WEIGHTS = [
    (CooperationStatus.TALKING.value, 2),
    (CooperationStatus.ACTIVE.value, 5),
    (CooperationStatus.DONE.value, 2),
    (CooperationStatus.STOPPED.value, 1),
]


def reset(writer: BulkWriter) -> None:
    writer.wipe(
        RdCooperation._meta.db_table,
        RdPartner._meta.db_table,
        TalentContact._meta.db_table,
        Talent.chains.through._meta.db_table,
        Talent._meta.db_table,
    )


def synthetic_liaisons() -> list[int]:
    users = User.objects.filter(role=Role.LIAISON, username__startswith=SYNTH_USER_PREFIX).order_by("pk")
    return list(users.values_list("pk", flat=True))


def _talents(ctx: Context, keepers: list[int]) -> None:
    rng = ctx.rng("network:talents")
    writer = ctx.writer
    n = ctx.scale.talents
    districts = list(Region.objects.filter(level=RegionLevel.DISTRICT).order_by("code").values_list("pk", flat=True))
    chains = list(Chain.objects.order_by("sort_order", "code").values_list("pk", flat=True))
    first = writer.next_id(Talent._meta.db_table)
    contacts: list[tuple[object, ...]] = []
    links: list[tuple[int, int]] = []
    stamp = writer.ts(dt.datetime.combine(ctx.today - dt.timedelta(days=700), dt.time(9), tzinfo=dt.UTC))

    def rows() -> Iterator[tuple[object, ...]]:
        for i in range(n):
            pk = first + i
            city = rng.choice(names.TALENT_CITIES)
            keeper = rng.choice(keepers)
            last = None
            for _ in range(rng.randint(*CONTACTS_PER_TALENT)):
                on = ctx.today - dt.timedelta(days=rng.randrange(600))
                last = max(last, on) if last else on
                kind = rng.choice(ContactKind.values)
                contacts.append((pk, on.isoformat(), kind, rng.choice(CONTACT_NOTES).format(city=city), keeper, stamp))
            links.extend((pk, c) for c in rng.sample(chains, rng.choice((1, 1, 2))))
            org = f"{city}{rng.choice(names.FIRM_HEADS)}{rng.choice(names.FIRM_TRADES['biomed'])}有限公司"
            yield (
                pk,
                rng.choice(names.SURNAMES) + rng.choice(names.GIVEN),
                city,
                org,
                rng.choice(names.TALENT_TITLES),
                rng.choice(names.TALENT_FIELDS),
                rng.choice(districts),
                rng.choice(names.TALENT_TIES),
                f"139{rng.randint(0, 99_999_999):08d}",
                keeper,
                "",
                last.isoformat() if last else None,
                stamp,
            )

    columns = (
        "id", "name", "city", "organisation", "title", "field", "hometown_id", "ties", "phone", "keeper_id", "notes",
        "last_contact_on", "created_at",
    )  # fmt: skip
    with writer.bulk_load(Talent._meta.db_table, n):
        ctx.counts["talents"] = writer.insert(Talent._meta.db_table, columns, rows())
    writer.reset_sequences(Talent)
    through = Talent.chains.through._meta.db_table
    ctx.counts["talent_chains"] = writer.insert(through, ("talent_id", "chain_id"), links)
    contact_columns = ("talent_id", "contacted_on", "kind", "notes", "created_by_id", "created_at")
    with writer.bulk_load(TalentContact._meta.db_table, len(contacts)):
        ctx.counts["talent_contacts"] = writer.insert(TalentContact._meta.db_table, contact_columns, contacts)


def partner_names(count: int, taken: set[str]) -> Iterator[tuple[str, str, str]]:
    """(name, city, field) of `count` invented institutions, unique and not among `taken`."""
    made = 0
    for n in range(1, count * 10 + 1):
        for city in names.PARTNER_CITIES:
            for field in names.PARTNER_FIELDS:
                form = names.PARTNER_FORMS[(n - 1) % len(names.PARTNER_FORMS)]
                suffix = "" if n <= len(names.PARTNER_FORMS) else f"第{(n - 1) // len(names.PARTNER_FORMS) + 1}分院"
                name = f"{city}{field}{form}{suffix}"
                if name in taken:
                    continue
                taken.add(name)
                yield name, city, field
                made += 1
                if made == count:
                    return


def _partners(ctx: Context, authors: list[int]) -> None:
    rng = ctx.rng("network:partners")
    writer = ctx.writer
    first = writer.next_id(RdPartner._meta.db_table)
    stamp = writer.ts(dt.datetime.combine(ctx.today - dt.timedelta(days=700), dt.time(9), tzinfo=dt.UTC))
    made = list(partner_names(ctx.scale.partners, set(RdPartner.objects.values_list("name", flat=True))))
    rows = [
        (
            first + i,
            name,
            rng.choice(PARTNER_KINDS).value,
            city,
            f"{field}、{rng.choice(names.PARTNER_FIELDS)}",
            "",
            stamp,
        )
        for i, (name, city, field) in enumerate(made)
    ]
    ctx.counts["rd_partners"] = writer.insert(
        RdPartner._meta.db_table, ("id", "name", "kind", "city", "fields", "notes", "created_at"), rows
    )
    writer.reset_sequences(RdPartner)
    partners = [(pk, field) for (pk, *_), (_, _, field) in zip(rows, made, strict=True)]
    first_enterprise = first_synthetic_enterprise(ctx)
    statuses = [s for s, _ in STATUS_WEIGHTS]
    weights = [w for _, w in STATUS_WEIGHTS]

    def cooperations() -> Iterator[tuple[object, ...]]:
        if not partners:
            return
        for pk in range(first_enterprise, first_enterprise + ctx.scale.enterprises):
            if rng.random() >= COOPERATION_SHARE:
                continue
            partner, field = rng.choice(partners)
            started = ctx.today - dt.timedelta(days=rng.randrange(30, 1500))
            status = rng.choices(statuses, weights)[0]
            ended = None
            if status in (CooperationStatus.DONE, CooperationStatus.STOPPED):
                ended = min(ctx.today, started + dt.timedelta(days=rng.randrange(90, 720))).isoformat()
            subject = rng.choice(names.COOPERATION_SUBJECTS).format(field=field)
            yield pk, partner, subject, started.isoformat(), ended, status, rng.choice(authors), stamp

    columns = ("enterprise_id", "partner_id", "subject", "started_on", "ended_on", "status", "created_by_id")
    with writer.bulk_load(RdCooperation._meta.db_table, int(ctx.scale.enterprises * COOPERATION_SHARE)):
        ctx.counts["rd_cooperations"] = writer.insert(
            RdCooperation._meta.db_table, (*columns, "created_at"), cooperations()
        )


@register("network", reset=reset)
def generate(ctx: Context) -> None:
    liaisons = synthetic_liaisons()
    if not liaisons:
        raise RuntimeError("synthetic talents need the synthetic liaisons (users generator)")
    _talents(ctx, liaisons)
    _partners(ctx, liaisons)
