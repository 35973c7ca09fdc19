"""Shared fixtures: the fixed personas and their world (chaindesk/testkit/personas.py), built once per test
module; the demo city loaded once per test session for the demo smoke set (`-m demo`) and the browser journeys,
unless CHAINDESK_TEST_NO_DEMO=1 (`make test-independent`: every other test stands on its own fixtures).

`persona(username)` and `client_as(username)` give a demo login (the smoke set's); other tests use `personas`."""

import copy
import os
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import pytest
from django.test import Client

from chaindesk.accounts.models import User
from chaindesk.demo import city
from chaindesk.testkit import clock

if TYPE_CHECKING:
    from django.core.files.storage import InMemoryStorage

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


def load_demo(patch: pytest.MonkeyPatch) -> "InMemoryStorage":
    """The demo city, its files (the briefing's DOCX and XLSX) in memory through `patch` (the storage is
    returned), and no first-page preview (LibreOffice would add a second or more to every load; the briefing tests
    make their own)."""
    from chaindesk.reports import preview
    from chaindesk.testkit.storage import files_in_memory

    storage = files_in_memory(patch)
    with pytest.MonkeyPatch.context() as no_preview:
        no_preview.setattr(preview, "available", lambda: False)
        city.load(enterprises=40, today=DEMO_TODAY)
    return storage


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
    """The personas' world (chaindesk/testkit/personas.py) of one test module, or none (`with_personas=False`: a
    module's own data built once), inside a transaction rolled back when it closes; attachments go to an in-memory
    storage meanwhile, so no test leaves files behind."""

    opened: ClassVar[list["_ModuleWorld"]] = []

    def __init__(self, blocker: Any, with_personas: bool = True) -> None:
        from django.db import transaction

        from chaindesk.rollups import engine as rollup_engine
        from chaindesk.testkit import personas as personas_module
        from chaindesk.testkit.storage import files_in_memory

        self.blocker = blocker
        self.patch = pytest.MonkeyPatch()
        files_in_memory(self.patch)
        self.atomic = transaction.atomic()
        self.personas = None
        with blocker.unblock():
            self.atomic.__enter__()
            _ModuleWorld.opened.append(self)
            try:
                if with_personas:
                    self.personas = personas_module.build()
                rollup_engine.flush()  # inside the module's transaction, not inside the first test's savepoint
            except BaseException:
                self.close()
                raise

    def build(self, make: Callable[[], Any]) -> Any:
        """Run `make` (writes) inside the module's transaction, outside any test's savepoint: data built once for
        the module's tests, each of which still rolls back its own writes."""
        from chaindesk.rollups import engine as rollup_engine

        with self.blocker.unblock():
            made = make()
            rollup_engine.flush()
        return made

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


# The test modules that take half a minute or more of a worker's time (`--durations=0`, summed per module), longest
# first. pytest-xdist hands whole modules to the workers (--dist loadfile), by default the ones with the most tests
# first: the crash drill, one test of three minutes, was handed out last, and a pass ended with one worker on it
# while the other waited. The Makefile turns that order off (--no-loadscope-reorder) and the modules go out in the
# order set here: these first, then the others by their number of tests, so the short ones even out the end.
LONG_MODULES = (
    "chaindesk/core/tests/test_crash.py",
    "chaindesk/core/tests/test_fuzz_params.py",
    "chaindesk/rollups/tests/test_rollups.py",
    "chaindesk/core/tests/test_route_matrix.py",
    "chaindesk/rollups/tests/test_demand_rollup.py",
    "chaindesk/api/tests/test_schemathesis.py",
    "chaindesk/core/tests/test_export_stream.py",
    "chaindesk/api/tests/test_permission_matrix.py",
    "chaindesk/synth/tests/test_synth.py",
    "chaindesk/core/tests/test_backup.py",
)


@pytest.hookimpl(trylast=True)  # after pytest-django has put its order
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
    rank = {path: i for i, path in enumerate(LONG_MODULES)}
    tests = Counter(item.nodeid.split("::", 1)[0] for item in items)

    def order(item: pytest.Item) -> tuple[int, int, str]:
        module = item.nodeid.split("::", 1)[0]
        return rank.get(module, len(rank)), -tests[module], module

    items.sort(key=order)  # stable: a module's tests keep their order


def pytest_runtest_setup(item: pytest.Item) -> None:
    # A transactional test commits, so no module's world may still hold its transaction open. pytest-django runs
    # every transactional test after the others, so a world closed here is never needed again.
    if _transactional(item):
        for world in reversed(_ModuleWorld.opened):  # the innermost first
            world.close()


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):  # noqa: ANN001, ANN201
    """The personas' world, built once per test module inside a transaction that is rolled back when the module
    ends. Each test runs in a savepoint inside it (pytest-django's `db`), so what one test writes never reaches
    the next; building it per test would cost most of the suite's time."""
    world = _ModuleWorld(django_db_blocker)
    yield world
    world.close()


@pytest.fixture(scope="module")
def _personas_world(_module_world):  # noqa: ANN001, ANN201
    return _module_world.personas


@pytest.fixture(scope="module")
def module_data(django_db_setup, django_db_blocker):  # noqa: ANN001, ANN201
    """A module's own data built once, without the personas' world: `module_data.build(make)` runs `make` inside
    a transaction rolled back when the module ends (a module on the personas' world builds through
    `_module_world.build`). For data that costs seconds to make and that the module's tests only read, or change
    inside their own savepoints."""
    world = _ModuleWorld(django_db_blocker, with_personas=False)
    yield world
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
