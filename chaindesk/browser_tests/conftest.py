"""Browser fixtures: Debian's Chromium driven by Playwright (sync API) against pytest-django's live server.

live_server tests are transactional: the database is flushed after each one, so every test starts from the demo
city again (DemoSnapshot). Screenshots go to docs/screenshots/ at device scale factor 1."""

import copy
import os
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
from django.core.files.storage import InMemoryStorage

from chaindesk.testkit import clock

ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"

CHROMIUM = os.environ.get("CHAINDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=zh-CN",
]
DEMO_TODAY = clock.TEST_TODAY
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Playwright's sync API runs an asyncio loop in this thread, so Django would refuse ORM calls (the demo
    # loader, the flush after each test). Allowed for browser tests only, and taken back after each one:
    # set for the whole session it would leak into subprocesses such as `manage.py check --deploy`.
    os.environ[ASYNC_UNSAFE] = "true"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    yield
    os.environ.pop(ASYNC_UNSAFE, None)


def _chromium_or_skip() -> str:
    path = shutil.which(CHROMIUM) or (CHROMIUM if os.access(CHROMIUM, os.X_OK) else None)
    if path:
        return path
    reason = f"Chromium not found at {CHROMIUM}: install Debian's chromium and fonts-noto-cjk (make system)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def browser():  # noqa: ANN201 - Playwright types are optional at import time
    executable = _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    # Package scope: Playwright's event loop stops with the last browser test, so tests collected after
    # this package (transactional ones run last) do not find a running loop and refuse ORM calls.
    with sync_playwright() as pw:
        # Date and month pickers follow the browser's own language, taken from the environment (the Chinese
        # locale pack comes from Debian's chromium-l10n): 2026年11月, not November 2026.
        env: dict[str, str | float | bool] = {**os.environ, "LANGUAGE": "zh_CN:zh"}
        chromium = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS, env=env)
        yield chromium
        chromium.close()


class InFlight:
    """Counts the live server's requests until each response is closed, so a test's teardown can wait for
    the last one. On in-memory SQLite the server thread shares the test's connection: a request still reading
    a table when the flush after the test deletes from it fails the flush with "database table is locked"."""

    def __init__(self, app: Callable) -> None:
        self.app = app
        self.count = 0
        self.idle = threading.Condition()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        with self.idle:
            self.count += 1
        try:
            body = self.app(environ, start_response)
        except BaseException:
            self.done()
            raise
        return _Closing(body, self.done)

    def done(self) -> None:
        with self.idle:
            self.count -= 1
            self.idle.notify_all()

    def wait(self, timeout: float = 15.0) -> bool:
        with self.idle:
            return self.idle.wait_for(lambda: self.count == 0, timeout=timeout)


class _Closing:
    """A WSGI response that reports when the server closes it (PEP 3333: close() is always called)."""

    def __init__(self, body: Iterable[bytes], on_close: Callable[[], None]) -> None:
        self.body = body
        self.on_close = on_close

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.body)

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.on_close()


def _in_flight(live_server) -> InFlight:  # noqa: ANN001
    httpd = live_server.thread.httpd
    app = httpd.get_app()
    if not isinstance(app, InFlight):
        app = InFlight(app)
        httpd.set_app(app)
    return app


class DemoSnapshot:
    """The demo city as the first browser test of this process found it, kept to start every later one from.

    Each browser test is transactional: the database is flushed after it. Loading the demo city again took ten
    seconds a test; on SQLite the loaded database is copied once with SQLite's online backup API into a private
    in-memory database, with a copy of its in-memory files, and copied back before each later test (milliseconds).
    On another database the loader (idempotent) runs every time."""

    database: sqlite3.Connection | None = None
    files: InMemoryStorage | None = None

    @classmethod
    def start(cls, patch: pytest.MonkeyPatch) -> None:
        from django.db import connection

        from chaindesk.conftest import load_demo
        from chaindesk.testkit.storage import files_in_memory

        connection.ensure_connection()
        live = connection.connection
        if connection.vendor != "sqlite":
            load_demo(patch)
        elif cls.database is None:
            storage = load_demo(patch)
            cls.database = sqlite3.connect(":memory:", check_same_thread=False)
            live.backup(cls.database)
            cls.files = copy.deepcopy(storage)
        else:
            cls.database.backup(live)
            files_in_memory(patch, copy.deepcopy(cls.files))


