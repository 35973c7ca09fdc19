"""One error mapping for pages and the API.

A refusal is raised once, where the rule lives (a service, a permission check, a visible-set lookup), and
mapped here to a status and a Chinese message:

    InvalidTransition → 409   someone else changed the object first (compare-and-set found zero rows)
    ValidationError   → 422   a broken rule (the API; pages re-render their form with 400)
    PermissionDenied  → 403   (out-of-scope objects answer 404 through get_visible_or_404)
    Http404           → 404
    anything else     → 500   the message never shows the exception

The API answers every error as `application/problem+json` (RFC 9457) built from `describe`; pages use
`service_errors` (a broken rule lands on the form) and `refusal_page` (InvalidTransition → the page's own
409 "已被他人变更" response, ValidationError → its 400); PermissionDenied reaches Django's 403 page, which audits it.
"""

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ParamSpec

from django import forms
from django.contrib import messages as django_messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Schema

from .exceptions import InvalidTransition

PROBLEM_JSON = "application/problem+json"
_TYPE = "urn:chaindesk:problem:"

P = ParamSpec("P")


def _titles() -> dict[int, str]:
    """Chinese titles per status (translated at call time: the request's language is active then)."""
    return {
        400: _("请求有误"),
        401: _("尚未登录"),
        403: _("无权操作"),
        404: _("未找到"),
        405: _("不支持该请求方法"),
        409: _("已被他人变更"),
        413: _("请求过大"),
        422: _("提交的数据有误"),
        429: _("请求过于频繁"),
        500: _("服务器内部错误"),
    }


def _details() -> dict[int, str]:
    """What to tell the reader when the exception carries no message of its own."""
    return {
        400: _("请求有误，请检查后重试。"),
        401: _("请先登录后再访问。"),
        403: _("您无权执行此操作。"),
        404: _("未找到该对象，或您无权查看。"),
        405: _("该地址不支持此请求方法。"),
        409: _("该对象已被他人变更，请刷新页面后再操作。"),
        413: _("请求过大。"),
        422: _("提交的数据有误，请检查后重试。"),
        429: _("请求过于频繁，请稍后再试。"),
        500: _("服务器出错了，问题已记录。请稍后重试，如持续出现请联系系统管理员。"),
    }


def title_for(status: int) -> str:
    return _titles().get(status) or (_("服务器内部错误") if status >= 500 else _("请求有误"))


def detail_for(status: int) -> str:
    return _details().get(status) or (_details()[500] if status >= 500 else _details()[400])


@dataclass(frozen=True)
class Problem:
    """An RFC 9457 problem: `type` names the kind, `title` the status in Chinese, `detail` this occurrence;
    `errors` lists field errors as {"field": name or None, "detail": message}."""

    status: int
    detail: str
    kind: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return title_for(self.status)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"{_TYPE}{self.kind}" if self.kind else "about:blank",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            body["errors"] = self.errors
        return body


class ProblemOut(Schema):
    """The problem+json body, for the API's OpenAPI description."""

    type: str = Field(..., description="问题类型（urn:chaindesk:problem:…，或 about:blank）")
    title: str = Field(..., description="状态的中文名称")
    status: int
    detail: str = Field(..., description="本次错误的中文说明")
    errors: list[dict[str, Any]] = Field(default_factory=list, description="字段错误：field、detail")


def field_errors(error: ValidationError) -> list[dict[str, Any]]:
    """A ValidationError's messages per field; non-field messages carry field None."""
    if not hasattr(error, "error_dict"):
        return [{"field": None, "detail": message} for message in error.messages]
    return [
        {"field": None if name == NON_FIELD_ERRORS else name, "detail": message}
        for name, messages in error.message_dict.items()
        for message in messages
    ]


def describe(exc: BaseException) -> Problem:
    """The problem an exception stands for (500, with a message that reveals nothing, for the unexpected)."""
    if isinstance(exc, InvalidTransition):
        return Problem(409, str(exc) or detail_for(409), "conflict")
    if isinstance(exc, ValidationError):
        return Problem(422, refusal_text(exc) or detail_for(422), "validation", field_errors(exc))
    if isinstance(exc, PermissionDenied):
        return Problem(403, str(exc) or detail_for(403), "forbidden")
    if isinstance(exc, Http404):
        return Problem(404, detail_for(404), "not-found")
    return Problem(500, detail_for(500), "server-error")


