"""The built-in GB/T 9704-2012 layout, inspected in the DOCX itself with python-docx and lxml: page and margins, the
document grid, the face, size and language of every run, the head, headings, tables, the 分送 line and the page
numbers on the outer edge of odd and even pages."""

import io
import re

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt

from chaindesk.reports import layout
from chaindesk.reports.document import Block
from chaindesk.reports.tests.samples import ISSUER, TITLE, seed_briefing

OFFICIAL_FACES = {layout.XIAOBIAOSONG, layout.FANGSONG, layout.HEITI, layout.KAITI, layout.SONGTI}


@pytest.fixture(scope="module")
def docx():
    return Document(io.BytesIO(layout.build_docx(seed_briefing())))


def _runs(element):
    return list(element.iter(qn("w:r")))


def _all_runs(document):
    runs = _runs(document.element.body)
    section = document.sections[0]
    for footer in (section.footer, section.even_page_footer):
        runs += _runs(footer._element)
    return runs


def _font(run, attr):
    fonts = run.find(qn("w:rPr")).find(qn("w:rFonts"))
    return fonts.get(qn(f"w:{attr}"))


def _size(run):
    return int(run.find(qn("w:rPr")).find(qn("w:sz")).get(qn("w:val"))) / 2


def _paragraph(document, text):
    return next(p for p in document.paragraphs if p.text == text)


def test_a4_with_the_gb_margins(docx):
    section = docx.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm, 1) for m in margins] == [37.0, 35.0, 28.0, 26.0]
    assert round(Emu(section.page_width - section.left_margin - section.right_margin).mm) == 156
    assert round(Emu(section.page_height - section.top_margin - section.bottom_margin).mm) == 225


def test_document_grid_holds_22_lines_of_28_characters(docx):
    grid = docx.sections[0]._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    pitch, char_space = int(grid.get(qn("w:linePitch"))), int(grid.get(qn("w:charSpace")))
    section = docx.sections[0]
    text_width = Emu(section.page_width - section.left_margin - section.right_margin).twips
    text_height = Emu(section.page_height - section.top_margin - section.bottom_margin).twips
    assert 22 * pitch <= text_height < 23 * pitch
    # Word's character pitch: the default 3号 size plus charSpace in 1/4096 pt.
    char_pitch_twips = (16 + char_space / 4096) * 20
    assert 28 * char_pitch_twips <= text_width < 29 * char_pitch_twips
    body = _paragraph(docx, seed_briefing().blocks[0].text)
    spacing = body._p.pPr.find(qn("w:spacing"))
    assert (spacing.get(qn("w:line")), spacing.get(qn("w:lineRule"))) == (str(pitch), "exact")


def test_every_run_names_its_east_asian_and_latin_face_and_zh_cn(docx):
    runs = _all_runs(docx)
    assert len(runs) > 30
    for run in runs:
        assert _font(run, "eastAsia") in OFFICIAL_FACES
        assert _font(run, "ascii") == _font(run, "hAnsi")
        text = "".join(t.text or "" for t in run.iter(qn("w:t")))
        if re.search(r"[0-9A-Za-z]", text):
            assert _font(run, "ascii") == "Times New Roman", text
        assert run.find(qn("w:rPr")).find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"


def test_no_theme_fonts_and_zh_cn_in_styles_and_defaults(docx):
    for part in (docx.styles.element, docx.element):
        for fonts in part.iter(qn("w:rFonts")):
            assert not [name for name in fonts.attrib if "theme" in name.lower()], fonts.attrib
    defaults = docx.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsia")) == layout.FANGSONG
    assert defaults.find(qn("w:rFonts")).get(qn("w:ascii")) == "Times New Roman"
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    normal = docx.styles["Normal"]
    assert normal.font.size == Pt(16)
    assert normal.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == layout.FANGSONG


