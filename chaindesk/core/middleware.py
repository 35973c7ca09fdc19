"""Gives every request its id, records the client address for the audit trail, and logs each request.

The request id is generated here, unless the request comes from a trusted proxy (settings.TRUSTED_PROXIES) that
sent a sane `X-Request-ID` (8 to 64 letters, digits, `.`, `_`, `:` or `-`): then the proxy's id is kept, so one id
follows a request through the proxy's log, ours and the audit trail (the proxy must set the header itself, e.g.
nginx's `proxy_set_header X-Request-ID $request_id;`, never pass a client's on). A client's own `X-Request-ID` is
never trusted into the audit trail (it is only logged, sanitised, next to ours). The id is answered in the
`X-Request-ID` response header and stamped on every log line of the request (chaindesk/core/logs.py).

The client address is REMOTE_ADDR, or, when REMOTE_ADDR is a trusted proxy, the right-most X-Forwarded-For address
that is not a trusted proxy: the left part of that header is whatever the client chose to send.

Each request is logged on `chaindesk.request` at INFO (on with LOG_FORMAT=json) with its method, path (without the
query string, which may hold a search for a person's name or phone), status and duration."""

import ipaddress
import logging
import re
import time
import uuid
from collections.abc import Callable, Sequence
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

from . import context

logger = logging.getLogger(__name__)
request_logger = logging.getLogger("chaindesk.request")

_UNSAFE = re.compile(r"[^A-Za-z0-9._:-]")
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)
    except ValueError as exc:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc}") from exc


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: Sequence[Network]) -> bool:
    return any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, unless it is a trusted proxy: then the right-most untrusted X-Forwarded-For address (None
    when that entry is not an address: a trusted proxy never writes one, so the header is broken)."""
    remote = _address(request.META.get("REMOTE_ADDR", "") or "")
    if remote is None:
        return None
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    if not networks or not _trusted(remote, networks):
        return str(remote)
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return None
        if not _trusted(address, networks):
            return str(address)
    return str(_address(hops[0]) if hops else remote)


def from_trusted_proxy(request: HttpRequest) -> bool:
    """Whether the peer (REMOTE_ADDR) is one of settings.TRUSTED_PROXIES."""
    remote = _address(request.META.get("REMOTE_ADDR", "") or "")
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    return remote is not None and _trusted(remote, networks)


# What only a proxy may tell us: the client's address, the scheme and host it used.
FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_FORWARDED")


class ForwardedHeadersMiddleware:
    """First of all middleware: forwarding headers from a peer that is not a trusted proxy are dropped, so
    production's SECURE_PROXY_SSL_HEADER (X-Forwarded-Proto) and the client address are believed only from
    the load balancers named in TRUSTED_PROXIES, never from a client that sends them itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not from_trusted_proxy(request):
            for name in FORWARDED_HEADERS:
                request.META.pop(name, None)
        return self.get_response(request)


def _sanitised(value: str) -> str:
    return _UNSAFE.sub("_", value[:64])


def request_id_for(request: HttpRequest) -> str:
    """A trusted proxy's sane X-Request-ID, else a new one (a client's is logged, sanitised, and set aside)."""
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    if incoming and _SANE_ID.fullmatch(incoming) and from_trusted_proxy(request):
        return incoming
    request_id = uuid.uuid4().hex
    if incoming:
        logger.info("request %s: client sent X-Request-ID %s", request_id, _sanitised(incoming))
    return request_id


class RequestContextMiddleware:
    """The request's id and client address in the request context (chaindesk/core/context.py) while it is served;
    the id in the response's X-Request-ID header; one request log line when it is done."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()  # a duration, not a moment: the monotonic counter, not the clock
        request_id = request_id_for(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        ctx = context.RequestContext(
            request_id=request_id, ip=client_ip(request), user_getter=lambda: getattr(request, "user", None)
        )
        token = context.activate(ctx)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            _log_request(request, response, started)
        finally:
            context.deactivate(token)
        return response


def _log_request(request: HttpRequest, response: HttpResponse, started: float) -> None:
    """The request log line. Its duration runs until the response is ready: a streamed body (an export) is sent
    after it."""
    if not request_logger.isEnabledFor(logging.INFO):
        return
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    fields = {"method": request.method, "path": request.path, "status": response.status_code}
    request_logger.info(
        "%s %s %s %.1f ms",
        request.method,
        request.path,
        response.status_code,
        duration_ms,
        extra={**fields, "duration_ms": duration_ms},
    )
