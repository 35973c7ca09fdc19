"""The city's network outside its borders: hometown talents working elsewhere (在外能人) and the R&D
partners (研发资源) local enterprises work with ("研发在北上广、落地在兴化")."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import Region
from chaindesk.chains.models import Chain
from chaindesk.core.scope import ALL, ScopedQuerySet, ScopePaths
from chaindesk.enterprises.models import Enterprise

# Who works with talents and partners: the chain teams, their leaders and the liaisons.
NETWORK_ROLES = (Role.CITY_LEADER, Role.TEAM_MEMBER, Role.LIAISON)


class TalentQuerySet(ScopedQuerySet["Talent"]):
    """Rows the reader may see: `visible_to` follows `Talent.scope_paths`."""


class Talent(models.Model):
    """A hometown talent working elsewhere: a source of projects, leads and know-how."""

    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    city = models.CharField(_("所在城市"), max_length=30, db_index=True)
    organisation = models.CharField(_("工作单位"), max_length=100)
    title = models.CharField(_("职务"), max_length=100, blank=True)
    field = models.CharField(_("专业领域"), max_length=100, blank=True)
    hometown = models.ForeignKey(
        Region, verbose_name=_("籍贯地区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ties = models.CharField(_("家乡联系"), max_length=200, blank=True, help_text=_("如：兴化籍，父母在戴南镇。"))
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    chains = models.ManyToManyField(Chain, verbose_name=_("关联产业链"), blank=True, related_name="talents")
    keeper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("联络干部"),
        on_delete=models.PROTECT,
        related_name="kept_talents",
    )
    notes = models.TextField(_("备注"), blank=True)
    # Kept by the contact services (derived from the contact log, stored for cheap sorting).
    last_contact_on = models.DateField(_("最近联系"), null=True, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    scope_paths = ScopePaths(chain=ALL, liaison=ALL, region="hometown")
    objects = TalentQuerySet.as_manager()

    # Personal data: masked in the history tab for users other than the keeper and the chain roles.
    PERSONAL_FIELDS = ("phone",)

    class Meta:
        verbose_name = _("在外能人")
        verbose_name_plural = _("在外能人")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.city}·{self.organisation}）"

    def personal_data_visible_to(self, user: Any) -> bool:
        """The phone in full: the talent's keeper and the chain roles (city leader, team member)."""
        if not getattr(user, "is_authenticated", False):
            return False
        return self.keeper_id == user.pk or user.role in (Role.CITY_LEADER, Role.TEAM_MEMBER)


class ContactKind(models.TextChoices):
    CALL = "call", _("电话")
    MEETING = "meeting", _("见面")
    MESSAGE = "message", _("微信/短信")
    EVENT = "event", _("活动")


class TalentContact(models.Model):
    """One contact with a talent: when, how, what was said."""

    talent = models.ForeignKey(Talent, verbose_name=_("在外能人"), on_delete=models.CASCADE, related_name="contacts")
    contacted_on = models.DateField(_("联系日期"))
    kind = models.CharField(_("方式"), max_length=16, choices=ContactKind.choices, default=ContactKind.CALL)
    notes = models.TextField(_("联系情况"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    scope_paths = ScopePaths(via="talent")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("联系记录")
        verbose_name_plural = _("联系记录")
        ordering = ["-contacted_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.contacted_on:%Y-%m-%d} {self.talent.name}"


class PartnerKind(models.TextChoices):
    UNIVERSITY = "university", _("高校")
    INSTITUTE = "institute", _("科研院所")
    PLATFORM = "platform", _("新型研发机构")
    CORPORATE = "corporate", _("企业研发中心")
    HOSPITAL = "hospital", _("医院/临床机构")


class RdPartnerQuerySet(ScopedQuerySet["RdPartner"]):
    """Rows the reader may see: `visible_to` follows `RdPartner.scope_paths`."""


class RdPartner(models.Model):
    """A university, institute or R&D centre elsewhere that local enterprises work with."""

    name = models.CharField(_("机构名称"), max_length=100, unique=True)
    kind = models.CharField(_("机构类型"), max_length=16, choices=PartnerKind.choices, default=PartnerKind.UNIVERSITY)
    city = models.CharField(_("所在城市"), max_length=30, db_index=True)
    fields = models.CharField(_("研究领域"), max_length=200, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    scope_paths = ScopePaths(chain=ALL, liaison=ALL, region=ALL, enterprise=ALL)  # public facts
    objects = RdPartnerQuerySet.as_manager()

    class Meta:
        verbose_name = _("研发资源")
        verbose_name_plural = _("研发资源")
        ordering = ["city", "name"]

    def __str__(self) -> str:
        return str(self.name)


class CooperationStatus(models.TextChoices):
    TALKING = "talking", _("洽谈中")
    ACTIVE = "active", _("进行中")
    DONE = "done", _("已完成")
    STOPPED = "stopped", _("已终止")


class RdCooperationQuerySet(ScopedQuerySet["RdCooperation"]):
    """Rows the reader may see: `visible_to` follows `RdCooperation.scope_paths`."""


class RdCooperation(models.Model):
    """An enterprise's R&D cooperation with a partner: subject, period and status."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="rd_cooperations"
    )
    partner = models.ForeignKey(
        RdPartner, verbose_name=_("合作机构"), on_delete=models.PROTECT, related_name="cooperations"
    )
    subject = models.CharField(_("合作内容"), max_length=200)
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=CooperationStatus.choices, default=CooperationStatus.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    scope_paths = ScopePaths(via="enterprise")
    objects = RdCooperationQuerySet.as_manager()

    class Meta:
        verbose_name = _("研发合作")
        verbose_name_plural = _("研发合作")
        ordering = ["enterprise", "-started_on", "pk"]

    def __str__(self) -> str:
        return f"{self.enterprise} × {self.partner}：{self.subject}"
