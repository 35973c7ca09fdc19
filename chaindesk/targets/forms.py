"""Forms of the annual targets: one owner's row of the ledger for a year (a figure and a note per metric), and the
thresholds of the lights. Figures are parsed the way offices type them; what makes sense of them (not negative, a
rate up to 100, at most two decimals) is the service's to refuse (chaindesk.targets.services.check_values)."""

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chaindesk.accounts.forms import StyledForm
from chaindesk.enterprises.amounts import parse_amount

from .choices import SPECS, Metric, MetricSpec, metrics_for
from .models import Target

NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
UNIT_SUFFIXES = ("个", "家", "%", "％")


def _plain(value: Decimal) -> str:
    """52000.00 → "52000", 12.50 → "12.5": a stored figure as the input shows it (no exponent)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def is_amount(spec: MetricSpec) -> bool:
    """Whether the metric is an amount in 万元 (its unit's source text, whatever the page's language)."""
    with translation.override(None):
        return str(spec.unit) == "万元"


def parse_figure(text: str, spec: MetricSpec) -> Decimal | None:
    """A target's figure in the metric's unit; None for an empty input. Amounts accept 5.2亿 / 52000 / 52,000
    (stored in 万元); counts a whole number, optionally followed by 个 or 家; rates a number, optionally with %.
    A leading minus is kept so the service can say why a negative figure makes no sense."""
    cleaned = re.sub(r"[\s,]", "", unicodedata.normalize("NFKC", text or ""))
    if not cleaned:
        return None
    negative = cleaned.startswith("-")
    cleaned = cleaned.lstrip("-")
    if is_amount(spec):
        amount = parse_amount(cleaned)
        if amount is None:
            raise ValidationError(_("请填写数字。"), code="figure")
        return -amount if negative else amount
    for suffix in UNIT_SUFFIXES:
        cleaned = cleaned.removesuffix(suffix)
    if not NUMBER.match(cleaned):
        example = "95" if spec.is_rate else "12"
        raise ValidationError(
            _("无法识别“%(value)s”：请填写数字，例如 %(example)s。"),
            code="figure",
            params={"value": text.strip(), "example": example},
        )
    value = Decimal(cleaned)
    if not spec.is_rate and value != value.to_integral_value():
        raise ValidationError(_("个数须为整数。"), code="figure")
    return -value if negative else value


class FigureField(forms.CharField):
    """One metric's target, typed as text and cleaned to a Decimal in the metric's unit (None when empty)."""

    def __init__(self, *, spec: MetricSpec, **kwargs: Any) -> None:
        self.spec = spec
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off", "class": "form-control text-end"})

    def clean(self, value: Any) -> Decimal | None:  # type: ignore[override]
        return parse_figure(super().clean(value), self.spec)


def value_name(metric: str) -> str:
    return f"value_{metric}"


def note_name(metric: str) -> str:
    return f"note_{metric}"


def _help(spec: MetricSpec) -> str:
    parts = [str(spec.definition)]
    if is_amount(spec):
        parts.append(_("单位：万元，可输入 5.2亿、52000 或 52,000。"))
    elif spec.is_rate:
        parts.append(_("单位：%，0 到 100。"))
    else:
        parts.append(_("单位：%(unit)s，填整数。") % {"unit": spec.unit})
    parts.append(_("清空即删除该项目标。"))
    return "".join(parts)


@dataclass(frozen=True)
class FormRow:
    """One metric's line of the form."""

    metric: str
    label: str
    spec: MetricSpec
    value: forms.BoundField
    note: forms.BoundField
    target: Target | None


class TargetsForm(StyledForm):
    """One owner's targets for a year: a figure and a note for every metric the owner can have."""

    def __init__(self, *args: Any, owner: str, existing: Mapping[str, Target], **kwargs: Any) -> None:
        self.owner, self.existing, self.metrics = owner, existing, metrics_for(owner)
        initial = {}
        for metric, target in existing.items():
            initial[value_name(metric)] = _plain(target.value)
            initial[note_name(metric)] = target.note
        super().__init__(*args, initial=initial, **kwargs)
        for metric in self.metrics:
            spec, label = SPECS[metric], str(Metric(metric).label)
            self.fields[value_name(metric)] = FigureField(spec=spec, label=label, help_text=_help(spec))
            note = forms.CharField(label=_("%(metric)s说明") % {"metric": label}, max_length=200, required=False)
            note.widget.attrs.update({"class": "form-control", "placeholder": _("选填，如目标来源、口径说明")})
            self.fields[note_name(metric)] = note

    def rows(self) -> Iterator[FormRow]:
        for metric in self.metrics:
            yield FormRow(
                metric,
                str(Metric(metric).label),
                SPECS[metric],
                self[value_name(metric)],
                self[note_name(metric)],
                self.existing.get(metric),
            )

    def values(self) -> dict[str, Decimal | None]:
        return {metric: self.cleaned_data.get(value_name(metric)) for metric in self.metrics}

    def notes(self) -> dict[str, str]:
        return {metric: self.cleaned_data.get(note_name(metric)) or "" for metric in self.metrics}

    def add_refusal(self, error: ValidationError) -> None:
        """A service's refusal keyed by metric lands on that metric's figure; anything else above the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, messages in error.message_dict.items():
            name = value_name(key)
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class LightRuleForm(StyledForm):
    """The thresholds of the lights, in percentage points."""

    yellow = forms.DecimalField(
        label=gettext_lazy("累计类·黄灯起点"),
        max_digits=5,
        decimal_places=1,
        help_text=gettext_lazy("落后序时进度达到该百分点数即亮黄灯。"),
    )
    red = forms.DecimalField(
        label=gettext_lazy("累计类·红灯起点"),
        max_digits=5,
        decimal_places=1,
        help_text=gettext_lazy("落后序时进度超过该百分点数即亮红灯；须大于黄灯起点。"),
    )
    rate_yellow = forms.DecimalField(
        label=gettext_lazy("比率类·黄灯起点"),
        max_digits=5,
        decimal_places=1,
        help_text=gettext_lazy("实际比率低于目标比率达到该百分点数即亮黄灯。"),
    )
    rate_red = forms.DecimalField(
        label=gettext_lazy("比率类·红灯起点"),
        max_digits=5,
        decimal_places=1,
        help_text=gettext_lazy("实际比率低于目标比率超过该百分点数即亮红灯；须大于黄灯起点。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.update({"class": "form-control text-end", "step": "0.1", "min": "0", "max": "100"})
            field.error_messages["required"] = _("请填写阈值。")
            field.error_messages["invalid"] = _("请填写数字。")