@pytest.fixture
def demo_city(live_server, transactional_db, monkeypatch) -> Iterator[str]:  # noqa: ANN001
    """The demo city in the database (DemoSnapshot), its files in memory for the test; yields the live server's
    base URL, and after the test waits until the server has answered its last request."""
    in_flight = _in_flight(live_server)
    DemoSnapshot.start(monkeypatch)
    yield live_server.url
    assert in_flight.wait(), "the live server was still answering a request 15 s after the test ended"


def _new_page(browser, viewport: dict[str, int]):  # noqa: ANN001, ANN202
    context = browser.new_context(
        viewport=viewport,
        device_scale_factor=1,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"},
    )
    context.set_default_timeout(10_000)
    pg = context.new_page()
    # CSP forbids inline scripts and handlers; a violation shows up as a console error, and fails the test.
    pg.csp_errors = []
    pg.on(
        "console",
        lambda msg: msg.type == "error" and "Content Security Policy" in msg.text and pg.csp_errors.append(msg.text),
    )
    return context, pg


def _open(browser, base_url: str, viewport: dict[str, int]) -> Iterator:  # noqa: ANN001
    context, pg = _new_page(browser, viewport)
    pg.base_url = base_url
    yield pg
    context.close()
    assert not pg.csp_errors, pg.csp_errors


@pytest.fixture
def page(browser, demo_city) -> Iterator:  # noqa: ANN001
    """A desktop (1366×768) page; `page.base_url` is the live server."""
    yield from _open(browser, demo_city, DESKTOP)


@pytest.fixture
def phone_page(browser, demo_city) -> Iterator:  # noqa: ANN001
    """A phone-width (390×844) page."""
    yield from _open(browser, demo_city, PHONE)


def authenticator_code(username: str) -> str:
    """The code the user's authenticator shows now, as a phone would (the demo's administrators are bound to
    DEMO_TOTP_SECRET), or the next step's when this step's code was used already: a replay is refused."""
    from chaindesk.accounts import totp
    from chaindesk.accounts.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=username)
    return totp.code_at(device.secret, max(totp.current_step(), device.last_step + 1))


def switch_user(page, login: Callable, username: str, **kwargs) -> None:  # noqa: ANN001, ANN003
    """Sign the browser in as another user: leave the current page first (a request it still had in flight,
    answered after the cookies were cleared, set a fresh CSRF cookie that made the login form's token stale:
    a 403 seen once in CI), forget the session, then log in through the form."""
    page.goto("about:blank")
    page.context.clear_cookies()
    login(page, username, **kwargs)


@pytest.fixture
def login() -> Callable:
    """Log in through the real form; an administrator (two-factor sign-in) then types their authenticator's code.
    Waits for the workbench, and for the page's load (its deferred scripts have run: htmx has bound the header's
    search box, or a keystroke typed into it would send nothing)."""
    from chaindesk.demo.city import DEMO_PASSWORD

    def do(page, username: str, password: str = DEMO_PASSWORD, expect_workbench: bool = True) -> None:  # noqa: ANN001
        page.goto(f"{page.base_url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("[data-testid=login-submit]")
        page.wait_for_load_state("load")
        if "/accounts/2fa/code/" in page.url:
            page.fill("input[name=code]", authenticator_code(username))
            page.click("[data-testid=two-factor-submit]")
        if expect_workbench:
            page.wait_for_selector('[data-testid="workbench"]')
            page.wait_for_load_state("load")

    return do


@pytest.fixture
def shot() -> Callable[..., Path]:
    """Save a full-page screenshot as docs/screenshots/<name>.png once fonts and network are settled."""

    def take(page, name: str, full_page: bool = True) -> Path:  # noqa: ANN001
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.wait_for_load_state("networkidle")
        page.evaluate("document.fonts.ready.then(() => true)")
        if full_page:  # from the top: a sticky sidebar scrolled with the page would be drawn halfway down
            page.evaluate("window.scrollTo(0, 0)")
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
