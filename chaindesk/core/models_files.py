"""The shape every uploaded file shares (a demand attachment, a visit photo, a meeting's files and photos): checked
by its content (chaindesk/core/uploads.py), stored outside the web root under a random name, the user's own name
kept only as data. A concrete model adds its `file` field (its folder) and the record the file belongs to."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StoredFile(models.Model):
    """An uploaded file: its cleaned original name, checked type, size, who uploaded it and when."""

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

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name
