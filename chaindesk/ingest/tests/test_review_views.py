"""The report pages (issue 15, item 3): paste → draft beside the text with its source sentences marked → edit,
drop, link → confirm once; refusals on the form with nothing written; the meeting links back to its report."""

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from chaindesk.enterprises.models import Enterprise
from chaindesk.ingest.forms import ReviewForm, held_on_of, parse_lines
from chaindesk.ingest.models import Report, ReportStatus
from chaindesk.ingest.tests.posted import posted
from chaindesk.meetings.models import Meeting, SiteVisit
from chaindesk.projects.models import Project
from chaindesk.testkit.personas import Personas, make_uscc

pytestmark = pytest.mark.django_db
SEED = (Path(__file__).parent / "data" / "seed.txt").read_text(encoding="utf-8")


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _read(p: Personas) -> Report:
    response = _client(p.chief).post(reverse("ingest:list"), {"text": SEED})
    assert response.status_code == 302
    return Report.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def test_the_list_is_for_chain_teams_and_bad_input_is_refused_with_a_reason(personas: Personas) -> None:
    p = personas
    assert _client(p.chief).get(reverse("ingest:list")).status_code == 200
    assert _client(p.liaison).get(reverse("ingest:list")).status_code == 403
    response = _client(p.chief).post(reverse("ingest:list"), {"text": "   "})
    assert response.status_code == 400 and "没有可识别的文字" in response.content.decode()
    response = _client(p.chief).post(reverse("ingest:list"), {"text": "今天开了一个会。"})
    assert response.status_code == 400 and "没有找到会议" in response.content.decode()
    assert not Report.objects.exists()


def test_the_review_page_shows_the_draft_beside_the_text_with_sources_marked(personas: Personas) -> None:
    p = personas
    report = _read(p)
    page = _client(p.chief).get(reverse("ingest:review", args=[report.pk])).content.decode()
    for ref in ("e0", "e1", "p0", "p1"):
        assert f'data-testid="item-{ref}"' in page
    source = report.draft["evidence"]["p0"]
    assert f'id="s-{source}" data-refs="' in page and 'href="#s-' in page
    assert "特殊功能性新型医用膜材项目" in page and "52000" in page
    assert 'data-testid="match-e0">新建' in page  # not registered in the personas' world
    other = _client(p.member).get(reverse("ingest:review", args=[report.pk]))
    assert other.status_code == 404  # a draft is its author's


