"""A report as text, from what a user pastes or uploads: plain text (UTF-8 with or without BOM, UTF-16, GB18030), a Word
document (.docx) or a saved web page (.html). Anything else, an empty text, a text past MAX_BYTES, or one in which
no meeting can be found is refused with a Chinese message (`ReportError`); nothing is ever written."""

import io
import zipfile
from html.parser import HTMLParser
from typing import Any

from django.utils.translation import gettext as _

from chaindesk.transfer.reading_sources import decoded

MAX_BYTES = 10 * 2**20  # a report is a few pages; ten megabytes is a paste gone wrong
_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "title"}
_SKIPPED = {"script", "style", "noscript", "template"}


class ReportError(ValueError):
    """What is wrong with the input, in Chinese, for the page and the CLI."""


class _Text(HTMLParser):
    """The visible text of a page, a line per block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED and self._skipping:
            self._skipping -= 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _docx(data: bytes) -> str:
    from docx import Document

    try:
        document = Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ReportError(_("Word 文件已损坏或不是 .docx 格式。")) from exc
    return "\n".join(paragraph.text for paragraph in document.paragraphs)


def _html(text: str) -> str:
    parser = _Text()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def report_text(data: bytes | str, name: str = "") -> str:
    """The report's text from a paste (str) or an upload (bytes and its file name)."""
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > MAX_BYTES:
        raise ReportError(_("内容过长（超过 10 MB），请只粘贴或上传一篇报道。"))
    lower = name.lower()
    if isinstance(data, str):
        text = data
    elif lower.endswith(".docx") or data[:2] == b"PK":
        if not lower.endswith(".docx") and lower:
            raise ReportError(_("只能读取纯文本（.txt）、Word（.docx）或网页（.html）。"))
        text = _docx(data)
    elif lower.endswith((".doc", ".pdf", ".xls", ".xlsx", ".png", ".jpg")):
        raise ReportError(_("只能读取纯文本（.txt）、Word（.docx）或网页（.html）。"))
    else:
        found = decoded(data)  # the import's own reading of office text: UTF-8, UTF-16, GB18030; binary refused
        if found is None:
            raise ReportError(_("只能读取纯文本（.txt）、Word（.docx）或网页（.html）。"))
        text = found[0]
    if lower.endswith((".html", ".htm")) or text.lstrip()[:1] == "<":
        text = _html(text)
    if not text.strip():
        raise ReportError(_("没有可识别的文字。"))
    return text


def require_meeting(draft: dict[str, Any]) -> None:
    """Refuse a text in which no meeting is found: no date, and nobody and no enterprise named."""
    meeting = draft.get("meeting") or {}
    if meeting.get("date") is None and not draft.get("people") and not draft.get("enterprises"):
        raise ReportError(_("没有找到会议：报道中应有日期（如 11月24日）以及与会领导或走访的企业。"))
