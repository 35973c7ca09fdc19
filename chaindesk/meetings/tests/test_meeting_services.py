"""The writes of meetings themselves (chaindesk/meetings/services_meetings.py): who may write (the chain's service
team, its city leader included), the rules of a meeting, a stop and a speech (Chinese messages on the field), the
ordered rows, the files checked by content, deletion refused once a decision became a demand, and the audit
lines, on the row itself and, readable, on the meeting. Personas: see meeting_kit.py."""

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chaindesk.core.actors import FIXTURES
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.demands.models import Category
from chaindesk.meetings import services as decision_services
from chaindesk.meetings import services_meetings as services
from chaindesk.meetings.models import CalendarFeed, Meeting, SiteVisit, SiteVisitPhoto, Speech
from chaindesk.meetings.services_meetings import (
    MeetingFiles,
    SiteVisitInput,
    SiteVisitRow,
    SpeechInput,
    SpeechRow,
)

from .meeting_kit import EXE, JPEG, PDF, PNG, facts, memory_files, record, upload

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
__all__ = ["memory_files"]  # the autouse fixture, imported so that it applies here


def _lines(obj: Any) -> list[AuditLog]:
    return list(AuditLog.objects.for_object(obj).order_by("pk"))


def test_the_team_member_records_a_meeting_with_its_stops_and_speech(personas: Any) -> None:
    meeting = record(personas)
    assert meeting.created_by == personas.member
    assert meeting.title == "测试甲链产业链服务团队现场观摩"  # a blank title is named after the chain and kind
    stops = list(meeting.site_visits.order_by("seq"))
    assert [(s.seq, s.enterprise, s.project, s.notes) for s in stops] == [
        (1, personas.ours.enterprise, personas.ours.project, "查看新建车间。"),
        (2, personas.ent2, None, "了解研发中心建设情况。"),
    ]
    speech = meeting.speeches.get()
    assert (speech.seq, speech.department, speech.topic) == (1, personas.ours.department, "要素保障")
    assert set(meeting.attendees.all()) == {personas.chief, personas.member, personas.liaison}
    assert list(meeting.attendee_enterprises.all()) == [personas.ours.enterprise]
    # Audited: the meeting's creation, who attended (by name), and each row on its own line and on the meeting.
    lines = _lines(meeting)
    assert lines[0].action == AuditAction.CREATE and lines[0].actor == personas.member
    attending = {k: v for line in lines for k, v in (line.after or {}).items() if k == "参会企业"}
    assert attending == {"参会企业": personas.ours.enterprise.name}
    messages = [line.message for line in lines if line.message]
    assert messages == [
        f"新增观摩点 1：{personas.ours.project}",
        f"新增观摩点 2：{personas.ent2}",
        f"新增交流发言 1：{personas.ours.department}",
    ]
    for row in (*stops, speech):
        assert [line.action for line in _lines(row)] == [AuditAction.CREATE]


def test_a_city_leader_on_the_team_records_too(personas: Any) -> None:
    meeting = record(personas, actor=personas.chief)
    assert meeting.created_by == personas.chief and meeting.site_visits.count() == 2


