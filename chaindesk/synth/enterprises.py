"""Synthetic enterprises: valid USCCs, placed in the districts, linked to one to three chains, most of them
assigned to a liaison officer of their district."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from chaindesk.accounts.choices import RegionLevel, Role
from chaindesk.accounts.models import Region, User
from chaindesk.chains.models import Chain
from chaindesk.demo import names
from chaindesk.enterprises.models import USCC_ALPHABET, Enterprise, EnterpriseAccount, uscc_check_digit

from .base import BulkWriter, Context, register, weighted

ORG_SPACE = 31**8  # the first 8 characters of the 9-character organisation code are a bijection of the index
ORG_STRIDE = 492_366_587  # coprime with 31, so i -> (i * stride + offset) mod 31**8 never repeats

CHAIN_WEIGHTS = {"biomed": 5.0, "chem": 3.0, "equip": 2.0}
DISTRICT_WEIGHTS = {"321281": 3.0, "321282": 2.5, "321283": 2.5, "321204": 1.5, "321202": 1.0, "321203": 1.0}
LINK_COUNT_WEIGHTS = (70, 25, 5)  # one, two or three chains
ASSIGNED_SHARE = 0.85
HONOURS = [
    ("", 72.0),
    ("国家高新技术企业", 14.0),
    ("省级专精特新中小企业", 8.0),
    ("专精特新“小巨人”企业", 3.0),
    ("国家高新技术企业；省级专精特新中小企业", 3.0),
]
SYLLABLES = "华康泰瑞恒达信诚源丰盛隆鑫宏远科正德安欣润嘉禾通联创越"
COLUMNS = (
    "id",
    "name",
    "uscc",
    "region_id",
    "address",
    "founded_on",
    "business",
    "honours",
    "liaison_id",
    "created_at",
)


def make_uscc(index: int, region_code: str, offset: int, last: str) -> str:
    """A unique, valid code for enterprise number `index`: 9 (enterprise) 1 (company), the region, then an
    organisation code that encodes the index, then the check character."""
    n = (index * ORG_STRIDE + offset) % ORG_SPACE
    org = []
    for _ in range(8):
        n, digit = divmod(n, 31)
        org.append(USCC_ALPHABET[digit])
    body = f"91{region_code}{''.join(org)}{last}"
    return body + uscc_check_digit(body)


def reset(writer: BulkWriter) -> None:
    writer.wipe(Enterprise.chains.through._meta.db_table, EnterpriseAccount._meta.db_table, Enterprise._meta.db_table)


@register("enterprises", reset=reset)
def generate(ctx: Context) -> None:
    rng = ctx.rng("enterprises")
    writer = ctx.writer
    n = ctx.scale.enterprises
    districts = list(Region.objects.filter(level=RegionLevel.DISTRICT).order_by("code"))
    chains = list(Chain.objects.order_by("sort_order", "code"))
    if not districts or not chains:
        raise RuntimeError("load the demo city first: synthetic enterprises need its districts and chains")
    liaisons: dict[int, list[int]] = defaultdict(list)
    for user_id, region_id in User.objects.filter(role=Role.LIAISON, is_active=True).values_list("pk", "region_id"):
        liaisons[region_id].append(user_id)
    existing = set(Enterprise.objects.values_list("uscc", flat=True))
    first_id = writer.next_id(Enterprise._meta.db_table)
    offset = rng.randrange(ORG_SPACE)
    place_names = {r.pk: r.name.removesuffix("市").removesuffix("区") for r in districts}
    chain_codes = {c.pk: c.code for c in chains}

    regions = weighted(rng, districts, [DISTRICT_WEIGHTS.get(r.code, 1.0) for r in districts], n)
    primary = weighted(rng, chains, [CHAIN_WEIGHTS.get(c.code, 1.0) for c in chains], n)
    link_counts = weighted(rng, (1, 2, 3), LINK_COUNT_WEIGHTS, n)
    honours = weighted(rng, [h for h, _ in HONOURS], [w for _, w in HONOURS], n)
    today = dt.datetime.combine(ctx.today, dt.time(10), tzinfo=dt.UTC)
    links: list[tuple[int, int]] = []

    def rows() -> Iterator[tuple[object, ...]]:
        for i in range(n):
            pk = first_id + i
            region, chain = regions[i], primary[i]
            chain_ids = [chain.pk]
            if link_counts[i] > 1:
                others = [c.pk for c in chains if c.pk != chain.pk]
                chain_ids += rng.sample(others, min(link_counts[i] - 1, len(others)))
            links.extend((pk, c) for c in chain_ids)
            trade = rng.choice(names.FIRM_TRADES.get(chain_codes[chain.pk], ["科技"]))
            head = rng.choice(names.FIRM_HEADS) if rng.random() < 0.5 else "".join(rng.sample(SYLLABLES, 2))
            place = place_names[region.pk] if rng.random() < 0.6 else rng.choice(("泰州", "江苏"))
            code = make_uscc(i, region.code, offset, rng.choice(USCC_ALPHABET))
            while code in existing:  # only the demo's few random codes could collide
                code = make_uscc(i, region.code, offset, rng.choice(USCC_ALPHABET))
            local = liaisons.get(region.pk)
            liaison = rng.choice(local) if local and rng.random() < ASSIGNED_SHARE else None
            founded = dt.date(1990, 1, 1) + dt.timedelta(days=rng.randrange(12_400))
            created = today - dt.timedelta(days=rng.randrange(1_095), minutes=rng.randrange(600))
            yield (
                pk,
                f"{place}{head}{trade}{rng.choice(names.FIRM_FORMS)}",
                code,
                region.pk,
                f"{region.name}{rng.choice(names.STREETS)}{rng.randint(1, 399)}号",
                founded.isoformat(),
                f"{trade}产品的研发、生产与销售。",
                honours[i],
                liaison,
                writer.ts(created),
            )

    with writer.bulk_load(Enterprise._meta.db_table, n):
        ctx.counts["enterprises"] = writer.insert(Enterprise._meta.db_table, COLUMNS, rows())
    writer.reset_sequences(Enterprise)
    through = Enterprise.chains.through._meta.db_table
    with writer.bulk_load(through, len(links)):
        ctx.counts["enterprise_chains"] = writer.insert(through, ("enterprise_id", "chain_id"), links)
