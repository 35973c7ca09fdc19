"""Attachments are checked by content (magic bytes), not by name, size-limited, and stored outside the web
root (under settings.VAR_DIR, a tmp directory here)."""

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

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
OLE2 = attachments.OLE2_MAGIC + b"\x00" * 64
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
        ("旧版.doc", OLE2, attachments.OLE2),
        ("旧版.xls", OLE2, attachments.OLE2),
        # the name does not matter, the content does
        ("scan.bin", PDF, attachments.PDF),
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
def test_submit_stores_checked_files_outside_web_root(make_demand: Callable[..., Demand], var_dir: Path) -> None:
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
        assert attachment.uploaded_by.username == "liuyang"
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
def test_supply_info_with_files(
    make_demand: Callable[..., Demand], persona: Callable[[str], Any], var_dir: Path
) -> None:
    from chaindesk.demands import services

    demand = make_demand(status=DemandStatus.NEEDS_INFO)
    with pytest.raises(ValidationError):
        services.demand_supply_info(demand=demand, actor=persona("liuyang"), note="补充", files=[upload("a.pdf", EXE)])
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.NEEDS_INFO
    services.demand_supply_info(
        demand=demand, actor=persona("liuyang"), note="已补充红线图", files=[upload("红线图.pdf", PDF)]
    )
    assert demand.status == DemandStatus.SUBMITTED
    assert list(demand.attachments.values_list("original_name", flat=True)) == ["红线图.pdf"]
