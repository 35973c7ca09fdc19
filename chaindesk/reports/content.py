"""What a briefing says, as a BriefingDoc (chaindesk.reports.document): for a meeting (its facts, the site visits in
order, the speeches, the key figures of the chain, its decisions, the overdue tasks) or for a chain over a period
(the same figures for the period, its meetings and their decisions), with the sections the team wrote.

Headings carry their own numbers (一、 and （一）), counted as the parts are written: a part with nothing to say is
left out, except where saying there is nothing is the news (no decision, no overdue task, an empty period). The
figures are read as the person who asked for the briefing may see them (chaindesk.reports.figures)."""

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from chaindesk.meetings.models import Meeting, MeetingKind
from chaindesk.projects.models import Project

from . import figures as fig
from .choices import BriefingKind
from .document import Block, BriefingDoc
from .models import Briefing

NUMERALS = "一二三四五六七八九十"


def numeral(n: int) -> str:
    """一 … 十, then 十一 … 九十九 (a briefing never has more parts)."""
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return f"{NUMERALS[tens - 1] if tens > 1 else ''}十{NUMERALS[ones - 1] if ones else ''}"


def day_text(day: dt.date, *, year: bool = False) -> str:
    """11月24日, or 2026年11月24日 with the year."""
    text = _("%(m)s月%(d)s日") % {"m": day.month, "d": day.day}
    return _("%(y)s年") % {"y": day.year} + text if year else text


def paragraphs(text: str) -> list[str]:
    """A section as written: one paragraph per non-empty line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@dataclass
class Writer:
    """The body being written: numbered first- and second-level headings, paragraphs and tables."""

    blocks: list[Block] = field(default_factory=list)
    h1_count: int = 0
    h2_count: int = 0

    def h1(self, text: str) -> None:
        self.h1_count += 1
        self.h2_count = 0
        self.blocks.append(Block("h1", f"{numeral(self.h1_count)}、{text}"))

    def h2(self, text: str) -> None:
        self.h2_count += 1
        self.blocks.append(Block("h2", f"（{numeral(self.h2_count)}）{text}"))

    def para(self, *texts: str) -> None:
        for text in texts:
            for line in paragraphs(text):
                self.blocks.append(Block("para", line))

    def table(self, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> None:
        body = tuple(tuple("" if v is None else str(v) for v in row) for row in rows)
        self.blocks.append(Block("table", rows=(tuple(header), *body)))


# --- drafts of the sections -----------------------------------------------------------------------------------


def official(user: Any) -> str:
    """A person as a briefing names them: the first post of their title before the name, as the seed report writes
    "市委书记姜冬冬" and "市领导张坤" (the name alone without a title)."""
    post = re.split(r"[、，,；;]", user.title or "")[0].strip()
    return f"{post}{user.display_name}" if post and user.display_name not in post else user.display_name


def meeting_overview(meeting: Meeting, *, visited: bool) -> str:
    """The opening sentence drafted from the meeting's facts, as the seed report opens: "11月24日，市委书记姜冬冬带队赴
    兴化市开展现场观摩，并召开生物医药产业链服务团队工作例会。市领导张坤主持会议。\""""
    when, leader, place = day_text(meeting.held_on), official(meeting.leader), meeting.place
    # a site visit goes to a district ("赴兴化市"), not to a meeting room; without a district, to the place
    visit_place = meeting.region.name if meeting.region_id and meeting.region else place
    if visited and visit_place:
        place = visit_place
        text = _("%(when)s，%(leader)s带队赴%(place)s开展现场观摩，并召开%(title)s。")
    elif visited:
        text = _("%(when)s，%(leader)s带队开展现场观摩，并召开%(title)s。")
    elif place:
        text = _("%(when)s，%(leader)s在%(place)s召开%(title)s。")
    else:
        text = _("%(when)s，%(leader)s召开%(title)s。")
    text = text % {"when": when, "leader": leader, "place": place, "title": meeting.title}
    if meeting.chair_id and meeting.chair_id != meeting.leader_id and meeting.chair:
        text += _("%(chair)s主持会议。") % {"chair": official(meeting.chair)}
    return text


def has_visits(meeting: Meeting) -> bool:
    """A 现场观摩 meeting, or one with stops recorded (one query for the latter)."""
    return meeting.kind == MeetingKind.SITE_VISIT or meeting.site_visits.exists()


def period_overview(chain_name: str, start: dt.date, end: dt.date) -> str:
    return _("%(start)s至%(end)s，%(chain)s产业链服务团队围绕项目建设、诉求解决、事项上争等重点工作持续推进。") % {
        "start": day_text(start, year=True),
        "end": day_text(end, year=start.year != end.year),
        "chain": chain_name.removesuffix("产业链"),
    }


def draft_sections(*, kind: str, meeting: Meeting | None, chain_name: str, start: dt.date, end: dt.date) -> dict:
    """The sections a new briefing starts with, for the team to rewrite: the opening from the records, the leader's
    points from the meeting's minutes, the next steps empty."""
    if kind == BriefingKind.MEETING and meeting is not None:
        visited = has_visits(meeting)
        return {"overview": meeting_overview(meeting, visited=visited), "speech": meeting.summary, "next_steps": ""}
    return {"overview": period_overview(chain_name, start, end), "speech": "", "next_steps": ""}


