"""An office's own 红头 template: a DOCX holding the placeholders is stored and used instead of the built-in layout;
a file that is not a DOCX, or a DOCX without the placeholders, is refused with a clear message and nothing is
stored; a template is deactivated, never deleted."""

import io
from typing import Any

import docx
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import InMemoryStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from chaindesk.accounts.models import User
from chaindesk.core.models import AuditLog
from chaindesk.reports import preview, services
from chaindesk.reports.choices import VersionStatus
from chaindesk.reports.models import BriefingTemplate
from chaindesk.testkit.personas import PDF, Personas

from . import world


def _user(p: Personas, key: str) -> User:
    user = p.user(key)
    assert user is not None
    return user


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_storage")]


def docx_bytes(*lines: str) -> bytes:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


GOOD = ("{{ 发文机关 }}", "{{ 期号 }}　{{ 日期 }}", "红头测试单位专用", "{{ 标题 }}", "{{ 正文 }}")


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def _stored(storage: InMemoryStorage) -> list[str]:
    return storage.listdir("reports/templates")[1] if storage.exists("reports/templates") else []


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("红头.docx", PDF, "不是 Word 文档"),
        ("红头.pdf", PDF, "不是 Word 文档"),
        ("红头.docx", b"", "为空"),
        ("红头.docx", docx_bytes("泰州市生物医药产业链服务团队", "正文"), "模板缺少占位符"),
        ("红头.docx", docx_bytes("{{ 标题 }}", "{{ 期号 }}{{ 日期 }}", "正文：{{ 正文 }}"), "须单独占一段"),
    ],
)
def test_a_bad_template_is_refused_and_nothing_is_stored(
    personas: Personas, memory_storage: InMemoryStorage, name: str, data: bytes, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.template_upload(
            actor=personas.member, chain=personas.ours.chain, name="红头", upload=upload(name, data)
        )
    assert message in " ".join(refused.value.messages)
    assert "file" in refused.value.message_dict
    assert not BriefingTemplate.objects.exists() and _stored(memory_storage) == []
    assert not AuditLog.objects.filter(content_type__model="briefingtemplate").exists()


def test_a_good_template_is_stored_and_generates_in_its_own_head(
    personas: Personas,
    memory_storage: InMemoryStorage,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(preview, "available", lambda: False)
    p = personas
    template = services.template_upload(
        actor=p.member, chain=p.ours.chain, name="测试红头", upload=upload("红头模板.docx", docx_bytes(*GOOD))
    )
    assert (template.original_name, template.active, template.uploaded_by) == ("红头模板.docx", True, p.member)
    assert _stored(memory_storage) == [template.file.name.rsplit("/", 1)[1]]
    briefing = world.meeting_briefing(p)
    with django_capture_on_commit_callbacks(execute=True):
        version = services.briefing_generate(actor=p.member, briefing=briefing, template=template)
    version.refresh_from_db()
    assert version.status == VersionStatus.DONE and version.template == template
    with version.docx.open("rb") as handle:
        text = "\n".join(par.text for par in docx.Document(io.BytesIO(handle.read())).paragraphs)
    assert "红头测试单位专用" in text and "测试甲链服务团队工作例会" in text and world.VISIT_NOTES in text


def test_a_deactivated_template_is_kept_but_no_longer_offered(personas: Personas) -> None:
    p = personas
    template = services.template_upload(
        actor=p.member, chain=p.ours.chain, name="测试红头", upload=upload("红头.docx", docx_bytes(*GOOD))
    )
    services.template_deactivate(actor=p.chief, template=template)
    template.refresh_from_db()
    assert not template.active
    with pytest.raises(ValidationError) as refused:
        services.briefing_generate(actor=p.member, briefing=world.meeting_briefing(p), template=template)
    assert "已停用" in str(refused.value)


@pytest.mark.parametrize("key", ["x_chief", "liaison", "handler"])
def test_only_the_chain_s_team_uploads_or_deactivates(personas: Personas, key: str) -> None:
    p = personas
    with pytest.raises(PermissionDenied):
        services.template_upload(
            actor=_user(p, key), chain=p.ours.chain, name="红头", upload=upload("红头.docx", docx_bytes(*GOOD))
        )
    template = services.template_upload(
        actor=p.member, chain=p.ours.chain, name="红头", upload=upload("红头.docx", docx_bytes(*GOOD))
    )
    with pytest.raises(PermissionDenied):
        services.template_deactivate(actor=_user(p, key), template=template)
