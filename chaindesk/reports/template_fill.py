"""An office's own 红头 template (a Word .docx) filled with a briefing, instead of the built-in layout.

The office writes placeholders where the briefing goes, in double braces, anywhere in the text, a table cell, the
header or the footer (Word may split them across runs; docxtpl joins them again):

    {{ 标题 }}      the title                                   required
    {{ 期号 }}      the issue line, e.g. 第 12 期                 required
    {{ 日期 }}      the date, e.g. 2025年11月25日                 required
    {{ 正文 }}      the body: headings, paragraphs and tables   required, alone in a paragraph of its own
    {{ 发文机关 }}  the issuing body                             optional
    {{ 分送 }}      the distribution list (分送)                 optional; without it the 分送 line ends the body

Text placeholders take the formatting the template gives them. The body paragraph is replaced by real paragraphs and
tables laid out with chaindesk.reports.layout's helpers (3号 仿宋 body, 黑体 and 楷体 headings, bordered tables, the
East Asian font on every run), so it prints as the built-in layout does inside the office's 版头 and 版记.

`check_template` refuses, with a message in Chinese, a file that is not a .docx, one that lacks a required placeholder
(naming them), one with a placeholder it does not know or written wrong, or a body placeholder sharing its paragraph.
Templates are rendered in Jinja's sandbox with autoescaping: an uploaded file runs no code and the content cannot break
the XML.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import zipfile
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree
from markupsafe import Markup

from chaindesk.reports import layout
from chaindesk.reports.document import Block, BriefingDoc

logger = logging.getLogger(__name__)

TITLE, NUMBER, DATE, BODY, ISSUER, DISTRIBUTION = "标题", "期号", "日期", "正文", "发文机关", "分送"
REQUIRED_PLACEHOLDERS = (TITLE, NUMBER, DATE, BODY)
OPTIONAL_PLACEHOLDERS = (ISSUER, DISTRIBUTION)
PLACEHOLDERS = REQUIRED_PLACEHOLDERS + OPTIONAL_PLACEHOLDERS

TEMPLATE_HELP = gettext_lazy(
    "上传本单位的红头模板（Word .docx 文档），在要填入内容的位置写上占位符："
    "{{ 标题 }}、{{ 期号 }}、{{ 日期 }}，以及单独占一段的 {{ 正文 }}；"
    "可选 {{ 发文机关 }}、{{ 分送 }}。占位符可以放在正文、表格、页眉或页脚中，其字体字号沿用模板；"
    "正文按公文格式（3号仿宋，黑体、楷体标题）排入。"
)

_SYNTAX_MESSAGE = gettext_lazy("模板中的占位符写法有误：占位符须写成 {{ 标题 }} 这样的形式，两侧各两个半角花括号。")

# An uploaded .docx is a zip: refuse one that would inflate past this before python-docx reads it whole.
MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024

_BODY_ALONE = re.compile(r"^\s*\{\{\s*p?\s*" + BODY + r"\s*\}\}\s*$")
_BODY_ANYWHERE = re.compile(r"\{\{[^{}]*" + BODY + r"[^{}]*\}\}")
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _braced(names: Any) -> str:
    return "、".join("{{ %s }}" % name for name in names)  # noqa: UP031 - braces are the point


def _not_docx() -> ValidationError:
    return ValidationError(_("上传的文件不是 Word（.docx）文档。"), code="not_docx")


def _open_docx(data: bytes) -> Any:
    """The python-docx Document of `data`, or ValidationError when it is not a (sane) .docx."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED_BYTES:
                raise ValidationError(_("模板文件解压后过大，请精简后再上传。"), code="too_large")
        return Document(io.BytesIO(data))
    except ValidationError:
        raise
    except Exception as exc:  # a zip that is no .docx fails in many ways (KeyError, ValueError, lxml, OPC errors)
        raise _not_docx() from exc


def _body_paragraphs(document: Any) -> tuple[list[Any], int]:
    """The paragraphs of the main text (table cells included) that hold only the body placeholder, and how many hold
    it among other text."""
    alone, shared = [], 0
    for p in document.element.body.iter(qn("w:p")):
        text = "".join(t.text or "" for t in p.iter(qn("w:t")))
        if _BODY_ALONE.match(text):
            alone.append(p)
        elif _BODY_ANYWHERE.search(text):
            shared += 1
    return alone, shared


