"""The 大屏's bindings: an element showing a field of the payload (chaindesk.cockpit.screen) names it, so that
screen.js can write the field's new text into it after each refresh. The page is drawn with the text of now.

`{% f "p.signed.value" %}` → `<span data-f="p.signed.value">7</span>`, the page's fields by default, or a list
row's (`{% f "name" row.fields %}`, `{% f "name" blank %}` in the row's <template>); `value=True` adds
`data-v`/`data-value`, the text as an attribute the style can read;
`{% light "p.signed" %}` → the light's badge (its colour and its word: no meaning by colour alone);
`{% meter "p.signed" %}` → a bar drawn to `….bar` % with its tick at `….tick` % (screen.js sets both);
`{% hide "p.signed.goal" %}` → ` data-hide="…"`, and ` hidden` while the field is empty (`unless=True`: while it
is not)."""

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


def _fields(context: template.Context, src: Any) -> dict[str, str]:
    fields: dict[str, str] = context.get("fields") or {} if src is None else src
    return fields


@register.simple_tag(takes_context=True)
def f(
    context: template.Context, key: str, src: Any = None, cls: str = "", tag: str = "span", value: bool = False
) -> SafeString:
    """The field's text; with `value`, also as the element's `data-value` (for the style: the podium's ranks)."""
    text = _fields(context, src).get(key, "")
    attrs = format_html(' class="{}"', cls) if cls else ""
    if value:
        attrs = format_html('{} data-v="{}" data-value="{}"', attrs, key, text)
    return format_html('<{}{} data-f="{}">{}</{}>', tag, attrs, key, text, tag)


def _name(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


@register.simple_tag(takes_context=True)
def light(context: template.Context, prefix: str, src: Any = None, cls: str = "") -> SafeString:
    fields = _fields(context, src)
    key, label = _name(prefix, "light"), _name(prefix, "light_label")
    return format_html(
        '<span class="sc-light {}" data-l="{}" data-light="{}"><i class="sc-lamp" aria-hidden="true"></i>'
        '<span data-f="{}">{}</span></span>',
        cls,
        key,
        fields.get(key, "none"),
        label,
        fields.get(label, ""),
    )


@register.simple_tag(takes_context=True)
def meter(context: template.Context, prefix: str, src: Any = None, tick: bool = True) -> SafeString:
    fields = _fields(context, src)
    key = _name(prefix, "light")
    mark = format_html('<i class="sc-meter-tick" data-p="{}"></i>', _name(prefix, "tick")) if tick else ""
    return format_html(
        '<span class="sc-meter" aria-hidden="true"><span class="sc-meter-fill" data-p="{}" data-l="{}" '
        'data-light="{}"></span>{}</span>',
        _name(prefix, "bar"),
        key,
        fields.get(key, "none"),
        mark,
    )


@register.simple_tag(takes_context=True)
def hide(context: template.Context, key: str, src: Any = None, unless: bool = False) -> SafeString:
    """Hidden while the field is empty; with `unless`, hidden while it is not (`data-hide="!key"`)."""
    shown = bool(_fields(context, src).get(key)) != unless
    return format_html(' data-hide="{}{}"{}', "!" if unless else "", key, "" if shown else " hidden")


@register.simple_tag(takes_context=True)
def lamp(context: template.Context, key: str, src: Any = None, cls: str = "") -> SafeString:
    """A light's lamp alone, beside a figure that says what it is (the tiles' cells, where a word would not fit:
    the word is its title, and the tile's counts of red, yellow and green say it in numbers)."""
    fields = _fields(context, src)
    return format_html(
        '<i class="sc-lamp {}" data-l="{}" data-light="{}" aria-hidden="true"></i>', cls, key, fields.get(key, "none")
    )
