"""A briefing (简报 / 会议纪要) as plain data, between the content (chaindesk.reports.content: what the meeting or
the period says) and the layouts that print it (chaindesk.reports.layout: the built-in GB/T 9704-2012 layout;
chaindesk.reports.template_fill: an office's own 红头 template). Neither side knows the other."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["h1", "h2", "para", "table"]


@dataclass(frozen=True)
class Block:
    """One piece of the body: a first-level heading (黑体, "一、"), a second-level heading (楷体, "（一）"), a
    paragraph (仿宋, first line indented two characters), or a table (`rows`, the first row its header)."""

    kind: BlockKind
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class BriefingDoc:
    """Everything a layout needs: the issuing body (发文机关, e.g. 泰州市生物医药产业链服务团队), the issue line
    (e.g. 第 12 期), the title, the date it is dated (成文日期), the body, and who it goes to (分送)."""

    title: str
    issuer: str
    number: str
    date: dt.date
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    distribution: str = ""
