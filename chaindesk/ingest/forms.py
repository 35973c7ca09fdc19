"""The review form of a report's draft (issue 15, item 3): the meeting's facts, then one card per item of the draft
(enterprises, projects, demands, decisions, items sought from above, hometown talents, R&D cooperations) with a
保留 box, its fields, and for an enterprise or a project the record it is linked to (or none: a new record).

Field names are `<ref>_<field>`, the reference the draft's evidence and the services' refusals use (`e1_uscc`).
Every item field is optional to the browser; a kept item's own requirements (a new enterprise's USCC, region and
segment; a demand's enterprise and category …) are checked in `clean` with Chinese messages on the field. The
values of a saved review (the form's data as posted) come back as initial values."""

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from chaindesk.accounts.choices import OFFICIALS, RegionLevel
from chaindesk.accounts.forms import StyledForm
from chaindesk.accounts.models import Department, Region, User
from chaindesk.chains.models import ChainNode
from chaindesk.core import clock
from chaindesk.demands.models import Category
from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison.forms import DATE_FORMATS, DateInput, UserChoiceField
from chaindesk.meetings.forms_meetings import team_chains
from chaindesk.meetings.models import MeetingKind
from chaindesk.meetings.services_meetings import MeetingFacts
from chaindesk.projects.choices import CapacityPeriod
from chaindesk.projects.models import Project
from chaindesk.upward.choices import UpwardKind, UpwardLevel

from . import evidence
from .models import Report
from .services import (
    CooperationPlan,
    DecisionPlan,
    DemandPlan,
    EnterprisePlan,
    ProjectPlan,
    Review,
    TalentPlan,
    UpwardPlan,
)

# The report's word for its meeting → our kind of meeting.
KIND_WORDS = {
    "例会": MeetingKind.REGULAR,
    "调度会": MeetingKind.DISPATCH,
    "推进会": MeetingKind.DISPATCH,
    "座谈会": MeetingKind.SYMPOSIUM,
    "推介会": MeetingKind.TOPIC,
    "签约仪式": MeetingKind.TOPIC,
    "走访调研": MeetingKind.SITE_VISIT,
    "调研": MeetingKind.SITE_VISIT,
    "考察": MeetingKind.SITE_VISIT,
}
UPWARD_KIND_WORDS = (
    ("资金", UpwardKind.FUNDS),
    ("试点", UpwardKind.PILOT),
    ("审批", UpwardKind.APPROVAL),
    ("批复", UpwardKind.APPROVAL),
    ("指标", UpwardKind.QUOTA),
)
STATE_WORDS = ("国家", "国务院", "部", "中央")
_LINE = re.compile(r"^(.+?)\s*(?:[×xX*]\s*(\d+))?$")
TITLE_MAX = 60
P = TypeVar("P")
NEW_ONLY = ("uscc", "region", "node")  # what registering an enterprise needs, and linking one does not


@dataclass
class Item:
    """One card of the page: its reference, heading, the source sentence, how it matched, and its fields."""

    ref: str
    heading: str
    fields: list[forms.BoundField]
    keep: forms.BoundField
    source: int | None = None
    quote: str = ""
    match: dict[str, Any] = field(default_factory=dict)
    new_only: frozenset[str] = frozenset()  # fields that matter only for a new record (hidden while linked)
    linked: bool = False


@dataclass
class Section:
    key: str
    title: str
    items: list[Item]


def held_on_of(date: str | None, today: dt.date) -> dt.date | None:
    """The meeting's day from the report's month and day: this year, or last year when that day is still ahead."""
    if not date:
        return None
    try:
        month, day = (int(x) for x in date.split("-", 1))
        found = dt.date(today.year, month, day)
    except ValueError:
        return None
    return found if found <= today else found.replace(year=today.year - 1)


def _text(label: str, initial: Any = "", *, rows: int = 0, max_length: int | None = None) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(label=label, required=False, initial=initial, widget=widget, max_length=max_length)


