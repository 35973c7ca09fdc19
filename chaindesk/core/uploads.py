"""Checking and storing uploaded files by their CONTENT (magic bytes) AND their name: demand attachments,
visit photos, any later upload. Core knows no domain app: each app keeps its own model and says which kinds it
takes (`check_upload(upload, kinds=IMAGES)` for a photo).

Allowed: PDF, PNG, JPEG, Office Open XML (DOCX/XLSX/PPTX: a zip holding [Content_Types].xml and the main part
of its kind: word/document.xml, xl/workbook.xml or ppt/presentation.xml) and legacy Office (DOC/XLS: an OLE2
compound file, read with olefile, holding a WordDocument or a Workbook stream and no macro project). The
file's extension must be one of those of the type its content shows (a PDF is named .pdf, a legacy Word file
.doc: so no setup.msi, not even named setup.doc, no PDF/HTML polyglot named evil.html, no scan.bin).
A zip-based file is refused when it holds an executable or a macro project, when a member's path leaves the
archive, or when it looks like a zip bomb: its members' declared sizes add up to more than
settings.CHAINDESK_ATTACHMENT_ZIP_MAX_INFLATED_BYTES (100 MiB), a member of at least
CHAINDESK_ATTACHMENT_ZIP_RATIO_FLOOR_BYTES (1 MiB) inflated would grow more than
CHAINDESK_ATTACHMENT_ZIP_MAX_RATIO times (100:1), or it has more than CHAINDESK_ATTACHMENT_ZIP_MAX_MEMBERS
members. Only the zip's directory is read: nothing is inflated here. Size limit:
settings.CHAINDESK_ATTACHMENT_MAX_BYTES (10 MiB by default). Anything else is refused with a Chinese message
naming the file, before anything is stored. Files go to `private_storage()`, under VAR_DIR and outside the web
root, under a random name (`random_name`); the user's (cleaned) name is kept only as data and given back on
download (`download_name`, `private_file_response`).

A photo is also re-encoded before it is stored (`clean_image`, `image_thumbnail`, or both at once with
`clean_photos`): a phone's JPEG carries EXIF with the GPS position of the place visited and the device's make and
serial, which the officials who later open it need not see and must not pass on. Decoding it with Pillow also
refuses what only looks like an image (a JPEG's magic bytes then anything) and a decompression bomb."""

import dataclasses
import io
import posixpath
import unicodedata
import uuid
import zipfile
from collections.abc import Collection, Iterable
from typing import Any, cast
from urllib.parse import quote

import olefile
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageCms, ImageOps

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_ZIP_MAX_INFLATED_BYTES = 100 * 1024 * 1024
DEFAULT_ZIP_MAX_RATIO = 100
# Small parts (XML, styles) compress very well and cannot inflate to much: the ratio is judged from this size.
DEFAULT_ZIP_RATIO_FLOOR_BYTES = 1024 * 1024
DEFAULT_ZIP_MAX_MEMBERS = 10_000
MAX_FILES = 10  # files in one input of one form
# The codes of the refusals below, so that a form page puts them on its file field.
ERROR_CODES = frozenset(
    {"too_big", "empty", "bad_type", "bad_extension", "zip_members", "zip_bomb", "zip_path", "zip_executable"}
    | {"ole2_macro", "too_many", "image_pixels"}
)

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOC = "application/msword"  # legacy Word (an OLE2 file with a WordDocument stream)
XLS = "application/vnd.ms-excel"  # legacy Excel (an OLE2 file with a Workbook stream)
OLE2 = "application/x-ole-storage"  # attachments kept before DOC and XLS were told apart

IMAGES = frozenset({JPEG, PNG})  # what a photo may be: what every phone camera and browser saves

