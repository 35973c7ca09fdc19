"""Synthetic investment leads at every stage and from every source, with their follow-ups.

A referral (以商引商) names a generated enterprise, a talent lead a generated talent, an R&D lead a partner,
a remote one (异地对接) the city it came from. Owners are the synthetic liaisons. The latest follow-up of an
open lead sets its next action and date (some already overdue); a signed lead points at a distinct generated
project past 在谈 (same chain, node and region) and an abandoned one has a reason."""

import datetime as dt
import math
import random
from collections.abc import Iterator

from chaindesk.accounts.choices import RegionLevel
from chaindesk.accounts.models import Region
from chaindesk.demo import names
from chaindesk.leads.choices import OPEN, LeadSource, LeadStage
from chaindesk.leads.models import Lead, LeadFollowUp
from chaindesk.network.models import RdPartner, Talent
from chaindesk.projects.choices import ProjectStage
from chaindesk.projects.models import Project

from .base import BulkWriter, Context, register, weighted
from .network import synthetic_liaisons
from .projects import first_synthetic_project, leaf_nodes
from .registry import first_synthetic_enterprise

SOURCE_WEIGHTS = [
    (LeadSource.REFERRAL.value, 25.0),
    (LeadSource.TALENT.value, 15.0),
    (LeadSource.REMOTE.value, 25.0),
    (LeadSource.EXPO.value, 13.0),
    (LeadSource.RD.value, 12.0),
    (LeadSource.OTHER.value, 10.0),
]
STAGE_WEIGHTS = [
    (LeadStage.NEW.value, 20.0),
    (LeadStage.CONTACTED.value, 20.0),
    (LeadStage.INSPECTED.value, 15.0),
    (LeadStage.NEGOTIATING.value, 15.0),
    (LeadStage.SIGNED.value, 12.0),
    (LeadStage.ABANDONED.value, 18.0),
]
FOLLOW_UPS = {
    LeadStage.NEW: (0, 1),
    LeadStage.CONTACTED: (1, 2),
    LeadStage.INSPECTED: (1, 3),
    LeadStage.NEGOTIATING: (2, 4),
    LeadStage.SIGNED: (2, 5),
    LeadStage.ABANDONED: (1, 3),
}
REMOTE_CITIES = ["上海", "北京", "广州", "深圳", "杭州", "苏州"]
EXPOS = ["中国国际医药原料药展（CPHI）", "中国国际医疗器械博览会（CMEF）", "中国国际工业博览会", "中国国际进口博览会"]
COLUMNS = (
    "id", "title", "source", "referrer_id", "talent_id", "rd_partner_id", "source_city", "investor", "chain_id",
    "node_id", "region_id", "estimated_investment", "description", "owner_id", "stage", "abandon_reason",
    "stage_changed_on", "next_action", "next_action_on", "last_follow_up_on", "project_id", "created_by_id",
    "created_at",
)  # fmt: skip


def reset(writer: BulkWriter) -> None:
    writer.wipe(LeadFollowUp._meta.db_table, Lead._meta.db_table)


def _signable_projects(ctx: Context) -> list[tuple[int, int, int | None, int, str, str, float, dt.date]]:
    """Generated projects that were signed: (pk, chain, node, region, name, owner, investment, signed_on)."""
    first = first_synthetic_project(ctx)
    qs = Project.objects.filter(pk__gte=first).exclude(stage=ProjectStage.NEGOTIATING).exclude(signed_on=None)
    fields = ("pk", "chain_id", "node_id", "region_id", "name", "enterprise__name", "investor_name")
    return [
        (pk, chain, node, region, name, enterprise or investor, float(planned or 0), signed)
        for pk, chain, node, region, name, enterprise, investor, planned, signed in qs.order_by("pk").values_list(
            *fields, "planned_investment", "signed_on"
        )
    ]


