"""The meeting pages of issue 12 item 1: the team creates, edits and deletes a meeting from one form (stops and
speeches as ordered rows, files), others get 403 (they see the meeting) or 404 (they do not); the meeting page
shows who attended (grouped), the stops with notes and photos, the speeches, the minutes and the attachments;
the files are served to whoever sees the meeting; the list offers 新建会议 to the team and exports what it shows.
Query counts are pinned where the neighbouring tests pin them (the meeting page, the list). Personas: see
meeting_kit.py."""

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.meetings import services_meetings as services
from chaindesk.meetings.models import Meeting, MeetingKind

from .meeting_kit import JPEG, PDF, memory_files, record, upload

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
__all__ = ["memory_files"]  # the autouse fixture, imported so that it applies here


def _as(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(personas: Any, **changes: Any) -> dict[str, Any]:
    """The form as a team member fills it in: two stops (our enterprise with its project, then ent2), a speech."""
    ours = personas.ours
    data: dict[str, Any] = {
        "chain": ours.chain.pk,
        "kind": MeetingKind.SITE_VISIT,
        "title": "",
        "held_on": (personas.today - dt.timedelta(days=1)).isoformat(),
        "starts_at": "09:30",
        "ends_at": "11:30",
        "region": ours.region.pk,
        "location": "测试甲区人民政府",
        "leader": personas.chief.pk,
        "chair": personas.member.pk,
        "attendees": [personas.chief.pk, personas.liaison.pk],
        "attendee_departments": [ours.department.pk],
        "attendee_regions": [ours.region.pk],
        "attendee_enterprises": [ours.enterprise.pk],
        "guests": "省工信厅 张三",
        "summary": "会议要求各部门抓好落实。",
        "sv_enterprise_1": ours.enterprise.pk,
        "sv_project_1": ours.project.pk,
        "sv_notes_1": "查看新建车间。",
        "sv_order_1": "1",
        "sv_id_1": "",
        "sv_enterprise_2": personas.ent2.pk,
        "sv_notes_2": "了解研发中心建设情况。",
        "sv_order_2": "2",
        "sp_who_1": f"d:{ours.department.pk}",
        "sp_speaker_1": "测试成员 科长",
        "sp_topic_1": "要素保障",
        "sp_content_1": "用地、用能指标优先保障。",
        "sp_order_1": "1",
    }
    data.update(changes)
    return data


def test_the_form_opens_with_todays_date_and_the_users_chain(personas: Any) -> None:
    response = _as(personas.member).get(reverse("meetings:create"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["held_on"] == personas.today
    assert form.initial["chain"] == personas.ours.chain.pk and form.initial["leader"] == personas.ours.chain.chief_id
    page = response.content.decode()
    assert 'data-testid="meeting-form"' in page and 'enctype="multipart/form-data"' in page
    assert page.count('data-testid="stop-row"') == 2 and page.count('data-testid="speech-row"') == 2  # + templates
    assert 'name="sv_enterprise___n__"' in page and 'name="sp_who___n__"' in page
    assert [c.pk for c in form.fields["chain"].queryset] == [personas.ours.chain.pk]  # only the team's chains


def test_the_team_member_creates_a_meeting_and_sees_it(personas: Any) -> None:
    client = _as(personas.member)
    data = _post(personas, sv_photos_1=[upload("车间.jpg", JPEG)], attachments=[upload("会议通知.pdf", PDF)])
    response = client.post(reverse("meetings:create"), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    meeting = Meeting.objects.get(location="测试甲区人民政府")
    assert response["Location"] == reverse("meetings:detail", args=[meeting.pk])
    assert (meeting.starts_at, meeting.ends_at) == (dt.time(9, 30), dt.time(11, 30))
    assert [str(s) for s in meeting.site_visits.order_by("seq")] == [str(personas.ours.project), personas.ent2.name]
    page = client.get(response["Location"]).content.decode()
    assert "已新建会议“测试甲链产业链服务团队现场观摩”。" in page
    assert "11:30" in page and 'data-testid="meeting-edit"' in page
    for group in ("leaders", "departments", "regions", "enterprises", "others"):
        assert f'data-testid="attendee-group-{group}"' in page
    assert page.count('data-testid="site-visit"') == 2 and "查看新建车间。" in page and "了解研发中心建设情况。" in page
    assert page.index(personas.ours.project.name) < page.index(personas.ent2.name)  # in order
    photo = meeting.site_visits.get(seq=1).photos.get()
    assert reverse("meetings:site_visit_photo", args=[photo.pk]) in page
    assert 'data-testid="speech"' in page and "用地、用能指标优先保障。" in page
    assert "会议要求各部门抓好落实。" in page and "会议通知.pdf" in page


def test_errors_come_back_on_the_form_and_nothing_is_saved(personas: Any) -> None:
    client = _as(personas.member)
    before = Meeting.objects.count()
    response = client.post(reverse("meetings:create"), _post(personas, ends_at="08:00"))
    assert response.status_code == 400
    assert response.context["form"].errors == {"ends_at": ["结束时间须晚于开始时间。"]}
    page = response.content.decode()
    assert 'data-testid="form-errors"' in page and "查看新建车间。" in page  # what was typed is kept
    bad = _post(personas, sv_enterprise_2=personas.theirs.enterprise.pk)
    response = client.post(reverse("meetings:create"), bad)
    assert response.status_code == 400 and "sv_enterprise_2" in response.context["form"].errors  # not offered
    response = client.post(reverse("meetings:create"), _post(personas, sp_who_1="", sp_speaker_1=""))
    assert response.context["form"].errors == {"sp_who_1": ["请选择发言单位或填写发言人。"]}
    assert Meeting.objects.count() == before


def test_a_row_is_added_without_javascript(personas: Any) -> None:
    response = _as(personas.member).post(reverse("meetings:create"), {**_post(personas), "add_row": "sv"})
    assert response.status_code == 200 and not Meeting.objects.filter(location="测试甲区人民政府").exists()
    page = response.content.decode()
    assert 'name="sv_enterprise_3"' in page and "了解研发中心建设情况。" in page


def test_the_team_edits_rows_and_files(personas: Any) -> None:
    meeting = record(personas)
    first, second = meeting.site_visits.order_by("seq")
    services.attachments_add(actor=personas.member, meeting=meeting, files=[upload("旧材料.pdf", PDF)])
    client = _as(personas.chief)
    url = reverse("meetings:edit", args=[meeting.pk])
    response = client.get(url)
    assert 'data-testid="meeting-delete"' in response.content.decode()
    form = response.context["form"]
    assert form.initial["sv_id_1"] == first.pk and form.initial["sv_notes_2"] == "了解研发中心建设情况。"
    speech = meeting.speeches.get()
    data = _post(
        personas,
        title="测试甲链观摩会",
        sv_id_1=first.pk,
        sv_order_1="2",
        sv_id_2=second.pk,
        sv_order_2="1",
        sv_notes_2="研发中心已封顶。",
        sv_place_3="测试甲区产业园",
        sv_order_3="3",
        sp_id_1=speech.pk,
        sp_delete_1="on",
        remove_attachments=[meeting.attachments.get().pk],
    )
    response = client.post(url, data)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "测试甲链观摩会"
    assert [(s.pk, s.notes) for s in meeting.site_visits.order_by("seq")][:2] == [
        (second.pk, "研发中心已封顶。"),
        (first.pk, "查看新建车间。"),
    ]
    assert str(meeting.site_visits.get(seq=3)) == "测试甲区产业园"
    assert not meeting.speeches.exists() and not meeting.attachments.exists()
    assert AuditLog.objects.filter(content_type__model="meeting", object_id=str(meeting.pk), actor=personas.chief)


@pytest.mark.parametrize(("key", "status"), [("liaison", 403), ("district", 403), ("x_chief", 404), ("x_liaison", 404)])
def test_others_may_not_write(personas: Any, key: str, status: int) -> None:
    meeting = personas.ours.meeting
    client = _as(getattr(personas, key))
    for name in ("meetings:edit", "meetings:delete"):
        assert client.get(reverse(name, args=[meeting.pk])).status_code == status
        assert client.post(reverse(name, args=[meeting.pk]), _post(personas)).status_code == status
    assert Meeting.objects.filter(pk=meeting.pk, title=meeting.title).exists()


@pytest.mark.parametrize("key", ["liaison", "district", "x_liaison", "handler", "ent_user"])
def test_only_a_team_member_opens_the_new_meeting_form(personas: Any, key: str) -> None:
    assert _as(getattr(personas, key)).get(reverse("meetings:create")).status_code == 403


def test_the_delete_page_asks_then_deletes_or_refuses(personas: Any) -> None:
    client = _as(personas.member)
    meeting = record(personas)
    url = reverse("meetings:delete", args=[meeting.pk])
    page = client.get(url).content.decode()
    assert "确定删除会议“测试甲链产业链服务团队现场观摩”吗？" in page and "观摩点 2 个（含照片）" in page
    assert Meeting.objects.filter(pk=meeting.pk).exists()
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("meetings:list")
    assert not Meeting.objects.filter(pk=meeting.pk).exists()
    # The world's meeting has a decision: once it is a demand, the page refuses and the POST changes nothing.
    ours = personas.ours.meeting
    ours.decisions.update(demand=personas.ours.demand)
    page = client.get(reverse("meetings:delete", args=[ours.pk])).content.decode()
    assert 'data-testid="delete-refused"' in page and 'data-testid="confirm-submit"' not in page
    response = client.post(reverse("meetings:delete", args=[ours.pk]), follow=True)
    assert "不能删除" in response.content.decode() and Meeting.objects.filter(pk=ours.pk).exists()


def test_files_are_served_to_whoever_sees_the_meeting(personas: Any) -> None:
    meeting = record(personas)
    stop = meeting.site_visits.get(seq=1)
    (photo,) = services.site_visit_photos_add(actor=personas.member, site_visit=stop, photos=[upload("a.jpg", JPEG)])
    (attachment,) = services.attachments_add(actor=personas.member, meeting=meeting, files=[upload("纪要.pdf", PDF)])
    photo_url = reverse("meetings:site_visit_photo", args=[photo.pk])
    file_url = reverse("meetings:attachment", args=[attachment.pk])
    reader = _as(personas.liaison)  # attends: reads, does not write
    response = reader.get(photo_url)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("inline")
    response = reader.get(file_url)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF and response["Cache-Control"] == "private, no-store"
    for key in ("x_liaison", "x_chief"):
        assert _as(getattr(personas, key)).get(photo_url).status_code == 404
        assert _as(getattr(personas, key)).get(file_url).status_code == 404
    assert AuditLog.objects.filter(action=AuditAction.PERMISSION_DENIED, object_id=str(photo.pk)).exists()


def test_the_meeting_page_shows_the_edit_button_to_the_team_only(personas: Any) -> None:
    url = reverse("meetings:detail", args=[personas.ours.meeting.pk])
    assert 'data-testid="meeting-edit"' in _as(personas.member).get(url).content.decode()
    assert 'data-testid="meeting-edit"' not in _as(personas.liaison).get(url).content.decode()


def test_the_meeting_page_query_count_does_not_grow_with_rows(
    personas: Any, django_assert_max_num_queries: Any
) -> None:
    meeting = record(personas)
    for stop in meeting.site_visits.all():
        services.site_visit_photos_add(
            actor=personas.member, site_visit=stop, photos=[upload("a.jpg", JPEG), upload("b.jpg", JPEG)]
        )
    for n in range(5):
        services.speech_add(actor=personas.member, meeting=meeting, data=services.SpeechInput(speaker=f"发言人{n}"))
    services.attachments_add(actor=personas.member, meeting=meeting, files=[upload("a.pdf", PDF), upload("b.pdf", PDF)])
    url = reverse("meetings:detail", args=[meeting.pk])
    # session, user, meeting, team check, decisions, visible demands, attendees, departments/districts/enterprises
    # (one UNION), stops, their photos, speeches, attachments, its source report; the team's decision form adds its
    # two choices.
    for key, limit in (("member", 15), ("liaison", 12)):
        client = _as(getattr(personas, key))
        client.get(url)
        with django_assert_max_num_queries(limit):
            response = client.get(url)
        page = response.content.decode()
        assert page.count('data-testid="speech"') == 6 and page.count("cd-photo-thumb") == 4


def test_the_list_offers_new_and_export(personas: Any, django_assert_max_num_queries: Any) -> None:
    record(personas)
    url = reverse("meetings:list")
    client = _as(personas.member)
    client.get(url)
    with django_assert_max_num_queries(6):
        page = client.get(url).content.decode()
    assert 'data-testid="meeting-create"' in page and 'name="chain"' in page
    assert 'data-testid="meeting-create"' not in _as(personas.liaison).get(url).content.decode()
    response = client.get(reverse("meetings:export") + "?kind=site_visit")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert any("观摩点" in row for row in values)
    assert any(row and f"{personas.ours.project}；{personas.ent2}" in row for row in values)
    assert not any(row and personas.ours.meeting.title in row for row in values)  # a regular meeting: filtered out


def test_the_edit_form_costs_the_same_queries_whatever_the_rows(personas: Any) -> None:
    assert_edit_queries_flat(personas)


def assert_edit_queries_flat(personas: Any) -> None:
    """The edit form of a meeting costs the same queries with one stop and speech as with five of each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    meeting = record(personas)
    url = reverse("meetings:edit", args=[meeting.pk])
    client = _as(personas.member)
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(4):
        services.speech_add(actor=personas.member, meeting=meeting, data=services.SpeechInput(speaker=f"发言人{n}"))
        services.site_visit_add(
            actor=personas.member, meeting=meeting, data=services.SiteVisitInput(personas.ent2, notes=f"观摩{n}")
        )
    assert count() == few  # rows are read in bulk, not one query each