# The extensions a file of each recognised type may have (lower case); the first is the canonical one.
ALLOWED_EXTENSIONS: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",),
    PNG: (".png",),
    JPEG: (".jpg", ".jpeg"),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    PPTX: (".pptx",),
    DOC: (".doc",),
    XLS: (".xls",),
    OLE2: (".doc", ".xls"),
}
EXTENSIONS = {kind: extensions[0] for kind, extensions in ALLOWED_EXTENSIONS.items()}
# The OOXML main part that makes a zip a document of each kind.
OOXML_MAIN_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
# Served with a specific type on download (an OLE2 file by its extension).
DOWNLOAD_TYPES = {".doc": "application/msword", ".xls": "application/vnd.ms-excel"}

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Members no Office document holds: programs and scripts, and macro projects.
EXECUTABLE_EXTENSIONS = frozenset(
    ".exe .dll .com .scr .pif .cpl .sys .drv .ocx .msi .msp .mst .bat .cmd .ps1 .psm1 .vbs .vbe .js .jse .wsf "
    ".wsh .hta .jar .lnk .reg .sh .elf .so .dylib .app .apk .py .pl .rb .php .jsp .asp .aspx .scf .inf".split()
)
MACRO_MEMBERS = frozenset({"vbaproject.bin", "vbaprojectsignature.bin"})


def private_storage() -> FileSystemStorage:
    """Uploads live under CHAINDESK_VAR_DIR/attachments, outside the web root; served only by views that check
    the reader may see the record the file belongs to (`private_file_response`)."""
    return FileSystemStorage(location=settings.VAR_DIR / "attachments", base_url=None)


