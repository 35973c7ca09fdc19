"""Searchable pickers in hand-written selects (chaindesk/core/picker.py does it for forms):

<select name="chain"{% if options|many_options %} data-picker{% endif %}>
  {% for value, label in options %}<option value="{{ value }}" data-py="{{ label|py }}">{{ label }}</option>…"""

from collections.abc import Sized
from typing import Any

from django import template

from chaindesk.core.picker import PICKER_MIN_OPTIONS, pinyin_keys

register = template.Library()


@register.filter
def py(label: Any) -> str:
    """The pinyin keys a picker matches for `label` (initials, then full pinyin)."""
    return pinyin_keys(str(label)) if label not in (None, "") else ""


@register.filter
def many_options(options: Sized) -> bool:
    """True when a select of these options should be a picker."""
    return len(options) > PICKER_MIN_OPTIONS
