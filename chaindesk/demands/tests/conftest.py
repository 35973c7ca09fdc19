"""Shared fixtures for the demands tests, on the fixed personas (chaindesk/testkit/personas.py): a `DemandWorld`
(factories.py) that walks demands to a given status through the services, with the personas as actors.

    make_demand()                                   # 已提交, by ent_user for our enterprise, channel 企业提交
    make_demand(status="in_progress")               # accepted by the chief, one task for 测试甲局
    make_demand(status="awaiting_confirmation")     # that task signed and done by the handler, accepted
    make_demand(status="closed")                    # confirmed 满意 by ent_user
    make_task(demand, department="theirs")          # one more task (the demand must be accepted/in progress)
    var_dir                                         # attachments stored under a tmp VAR_DIR

A test module may define its own `world`, `make_demand` or `make_task`; its own wins."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chaindesk.demands.models import Attachment, Category, Demand, Task, attachment_storage
from chaindesk.demands.tests.factories import DemandWorld
from chaindesk.testkit.personas import Personas


@pytest.fixture
def var_dir(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Attachments go to tmp_path/attachments. Django builds a FileField's callable storage once, when the
    model class is created, so the field's storage is replaced too (not only settings.VAR_DIR)."""
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(Attachment._meta.get_field("file"), "storage", attachment_storage())
    return tmp_path


@pytest.fixture
def categories(db: Any) -> dict[str, Category]:  # noqa: ARG001
    """The 11 categories of the data migration, by code (land, approval, environment, energy, finance, talent,
    policy, market, innovation, infrastructure, other)."""
    return {c.code: c for c in Category.objects.all()}


@pytest.fixture
def world(personas: Personas) -> DemandWorld:
    return DemandWorld(personas)


@pytest.fixture
def make_demand(world: DemandWorld) -> Callable[..., Demand]:
    return world.demand


@pytest.fixture
def make_task(world: DemandWorld) -> Callable[..., Task]:
    return world.task
