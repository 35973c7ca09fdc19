"""Shared fixtures: the demo city loaded once per test session, and one persona per role.

Personas (usernames from chaindesk.demo.city): jiangdd (chain chief), zhangkun (chair), wangzh (team
member), liming (兴化市 liaison), chenjing (自然资源和规划局 handler), zhoutao (兴化市 district admin),
liuyang (enterprise user of 江苏博生), sysadmin, auditor. Out-of-scope personas: lz_321282 (靖江市
liaison), da_321282 (靖江市 district admin), lead_equip (高端装备 chief, not on the 生物医药 team)."""

from collections.abc import Callable

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
    with django_db_blocker.unblock():
        city.load(enterprises=40, today=DEMO_TODAY)


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


@pytest.fixture
def personas(db, monkeypatch):  # noqa: ANN001, ANN201
    """The fixed personas and their tiny world (chaindesk/testkit/personas.py), built in this test's transaction.

    Attachments go to an in-memory storage, so a test never leaves files behind."""
    from django.core.files.storage import InMemoryStorage

    from chaindesk.demands.models import Attachment
    from chaindesk.testkit import personas as personas_module

    monkeypatch.setattr(Attachment._meta.get_field("file"), "storage", InMemoryStorage())
    return personas_module.build()
