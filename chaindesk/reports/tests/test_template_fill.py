"""An office's own 红头 template: one built here with the placeholders (split across runs as Word leaves them) is filled
with real paragraphs and tables in the layout's fonts; a file that is not a .docx, and templates that lack placeholders,
misuse the body placeholder, name unknown ones or are written wrong, are refused with a message in Chinese."""

import dataclasses
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from docx import Document
from docx.oxml.ns import qn
from docx.shared import RGBColor

from chaindesk.reports import layout, template_fill
from chaindesk.reports.document import Block
from chaindesk.reports.tests.samples import ISSUER, TITLE, seed_briefing

NOT_DOCX = "上传的文件不是 Word（.docx）文档。"


def _template(*paragraphs: str, split: bool = True, in_footer: str = "") -> bytes:
    """A red-head template: each string a paragraph; with `split`, every placeholder is cut in two runs the way Word
    saves text typed in pieces."""
    document = Document()
    for text in paragraphs:
        paragraph = document.add_paragraph()
        if split and "{{" in text:
            middle = text.index("{{") + 3
            paragraph.add_run(text[:middle])
            paragraph.add_run(text[middle:])
        else:
            paragraph.add_run(text)
    head = document.paragraphs[0].runs[0]
    head.font.color.rgb = RGBColor(0xFF, 0, 0)
    if in_footer:
        document.sections[0].footer.paragraphs[0].text = in_footer
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


FULL = ("{{ 发文机关 }}", "{{ 期号 }}　　{{ 日期 }}", "{{ 标题 }}", "{{ 正文 }}")


def _refusal(data: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        template_fill.check_template(data)
    return caught.value


def test_a_template_with_the_placeholders_is_filled():
    filled = Document(io.BytesIO(template_fill.fill_template(_template(*FULL), seed_briefing())))
    texts = [p.text for p in filled.paragraphs]
    assert texts[:3] == [ISSUER, "第 12 期　　2025年11月25日", TITLE]
    assert filled.paragraphs[0].runs[0].font.color.rgb == RGBColor(0xFF, 0, 0)  # the template's own formatting stays
    body = seed_briefing().blocks
    assert texts[3] == body[0].text
    assert not [t for t in texts if "{{" in t or "}}" in t]
    # the body went in as real paragraphs and tables: two tables of the briefing and the 分送 line after them
    assert len(filled.tables) == 3
    assert filled.tables[2].cell(0, 0).text == "分送：" + seed_briefing().distribution
    heading = next(p for p in filled.paragraphs if p.text == "一、现场观摩")
    for run in heading._p.iter(qn("w:r")):
        fonts = run.find(qn("w:rPr")).find(qn("w:rFonts"))
        assert (fonts.get(qn("w:eastAsia")), fonts.get(qn("w:ascii"))) == (layout.HEITI, "Times New Roman")


def test_the_distribution_placeholder_takes_the_list_instead_of_the_body():
    data = _template(*FULL, "分送：{{ 分送 }}", split=False)
    filled = Document(io.BytesIO(template_fill.fill_template(data, seed_briefing())))
    assert filled.paragraphs[-1].text == "分送：" + seed_briefing().distribution
    assert len(filled.tables) == 2


def test_placeholders_in_the_footer_and_text_that_looks_like_markup():
    data = _template("{{ 标题 }}", "{{ 正文 }}", in_footer="{{ 期号 }} {{ 日期 }}")
    doc = seed_briefing(blocks=(Block("para", "A<B>&C “引号”"),))
    doc = dataclasses.replace(doc, title="标题 <script>&amp;")
    filled = Document(io.BytesIO(template_fill.fill_template(data, doc)))
    assert filled.paragraphs[0].text == "标题 <script>&amp;"
    assert filled.paragraphs[1].text == "A<B>&C “引号”"
    assert filled.sections[0].footer.paragraphs[0].text == "第 12 期 2025年11月25日"


def test_the_sandbox_keeps_python_out_of_reach():
    error = _refusal(_template(*FULL, "{{ 标题.__class__.__mro__ }}", split=False))
    assert error.code == "syntax"
    data = _template(*FULL, "{{ 标题.__class__ }}", split=False)
    filled = Document(io.BytesIO(template_fill.fill_template(data, seed_briefing())))
    assert not [p.text for p in filled.paragraphs if "class" in p.text]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        "这不是文档".encode(),
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b"\x89PNG\r\n\x1a\n" + bytes(64),
    ],
    ids=["empty", "text", "pdf", "png"],
)
def test_a_file_that_is_not_a_docx_is_refused(data):
    error = _refusal(data)
    assert error.messages == [NOT_DOCX]
    assert error.code == "not_docx"


def test_a_zip_that_is_not_a_docx_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert _refusal(out.getvalue()).messages == [NOT_DOCX]


def test_a_workbook_is_not_a_docx():
    import openpyxl

    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    assert _refusal(out.getvalue()).messages == [NOT_DOCX]


def test_a_docx_without_the_placeholders_is_refused_naming_them():
    error = _refusal(_template("泰州市生物医药产业链服务团队", "没有占位符的正文。"))
    assert error.messages == ["模板缺少占位符：{{ 标题 }}、{{ 期号 }}、{{ 日期 }}、{{ 正文 }}。"]
    assert error.code == "missing_placeholders"


def test_a_template_missing_some_placeholders_names_only_those():
    error = _refusal(_template("{{ 标题 }}", "{{ 正文 }}"))
    assert error.messages == ["模板缺少占位符：{{ 期号 }}、{{ 日期 }}。"]


def test_the_body_placeholder_must_stand_alone():
    error = _refusal(_template("{{ 期号 }} {{ 日期 }}", "{{ 标题 }}", "正文如下：{{ 正文 }}"))
    assert error.code == "body_not_alone"
    assert "{{ 正文 }} 须单独占一段" in error.messages[0]


def test_an_unknown_placeholder_is_named():
    error = _refusal(_template(*FULL, "签发人：{{ 签发人 }}"))
    assert error.code == "unknown_placeholders"
    assert error.messages[0].startswith("模板中有无法识别的占位符：{{ 签发人 }}。")


def test_a_placeholder_written_wrong_is_refused():
    error = _refusal(_template(*FULL, "{{ 标题 }"))
    assert error.code == "syntax"
    assert error.messages[0].startswith("模板中的占位符写法有误")


def test_a_zip_bomb_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(template_fill, "MAX_UNCOMPRESSED_BYTES", 1024)
    error = _refusal(_template(*FULL))
    assert error.code == "too_large"


def test_the_help_text_names_every_placeholder():
    help_text = str(template_fill.TEMPLATE_HELP)
    for name in template_fill.PLACEHOLDERS:
        assert "{{ %s }}" % name in help_text  # noqa: UP031
