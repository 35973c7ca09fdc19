"""Searchable pickers (chaindesk/core/picker.py): a select over more than 20 records is marked `data-picker` and
its options carry their pinyin keys (`data-py`), with no extra query; the select itself is unchanged, so a
form posts as it always did (picker.js only writes into it).

On the fixed personas (chaindesk/testkit/personas.py) plus enough enterprises to pass the threshold."""

import re

import pytest
from django import forms
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chaindesk.accounts.models import Region
from chaindesk.core import picker
from chaindesk.core.form_audit import AuditedChoicesMixin
from chaindesk.core.picker import PICKER_MIN_OPTIONS, pinyin_keys
from chaindesk.demands.forms import DemandForm
from chaindesk.demands.models import Demand
from chaindesk.enterprises.models import Enterprise
from chaindesk.testkit.html import login
from chaindesk.testkit.personas import Personas, add_enterprise

OPTION = re.compile(r"<option ([^>]*)>")


def _select(html: str, name: str) -> str:
    start = html.index(f'name="{name}"')
    return html[html.rindex("<select", 0, start) : html.index("</select>", start)]


@pytest.fixture
def many(personas: Personas) -> list[Enterprise]:
    """Enough enterprises in our chief's view for the enterprise select to become a picker."""
    return [add_enterprise(personas, f"兴化测试{i:02d}号企业有限公司") for i in range(PICKER_MIN_OPTIONS)]


def test_pinyin_keys_are_initials_then_full_pinyin() -> None:
    assert pinyin_keys("兴化市") == "xhs xinghuashi"
    assert pinyin_keys("ABC（泰州）公司") == "abctzgs abctaizhougongsi"
    assert pinyin_keys("") == " "


def test_a_long_model_select_becomes_a_picker(personas: Personas, many: list[Enterprise]) -> None:
    form = DemandForm(user=personas.chief)  # the queryset is set in __init__, after the form was built
    with CaptureQueriesContext(connection) as queries:
        html = str(form["enterprise"])
    assert len(queries) == 1  # the options' own query: the picker adds none
    assert "data-picker" in html
    options = OPTION.findall(html)
    assert len(options) > PICKER_MIN_OPTIONS + 1
    assert "data-py" not in options[0]  # 请选择企业
    assert all(re.search(r'data-py="[a-z0-9]+ [a-z0-9]+"', o) for o in options[1:])
    first = next(o for o in options if f'value="{many[0].pk}"' in o)
    assert 'data-py="xhcs00hqyyxgs xinghuaceshi00haoqiyeyouxiangongsi"' in first


def test_a_short_select_stays_plain(personas: Personas) -> None:
    form = DemandForm(user=personas.chief)
    for name in ("urgency", "category", "enterprise"):  # the world has three enterprises
        html = str(form[name])
        assert "data-picker" not in html and "data-py" not in html


class _Probe(AuditedChoicesMixin, forms.Form):
    region = forms.ModelChoiceField(queryset=Region.objects.order_by("code"), required=False)
    chosen = forms.ChoiceField(choices=[("a", "甲"), ("b", "乙")], widget=forms.Select(attrs={"data-picker": ""}))
    off = forms.ModelChoiceField(
        queryset=Region.objects.order_by("code"), widget=forms.Select(attrs={"data-picker": "off"})
    )
    several = forms.MultipleChoiceField(choices=[(str(i), f"部门{i}") for i in range(30)], required=False)
    hidden = forms.ChoiceField(choices=[(str(i), str(i)) for i in range(30)], widget=forms.HiddenInput, required=False)


def test_opt_in_opt_out_multiple_and_hidden(personas: Personas) -> None:
    form = _Probe()
    assert 'data-py="j jia"' in str(form["chosen"])  # opted in with two options
    off = str(form["off"])
    assert 'data-picker="off"' in off and "data-py" not in off  # opted out whatever the count (picker.js skips it)
    several = str(form["several"])
    assert "data-picker" in several and "multiple" in several and 'data-py="bm29 bumen29"' in several
    assert "data-picker" not in str(form["hidden"])


def test_the_base_fields_are_not_touched(personas: Personas) -> None:
    str(_Probe()["several"])
    assert type(_Probe.base_fields["several"].widget) is forms.SelectMultiple


def test_the_form_still_posts_plainly(personas: Personas, many: list[Enterprise]) -> None:
    client = login(personas.chief)
    url = reverse("demands:create")
    page = client.get(url).content.decode()
    assert "data-picker" in _select(page, "enterprise")
    response = client.post(
        url,
        {
            "enterprise": many[3].pk,
            "title": "拼音选择器提交的诉求",
            "description": "选择器只写回原来的下拉框，提交内容不变。",
            "category": personas.category.pk,
            "urgency": "normal",
        },
    )
    assert response.status_code == 302
    assert Demand.objects.get(title="拼音选择器提交的诉求").enterprise == many[3]