def max_bytes() -> int:
    return int(getattr(settings, "CHAINDESK_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def kind_label(content_type: str) -> str:
    return {
        PDF: _("PDF 文档"),
        PNG: _("PNG 图片"),
        JPEG: _("JPEG 图片"),
        DOCX: _("Word 文档"),
        XLSX: _("Excel 表格"),
        PPTX: _("PowerPoint 演示文稿"),
        DOC: _("旧版 Word 文档"),
        XLS: _("旧版 Excel 表格"),
        OLE2: _("旧版 Word/Excel 文档"),
    }.get(content_type, content_type)


def safe_filename(raw: Any, fallback_extension: str = "") -> str:
    """A file name safe to keep and to send back: the last path component only, no control or invisible
    format characters (such as the right-to-left override that makes "exe.pdf" read as "fdp.exe"), no
    leading or trailing dots and spaces, at most 200 characters with the extension kept."""
    name = str(raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp"))
    name = name.strip(" .")
    stem, extension = posixpath.splitext(name)
    if len(extension) > 16:  # not an extension: a long name with a dot in it
        stem, extension = name, ""
    if not stem:
        stem = _("未命名文件")
    if not extension:
        extension = fallback_extension
    return stem[: 200 - len(extension)] + extension


def upload_name(upload: Any) -> str:
    """The upload's own name, cleaned (`safe_filename`)."""
    return safe_filename(getattr(upload, "name", ""))


def extension(name: str) -> str:
    return posixpath.splitext(name)[1].lower()


def read_all(upload: Any) -> bytes:
    """The upload's bytes, rewound before and after (a later store reads it again)."""
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read()
    if hasattr(upload, "seek"):
        upload.seek(0)
    return bytes(data)


def upload_size(upload: Any) -> int:
    return int(getattr(upload, "size", 0) or len(read_all(upload)))


def _refuse_zip(name: str, message: str, code: str) -> ValidationError:
    return ValidationError(message % {"name": name}, code=code)


def _check_zip_members(name: str, members: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip bomb, an executable or macro member and a member path leaving the archive.

    Judged from the central directory only (declared sizes), which is what any reader inflates to."""
    if len(members) > _limit("CHAINDESK_ATTACHMENT_ZIP_MAX_MEMBERS", DEFAULT_ZIP_MAX_MEMBERS):
        raise _refuse_zip(name, _("文件“%(name)s”内含文件过多，不允许上传。"), "zip_members")
    max_inflated = _limit("CHAINDESK_ATTACHMENT_ZIP_MAX_INFLATED_BYTES", DEFAULT_ZIP_MAX_INFLATED_BYTES)
    max_ratio = _limit("CHAINDESK_ATTACHMENT_ZIP_MAX_RATIO", DEFAULT_ZIP_MAX_RATIO)
    floor = _limit("CHAINDESK_ATTACHMENT_ZIP_RATIO_FLOOR_BYTES", DEFAULT_ZIP_RATIO_FLOOR_BYTES)
    bomb = _("文件“%(name)s”解压后过大或压缩比异常（疑似压缩炸弹），不允许上传。")
    if sum(m.file_size for m in members) > max_inflated:
        raise _refuse_zip(name, bomb, "zip_bomb")
    for member in members:
        if member.file_size >= floor and member.file_size > max_ratio * max(member.compress_size, 1):
            raise _refuse_zip(name, bomb, "zip_bomb")
        path = member.filename.replace("\\", "/")
        if path.startswith("/") or ".." in path.split("/"):
            raise _refuse_zip(name, _("文件“%(name)s”的内部结构异常，不允许上传。"), "zip_path")
        base = path.rsplit("/", 1)[-1].lower()
        if extension(base) in EXECUTABLE_EXTENSIONS or base in MACRO_MEMBERS:
            message = _("文件“%(name)s”内含可执行文件或宏（%(member)s），不允许上传。")
            raise ValidationError(message % {"name": name, "member": base}, code="zip_executable")


def _ooxml_type(data: bytes, name: str = "") -> str | None:
    """DOCX, XLSX or PPTX when the zip is a well-formed Office Open XML package of that kind, else None.

    Raises ValidationError for a zip bomb or a package holding an executable (see _check_zip_members)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):  # a damaged directory entry
        return None
    _check_zip_members(name, members)
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names:
        return None
    kinds = {kind for part, kind in OOXML_MAIN_PARTS.items() if part in names}
    return kinds.pop() if len(kinds) == 1 else None


# The OLE2 streams that make a compound file a legacy document of each kind, and the storages of a macro
# project (Word's Macros, Excel's _VBA_PROJECT_CUR).
OLE2_MAIN_STREAMS = {"worddocument": DOC, "workbook": XLS, "book": XLS}
OLE2_MACRO_STORAGES = frozenset({"macros", "_vba_project_cur", "_vba_project"})


def _ole2_type(data: bytes, name: str = "") -> str | None:
    """DOC or XLS when the OLE2 compound file holds that kind's main stream (an installer, a Visio drawing
    or an Outlook message does not), else None. Raises ValidationError for a document with macros."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            entries = {"/".join(path).lower() for path in ole.listdir(streams=True, storages=True)}
    except Exception:  # noqa: BLE001 - olefile raises many kinds on a malformed file: it is just not a document
        return None
    roots = {entry.split("/", 1)[0] for entry in entries}
    if roots & OLE2_MACRO_STORAGES:
        message = _("文件“%(name)s”内含可执行文件或宏（%(member)s），不允许上传。")
        member = sorted(roots & OLE2_MACRO_STORAGES)[0]
        raise ValidationError(message % {"name": name, "member": member}, code="ole2_macro")
    kinds = {kind for stream, kind in OLE2_MAIN_STREAMS.items() if stream in entries}
    return kinds.pop() if len(kinds) == 1 else None


def sniff(data: bytes, name: str = "") -> str | None:
    """The content type recognised from the bytes, or None when the content is not an allowed kind.

    Raises ValidationError (naming `name`) for a zip that is dangerous whatever its kind (bomb, executable)."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(OLE2_MAGIC):
        return _ole2_type(data, name)
    if data.startswith(b"PK\x03\x04"):
        return _ooxml_type(data, name)
    return None


def _bad_type(name: str, kinds: Collection[str] | None) -> ValidationError:
    if kinds is not None and set(kinds) <= IMAGES:
        message = _("文件“%(name)s”不是照片：仅支持 JPEG、PNG 图片（按文件内容识别）。")
    else:
        message = _(
            "文件“%(name)s”的类型不允许上传：仅支持 PDF、PNG、JPEG 图片和 Word/Excel/PowerPoint 文档"
            "（按文件内容识别）。"
        )
    return ValidationError(message % {"name": name}, code="bad_type")


def check_upload(upload: Any, *, kinds: Collection[str] | None = None) -> str:
    """Validate one upload by size, content and extension; return the recognised content type.

    `kinds` narrows the allowed content types (IMAGES for a photo); None allows every kind above. Raises
    ValidationError (Chinese, naming the file) for an empty, oversized or disallowed file, a file whose
    extension is not one of its content's, and a dangerous zip (bomb, executable or macro inside)."""
    name = upload_name(upload)
    size = getattr(upload, "size", None)
    limit = max_bytes()
    if size is not None and size > limit:
        raise ValidationError(_too_big(name, limit), code="too_big")
    data = read_all(upload)
    if not data:
        raise ValidationError(_("文件“%(name)s”为空。") % {"name": name}, code="empty")
    if len(data) > limit:
        raise ValidationError(_too_big(name, limit), code="too_big")
    content_type = sniff(data, name)
    if content_type is None or (kinds is not None and content_type not in kinds):
        raise _bad_type(name, kinds)
    allowed = ALLOWED_EXTENSIONS[content_type]
    if extension(name) not in allowed:
        raise ValidationError(
            _("文件“%(name)s”的类型不允许上传：其内容是%(kind)s，文件扩展名须为 %(extensions)s。")
            % {"name": name, "kind": kind_label(content_type), "extensions": "、".join(allowed)},
            code="bad_extension",
        )
    return content_type


def _too_big(name: str, limit: int) -> str:
    return _("文件“%(name)s”超过大小上限 %(mb)s MB。") % {"name": name, "mb": f"{limit / 1024 / 1024:g}"}


def check_uploads(files: Iterable[Any], *, kinds: Collection[str] | None = None) -> list[tuple[Any, str]]:
    """Check every file before anything is stored: one bad file refuses the whole batch."""
    return [(upload, check_upload(upload, kinds=kinds)) for upload in files]


def random_name(name: str, content_type: str) -> str:
    """The name a checked file is stored under: random, with its (checked) extension. The user's name is kept
    only as data, never as a path."""
    ext = extension(name)
    if ext not in ALLOWED_EXTENSIONS.get(content_type, ()):
        ext = EXTENSIONS.get(content_type, ".bin")
    return f"{uuid.uuid4().hex}{ext}"


def download_name(original_name: str, content_type: str) -> str:
    """The name to send back: the user's name, cleaned; with its type's extension added when the stored
    name does not carry one of them (files kept before names were checked)."""
    name = safe_filename(original_name)
    if extension(name) not in ALLOWED_EXTENSIONS.get(content_type, (extension(name),)):
        name = safe_filename(name + EXTENSIONS[content_type])
    return name


def download_type(content_type: str, name: str) -> str:
    """The Content-Type to serve: the recognised type; a legacy Office file's by its extension."""
    if content_type == OLE2:
        return DOWNLOAD_TYPES.get(extension(name), OLE2)
    return content_type or "application/octet-stream"


def content_disposition(name: str, *, inline: bool = False) -> str:
    """A download (`attachment`) unless `inline` (an image shown in the page), with the exact name in RFC 5987
    `filename*` and a plain ASCII `filename` for old clients (the name itself when it is plain ASCII, else
    "attachment" with its extension)."""
    plain = name if all(c.isascii() and (c.isalnum() or c in " ._-()") for c in name) else ""
    plain = plain or "attachment" + "".join(c for c in extension(name) if c.isascii() and (c.isalnum() or c == "."))
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def private_file_response(file: FieldFile, *, original_name: str, content_type: str) -> HttpResponse:
    """Stream a stored upload to a reader the caller has checked (404 when the file is gone). An image is shown
    inline (a thumbnail, a photo opened on a phone); anything else is always a download. Never sniffed into
    another type, never run (sandboxed), never cached."""
    try:
        handle = file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    name = download_name(original_name, content_type)
    response = FileResponse(handle, content_type=download_type(content_type, name))
    response["Content-Disposition"] = content_disposition(name, inline=content_type in IMAGES)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return cast(HttpResponse, response)


# --- photos: re-encoded before they are stored ------------------------------------------------------------------
# A phone's photo keeps its EXIF (the GPS position of the enterprise visited, the device's make and serial, the
# time), XMP and comments; what is stored is the picture alone, upright, at most IMAGE_MAX_SIDE px on its longer
# side (what a screen needs; a 48-megapixel original is 10 MB of which the page uses none), with a JPEG thumbnail
# of THUMBNAIL_SIDE px for lists and galleries. Decoding it is also the last content check: a file that starts like
# a JPEG but is not one, a truncated one and a decompression bomb are refused here.

IMAGE_MAX_SIDE = 2560
THUMBNAIL_SIDE = 480
# Pixels a photo may declare (width × height, read from its header before anything is decoded): 64 million holds
# a 48-megapixel phone photo; Pillow's own guard (Image.MAX_IMAGE_PIXELS) applies too when it is lower.
DEFAULT_IMAGE_MAX_PIXELS = 64_000_000
JPEG_QUALITY = 85
THUMBNAIL_QUALITY = 80
PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG"}  # each sniffed type is decoded only by its own decoder


def image_max_pixels() -> int:
    limit = _limit("CHAINDESK_IMAGE_MAX_PIXELS", DEFAULT_IMAGE_MAX_PIXELS)
    return min(limit, Image.MAX_IMAGE_PIXELS) if Image.MAX_IMAGE_PIXELS else limit


def _too_many_pixels(name: str) -> ValidationError:
    message = _("文件“%(name)s”的图片尺寸过大（超过 %(n)s 万像素，疑似图片炸弹），不允许上传。")
    return ValidationError(message % {"name": name, "n": f"{image_max_pixels() // 10_000:d}"}, code="image_pixels")


def _undecodable(name: str) -> ValidationError:
    message = _("文件“%(name)s”无法作为图片读取（文件已损坏或并非真正的 JPEG、PNG 图片），不允许上传。")
    return ValidationError(message % {"name": name}, code="bad_type")


def _decoded(data: bytes, *, name: str, content_type: str | None, max_side: int) -> tuple[Image.Image, str]:
    """The image decoded by its own type's decoder, upright (its EXIF orientation applied), at most `max_side` px
    on its longer side, in RGB, RGBA, L, LA or (a JPEG's) CMYK; and its type. Refuses an image declaring more
    pixels than image_max_pixels() before decoding it, and anything Pillow cannot decode in full."""
    kind = content_type if content_type is not None else sniff(data, name)
    if kind not in PILLOW_FORMATS:
        raise _bad_type(name, IMAGES)
    try:
        image = Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[kind]])
        if image.width * image.height > image_max_pixels():
            raise _too_many_pixels(name)
        image.draft(None, (max_side, max_side))  # a large JPEG is decoded at 1/2 to 1/8 scale: less memory
        image.load()
        upright = ImageOps.exif_transpose(image)
        if upright.mode not in ("RGB", "RGBA", "L", "LA", "CMYK"):  # palette, 1-bit, 16-bit: resampled badly
            upright = upright.convert("RGBA" if upright.has_transparency_data else "RGB")
        upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(name) from exc
    except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds (OSError, SyntaxError, struct.error…)
        raise _undecodable(name) from exc
    return upright, kind


def _srgb(image: Image.Image) -> Image.Image:
    """RGB (or L) in sRGB, what a JPEG without a profile is taken to be: a photo's ICC profile (an iPhone's
    Display P3, a CMYK scan's) is applied rather than dropped, so its colours stay; alpha is laid on white."""
    if image.mode in ("RGBA", "LA"):
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        flat.info = image.info
        image = flat
    icc = image.info.get("icc_profile")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: the pixels as they are
    return image if image.mode in ("RGB", "L") else image.convert("RGB")


def _encoded(image: Image.Image, kind: str, *, quality: int = JPEG_QUALITY) -> bytes:
    """The image alone: no EXIF (so no GPS), XMP, text chunks or comment. A PNG keeps its colour profile and
    transparency (neither says where or with what it was taken)."""
    buffer = io.BytesIO()
    if kind == PNG:
        image.info = {key: value for key, value in image.info.items() if key in ("icc_profile", "transparency")}
        image.save(buffer, "PNG", optimize=False)
    else:
        image = _srgb(image)
        image.info = {}
        image.save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def clean_image(
    data: bytes, *, name: str = "", content_type: str | None = None, max_side: int = IMAGE_MAX_SIDE
) -> tuple[bytes, str]:
    """A checked JPEG or PNG re-encoded for storing: upright, at most `max_side` px on its longer side, with no
    metadata (EXIF with its GPS position, XMP, comments; a PNG keeps its ICC profile); returns the new bytes and
    their content type (the same type as given: a PNG screenshot stays lossless).

    Call it after check_upload (`content_type` is what that returned; None sniffs it again). Raises
    ValidationError (Chinese, naming `name`): "bad_type" for what Pillow cannot decode (a truncated or fake
    JPEG), "image_pixels" for a decompression bomb. Any app storing photos may call it (or `clean_photos`)."""
    image, kind = _decoded(data, name=name, content_type=content_type, max_side=max_side)
    return _encoded(image, kind), kind


def image_thumbnail(data: bytes, *, name: str = "", content_type: str | None = None) -> bytes:
    """A JPEG thumbnail of a JPEG or PNG (THUMBNAIL_SIDE px on its longer side, upright, sRGB, transparency on
    white, no metadata). Same refusals as clean_image; cheap on clean_image's output."""
    image, _kind = _decoded(data, name=name, content_type=content_type, max_side=THUMBNAIL_SIDE)
    return _encoded(image, JPEG, quality=THUMBNAIL_QUALITY)


def thumbnail_name(original_name: str) -> str:
    """The name a thumbnail is served under: the photo's name with .jpg (what a thumbnail always is)."""
    return safe_filename(posixpath.splitext(safe_filename(original_name))[0] + EXTENSIONS[JPEG])


@dataclasses.dataclass(frozen=True)
class CleanPhoto:
    """A photo checked and re-encoded, ready to store: `name` is the user's (cleaned) name, kept as data only;
    `file()` and `thumbnail_file()` give the files to assign to a model's FileFields, under random names."""

    name: str
    content_type: str
    data: bytes
    thumbnail: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def file(self) -> ContentFile[bytes]:
        return ContentFile(self.data, name=random_name(self.name, self.content_type))

    def thumbnail_file(self) -> ContentFile[bytes]:
        return ContentFile(self.thumbnail, name=random_name(thumbnail_name(self.name), JPEG))


def clean_photos(files: Iterable[Any]) -> list[CleanPhoto]:
    """Every photo checked (check_uploads with kinds=IMAGES) and re-encoded with its thumbnail before any is
    stored: one bad file refuses the whole batch with nothing written. For a model with `file` and `thumbnail`:

        for photo in uploads.clean_photos(files):
            audited_create(model=..., file=photo.file(), thumbnail=photo.thumbnail_file(),
                           original_name=photo.name, content_type=photo.content_type, size=photo.size, ...)"""
    cleaned = []
    for upload, content_type in check_uploads(files, kinds=IMAGES):
        name = upload_name(upload)
        data, kind = clean_image(read_all(upload), name=name, content_type=content_type)
        cleaned.append(CleanPhoto(name, kind, data, image_thumbnail(data, name=name, content_type=kind)))
    return cleaned


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (at most MAX_FILES); the service checks each one by its content."""

    def __init__(self, *args: Any, max_files: int = MAX_FILES, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "form-control", "multiple": True}))
        kwargs.setdefault("required", False)
        self.max_files = max_files
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > self.max_files:
            raise forms.ValidationError(TOO_MANY % {"n": self.max_files})
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


TOO_MANY = gettext_lazy("一次最多上传 %(n)s 个附件。")
