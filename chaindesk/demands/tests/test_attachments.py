"""Attachments are checked by content (magic bytes), not by name, size-limited, and stored outside the web
root (under settings.VAR_DIR, a tmp directory here). The demands are our enterprise's, submitted by its user
`ent_user` (the fixed personas, chaindesk/testkit/personas.py)."""

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from chaindesk.demands import attachments
from chaindesk.demands.choices import DemandStatus
from chaindesk.demands.models import Attachment, Demand
from chaindesk.testkit.ole2 import ole2_file
from chaindesk.testkit.personas import Personas

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
DOC = ole2_file("WordDocument", "1Table")
XLS = ole2_file("Workbook")
MSI = ole2_file("\u4840\u3b3f", "SummaryInformation")  # an installer: OLE2, but no document stream
BARE_OLE2 = attachments.OLE2_MAGIC + b"\x00" * 64  # the header alone: not a readable compound file
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<xml/>")
    return buffer.getvalue()


DOCX = _zip(["[Content_Types].xml", "_rels/.rels", "word/document.xml"])
XLSX = _zip(["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"])


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("申请书.pdf", PDF, attachments.PDF),
        ("现场.png", PNG, attachments.PNG),
        ("现场.jpg", JPEG, attachments.JPEG),
        ("说明.docx", DOCX, attachments.DOCX),
        ("清单.xlsx", XLSX, attachments.XLSX),
        ("旧版.doc", DOC, attachments.DOC),
        ("旧版.xls", XLS, attachments.XLS),
        ("演示.pptx", _zip(["[Content_Types].xml", "_rels/.rels", "ppt/presentation.xml"]), attachments.PPTX),
        # the extension is compared without case
        ("扫描件.PDF", PDF, attachments.PDF),
        ("现场.jpeg", JPEG, attachments.JPEG),
    ],
)
def test_allowed_by_content(name: str, data: bytes, expected: str) -> None:
    assert attachments.check_upload(upload(name, data)) == expected


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("x.pdf", EXE),  # a renamed executable
        ("x.docx", _zip(["word/document.xml"])),  # a zip without [Content_Types].xml
        ("x.zip", _zip(["a.txt"])),
        ("x.png", b"GIF89a" + b"\x00" * 20),
        ("x.txt", "纯文本".encode()),
        ("x.pdf", b"PK\x03\x04 not really a zip"),
        ("x.html", b"<html><script>alert(1)</script></html>"),
    ],
)
def test_refused_by_content(name: str, data: bytes) -> None:
    with pytest.raises(ValidationError) as excinfo:
        attachments.check_upload(upload(name, data))
    assert name in excinfo.value.messages[0]
    assert "类型不允许" in excinfo.value.messages[0]


def test_empty_file_refused() -> None:
    with pytest.raises(ValidationError) as excinfo:
        attachments.check_upload(upload("空.pdf", b""))
    assert "空.pdf" in excinfo.value.messages[0]


def test_size_limit(settings: Any) -> None:
    settings.CHAINDESK_ATTACHMENT_MAX_BYTES = 100
    assert attachments.check_upload(upload("ok.pdf", PDF + b" " * (100 - len(PDF)))) == attachments.PDF
    with pytest.raises(ValidationError) as excinfo:
        attachments.check_upload(upload("大文件.pdf", PDF + b" " * 100))
    assert "大文件.pdf" in excinfo.value.messages[0]
    assert "超过大小上限" in excinfo.value.messages[0]


def test_default_size_limit_is_ten_mib(settings: Any) -> None:
    if hasattr(settings, "CHAINDESK_ATTACHMENT_MAX_BYTES"):
        del settings.CHAINDESK_ATTACHMENT_MAX_BYTES
    assert attachments.max_bytes() == 10 * 1024 * 1024


@pytest.mark.django_db
def test_submit_stores_checked_files_outside_web_root(
    make_demand: Callable[..., Demand], personas: Personas, var_dir: Path
) -> None:
    demand = make_demand(files=(upload("申请书.pdf", PDF), upload("../../etc/现场.png", PNG)))
    stored = list(demand.attachments.order_by("pk"))
    assert [(a.original_name, a.content_type, a.size) for a in stored] == [
        ("申请书.pdf", attachments.PDF, len(PDF)),
        ("现场.png", attachments.PNG, len(PNG)),
    ]
    for attachment in stored:
        path = Path(attachment.file.path)
        assert path.is_relative_to(var_dir / "attachments")
        assert path.read_bytes() in (PDF, PNG)
        assert attachment.uploaded_by == personas.ent_user
        assert "申请书" not in path.name  # stored under a random name


@pytest.mark.django_db
def test_one_bad_file_refuses_the_whole_demand(make_demand: Callable[..., Demand], var_dir: Path) -> None:
    demands_before = Demand.objects.count()
    attachments_before = Attachment.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        make_demand(files=(upload("申请书.pdf", PDF), upload("发票.pdf", EXE)))
    assert "发票.pdf" in excinfo.value.messages[0]
    assert Demand.objects.count() == demands_before
    assert Attachment.objects.count() == attachments_before
    assert not any(var_dir.rglob("*.pdf"))