def problem(exc: BaseException) -> tuple[int, str]:
    """(status, Chinese message) for an exception: the one mapping pages and the API share."""
    found = describe(exc)
    return found.status, found.detail


def problem_response(found: Problem, **headers: str) -> HttpResponse:
    """The problem as `application/problem+json`."""
    response = JsonResponse(found.as_dict(), status=found.status, content_type=PROBLEM_JSON)
    for name, value in headers.items():
        response[name] = value
    return response


def is_problem(response: HttpResponse) -> bool:
    return str(response.get("Content-Type", "")).startswith(PROBLEM_JSON)


# Pages -----------------------------------------------------------------------------------------------


def add_service_errors(
    form: forms.BaseForm,
    error: ValidationError,
    default_field: str | None = None,
    codes: dict[str, str] | None = None,
) -> None:
    """Put a service's refusal on the form: field errors on their fields (when the form has them); a single
    message on the field its code names in `codes`, else on `default_field` or above the form."""
    fallback = default_field if default_field in form.fields else None
    if not hasattr(error, "error_dict"):
        form.add_error((codes or {}).get(str(getattr(error, "code", "")), fallback), error)
        return
    for name, messages in error.message_dict.items():
        target = name if name in form.fields else fallback
        for message in messages:
            form.add_error(target, message)


@contextmanager
def service_errors(
    form: forms.BaseForm,
    *,
    default_field: str | None = None,
    codes: dict[str, str] | None = None,
    denied: tuple[str | None, str] | None = None,
) -> Iterator[None]:
    """Run a service for a form page: a ValidationError it raises lands on the form (`add_service_errors`) and
    the view goes on to re-render it (400 through `form_page`). With `denied=(field, message)` a
    PermissionDenied puts that message on that field (a form whose choices already limit the scope);
    without it, it reaches the 403 page.

        with service_errors(form):
            item = services.item_create(actor=request.user, **form.cleaned_data)
            return redirect(item)
        return form_page(request, template, {"form": form})
    """
    try:
        yield
    except ValidationError as error:
        add_service_errors(form, error, default_field, codes)
    except PermissionDenied:
        if denied is None:
            raise
        form.add_error(*denied)


@contextmanager
def service_messages(request: HttpRequest, *, lead: str = "") -> Iterator[None]:
    """Run a service for a POST that goes back to the page it came from: a ValidationError becomes an error
    message (`lead`, then its messages "；"-joined) on the next page, and nothing after the call runs."""
    try:
        yield
    except ValidationError as error:
        django_messages.error(request, lead + refusal_text(error))


RefusalPage = Callable[..., HttpResponse]


def refusal_page(
    conflict: RefusalPage, *, invalid: RefusalPage | None = None
) -> Callable[[Callable[P, HttpResponse]], Callable[P, HttpResponse]]:
    """A page view whose service refused answers the page's own response, with the object as it is now:

        InvalidTransition → 409   `conflict(request, error, *view_args, **view_kwargs)` ("已被他人变更…")
        ValidationError   → 400   `invalid(request, error, *view_args, **view_kwargs)` (the rule's message),
                                  when given; without it the error propagates (a form page uses
                                  `service_errors` instead)

    PermissionDenied is left to Django's 403 page (which audits it). The services are atomic, so a refusal
    has changed nothing."""

    def decorate(view: Callable[P, HttpResponse]) -> Callable[P, HttpResponse]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            request, *rest = args
            try:
                return view(*args, **kwargs)
            except InvalidTransition as error:
                response, status = conflict(request, error, *rest, **kwargs), 409
            except ValidationError as error:
                if invalid is None:
                    raise
                response, status = invalid(request, error, *rest, **kwargs), 400
            response.status_code = status
            return response

        return wrapper

    return decorate


def refusal_text(error: ValidationError) -> str:
    """A service's refusal as one line (its messages "；"-joined)."""
    return "；".join(error.messages)