def _choice(label: str, queryset: Any, initial: Any = None) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label, queryset=queryset, required=False, initial=initial, empty_label=_("（不选）")
    )


def _decimal(label: str, initial: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, initial=initial, min_value=0, max_digits=14, decimal_places=2
    )


def _date(label: str, initial: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        initial=initial,
        input_formats=DATE_FORMATS,
        widget=DateInput(),
        error_messages={"invalid": _("请按 2026-11-24 的格式填写日期。")},
    )


def _founded(text: Any) -> dt.date | None:
    parts = str(text or "").strip().replace("年", "-").replace("月", "").split("-")
    try:
        return dt.date(int(parts[0]), int(parts[1]) if len(parts) > 1 and parts[1] else 1, 1)
    except (ValueError, IndexError):
        return None


def parse_lines(text: str) -> tuple[tuple[str, int], ...]:
    """Production lines, one a line as `名称×数量` (the count 1 when not given)."""
    found = []
    for raw in (text or "").splitlines():
        match = _LINE.match(raw.strip())
        if match and match.group(1).strip():
            found.append((match.group(1).strip(), int(match.group(2) or 1)))
    return tuple(found)


class ReviewForm(StyledForm):
    """The draft of `report` for `user` to review and confirm (see the module's docstring)."""

    def __init__(self, data: Any = None, *, report: Report, user: Any) -> None:
        super().__init__(data, initial=dict(report.review or {}))
        self.report, self.user = report, user
        self.draft: dict[str, Any] = report.draft or {}
        self.sources: dict[str, int] = self.draft.get("evidence") or {}
        self.sections: list[Section] = []
        self.headings: dict[str, str] = {}
        self.meeting_fields: list[forms.BoundField] = []
        self._meeting()
        self.owner_choices = [("", _("（请选择）"))] + [
            (f"e{n}", item.get("name") or "") for n, item in enumerate(self.draft.get("enterprises") or [])
        ]
        self._enterprises()
        self._projects()
        self._demands()
        self._decisions()
        self._upward()
        self._talents()
        self._cooperations()
        for bound in self.fields.values():
            widget = bound.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            widget.attrs.setdefault("class", css)

    # --- building ---------------------------------------------------------------------------------------

    def _add(self, name: str, field: forms.Field) -> None:
        if name in self.initial and self.initial[name] not in (None,):
            field.initial = self.initial[name]
        elif isinstance(field, forms.BooleanField) and self.report.review:
            field.initial = False  # a saved review without the box: it was unticked
        self.fields[name] = field

    def _item(self, section: list[Item], ref: str, heading: str, fields: dict[str, forms.Field], **extra: Any) -> None:
        self._add(f"{ref}_keep", forms.BooleanField(label=_("保留"), required=False, initial=True))
        for suffix, item_field in fields.items():
            self._add(f"{ref}_{suffix}", item_field)
        source = self.sources.get(ref)
        self.headings[ref] = heading
        record = self[f"{ref}_record"].value() if f"{ref}_record" in self.fields else None
        section.append(
            Item(
                ref=ref,
                heading=heading,
                keep=self[f"{ref}_keep"],
                fields=[self[f"{ref}_{suffix}"] for suffix in fields],
                source=source,
                quote=evidence.quote(self.report.text, source),
                new_only=frozenset(f"{ref}_{suffix}" for suffix in NEW_ONLY if suffix in fields),
                linked=record not in (None, ""),
                **extra,
            )
        )

    def _meeting(self) -> None:
        meeting = self.draft.get("meeting") or {}
        chains = team_chains(self.user)
        chain_pk = (meeting.get("chain_match") or {}).get("pk")
        mine = list(chains)  # one query: the matched chain, or the user's only one
        first = next((c for c in mine if c.pk == chain_pk), mine[0] if len(mine) == 1 else None)
        officials = User.objects.filter(is_active=True, role__in=OFFICIALS).order_by("role", "display_name")
        people = {p.get("name"): p.get("title", "") for p in self.draft.get("people") or []}
        known = {u.display_name: u.pk for u in officials.filter(display_name__in=list(people))}
        host, chair = meeting.get("host"), meeting.get("chair")
        guests = "\n".join(f"{title} {name}".strip() for name, title in people.items() if name not in known)
        place = meeting.get("place") or ""
        region = Region.objects.exclude(level=RegionLevel.PROVINCE).filter(name=place).first() if place else None
        fields: dict[str, forms.Field] = {
            "chain": forms.ModelChoiceField(
                label=_("产业链"),
                queryset=chains,
                initial=first.pk if first else None,
                error_messages={"required": _("请选择产业链。"), "invalid_choice": _("请选择您所在服务团队的产业链。")},
            ),
            "kind": forms.ChoiceField(
                label=_("会议类型"), choices=MeetingKind.choices, initial=KIND_WORDS.get(meeting.get("kind") or "")
            ),
            "title": _text(_("会议名称"), self.report.title, max_length=200),
            "held_on": _date(_("日期"), held_on_of(meeting.get("date"), clock.today())),
            "location": _text(_("地点"), place, max_length=200),
            "region": _choice(_("所在地区"), Region.objects.exclude(level=RegionLevel.PROVINCE), region),
            "leader": UserChoiceField(
                label=_("带队领导"),
                queryset=officials,
                required=False,
                initial=known.get(str(host)) or (first.chief_id if first else None),
            ),
            "chair": UserChoiceField(
                label=_("主持人"), queryset=officials, required=False, initial=known.get(str(chair))
            ),
            "guests": _text(_("其他参会人员"), guests, rows=3),
        }
        for suffix, meeting_field in fields.items():
            self._add(f"m_{suffix}", meeting_field)
        self.meeting_fields = [self[f"m_{suffix}"] for suffix in fields]
        self.host_note = "" if not host or host in known else host

    def _enterprises(self) -> None:
        items: list[Item] = []
        visible = Enterprise.objects.visible_to(self.user)
        regions = Region.objects.exclude(level=RegionLevel.PROVINCE)
        nodes = ChainNode.objects.filter(chain__in=team_chains(self.user)).select_related("chain")
        for n, item in enumerate(self.draft.get("enterprises") or []):
            match = item.get("match") or {}
            exact = match.get("pk") if match.get("how") in ("uscc", "name") else None
            self._item(
                items,
                f"e{n}",
                item.get("name") or "",
                {
                    "record": _choice(_("关联已有企业"), visible, exact),
                    "name": _text(_("企业名称"), item.get("name") or "", max_length=200),
                    "uscc": _text(_("统一社会信用代码"), item.get("uscc") or "", max_length=18),
                    "region": _choice(_("所在地区"), regions),
                    "node": _choice(_("所属环节"), nodes),
                    "founded": _text(_("成立时间"), item.get("founded") or "", max_length=7),
                    "quals": _text(_("资质荣誉"), "、".join(item.get("qualifications") or [])),
                    "visited": forms.BooleanField(label=_("列为观摩点"), required=False, initial=True),
                },
                match=match,
            )
        self.sections.append(Section("enterprises", _("企业"), items))

    def _projects(self) -> None:
        items: list[Item] = []
        owners = [
            (e.get("match") or {}).get("pk")
            for e in self.draft.get("enterprises") or []
            if (e.get("match") or {}).get("pk")
        ]
        projects = Project.objects.visible_to(self.user).filter(enterprise__in=owners)
        for n, item in enumerate(self.draft.get("projects") or []):
            match = item.get("match") or {}
            capacity = item.get("capacity") or {}
            owner = next((v for v, label in self.owner_choices if v and label == item.get("owner")), "")
            lines = "\n".join(f"{line['name']}×{line.get('count') or 1}" for line in item.get("production_lines") or [])
            self._item(
                items,
                f"p{n}",
                item.get("name") or "",
                {
                    "record": _choice(_("关联已有项目"), projects, match.get("pk")),
                    "name": _text(_("项目名称"), item.get("name") or "", max_length=100),
                    "owner": forms.ChoiceField(
                        label=_("项目业主"), choices=self.owner_choices, required=False, initial=owner
                    ),
                    "investment": _decimal(_("计划总投资(万元)"), item.get("investment_wan")),
                    "capacity": _decimal(_("设计产能"), capacity.get("quantity")),
                    "unit": _text(_("产能单位"), capacity.get("unit") or "", max_length=20),
                    "period": forms.ChoiceField(
                        label=_("产能周期"), choices=CapacityPeriod.choices, required=False, initial=CapacityPeriod.YEAR
                    ),
                    "lines": _text(_("生产线（每行一条：名称×数量）"), lines, rows=2),
                },
                match=match,
            )
        self.sections.append(Section("projects", _("项目"), items))

    def _demands(self) -> None:
        items: list[Item] = []
        categories = Category.objects.order_by("sort_order", "pk")
        departments = Department.objects.filter(is_active=True)
        by_name = {c.name: c.pk for c in categories}
        for n, item in enumerate(self.draft.get("demands") or []):
            text = item.get("text_contains") or ""
            owner = next((v for v, label in self.owner_choices if v and label == item.get("enterprise")), "")
            self._item(
                items,
                f"d{n}",
                text[:TITLE_MAX],
                {
                    "enterprise": forms.ChoiceField(
                        label=_("提出企业"), choices=self.owner_choices, required=False, initial=owner
                    ),
                    "title": _text(_("诉求事项"), text[:TITLE_MAX], max_length=200),
                    "description": _text(_("具体内容"), text, rows=2),
                    "category": _choice(_("诉求类别"), categories, by_name.get(item.get("category") or "")),
                    "department": _choice(
                        _("建议承办部门"), departments, (item.get("department_match") or {}).get("pk")
                    ),
                },
            )
        self.sections.append(Section("demands", _("企业诉求"), items))

    def _decisions(self) -> None:
        items: list[Item] = []
        departments = Department.objects.filter(is_active=True)
        held_on = held_on_of((self.draft.get("meeting") or {}).get("date"), clock.today())
        for n, item in enumerate(self.draft.get("decisions") or []):
            text = item.get("text_contains") or ""
            due = held_on_of(item.get("due"), dt.date(held_on.year, 12, 31)) if held_on else None
            self._item(
                items,
                f"c{n}",
                text[:TITLE_MAX],
                {
                    "content": _text(_("议定内容"), text, rows=2),
                    "department": _choice(_("责任部门"), departments, (item.get("department_match") or {}).get("pk")),
                    "due": _date(_("办结期限"), due),
                },
            )
        self.sections.append(Section("decisions", _("议定事项"), items))

    def _upward(self) -> None:
        items: list[Item] = []
        departments = Department.objects.filter(is_active=True)
        for n, item in enumerate(self.draft.get("upward_requests") or []):
            text, counterpart = item.get("text_contains") or "", item.get("counterpart") or ""
            level = UpwardLevel.STATE if any(w in counterpart for w in STATE_WORDS) else UpwardLevel.PROVINCE
            kind = next((k for word, k in UPWARD_KIND_WORDS if word in text), UpwardKind.POLICY)
            self._item(
                items,
                f"u{n}",
                text[:TITLE_MAX],
                {
                    "title": _text(_("事项名称"), text[:100], max_length=100),
                    "counterpart": _text(_("对接部门"), counterpart, max_length=100),
                    "level": forms.ChoiceField(label=_("争取层级"), choices=UpwardLevel.choices, initial=level),
                    "kind": forms.ChoiceField(label=_("类型"), choices=UpwardKind.choices, initial=kind),
                    "department": _choice(_("责任部门"), departments),
                },
            )
        self.sections.append(Section("upward", _("上争事项"), items))

    def _talents(self) -> None:
        items: list[Item] = []
        for n, item in enumerate(self.draft.get("talents") or []):
            self._item(
                items,
                f"t{n}",
                item.get("name") or "",
                {
                    "name": _text(_("姓名"), item.get("name") or "", max_length=50),
                    "organisation": _text(_("工作单位"), item.get("organisation") or "", max_length=100),
                    "city": _text(_("所在城市"), "", max_length=30),
                    "title": _text(_("职务"), "", max_length=100),
                },
            )
        self.sections.append(Section("talents", _("在外能人"), items))

    def _cooperations(self) -> None:
        items: list[Item] = []
        for n, item in enumerate(self.draft.get("rd_cooperations") or []):
            owner = next((v for v, label in self.owner_choices if v and label == item.get("enterprise")), "")
            self._item(
                items,
                f"r{n}",
                f"{item.get('enterprise') or ''} · {item.get('partner') or ''}",
                {
                    "enterprise": forms.ChoiceField(
                        label=_("合作企业"), choices=self.owner_choices, required=False, initial=owner
                    ),
                    "partner": _text(_("研发机构"), item.get("partner") or "", max_length=100),
                    "city": _text(_("机构所在城市"), "", max_length=30),
                    "subject": _text(_("合作内容"), _("产学研合作"), max_length=200),
                },
            )
        self.sections.append(Section("cooperations", _("研发合作"), items))

    # --- checking and the review ------------------------------------------------------------------------

    REQUIRED: dict[str, tuple[tuple[str, Any], ...]] = {
        "m": (("held_on", _lazy("请填写会议日期。")), ("leader", _lazy("请选择带队领导。"))),
        "e": (("name", _lazy("请填写企业名称。")),),
        "p": (("name", _lazy("请填写项目名称。")), ("owner", _lazy("请选择项目业主。"))),
        "d": (
            ("enterprise", _lazy("请选择提出诉求的企业。")),
            ("title", _lazy("请填写诉求事项。")),
            ("description", _lazy("请填写诉求的具体内容。")),
            ("category", _lazy("请选择诉求类别。")),
        ),
        "c": (("content", _lazy("请填写议定内容。")),),
        "u": (
            ("title", _lazy("请填写事项名称。")),
            ("counterpart", _lazy("请填写对接部门。")),
            ("department", _lazy("请选择责任部门。")),
        ),
        "t": (
            ("name", _lazy("请填写姓名。")),
            ("organisation", _lazy("请填写工作单位。")),
            ("city", _lazy("请填写所在城市。")),
        ),
        "r": (
            ("enterprise", _lazy("请选择合作企业。")),
            ("partner", _lazy("请填写研发机构。")),
            ("subject", _lazy("请填写合作内容。")),
        ),
    }
    NEW_ENTERPRISE = (
        ("uscc", _lazy("新登记的企业请填写统一社会信用代码；已登记的请在“关联已有企业”中选择。")),
        ("region", _lazy("请选择企业所在地区。")),
        ("node", _lazy("请选择企业所属环节。")),
    )

    def kept(self, letter: str) -> list[str]:
        """The references of the kept items of one list (`e` → e0, e2 …)."""
        return [
            name.removesuffix("_keep")
            for name in self.fields
            if name.startswith(letter) and name.endswith("_keep") and self.cleaned_data.get(name)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        checks = [("m", self.REQUIRED["m"])] + [
            (ref, self.REQUIRED[letter]) for letter in "epdcutr" for ref in self.kept(letter)
        ]
        for ref, required in checks:
            for suffix, message in required:
                if data.get(f"{ref}_{suffix}") in (None, "") and f"{ref}_{suffix}" not in self.errors:
                    self._refuse(ref, suffix, message)
        for ref in self.kept("e"):
            if data.get(f"{ref}_record") is None:
                for suffix, message in self.NEW_ENTERPRISE:
                    if data.get(f"{ref}_{suffix}") in (None, ""):
                        self._refuse(ref, suffix, message)
            if data.get(f"{ref}_founded") and _founded(data[f"{ref}_founded"]) is None:
                self._refuse(ref, "founded", _("成立时间请按 2019 或 2019-05 的格式填写。"))
        return data

    def _refuse(self, ref: str, suffix: str, message: Any) -> None:
        """A requirement of one item, on its field, the item named (the list above the form names many)."""
        heading = self.headings.get(ref)
        self.add_error(f"{ref}_{suffix}", f"“{heading}”：{message}" if heading else str(message))

    def _v(self, ref: str, suffix: str) -> Any:
        return self.cleaned_data.get(f"{ref}_{suffix}")

    def _quote(self, ref: str) -> str:
        return evidence.quote(self.report.text, self.sources.get(ref))

    def review(self) -> Review:
        """The confirmed draft for `report_confirm` (call after is_valid)."""
        v = self._v
        facts = MeetingFacts(
            chain=v("m", "chain"),
            held_on=v("m", "held_on"),
            leader=v("m", "leader"),
            kind=v("m", "kind") or MeetingKind.REGULAR,
            title=v("m", "title") or "",
            location=v("m", "location") or "",
            region=v("m", "region"),
            chair=v("m", "chair"),
            guests=v("m", "guests") or "",
        )
        return Review(
            meeting=facts,
            enterprises=tuple(self._enterprise(ref) for ref in self.kept("e")),
            projects=tuple(self._project(ref) for ref in self.kept("p")),
            demands=self._plans(DemandPlan, "d"),
            decisions=self._plans(DecisionPlan, "c"),
            upward=self._plans(UpwardPlan, "u"),
            talents=self._plans(TalentPlan, "t"),
            cooperations=self._plans(CooperationPlan, "r"),
        )

    def _plans(self, plan: type[P], letter: str) -> tuple[P, ...]:
        """The kept items of one list as `plan`s: each field from the form's `<ref>_<field>` (a blank text as
        the plan's default), `source` the item's source sentence."""
        found = []
        for ref in self.kept(letter):
            values: dict[str, Any] = {"ref": ref}
            for item in dataclasses.fields(plan):  # type: ignore[arg-type]  # every plan is a dataclass
                if item.name == "source":
                    values["source"] = self._quote(ref)
                elif item.name != "ref":
                    value = self._v(ref, item.name)
                    values[item.name] = item.default if value in (None, "") and isinstance(item.default, str) else value
            found.append(plan(**values))
        return tuple(found)

    def _enterprise(self, ref: str) -> EnterprisePlan:
        v = self._v
        quals = tuple(q.strip() for q in re.split(r"[、，,;；\s]+", v(ref, "quals") or "") if q.strip())
        return EnterprisePlan(
            ref=ref,
            name=v(ref, "name"),
            record=v(ref, "record"),
            uscc=v(ref, "uscc") or "",
            region=v(ref, "region"),
            node=v(ref, "node"),
            founded_on=_founded(v(ref, "founded")),
            qualifications=quals,
            visited=bool(v(ref, "visited")),
            source=self._quote(ref),
        )

    def _project(self, ref: str) -> ProjectPlan:
        v = self._v
        quantity = v(ref, "capacity")
        return ProjectPlan(
            ref=ref,
            name=v(ref, "name"),
            owner=v(ref, "owner"),
            record=v(ref, "record"),
            investment=v(ref, "investment"),
            capacity_quantity=quantity,
            capacity_unit=(v(ref, "unit") or "") if quantity is not None else "",
            capacity_period=v(ref, "period") or CapacityPeriod.YEAR,
            lines=parse_lines(v(ref, "lines") or ""),
            source=self._quote(ref),
        )
