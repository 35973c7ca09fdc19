"""Demand attachments: checked by their content and name, stored outside the web root.

The checks, the storage and the download headers are shared with every upload of the product and live in
chaindesk/core/uploads.py (a demand takes every kind listed there: PDF, PNG, JPEG, DOCX/XLSX/PPTX, DOC/XLS);
this module keeps what is the demands' own: storing an Attachment and naming it on download. The names below are
re-exported so that `attachments.check_upload`, `attachments.PDF` … read as before."""

from typing import Any

from chaindesk.core.actors import Actor, person_or_none
from chaindesk.core.uploads import (
    ALLOWED_EXTENSIONS,
    DEFAULT_MAX_BYTES,
    DEFAULT_ZIP_MAX_INFLATED_BYTES,
    DEFAULT_ZIP_MAX_MEMBERS,
    DEFAULT_ZIP_MAX_RATIO,
    DEFAULT_ZIP_RATIO_FLOOR_BYTES,
    DOC,
    DOCX,
    DOWNLOAD_TYPES,
    EXECUTABLE_EXTENSIONS,
    EXTENSIONS,
    JPEG,
    MACRO_MEMBERS,
    OLE2,
    OLE2_MACRO_STORAGES,
    OLE2_MAGIC,
    OLE2_MAIN_STREAMS,
    OOXML_MAIN_PARTS,
    PDF,
    PNG,
    PPTX,
    XLS,
    XLSX,
    check_upload,
    check_uploads,
    content_disposition,
    kind_label,
    max_bytes,
    random_name,
    safe_filename,
    sniff,
    upload_name,
    upload_size,
)
from chaindesk.core.uploads import download_name as _download_name
from chaindesk.core.uploads import download_type as _download_type

from .models import Attachment, Demand

__all__ = [
    "ALLOWED_EXTENSIONS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_ZIP_MAX_INFLATED_BYTES",
    "DEFAULT_ZIP_MAX_MEMBERS",
    "DEFAULT_ZIP_MAX_RATIO",
    "DEFAULT_ZIP_RATIO_FLOOR_BYTES",
    "DOC",
    "DOCX",
    "DOWNLOAD_TYPES",
    "EXECUTABLE_EXTENSIONS",
    "EXTENSIONS",
    "JPEG",
    "MACRO_MEMBERS",
    "OLE2",
    "OLE2_MACRO_STORAGES",
    "OLE2_MAGIC",
    "OLE2_MAIN_STREAMS",
    "OOXML_MAIN_PARTS",
    "PDF",
    "PNG",
    "PPTX",
    "XLS",
    "XLSX",
    "check_upload",
    "check_uploads",
    "content_disposition",
    "download_name",
    "download_type",
    "kind_label",
    "max_bytes",
    "safe_filename",
    "sniff",
    "store",
]


def store(*, demand: Demand, upload: Any, content_type: str, actor: Actor) -> Attachment:
    """Save an already checked upload as an Attachment of `demand` (the caller audits)."""
    name = upload_name(upload)
    attachment = Attachment(
        demand=demand,
        original_name=name,
        content_type=content_type,
        size=upload_size(upload),
        uploaded_by=person_or_none(actor),
    )
    upload.seek(0)
    # Stored under a random name with the (checked) extension: the user's name is kept only as data.
    attachment.file.save(random_name(name, content_type), upload, save=False)
    attachment.save()
    return attachment


def download_name(attachment: Attachment) -> str:
    """The name to send back: the user's name, cleaned; with its type's extension added when the stored
    name does not carry one of them (attachments kept before names were checked)."""
    return _download_name(attachment.original_name, attachment.content_type)


def download_type(attachment: Attachment, name: str) -> str:
    """The Content-Type to serve: the recognised type; a legacy Office file's by its extension."""
    return _download_type(attachment.content_type, name)
