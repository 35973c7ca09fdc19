"""The meeting form: facts, people, the stops of the site visit and the speeches as ordered rows, the minutes and
the attachments, on one page (labels and errors in Chinese; dates accept 2026-11-24 and 2026年11月24日).

Rows are added one at a time (「添加一条」 copies the blank row of a <template> with
chaindesk/core/static/chaindesk/rows.js; without JavaScript the form posts back with one more row, nothing
saved). Blank new rows are ignored; an existing row is removed with its 删除 box; rows are saved in the order
of their 顺序 numbers. A row's choices (enterprises, projects, speakers) are read once for the whole form and
offered as plain choices, so ten rows cost no more queries than one; every long select becomes a searchable
picker (chaindesk/core/picker.py), the rows added on the page too. Past REMOTE_MIN_OPTIONS enterprises or
projects (a province's chain), a row offers only what the rows name and its picker searches the server."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.choices import OFFICIALS, RegionLevel, Role
from chaindesk.accounts.forms import StyledForm
from chaindesk.accounts.models import Department, Region, User
from chaindesk.chains.models import Chain
from chaindesk.core import clock
from chaindesk.core.picker import REMOTE_MIN_OPTIONS
from chaindesk.core.uploads import MultipleFileField, MultipleFileInput
from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison.forms import DATE_FORMATS, DateInput, UserChoiceField, UserMultipleChoiceField
from chaindesk.projects.models import Project

from .models import Meeting, MeetingKind, SiteVisit, Speech
from .services_meetings import (
    ATTENDEE_ROLES,
    ROWS_MAX,
    MeetingFacts,
    MeetingFiles,
    SiteVisitInput,
    SiteVisitRow,
    SpeechInput,
    SpeechRow,
)

ROW = "__n__"  # the row number in the blank row a page copies when 「添加一条」 is pressed
TIME_FORMATS = ["%H:%M", "%H:%M:%S", "%H点%M分", "%H时%M分"]
STOP_FIELDS = ("enterprise", "project", "place", "notes")
SPEECH_FIELDS = ("who", "speaker", "topic", "content")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


def team_chains(user: Any) -> Any:
    """The chains whose service team the user is on: where they may record a meeting."""
    if getattr(user, "role", None) not in (Role.CITY_LEADER, Role.TEAM_MEMBER):
        return Chain.objects.none()
    return Chain.objects.filter(team__user=user).select_related("chief").order_by("sort_order", "code")


def chain_enterprises(chain_ids: list[int]) -> Any:
    """The enterprises of the given chains: what a stop or a speech may name."""
    links = Enterprise.chains.through.objects.filter(chain_id__in=chain_ids, enterprise_id=OuterRef("pk"))
    return Enterprise.objects.filter(Exists(links)).order_by("name", "pk")


def chain_projects(chain_ids: list[int]) -> Any:
    """The projects of the given chains: what a stop may name."""
    return Project.objects.filter(chain_id__in=chain_ids).select_related("enterprise").order_by("name", "pk")


def _named(source: Any, prefix: str, kind: str = "") -> list[str]:
    """The record ids the form's rows name in fields starting with `prefix` ("sv_enterprise_"), as posted or as
    the initial values hold them; with `kind`, only the values of that kind (a speech's "e:12" gives "12" for
    prefix "sp_who_" and kind "e"; its departments and districts are not enterprises)."""
    values = [str(source.get(key) or "") for key in getattr(source, "keys", list)() if key.startswith(prefix)]
    if kind:
        values = [v.removeprefix(f"{kind}:") for v in values if v.startswith(f"{kind}:")]
    return [v for v in values if v.isdigit()]


def _first_or_named(queryset: Any, named: list[str]) -> tuple[list[Any], bool]:
    """A row choice's records: all of them when there are at most REMOTE_MIN_OPTIONS (one query), else only the
    records the rows name (one more query), the rest searched on the server as the user types."""
    first = list(queryset[: REMOTE_MIN_OPTIONS + 1])
    if len(first) <= REMOTE_MIN_OPTIONS:
        return first, False
    return (list(queryset.filter(pk__in=named)) if named else []), True


@dataclass(frozen=True)
class RowChoices:
    """A row's choices, read once for the whole form: the enterprises and projects of the user's chains, and the
    speakers (a department, a district or an enterprise: one select, grouped). A chain with more enterprises or
    projects than a page can list (a province's) offers only those the rows name: the picker searches the rest
    at `meetings:row_options`, and a posted id outside the chain is refused as before."""

    enterprises: dict[str, Enterprise]
    projects: dict[str, Project]
    departments: dict[str, Department]
    regions: dict[str, Region]
    searched: frozenset[str] = frozenset()  # of "enterprise", "project": too many to list, searched on the server

    @classmethod
    def of(cls, chain_ids: list[int], source: Any = None) -> "RowChoices":
        named = _named(source, "sv_enterprise_") + _named(source, "sp_who_", "e")
        enterprises, many_enterprises = _first_or_named(chain_enterprises(chain_ids), named)
        projects, many_projects = _first_or_named(chain_projects(chain_ids), _named(source, "sv_project_"))
        return cls(
            enterprises={str(e.pk): e for e in enterprises},
            projects={str(p.pk): p for p in projects},
            departments={str(d.pk): d for d in Department.objects.filter(is_active=True)},
            regions={str(r.pk): r for r in Region.objects.exclude(level=RegionLevel.PROVINCE)},
            searched=frozenset(k for k, many in (("enterprise", many_enterprises), ("project", many_projects)) if many),
        )

    def enterprise_choices(self) -> list[tuple[str, Any]]:
        return [("", _("（不选）")), *((pk, e.name) for pk, e in self.enterprises.items())]

    def project_choices(self) -> list[tuple[str, Any]]:
        return [("", _("（不选）")), *((pk, project_label(p)) for pk, p in self.projects.items())]

    def who_choices(self) -> list[Any]:
        return [
            ("", _("（不选）")),
            (_("部门"), [(f"d:{pk}", d.short_name) for pk, d in self.departments.items()]),
            (_("地区"), [(f"r:{pk}", r.name) for pk, r in self.regions.items()]),
            (_("企业"), [(f"e:{pk}", e.name) for pk, e in self.enterprises.items()]),
        ]

    def search_url(self, kind: str) -> str | None:
        """Where the picker of a row's `kind` select ("enterprise", "project", "who") searches, when the chain has
        too many records to list; None when every choice is on the page."""
        wanted = "enterprise" if kind == "who" else kind
        return reverse("meetings:row_options", args=[kind]) if wanted in self.searched else None

    def who(self, value: str) -> dict[str, Any]:
        """The speech's department, region or enterprise from a `who` value ("d:12")."""
        kind, _sep, pk = (value or "").partition(":")
        return {
            "department": self.departments.get(pk) if kind == "d" else None,
            "region": self.regions.get(pk) if kind == "r" else None,
            "enterprise": self.enterprises.get(pk) if kind == "e" else None,
        }


def project_label(project: Project) -> str:
    """A project as a stop offers it: its name and, when it has one, its owner's."""
    owner = project.enterprise if project.enterprise_id else None
    return f"{project.name}（{owner.name}）" if owner else project.name


def _select(choices: list[Any], label: Any, url: str | None = None) -> forms.ChoiceField:
    attrs = {"data-picker": True, "data-picker-url": url} if url else {}
    return forms.ChoiceField(label=label, choices=choices, required=False, widget=forms.Select(attrs=attrs))


def _stop_fields(n: int | str, options: RowChoices) -> dict[str, forms.Field]:
    return {
        f"sv_enterprise_{n}": _select(options.enterprise_choices(), _("观摩企业"), options.search_url("enterprise")),
        f"sv_project_{n}": _select(options.project_choices(), _("观摩项目"), options.search_url("project")),
        f"sv_place_{n}": forms.CharField(
            label=_("其他观摩点"), max_length=200, required=False, help_text=_("不在系统中的观摩点，如：某产业园")
        ),
        f"sv_notes_{n}": forms.CharField(label=_("观摩情况"), required=False, widget=forms.Textarea(attrs={"rows": 3})),
        f"sv_photos_{n}": MultipleFileField(
            label=_("现场照片"),
            help_text=_("JPEG、PNG，可选多张"),
            widget=MultipleFileInput(attrs={"class": "form-control", "multiple": True, "accept": "image/*"}),
        ),
        f"sv_order_{n}": forms.IntegerField(
            label=_("顺序"), required=False, min_value=1, max_value=999, widget=forms.NumberInput(attrs={"min": 1})
        ),
        f"sv_id_{n}": forms.IntegerField(required=False, widget=forms.HiddenInput()),
        f"sv_delete_{n}": forms.BooleanField(label=_("删除此观摩点"), required=False),
    }


def _speech_fields(n: int | str, options: RowChoices) -> dict[str, forms.Field]:
    return {
        f"sp_who_{n}": _select(options.who_choices(), _("发言单位"), options.search_url("who")),
        f"sp_speaker_{n}": forms.CharField(
            label=_("发言人"), max_length=100, required=False, help_text=_("姓名和职务，如：张三 副局长")
        ),
        f"sp_topic_{n}": forms.CharField(label=_("发言主题"), max_length=200, required=False),
        f"sp_content_{n}": forms.CharField(
            label=_("发言要点"), required=False, widget=forms.Textarea(attrs={"rows": 3})
        ),
        f"sp_order_{n}": forms.IntegerField(
            label=_("顺序"), required=False, min_value=1, max_value=999, widget=forms.NumberInput(attrs={"min": 1})
        ),
        f"sp_id_{n}": forms.IntegerField(required=False, widget=forms.HiddenInput()),
        f"sp_delete_{n}": forms.BooleanField(label=_("删除此发言"), required=False),
    }


def row_count(data: Any, prefix: str) -> int:
    """How many rows of `prefix` ("sv", "sp") the posted form holds: its highest row number, at most ROWS_MAX."""
    numbers = [0]
    for key in getattr(data, "keys", list)():
        head, _sep, tail = key.rpartition("_")
        if head.startswith(f"{prefix}_") and tail.isdigit():
            numbers.append(int(tail))
    return min(max(numbers), ROWS_MAX)


class RowTemplate(StyledForm):
    """The blank stop and speech rows a page copies, numbered ROW, when 「添加一条」 is pressed."""

    def __init__(self, *, options: RowChoices) -> None:
        super().__init__()
        self.fields.update(_stop_fields(ROW, options))
        self.fields.update(_speech_fields(ROW, options))
        _style(self)

    def stop(self) -> "Row":
        return Row(ROW, {name: self[f"sv_{name}_{ROW}"] for name in (*STOP_FIELDS, "photos", "order", "id")})

    def speech(self) -> "Row":
        return Row(ROW, {name: self[f"sp_{name}_{ROW}"] for name in (*SPEECH_FIELDS, "order", "id")})


def _style(form: forms.BaseForm) -> None:
    """Tabler classes on the fields added after StyledForm styled its own (the rows)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select"
        elif isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif not isinstance(widget, forms.HiddenInput | forms.CheckboxSelectMultiple):
            widget.attrs.setdefault("class", "form-control")


@dataclass
class Row:
    """One row as the template draws it: its number, its bound fields and the record it edits (if any)."""

    number: int | str
    fields: dict[str, forms.BoundField]
    existing: SiteVisit | Speech | None = None


def _people() -> Any:
    return User.objects.filter(is_active=True, role__in=ATTENDEE_ROLES).order_by("role", "display_name")


def _officials() -> Any:
    return User.objects.filter(is_active=True, role__in=OFFICIALS).order_by("role", "display_name")


def _multi(label: Any, queryset: Any, help_text: Any = "") -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=label,
        queryset=queryset,
        required=False,
        help_text=help_text,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )


def _who_value(speech: Speech) -> str:
    """The `who` choice of a speech's department, region or enterprise ("" for a person only)."""
    for kind, pk in (("d", speech.department_id), ("r", speech.region_id), ("e", speech.enterprise_id)):
        if pk:
            return f"{kind}:{pk}"
    return ""


def initial_from(meeting: Meeting) -> dict[str, Any]:
    """A meeting as the form's initial values: its facts, then its stops and speeches numbered in order."""
    initial: dict[str, Any] = {
        name: getattr(meeting, name)
        for name in ("kind", "title", "held_on", "starts_at", "ends_at", "location", "guests", "summary")
    }
    initial.update(chain=meeting.chain_id, region=meeting.region_id, leader=meeting.leader_id, chair=meeting.chair_id)
    for name in ("attendees", "attendee_departments", "attendee_regions", "attendee_enterprises"):
        initial[name] = [obj.pk for obj in getattr(meeting, name).all()]
    for n, stop in enumerate(meeting.site_visits.all(), start=1):
        values = {"enterprise": stop.enterprise_id, "project": stop.project_id, "place": stop.place}
        values.update(notes=stop.notes, order=n, id=stop.pk)
        initial.update({f"sv_{key}_{n}": "" if value is None else value for key, value in values.items()})
    for n, speech in enumerate(meeting.speeches.all(), start=1):
        values = {"who": _who_value(speech), "speaker": speech.speaker, "topic": speech.topic}
        values.update(content=speech.content, order=n, id=speech.pk)
        initial.update({f"sp_{key}_{n}": value for key, value in values.items()})
    return initial


class MeetingForm(StyledForm):
    """A meeting with its people, stops, speeches, minutes and attachments (see the module docstring)."""

    chain = forms.ModelChoiceField(
        label=_("产业链"),
        queryset=Chain.objects.none(),
        error_messages={"required": _("请选择产业链。"), "invalid_choice": _("请选择您所在服务团队的产业链。")},
    )
    kind = forms.ChoiceField(label=_("会议类型"), choices=MeetingKind.choices, initial=MeetingKind.REGULAR)
    title = forms.CharField(
        label=_("会议名称"),
        max_length=200,
        required=False,
        help_text=_("可不填：按产业链和类型命名，如“生物医药产业链服务团队工作例会”。"),
    )
    held_on = forms.DateField(
        label=_("日期"),
        input_formats=DATE_FORMATS,
        widget=DateInput(),
        error_messages={"required": _("请填写会议日期。"), "invalid": _("请按 2026-11-24 的格式填写日期。")},
    )
    starts_at = forms.TimeField(
        label=_("开始时间"),
        input_formats=TIME_FORMATS,
        required=False,
        widget=TimeInput(),
        error_messages={"invalid": _("请按 09:30 的格式填写时间。")},
    )
    ends_at = forms.TimeField(
        label=_("结束时间"),
        input_formats=TIME_FORMATS,
        required=False,
        widget=TimeInput(),
        error_messages={"invalid": _("请按 11:30 的格式填写时间。")},
    )
    region = forms.ModelChoiceField(
        label=_("所在地区"),
        queryset=Region.objects.exclude(level=RegionLevel.PROVINCE),
        required=False,
        empty_label=_("（不选）"),
    )
    location = forms.CharField(
        label=_("地点"), max_length=200, required=False, help_text=_("如：兴化市人民政府三楼会议室")
    )
    leader = UserChoiceField(
        label=_("带队领导"), queryset=_officials(), error_messages={"required": _("请选择带队领导。")}
    )
    chair = UserChoiceField(label=_("主持人"), queryset=_officials(), required=False, empty_label=_("（不选）"))
    attendees = UserMultipleChoiceField(
        label=_("参会领导和人员"),
        queryset=_people(),
        required=False,
        help_text=_("可输入姓名或拼音首字母筛选，可多选。"),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    attendee_departments = _multi(_("参会部门"), Department.objects.filter(is_active=True))
    attendee_regions = _multi(_("参会地区"), Region.objects.exclude(level=RegionLevel.PROVINCE))
    attendee_enterprises = _multi(_("参会企业"), Enterprise.objects.none())
    guests = forms.CharField(
        label=_("其他参会人员"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("不在系统中的参会人员，每行一位，如：省工信厅 张三"),
    )
    summary = forms.CharField(label=_("会议纪要"), required=False, widget=forms.Textarea(attrs={"rows": 8}))
    attachments = MultipleFileField(
        label=_("上传附件"), help_text=_("PDF、JPEG/PNG 图片、Word/Excel/PowerPoint 文档，可选多个。")
    )
    remove_attachments = forms.TypedMultipleChoiceField(
        label=_("删除附件"), coerce=int, required=False, choices=[], widget=forms.CheckboxSelectMultiple()
    )

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        user: Any,
        meeting: Meeting | None = None,
        add_row: str = "",
        draft: dict[str, Any] | None = None,
    ) -> None:
        if draft is not None:
            initial = draft
        elif meeting is not None:
            initial = initial_from(meeting)
        else:
            initial = self._defaults(user)
        super().__init__(data, files, initial=initial)
        self.meeting = meeting
        chains = list(team_chains(user))
        self.fields["chain"].queryset = team_chains(user)  # type: ignore[attr-defined]
        if len(chains) > 1:
            self.fields["chain"].empty_label = _("请选择产业链")  # type: ignore[attr-defined]
        # the enterprises the user sees, and those already attending (kept when the user no longer sees them), each
        # probed per row (EXISTS): an IN over a province's 590k visible enterprises OR'd with the attendances was
        # scanned linearly for every enterprise (a minute a page)
        offered = Q(Exists(Enterprise.objects.visible_to(user).filter(pk=OuterRef("pk"))))
        if meeting is not None:
            attending = Meeting.attendee_enterprises.through.objects.filter(meeting=meeting, enterprise=OuterRef("pk"))
            offered |= Q(Exists(attending))
        self.fields["attendee_enterprises"].queryset = (  # type: ignore[attr-defined]
            Enterprise.objects.filter(offered).order_by("name")
        )
        self.options = RowChoices.of([c.pk for c in chains], self.data if self.is_bound else self.initial)
        self._add_rows(add_row)
        self.row_template = RowTemplate(options=self.options)
        self.max_rows = ROWS_MAX
        if meeting is not None:
            self.existing_attachments = list(meeting.attachments.all())
            self.fields["remove_attachments"].choices = [  # type: ignore[attr-defined]
                (a.pk, a.original_name) for a in self.existing_attachments
            ]
        _style(self)

    @staticmethod
    def _defaults(user: Any) -> dict[str, Any]:
        """Today; the user's chain when they are on one team, with its chief leading."""
        initial: dict[str, Any] = {"held_on": clock.today(), "kind": MeetingKind.REGULAR}
        chains = list(team_chains(user)[:2])
        if len(chains) == 1:
            initial.update(chain=chains[0].pk, leader=chains[0].chief_id)
        return initial

    def _add_rows(self, add_row: str) -> None:
        source = self.data if self.is_bound else self.initial
        stops = max(row_count(source, "sv"), 0 if self.meeting else 1) + (add_row == "sv")
        speeches = max(row_count(source, "sp"), 0 if self.meeting else 1) + (add_row == "sp")
        self.stop_count, self.speech_count = min(stops, ROWS_MAX), min(speeches, ROWS_MAX)
        for n in range(1, self.stop_count + 1):
            self.fields.update(_stop_fields(n, self.options))
        for n in range(1, self.speech_count + 1):
            self.fields.update(_speech_fields(n, self.options))
        self.existing_stops: dict[int, SiteVisit] = {}
        self.existing_speeches: dict[int, Speech] = {}
        if self.meeting is not None:
            self.existing_stops = {s.pk: s for s in self.meeting.site_visits.prefetch_related("photos")}
            self.existing_speeches = {s.pk: s for s in self.meeting.speeches.all()}

    def _row_id(self, prefix: str, n: int) -> int | None:
        raw = self[f"{prefix}_id_{n}"].value()
        try:
            return int(raw) if raw not in (None, "") else None
        except (TypeError, ValueError):
            return None

    def stop_rows(self) -> list[Row]:
        names = (*STOP_FIELDS, "photos", "order", "id", "delete")
        return [
            Row(n, {k: self[f"sv_{k}_{n}"] for k in names}, self.existing_stops.get(self._row_id("sv", n) or 0))
            for n in range(1, self.stop_count + 1)
        ]

    def speech_rows(self) -> list[Row]:
        names = (*SPEECH_FIELDS, "order", "id", "delete")
        return [
            Row(n, {k: self[f"sp_{k}_{n}"] for k in names}, self.existing_speeches.get(self._row_id("sp", n) or 0))
            for n in range(1, self.speech_count + 1)
        ]

    # --- what the services get ------------------------------------------------------------------------

    def facts(self) -> MeetingFacts:
        data = self.cleaned_data
        return MeetingFacts(
            chain=data["chain"],
            held_on=data["held_on"],
            leader=data["leader"],
            kind=data["kind"],
            title=data["title"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            region=data["region"],
            location=data["location"],
            chair=data["chair"],
            guests=data["guests"],
            summary=data["summary"],
            attendees=list(data["attendees"]),
            attendee_departments=list(data["attendee_departments"]),
            attendee_regions=list(data["attendee_regions"]),
            attendee_enterprises=list(data["attendee_enterprises"]),
        )

    def _ordered(self, prefix: str, count: int) -> list[int]:
        data = self.cleaned_data
        return sorted(range(1, count + 1), key=lambda n: (data.get(f"{prefix}_order_{n}") or n, n))

    def _removed_photos(self, n: int) -> list[int]:
        raw = self.data.getlist(f"sv_remove_photos_{n}") if hasattr(self.data, "getlist") else []
        return [int(v) for v in raw if str(v).isdigit()]

    def site_visit_rows(self) -> list[SiteVisitRow]:
        data, rows = self.cleaned_data, []
        for n in self._ordered("sv", self.stop_count):
            pk, photos = data.get(f"sv_id_{n}"), data.get(f"sv_photos_{n}") or []
            values = {k: data.get(f"sv_{k}_{n}") or "" for k in STOP_FIELDS}
            if pk is None and not photos and not any(values.values()):
                continue  # a blank row
            if pk is not None and data.get(f"sv_delete_{n}"):
                rows.append(SiteVisitRow(pk=pk, data=None, ref=n))
                continue
            stop = SiteVisitInput(
                enterprise=self.options.enterprises.get(values["enterprise"]),
                project=self.options.projects.get(values["project"]),
                place=values["place"],
                notes=values["notes"],
            )
            rows.append(SiteVisitRow(pk, stop, photos, self._removed_photos(n), ref=n))
        return rows

    def speech_rows_input(self) -> list[SpeechRow]:
        data, rows = self.cleaned_data, []
        for n in self._ordered("sp", self.speech_count):
            pk = data.get(f"sp_id_{n}")
            values = {k: data.get(f"sp_{k}_{n}") or "" for k in SPEECH_FIELDS}
            if pk is None and not any(values.values()):
                continue
            if pk is not None and data.get(f"sp_delete_{n}"):
                rows.append(SpeechRow(pk=pk, data=None, ref=n))
                continue
            speech = SpeechInput(
                **self.options.who(values["who"]),
                speaker=values["speaker"],
                topic=values["topic"],
                content=values["content"],
            )
            rows.append(SpeechRow(pk=pk, data=speech, ref=n))
        return rows

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "facts": self.facts(),
            "site_visits": self.site_visit_rows(),
            "speeches": self.speech_rows_input(),
            "files": MeetingFiles(
                attachments=self.cleaned_data["attachments"],
                remove_attachments=self.cleaned_data.get("remove_attachments") or [],
            ),
        }


def draft_initial(post: Any) -> dict[str, Any]:
    """A posted meeting form as the initial values of the same form, when a row was added without JavaScript
    (the page comes back with one more row and no error: nothing was saved yet). Files are not kept."""
    multi = {"attendees", "attendee_departments", "attendee_regions", "attendee_enterprises", "remove_attachments"}
    return {key: post.getlist(key) if key in multi else post.get(key) for key in post if key != "csrfmiddlewaretoken"}