@pytest.mark.parametrize("key", ["liaison", "district", "x_chief", "handler"])
def test_only_the_chains_team_writes(personas: Any, key: str) -> None:
    before = Meeting.objects.count()
    with pytest.raises(PermissionDenied):
        record(personas, actor=getattr(personas, key))
    assert Meeting.objects.count() == before
    meeting = personas.ours.meeting
    with pytest.raises(PermissionDenied):
        services.meeting_update(actor=getattr(personas, key), meeting=meeting, facts=facts(personas))
    with pytest.raises(PermissionDenied):
        services.meeting_delete(actor=getattr(personas, key), meeting=meeting)
    with pytest.raises(PermissionDenied):
        services.site_visit_add(actor=getattr(personas, key), meeting=meeting, data=SiteVisitInput(place="产业园"))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"starts_at": dt.time(10, 0), "ends_at": dt.time(9, 0)}, "ends_at", "结束时间须晚于开始时间。"),
        ({"starts_at": dt.time(10, 0), "ends_at": dt.time(10, 0)}, "ends_at", "结束时间须晚于开始时间。"),
        ({"starts_at": None, "ends_at": dt.time(9, 0)}, "starts_at", "填写结束时间时，请同时填写开始时间。"),
        ({"kind": "party"}, "kind", "请选择会议类型。"),
    ],
)
def test_the_times_and_kind_are_checked(personas: Any, changes: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        record(personas, **changes)
    assert refused.value.message_dict == {field: [message]}
    assert not Meeting.objects.filter(location="测试甲区人民政府三楼会议室").exists()


@pytest.mark.parametrize(("role_key", "field"), [("leader", "leader"), ("chair", "chair")])
@pytest.mark.parametrize("who", ["handler", "ent_user", "sysadmin"])
def test_the_leader_and_chair_are_officials(personas: Any, role_key: str, field: str, who: str) -> None:
    with pytest.raises(ValidationError) as refused:
        record(personas, **{role_key: getattr(personas, who)})
    assert list(refused.value.message_dict) == [field]
    assert "须为在岗的市领导或工作人员" in refused.value.message_dict[field][0]


def test_an_attendee_is_staff_and_an_inactive_leader_is_refused(personas: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        record(personas, attendees=[personas.ent_user])
    assert list(refused.value.message_dict) == ["attendees"]
    personas.member.is_active = False
    with pytest.raises(ValidationError):
        services.meeting_create(actor=personas.chief, facts=facts(personas, chair=personas.member))


def _stop(personas: Any, data: SiteVisitInput) -> SiteVisit:
    return services.site_visit_add(actor=personas.member, meeting=personas.ours.meeting, data=data)


def test_a_stop_is_of_the_meetings_chain(personas: Any) -> None:
    theirs = personas.theirs
    cases = [
        (SiteVisitInput(enterprise=theirs.enterprise), "enterprise", "观摩企业须为测试甲链产业链的企业。"),
        (SiteVisitInput(project=theirs.project), "project", "观摩项目须为测试甲链产业链的项目。"),
        (
            SiteVisitInput(enterprise=personas.ent2, project=personas.ours.project),
            "project",
            "观摩项目须为所选观摩企业的项目。",
        ),
        (SiteVisitInput(notes="只有情况"), "enterprise", "请选择观摩企业或项目，或填写观摩点。"),
    ]
    for data, field, message in cases:
        with pytest.raises(ValidationError) as refused:
            _stop(personas, data)
        assert refused.value.message_dict == {field: [message]}
    assert not personas.ours.meeting.site_visits.exists()
    # A project alone brings its enterprise; a place not on record is a stop too.
    stop = _stop(personas, SiteVisitInput(project=personas.ours.project))
    assert stop.enterprise == personas.ours.enterprise
    assert _stop(personas, SiteVisitInput(place="测试甲区产业园")).seq == 2


def test_a_speech_names_one_speaker(personas: Any) -> None:
    meeting = personas.ours.meeting
    for data, message in (
        (SpeechInput(department=personas.ours.department, region=personas.ours.region), "发言单位只能选择一个。"),
        (SpeechInput(topic="无人"), "请选择发言单位或填写发言人。"),
    ):
        with pytest.raises(ValidationError) as refused:
            services.speech_add(actor=personas.member, meeting=meeting, data=data)
        assert refused.value.message_dict == {"department": [message]}
    speech = services.speech_add(actor=personas.member, meeting=meeting, data=SpeechInput(speaker="王五 企业代表"))
    assert str(speech) == "王五 企业代表"


def test_stops_and_speeches_are_reordered_changed_and_removed(personas: Any) -> None:
    meeting = record(personas)
    first, second = meeting.site_visits.order_by("seq")
    services.site_visits_reorder(actor=personas.member, meeting=meeting, order=[second.pk, first.pk])
    assert list(meeting.site_visits.order_by("seq").values_list("pk", flat=True)) == [second.pk, first.pk]
    line = _lines(meeting)[-1]
    assert line.before == {"观摩顺序": f"{personas.ours.project} → {personas.ent2}"}
    assert line.after == {"观摩顺序": f"{personas.ent2} → {personas.ours.project}"}
    with pytest.raises(ValidationError, match="排序须包含本次会议的全部条目"):
        services.site_visits_reorder(actor=personas.member, meeting=meeting, order=[first.pk])
    first.refresh_from_db()
    second.refresh_from_db()
    services.site_visit_update(
        actor=personas.member, site_visit=first, data=SiteVisitInput(personas.ours.enterprise, notes="改后的情况")
    )
    first.refresh_from_db()
    assert (first.project, first.notes) == (None, "改后的情况")
    assert _lines(meeting)[-1].message == f"修改观摩点 2：{personas.ours.enterprise}"
    second_pk = second.pk
    services.site_visit_remove(actor=personas.member, site_visit=second)
    assert _lines(meeting)[-1].message == f"删除观摩点 1：{personas.ent2}"
    assert AuditLog.objects.filter(action=AuditAction.DELETE, object_id=str(second_pk)).exists()
    speech = meeting.speeches.get()
    services.speech_remove(actor=personas.member, speech=speech)
    assert not Speech.objects.filter(pk=speech.pk).exists()


def test_the_form_save_applies_rows_in_order_and_names_a_bad_row(personas: Any) -> None:
    meeting = record(personas)
    first, second = meeting.site_visits.order_by("seq")
    speech = meeting.speeches.get()
    rows = [
        SiteVisitRow(second.pk, SiteVisitInput(personas.ent2, notes="先看研发中心"), ref=2),
        SiteVisitRow(None, SiteVisitInput(place="测试甲区产业园"), ref=3),
        SiteVisitRow(first.pk, None, ref=1),  # removed
    ]
    services.meeting_record(
        actor=personas.member,
        meeting=meeting,
        facts=facts(personas, title="改名后的观摩会"),
        site_visits=rows,
        speeches=[SpeechRow(speech.pk, SpeechInput(speaker="赵六"), ref=1)],
    )
    meeting.refresh_from_db()
    assert meeting.title == "改名后的观摩会"
    assert [(s.seq, str(s)) for s in meeting.site_visits.order_by("seq")] == [
        (1, personas.ent2.name),
        (2, "测试甲区产业园"),
    ]
    assert meeting.speeches.get().speaker == "赵六"
    bad = [SiteVisitRow(None, SiteVisitInput(enterprise=personas.theirs.enterprise), ref=4)]
    with pytest.raises(ValidationError) as refused:
        services.meeting_record(actor=personas.member, meeting=meeting, facts=facts(personas), site_visits=bad)
    assert list(refused.value.message_dict) == ["sv_enterprise_4"]
    stranger = personas.theirs.meeting
    foreign = SiteVisit.objects.create(meeting=stranger, seq=1, place="乙链观摩点")
    forged = [SiteVisitRow(foreign.pk, SiteVisitInput(place="改"), ref=1)]
    with pytest.raises(ValidationError, match="不属于本次会议"):
        services.meeting_record(actor=personas.member, meeting=meeting, facts=facts(personas), site_visits=forged)
    foreign.refresh_from_db()
    assert foreign.place == "乙链观摩点"


def test_moving_a_meeting_to_another_chain_needs_its_stops_to_follow(personas: Any) -> None:
    meeting = record(personas)
    theirs = personas.theirs.chain
    with pytest.raises(PermissionDenied):  # the member is not on 测试乙链's team
        services.meeting_update(actor=personas.member, meeting=meeting, facts=facts(personas, chain=theirs))
    # An import (a city-wide system actor) may move it, but not with stops of 测试甲链.
    moved = facts(personas, chain=theirs, leader=personas.x_chief, chair=None)
    with pytest.raises(ValidationError) as refused:
        services.meeting_update(actor=FIXTURES, meeting=meeting, facts=moved)
    assert refused.value.message_dict == {
        "chain": [f"观摩点“{personas.ours.project}”不属于测试乙链产业链，请先修改或删除该观摩点。"]
    }


def test_files_are_checked_by_content_and_removed_after_commit(
    personas: Any, memory_files: Any, django_capture_on_commit_callbacks: Any
) -> None:
    meeting = record(personas)
    stop = meeting.site_visits.get(seq=1)
    with pytest.raises(ValidationError, match="不是照片"):
        services.site_visit_photos_add(actor=personas.member, site_visit=stop, photos=[upload("a.jpg", PDF)])
    with pytest.raises(ValidationError, match="类型不允许上传"):
        services.attachments_add(actor=personas.member, meeting=meeting, files=[upload("a.pdf", EXE)])
    assert not memory_files["photo"].listdir("")[1] and not memory_files["attachment"].listdir("")[1]
    photos = services.site_visit_photos_add(
        actor=personas.member, site_visit=stop, photos=[upload("车间.jpg", JPEG), upload("门口.png", PNG)]
    )
    (attachment,) = services.attachments_add(actor=personas.member, meeting=meeting, files=[upload("纪要.pdf", PDF)])
    assert [(p.original_name, p.uploaded_by) for p in photos] == [
        ("车间.jpg", personas.member),
        ("门口.png", personas.member),
    ]
    assert attachment.content_type == "application/pdf" and attachment.file.read() == PDF
    name = photos[0].file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.site_visit_photo_remove(actor=personas.member, photo=photos[0])
    assert not memory_files["photo"].exists(name)
    assert _lines(meeting)[-1].message == "删除观摩点 1 的照片：车间.jpg"
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_remove(actor=personas.member, attachment=attachment)
    assert not memory_files["attachment"].exists(attachment.file.name)


def test_the_form_save_checks_every_upload_before_writing(personas: Any) -> None:
    before = Meeting.objects.count()
    rows = [SiteVisitRow(None, SiteVisitInput(place="产业园"), photos=[upload("x.png", PDF)], ref=2)]
    with pytest.raises(ValidationError) as refused:
        services.meeting_record(actor=personas.member, meeting=None, facts=facts(personas), site_visits=rows)
    assert list(refused.value.message_dict) == ["sv_photos_2"]
    files = MeetingFiles(attachments=[upload("setup.doc", EXE)])
    with pytest.raises(ValidationError) as refused:
        services.meeting_record(actor=personas.member, meeting=None, facts=facts(personas), files=files)
    assert list(refused.value.message_dict) == ["attachments"]
    assert Meeting.objects.count() == before


def test_deleting_is_refused_once_a_decision_became_a_demand(
    personas: Any, django_capture_on_commit_callbacks: Any, memory_files: Any
) -> None:
    meeting = record(personas)
    stop = meeting.site_visits.get(seq=1)
    (photo,) = services.site_visit_photos_add(actor=personas.member, site_visit=stop, photos=[upload("a.jpg", JPEG)])
    decision = decision_services.decision_add(
        actor=personas.member, meeting=meeting, content="协调用地", enterprise=personas.ours.enterprise
    )
    decision_services.decision_to_demand(
        actor=personas.member,
        decision=decision,
        title="协调用地",
        description="协调用地",
        category=Category.objects.order_by("pk")[0],
    )
    with pytest.raises(ValidationError, match="已有议定事项转为诉求或交办事项，不能删除"):
        services.meeting_delete(actor=personas.member, meeting=meeting)
    assert Meeting.objects.filter(pk=meeting.pk).exists()
    other = record(personas, title="另一次观摩")
    (photo,) = services.site_visit_photos_add(
        actor=personas.member, site_visit=other.site_visits.get(seq=1), photos=[upload("b.jpg", JPEG)]
    )
    pk = other.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_delete(actor=personas.member, meeting=other)
    assert not Meeting.objects.filter(pk=pk).exists() and not SiteVisitPhoto.objects.filter(pk=photo.pk).exists()
    assert not memory_files["photo"].exists(photo.file.name)
    line = AuditLog.objects.get(action=AuditAction.DELETE, content_type__model="meeting", object_id=str(pk))
    assert line.actor == personas.member and line.before["title"] == "另一次观摩"


def test_the_calendar_feed_is_created_regenerated_and_revoked(personas: Any) -> None:
    feed = services.calendar_feed_create(actor=personas.liaison)
    assert services.calendar_feed_create(actor=personas.liaison).token == feed.token  # one feed a user
    old = feed.token
    new = services.calendar_feed_regenerate(actor=personas.liaison).token
    assert new != old and not CalendarFeed.objects.filter(token=old).exists()
    services.calendar_feed_revoke(actor=personas.liaison)
    assert not CalendarFeed.objects.filter(user=personas.liaison).exists()
    services.calendar_feed_revoke(actor=personas.liaison)  # nothing to revoke: no change
    lines = AuditLog.objects.filter(content_type__model="calendarfeed", actor=personas.liaison).order_by("pk")
    assert [line.action for line in lines] == [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE]
    assert all(old not in str(line.after) and new not in str(line.after) for line in lines)  # never the secret
    with pytest.raises(PermissionDenied):
        services.calendar_feed_create(actor=personas.ent_user)


def test_a_new_meeting_day_re_dates_the_decisions_not_yet_assigned(personas: Any) -> None:
    from chaindesk.demands.workdays import add_workdays

    meeting = record(personas)
    dept = personas.ours.department
    waiting = decision_services.decision_add(
        actor=personas.member, meeting=meeting, content="协调用电增容。", departments=[dept], working_days=10
    )
    assigned = decision_services.decision_add(
        actor=personas.member, meeting=meeting, content="研究人才政策。", departments=[dept], working_days=10
    )
    decision_services.decision_assign(actor=personas.member, decision=assigned)
    assigned.refresh_from_db()
    kept = assigned.deadline
    new_day = meeting.held_on - dt.timedelta(days=7)
    services.meeting_update(actor=personas.member, meeting=meeting, facts=facts(personas, held_on=new_day))
    waiting.refresh_from_db()
    assigned.refresh_from_db()
    assert waiting.deadline == add_workdays(new_day, 10)  # counts from the meeting's new day
    assert assigned.deadline == kept  # its departments were told their tasks' deadline: it stays
