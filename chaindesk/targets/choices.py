"""What a year's target measures (年度目标的指标), who owns it, and the traffic lights of progress."""

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Metric(models.TextChoices):
    """The targets a chain, a district (or the city) and a department are given for the year."""

    SIGNED = "signed", _("新签约项目")
    SIGNED_AMOUNT = "signed_amount", _("新签约金额")
    STARTED = "started", _("新开工项目")
    COMPLETED = "completed", _("竣工项目")
    PRODUCTION = "production", _("投产项目")
    INVESTMENT = "investment", _("完成投资")
    NEW_SCALE = "new_scale", _("新增规上企业")
    CLOSURE_RATE = "closure_rate", _("诉求办结率")
    SATISFACTION_RATE = "satisfaction_rate", _("满意率")
    UPWARD_OBTAINED = "upward_obtained", _("上争获批金额")


class Owner(models.TextChoices):
    """Whose target it is. The city's own targets belong to the city's region (级别“市”)."""

    CHAIN = "chain", _("产业链")
    REGION = "region", _("地区")
    DEPARTMENT = "department", _("部门")


class Light(models.TextChoices):
    """红黄绿灯: how far behind 序时进度 (or the target rate) a target is."""

    GREEN = "green", _("绿灯")
    YELLOW = "yellow", _("黄灯")
    RED = "red", _("红灯")
    NONE = "none", _("暂无数据")


@dataclass(frozen=True)
class MetricSpec:
    """How a metric is measured: its unit, whether it accumulates over the year (compared with 序时进度) or is
    a rate (compared with the target rate itself), and the owners it can be set for."""

    unit: Promise
    is_rate: bool
    owners: frozenset[str]
    definition: Promise


ALL_OWNERS = frozenset({Owner.CHAIN, Owner.REGION, Owner.DEPARTMENT})
AREA_OWNERS = frozenset({Owner.CHAIN, Owner.REGION})

SPECS: dict[str, MetricSpec] = {
    Metric.SIGNED: MetricSpec(_("个"), False, AREA_OWNERS, _("本年签约日期在年内的项目个数。")),
    Metric.SIGNED_AMOUNT: MetricSpec(_("万元"), False, AREA_OWNERS, _("本年签约项目的计划总投资之和。")),
    Metric.STARTED: MetricSpec(_("个"), False, AREA_OWNERS, _("本年开工日期在年内的项目个数。")),
    Metric.COMPLETED: MetricSpec(_("个"), False, AREA_OWNERS, _("本年竣工日期在年内的项目个数。")),
    Metric.PRODUCTION: MetricSpec(_("个"), False, AREA_OWNERS, _("本年投产日期在年内的项目个数。")),
    Metric.INVESTMENT: MetricSpec(_("万元"), False, AREA_OWNERS, _("项目按月填报的本年完成投资之和。")),
    Metric.NEW_SCALE: MetricSpec(
        _("家"), False, AREA_OWNERS, _("本年度营业收入达到规上标准、上年度未达到（或无上年数据）的企业家数。")
    ),
    Metric.CLOSURE_RATE: MetricSpec(
        _("%"), True, ALL_OWNERS, _("本年提交的企业诉求中，已办结占已受理的比例（同“办理指标”）。")
    ),
    Metric.SATISFACTION_RATE: MetricSpec(
        _("%"), True, ALL_OWNERS, _("本年提交的企业诉求中，满意和基本满意占已评价的比例（同“办理指标”）。")
    ),
    Metric.UPWARD_OBTAINED: MetricSpec(_("万元"), False, ALL_OWNERS, _("本年获批的上争事项的获批金额之和。")),
}


def metrics_for(owner: str) -> list[str]:
    """The metrics an owner of this kind can be given, in the order of the ledger."""
    return [m.value for m in Metric if owner in SPECS[m].owners]
