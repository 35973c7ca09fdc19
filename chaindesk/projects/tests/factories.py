"""Projects built on the fixed personas' world (chaindesk/testkit/personas.py), through the product's services.

Every project here is on our side (测试甲链, 测试甲区) unless the caller says otherwise, so a test knows what each
persona should see without asking the code under test."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.test import Client

from chaindesk.accounts.models import User
from chaindesk.projects import services
from chaindesk.projects.choices import FORWARD, ProjectStage
from chaindesk.projects.models import Project
from chaindesk.testkit.personas import Personas

PREFIX = "测试项目"
"""Every project a test adds is named with this prefix; the personas' own projects (测试甲扩产项目, …) are not."""


def project(personas: Personas, name: str, *, actor: User | None = None, **fields: Any) -> Project:
    """A project at 在谈 on our chain in our district, registered by our chief (keyword fields override)."""
    fields.setdefault("chain", personas.ours.chain)
    fields.setdefault("region", personas.ours.region)
    return services.project_create(actor=actor or personas.chief, name=name, **fields)


def advance(project: Project, to_stage: str, *, on: dt.date, actor: User) -> Project:
    """Move a project forward along 在谈 → 签约 → 开工 → … up to `to_stage`, every step dated `on`."""
    for stage in FORWARD[FORWARD.index(project.stage) + 1 : FORWARD.index(to_stage) + 1]:
        project = services.project_transition(project=project, to_stage=stage, on=on, actor=actor)
    return project


def many_projects(personas: Personas, count: int) -> list[Project]:
    """`count` projects named 测试项目批量000… on our chain, over 在谈, 签约, 开工 and 在建 in turn (i % 4); the
    odd ones are our enterprise's, the even ones an outside investor's. Each has a plan of 1,200 万元 this year,
    and each signed one reported 100 万元 in January (a project in talks reports nothing)."""
    chief, today = personas.chief, personas.today
    stages = [ProjectStage.NEGOTIATING, ProjectStage.SIGNED, ProjectStage.STARTED, ProjectStage.BUILDING]
    made = []
    for i in range(count):
        item = project(
            personas,
            f"{PREFIX}批量{i:03d}",
            node=personas.ours.node,
            enterprise=personas.ours.enterprise if i % 2 else None,
            investor_name="" if i % 2 else f"测试投资方{i}",
            planned_investment=Decimal(1000 + i),
        )
        day = today - dt.timedelta(days=i)
        item = advance(item, stages[i % len(stages)], on=day, actor=chief)
        services.plan_set(project=item, year=today.year, amount=Decimal(1200), actor=chief)
        if item.stage != ProjectStage.NEGOTIATING:
            services.investment_report(
                project=item, month=dt.date(today.year, 1, 1), amount=Decimal(100), actor=chief, reported_on=day
            )
        made.append(item)
    return made


def login(user: User | None) -> Client:
    """A test client signed in as `user` (force_login: no password hashing, no audit noise)."""
    assert user is not None, "a persona key names a user (anon has no login)"
    client = Client()
    client.force_login(user)
    return client
