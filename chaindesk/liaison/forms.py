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
from chaindesk.core.uploads import MultipleFileField, MultipleFileInput

from .models import VisitKind

DATE_FORMATS = ["%Y-%m-%d", "%Y年%m月%d日", "%Y/%m/%d"]
MAX_ROWS = 20  # issues or next steps on one visit: more is a meeting, not a visit
ROW = "__n__"  # the row number in the blank row a page copies when 「添加一条」 is pressed
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


def _row_count(data: Any, prefix: str) -> int:
    """How many rows of `prefix` (issue_, step_text_ …) the posted form holds: its highest row number, at
    least one, at most MAX_ROWS (rows are added one at a time on the page, so the count comes from the POST)."""
    numbers = [0]
    for key in getattr(data, "keys", list)():
        tail = key.removeprefix(prefix)
        if key.startswith(prefix) and tail.isdigit():
            numbers.append(int(tail))
    return min(max(1, *numbers), MAX_ROWS)


def _issue_field(n: int | str) -> forms.CharField:
    return forms.CharField(
        label=_("反映问题 %(n)s") % {"n": n},
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


def _step_fields(n: int | str, people: Any, user: Any) -> dict[str, forms.Field]:
    return {
        f"step_text_{n}": forms.CharField(
            label=_("下一步工作 %(n)s") % {"n": n},
            max_length=200,
            required=False,
            widget=forms.TextInput(attrs={"class": "form-control"}),
        ),
        f"step_owner_{n}": UserChoiceField(
            label=_("负责人"),
            queryset=people,
            required=False,
            initial=user.pk if user else None,
            widget=forms.Select(attrs={"class": "form-select"}),
        ),
        f"step_due_{n}": forms.DateField(
            label=_("完成时限"),
            input_formats=DATE_FORMATS,
            required=False,
            widget=DateInput(attrs={"class": "form-control"}),
        ),
    }


def _photos_field() -> MultipleFileField:
    """Photos from the phone's camera (capture) or its album, several at once; the service checks each one by
    its content (JPEG or PNG, size-limited), like a demand attachment."""
    return MultipleFileField(
        label=_("现场照片"),
        help_text=_("可用手机直接拍照，可选多张（JPEG、PNG），系统按文件内容检查类型和大小。"),
        widget=MultipleFileInput(
            attrs={"class": "form-control", "multiple": True, "accept": "image/*", "capture": "environment"}
        ),
    )


class VisitPhotosForm(StyledForm):
    """Photos added to a visit after it was saved (the same field, and the same checks, as on the visit form)."""

    photos = _photos_field()


class VisitRowTemplate(forms.Form):
    """The blank issue row and next-step row a page copies, numbered ROW, when 「添加一条」 is pressed."""

    def __init__(self, *, people: Any, user: Any) -> None:
        super().__init__()
        self.fields[f"issue_{ROW}"] = _issue_field(ROW)
        self.fields.update(_step_fields(ROW, people, user))

    def issue(self) -> forms.BoundField:
        return self[f"issue_{ROW}"]

    def step(self) -> tuple[forms.BoundField, forms.BoundField, forms.BoundField]:
        return (self[f"step_text_{ROW}"], self[f"step_owner_{ROW}"], self[f"step_due_{ROW}"])


class VisitForm(StyledForm):
    """A visit with the issues raised and the next steps agreed, added one row at a time (blank rows are
    ignored), and the photos taken on site (checked by the service, like demand attachments)."""

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
    photos = _photos_field()

    def __init__(self, *args: Any, user: Any = None, enterprise: Any = None, add_row: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = _officials(enterprise, user)
        self.fields["participants"].queryset = people  # type: ignore[attr-defined]
        self.fields["participants"].desktop_hint = True  # type: ignore[attr-defined]  # no Ctrl key on a phone
        self.fields["visited_on"].initial = clock.today()
        source = self.data if self.is_bound else self.initial
        issues = _row_count(source, "issue_") + (add_row == "issue")
        steps = max(_row_count(source, f"step_{part}_") for part in ("text", "owner", "due")) + (add_row == "step")
        self.issue_count, self.step_count = min(issues, MAX_ROWS), min(steps, MAX_ROWS)
        for i in range(1, self.issue_count + 1):
            self.fields[f"issue_{i}"] = _issue_field(i)
        for i in range(1, self.step_count + 1):
            self.fields.update(_step_fields(i, people, user))
        self.row_template = VisitRowTemplate(people=people, user=user)
        self.max_rows = MAX_ROWS

    def issue_fields(self) -> list[forms.BoundField]:
        return [self[f"issue_{i}"] for i in range(1, self.issue_count + 1)]

    def step_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"step_text_{i}"], self[f"step_owner_{i}"], self[f"step_due_{i}"])
            for i in range(1, self.step_count + 1)
        ]

    def clean_visited_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["visited_on"]
        if value > clock.today():
            raise forms.ValidationError(_("走访日期不能晚于今天。"))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(1, self.step_count + 1):
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
        issues = [data[f"issue_{i}"] for i in range(1, self.issue_count + 1) if (data.get(f"issue_{i}") or "").strip()]
        steps = [
            (data[f"step_text_{i}"], data[f"step_owner_{i}"], data[f"step_due_{i}"])
            for i in range(1, self.step_count + 1)
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
            "photos": data["photos"],
        }


def draft_initial(post: Any) -> dict[str, Any]:
    """A posted visit form as the initial values of a new one, when a row was added without JavaScript (the
    page comes back with one more row and no error: nothing was submitted yet). Files are not kept."""
    return {
        key: post.getlist(key) if key == "participants" else post.get(key)
        for key in post
        if key != "csrfmiddlewaretoken"
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
