"""One-to-one service (一对一跟踪服务): who serves which enterprise since when, and the visit logs."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chaindesk.core.scope import ScopedQuerySet, ScopePaths
from chaindesk.core.uploads import private_storage
from chaindesk.enterprises.models import Enterprise


class LiaisonAssignment(models.Model):
    """A dated period in which a liaison (and optionally a city leader) serves an enterprise.

    The open period (ended_on is null) is the current one; Enterprise.liaison mirrors it for scoping."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="liaison_assignments"
    )
    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("挂钩服务专员"), on_delete=models.PROTECT, related_name="+"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("挂钩市领导"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("交接说明"), max_length=200, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指派人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    scope_paths = ScopePaths(via="enterprise")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("挂钩服务安排")
        verbose_name_plural = _("挂钩服务安排")
        ordering = ["enterprise", "-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"], condition=models.Q(ended_on=None), name="liaison_one_open_assignment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} ← {self.liaison}"


class VisitKind(models.TextChoices):
    VISIT = "visit", _("走访")
    CALL = "call", _("电话")
    SYMPOSIUM = "symposium", _("座谈")
    SITE = "site", _("现场观摩")


class VisitQuerySet(ScopedQuerySet["Visit"]):
    """Rows the reader may see: `visible_to` follows `Visit.scope_paths`."""


class Visit(models.Model):
    """A visit log: when, who, how, what was said, the issues raised and the next steps."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField(_("日期"))
    kind = models.CharField(_("方式"), max_length=16, choices=VisitKind.choices, default=VisitKind.VISIT)
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("参加人员"), blank=True, related_name="visits"
    )
    other_participants = models.CharField(_("其他参加人员"), max_length=200, blank=True)
    notes = models.TextField(_("走访情况"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    scope_paths = ScopePaths(via="enterprise")
    objects = VisitQuerySet.as_manager()

    # Internal working notes: enterprise users see a visit's date, kind and who came, never these
    # (chaindesk/core/privacy.py: withheld in the history tab, the pages and the API).
    staff_only_fields = ("notes",)

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["enterprise", "-visited_on"], name="visit_enterprise_date_idx")]

    def __str__(self) -> str:
        return f"{self.visited_on:%Y-%m-%d} {self.get_kind_display()} {self.enterprise}"

    def photo_pk_list(self) -> list[int]:
        """The numbers of this visit's photos, in upload order: from the `photo_pks` column the visit list
        annotates ("12、13", no query), else read from the database."""
        if not hasattr(self, "photo_pks"):
            return list(self.photos.values_list("pk", flat=True))
        annotated: str = self.photo_pks or ""  # type: ignore[attr-defined]  # None: annotated, no photo
        return sorted(int(pk) for pk in annotated.split("、") if pk.strip().isdigit())


class VisitIssue(models.Model):
    """A problem the enterprise raised during a visit.

    The seam for the demands issue: a Demand will point here (one demand per issue) when the team turns the
    issue into a demand; until then the issue stays on the visit as raised."""

    visit = models.ForeignKey(Visit, verbose_name=_("走访记录"), on_delete=models.CASCADE, related_name="issues")
    text = models.TextField(_("反映问题"))
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    staff_only_fields = ("text",)  # the visit's issues are internal, like its notes

    scope_paths = ScopePaths(via="visit")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("反映问题")
        verbose_name_plural = _("反映问题")
        ordering = ["visit", "sort_order", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class NextStep(models.Model):
    """A follow-up agreed on a visit, with its owner and due date; done when done_on is set."""

    visit = models.ForeignKey(Visit, verbose_name=_("走访记录"), on_delete=models.CASCADE, related_name="next_steps")
    text = models.CharField(_("下一步工作"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("负责人"), on_delete=models.PROTECT, related_name="next_steps"
    )
    due_on = models.DateField(_("完成时限"))
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    staff_only_fields = ("text", "owner", "due_on", "done_on")  # the team's follow-ups are internal

    scope_paths = ScopePaths(via="visit")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("下一步工作")
        verbose_name_plural = _("下一步工作")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["owner", "done_on", "due_on"], name="next_step_queue_idx")]

    def __str__(self) -> str:
        return self.text


class VisitPhoto(models.Model):
    """A photo taken on a visit (a phone's camera, usually), checked by its content like a demand attachment
    (chaindesk/core/uploads.py: JPEG or PNG only) and stored outside the web root under a random name.

    What is stored is the photo re-encoded (uploads.clean_photos): upright, at most 2560 px, without its EXIF (the
    GPS position of the enterprise visited, the officer's device); `thumbnail` is a 480 px JPEG for the pages.
    Photos stored before thumbnails were made have none (an empty name): the pages show the photo itself.

    Internal like the visit's notes: officials who may see the visit see it, served by a view that checks
    the visit is in the reader's scope; enterprise users never do."""

    visit = models.ForeignKey(Visit, verbose_name=_("走访记录"), on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("文件"), storage=private_storage, upload_to="visits/%Y/%m/")
    # Empty for the photos stored before thumbnails (a FileField's "none" is an empty name, not NULL: ruff DJ001).
    thumbnail = models.FileField(_("缩略图"), storage=private_storage, upload_to="visits/thumbs/%Y/%m/", blank=True)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小(字节)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,  # a system actor (an import) is named in the audit trail, not here
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    staff_only_fields = ("file", "thumbnail", "original_name")  # the visit's photos are internal, like its notes

    scope_paths = ScopePaths(via="visit")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("走访照片")
        verbose_name_plural = _("走访照片")
        ordering = ["visit", "pk"]

    def __str__(self) -> str:
        return self.original_name
