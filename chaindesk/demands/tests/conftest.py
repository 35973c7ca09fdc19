"""Shared fixtures for the demands tests: the categories, the demo's 江苏博生 and 自然资源和规划局, and a demand
factory that walks a demand to a given status through the services (so every row is realistic).

    make_demand()                                   # 已提交, by liuyang (江苏博生's user), channel 企业提交
    make_demand(status="in_progress")               # accepted by jiangdd, one task for 自然资源和规划局
    make_demand(status="awaiting_confirmation")     # that task signed by chenjing, done, accepted by jiangdd
    make_demand(status="closed")                    # confirmed 满意 by liuyang
    make_task(demand, department_code="zrzy")       # one more task (the demand must be accepted/in progress)
    var_dir                                         # attachments stored under a tmp VAR_DIR
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chaindesk.accounts.models import Department, User
from chaindesk.demands import services
from chaindesk.demands.choices import Channel, DemandStatus, Rating
from chaindesk.demands.models import Attachment, Category, Demand, Task, attachment_storage
from chaindesk.enterprises.models import Enterprise

BOSHEN = "江苏博生医用新材料股份有限公司"
TEAM = "jiangdd"  # 生物医药 chain chief, on the team of 江苏博生's chain
HANDLER = "chenjing"  # 自然资源和规划局 handler
ENTERPRISE_USER = "liuyang"
LIAISON = "liming"

CHANNEL_OF_ROLE = {"enterprise": Channel.ENTERPRISE, "liaison": Channel.LIAISON}


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
def boshen(db: Any) -> Enterprise:  # noqa: ARG001
    return Enterprise.objects.get(name=BOSHEN)


@pytest.fixture
def department(db: Any) -> Callable[[str], Department]:  # noqa: ARG001
    def get(code: str) -> Department:
        return Department.objects.get(code=code)

    return get


@pytest.fixture
def make_task(persona: Callable[[str], User], department: Callable[[str], Department]) -> Callable[..., Task]:
    def make(
        demand: Demand,
        *,
        department_code: str = "zrzy",
        actor: str = TEAM,
        working_days: int = 10,
        instructions: str = "请协调解决用地指标问题。",
        co: tuple[str, ...] = (),
    ) -> Task:
        return services.task_create(
            demand=demand,
            actor=persona(actor),
            lead_department=department(department_code),
            co_departments=[department(c) for c in co],
            instructions=instructions,
            working_days=working_days,
        )

    return make


@pytest.fixture
def make_demand(
    persona: Callable[[str], User],
    categories: dict[str, Category],
    boshen: Enterprise,
    make_task: Callable[..., Task],
) -> Callable[..., Demand]:
    def make(
        *,
        status: str = DemandStatus.SUBMITTED,
        actor: str = ENTERPRISE_USER,
        enterprise: Enterprise | None = None,
        title: str = "新厂区用地指标",
        description: str = "二期厂房需新增用地约30亩，希望协调用地指标。",
        category: str = "land",
        channel: str | None = None,
        urgency: str = "normal",
        files: tuple[Any, ...] = (),
    ) -> Demand:
        user = persona(actor)
        demand = services.demand_submit(
            actor=user,
            enterprise=enterprise or boshen,
            title=title,
            description=description,
            category=categories[category],
            urgency=urgency,
            channel=channel or CHANNEL_OF_ROLE.get(user.role, Channel.TEAM),
            files=files,
        )
        if status == DemandStatus.SUBMITTED:
            return demand
        if status in (DemandStatus.REJECTED, DemandStatus.NEEDS_INFO):
            if status == DemandStatus.REJECTED:
                services.demand_reject(demand=demand, actor=persona(TEAM), reason="不属于服务范围")
            else:
                services.demand_request_info(demand=demand, actor=persona(TEAM), note="请补充用地红线图")
            return demand
        services.demand_accept(demand=demand, actor=persona(TEAM))
        if status == DemandStatus.ACCEPTED:
            return demand
        task = make_task(demand)
        if status == DemandStatus.IN_PROGRESS:
            return demand
        services.task_sign(task=task, actor=persona(HANDLER))
        services.task_request_completion(task=task, actor=persona(HANDLER), result="已协调解决用地指标。")
        services.task_accept_completion(task=task, actor=persona(TEAM))
        demand.refresh_from_db()
        if status == DemandStatus.AWAITING_CONFIRMATION:
            return demand
        services.demand_confirm(demand=demand, actor=persona(ENTERPRISE_USER), rating=Rating.SATISFIED, comment="好")
        if status == DemandStatus.CLOSED:
            return demand
        raise ValueError(f"make_demand: unsupported status {status!r}")

    return make