def test_confirming_from_the_page_links_edits_and_drops_then_refuses_a_second_time(personas: Personas) -> None:
    p = personas
    report = _read(p)
    data = posted(ReviewForm(report=report, user=p.chief))
    code = make_uscc("ingest-jinyangzi", p.ours.region.code)
    data.update(
        {
            "m_chain": p.ours.chain.pk,
            "m_leader": p.chief.pk,
            "e0_record": p.ours.enterprise.pk,  # linked to a record the reader chose
            "e1_uscc": code,
            "e1_region": p.ours.region.pk,
            "e1_node": p.ours.node.pk,
            "p1_investment": "56500",  # the one item fixed by hand
            "action": "confirm",
        }
    )
    data.pop("p0_keep")  # dropped
    response = _client(p.chief).post(reverse("ingest:review", args=[report.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    meeting = Meeting.objects.get(source_report=report)
    assert response["Location"] == reverse("meetings:detail", args=[meeting.pk])
    firm = Enterprise.objects.get(uscc=code)
    assert firm.name == "江苏金扬子包装科技有限公司"
    project = Project.objects.get(enterprise=firm)
    assert (project.name, project.planned_investment) == ("金美特医用材料生产项目", 56500)
    assert sorted(project.lines.values_list("name", flat=True)) == ["全自动腹透引流袋生产线", "预充式导管冲洗器生产线"]
    assert not Project.objects.filter(enterprise=p.ours.enterprise, name__contains="医用膜材").exists()  # dropped
    stops = SiteVisit.objects.filter(meeting=meeting).order_by("seq")
    assert [(s.enterprise_id, s.project_id) for s in stops] == [(p.ours.enterprise.pk, None), (firm.pk, project.pk)]
    assert Report.objects.get(pk=report.pk).status == ReportStatus.CONFIRMED
    meeting_page = _client(p.chief).get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert reverse("ingest:review", args=[report.pk]) in meeting_page
    counts = (Meeting.objects.count(), Project.objects.count(), Enterprise.objects.count())
    again = _client(p.chief).post(reverse("ingest:review", args=[report.pk]), data)
    assert again.status_code == 409 and "该报道的状态已是“已录入”，不能再次操作" in again.content.decode()
    assert (Meeting.objects.count(), Project.objects.count(), Enterprise.objects.count()) == counts
    done = _client(p.chief).get(reverse("ingest:review", args=[report.pk])).content.decode()
    assert 'data-testid="report-records"' in done and "金美特医用材料生产项目" in done


def test_a_refusal_lands_on_the_item_s_field_and_writes_nothing(personas: Personas) -> None:
    p = personas
    report = _read(p)
    data = posted(ReviewForm(report=report, user=p.chief))
    data.update({"m_chain": p.ours.chain.pk, "m_leader": p.chief.pk, "action": "confirm"})
    response = _client(p.chief).post(reverse("ingest:review", args=[report.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "新登记的企业请填写统一社会信用代码" in page and 'name="e0_uscc"' in page
    data.update({"e0_uscc": "123", "e0_region": p.ours.region.pk, "e0_node": p.ours.node.pk})
    data.update({"e1_record": p.ours.enterprise.pk})
    response = _client(p.chief).post(reverse("ingest:review", args=[report.pk]), data)
    assert response.status_code == 400 and "统一社会信用代码" in response.content.decode()
    assert not Meeting.objects.filter(source_report=report).exists()
    assert Report.objects.get(pk=report.pk).status == ReportStatus.DRAFT


def test_saving_keeps_the_edits_and_discarding_asks_first(personas: Personas) -> None:
    p = personas
    report = _read(p)
    client = _client(p.chief)
    data = posted(ReviewForm(report=report, user=p.chief)) | {"m_title": "改过的会议名称", "action": "save"}
    data.pop("e1_keep")
    assert client.post(reverse("ingest:review", args=[report.pk]), data).status_code == 302
    page = client.get(reverse("ingest:review", args=[report.pk])).content.decode()
    assert 'value="改过的会议名称"' in page
    assert 'data-testid="keep-e1">' in page and 'name="e1_keep" checked' not in page
    assert "确认放弃" in client.get(reverse("ingest:discard", args=[report.pk])).content.decode()
    assert client.post(reverse("ingest:discard", args=[report.pk])).status_code == 302
    assert Report.objects.get(pk=report.pk).status == ReportStatus.DISCARDED


def test_form_helpers() -> None:
    import datetime as dt

    today = dt.date(2026, 11, 25)
    assert held_on_of("11-24", today) == dt.date(2026, 11, 24)
    assert held_on_of("12-24", today) == dt.date(2025, 12, 24)  # a day still ahead is last year's
    assert held_on_of(None, today) is None and held_on_of("13-40", today) is None
    assert parse_lines("灌装线×2\n包装线\n\n检测线 x 3") == (("灌装线", 2), ("包装线", 1), ("检测线", 3))


def test_sentences_and_their_marks() -> None:
    from chaindesk.ingest import evidence

    text = "标题行\n11月24日，甲带队。走访了某某有限公司；看了项目！\n\n结尾"
    spans = evidence.sentences(text)
    expected = ["标题行", "11月24日，甲带队。", "走访了某某有限公司；", "看了项目！", "结尾"]
    assert [text[a:b] for a, b in spans] == expected
    draft = {"meeting": {"host": "甲", "date": "11-24"}, "enterprises": [{"name": "某某有限公司"}], "demands": []}
    sources = evidence.evidence(text, draft)
    assert sources == {"m": 1, "e0": 2}
    marked = evidence.marked(text, sources)
    assert [s.refs for s in marked] == [(), ("m",), ("e0",), (), ()]
    assert [s.opens for s in marked] == [True, True, False, False, True]
    assert evidence.quote(text, 2) == "走访了某某有限公司；" and evidence.quote(text, None) == ""
    long_demand = {"demands": [{"text_contains": "走访了某某有限公司并且还有一些读者修剪过的文字"}]}
    assert evidence.evidence(text, long_demand) == {"d0": 2}  # the longest prefix still found


def test_a_paste_past_ten_megabytes_is_refused_with_its_reason(personas: Personas) -> None:
    p = personas
    client = _client(p.chief)
    response = client.post(reverse("ingest:list"), {"text": "会" * (4 * 2**20)})  # 12 MB in UTF-8
    assert response.status_code == 400
    assert "提交的内容过大或格式有误，未保存任何内容" in response.content.decode()  # past what a form may carry
    response = client.post(reverse("ingest:list"), {"text": "会" * (3 * 2**20 + 2**19)})  # 10.5 MB
    assert response.status_code == 400 and "超过 10 MB" in response.content.decode()
    assert not Report.objects.exists()


def test_an_uploaded_word_document_is_read_and_another_file_refused(personas: Personas) -> None:
    import io

    import docx
    from django.core.files.uploadedfile import SimpleUploadedFile

    p = personas
    document = docx.Document()
    for line in SEED.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    upload = SimpleUploadedFile("会议报道.docx", buffer.getvalue())
    response = _client(p.chief).post(reverse("ingest:list"), {"text": "", "file": upload})
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.file_name == "会议报道.docx" and report.draft["projects"][0]["investment_wan"] == 52000
    image = SimpleUploadedFile("现场.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    refused = _client(p.chief).post(reverse("ingest:list"), {"text": "", "file": image})
    assert refused.status_code == 400 and "只能读取纯文本" in refused.content.decode()
    assert Report.objects.count() == 1
