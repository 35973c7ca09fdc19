"""Forms of the import pages: the upload (which kind, which file) and the column mapping (each column of the
ledger → one field of the kind, or 不导入). The choices offered are the kinds the user may import and the kind's
own fields (a value outside them is refused and audited: AuditedChoicesMixin)."""

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chaindesk.accounts.forms import StyledForm

from .kinds import ImportKind
from .mapping import Field, field_key, split_key

ACCEPTED_FILES = ".xlsx,.xls,.csv"
_YEAR_IN_HEADER = re.compile(r"((?:19|20)\d{2})\s*年")


class UploadForm(StyledForm):
    """A ledger to import: the kind and the file. The select offers the kinds the user may import; any known kind
    is accepted, so that the service (import_upload) decides who may import what (PermissionDenied: 403)."""

    kind = forms.CharField(label=gettext_lazy("导入类型"), widget=forms.Select)
    file = forms.FileField(
        label=gettext_lazy("台账文件"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_FILES}),
        help_text=gettext_lazy(
            "Excel（.xlsx、.xls）或 CSV 文件；表头可以不在第一行，合计、小计、备注行自动跳过。"
            "上传后先检查，确认后才导入。"
        ),
    )

    def __init__(self, *args: Any, offered: Sequence[ImportKind], known: Iterable[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.known = set(known)
        self.fields["kind"].widget.choices = [(kind.code, kind.label) for kind in offered]  # type: ignore[attr-defined]
        if len(offered) == 1:
            self.initial.setdefault("kind", offered[0].code)

    def clean_kind(self) -> str:
        kind = str(self.cleaned_data.get("kind") or "")
        if kind not in self.known:
            raise forms.ValidationError(_("未知的导入类型，请从列表中选择。"), code="kind")
        return kind


def field_title(field: Field, year: int | None = None) -> str:
    """A field as the mapping shows it: 「统一社会信用代码 *」 (required), 「2024年营业收入(万元)」 (a yearly key)."""
    label = str(field.label)
    if year is not None:
        return _("%(year)s年%(field)s") % {"year": year, "field": label}
    return f"{label} *" if field.required else label


def key_title(fields: Sequence[Field], key: str) -> str:
    """The title of a mapping key ("revenue@2024" → 「2024年营业收入(万元)」); the key itself when unknown."""
    name, year = split_key(key)
    field = next((f for f in fields if f.name == name), None)
    return key if field is None else field_title(field, year)


def mapping_years(columns: Iterable[Sequence[Any]], mapping: Mapping[str, str], this_year: int) -> list[int]:
    """The years a yearly field is offered for: those the headers and the current mapping name, and the last three."""
    years = {this_year - 2, this_year - 1, this_year}
    for column in columns:
        years.update(int(found) for found in _YEAR_IN_HEADER.findall(str(column[2])))
    years.update(year for _name, year in map(split_key, mapping.values()) if year is not None)
    return sorted(years, reverse=True)


def field_choices(fields: Sequence[Field], years: Sequence[int]) -> list[Any]:
    """The options of one column's select: 不导入, the fields, then the yearly fields grouped by year."""
    choices: list[Any] = [("", _("— 不导入 —")), (_("字段"), [(f.name, field_title(f)) for f in fields])]
    yearly = [f for f in fields if f.yearly]
    for year in years if yearly else ():
        group = _("%(year)s年指标") % {"year": year}
        choices.append((group, [(field_key(f.name, year), field_title(f, year)) for f in yearly]))
    return choices


class MappingForm(StyledForm):
    """The ledger's columns (from the dry run's report: [index, letter, header]) each with the field it feeds;
    a field may be fed by one column only."""

    def __init__(
        self,
        *args: Any,
        columns: Sequence[Sequence[Any]],
        mapping: Mapping[str, str],
        fields: Sequence[Field],
        years: Sequence[int],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind_fields = fields
        choices = field_choices(fields, years)
        self.columns: list[tuple[str, str, str]] = []
        for index, letter, header in columns:
            name = f"col_{index}"
            self.columns.append((name, str(letter), str(header)))
            self.fields[name] = forms.ChoiceField(
                label=_("%(letter)s列 %(header)s") % {"letter": letter, "header": header},
                choices=choices,
                required=False,
                initial=mapping.get(str(index), ""),
                widget=forms.Select(attrs={"class": "form-select"}),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        used: dict[str, list[str]] = {}
        for name, letter, _header in self.columns:
            key = data.get(name) or ""
            if key:
                used.setdefault(key, []).append(letter)
        for key, letters in used.items():
            if len(letters) > 1:
                message = _("“%(field)s”对应了多列（%(letters)s），每个字段只能对应一列。") % {
                    "field": key_title(self.kind_fields, key),
                    "letters": "、".join(f"{letter}列" for letter in letters),
                }
                self.add_error(None, message)
        return data

    def mapping(self) -> dict[str, str]:
        """The confirmed mapping as services.import_remap takes it: {column index: field key}."""
        return {
            name.removeprefix("col_"): self.cleaned_data[name]
            for name, _l, _h in self.columns
            if self.cleaned_data.get(name)
        }
