"""Shared fixtures: the fixed personas and their world (chaindesk/testkit/personas.py), built once per test
module; the demo city loaded once per test session for the demo smoke set (`-m demo`) and the browser journeys,
unless CHAINDESK_TEST_NO_DEMO=1 (`make test-independent`: every other test stands on its own fixtures).

`persona(username)` and `client_as(username)` give a demo login (the smoke set's); other tests use `personas`."""

import copy
import os
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from django.test import Client

from chaindesk.accounts.models import User
from chaindesk.demo import city
from chaindesk.testkit import clock

DEMO_TODAY = clock.TEST_TODAY
_TRAVEL = pytest.StashKey[object]()


def pytest_configure(config: pytest.Config) -> None:
    # One fixed clock for the whole session (chaindesk/testkit/clock.py): no test depends on the day it runs.
    config.stash[_TRAVEL] = clock.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = config.stash.get(_TRAVEL, None)
    if traveller is not None:
        traveller.stop()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # noqa: ANN001, ANN201
    from chaindesk.rollups import engine

    with django_db_blocker.unblock():
        if os.environ.get("CHAINDESK_TEST_NO_DEMO") != "1":
            load_demo(pytest.MonkeyPatch())  # kept for the session: the demo's files stay in memory
        engine.rebuild()  # as `make run` does after loading: the rollups filled, and marked as built


def load_demo(patch: pytest.MonkeyPatch) -> None:
    """The demo city, its files (the briefing's DOCX and XLSX) in memory through `patch`, and no first-page preview
    (LibreOffice would add a second or more to every load; the briefing tests make their own)."""
    from chaindesk.reports import preview
    from chaindesk.testkit.storage import files_in_memory

    files_in_memory(patch)
    with pytest.MonkeyPatch.context() as no_preview:
        no_preview.setattr(preview, "available", lambda: False)
        city.load(enterprises=40, today=DEMO_TODAY)


@pytest.fixture(autouse=True)
def _rollups_in_step(django_db_blocker):  # noqa: ANN001, ANN202
    """What the writes before this test left pending for the rollups (a module's world, a module's fixtures) is
    refreshed before the test's own savepoint opens: refreshed inside it, the refresh would be rolled back with the
    test while the writes it reflects stay."""
    from chaindesk.rollups import engine

    if engine.pending():
        with django_db_blocker.unblock():
            engine.flush()
    yield


@pytest.fixture
def persona(db) -> Callable[[str], User]:  # noqa: ANN001
    def get(username: str) -> User:
        return User.objects.get(username=username)

    return get


@pytest.fixture
def client_as(db) -> Callable[[str], Client]:  # noqa: ANN001
    """A test client logged in as a demo persona (force_login: no password hashing, no audit noise)."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    return make


class _ModuleWorld:
    """The personas' world (chaindesk/testkit/personas.py) of one test module, inside a transaction rolled back
    when it closes; attachments go to an in-memory storage meanwhile, so no test leaves files behind."""

    opened: ClassVar[list["_ModuleWorld"]] = []

    def __init__(self, blocker: Any) -> None:
        from django.db import transaction

        from chaindesk.rollups import engine as rollup_engine
        from chaindesk.testkit import personas as personas_module
        from chaindesk.testkit.storage import files_in_memory

        self.blocker = blocker
        self.patch = pytest.MonkeyPatch()
        files_in_memory(self.patch)
        self.atomic = transaction.atomic()
        with blocker.unblock():
            self.atomic.__enter__()
            _ModuleWorld.opened.append(self)
            try:
                self.personas = personas_module.build()
                rollup_engine.flush()  # inside the module's transaction, not inside the first test's savepoint
            except BaseException:
                self.close()
                raise

    def close(self) -> None:
        from django.db import transaction

        if self not in _ModuleWorld.opened:
            return
        _ModuleWorld.opened.remove(self)
        with self.blocker.unblock():
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)
        self.patch.undo()


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names or bool(marker and marker.kwargs.get("transaction"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """CHAINDESK_TEST_TRANSACTIONAL=skip runs only the tests that share their module's transaction (the Makefile
    runs those on every core with pytest-xdist), =only runs only the transactional ones (browser journeys,
    concurrency: they commit, and the flush after each empties the tables, the demo city and the categories of the
    data migrations with them, so they run after the others, in one process)."""
    mode = os.environ.get("CHAINDESK_TEST_TRANSACTIONAL", "")
    if mode not in ("skip", "only"):
        return
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        (drop if _transactional(item) == (mode == "skip") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_runtest_setup(item: pytest.Item) -> None:
    # A transactional test commits, so no module's world may still hold its transaction open. pytest-django runs
    # every transactional test after the others, so a world closed here is never needed again.
    if _transactional(item):
        for world in list(_ModuleWorld.opened):
            world.close()


@pytest.fixture(scope="module")
def _personas_world(django_db_setup, django_db_blocker):  # noqa: ANN001, ANN201
    """The personas' world, built once per test module inside a transaction that is rolled back when the module
    ends. Each test runs in a savepoint inside it (pytest-django's `db`), so what one test writes never reaches
    the next; building it per test would cost most of the suite's time."""
    world = _ModuleWorld(django_db_blocker)
    yield world.personas
    world.close()


@pytest.fixture
def personas(request, _personas_world, db):  # noqa: ANN001, ANN201
    """The fixed personas and their tiny world: the module's world (`_personas_world`) as fresh instances, so a
    test may change them in memory freely. Transactional tests commit, so they build their own
    (`chaindesk.testkit.personas.build()`), never this fixture."""
    if _transactional(request.node):
        pytest.fail("a transactional test builds its own world: chaindesk.testkit.personas.build()")
    world = copy.deepcopy(_personas_world)
    for user in world.users().values():
        user.__dict__.pop("_chaindesk_scope", None)  # a test that changes a team reads the scope afresh
    return world
