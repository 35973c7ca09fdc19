"""Per-request context (request id, client address) that services read without seeing the request."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None


_EMPTY = RequestContext()
_current: ContextVar[RequestContext | None] = ContextVar("chaindesk_request_context", default=None)


def current() -> RequestContext:
    return _current.get() or _EMPTY


def activate(ctx: RequestContext):  # noqa: ANN201 - returns a contextvars token
    return _current.set(ctx)


def deactivate(token) -> None:  # noqa: ANN001
    _current.reset(token)
