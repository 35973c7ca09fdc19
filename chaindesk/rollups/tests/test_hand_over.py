"""On PostgreSQL a committed write hands the partitions it touched over to the process refreshing the rollups
instead of waiting for it (`engine.hand_over`), with real threads and transactions: the write returns at once, the
refresher takes the lines added while it ran, and a page takes the lines nobody took."""

import threading
from collections.abc import Iterator
from decimal import Decimal as D
from typing import Any

import pytest
from django.db import connection, connections, transaction

from chaindesk.projects import services as project_services
from chaindesk.projects.models import Project
from chaindesk.rollups import engine
from chaindesk.rollups.models import ProjectCycle, RollupPending
from chaindesk.testkit import personas as cast
from chaindesk.testkit.personas import Personas

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the hand-over is PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def world() -> Iterator[Personas]:
    p = cast.build_committed()  # each write commits, and (nobody else refreshing) refreshes its rollups itself
    engine.rebuild()
    assert not RollupPending.objects.exists()
    yield p
    engine.forget()


def _new_project(p: Personas, name: str) -> Project:
    return project_services.project_create(
        actor=p.chief,
        name=name,
        chain=p.ours.chain,
        region=p.ours.region,
        enterprise=p.ours.enterprise,
        planned_investment=D("1000"),
    )


def _in_cycle(p: Personas) -> int:
    return sum(ProjectCycle.objects.filter(chain_id=p.ours.chain.pk).values_list("projects", flat=True))


def _in_thread(target: Any) -> threading.Thread:
    def run() -> None:
        try:
            target()
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_write_while_another_process_refreshes_leaves_its_lines_and_a_page_takes_them(world: Personas) -> None:
    p = world
    before = _in_cycle(p)
    _new_project(p, "自行刷新项目")  # nobody else refreshing: refreshed before the service returns
    assert _in_cycle(p) == before + 1 and not RollupPending.objects.exists()

    held, release = threading.Event(), threading.Event()

    def refresher() -> None:  # another process at work: it holds the drain for as long as the test says
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [engine.DRAIN_LOCK])
            held.set()
            release.wait(timeout=30)

    thread = _in_thread(refresher)
    assert held.wait(timeout=30)
    try:
        _new_project(p, "交由他人刷新项目")  # returns without waiting for the refresher
        assert set(RollupPending.objects.values_list("family", flat=True)) == {"project_cycles", "project_stalls"}
        assert engine.pending() == {}  # handed over, not kept by this thread
        assert _in_cycle(p) == before + 1  # not refreshed yet
        assert engine.ready("project_cycles")  # a page: the drain is taken, it reads without waiting
        assert _in_cycle(p) == before + 1
    finally:
        release.set()
        thread.join(timeout=30)
    engine._pending.look_after = 0.0  # a page a few seconds later (a thread looks once in `LOOK_EVERY`)
    assert engine.ready("project_cycles")  # the refresher gone without taking them: the page takes them
    assert not RollupPending.objects.exists()
    assert _in_cycle(p) == before + 2
    assert engine.check() == []


def test_the_refresher_takes_the_lines_handed_over_while_it_ran(world: Personas, monkeypatch: Any) -> None:
    p = world
    before = _in_cycle(p)
    inside, go = threading.Event(), threading.Event()
    original = engine.refresh
    calls: list[str] = []

    def slow_refresh(family: Any, partitions: Any) -> None:
        calls.append(family.name)
        if len(calls) == 1:  # the first round's first family: a write comes meanwhile
            inside.set()
            assert go.wait(timeout=30)
        original(family, partitions)

    monkeypatch.setattr(engine, "refresh", slow_refresh)
    RollupPending.objects.create(family="project_cycles", partition=engine._encode(p.ours.chain.pk))
    drained: list[bool] = []
    thread = _in_thread(lambda: drained.append(engine.drain()))
    assert inside.wait(timeout=30)
    try:
        _new_project(p, "刷新期间提交项目")  # the drain is taken: handed over, returns at once
        assert RollupPending.objects.filter(family="project_stalls").exists()
    finally:
        go.set()
        thread.join(timeout=30)
    assert drained == [True]  # it looked again after its commit and took the new lines in a second round
    assert calls == ["project_cycles", "project_cycles", "project_stalls"]
    assert not RollupPending.objects.exists()
    assert _in_cycle(p) == before + 1
    assert engine.check() == []
