"""Issue 16 item 5: the request id (ours, or a trusted proxy's) in the response header, the audit trail and every log
line; JSON log lines with LOG_FORMAT=json (chaindesk/core/logs.py); the Prometheus endpoint answering only the
addresses in CHAINDESK_METRICS_ALLOWED, the client address judged as the audit trail judges it
(chaindesk/core/metrics.py), summed over every worker of `chaindesk serve`."""

import io
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from chaindesk.core.logs import JsonFormatter, RequestIdFilter
from chaindesk.core.models import AuditAction, AuditLog

LOGIN = "/accounts/login/"
PROXY = "10.0.0.5"


# --- the request id -------------------------------------------------------------------------------------------------


def test_a_trusted_proxys_request_id_is_kept(settings: Any) -> None:
    settings.TRUSTED_PROXIES = [PROXY]
    response = Client().get(LOGIN, headers={"X-Request-ID": "lb-7f3a9c21-0001"}, REMOTE_ADDR=PROXY)
    assert response["X-Request-ID"] == "lb-7f3a9c21-0001"


@pytest.mark.parametrize("sent", ["bad id <script>", "short", "x" * 65, "名字-0123456789"])
def test_a_proxys_insane_request_id_is_replaced(settings: Any, sent: str) -> None:
    settings.TRUSTED_PROXIES = [PROXY]
    response = Client().get(LOGIN, headers={"X-Request-ID": sent}, REMOTE_ADDR=PROXY)
    assert response["X-Request-ID"] != sent and len(response["X-Request-ID"]) == 32


def test_a_clients_request_id_is_never_kept(settings: Any) -> None:
    settings.TRUSTED_PROXIES = [PROXY]
    response = Client().get(LOGIN, headers={"X-Request-ID": "lb-7f3a9c21-0001"}, REMOTE_ADDR="198.51.100.7")
    assert response["X-Request-ID"] != "lb-7f3a9c21-0001" and len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_the_proxys_request_id_reaches_the_audit_trail(settings: Any) -> None:
    settings.TRUSTED_PROXIES = [PROXY]
    response = Client().post(
        LOGIN,
        {"username": "nobody-here", "password": "wrong-pass"},
        headers={"X-Request-ID": "nginx-0123456789abcdef", "X-Forwarded-For": "203.0.113.9"},
        REMOTE_ADDR=PROXY,
    )
    line = AuditLog.objects.get(action=AuditAction.LOGIN_FAILED, ip="203.0.113.9")
    assert line.request_id == response["X-Request-ID"] == "nginx-0123456789abcdef"