@register("leads", reset=reset)
def generate(ctx: Context) -> None:
    rng = ctx.rng("leads")
    writer = ctx.writer
    n = ctx.scale.leads
    owners = synthetic_liaisons()
    leaves = leaf_nodes()
    chains = sorted(leaves)
    districts = list(Region.objects.filter(level=RegionLevel.DISTRICT).order_by("pk").values_list("pk", flat=True))
    talents = list(Talent.objects.order_by("pk").values_list("pk", flat=True))
    partners = list(RdPartner.objects.order_by("pk").values_list("pk", "city"))
    enterprise_range = (first_synthetic_enterprise(ctx), ctx.scale.enterprises)
    signable = _signable_projects(ctx)
    rng.shuffle(signable)
    first = writer.next_id(Lead._meta.db_table)
    sources = weighted(rng, [s for s, _ in SOURCE_WEIGHTS], [w for _, w in SOURCE_WEIGHTS], n)
    stages = weighted(rng, [s for s, _ in STAGE_WEIGHTS], [w for _, w in STAGE_WEIGHTS], n)
    follow_ups: list[tuple[object, ...]] = []

    def rows() -> Iterator[tuple[object, ...]]:
        for i in range(n):
            pk, source, stage = first + i, sources[i], stages[i]
            referrer = talent = partner = region = None
            city = ""
            if source == LeadSource.REFERRAL:
                referrer = enterprise_range[0] + rng.randrange(enterprise_range[1])
            elif source == LeadSource.TALENT and talents:
                talent = rng.choice(talents)
            elif source == LeadSource.RD and partners:
                partner, city = rng.choice(partners)
            elif source == LeadSource.REMOTE:
                city = rng.choice(REMOTE_CITIES)
            project = signable.pop() if stage == LeadStage.SIGNED and signable else None
            if stage == LeadStage.SIGNED and project is None:
                stage = LeadStage.NEGOTIATING
            if project:
                pk_project, chain, node, region, title, investor, investment, changed = project
            else:
                pk_project, chain = None, rng.choice(chains)
                node, product = rng.choice(leaves[chain])
                region = rng.choice(districts) if districts and rng.random() < 0.9 else None
                investment = max(500.0, round(math.exp(rng.gauss(9.2, 1.0)), -2))
                investor = (
                    f"{city or rng.choice(REMOTE_CITIES)}{rng.choice(names.FIRM_HEADS)}{rng.choice(names.FIRM_FORMS)}"
                )
                title = f"{investor[:4]}{rng.choice(names.PRODUCTS.get(product, ['新产品']))}项目"
                changed = ctx.today - dt.timedelta(days=rng.randrange(0, 365))
            created = changed - dt.timedelta(days=rng.randrange(0, 240))
            last, action, action_on = _follow_ups(ctx, rng, pk, stage, created, changed, owners, follow_ups)
            description = f"{rng.choice(EXPOS)}上接触的投资意向。" if source == LeadSource.EXPO else ""
            yield (
                pk, title[:100], source, referrer, talent, partner, city, investor[:100], chain, node, region,
                f"{investment:.2f}", description, rng.choice(owners), stage,
                rng.choice(names.ABANDON_REASONS) if stage == LeadStage.ABANDONED else "", changed.isoformat(),
                action, action_on, last, pk_project, rng.choice(owners),
                writer.ts(dt.datetime.combine(created, dt.time(9), tzinfo=dt.UTC)),
            )  # fmt: skip

    with writer.bulk_load(Lead._meta.db_table, n):
        ctx.counts["leads"] = writer.insert(Lead._meta.db_table, COLUMNS, rows())
    writer.reset_sequences(Lead)
    columns = ("lead_id", "followed_on", "notes", "next_action", "next_action_on", "created_by_id", "created_at")
    with writer.bulk_load(LeadFollowUp._meta.db_table, len(follow_ups)):
        ctx.counts["lead_follow_ups"] = writer.insert(LeadFollowUp._meta.db_table, columns, follow_ups)


def _follow_ups(
    ctx: Context,
    rng: random.Random,
    pk: int,
    stage: str,
    created: dt.date,
    changed: dt.date,
    owners: list[int],
    out: list[tuple[object, ...]],
) -> tuple[str | None, str, str | None]:
    """Append a lead's follow-ups (dates between its creation and its last stage change, or today while it is
    open); returns (last follow-up date, next action, next action date) for the lead row."""
    low, high = FOLLOW_UPS[LeadStage(stage)]
    count = rng.randint(low, high)
    end = ctx.today if stage in OPEN else changed
    span = max((end - created).days, 0)
    days = sorted(created + dt.timedelta(days=rng.randint(0, span)) for _ in range(count))
    author = rng.choice(owners)
    action, action_on = "", None
    for k, on in enumerate(days):
        latest = k == len(days) - 1
        next_action = rng.choice(names.NEXT_ACTIONS)
        next_on: dt.date | None = on + dt.timedelta(days=rng.randrange(7, 45))
        if latest and stage not in OPEN:
            next_action, next_on = "", None
        if latest:
            action, action_on = next_action, next_on
        stamp = ctx.writer.ts(dt.datetime.combine(on, dt.time(15), tzinfo=dt.UTC))
        out.append(
            (pk, on.isoformat(), rng.choice(names.FOLLOW_UP_NOTES), next_action,
             next_on.isoformat() if next_on else None, author, stamp)
        )  # fmt: skip
    return (days[-1].isoformat() if days else None), action, (action_on.isoformat() if action_on else None)
