"""The preview: the sample briefing rendered by LibreOffice headless and checked against GB/T 9704 on the PDF itself
(text positions from `pdftotext -bbox`: the body's left edge 28 ± 1 mm from the page edge, 28 characters to a full
line, the title centred in the 版心, page numbers on the outer edge), its fonts (the stand-ins of the alias file, no
fallback face, so no boxes), and the first-page PNG (A4-proportioned), written to docs/screenshots/."""

import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from chaindesk.reports import layout, preview
from chaindesk.reports.document import Block
from chaindesk.reports.tests.samples import TITLE, seed_briefing

SCREENSHOT = Path(__file__).resolve().parents[3] / "docs" / "screenshots" / "briefing-preview.png"
MM = 72 / 25.4  # PDF points per millimetre
TEXT_LEFT, TEXT_RIGHT = 28.0, 210.0 - 26.0
XHTML = "{http://www.w3.org/1999/xhtml}"
STAND_INS = ("NotoSerifCJK", "NotoSansCJK", "UKai", "LiberationSerif")

needs_converters = pytest.mark.skipif(
    not (preview.available() and shutil.which("pdftotext") and shutil.which("pdffonts")),
    reason="LibreOffice (soffice) or poppler-utils is not installed: run scripts/setup_system.sh",
)


@dataclass
class Line:
    text: str
    left: float  # mm from the page's left edge
    right: float


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    data = preview.render_pdf(layout.build_docx(seed_briefing()))
    assert data is not None, "LibreOffice did not convert the briefing"
    path = tmp_path_factory.mktemp("preview") / "briefing.pdf"
    path.write_bytes(data)
    return path


def _pages(pdf: Path) -> list[list[Line]]:
    """The text lines of each page: pdftotext's words grouped by their top edge, left to right."""
    xhtml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=True).stdout  # noqa: S603, S607
    pages = []
    for page in ET.fromstring(xhtml).iter(f"{XHTML}page"):  # noqa: S314 - our own pdftotext output
        rows: dict[float, list[tuple[float, float, str]]] = {}
        for word in page.iter(f"{XHTML}word"):
            top = round(float(word.get("yMin", 0)), 0)
            rows.setdefault(top, []).append((float(word.get("xMin", 0)), float(word.get("xMax", 0)), word.text or ""))
        lines = []
        for top in sorted(rows):
            words = sorted(rows[top])
            lines.append(Line("".join(w[2] for w in words), words[0][0] / MM, words[-1][1] / MM))
        pages.append(lines)
    return pages


def _body_lines(pages: list[list[Line]]) -> list[Line]:
    body = "".join(block.text for block in seed_briefing().blocks if block.kind == "para")
    return [line for page in pages for line in page if len(line.text) > 4 and line.text in body]


@needs_converters
def test_the_body_starts_28_mm_from_the_page_edge(pdf):
    pages = _pages(pdf)
    assert len(pages) >= 2
    lines = _body_lines(pages)
    continuation = [line for line in lines if line.left < TEXT_LEFT + 5]
    first_lines = [line for line in lines if line.left >= TEXT_LEFT + 5]
    assert len(continuation) >= 15
    for line in continuation:
        assert abs(line.left - TEXT_LEFT) <= 1, line
    char = 156 / 28
    for line in first_lines:  # indented two characters
        assert abs(line.left - (TEXT_LEFT + 2 * char)) <= 1, line


@needs_converters
def test_a_full_body_line_holds_28_characters(pdf):
    full = [
        line
        for line in _body_lines(_pages(pdf))
        if line.left < TEXT_LEFT + 1 and line.right > TEXT_RIGHT - 2 and not re.search(r"[\x00-\x7f]", line.text)
    ]
    assert len(full) >= 5
    counts = []
    for line in full:
        # a closing mark may hang past the right edge (LibreOffice's hanging punctuation): it is not in the count
        hanging = line.right > TEXT_RIGHT + 1 and line.text[-1] in "，。、；：）”"
        counts.append(len(line.text) - hanging)
    # A line may hold one character less where a mark may not start the next line (“户”” goes down together).
    assert max(counts) == 28, full
    assert counts.count(28) >= 0.8 * len(counts), full


@needs_converters
def test_title_centred_and_page_numbers_on_the_outer_edge(pdf):
    pages = _pages(pdf)
    title = next(line for line in pages[0] if line.text == TITLE)
    assert abs((title.left + title.right) / 2 - (TEXT_LEFT + 156 / 2)) <= 1.5
    one_char = 14 / MM  # one 4号 character
    odd, even = pages[0][-1], pages[1][-1]
    assert (odd.text, even.text) == ("—1—", "—2—")
    assert abs(odd.right - (TEXT_RIGHT - one_char)) <= 1.5, odd
    assert abs(even.left - (TEXT_LEFT + one_char)) <= 1.5, even


@needs_converters
def test_fonts_are_the_stand_ins_embedded_with_no_fallback(pdf):
    listing = subprocess.run(["pdffonts", str(pdf)], capture_output=True, check=True, text=True).stdout  # noqa: S603, S607
    rows = [row.split() for row in listing.splitlines()[2:] if row.strip()]
    names = [row[0].split("+", 1)[-1] for row in rows]
    assert names
    for name, row in zip(names, rows, strict=True):
        assert name.startswith(STAND_INS), f"{name}: a fallback face (Chinese may show as boxes)"
        assert "yes" in row[-5:-3], f"{name} is not embedded"
    for family in ("NotoSerifCJK", "NotoSansCJK", "UKai"):  # 仿宋/小标宋, 黑体, 楷体
        assert any(name.startswith(family) for name in names), family
    assert any("Bold" in name for name in names if name.startswith("NotoSerifCJK"))  # 小标宋's bold stand-in


@needs_converters
def test_first_page_png_is_a4_and_goes_to_the_screenshots():
    png = preview.render_first_page(layout.build_docx(seed_briefing()))
    assert png is not None and png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert abs(width - 210 / 25.4 * preview.PREVIEW_DPI) <= 2
    assert abs(height / width - 297 / 210) < 0.01
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    SCREENSHOT.write_bytes(png)


@needs_converters
def test_a_time_out_gives_no_preview():
    assert preview.render_pdf(layout.build_docx(seed_briefing(blocks=(Block("para", "短。"),))), timeout=0.01) is None


def test_without_the_converters_there_is_no_preview_and_no_error(monkeypatch, caplog):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert preview.available() is False
    docx = layout.build_docx(seed_briefing())
    with caplog.at_level("INFO", logger="chaindesk.reports.preview"):
        assert preview.render_first_page(docx) is None
        assert preview.render_pdf(docx) is None
    assert "not installed" in caplog.text
