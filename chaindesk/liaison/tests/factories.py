"""Test helpers for one-to-one service on the personas' world (chaindesk/testkit/personas.py).

Everything goes through the product's services with a persona as actor, like the world itself."""

import datetime as dt

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import User
from chaindesk.accounts.services import user_create
from chaindesk.enterprises.models import Enterprise
from chaindesk.liaison import services
from chaindesk.testkit.personas import Personas, add_enterprise

# A password the production rules accept (the personas' own skips them, as a loader's may).
SECOND_PASSWORD = "Hand-over-Colleague-Qx!"  # noqa: S105 - a test login


def unassigned_enterprise(personas: Personas, name: str = "测试甲三号企业有限公司") -> Enterprise:
    """An enterprise on 测试甲链 in 测试甲区 without a liaison, an assignment period or a visit."""
    return add_enterprise(personas, name)


def served_enterprises(personas: Personas, count: int) -> list[Enterprise]:
    """`count` more enterprises of ours served by `personas.liaison` for a year, not yet visited."""
    served = []
    for number in range(count):
        enterprise = unassigned_enterprise(personas, name=f"测试甲服务{number}号企业有限公司")
        services.liaison_assign(
            actor=personas.member,
            enterprise=enterprise,
            liaison=personas.liaison,
            started_on=personas.today - dt.timedelta(days=365),
        )
        enterprise.refresh_from_db()
        served.append(enterprise)
    return served


def second_liaison(personas: Personas) -> User:
    """Another liaison of 测试甲区 (the one a hand-over goes to), created by the system administrator."""
    return user_create(
        actor=personas.sysadmin,
        username="p_liaison2",
        display_name="测试专员二",
        role=Role.LIAISON,
        password=SECOND_PASSWORD,
        must_change_password=False,  # a test colleague, not the forced first sign-in
        region=personas.ours.region,
        title="测试专员二（测试）",
    )
