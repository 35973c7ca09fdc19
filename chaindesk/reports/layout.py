"""The built-in briefing layout: a BriefingDoc printed as a DOCX per GB/T 9704-2012 (党政机关公文格式).

A4 paper; margins top 37 mm, bottom 35, left 28 (订口), right 26, so the type area (版心) is 156 × 225 mm; 22 lines of
28 characters of 3号 (16 pt) type, held by the section's document grid (w:docGrid linesAndChars) and an exact line
spacing of 225 mm / 22. The head (版头) is the issuer in red 小标宋, the issue number and date, and a red rule; then the
title (2号 方正小标宋简体, centred), the body (3号 仿宋_GB2312, first line indented two characters, justified),
headings (一级 黑体, 二级 楷体_GB2312), tables (4号 仿宋, bordered, header row bold and repeated), the 分送 line (版记)
at the end, and page numbers "— 1 —" in 4号 宋体 on the outer edge (odd pages right, even pages left, one character in).

Word picks the face of Chinese text from the East Asian font slot only, so every run names all of them (w:eastAsia for
Chinese, Times New Roman for Latin text and figures) with language zh-CN, and the styles lose their theme fonts (which
would otherwise win in Word over nothing being set). The official families are named as they are so the document prints
right in an office that has them; chaindesk/reports/fonts/ maps them to free stand-ins for the preview.

The paragraph and run helpers (`add_text`, `add_blocks`, …) are shared with chaindesk.reports.template_fill, which puts
the same body into an office's own template.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Mm, Twips
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from chaindesk.reports.document import Block, BriefingDoc

LATIN = "Times New Roman"
XIAOBIAOSONG = "方正小标宋简体"
FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"
RED = "FF0000"

SIZE_TITLE = 22.0  # 2号
SIZE_BODY = 16.0  # 3号
SIZE_SMALL = 14.0  # 4号: tables, 分送, page numbers

PAGE_W, PAGE_H = 210, 297  # mm
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 37, 35, 28, 26
TEXT_WIDTH_TWIPS = round((PAGE_W - MARGIN_LEFT - MARGIN_RIGHT) / 25.4 * 1440)  # 156 mm = 8844 twips
LINES, CHARS = 22, 28
# 225 mm / 22 lines = 579.8 twips; 580 would make 22 lines overflow the 版心 by a hair and Word would set 21.
LINE_PITCH = 579
# 156 mm / 28 = 15.793 pt a character: the 3号 16 pt of the default style less 0.207 pt (847.7/4096 pt); -849 keeps 28
# pitches a hair inside the 8844-twip line as Word measures it, where -848 would overrun it by 0.06 twip.
CHAR_SPACE = -849
# One character of the body grid in twips, for first-line indents. Word reads w:firstLineChars (in hundredths of a
# character) and ignores this; LibreOffice reads only w:firstLine, rounds the pitch down to 15.73 pt and starts the text
# on the next whole cell, so a "two-character" indent of 32 pt would become three: 314 twips stays inside.
CHAR_TWIPS = 314
# Body runs are drawn at 98 % width (15.68 pt). Word places each character of a grid-snapped paragraph on the 15.79 pt
# pitch whatever its width; LibreOffice (the preview) gives a character wider than the pitch two cells, which would
# spread the body to 14 characters a line. At 98 % both set 28 a line, and the difference is not visible.
GRID_SCALE = 98

_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def build_docx(doc: BriefingDoc) -> bytes:
    """The briefing as DOCX bytes in the GB/T 9704-2012 layout described in the module docstring."""
    document = Document()
    _clear_body(document)
    normalise_styles(document)
    _page_setup(document.sections[0])
    _page_numbers(document)
    _head(document, doc)
    add_blocks(document, doc.blocks)
    if doc.distribution:
        add_distribution(document, doc.distribution)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- runs and paragraphs (shared with template_fill) -------------------------------------------------------------


def _el(tag: str, **attrs: str) -> Any:
    element = OxmlElement(tag)
    for name, value in attrs.items():
        element.set(qn(f"w:{name}"), value)
    return element


def font_properties(
    face: str,
    size: float,
    *,
    bold: bool = False,
    color: str | None = None,
    scale: int | None = None,
    latin: str = LATIN,
) -> Any:
    """A run's properties (w:rPr): the East Asian face, Times New Roman for Latin text, the size in points, zh-CN,
    and a horizontal scale in percent (see GRID_SCALE). Children in the schema's order, which Word insists on."""
    rpr = _el("w:rPr")
    rpr.append(_el("w:rFonts", ascii=latin, hAnsi=latin, eastAsia=face, cs=latin, hint="eastAsia"))
    if bold:
        rpr.append(_el("w:b"))
        rpr.append(_el("w:bCs"))
    if color:
        rpr.append(_el("w:color", val=color))
    if scale:
        rpr.append(_el("w:w", val=str(scale)))
    half_points = str(round(size * 2))
    rpr.append(_el("w:sz", val=half_points))
    rpr.append(_el("w:szCs", val=half_points))
    rpr.append(_el("w:lang", val="en-US", eastAsia="zh-CN", bidi="ar-SA"))
    return rpr


