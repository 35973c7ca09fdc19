"""Industry chains and their service teams. The node tree arrives with the chains issue."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.models import Department, Region
from chaindesk.core.scope import ALL, ScopedQuerySet, ScopePaths


class TeamRole(models.TextChoices):
    CHIEF = "chief", _("链长")
    CHAIR = "chair", _("召集人")
    LEAD_DEPT = "lead", _("牵头部门负责人")
    MEMBER = "member", _("成员")
    LIAISON = "liaison", _("联络员")


class ChainQuerySet(ScopedQuerySet["Chain"]):
    def with_counts(self) -> "ChainQuerySet":
        """Enterprise and team counts as correlated subqueries: no join fan-out, one query in all."""
        links = Chain.enterprises.through.objects.filter(chain_id=OuterRef("pk"))
        members = TeamMember.objects.filter(chain_id=OuterRef("pk"))
        return self.annotate(
            n_enterprises=Coalesce(Subquery(_count(links, "chain_id")), 0),
            n_team=Coalesce(Subquery(_count(members, "chain_id")), 0),
        )


def _count(qs: models.QuerySet[Any], group: str) -> models.QuerySet[Any]:
    return qs.order_by().values(group).annotate(n=Count("*")).values("n")


class Chain(models.Model):
    """An industry chain (生物医药, 化工及新材料 …) under a chain chief with a lead department."""

    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("产业链名称"), max_length=50, unique=True)
    chief = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("链长"), on_delete=models.PROTECT, related_name="chief_of"
    )
    lead_department = models.ForeignKey(
        Department, verbose_name=_("牵头部门"), on_delete=models.PROTECT, related_name="+"
    )
    regions = models.ManyToManyField(Region, verbose_name=_("重点地区"), blank=True, related_name="+")
    description = models.TextField(_("简介"), blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    scope_paths = ScopePaths(
        chain="pk", liaison=ALL, region=ALL
    )  # liaisons and districts place enterprises on every chain
    objects = ChainQuerySet.as_manager()

    class Meta:
        verbose_name = _("产业链")
        verbose_name_plural = _("产业链")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return str(self.name)


class TeamMember(models.Model):
    """A person on a chain's service team, with the part they play."""

    chain = models.ForeignKey(Chain, verbose_name=_("产业链"), on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="teams"
    )
    team_role = models.CharField(_("团队职责"), max_length=16, choices=TeamRole.choices, default=TeamRole.MEMBER)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    scope_paths = ScopePaths(via="chain")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("服务团队成员")
        verbose_name_plural = _("服务团队成员")
        ordering = ["chain", "sort_order", "pk"]
        constraints = [models.UniqueConstraint(fields=["chain", "user"], name="team_member_unique")]

    def __str__(self) -> str:
        return f"{self.chain} · {self.user} ({self.get_team_role_display()})"


class NodeRating(models.TextChoices):
    """Gap analysis of a chain node (rules in chaindesk.chains.gaps)."""

    STRONG = "strong", _("强")
    WEAK = "weak", _("弱")
    MISSING = "missing", _("缺")


class ChainNode(models.Model):
    """A segment of a chain: a tree of any depth (上游/中游/下游 → segments → sub-segments).

    Stored as an adjacency list; a chain's whole tree is read in one query and assembled in Python."""

    chain = models.ForeignKey(Chain, verbose_name=_("产业链"), on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey(
        "self", verbose_name=_("上级环节"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(_("环节名称"), max_length=50)
    description = models.TextField(_("说明"), blank=True)
    is_key = models.BooleanField(_("重点环节"), default=False)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    scope_paths = ScopePaths(via="chain")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("产业链环节")
        verbose_name_plural = _("产业链环节")
        ordering = ["chain", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "parent", "name"], name="chain_node_unique_name"),
            models.UniqueConstraint(
                fields=["chain", "name"], condition=models.Q(parent=None), name="chain_node_unique_root_name"
            ),
        ]
        indexes = [models.Index(fields=["chain", "parent", "sort_order"], name="chain_node_tree_idx")]

    def __str__(self) -> str:
        return str(self.name)