# --- the meeting's own facts ----------------------------------------------------------------------------------


def attendance(meeting: Meeting) -> str:
    """参加人员: the people on record (with their titles), then departments, districts, enterprises and guests (four
    queries)."""
    people = [
        f"{u.display_name}（{u.title}）" if u.title else u.display_name
        for u in meeting.attendees.order_by("pk").only("display_name", "title")
    ]
    groups = [
        "、".join(people),
        "、".join(d.short_name or d.name for d in meeting.attendee_departments.order_by("sort_order", "pk")),
        "、".join(r.name for r in meeting.attendee_regions.order_by("code")),
        "、".join(e.name for e in meeting.attendee_enterprises.order_by("pk")),
        "、".join(paragraphs(meeting.guests)),
    ]
    return "；".join(g for g in groups if g)


def _visit_project(project: Project | None) -> str:
    if project is None:
        return ""
    if project.planned_investment:
        return _("观摩%(name)s，计划总投资%(amount)s。") % {
            "name": project.name,
            "amount": fig.amount_text(project.planned_investment),
        }
    return _("观摩%(name)s。") % {"name": project.name}


def write_visits(w: Writer, meeting: Meeting) -> None:
    """现场观摩: each stop in order, its project with the planned investment, and the notes (one query)."""
    visits = list(meeting.site_visits.select_related("enterprise", "project").order_by("seq", "pk"))
    if not visits:
        return
    w.h1(_("现场观摩"))
    for visit in visits:
        w.h2(str(visit.enterprise or visit))  # the enterprise visited; its project is named in the paragraph
        w.para(_visit_project(visit.project), visit.notes)


def write_speeches(w: Writer, meeting: Meeting) -> None:
    """交流发言: who spoke, on what, and their points (one query)."""
    speeches = list(meeting.speeches.select_related("department", "region", "enterprise").order_by("seq", "pk"))
    if not speeches:
        return
    w.h1(_("交流发言"))
    for speech in speeches:
        who = speech.department.short_name if speech.department else str(speech.region or speech.enterprise or "")
        who = "".join(x for x in (who, f"（{speech.speaker}）" if speech.speaker and who else speech.speaker) if x)
        topic = f"{speech.topic}。" if speech.topic else ""
        w.para(f"{who}：{topic}{' '.join(paragraphs(speech.content))}".strip("："))


# --- the chain's figures --------------------------------------------------------------------------------------


def _investment_sentence(inv: fig.InvestmentFigure | None, as_of: dt.date) -> str:
    if inv is None:
        return _("本链项目暂无%(year)s年度投资计划。") % {"year": as_of.year}
    text = _("%(year)s年度计划投资%(plan)s，截至%(month)s月完成%(done)s，完成率%(rate)s，序时进度%(schedule)s") % {
        "year": inv.year,
        "plan": fig.amount_text(inv.plan),
        "month": as_of.month,
        "done": fig.amount_text(inv.done),
        "rate": fig.percent_text(inv.rate),
        "schedule": fig.percent_text(inv.schedule),
    }
    gap = inv.gap
    if gap is not None and gap > 0:
        text += _("，落后序时进度%(points)s个百分点") % {"points": f"{gap.normalize():f}"}
    elif gap is not None:
        text += _("，达到序时进度")
    if inv.n_behind:
        text += _("；%(n)s个项目投资滞后于序时进度") % {"n": inv.n_behind}
    return text + "。"