def add_text(
    paragraph: Paragraph,
    text: str,
    face: str,
    size: float,
    *,
    bold: bool = False,
    color: str | None = None,
    scale: int | None = None,
    latin: str = LATIN,
) -> Run:
    """Append a run with `text` in `face` at `size` points to `paragraph`; returns the run. `latin` names the face for
    characters Word or LibreOffice may take as Latin (Times New Roman unless a full-width form is wanted)."""
    run = paragraph.add_run(_XML_INVALID.sub("", text))
    old = run._r.rPr
    if old is not None:
        run._r.remove(old)
    run._r.insert(0, font_properties(face, size, bold=bold, color=color, scale=scale, latin=latin))
    return run


def format_paragraph(
    paragraph: Paragraph,
    *,
    align: str = "both",
    first_line_chars: int = 0,
    hanging: int = 0,
    left: int = 0,
    right: int = 0,
    line: int | None = LINE_PITCH,
    grid: bool = True,
    mark: tuple[str, float] = (FANGSONG, SIZE_BODY),
    border: dict[str, dict[str, str]] | None = None,
    tabs: Iterable[tuple[str, int]] = (),
    keep_next: bool = False,
) -> Paragraph:
    """Give `paragraph` its properties in one w:pPr (children in the schema's order): alignment (both = justified),
    a first-line indent in characters, other indents in twips, exact line spacing in twips (None: single), whether it
    keeps to the document grid (only 3号 body text does: larger type on a 28-a-line grid takes two cells a character),
    borders, tab stops, and the paragraph mark's font. Widow control is off: it would move single lines and break the
    22-line page."""
    ppr = _el("w:pPr")
    if keep_next:
        ppr.append(_el("w:keepNext"))
    ppr.append(_el("w:widowControl", val="0"))
    for element in _borders_and_tabs(border, tabs):
        ppr.append(element)
    if not grid:
        ppr.append(_el("w:snapToGrid", val="0"))
    exact = {"line": str(line), "lineRule": "exact"} if line else {"line": "240", "lineRule": "auto"}
    ppr.append(_el("w:spacing", before="0", after="0", **exact))
    ind = {"left": str(left), "right": str(right)}
    if first_line_chars:
        ind.update(firstLine=str(first_line_chars * CHAR_TWIPS), firstLineChars=str(first_line_chars * 100))
    elif hanging:
        ind.update(hanging=str(hanging))
    ppr.append(_el("w:ind", **ind))
    ppr.append(_el("w:jc", val=align))
    ppr.append(font_properties(*mark))
    old = paragraph._p.pPr
    if old is not None:
        paragraph._p.remove(old)
    paragraph._p.insert(0, ppr)
    return paragraph


