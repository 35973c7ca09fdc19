"""Reads on talents, partners and cooperations, always starting from the user's visible set."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import CharField, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast

from chaindesk.accounts.models import User
from chaindesk.chains.models import Chain
from chaindesk.core import clock
from chaindesk.core.aggregates import count_of
from chaindesk.core.listing import sort_queryset
from chaindesk.core.params import param_days, param_id, param_text
from chaindesk.enterprises.models import Enterprise

from .models import CooperationStatus, PartnerKind, RdCooperation, RdPartner, Talent

TALENT_SORTS = {
    "name": "name",
    "city": "city",
    "organisation": "organisation",
    "keeper": "keeper__display_name",
    "contact": "last_contact_on",
    "created": "created_at",
}
PARTNER_SORTS = {
    "name": "name",
    "city": "city",
    "kind": "kind",
    "cooperations": "n_cooperations",
}
# The cooperations the R&D map counts: under way, being negotiated or completed; stopped ones are left out.
COUNTED_STATUSES = (CooperationStatus.ACTIVE, CooperationStatus.TALKING, CooperationStatus.DONE)


def talent_list(user: Any, params: dict[str, str]) -> tuple[QuerySet[Talent], str]:
    """The filtered, sorted talents a user may see. Filters: q (name, organisation, field, title or ties),
    city (exact), chain, keeper, stale (no contact in N days, never contacted included)."""
    qs = Talent.objects.visible_to(user).select_related("keeper", "hometown")
    q = param_text(params.get("q"))
    if q:
        qs = qs.filter(
            Q(name__contains=q)
            | Q(organisation__contains=q)
            | Q(field__contains=q)
            | Q(title__contains=q)
            | Q(ties__contains=q)
        )
    if city := param_text(params.get("city")):
        qs = qs.filter(city=city)
    if (chain := param_id(params.get("chain"))) is not None:
        qs = qs.filter(Exists(Talent.chains.through.objects.filter(talent_id=OuterRef("pk"), chain_id=chain)))
    if (keeper := param_id(params.get("keeper"))) is not None:
        qs = qs.filter(keeper_id=keeper)
    if (stale := param_days(params.get("stale"))) is not None:
        cutoff = clock.today() - dt.timedelta(days=stale)
        qs = qs.filter(Q(last_contact_on__isnull=True) | Q(last_contact_on__lt=cutoff))
    return sort_queryset(qs, params.get("sort", ""), TALENT_SORTS, "name")


@dataclass
class TalentChoices:
    chains: list[tuple[int, str]] = field(default_factory=list)
    keepers: list[tuple[int, str]] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)


def _rows(qs: QuerySet[Any], kind: str, pk: Any, name: str) -> QuerySet[Any]:
    return (
        qs.order_by()
        .annotate(
            c_kind=Value(kind, output_field=CharField()),
            c_id=Cast(pk, IntegerField()) if isinstance(pk, str) else pk,
            c_name=Cast(name, CharField()),
        )
        .values_list("c_kind", "c_id", "c_name")
    )


def talent_choices(user: Any) -> TalentChoices:
    """The filters' options (chains, the keepers and cities of visible talents) in one UNION query."""
    visible = Talent.objects.visible_to(user)
    parts = [
        _rows(Chain.objects.all(), "chain", "pk", "name"),
        _rows(User.objects.filter(pk__in=visible.values("keeper_id")), "keeper", "pk", "display_name"),
        _rows(visible, "city", Value(0, output_field=IntegerField()), "city").distinct(),
    ]
    choices = TalentChoices()
    for kind, pk, name in parts[0].union(*parts[1:], all=True):
        if kind == "chain":
            choices.chains.append((pk, name))
        elif kind == "keeper":
            choices.keepers.append((pk, name))
        else:
            choices.cities.append(name)
    choices.chains.sort()
    choices.keepers.sort(key=lambda k: k[1])
    choices.cities.sort()
    return choices


def with_chains(qs: QuerySet[Talent]) -> QuerySet[Talent]:
    return qs.prefetch_related("chains")


def talent_contacts(talent: Talent) -> QuerySet[Any]:
    return talent.contacts.select_related("created_by")


def visible_cooperations(user: Any) -> QuerySet[RdCooperation]:
    return RdCooperation.objects.visible_to(user)