def write_projects(w: Writer, f: fig.ChainFigures) -> None:
    w.h2(_("项目建设"))
    if not f.stages:
        w.para(_("本链暂无在库项目。"))
    else:
        total = sum(s.count for s in f.stages)
        amount = sum((s.amount for s in f.stages), Decimal(0))
        w.para(_("本链在库项目%(n)s个，计划总投资%(amount)s。") % {"n": total, "amount": fig.amount_text(amount)})
        rows = [(s.label, s.count, fig.amount_text(s.amount)) for s in f.stages]
        w.table((_("项目阶段"), _("项目数(个)"), _("计划总投资")), [*rows, (_("合计"), total, fig.amount_text(amount))])
    w.para(_investment_sentence(f.investment, f.period.as_of))


def _demand_sentence(d: fig.DemandFigure, as_of: dt.date) -> str:
    if d.received:
        text = _("统计期内受理企业诉求%(n)s件，已办结%(closed)s件；响应率%(r)s，办结率%(c)s，满意率%(s)s。") % {
            "n": d.received,
            "closed": d.closed,
            "r": fig.percent_text(d.response),
            "c": fig.percent_text(d.closure),
            "s": fig.percent_text(d.satisfaction),
        }
    else:
        text = _("统计期内无新增诉求。")
    if d.overdue:
        text += _("截至%(day)s，有%(n)s件诉求的办理任务逾期未办结。") % {"day": day_text(as_of), "n": d.overdue}
    return text


def _upward_sentence(u: fig.UpwardFigure | None) -> str:
    if u is None:
        return _("本链暂无上争事项。")
    stages = "、".join(_("%(stage)s%(n)s项") % {"stage": label, "n": n} for label, n in u.stages)
    text = _("在库上争事项%(n)s项（%(stages)s），争取金额%(sought)s") % {
        "n": u.total,
        "stages": stages,
        "sought": fig.amount_text(u.sought),
    }
    if u.approved:
        text += _("；已获批%(n)s项，获批金额%(amount)s") % {"n": u.approved, "amount": fig.amount_text(u.obtained)}
    return text + "。"


def write_figures(w: Writer, f: fig.ChainFigures) -> None:
    """产业链主要指标: projects by stage, investment against 序时进度, demands with the rates, 上争 progress."""
    w.h1(_("产业链主要指标"))
    w.para(
        _("（统计期：%(start)s至%(end)s；项目、投资和任务情况截至%(as_of)s。）")
        % {
            "start": day_text(f.period.start, year=True),
            "end": day_text(f.period.end, year=True),
            "as_of": day_text(f.period.as_of, year=True),
        }
    )
    write_projects(w, f)
    w.h2(_("诉求办理"))
    w.para(_demand_sentence(f.demands or fig.DemandFigure(0, 0, 0, None, None, None), f.period.as_of))
    w.h2(_("事项上争"))
    w.para(_upward_sentence(f.upward))


def write_decisions(w: Writer, total: int, rows: list[fig.DecisionFigure], *, with_meeting: bool, none: str) -> None:
    if not rows:
        w.para(none)
        return
    header = [_("序号"), _("议定事项"), _("责任部门"), _("办结期限"), _("落实情况")]
    if with_meeting:
        header.insert(1, _("会议"))
    table = []
    for i, d in enumerate(rows, start=1):
        row = [i, d.content, d.departments or "—", d.deadline.isoformat() if d.deadline else "—", d.status]
        if with_meeting:
            row.insert(1, f"{day_text(d.held_on)} {d.meeting}")
        table.append(row)
    w.table(header, table)
    if total > len(rows):
        w.para(_("共%(total)s项，表中列出前%(n)s项，其余见台账表格。") % {"total": total, "n": len(rows)})


def write_overdue(w: Writer, f: fig.ChainFigures) -> None:
    w.h1(_("逾期任务"))
    if not f.overdue:
        w.para(_("截至%(day)s，本链无逾期任务。") % {"day": day_text(f.period.as_of)})
        return
    w.para(_("截至%(day)s，本链逾期未办结的任务共%(n)s项：") % {"day": day_text(f.period.as_of), "n": f.overdue_total})
    w.table(
        (_("序号"), _("企业"), _("诉求事项"), _("主办部门"), _("办结期限"), _("逾期(工作日)")),
        [
            (i, o.enterprise, o.title, o.department, o.deadline.isoformat(), "—" if o.days is None else o.days)
            for i, o in enumerate(f.overdue, start=1)
        ],
    )
    if f.overdue_total > len(f.overdue):
        w.para(_("表中列出逾期最久的%(n)s项，其余见台账表格。") % {"n": len(f.overdue)})


