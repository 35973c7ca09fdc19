"""Forms of one-to-one service. Labels and errors in Chinese; dates accept 2026-11-24 and 2026年11月24日."""

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chaindesk.accounts.choices import Role
from chaindesk.accounts.forms import StyledForm
from chaindesk.accounts.models import User
from chaindesk.core import clock

from .models import VisitKind

DATE_FORMATS = ["%Y-%m-%d", "%Y年%m月%d日", "%Y/%m/%d"]
ISSUE_ROWS = 3
STEP_ROWS = 3
OFFICIAL_ROLES = [Role.CITY_LEADER, Role.TEAM_MEMBER, Role.LIAISON, Role.DISTRICT_ADMIN]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _officials(enterprise: Any = None, user: Any = None) -> Any:
    """Active officials; for a given enterprise only those who serve it: the team of its chains, its
    liaison and linked leader, and the person filling in the form (a short list, even for a province)."""
    qs = User.objects.filter(is_active=True, role__in=OFFICIAL_ROLES)
    if enterprise is not None:
        mine = [pk for pk in (enterprise.liaison_id, enterprise.leader_id, getattr(user, "pk", None)) if pk]
        qs = qs.filter(Q(teams__chain__in=enterprise.chains.values("pk")) | Q(pk__in=mine)).distinct()
    return qs.order_by("role", "display_name")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name}（{obj.title or obj.get_role_display()}）"


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name}（{obj.title or obj.get_role_display()}）"


class VisitForm(StyledForm):
    """A visit with up to three issues raised and three next steps; blank rows are ignored."""

    visited_on = forms.DateField(label=_("走访日期"), input_formats=DATE_FORMATS, widget=DateInput())
    kind = forms.ChoiceField(label=_("方式"), choices=VisitKind.choices, initial=VisitKind.VISIT)
    participants = UserMultipleChoiceField(
        label=_("参加人员"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("按住 Ctrl（Mac 为 ⌘）可多选。"),
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    other_participants = forms.CharField(
        label=_("其他参加人员"), max_length=200, required=False, help_text=_("如企业负责人、部门同志，用顿号分隔。")
    )
    notes = forms.CharField(
        label=_("走访情况"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请填写走访情况。")},
    )

    def __init__(self, *args: Any, user: Any = None, enterprise: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = _officials(enterprise, user)
        self.fields["participants"].queryset = people  # type: ignore[attr-defined]
        self.fields["visited_on"].initial = clock.today()
        for i in range(1, ISSUE_ROWS + 1):
            self.fields[f"issue_{i}"] = forms.CharField(
                label=_("反映问题 %(n)s") % {"n": i}, required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
        for i in range(1, STEP_ROWS + 1):
            self.fields[f"step_text_{i}"] = forms.CharField(
                label=_("下一步工作 %(n)s") % {"n": i}, max_length=200, required=False
            )
            self.fields[f"step_owner_{i}"] = UserChoiceField(
                label=_("负责人"), queryset=people, required=False, initial=user.pk if user else None
            )
            self.fields[f"step_due_{i}"] = forms.DateField(
                label=_("完成时限"), input_formats=DATE_FORMATS, required=False, widget=DateInput()
            )
        # StyledForm styled the declared fields; style the rows added here the same way.
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def issue_fields(self) -> list[forms.BoundField]:
        return [self[f"issue_{i}"] for i in range(1, ISSUE_ROWS + 1)]

    def step_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"step_text_{i}"], self[f"step_owner_{i}"], self[f"step_due_{i}"]) for i in range(1, STEP_ROWS + 1)
        ]

    def clean_visited_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["visited_on"]
        if value > clock.today():
            raise forms.ValidationError(_("走访日期不能晚于今天。"))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(1, STEP_ROWS + 1):
            text = (data.get(f"step_text_{i}") or "").strip()
            if not text:
                continue
            if not data.get(f"step_owner_{i}"):
                self.add_error(f"step_owner_{i}", _("请为第 %(n)s 项下一步工作选择负责人。") % {"n": i})
            if not data.get(f"step_due_{i}"):
                self.add_error(f"step_due_{i}", _("请为第 %(n)s 项下一步工作填写完成时限。") % {"n": i})
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        issues = [data[f"issue_{i}"] for i in range(1, ISSUE_ROWS + 1) if (data.get(f"issue_{i}") or "").strip()]
        steps = [
            (data[f"step_text_{i}"], data[f"step_owner_{i}"], data[f"step_due_{i}"])
            for i in range(1, STEP_ROWS + 1)
            if (data.get(f"step_text_{i}") or "").strip()
        ]
        return {
            "visited_on": data["visited_on"],
            "kind": data["kind"],
            "notes": data["notes"],
            "participants": list(data["participants"]),
            "other_participants": data["other_participants"],
            "issues": issues,
            "next_steps": steps,
        }


class AssignForm(StyledForm):
    liaison = UserChoiceField(
        label=_("挂钩服务专员"),
        queryset=User.objects.filter(role=Role.LIAISON, is_active=True).order_by("display_name"),
        error_messages={"required": _("请选择挂钩服务专员。")},
    )
    leader = UserChoiceField(
        label=_("挂钩市领导"),
        queryset=User.objects.filter(role=Role.CITY_LEADER, is_active=True).order_by("display_name"),
        required=False,
        help_text=_("可不选。"),
    )
    started_on = forms.DateField(label=_("开始日期"), input_formats=DATE_FORMATS, widget=DateInput())
    note = forms.CharField(label=_("交接说明"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["started_on"].initial = clock.today()


class StepDoneForm(forms.Form):
    done_on = forms.DateField(input_formats=DATE_FORMATS, required=False)
