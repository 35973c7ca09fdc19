"""Issue 10, 7e: the request id in the audit trail is always ours, and the client address is REMOTE_ADDR unless
it is a configured proxy (TRUSTED_PROXIES): X-Forwarded-For from anyone else is never believed, and behind a
trusted load balancer the per-address lock-out counts each client, not the balancer."""

from typing import Any

import pytest
from django.test import Client, RequestFactory

from chaindesk.core.middleware import client_ip
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.demo.city import DEMO_PASSWORD
from chaindesk.testkit.personas import PASSWORD

LOGIN = "/accounts/login/"


def _ip(remote: str, forwarded: str | None = None) -> str | None:
    request = RequestFactory().get("/")
    request.META["REMOTE_ADDR"] = remote
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(request)


def test_forwarded_for_is_ignored_without_trusted_proxies(settings: Any) -> None:
    settings.TRUSTED_PROXIES = []
    assert _ip("198.51.100.7", "203.0.113.9") == "198.51.100.7"


def test_forwarded_for_from_an_untrusted_peer_is_ignored(settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    assert _ip("198.51.100.7", "203.0.113.9") == "198.51.100.7"


def test_right_most_untrusted_address_behind_trusted_proxies(settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.5", "10.1.0.0/16"]
    assert _ip("10.0.0.5", "203.0.113.9") == "203.0.113.9"
    # the client prepends a forged address: only the entries added by our proxies count
    assert _ip("10.0.0.5", "1.2.3.4, 203.0.113.9, 10.1.2.3") == "203.0.113.9"
    assert _ip("10.0.0.5", "") == "10.0.0.5"
    assert _ip("10.0.0.5", "not-an-address") is None


@pytest.mark.django_db
def test_client_request_id_never_reaches_the_audit_trail() -> None:
    forged = "abcdefgh-forged-id-0001"
    response = Client().post(
        LOGIN, {"username": "liming", "password": "wrong-pass"}, HTTP_X_REQUEST_ID=forged, REMOTE_ADDR="192.0.2.31"
    )
    line = AuditLog.objects.get(action=AuditAction.LOGIN_FAILED, ip="192.0.2.31")
    assert line.request_id != forged and len(line.request_id) == 32
    assert response["X-Request-ID"] == line.request_id


def test_lockout_behind_a_trusted_balancer_counts_each_client(settings: Any, personas: Any) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    for i in range(settings.LOGIN_FAILURE_LIMIT):
        Client().post(
            LOGIN,
            {"username": f"nobody{i}", "password": "x"},
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
    assert AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED, ip="203.0.113.7").count() == 5
    other = Client().post(
        LOGIN,
        {"username": personas.liaison.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="203.0.113.8",
    )
    assert other.status_code == 302  # another client behind the same balancer is not locked out


@pytest.mark.django_db
def test_forged_forwarded_for_does_not_escape_the_address_lockout(settings: Any) -> None:
    settings.TRUSTED_PROXIES = []
    for i in range(settings.LOGIN_FAILURE_LIMIT):
        Client().post(
            LOGIN,
            {"username": f"nobody{i}", "password": "x"},
            REMOTE_ADDR="198.51.100.44",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        )
    response = Client().post(
        LOGIN,
        {"username": "liming", "password": DEMO_PASSWORD},
        REMOTE_ADDR="198.51.100.44",
        HTTP_X_FORWARDED_FOR="203.0.113.200",
    )
    assert "已被锁定" in response.content.decode()


def _secure(settings: Any, remote: str) -> bool:
    """What production's SECURE_PROXY_SSL_HEADER makes of `X-Forwarded-Proto: https` from `remote`."""
    from django.http import HttpResponse

    from chaindesk.core.middleware import ForwardedHeadersMiddleware

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_PROTO="https")
    seen: list[bool] = []

    def view(inner: Any) -> HttpResponse:
        seen.append(inner.is_secure())
        return HttpResponse()

    ForwardedHeadersMiddleware(view)(request)
    return seen[0]


def test_forwarded_proto_is_believed_only_from_a_trusted_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    assert _secure(settings, "10.0.0.5") is True
    assert _secure(settings, "198.51.100.7") is False
    settings.TRUSTED_PROXIES = []
    assert _secure(settings, "10.0.0.5") is False


def test_forwarding_headers_run_first_in_the_middleware(settings: Any) -> None:
    assert settings.MIDDLEWARE[0] == "chaindesk.core.middleware.ForwardedHeadersMiddleware"