def write_section(w: Writer, briefing: Briefing, key: str, heading: str) -> None:
    text = (briefing.sections or {}).get(key, "")
    if paragraphs(text):
        w.h1(heading)
        w.para(text)


# --- the two kinds of briefing --------------------------------------------------------------------------------


def meeting_period(meeting: Meeting) -> fig.Period:
    """A meeting briefing's figures: the year up to the meeting's day."""
    return fig.Period(dt.date(meeting.held_on.year, 1, 1), meeting.held_on)


def briefing_period(briefing: Briefing) -> fig.Period:
    """The period a briefing's figures cover: its own (set when it was created), else its meeting's year."""
    if briefing.period_start is not None and briefing.period_end is not None:
        return fig.Period(briefing.period_start, briefing.period_end)
    if briefing.meeting is not None:
        return meeting_period(briefing.meeting)
    raise ValueError(f"briefing {briefing.pk} has no period")


def meeting_body(briefing: Briefing, meeting: Meeting, reader: Any) -> list[Block]:
    w = Writer()
    w.h1(_("基本情况"))
    sections = briefing.sections or {}
    w.para(sections.get("overview") or meeting_overview(meeting, visited=has_visits(meeting)))
    if people := attendance(meeting):
        w.para(_("参加人员：%(people)s。") % {"people": people})
    write_visits(w, meeting)
    write_section(w, briefing, "speech", _("领导讲话要点"))
    write_speeches(w, meeting)
    period = briefing_period(briefing)
    figures = fig.chain_figures(reader, briefing.chain, period)
    write_figures(w, figures)
    w.h1(_("议定事项"))
    total, rows = fig.decisions(reader, Meeting.objects.filter(pk=meeting.pk), period.as_of)
    write_decisions(w, total, rows, with_meeting=False, none=_("本次会议未形成议定事项。"))
    write_overdue(w, figures)
    write_section(w, briefing, "next_steps", _("下步工作"))
    return w.blocks


def write_meetings(w: Writer, meetings: list[Meeting]) -> None:
    w.h1(_("会议情况"))
    if not meetings:
        w.para(_("本期内无会议。"))
        return
    w.para(_("本期内共召开会议%(n)s次：") % {"n": len(meetings)})
    for m in meetings:
        place = _("，地点：%(place)s") % {"place": m.place} if m.place else ""
        w.para(
            _("%(day)s，%(title)s（%(kind)s%(place)s），%(leader)s带队。")
            % {
                "day": day_text(m.held_on),
                "title": m.title,
                "kind": m.get_kind_display(),
                "place": place,
                "leader": m.leader.display_name,
            }
        )


def period_body(briefing: Briefing, reader: Any) -> list[Block]:
    period = briefing_period(briefing)
    start, end = period.start, period.end
    meetings_qs = Meeting.objects.visible_to(reader).filter(chain=briefing.chain, held_on__range=(start, end))
    meetings = list(meetings_qs.select_related("leader", "region").order_by("held_on", "pk"))
    figures = fig.chain_figures(reader, briefing.chain, period)
    w = Writer()
    w.h1(_("总体情况"))
    w.para((briefing.sections or {}).get("overview") or period_overview(briefing.chain.name, start, end))
    received = figures.demands.received if figures.demands else 0
    if not meetings and not received:
        w.para(_("本期内无会议、无新增诉求。"))
    write_section(w, briefing, "speech", _("领导讲话要点"))
    write_meetings(w, meetings)
    write_figures(w, figures)
    if meetings:
        w.h1(_("议定事项落实情况"))
        total, rows = fig.decisions(reader, meetings_qs, period.as_of)
        write_decisions(w, total, rows, with_meeting=True, none=_("本期会议未形成议定事项。"))
    write_overdue(w, figures)
    write_section(w, briefing, "next_steps", _("下步工作"))
    return w.blocks


def build(briefing: Briefing, *, reader: Any) -> BriefingDoc:
    """The briefing's document as `reader` (who asked for it) may see the records."""
    if briefing.kind == BriefingKind.MEETING and briefing.meeting is not None:
        blocks = meeting_body(briefing, briefing.meeting, reader)
    else:
        blocks = period_body(briefing, reader)
    return BriefingDoc(
        title=briefing.title,
        issuer=briefing.issuer,
        number=briefing.number_text,
        date=briefing.dated_on,
        blocks=tuple(blocks),
        distribution=briefing.distribution.strip(),
    )