def partner_list(user: Any, params: dict[str, str]) -> tuple[QuerySet[RdPartner], str]:
    """Partners with the number of their cooperations (and enterprises) the user may see. Filters: q (name or
    fields), city (exact), kind."""
    # Correlated counts of the reader's cooperations with each partner: a COUNT FILTER over `enterprise IN (every
    # visible enterprise)` rescanned a province chief's 587k enterprises for each cooperation (minutes).
    mine = RdCooperation.objects.visible_to(user).filter(partner_id=OuterRef("pk"))
    qs = RdPartner.objects.visible_to(user).annotate(
        n_cooperations=count_of(mine), n_enterprises=count_of(mine, distinct="enterprise_id")
    )
    q = param_text(params.get("q"))
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(fields__contains=q))
    if city := param_text(params.get("city")):
        qs = qs.filter(city=city)
    if (kind := params.get("kind", "").strip()) in PartnerKind.values:
        qs = qs.filter(kind=kind)
    return sort_queryset(qs, params.get("sort", ""), PARTNER_SORTS, "city")


def partner_cities(user: Any) -> list[str]:
    rows = RdPartner.objects.visible_to(user).order_by("city").values_list("city", flat=True).distinct()
    return list(rows)


def partner_cooperations(user: Any, partner: RdPartner) -> QuerySet[RdCooperation]:
    return (
        RdCooperation.objects.visible_to(user)
        .filter(partner=partner)
        .select_related("enterprise", "enterprise__region")
        .order_by("-started_on", "pk")
    )


def enterprise_cooperations(enterprise: Enterprise) -> QuerySet[RdCooperation]:
    return enterprise.rd_cooperations.select_related("partner").order_by("-started_on", "pk")


@dataclass
class MapCell:
    cooperations: int = 0
    enterprises: int = 0


@dataclass
class MapCity:
    city: str
    cooperations: int
    enterprises: int
    cells: list[MapCell] = field(default_factory=list)


@dataclass
class RdMap:
    """Where local firms' R&D happens. Cities ordered by cooperations (most first); `chains` are the columns
    of the city × chain table, `None` standing for enterprises on no chain."""

    cities: list[MapCity] = field(default_factory=list)
    chains: list[tuple[int | None, str]] = field(default_factory=list)
    chain_totals: list[MapCell] = field(default_factory=list)
    cooperations: int = 0
    enterprises: int = 0


def rd_map(user: Any) -> RdMap:
    """Counted cooperations (COUNTED_STATUSES) of the enterprises the user may see, by partner city and by the
    enterprise's chains (an enterprise on two chains counts in both columns). One grouped query (cooperations per
    enterprise, partner city and chain), folded here: each cooperation has one enterprise, so a cell's, a chain's,
    a city's and the whole map's counts add up from it (a city's and the total taking each enterprise's row once,
    whatever its chains). Four scans of a province's visible cooperations took 1.3 s."""
    chain_keys = ("enterprise__chains__id", "enterprise__chains__name", "enterprise__chains__sort_order")
    rows = (
        RdCooperation.objects.visible_to(user)
        .filter(status__in=COUNTED_STATUSES)
        .order_by()
        .values_list("enterprise_id", "partner__city", *chain_keys)
        .annotate(n=Count("pk"))
    )
    cells: dict[tuple[str, Any], list[Any]] = {}  # (city, chain) -> [cooperations, {enterprises}]
    by_chain: dict[Any, list[Any]] = {}
    by_city: dict[str, list[Any]] = {}
    chains: dict[Any, tuple[str, int]] = {}
    counted: set[tuple[int, str]] = set()  # (enterprise, city) already added to its city and the total
    total: list[Any] = [0, set()]
    for enterprise, city, chain, name, order, n in rows:
        chains[chain] = (name or "", order or 0)
        for bucket in (cells.setdefault((city, chain), [0, set()]), by_chain.setdefault(chain, [0, set()])):
            bucket[0] += n
            bucket[1].add(enterprise)
        city_bucket = by_city.setdefault(city, [0, set()])
        city_bucket[1].add(enterprise)
        total[1].add(enterprise)
        if (enterprise, city) not in counted:
            counted.add((enterprise, city))
            city_bucket[0] += n
            total[0] += n
    result = RdMap(cooperations=total[0], enterprises=len(total[1]))
    order = sorted(chains, key=lambda c: (c is None, chains[c][1], c or 0))
    result.chains = [(c, chains[c][0]) for c in order]
    result.chain_totals = [MapCell(by_chain[c][0], len(by_chain[c][1])) for c in order]
    for city, (n, firms) in sorted(by_city.items(), key=lambda item: (-item[1][0], item[0])):
        row = [
            MapCell(cells[(city, c)][0], len(cells[(city, c)][1])) if (city, c) in cells else MapCell() for c in order
        ]
        result.cities.append(MapCity(city, n, len(firms), row))
    return result