def test_sizes_and_faces_per_block_kind(docx):
    sample = seed_briefing()
    expected = {"para": (layout.FANGSONG, 16), "h1": (layout.HEITI, 16), "h2": (layout.KAITI, 16)}
    for block in sample.blocks:
        if block.kind == "table":
            continue
        paragraph = _paragraph(docx, block.text)
        for run in _runs(paragraph._p):
            assert (_font(run, "eastAsia"), _size(run)) == expected[block.kind]
        ind = paragraph._p.pPr.find(qn("w:ind"))
        assert ind.get(qn("w:firstLineChars")) == "200"
        assert paragraph._p.pPr.find(qn("w:jc")).get(qn("w:val")) == "both"
    title = _paragraph(docx, TITLE)
    assert {(_font(r, "eastAsia"), _size(r)) for r in _runs(title._p)} == {(layout.XIAOBIAOSONG, 22)}
    assert title._p.pPr.find(qn("w:jc")).get(qn("w:val")) == "center"


def test_red_head_with_number_date_and_rule(docx):
    issuer = _paragraph(docx, ISSUER)
    run = _runs(issuer._p)[0]
    assert run.find(qn("w:rPr")).find(qn("w:color")).get(qn("w:val")) == "FF0000"
    assert _font(run, "eastAsia") == layout.XIAOBIAOSONG
    number = docx.paragraphs[1]
    assert number.text == "第 12 期\t2025年11月25日"
    rule = number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert (rule.get(qn("w:val")), rule.get(qn("w:color"))) == ("single", "FF0000")


def test_tables_bordered_in_small_fangsong_with_a_repeated_bold_header(docx):
    table = docx.tables[0]
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        assert borders.find(qn(f"w:{side}")).get(qn("w:val")) == "single"
    header = table.rows[0]._tr
    assert header.trPr.find(qn("w:tblHeader")) is not None
    for r, row in enumerate(table.rows):
        for run in _runs(row._tr):
            assert (_font(run, "eastAsia"), _size(run)) == (layout.FANGSONG, 14)
            assert (run.find(qn("w:rPr")).find(qn("w:b")) is not None) == (r == 0)
    widths = [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.iter(qn("w:gridCol"))]
    assert abs(sum(widths) - Mm(156).twips) <= 1
    decisions = docx.tables[1]
    assert [cell.text for cell in decisions.rows[0].cells] == ["序号", "事项", "责任单位", "办结时限"]


def test_distribution_line_ends_the_document(docx):
    last = docx.element.body[-2]  # the last block before the section properties
    assert last.tag == qn("w:tbl")
    text = "".join(t.text for t in last.iter(qn("w:t")))
    assert text == "分送：" + seed_briefing().distribution
    borders = last.find(qn("w:tblPr")).find(qn("w:tblBorders"))
    assert borders.find(qn("w:top")).get(qn("w:val")) == "single"
    assert borders.find(qn("w:left")).get(qn("w:val")) == "nil"


def test_page_numbers_on_the_outer_edge_of_odd_and_even_pages(docx):
    settings = docx.settings.element
    assert settings.find(qn("w:evenAndOddHeaders")) is not None
    section = docx.sections[0]
    for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
        paragraph = footer.paragraphs[0]
        assert paragraph._p.pPr.find(qn("w:jc")).get(qn("w:val")) == side
        ind = paragraph._p.pPr.find(qn("w:ind"))
        assert ind.get(qn(f"w:{side}")) == "280"  # one 4号 character in from the edge
        instr = "".join(i.text for i in paragraph._p.iter(qn("w:instrText")))
        assert instr.strip() == "PAGE"
        kinds = [f.get(qn("w:fldCharType")) for f in paragraph._p.iter(qn("w:fldChar"))]
        assert kinds == ["begin", "separate", "end"]
        assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
        for run in _runs(paragraph._p):
            assert (_font(run, "eastAsia"), _size(run)) == (layout.SONGTI, 14)


def test_a_paragraph_block_with_several_lines_and_control_characters():
    blocks = (Block("para", "第一段。\n\n第二段\x01含控制符。"), Block("table", rows=()))
    document = Document(io.BytesIO(layout.build_docx(seed_briefing(blocks=blocks, distribution=""))))
    texts = [p.text for p in document.paragraphs]
    assert "第一段。" in texts and "第二段含控制符。" in texts
    assert document.tables == []


def test_an_empty_briefing_still_builds():
    document = Document(io.BytesIO(layout.build_docx(seed_briefing(blocks=(), distribution=""))))
    assert _paragraph(document, TITLE)
    assert document.tables == []


def test_format_date_has_no_leading_zeros():
    import datetime as dt

    assert layout.format_date(dt.date(2026, 3, 5)) == "2026年3月5日"
