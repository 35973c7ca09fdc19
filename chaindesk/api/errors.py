"""Every API error as `application/problem+json` (RFC 9457) with a Chinese title and detail, never HTML.

`install(api)` maps each exception an operation can raise through chaindesk.core.errors (the mapping the
pages share), plus django-ninja's own: a payload or parameter that does not validate (422, with `errors`),
HttpError (its status), AuthenticationError (401). `ProblemMiddleware` catches what never reaches an
operation: an unknown path under /api/ (404), a method the path does not take (405), a server error raised
outside an operation (500). `document(schema)` describes those answers in the OpenAPI schema, for every
operation at once.
"""

import logging
import re
from collections.abc import Callable
from typing import Any

from django.core import signals
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from chaindesk.core import audit
from chaindesk.core.errors import (
    PROBLEM_JSON,
    Problem,
    ProblemOut,
    describe,
    detail_for,
    is_problem,
    problem_response,
    title_for,
)
from chaindesk.core.exceptions import InvalidTransition
from chaindesk.core.models import AuditAction

logger = logging.getLogger("django.request")

# An HttpError raised by our code carries a Chinese message; django-ninja's own are English.
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _pydantic_detail(error: dict[str, Any]) -> str:
    """A Chinese message for the usual pydantic error types; pydantic's own text for the rest."""
    ctx = error.get("ctx") or {}
    known = {
        "missing": _("必填。"),
        "json_invalid": _("请求体不是有效的 JSON。"),
        "enum": _("不是可选的值（可选：%(expected)s）。") % {"expected": ctx.get("expected", "")},
        "literal_error": _("不是可选的值（可选：%(expected)s）。") % {"expected": ctx.get("expected", "")},
        "int_parsing": _("须为整数。"),
        "int_type": _("须为整数。"),
        "decimal_parsing": _("须为数字。"),
        "float_parsing": _("须为数字。"),
        "bool_parsing": _("须为 true 或 false。"),
        "date_from_datetime_parsing": _("不是有效的日期（格式：YYYY-MM-DD）。"),
        "date_parsing": _("不是有效的日期（格式：YYYY-MM-DD）。"),
        "datetime_parsing": _("不是有效的时间。"),
        "string_type": _("须为文本。"),
        "string_too_long": _("过长（最多 %(max)s 个字符）。") % {"max": ctx.get("max_length", "")},
        "string_too_short": _("过短（至少 %(min)s 个字符）。") % {"min": ctx.get("min_length", "")},
        "greater_than_equal": _("不能小于 %(ge)s。") % {"ge": ctx.get("ge", "")},
        "less_than_equal": _("不能大于 %(le)s。") % {"le": ctx.get("le", "")},
    }
    return str(known.get(str(error.get("type")), error.get("msg", "")))


def _validation_problem(exc: NinjaValidationError) -> Problem:
    errors = []
    for error in exc.errors:
        where, *path = [str(part) for part in error.get("loc", ())] or [""]
        if where == "body" and len(path) > 1:
            path = path[1:]  # the operation's parameter name ("payload") says nothing to the client
        errors.append({"field": ".".join(path) or None, "in": where, "detail": _pydantic_detail(error)})
    detail = _("请求未通过校验（%(count)s 处错误），请检查后重试。") % {"count": len(errors)}
    return Problem(422, detail, "validation", errors)


def _http_problem(exc: HttpError) -> Problem:
    message = str(exc)
    known = {
        "CSRF check Failed": _("安全校验（CSRF）未通过，请刷新页面后重试。"),
        "Cannot parse request body": _("请求体无法解析，请提交有效的 JSON。"),
    }
    detail = message if _HAN.search(message) else known.get(message) or detail_for(exc.status_code)
    kinds = {401: "unauthenticated", 403: "forbidden", 404: "not-found", 429: "throttled"}
    return Problem(exc.status_code, detail, kinds.get(exc.status_code, ""))


