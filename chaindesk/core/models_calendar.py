"""The official holiday schedules a system administrator enters from the State Council's yearly notice
(国务院办公厅关于某年部分节假日安排的通知). How the working-day arithmetic uses them: chaindesk/core/holidays.py."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .scope import ScopedQuerySet, ScopePaths


class OfficialYearQuerySet(ScopedQuerySet["OfficialYear"]):
    """Public reference data: every signed-in role reads it (only the system administrator writes it)."""


class OfficialDayQuerySet(ScopedQuerySet["OfficialDay"]):
    """Public reference data, like the year it belongs to."""


class OfficialYear(models.Model):
    """A year whose official schedule was entered: from then on its working days follow its `days` (holidays
    and make-up workdays; other days: Monday to Friday), instead of chinese_calendar or the estimate."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    notice = models.CharField(_("发布文件"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    scope_paths = ScopePaths.reference()
    objects = OfficialYearQuerySet.as_manager()

    class Meta:
        verbose_name = _("官方节假日安排")
        verbose_name_plural = _("官方节假日安排")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(_("%(year)s年节假日安排") % {"year": self.year})


class OfficialDay(models.Model):
    """One day of an official schedule that differs from Monday to Friday: a holiday or a make-up workday."""

    class Kind(models.TextChoices):
        REST = "rest", _("放假")
        WORKDAY = "workday", _("调休上班")

    calendar = models.ForeignKey(OfficialYear, verbose_name=_("年份"), on_delete=models.CASCADE, related_name="days")
    day = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("节日"), max_length=20, blank=True)

    scope_paths = ScopePaths.reference()
    objects = OfficialDayQuerySet.as_manager()

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()
