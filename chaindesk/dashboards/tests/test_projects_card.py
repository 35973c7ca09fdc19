"""The 工作台's 项目建设 card: loaded after the page, scoped to the user, numbers from the projects' selectors.

On the fixed personas (chaindesk/testkit/personas.py): `chief` leads 测试甲链, `liaison` serves our enterprise and
ent2, `district` administers 测试甲区."""

from decimal import Decimal

import pytest
from django.test import Client

from chaindesk.accounts.models import User
from chaindesk.projects import services as project_services
from chaindesk.testkit.personas import Personas

pytestmark = pytest.mark.django_db


def _client(user: User | None) -> Client:
    assert user is not None
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("key", ["chief", "liaison", "district"])
def test_workbench_loads_the_projects_card_for_officials(personas: Personas, key: str) -> None:
    client = _client(personas.user(key))
    assert 'data-testid="projects-card-slot"' in client.get("/").content.decode()
    page = client.get("/cards/projects/").content.decode()
    assert 'data-testid="projects-card"' in page
    assert "序时进度" in page


def test_card_counts_only_the_projects_the_user_may_see(personas: Personas) -> None:
    """The liaison sees the projects of the enterprises they serve: our enterprise's (the world's) and the one
    added here for ent2; not an outside investor's project on our chain, nor theirs (测试乙链)."""
    for name, enterprise, investor in (
        ("测试二号企业扩产项目", personas.ent2, ""),
        ("测试外来投资项目", None, "测试外来投资方"),
    ):
        project_services.project_create(
            actor=personas.chief,
            name=name,
            chain=personas.ours.chain,
            region=personas.ours.region,
            enterprise=enterprise,
            investor_name=investor,
            planned_investment=Decimal("1000.00"),
        )
    page = _client(personas.liaison).get("/cards/projects/").content.decode()
    assert "共 2 个项目" in page
    assert "共 3 个项目" in _client(personas.chief).get("/cards/projects/").content.decode()  # the whole chain


@pytest.mark.parametrize("key", ["ent_user", "handler", "sysadmin"])
def test_card_is_refused_to_other_roles(personas: Personas, key: str) -> None:
    assert _client(personas.user(key)).get("/cards/projects/").status_code == 403


def test_card_query_budget(personas: Personas, django_assert_max_num_queries) -> None:  # noqa: ANN001
    client = _client(personas.chief)
    client.get("/")
    with django_assert_max_num_queries(5):
        assert client.get("/cards/projects/").status_code == 200