def _borders_and_tabs(border: dict[str, dict[str, str]] | None, tabs: Iterable[tuple[str, int]]) -> list[Any]:
    elements = []
    if border:
        pbdr = _el("w:pBdr")
        for side in ("top", "bottom"):
            if side in border:
                pbdr.append(_el(f"w:{side}", **border[side]))
        elements.append(pbdr)
    tab_list = list(tabs)
    if tab_list:
        tabs_el = _el("w:tabs")
        for kind, pos in tab_list:
            tabs_el.append(_el("w:tab", val=kind, pos=str(pos)))
        elements.append(tabs_el)
    return elements


_BLOCK_FACES = {"h1": HEITI, "h2": KAITI, "para": FANGSONG}


def add_blocks(container: Any, blocks: Iterable[Block]) -> None:
    """Append the body blocks to `container` (a python-docx Document, or any object with add_paragraph/add_table such
    as a scratch document whose body template_fill moves into a template). A paragraph's text may hold several
    paragraphs, one per line."""
    for block in blocks:
        if block.kind == "table":
            if block.rows:
                add_table(container, block.rows)
            continue
        face = _BLOCK_FACES[block.kind]
        lines = [line.strip() for line in block.text.splitlines() if line.strip()] or [""]
        for text in lines:
            paragraph = format_paragraph(container.add_paragraph(), first_line_chars=2, keep_next=block.kind != "para")
            add_text(paragraph, text, face, SIZE_BODY, scale=GRID_SCALE)


def add_table(container: Any, rows: tuple[tuple[str, ...], ...]) -> Table:
    """A bordered table in 4号 仿宋 over the full width of the 版心; the first row is the header (bold, centred, and
    repeated at the top of each page); columns are as wide as their longest text asks, within bounds."""
    ncols = max(len(row) for row in rows)
    table = container.add_table(rows=len(rows), cols=ncols)
    widths = _column_widths(rows, ncols)
    _table_properties(table, widths)
    for r, row in enumerate(rows):
        tr = table.rows[r]._tr
        if r == 0:
            tr.get_or_add_trPr().append(_el("w:tblHeader"))
        for c in range(ncols):
            cell = table.cell(r, c)
            cell.width = Twips(widths[c])
            cell._tc.get_or_add_tcPr().append(_el("w:vAlign", val="center"))
            text = row[c] if c < len(row) else ""
            paragraph = format_paragraph(
                cell.paragraphs[0],
                align="center" if r == 0 else "left",
                line=None,
                grid=False,
                mark=(FANGSONG, SIZE_SMALL),
            )
            add_text(paragraph, text, FANGSONG, SIZE_SMALL, bold=r == 0)
    return table


def _text_twips(text: str) -> int:
    """Width of `text` in 4号: a full-width (Chinese) character 14 pt, any other half that."""
    return sum(280 if ord(ch) > 0x2E7F else 140 for ch in text)


