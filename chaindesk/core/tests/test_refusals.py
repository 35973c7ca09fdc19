"""The page side of the one error mapping (chaindesk/core/errors.py): a service's refusal becomes the page's
own 409 or 400 response, a form's field error or a message; nothing else is caught."""

import pytest
from django import forms
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.test import RequestFactory

from chaindesk.core.errors import refusal_page, refusal_text, service_errors, service_messages
from chaindesk.core.exceptions import InvalidTransition


def _page(request, error, pk):  # noqa: ANN001, ANN202 - a page renderer as the views write them
    return HttpResponse(f"{type(error).__name__}:{pk}:{error.messages if hasattr(error, 'messages') else error}")


def _view(raised: Exception | None):  # noqa: ANN202
    def view(request, pk):  # noqa: ANN001, ANN202
        if raised is not None:
            raise raised
        return HttpResponse("ok")

    return view


REQUEST = RequestFactory().post("/x/")


def test_a_stale_move_answers_409_with_the_page_and_a_broken_rule_400():
    both = refusal_page(_page, invalid=_page)

    conflict = both(_view(InvalidTransition("已被他人变更")))(REQUEST, pk=7)
    invalid = both(_view(ValidationError(["甲", "乙"])))(REQUEST, pk=7)

    assert (conflict.status_code, conflict.content.decode()) == (409, "InvalidTransition:7:已被他人变更")
    assert (invalid.status_code, invalid.content.decode()) == (400, "ValidationError:7:['甲', '乙']")
    assert both(_view(None))(REQUEST, pk=7).content == b"ok"


def test_without_an_invalid_page_a_broken_rule_and_a_refused_permission_propagate():
    only_conflict = refusal_page(_page)

    with pytest.raises(ValidationError):
        only_conflict(_view(ValidationError("x")))(REQUEST, pk=1)
    with pytest.raises(PermissionDenied):
        refusal_page(_page, invalid=_page)(_view(PermissionDenied()))(REQUEST, pk=1)


class _Form(forms.Form):
    name = forms.CharField()
    note = forms.CharField(required=False)


def test_service_errors_put_field_errors_on_their_fields_and_the_rest_on_the_default_field():
    form = _Form({"name": "甲"})
    assert form.is_valid()
    with service_errors(form, default_field="note"):
        raise ValidationError({"name": "重名", "elsewhere": "别处"})
    assert form.errors == {"name": ["重名"], "note": ["别处"]}

    form = _Form({"name": "甲"})
    form.is_valid()
    with service_errors(form, default_field="not-a-field"):
        raise ValidationError("整体")
    assert form.non_field_errors() == ["整体"]


def test_service_errors_map_a_refused_permission_only_when_told_to():
    form = _Form({"name": "甲"})
    form.is_valid()
    with service_errors(form, denied=("name", "无权")):
        raise PermissionDenied
    assert form.errors == {"name": ["无权"]}
    with pytest.raises(PermissionDenied), service_errors(_Form({"name": "甲"})):
        raise PermissionDenied


def test_service_messages_turn_a_refusal_into_one_message_and_skip_the_rest():
    request = RequestFactory().post("/x/")
    request.session = {}  # type: ignore[assignment]
    request._messages = FallbackStorage(request)
    after = []
    with service_messages(request):
        raise ValidationError(["甲", "乙"])
        after.append("ran")  # pragma: no cover
    assert after == []
    assert [str(m) for m in request._messages] == ["甲；乙"]
    assert refusal_text(ValidationError(["甲", "乙"])) == "甲；乙"