# --- JSON log lines -------------------------------------------------------------------------------------------------


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the request log writes, formatted as LOG_FORMAT=json formats it (the settings' handler, on a buffer)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("chaindesk.request")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.django_db
def test_each_request_writes_one_json_line_with_its_request_id(json_lines: io.StringIO) -> None:
    response = Client().get("/api/health?q=13800001111")
    (line,) = _lines(json_lines)
    assert line["request_id"] == response["X-Request-ID"]
    assert (line["level"], line["logger"]) == ("INFO", "chaindesk.request")
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/health", 200)  # no query string
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["message"].startswith("GET /api/health 200 ")
    assert line["time"].endswith("Z") and "T" in line["time"]
    assert "13800001111" not in json_lines.getvalue()


@pytest.mark.django_db
def test_a_trusted_proxys_request_id_is_in_the_log_line(settings: Any, json_lines: io.StringIO) -> None:
    settings.TRUSTED_PROXIES = [PROXY]
    Client().get("/api/health", headers={"X-Request-ID": "nginx-0123456789abcdef"}, REMOTE_ADDR=PROXY)
    assert [line["request_id"] for line in _lines(json_lines)] == ["nginx-0123456789abcdef"]


def test_the_json_formatter_keeps_extras_and_exceptions_on_one_line() -> None:
    try:
        raise ValueError("第一行\n第二行")
    except ValueError:
        record = logging.getLogger("chaindesk.test").makeRecord(
            "chaindesk.test", logging.ERROR, __file__, 1, "导入 %s 失败", ("批次",), sys.exc_info(),
            extra={"batch": 7, "when": object()},
        )  # fmt: skip
    RequestIdFilter().filter(record)
    text = JsonFormatter().format(record)
    assert "\n" not in text
    line = json.loads(text)
    assert (line["message"], line["level"], line["batch"], line["request_id"]) == ("导入 批次 失败", "ERROR", 7, "")
    assert line["when"].startswith("<object object")  # what JSON cannot hold is written as text
    assert "ValueError: 第一行\n第二行" in line["exception"]


def _settings_logging(log_format: str) -> tuple[str, str]:
    """(stderr, stdout) of a process set up with LOG_FORMAT=log_format that logs one warning and says whether the
    request log is on."""
    code = (
        "import django, logging; django.setup();"
        "logging.getLogger('chaindesk.x').warning('你好 %s', 'json');"
        "print(logging.getLogger('chaindesk.request').isEnabledFor(logging.INFO))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "LOG_FORMAT": log_format}
    run = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", code], cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    return run.stderr.strip(), run.stdout.strip()


def test_log_format_json_makes_every_log_line_json() -> None:
    """The settings themselves: LOG_FORMAT=json in the environment switches the console handler to JSON lines
    (stderr) and the request log on; without it the lines stay text, with the request id's place."""
    stderr, request_log_on = _settings_logging("json")
    line = json.loads(stderr.splitlines()[-1])
    assert (line["message"], line["level"], line["logger"]) == ("你好 json", "WARNING", "chaindesk.x")
    assert line["request_id"] == ""  # outside a request
    assert request_log_on == "True"
    stderr, request_log_on = _settings_logging("")
    assert stderr.endswith("WARNING chaindesk.x [-] 你好 json")
    assert request_log_on == "False"


# --- metrics --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_metrics_answer_the_local_address() -> None:
    Client().get("/api/health")
    response = Client().get("/metrics")  # the test client's REMOTE_ADDR is 127.0.0.1
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert (
        'django_http_responses_total_by_status_view_method_total{method="GET",status="200",view="api:health"}' in text
    )
    assert "\nchaindesk_tasks_due " in text and "\nchaindesk_tasks_oldest_due_age_seconds " in text
    assert Client().get("/metrics", REMOTE_ADDR="::1").status_code == 200
    assert Client().get("/metrics", REMOTE_ADDR="::ffff:127.0.0.1").status_code == 200


@pytest.mark.django_db
def test_metrics_are_not_found_elsewhere(settings: Any) -> None:
    assert Client().get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 404
    settings.CHAINDESK_METRICS_ALLOWED = ["10.9.0.0/24"]
    assert Client().get("/metrics").status_code == 404  # 127.0.0.1 is no longer listed
    assert Client().get("/metrics", REMOTE_ADDR="10.9.0.3").status_code == 200
    assert Client().post("/metrics", REMOTE_ADDR="10.9.0.3").status_code == 405


@pytest.mark.django_db
def test_metrics_behind_a_trusted_proxy_judge_the_forwarded_address(settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["127.0.0.1"]  # nginx on this machine
    settings.CHAINDESK_METRICS_ALLOWED = ["127.0.0.1", "10.9.0.3"]
    # the proxy's own address says nothing: it forwards the world
    assert Client().get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404
    assert Client().get("/metrics", headers={"X-Forwarded-For": "10.9.0.3"}).status_code == 200
    # a client prepending an allowed address is not believed: the right-most untrusted entry counts
    assert Client().get("/metrics", headers={"X-Forwarded-For": "10.9.0.3, 203.0.113.9"}).status_code == 404
    # an untrusted peer's X-Forwarded-For is dropped
    spoofed = Client().get("/metrics", headers={"X-Forwarded-For": "10.9.0.3"}, REMOTE_ADDR="198.51.100.7")
    assert spoofed.status_code == 404


def test_served_by_several_workers_the_counters_add_up(tmp_path: Path) -> None:
    """`chaindesk serve` with two workers: each writes its counters to the multiprocess folder serve emptied at
    start, and /metrics' collector sums them (a scrape no longer sees only the worker that answers it)."""
    import socket
    import time
    import urllib.request

    from prometheus_client import CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_stale.db").write_bytes(b"left by the last run")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "CHAINDESK_TEST", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        CHAINDESK_VAR_DIR=str(tmp_path),
        PROMETHEUS_MULTIPROC_DIR=str(folder),
        LOG_LEVEL="ERROR",
    )
    server = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "chaindesk", "serve", "--port", str(port), "--workers", "2"],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                # a long wait: a probe given up on would be answered later and counted among the 40 below
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=60).close()  # noqa: S310
                break
            except OSError:
                assert time.monotonic() < deadline, "chaindesk serve did not start"
                time.sleep(0.2)

        def counted() -> float:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=str(folder))
            return registry.get_sample_value("django_http_requests_total_by_method_total", {"method": "GET"}) or 0

        def hit(_: int) -> None:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=60).close()  # noqa: S310

        # Eight at a time, so that a busy worker leaves the next to the other; on a loaded machine the second worker
        # may still be starting, so this goes on (40 at least) until both have counted something.
        before = counted()  # the start-up probe
        sent = 0
        deadline = time.monotonic() + 90
        with ThreadPoolExecutor(max_workers=8) as pool:
            while sent < 40 or len(list(folder.glob("counter_*.db"))) < 2:
                assert time.monotonic() < deadline, "the second worker never answered"
                list(pool.map(hit, range(8)))
                sent += 8
        assert counted() - before == sent  # every request, whichever worker answered it
        assert len(list(folder.glob("counter_*.db"))) == 2  # one file per worker
        assert not (folder / "counter_stale.db").exists()  # emptied at start
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_serve_passes_its_processes_and_threads_to_gunicorn(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`--workers` and `--threads` (or WEB_CONCURRENCY and WEB_THREADS) reach gunicorn; 2 processes of 4 threads
    when nothing says otherwise."""
    from django.core.management import call_command

    from chaindesk.core.management.commands import serve

    seen: list[list[str]] = []
    monkeypatch.setattr(serve.os, "execv", lambda _path, argv: seen.append(list(argv)))
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("WEB_THREADS", raising=False)
    call_command("serve", stdout=io.StringIO())
    call_command("serve", "--workers", "8", "--threads", "2", stdout=io.StringIO())
    monkeypatch.setenv("WEB_CONCURRENCY", "6")
    monkeypatch.setenv("WEB_THREADS", "1")
    call_command("serve", stdout=io.StringIO())

    def option(argv: list[str], name: str) -> str:
        return argv[argv.index(name) + 1]

    assert [(option(a, "--workers"), option(a, "--threads")) for a in seen] == [("2", "4"), ("8", "2"), ("6", "1")]