def _column_widths(rows: tuple[tuple[str, ...], ...], ncols: int) -> list[int]:
    """Each column as wide as its longest text (at least two characters) plus the cell margins; when they do not all
    fit, the widest columns are cut to one common width (water-filling) so short columns never wrap."""
    natural = [
        max(max((_text_twips(row[c]) for row in rows if c < len(row)), default=0), 560) + _CELL_PADDING
        for c in range(ncols)
    ]
    if sum(natural) <= TEXT_WIDTH_TWIPS:
        widths = [n * TEXT_WIDTH_TWIPS // sum(natural) for n in natural]
    else:
        remaining, cap = TEXT_WIDTH_TWIPS, 0
        ordered = sorted(natural)
        for i, n in enumerate(ordered):
            if n * (len(ordered) - i) >= remaining:
                cap = remaining // (len(ordered) - i)
                break
            remaining -= n
        widths = [min(n, cap) for n in natural]
    widths[-1] += TEXT_WIDTH_TWIPS - sum(widths)
    return widths


_CELL_MARGIN = 85  # twips, left and right in each cell (1.5 mm)
_CELL_PADDING = 2 * _CELL_MARGIN + 60
_ALL_SIDES = ("top", "left", "bottom", "right", "insideH", "insideV")


def _table_properties(table: Table, widths: list[int], *, sides: tuple[str, ...] = _ALL_SIDES, sz: str = "4") -> None:
    """Table properties in place of python-docx's: the 版心's width, centred, the given borders (black, `sz` in eighths
    of a point), fixed column widths (so Word and LibreOffice agree), small cell margins, and the column grid."""
    tbl = table._tbl
    tbl_pr = tbl.tblPr
    for child in list(tbl_pr):
        tbl_pr.remove(child)
    tbl_pr.append(_el("w:tblW", w=str(TEXT_WIDTH_TWIPS), type="dxa"))
    tbl_pr.append(_el("w:jc", val="center"))
    borders = _el("w:tblBorders")
    for side in _ALL_SIDES:
        if side in sides:
            borders.append(_el(f"w:{side}", val="single", sz=sz, space="0", color="000000"))
        else:
            borders.append(_el(f"w:{side}", val="nil"))
    tbl_pr.append(borders)
    tbl_pr.append(_el("w:tblLayout", type="fixed"))
    margins = _el("w:tblCellMar")
    for side in ("left", "right"):
        margins.append(_el(f"w:{side}", w=str(_CELL_MARGIN), type="dxa"))
    tbl_pr.append(margins)
    grid = tbl.tblGrid
    for col in list(grid):
        grid.remove(col)
    for width in widths:
        grid.append(_el("w:gridCol", w=str(width)))


# --- the document: styles, page, head, page numbers, 版记 ----------------------------------------------------------


def normalise_styles(document: DocxDocument) -> None:
    """Strip theme fonts from every style (Word lets a theme font beat the named one), name 仿宋_GB2312 and Times New
    Roman in the document defaults and the Normal style at 3号, and set the language to zh-CN everywhere."""
    styles = document.styles.element
    for fonts in styles.iter(qn("w:rFonts")):
        for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            fonts.attrib.pop(qn(f"w:{attr}"), None)
        for attr in ("ascii", "hAnsi", "cs"):
            fonts.set(qn(f"w:{attr}"), LATIN)
        fonts.set(qn("w:eastAsia"), FANGSONG)
    for lang in styles.iter(qn("w:lang")):
        lang.set(qn("w:eastAsia"), "zh-CN")
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = _el("w:docDefaults")
        styles.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = _el("w:rPrDefault")
        defaults.insert(0, rpr_default)
    for child in list(rpr_default):
        rpr_default.remove(child)
    rpr_default.append(font_properties(FANGSONG, SIZE_BODY))
    normal = document.styles["Normal"].element
    old = normal.rPr
    if old is not None:
        normal.remove(old)
    normal.append(font_properties(FANGSONG, SIZE_BODY))
    _settings_language(document)


def _settings_language(document: DocxDocument) -> None:
    settings = document.settings.element
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "zh-CN")


def _clear_body(document: DocxDocument) -> None:
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


def _page_setup(section: Section) -> None:
    section.page_width, section.page_height = Mm(PAGE_W), Mm(PAGE_H)
    section.top_margin, section.bottom_margin = Mm(MARGIN_TOP), Mm(MARGIN_BOTTOM)
    section.left_margin, section.right_margin = Mm(MARGIN_LEFT), Mm(MARGIN_RIGHT)
    section.header_distance = Mm(15)
    # GB/T 9704 7.5: the 一字线 of the page number sits 7 mm below the 版心; the footer line is about 5 mm high.
    section.footer_distance = Mm(23)
    section.gutter = Mm(0)
    sect_pr = section._sectPr
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = _el("w:docGrid")
        sect_pr.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(LINE_PITCH))
    grid.set(qn("w:charSpace"), str(CHAR_SPACE))


