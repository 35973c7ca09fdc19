"""Forms of the briefing pages: a new briefing (for a meeting, or for a chain over a period), the sections the team
edits, the template a version is generated with, and an office's template upload. The choices offered are the
writer's own chains, meetings and templates (a value outside them is refused and audited: AuditedChoicesMixin)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.forms import StyledForm
from chaindesk.chains.models import Chain
from chaindesk.core.scope import scope_of
from chaindesk.enterprises.forms import ChineseDateField
from chaindesk.liaison.forms import DateInput
from chaindesk.meetings.models import Meeting

from .choices import SECTION_MAX, SECTIONS, BriefingKind
from .models import Briefing, BriefingTemplate


def team_chains(user: Any) -> Any:
    """The chains whose team the user is on (what they may write briefings and templates for)."""
    return Chain.objects.filter(pk__in=scope_of(user).chain_ids).order_by("sort_order", "code")


class MeetingChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Meeting) -> str:
        return f"{obj.held_on:%Y-%m-%d} {obj.title}"


class NewBriefingForm(StyledForm):
    """A briefing of a meeting (its chain is the meeting's) or of a chain over a period."""

    kind = forms.ChoiceField(
        label=_("简报类型"), choices=BriefingKind.choices, widget=forms.RadioSelect, initial=BriefingKind.MEETING
    )
    meeting = MeetingChoice(
        label=_("会议"),
        queryset=Meeting.objects.none(),
        required=False,
        empty_label="—",
        help_text=_("会议简报：开头概述、参加人员、现场观摩、交流发言和议定事项取自该会议的记录。"),
    )
    chain = forms.ModelChoiceField(label=_("产业链"), queryset=Chain.objects.none(), required=False, empty_label="—")
    period_start = ChineseDateField(label=_("统计期起"), required=False, widget=DateInput())
    period_end = ChineseDateField(label=_("统计期止"), required=False, widget=DateInput())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget.attrs["class"] = "form-check-input"
        chains = team_chains(user)
        self.fields["chain"].queryset = chains  # type: ignore[attr-defined]
        meetings = Meeting.objects.filter(chain__in=chains.values("pk")).order_by("-held_on", "-pk")
        self.fields["meeting"].queryset = meetings  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == BriefingKind.MEETING and not data.get("meeting"):
            self.add_error("meeting", _("请选择会议。"))
        if data.get("kind") == BriefingKind.PERIOD and not data.get("chain"):
            self.add_error("chain", _("请选择产业链。"))
        return data


class BriefingForm(StyledForm):
    """What the team edits before generating: the head (标题, 期号, 发文机关, 成文日期), the sections and 分送."""

    title = forms.CharField(label=_("标题"), max_length=200)
    number = forms.IntegerField(label=_("期号"), min_value=1, max_value=9999)
    issuer = forms.CharField(
        label=_("发文机关"), max_length=100, help_text=_("版头红字，如：泰州市生物医药产业链服务团队")
    )
    dated_on = ChineseDateField(label=_("成文日期"), widget=DateInput())
    distribution = forms.CharField(
        label=_("分送"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("印在文末版记，如：市委、市政府领导，产业链服务团队成员单位。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, (label, help_text) in SECTIONS.items():
            self.fields[key] = forms.CharField(
                label=label,
                required=False,
                max_length=SECTION_MAX,
                help_text=help_text,
                widget=forms.Textarea(attrs={"rows": 6, "class": "form-control"}),
            )

    @classmethod
    def for_briefing(cls, briefing: Briefing, data: Any = None) -> "BriefingForm":
        initial = {
            "title": briefing.title,
            "number": briefing.number,
            "issuer": briefing.issuer,
            "dated_on": briefing.dated_on,
            "distribution": briefing.distribution,
            **{key: (briefing.sections or {}).get(key, "") for key in SECTIONS},
        }
        return cls(data, initial=initial)

    @property
    def section_fields(self) -> list[forms.BoundField]:
        return [self[key] for key in SECTIONS]

    def sections(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(key, "") for key in SECTIONS}


class GenerateForm(StyledForm):
    """The layout of the next version: the built-in GB/T 9704 one, or one of the chain's active templates."""

    template = forms.ModelChoiceField(
        label=_("版式"),
        queryset=BriefingTemplate.objects.none(),
        required=False,
        empty_label=_("内置公文版式（GB/T 9704）"),
    )

    def __init__(self, *args: Any, briefing: Briefing, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        templates = BriefingTemplate.objects.filter(chain=briefing.chain_id, active=True).order_by("name", "pk")
        self.fields["template"].queryset = templates  # type: ignore[attr-defined]


class TemplateUploadForm(StyledForm):
    chain = forms.ModelChoiceField(label=_("产业链"), queryset=Chain.objects.none(), empty_label="—")
    name = forms.CharField(label=_("模板名称"), max_length=100, help_text=_("如：泰州市生物医药产业链简报红头"))
    file = forms.FileField(label=_("模板文件（.docx）"), widget=forms.ClearableFileInput(attrs={"accept": ".docx"}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chains = team_chains(user)
        self.fields["chain"].queryset = chains  # type: ignore[attr-defined]
        if not self.is_bound and len(own := list(chains[:2])) == 1:
            self.initial.setdefault("chain", own[0].pk)  # on one chain's team: that chain