def test_a_value_outside_the_choices_is_still_refused(personas: Personas, many: list[Enterprise]) -> None:
    form = DemandForm(data={"enterprise": personas.theirs.enterprise.pk}, user=personas.chief)
    assert not form.is_valid() and "enterprise" in form.errors


def test_hand_written_selects_use_the_template_filters() -> None:
    template = Template(
        "{% load cd_picker %}<select{% if options|many_options %} data-picker{% endif %}>"
        '{% for v, label in options %}<option value="{{ v }}" data-py="{{ label|py }}">{{ label }}</option>{% endfor %}'
        "</select>"
    )
    many = [(str(i), f"泰州{i}") for i in range(PICKER_MIN_OPTIONS + 1)]
    html = template.render(Context({"options": many}))
    assert "<select data-picker>" in html and 'data-py="tz0 taizhou0"' in html
    assert "data-picker" not in template.render(Context({"options": many[:PICKER_MIN_OPTIONS]}))


def test_the_picker_script_is_on_every_page(personas: Personas) -> None:
    page = login(personas.member).get(reverse("dashboards:home")).content.decode()
    assert "chaindesk/picker.js" in page and 'data-placeholder="输入文字或拼音首字母筛选"' in page


# --- past REMOTE_MIN_OPTIONS: searched on the server -----------------------------------------------------------


@pytest.fixture
def few_remote(monkeypatch: pytest.MonkeyPatch) -> int:
    """A remote threshold below our chief's enterprises (a province's are a million)."""
    monkeypatch.setattr(picker, "REMOTE_MIN_OPTIONS", 3)
    return 3


def test_a_choice_of_too_many_enterprises_renders_only_the_chosen(
    personas: Personas, many: list[Enterprise], few_remote: int
) -> None:
    form = DemandForm(user=personas.chief, initial={"enterprise": many[5].pk})
    with CaptureQueriesContext(connection) as queries:
        html = str(form["enterprise"])
    assert len(queries) == 2  # the first rows (more than the threshold), then the chosen one
    assert f'data-picker-url="{reverse("enterprises:options")}"' in html
    options = OPTION.findall(html)
    assert len(options) == 2 and f'value="{many[5].pk}" selected' in options[1]  # 请选择企业, the chosen
    assert "data-py" not in html
    # the form validates a posted id against its whole queryset, as before
    assert DemandForm(data={"enterprise": many[7].pk}, user=personas.chief).errors.get("enterprise") is None
    assert "enterprise" in DemandForm(data={"enterprise": personas.theirs.enterprise.pk}, user=personas.chief).errors


def test_a_choice_under_the_threshold_reads_its_rows_once(personas: Personas, few_remote: int) -> None:
    form = DemandForm(user=personas.x_chief)  # their chief sees fewer enterprises than the threshold
    with CaptureQueriesContext(connection) as queries:
        html = str(form["enterprise"])
    assert len(queries) == 1 and "data-picker-url" not in html
    assert len(OPTION.findall(html)) == 1 + len(list(Enterprise.objects.visible_to(personas.x_chief)))


def test_the_options_answer_what_the_reader_may_see(personas: Personas, many: list[Enterprise]) -> None:
    url = reverse("enterprises:options")
    found = login(personas.chief).get(url, {"q": "兴化测试0"}).json()["options"]
    assert [o["label"] for o in found] == sorted(e.name for e in many[:10])
    assert {o["value"] for o in found} == {e.pk for e in many[:10]}
    theirs = personas.theirs.enterprise
    assert login(personas.chief).get(url, {"q": theirs.name}).json()["options"] == []
    assert login(personas.x_chief).get(url, {"q": theirs.name}).json()["options"] == [
        {"value": theirs.pk, "label": theirs.name}
    ]
    assert login(personas.chief).get(url, {"q": ""}).json()["options"] == []  # nothing typed, nothing read
    assert login(personas.chief).get(url, {"q": many[0].uscc}).json()["options"][0]["value"] == many[0].pk


def test_the_project_options_answer_what_the_reader_may_see(personas: Personas) -> None:
    url = reverse("projects:options")
    ours, theirs = personas.ours.project, personas.theirs.project
    assert login(personas.chief).get(url, {"q": ours.name}).json()["options"] == [
        {"value": ours.pk, "label": ours.name}
    ]
    assert login(personas.chief).get(url, {"q": theirs.name}).json()["options"] == []
    assert login(personas.x_chief).get(url, {"q": theirs.name}).json()["options"][0]["value"] == theirs.pk
