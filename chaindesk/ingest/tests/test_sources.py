"""Reports pasted or uploaded: text in either encoding, a Word document, a saved web page; bad input refused with a
reason and nothing written; `chaindesk ingest FILE`."""

import io
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document

from chaindesk.ingest.extract import draft
from chaindesk.ingest.sources import MAX_BYTES, ReportError, report_text, require_meeting

SEED = (Path(__file__).parent / "data" / "seed.txt").read_text(encoding="utf-8")


def _docx(text: str) -> bytes:
    document = Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (SEED.encode("utf-8"), "seed.txt"),
        (b"\xef\xbb\xbf" + SEED.encode("utf-8"), "seed.txt"),  # with a BOM
        (SEED.encode("gb18030"), "seed.txt"),
        (_docx(SEED), "报道.docx"),
        (
            (
                "<html><head><style>p{}</style></head><body>"
                + "".join(f"<p>{line}</p>" for line in SEED.split("\n"))
                + "</body></html>"
            ).encode("utf-8"),
            "page.html",
        ),
    ],
)
def test_every_form_of_the_seed_reads_the_same(data: bytes, name: str) -> None:
    expected = draft(SEED)
    assert draft(report_text(data, name)) == expected


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "a.txt", "没有可识别的文字"),
        ("   \n  ", "", "没有可识别的文字"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "photo.png", "只能读取"),
        (b"PK\x03\x04not a zip at all", "a.docx", "Word 文件已损坏"),
        (b"x" * (MAX_BYTES + 1), "big.txt", "内容过长"),
    ],
)
def test_bad_input_is_refused_with_a_reason(data: bytes | str, name: str, message: str) -> None:
    with pytest.raises(ReportError, match=message):
        report_text(data, name)


def test_a_text_without_a_meeting_is_refused() -> None:
    with pytest.raises(ReportError, match="没有找到会议"):
        require_meeting(draft("今天天气很好，适合出游。"))
    require_meeting(draft(SEED))  # the seed holds one


def test_a_report_never_seen_is_read_in_its_own_words() -> None:
    """Another city, chain and wording than the examples: the fields stated are read, nothing else is invented."""
    report = (
        "集成电路产业链服务团队召开推进会\n"
        "7月3日,市委常委、副市长林志远带队赴江阴市开展现场办公,并召开集成电路产业链推进会。\n"
        "无锡芯澜半导体有限公司成立于2018年6月,是国家高新技术企业。企业新上年产12万片晶圆级封装项目,"
        "计划总投资9.6亿元,新上3条封装测试生产线。企业负责人反映,项目能评审批进度较慢,希望市发改委加快办理。\n"
        "会议要求,市发改委要在8月底前完成项目能评审批;市工信局负责协调设备进口通关。\n"
        "市政府副秘书长顾晓东主持会议。"
    )
    result = draft(report)
    assert result["meeting"] == {
        "date": "07-03",
        "place": "江阴市",
        "chain": "集成电路",
        "kind": "推进会",
        "host": "林志远",
        "chair": "顾晓东",
    }
    assert result["enterprises"] == [
        {"name": "无锡芯澜半导体有限公司", "founded": "2018-06", "qualifications": ["国家高新技术企业"]}
    ]
    assert result["projects"] == [
        {
            "name": "晶圆级封装项目",
            "owner": "无锡芯澜半导体有限公司",
            "investment_wan": 96000,
            "capacity": {"quantity": 12, "unit": "万片", "period": "年"},
            "production_lines": [{"name": "封装测试生产线", "count": 3}],
        }
    ]
    assert [(d["department"], d["category"]) for d in result["demands"]] == [("市发改委", "环评能评")]
    assert [(d["department"], d["due"]) for d in result["decisions"]] == [("市发改委", "08-31"), ("市工信局", None)]
    assert result["talents"] == result["rd_cooperations"] == result["upward_requests"] == []


def test_ingest_prints_the_draft_and_refuses_what_holds_no_meeting(tmp_path: Path) -> None:
    report = tmp_path / "seed.docx"
    report.write_bytes(_docx(SEED))
    out = StringIO()
    call_command("ingest", str(report), stdout=out)
    assert json.loads(out.getvalue()) == draft(SEED)
    empty = tmp_path / "none.txt"
    empty.write_text("通知：明天停电。", encoding="utf-8")
    with pytest.raises(CommandError, match="没有找到会议"):
        call_command("ingest", str(empty))