@pytest.mark.django_db
def test_supply_info_with_files(make_demand: Callable[..., Demand], personas: Personas, var_dir: Path) -> None:
    from chaindesk.demands import services

    demand = make_demand(status=DemandStatus.NEEDS_INFO)
    with pytest.raises(ValidationError):
        services.demand_supply_info(demand=demand, actor=personas.ent_user, note="补充", files=[upload("a.pdf", EXE)])
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.NEEDS_INFO
    services.demand_supply_info(
        demand=demand, actor=personas.ent_user, note="已补充红线图", files=[upload("红线图.pdf", PDF)]
    )
    assert demand.status == DemandStatus.SUBMITTED
    assert list(demand.attachments.values_list("original_name", flat=True)) == ["红线图.pdf"]


# --- files that must be refused, with nothing stored -------------------------------------------------------

POLYGLOT = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n"
FAKE_OOXML = _zip(["[Content_Types].xml", "payload.exe"])


def _bomb(inflated: int, *, extra: tuple[str, ...] = ()) -> bytes:
    """An .xlsx-shaped zip whose sheet inflates to `inflated` bytes of zeros (written in 1 MiB chunks)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in ("[Content_Types].xml", "xl/workbook.xml", *extra):
            archive.writestr(name, "<xml/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(inflated // len(chunk)):
                member.write(chunk)
    return buffer.getvalue()


def _refusal(name: str, data: bytes) -> str:
    with pytest.raises(ValidationError) as excinfo:
        attachments.check_upload(upload(name, data))
    message = excinfo.value.messages[0]
    assert attachments.safe_filename(name) in message  # named as the user will recognise it
    return message


@pytest.mark.parametrize("name", ["setup.msi", "安装包.exe", "旧版.ppt", "旧版", "旧版.doc.msi"])
def test_a_legacy_word_file_is_accepted_only_as_doc(name: str) -> None:
    message = _refusal(name, DOC)
    assert "类型不允许" in message and "扩展名须为 .doc" in message


@pytest.mark.parametrize("name", ["setup.doc", "setup.xls", "setup.msi"])
@pytest.mark.parametrize("data", [MSI, BARE_OLE2, ole2_file("WordDocument", "Workbook")])
def test_an_ole2_file_without_exactly_one_document_stream_is_refused_by_content(name: str, data: bytes) -> None:
    message = _refusal(name, data)
    assert "类型不允许" in message and "按文件内容识别" in message


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("宏.doc", ole2_file("WordDocument", storages=("Macros",))),
        ("宏.xls", ole2_file("Workbook", storages=("_VBA_PROJECT_CUR",))),
    ],
)
def test_a_legacy_document_with_macros_is_refused(name: str, data: bytes) -> None:
    assert "内含可执行文件或宏" in _refusal(name, data)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("说明.docx", FAKE_OOXML),
        ("说明.docx", _zip(["[Content_Types].xml", "word/document.xml", "payload.exe"])),
        ("清单.xlsx", _zip(["[Content_Types].xml", "xl/workbook.xml", "xl/embeddings/run.BAT"])),
        ("清单.xlsx", _zip(["[Content_Types].xml", "xl/workbook.xml", "xl/vbaProject.bin"])),  # macros
        ("x.zip", FAKE_OOXML),
    ],
)
def test_an_ooxml_holding_an_executable_or_macros_is_refused(name: str, data: bytes) -> None:
    assert "可执行文件或宏" in _refusal(name, data)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("说明.docx", _zip(["[Content_Types].xml", "word/other.xml"])),  # no main part
        ("说明.docx", _zip(["[Content_Types].xml", "word/document.xml", "xl/workbook.xml"])),  # two kinds
        ("x.docx", _zip(["[Content_Types].xml", "../../word/document.xml", "word/document.xml"])),
    ],
)
def test_an_ooxml_must_have_the_structure_of_its_kind(name: str, data: bytes) -> None:
    message = _refusal(name, data)
    assert "类型不允许" in message or "结构异常" in message


@pytest.mark.parametrize(
    ("name", "data", "extensions"),
    [
        ("evil.html", POLYGLOT, ".pdf"),  # a PDF/HTML polyglot: an html name is never accepted
        ("evil.htm", POLYGLOT, ".pdf"),
        ("scan.bin", PDF, ".pdf"),
        ("申请书", PDF, ".pdf"),
        ("现场.png", JPEG, ".jpg、.jpeg"),
        ("说明.xlsx", DOCX, ".docx"),
        ("清单.docx", XLSX, ".xlsx"),
        ("清单.xls", XLSX, ".xlsx"),
        ("旧版.docx", DOC, ".doc"),
        ("旧版.doc", XLS, ".xls"),
        ("evil.pdf\u202eLMTH.exe", PDF, ".pdf"),  # a right-to-left override hides the real extension
    ],
)
def test_the_extension_must_be_one_of_the_detected_type(name: str, data: bytes, extensions: str) -> None:
    message = _refusal(name, data)
    assert "类型不允许" in message and f"文件扩展名须为 {extensions}" in message


def test_the_polyglot_is_accepted_only_as_the_pdf_it_is() -> None:
    assert attachments.check_upload(upload("说明.pdf", POLYGLOT)) == attachments.PDF


def test_a_zip_bomb_is_refused_by_its_declared_inflated_size() -> None:
    data = _bomb(101 * 1024 * 1024)
    assert len(data) < attachments.max_bytes()  # small enough to pass the upload size limit
    assert "压缩炸弹" in _refusal("bomb.xlsx", data)


def test_a_zip_bomb_is_refused_by_its_compression_ratio() -> None:
    data = _bomb(4 * 1024 * 1024)  # 4 MiB of zeros: about 1000:1, far under the inflated limit
    assert "压缩炸弹" in _refusal("bomb.xlsx", data)


def test_zip_limits_come_from_settings(settings: Any) -> None:
    settings.CHAINDESK_ATTACHMENT_ZIP_MAX_RATIO = 10_000
    assert attachments.check_upload(upload("大表.xlsx", _bomb(4 * 1024 * 1024))) == attachments.XLSX
    settings.CHAINDESK_ATTACHMENT_ZIP_MAX_INFLATED_BYTES = 3 * 1024 * 1024
    assert "压缩炸弹" in _refusal("大表.xlsx", _bomb(4 * 1024 * 1024))
    settings.CHAINDESK_ATTACHMENT_ZIP_MAX_MEMBERS = 2
    assert "文件过多" in _refusal("清单.xlsx", XLSX)


def test_the_default_zip_limits_are_in_settings(settings: Any) -> None:
    assert settings.CHAINDESK_ATTACHMENT_ZIP_MAX_INFLATED_BYTES == 100 * 1024 * 1024
    assert settings.CHAINDESK_ATTACHMENT_ZIP_MAX_RATIO == 100


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("setup.msi", MSI),
        ("setup.doc", MSI),
        ("说明.docx", FAKE_OOXML),
        ("evil.html", POLYGLOT),
        ("bomb.xlsx", _bomb(101 * 1024 * 1024)),
    ],
)
def test_a_refused_file_stores_nothing(
    make_demand: Callable[..., Demand], var_dir: Path, name: str, data: bytes
) -> None:
    demands_before, attachments_before = Demand.objects.count(), Attachment.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        make_demand(files=(upload("申请书.pdf", PDF), upload(name, data)))
    assert name in excinfo.value.messages[0]
    assert (Demand.objects.count(), Attachment.objects.count()) == (demands_before, attachments_before)
    assert not [p for p in var_dir.rglob("*") if p.is_file()]


# --- names and downloads -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/现场.png", "现场.png"),
        ("C:\\Users\\刘洋\\申请书.pdf", "申请书.pdf"),
        ("申请\r\n书\x00.pdf", "申请书.pdf"),
        ("evil\u202efdp.exe", "evilfdp.exe"),  # no right-to-left override
        ("  ..报告.pdf. ", "报告.pdf"),
        ("", "未命名文件"),
        (".pdf", "pdf"),  # no hidden file: leading dots go
        ("长" * 300 + ".xlsx", "长" * 195 + ".xlsx"),  # cut to 200, the extension kept
    ],
)
def test_safe_filename(raw: str, expected: str) -> None:
    assert attachments.safe_filename(raw) == expected


@pytest.mark.django_db
def test_download_keeps_the_users_extension_under_a_safe_name(
    make_demand: Callable[..., Demand], personas: Personas, var_dir: Path
) -> None:
    from urllib.parse import quote

    from django.test import Client
    from django.urls import reverse

    demand = make_demand(files=(upload("申请书 (终稿).pdf", PDF), upload("旧版清单.XLS", XLS), upload("a b.png", PNG)))
    pdf, xls, png = demand.attachments.order_by("pk")
    assert Path(xls.file.path).suffix == ".xls"  # stored under a random name with the checked extension
    # an attachment kept before names were checked: path, control characters and a foreign extension
    Attachment.objects.filter(pk=png.pk).update(original_name="..\\..\\evil\r\n.html")
    client = Client()
    client.force_login(personas.ent_user)
    expected = [
        (pdf, "application/pdf", "attachment.pdf", "申请书 (终稿).pdf"),
        (xls, "application/vnd.ms-excel", "attachment.xls", "旧版清单.XLS"),
        (png, "image/png", "evil.html.png", "evil.html.png"),
    ]
    for attachment, content_type, plain, name in expected:
        response = client.get(reverse("demands:attachment", args=[attachment.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        disposition = response["Content-Disposition"]
        assert disposition == f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"
        assert not any(c in disposition for c in "\r\n/\\")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
