"""Checking and storing demand attachments by their CONTENT (magic bytes), never by their name.

Allowed: PDF, PNG, JPEG, Office Open XML (DOCX/XLSX: a zip holding [Content_Types].xml) and legacy Office
(DOC/XLS: the OLE2 compound-file header). Size limit: settings.CHAINDESK_ATTACHMENT_MAX_BYTES (10 MiB by
default). Anything else, such as an executable renamed x.pdf, is refused with a Chinese message naming the
file. Files go to the Attachment model's storage, outside the web root.
"""

import io
import uuid
import zipfile
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Attachment, Demand

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OOXML = "application/vnd.openxmlformats-officedocument"
OLE2 = "application/x-ole-storage"  # legacy .doc / .xls

EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", DOCX: ".docx", XLSX: ".xlsx", OOXML: ".zip", OLE2: ".ole"}

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def max_bytes() -> int:
    return int(getattr(settings, "CHAINDESK_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _name(upload: Any) -> str:
    return str(getattr(upload, "name", "") or _("未命名文件")).replace("\\", "/").rsplit("/", 1)[-1][:200]


def _read_all(upload: Any) -> bytes:
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read()
    if hasattr(upload, "seek"):
        upload.seek(0)
    return bytes(data)


def _ooxml_type(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if any(n.startswith("word/") for n in names):
        return DOCX
    if any(n.startswith("xl/") for n in names):
        return XLSX
    return OOXML


def sniff(data: bytes) -> str | None:
    """The content type recognised from the bytes, or None when the content is not an allowed kind."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(OLE2_MAGIC):
        return OLE2
    if data.startswith(b"PK\x03\x04"):
        return _ooxml_type(data)
    return None


def check_upload(upload: Any) -> str:
    """Validate one upload by size and content; return the recognised content type.

    Raises ValidationError (Chinese, naming the file) for an empty, oversized or disallowed file."""
    name = _name(upload)
    size = getattr(upload, "size", None)
    limit = max_bytes()
    if size is not None and size > limit:
        raise ValidationError(_too_big(name, limit), code="too_big")
    data = _read_all(upload)
    if not data:
        raise ValidationError(_("文件“%(name)s”为空。") % {"name": name}, code="empty")
    if len(data) > limit:
        raise ValidationError(_too_big(name, limit), code="too_big")
    content_type = sniff(data)
    if content_type is None:
        raise ValidationError(
            _("文件“%(name)s”的类型不允许上传：仅支持 PDF、PNG、JPEG 图片和 Word/Excel 文档（按文件内容识别）。")
            % {"name": name},
            code="bad_type",
        )
    return content_type


def _too_big(name: str, limit: int) -> str:
    return _("文件“%(name)s”超过大小上限 %(mb)s MB。") % {"name": name, "mb": f"{limit / 1024 / 1024:g}"}


def check_uploads(files: Iterable[Any]) -> list[tuple[Any, str]]:
    """Check every file before anything is stored: one bad file refuses the whole batch."""
    return [(upload, check_upload(upload)) for upload in files]


def store(*, demand: Demand, upload: Any, content_type: str, actor: Any) -> Attachment:
    """Save an already checked upload as an Attachment of `demand` (the caller audits)."""
    name = _name(upload)
    attachment = Attachment(
        demand=demand,
        original_name=name,
        content_type=content_type,
        size=int(getattr(upload, "size", 0) or len(_read_all(upload))),
        uploaded_by=actor,
    )
    upload.seek(0)
    # Stored under a random name with the extension of the recognised type: the user's name is kept only as
    # data, never as a path.
    attachment.file.save(f"{uuid.uuid4().hex}{EXTENSIONS.get(content_type, '.bin')}", upload, save=False)
    attachment.save()
    return attachment
