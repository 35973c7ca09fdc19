"""The Prometheus metrics endpoint (`/metrics`), for the addresses in settings.CHAINDESK_METRICS_ALLOWED only.

django-prometheus' two middlewares (first and last in settings.MIDDLEWARE) count requests, responses by status and
view, latencies and exceptions; its view writes them out. We add, read at each scrape, the database queue's due
tasks and the age of the oldest (`chaindesk_tasks_due`, `chaindesk_tasks_oldest_due_age_seconds`). The database
wrappers of django-prometheus are not used: the database ENGINE stays Django's own.

Who may scrape: the client address as the audit trail sees it (chaindesk.core.middleware.client_ip: REMOTE_ADDR, or
behind a trusted proxy the address it forwarded) must be in one of the allowed networks (addresses or CIDRs, by
default 127.0.0.1 and ::1). Everyone else gets the site's 404, as for a page that does not exist.

Several worker processes (gunicorn's --workers): `chaindesk serve` empties the folder PROMETHEUS_MULTIPROC_DIR
(default chaindesk-prometheus-PORT in the system's temporary folder: local to the host) and passes it to the
workers, which write their counters there; django-prometheus' view then reads every worker's file, so a scrape
sums them whichever worker answers it."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django_prometheus.exports import ExportToDjangoView
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from . import clock, health
from .middleware import Network, client_ip

DEFAULT_ALLOWED = ("127.0.0.1", "::1")


@lru_cache(maxsize=8)
def _networks(allowed: tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in allowed if entry.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"CHAINDESK_METRICS_ALLOWED: {exc}") from exc


def may_scrape(request: HttpRequest) -> bool:
    """Whether the request's client address is one of settings.CHAINDESK_METRICS_ALLOWED."""
    found = client_ip(request)
    if found is None:
        return False
    address = ipaddress.ip_address(found)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:  # ::ffff:127.0.0.1 on a dual-stack socket
        address = address.ipv4_mapped
    allowed = tuple(getattr(settings, "CHAINDESK_METRICS_ALLOWED", DEFAULT_ALLOWED))
    return any(address in network for network in _networks(allowed))


class QueueCollector(Collector):
    """The database queue, read when scraped (one query)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        state = health.queue_state()
        yield GaugeMetricFamily("chaindesk_tasks_due", "Background tasks due and not yet taken", value=state.due)
        yield GaugeMetricFamily(
            "chaindesk_tasks_oldest_due_age_seconds",
            "How long the oldest due background task has waited",
            value=state.age(clock.now()),
        )


def metrics(request: HttpRequest) -> HttpResponse:
    """django-prometheus' metrics and ours, in Prometheus' text format; 404 to an address not allowed."""
    if not may_scrape(request):
        raise Http404
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    response = ExportToDjangoView(request)
    ours = CollectorRegistry(auto_describe=False)
    ours.register(QueueCollector())
    response.content = response.content + generate_latest(ours)
    response["Cache-Control"] = "no-store"
    return response
