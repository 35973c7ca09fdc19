"""What the tests of issue 12 item 1 (meetings in the product) share: files kept in memory, small uploads, and a
meeting of 测试甲链 recorded through the services by its team member.

On the fixed personas (chaindesk/testkit/personas.py): `member` and `chief` are on 测试甲链's team; `liaison`
serves our enterprises and attends our meetings; `district` administers 测试甲区; `handler` works in 测试甲局;
`x_chief` leads 测试乙链 and is on no team of ours; `ent2` is our second enterprise (no project)."""

import datetime as dt
from typing import Any

import pytest
from django.core.files.storage import InMemoryStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from chaindesk.meetings import services_meetings as services
from chaindesk.meetings.models import Meeting, MeetingAttachment, MeetingKind, SiteVisitPhoto
from chaindesk.meetings.services_meetings import MeetingFacts, SiteVisitInput, SiteVisitRow, SpeechInput, SpeechRow

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def memory_files(monkeypatch: pytest.MonkeyPatch) -> dict[str, InMemoryStorage]:
    """Meeting files go to in-memory storages (the fields' storages are built once, with the models)."""
    storages = {"attachment": InMemoryStorage(), "photo": InMemoryStorage()}
    monkeypatch.setattr(MeetingAttachment._meta.get_field("file"), "storage", storages["attachment"])
    monkeypatch.setattr(SiteVisitPhoto._meta.get_field("file"), "storage", storages["photo"])
    return storages


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)  # the declared type is never believed


def facts(personas: Any, **changes: Any) -> MeetingFacts:
    """A 测试甲链 现场观摩 held yesterday morning in 测试甲区, led by the chief, chaired by the member."""
    values: dict[str, Any] = {
        "chain": personas.ours.chain,
        "held_on": personas.today - dt.timedelta(days=1),
        "leader": personas.chief,
        "kind": MeetingKind.SITE_VISIT,
        "starts_at": dt.time(9, 30),
        "ends_at": dt.time(11, 30),
        "region": personas.ours.region,
        "location": "测试甲区人民政府三楼会议室",
        "chair": personas.member,
        "guests": "省工信厅 张三\n测试大学 李四",
        "summary": "会议听取了企业情况汇报，研究部署下一步工作。",
        "attendees": [personas.chief, personas.member, personas.liaison],
        "attendee_departments": [personas.ours.department],
        "attendee_regions": [personas.ours.region],
        "attendee_enterprises": [personas.ours.enterprise],
    }
    values.update(changes)
    return MeetingFacts(**values)


def record(personas: Any, actor: Any = None, **changes: Any) -> Meeting:
    """The meeting of `facts`, with two stops (our enterprise and its project; ent2) and one speech."""
    return services.meeting_record(
        actor=actor or personas.member,
        meeting=None,
        facts=facts(personas, **changes),
        site_visits=[
            SiteVisitRow(
                None, SiteVisitInput(personas.ours.enterprise, personas.ours.project, notes="查看新建车间。"), ref=1
            ),
            SiteVisitRow(None, SiteVisitInput(personas.ent2, notes="了解研发中心建设情况。"), ref=2),
        ],
        speeches=[SpeechRow(None, SpeechInput(department=personas.ours.department, topic="要素保障"), ref=1)],
    )
