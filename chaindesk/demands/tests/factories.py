"""Demands and tasks on the personas' world (chaindesk/testkit/personas.py), walked through the services with the
personas as actors, for the service and metrics tests.

Who is who (persona keys, see `Personas.user`): the chief of 测试甲链 (`chief`) and its team member (`member`)
triage and decide; `ent_user` is our enterprise's user; `liaison` serves it; `handler` works in 测试甲局
("ours"), `x_handler` in 测试乙局 ("theirs"). Two more people exist only when a test asks for them: `chair`, a
city leader on 测试甲链's team as 召集人, and `third_handler`, the handler of a third department 测试丙局
("third") that no chain leads.

    world = DemandWorld(personas)
    world.demand()                                  # 已提交, by ent_user for our enterprise, channel 企业提交
    world.demand(status="in_progress")              # accepted by the chief, one task for 测试甲局
    world.demand(status="awaiting_confirmation")    # that task signed and done by the handler, accepted
    world.demand(status="closed")                   # confirmed 满意 by ent_user
    world.task(demand, department="theirs")         # one more task (the demand must be accepted/in progress)

A department is named by key ("ours", "theirs", "third") or given as a `Department`, a person by persona key
(or "chair", "third_handler") or given as a `User`.
"""

from collections.abc import Sequence
from typing import Any

from chaindesk.accounts.choices import DepartmentKind, Role
from chaindesk.accounts.models import Department, User
from chaindesk.core.actors import FIXTURES
from chaindesk.core.services import audited_create
from chaindesk.demands import services
from chaindesk.demands.choices import Channel, DemandStatus, Rating
from chaindesk.demands.models import Category, Demand, Task
from chaindesk.enterprises.models import Enterprise
from chaindesk.testkit.personas import Personas, add_chair, add_user

CHANNEL_OF_ROLE = {Role.ENTERPRISE: Channel.ENTERPRISE, Role.LIAISON: Channel.LIAISON}
LAND_TITLE = "新厂区用地指标"
LAND_TEXT = "二期厂房需新增用地约30亩，希望协调用地指标。"


class DemandWorld:
    """The personas plus the demands and tasks a test adds to their world."""

    def __init__(self, personas: Personas) -> None:
        self.personas = personas
        self._chair: User | None = None
        self._third: tuple[Department, User] | None = None

    # --- people and departments ----------------------------------------------------------------------------

    def user(self, who: str | User) -> User:
        """A persona by key (`chief`, `x_liaison` …, or `chair` / `third_handler`), or the user itself."""
        if isinstance(who, User):
            return who
        if who == "chair":
            return self.chair()
        if who == "third_handler":
            return self.third()[1]
        user = self.personas.user(who)
        assert user is not None, who
        return user

    def chair(self) -> User:
        """A second city leader, on 测试甲链's team as its 召集人 (the loader's way: no service adds a team)."""
        if self._chair is None:
            self._chair = add_chair(self.personas)
        return self._chair

    def third(self) -> tuple[Department, User]:
        """A third department, 测试丙局, and its handler (no chain leads it; it only gets tasks)."""
        if self._third is None:
            department = audited_create(
                model=Department,
                actor=FIXTURES,
                code="p_dept_c",
                name="测试市测试丙局",
                short_name="测试丙局",
                kind=DepartmentKind.GOVERNMENT,
                region=self.personas.city,
            )
            handler = add_user("p_third_handler", "丙局经办", Role.DEPT_HANDLER, self.personas.city, department)
            self._third = (department, handler)
        return self._third

    def department(self, key: str | Department) -> Department:
        """ "ours" (测试甲局, the handler's), "theirs" (测试乙局, x_handler's) or "third" (测试丙局)."""
        if isinstance(key, Department):
            return key
        if key == "third":
            return self.third()[0]
        return {"ours": self.personas.ours.department, "theirs": self.personas.theirs.department}[key]

    # --- demands and tasks ---------------------------------------------------------------------------------

    def task(
        self,
        demand: Demand,
        *,
        department: str | Department = "ours",
        actor: str | User = "chief",
        working_days: Any = 10,
        instructions: str = "请协调解决用地指标问题。",
        co: Sequence[str | Department] = (),
    ) -> Task:
        return services.task_create(
            demand=demand,
            actor=self.user(actor),
            lead_department=self.department(department),
            co_departments=[self.department(c) for c in co],
            instructions=instructions,
            working_days=working_days,
        )

    def demand(
        self,
        *,
        status: str = DemandStatus.SUBMITTED,
        actor: str | User = "ent_user",
        enterprise: Enterprise | None = None,
        title: str = LAND_TITLE,
        description: str = LAND_TEXT,
        category: str = "land",
        channel: str | None = None,
        urgency: str = "normal",
        files: Sequence[Any] = (),
    ) -> Demand:
        """A demand of our enterprise (or `enterprise`) walked to `status` through the services."""
        p = self.personas
        user = self.user(actor)
        demand = services.demand_submit(
            actor=user,
            enterprise=enterprise or p.ours.enterprise,
            title=title,
            description=description,
            category=Category.objects.get(code=category),
            urgency=urgency,
            channel=channel or CHANNEL_OF_ROLE.get(Role(user.role), Channel.TEAM),
            files=files,
        )
        if status == DemandStatus.SUBMITTED:
            return demand
        if status == DemandStatus.REJECTED:
            return services.demand_reject(demand=demand, actor=p.chief, reason="不属于服务范围")
        if status == DemandStatus.NEEDS_INFO:
            return services.demand_request_info(demand=demand, actor=p.chief, note="请补充用地红线图")
        services.demand_accept(demand=demand, actor=p.chief)
        if status == DemandStatus.ACCEPTED:
            return demand
        task = self.task(demand)
        if status == DemandStatus.IN_PROGRESS:
            return demand
        services.task_sign(task=task, actor=p.handler)
        services.task_request_completion(task=task, actor=p.handler, result="已协调解决用地指标。")
        services.task_accept_completion(task=task, actor=p.chief)
        demand.refresh_from_db()
        if status == DemandStatus.AWAITING_CONFIRMATION:
            return demand
        services.demand_confirm(demand=demand, actor=p.ent_user, rating=Rating.SATISFIED, comment="好")
        if status == DemandStatus.CLOSED:
            return demand
        raise ValueError(f"DemandWorld.demand: unsupported status {status!r}")