def _as_paragraph_tag(paragraph: Any) -> None:
    """Rewrite a body placeholder paragraph as docxtpl's paragraph tag {{p 正文 }}, which replaces the whole <w:p>, so
    the body goes in as paragraphs and tables of its own rather than as text inside a run."""
    for child in list(paragraph):
        if child.tag != qn("w:pPr"):
            paragraph.remove(child)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "{{p %s }}" % BODY  # noqa: UP031
    run.append(text)
    paragraph.append(run)


def _prepare(data: bytes) -> tuple[DocxTemplate, set[str]]:
    """Check the template and return it ready to render (body tag rewritten) with the placeholders it uses."""
    document = _open_docx(data)
    alone, shared = _body_paragraphs(document)
    if shared:
        raise ValidationError(
            _("%(body)s 须单独占一段，不能与其他文字写在同一段。") % {"body": _braced([BODY])}, code="body_not_alone"
        )
    for paragraph in alone:
        _as_paragraph_tag(paragraph)
    out = io.BytesIO()
    document.save(out)
    template = DocxTemplate(io.BytesIO(out.getvalue()))
    try:
        used = set(template.get_undeclared_template_variables(jinja_env=_environment()))
    except TemplateError as exc:
        raise ValidationError(_SYNTAX_MESSAGE, code="syntax") from exc
    _check_names(used, body_found=bool(alone))
    return template, used


def _check_names(used: set[str], *, body_found: bool) -> None:
    missing = [name for name in REQUIRED_PLACEHOLDERS if name not in used or (name == BODY and not body_found)]
    if missing:
        raise ValidationError(
            _("模板缺少占位符：%(names)s。") % {"names": _braced(missing)}, code="missing_placeholders"
        )
    unknown = sorted(used - set(PLACEHOLDERS))
    if unknown:
        raise ValidationError(
            _("模板中有无法识别的占位符：%(names)s。可用的占位符：%(known)s。")
            % {"names": _braced(unknown), "known": _braced(PLACEHOLDERS)},
            code="unknown_placeholders",
        )


def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=True)


_PROBE = BriefingDoc(
    title="标题",
    issuer="发文机关",
    number="第 1 期",
    date=dt.date(2000, 1, 1),
    blocks=(Block("h1", "一、标题"), Block("para", "正文。"), Block("table", rows=(("表头",), ("内容",)))),
    distribution="分送单位",
)


def check_template(data: bytes) -> None:
    """Raise ValidationError (in Chinese) unless `data` is a .docx with the required placeholders, each known and
    well written, and {{ 正文 }} alone in its paragraph. The template is filled once with a probe briefing, so one that
    would fail when a briefing is generated is refused on upload."""
    fill_template(data, _PROBE)


def _body_xml(doc: BriefingDoc, *, with_distribution: bool) -> Markup:
    """The body as WordprocessingML: paragraphs and tables built by layout's helpers in a scratch document, serialised
    for docxtpl to put in place of the {{p 正文 }} paragraph."""
    scratch = Document()
    body = scratch.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    layout.add_blocks(scratch, doc.blocks)
    if with_distribution and doc.distribution:
        layout.add_distribution(scratch, doc.distribution)
    parts = [etree.tostring(child, encoding="unicode") for child in body if child.tag != qn("w:sectPr")]
    return Markup("".join(parts))  # noqa: S704 - XML built by python-docx from escaped text, not user markup


def _clean(text: str) -> str:
    return _XML_INVALID.sub("", text)


def fill_template(template: bytes, doc: BriefingDoc) -> bytes:
    """The office's template with the briefing in it, as DOCX bytes. Raises ValidationError as check_template does."""
    tpl, used = _prepare(template)
    context = {
        TITLE: _clean(doc.title),
        NUMBER: _clean(doc.number),
        DATE: layout.format_date(doc.date),
        ISSUER: _clean(doc.issuer),
        DISTRIBUTION: _clean(doc.distribution),
        BODY: _body_xml(doc, with_distribution=DISTRIBUTION not in used),
    }
    try:
        tpl.render(context, jinja_env=_environment(), autoescape=True)
        out = io.BytesIO()
        tpl.save(out)
    except TemplateError as exc:  # a runtime error of the template language, a refused attribute in the sandbox
        raise ValidationError(_SYNTAX_MESSAGE, code="syntax") from exc
    except Exception as exc:  # an uploaded file is untrusted: whatever else breaks in it is refused, not a 500
        logger.warning("template_fill: template could not be filled: %r", exc)
        raise ValidationError(_("无法使用该模板，请在 Word 中重新保存为 .docx 后再上传。"), code="unusable") from exc
    return out.getvalue()