def _page_numbers(document: DocxDocument) -> None:
    """ "— 1 —" in 4号 宋体 with a PAGE field: odd pages on the right, even pages on the left, each one character in
    from the edge of the 版心 (GB/T 9704 7.5). Odd and even footers differ, so settings get w:evenAndOddHeaders."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    one_char = round(SIZE_SMALL * 20)
    for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        left, right = (0, one_char) if align == "right" else (one_char, 0)
        format_paragraph(
            paragraph, align=align, left=left, right=right, line=None, grid=False, mark=(SONGTI, SIZE_SMALL)
        )
        # The 一字线 is the full-width dash of 宋体: LibreOffice takes U+2014 as Latin text, so name 宋体 there too.
        add_text(paragraph, "—", SONGTI, SIZE_SMALL, latin=SONGTI)
        add_text(paragraph, " ", SONGTI, SIZE_SMALL)
        _page_field(paragraph)
        add_text(paragraph, " ", SONGTI, SIZE_SMALL)
        add_text(paragraph, "—", SONGTI, SIZE_SMALL, latin=SONGTI)


def _page_field(paragraph: Paragraph) -> None:
    """A complex PAGE field (begin, instruction, separate, a cached "1", end), each part a run in 4号 宋体."""
    for part in ("begin", " PAGE ", "separate", "1", "end"):
        run = add_text(paragraph, part if part == "1" else "", SONGTI, SIZE_SMALL)
        if part == " PAGE ":
            instr = _el("w:instrText")
            instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            instr.text = part
            run._r.append(instr)
        elif part != "1":
            run._r.append(_el("w:fldChar", fldCharType=part))


def _head(document: DocxDocument, doc: BriefingDoc) -> None:
    """版头: the issuer in red 小标宋, as large as fits one line up to 小初 (36 pt); then the issue number (left) and
    date (right) with a red rule under them; two blank lines, the title (2号 小标宋, centred), one blank line."""
    issuer_size = max(SIZE_TITLE, min(36.0, float(440 // max(len(doc.issuer), 1))))
    issuer = format_paragraph(
        document.add_paragraph(), align="center", line=None, grid=False, mark=(XIAOBIAOSONG, issuer_size)
    )
    add_text(issuer, doc.issuer, XIAOBIAOSONG, issuer_size, color=RED)
    rule = {"bottom": {"val": "single", "sz": "12", "space": "4", "color": RED}}
    number = format_paragraph(
        document.add_paragraph(), align="left", grid=False, border=rule, tabs=[("right", TEXT_WIDTH_TWIPS)]
    )
    add_text(number, doc.number, FANGSONG, SIZE_BODY)
    add_text(number, "\t" + format_date(doc.date), FANGSONG, SIZE_BODY)
    for _ in range(2):
        format_paragraph(document.add_paragraph())
    for line in [part for part in doc.title.splitlines() if part.strip()] or [""]:
        title = format_paragraph(document.add_paragraph(), align="center", grid=False, mark=(XIAOBIAOSONG, SIZE_TITLE))
        add_text(title, line.strip(), XIAOBIAOSONG, SIZE_TITLE)
    format_paragraph(document.add_paragraph())


def add_distribution(container: Any, distribution: str) -> None:
    """版记 (GB/T 9704 7.4): after a blank line, "分送：…" in 4号 仿宋 between two black rules as wide as the 版心 (a
    one-cell table with only a top and a bottom border), one character in from each side, a wrapped line aligned with
    the first name after the colon. `container` as for add_blocks."""
    format_paragraph(container.add_paragraph())
    table = container.add_table(rows=1, cols=1)
    _table_properties(table, [TEXT_WIDTH_TWIPS], sides=("top", "bottom"), sz="8")
    cell = table.cell(0, 0)
    cell.width = Twips(TEXT_WIDTH_TWIPS)
    one_char = round(SIZE_SMALL * 20)
    label = "分送："
    paragraph = format_paragraph(
        cell.paragraphs[0],
        align="left",
        left=one_char * (1 + len(label)),
        hanging=one_char * len(label),
        right=one_char,
        grid=False,
        mark=(FANGSONG, SIZE_SMALL),
    )
    add_text(paragraph, label + distribution.strip(), FANGSONG, SIZE_SMALL)


def format_date(date: Any) -> str:
    """成文日期 as GB/T 9704 7.3.5.1 writes it: Arabic figures, no leading zeros (2025年11月24日)."""
    return f"{date.year}年{date.month}月{date.day}日"