def _on_ninja_validation(request: HttpRequest, exc: Any) -> HttpResponse:
    return problem_response(_validation_problem(exc))


def _on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
    headers = {"Retry-After": str(int(exc.wait))} if isinstance(exc, Throttled) and exc.wait else {}
    return problem_response(_http_problem(exc), **headers)


def _on_permission_denied(request: HttpRequest, exc: Any) -> HttpResponse:
    # Denials are audited, as the pages' 403 handler does.
    audit.record(action=AuditAction.PERMISSION_DENIED, actor=getattr(request, "user", None), message=request.path[:500])
    return problem_response(describe(exc))


def _on_mapped(request: HttpRequest, exc: Any) -> HttpResponse:
    return problem_response(describe(exc))


def _on_unexpected(request: HttpRequest, exc: Any) -> HttpResponse:
    # What Django does for an uncaught exception: the signal (tests re-raise through it) and the log record.
    signals.got_request_exception.send(sender=None, request=request)
    logger.error(
        "Internal Server Error: %s", request.path, exc_info=exc, extra={"status_code": 500, "request": request}
    )
    return problem_response(describe(exc))


def install(api: NinjaAPI) -> None:
    """Register the problem+json handlers on the API, replacing django-ninja's defaults. (Handlers take the
    exception as Any: django-ninja types it as the exception or its class.)"""
    api.add_exception_handler(NinjaValidationError, _on_ninja_validation)
    for http_error in (HttpError, AuthenticationError, AuthorizationError):
        api.add_exception_handler(http_error, _on_http_error)
    api.add_exception_handler(PermissionDenied, _on_permission_denied)
    api.add_exception_handler(Exception, _on_unexpected)
    # InvalidTransition, Django's ValidationError and Http404 map through the table the pages share.
    for exc_class in (InvalidTransition, ValidationError, Http404):
        api.add_exception_handler(exc_class, _on_mapped)


def may_answer(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    """The problems any operation of this kind may answer, whatever it declares itself: 401 and 403 where a caller
    must authenticate (no usable token or session; the token's scopes or the caller's role refuse), 404 where the
    path names a record, 422 where a parameter or body is validated, 400 where a body is read (one that is not
    JSON at all), and for a POST also 409 and 422 of its Idempotency-Key (chaindesk/api/idempotency.py)."""
    found: set[int] = set()
    if operation.get("security"):
        found |= {401, 403}
    if "{" in path:
        found.add(404)
    if operation.get("parameters") or operation.get("requestBody"):
        found.add(422)
    if operation.get("requestBody"):
        found.add(400)
    if method == "post":
        found |= {409, 422}
    return found


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI schema with every operation's problem answers: those it may answer (`may_answer`) added to those
    it declares, each as application/problem+json (django-ninja would say application/json) of ProblemOut."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "ProblemOut" not in components:
        components["ProblemOut"] = ProblemOut.model_json_schema(ref_template="#/components/schemas/{model}")
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemOut"}}}
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            declared = {int(status) for status in responses}
            for status in sorted(may_answer(path, method, operation) - declared):
                responses[status] = {"description": title_for(status)}
            for status, response in responses.items():
                if int(status) >= 400:
                    response["content"] = content
    return schema


class ProblemMiddleware:
    """Under /api/, an error response that did not come from an operation (the URL resolver's 404, a 405, a
    500 page) is replaced by its problem+json; the `Allow` header of a 405 is kept."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._prefix = ""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or is_problem(response) or not request.path.startswith(self.prefix):
            return response
        headers = {"Allow": response["Allow"]} if response.has_header("Allow") else {}
        status = response.status_code
        found = Problem(status, detail_for(status), {404: "not-found", 500: "server-error"}.get(status, ""))
        return problem_response(found, **headers)

    @property
    def prefix(self) -> str:
        if not self._prefix:
            self._prefix = reverse("api:api-root")
        return self._prefix
