"""Per-request context (request id, client address, signed-in user) that services read without seeing the
request."""

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None
    # Resolved lazily: the context is set before the authentication middleware has run.
    user_getter: Callable[[], Any] | None = None


_EMPTY = RequestContext()
_current: ContextVar[RequestContext | None] = ContextVar("chaindesk_request_context", default=None)


def current() -> RequestContext:
    return _current.get() or _EMPTY


def current_user() -> Any:
    """The signed-in user of the current request (None outside a request or when anonymous): for audit lines
    written where no actor is at hand, e.g. a form refusing a choice."""
    getter = current().user_getter
    user = getter() if getter is not None else None
    return user if getattr(user, "is_authenticated", False) else None


def activate(ctx: RequestContext):  # noqa: ANN201 - returns a contextvars token
    return _current.set(ctx)


def deactivate(token) -> None:  # noqa: ANN001
    _current.reset(token)
