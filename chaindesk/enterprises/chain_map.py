"""The enterprises on a chain's nodes, for the chain map (registered in chaindesk.chains.extensions, so
the chains app never imports this app): the placements with their 链主 and 规上 flags, and the node panel."""

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from chaindesk.chains import gaps
from chaindesk.chains.models import Chain

from .models import Enterprise, Indicator, Qualification


def enterprise_links(chain: Chain) -> QuerySet[Any]:
    """(node_id, enterprise_id, is_lianzhu, is_scale) for every enterprise placed on a node of `chain`."""
    through = Enterprise.nodes.through
    quals = Qualification.objects.filter(enterprises=OuterRef("enterprise_id"))
    latest_revenue = (
        Indicator.objects.filter(enterprise_id=OuterRef("enterprise_id"), revenue__isnull=False)
        .order_by("-year")
        .values("revenue")[:1]
    )
    # django-stubs cannot see annotations on an auto-created through model, hence the ignore below.
    return (
        through.objects.filter(chainnode__chain_id=chain.pk)
        .annotate(
            is_lianzhu=Exists(quals.filter(code=gaps.LIANZHU_CODE)),
            is_scale_qual=Exists(quals.filter(counts_as_scale=True)),
            revenue=Subquery(latest_revenue),
        )
        .values_list(  # type: ignore[misc]
            "chainnode_id", "enterprise_id", "is_lianzhu", "is_scale_qual", "revenue"
        )
    )


def enterprises_on_nodes(user: Any, ids: list[int]) -> QuerySet[Enterprise]:
    """The enterprises the user may see placed on the nodes `ids`, with what the node panel shows."""
    placed = Enterprise.nodes.through.objects.filter(enterprise_id=OuterRef("pk"), chainnode_id__in=ids)
    return (
        Enterprise.objects.visible_to(user)
        .filter(Exists(placed))
        .select_related("region", "liaison")
        .prefetch_related("qualifications")
        .order_by("name", "pk")
    )
