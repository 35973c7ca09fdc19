"""The 工作台's queue cards: each role's page holds an htmx slot for its card from the demands app (the card
itself is tested there), no 待上线 placeholder, and the page stays within its query budget.

On the fixed personas (chaindesk/testkit/personas.py), one per role."""

import pytest
from django.test import Client
from django.urls import reverse

from chaindesk.accounts.models import User
from chaindesk.testkit.personas import Personas

pytestmark = pytest.mark.django_db

SLOTS = [
    ("chief", "demands:card_supervision", "督办事项"),
    ("member", "demands:card_triage", "待受理诉求"),
    ("handler", "demands:card_department", "本部门待办任务"),
    ("liaison", "demands:card_liaison", "挂钩企业诉求"),
    ("district", "demands:card_district", "本地区待办诉求"),
    ("ent_user", "demands:card_enterprise", "我的诉求"),
]


def _client(user: User | None) -> Client:
    assert user is not None
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(("key", "card", "title"), SLOTS)
def test_workbench_loads_the_roles_queue_card(personas: Personas, key: str, card: str, title: str) -> None:
    client = _client(personas.user(key))
    page = client.get("/").content.decode()
    assert f'hx-get="{reverse(card)}"' in page
    assert 'data-testid="demands-card-slot"' in page
    assert title in page
    body = page.split('<div class="page-body">', 1)[1].split("</main>", 1)[0]
    assert "待上线" not in body  # the left menu may still mark areas to come; the page itself has none
    fragment = client.get(reverse(card), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert title in fragment.content.decode()


@pytest.mark.parametrize("key", [k for k, _card, _title in SLOTS])
def test_workbench_query_budget_holds_with_the_cards(
    personas: Personas,
    key: str,
    django_assert_max_num_queries,  # noqa: ANN001
) -> None:
    client = _client(personas.user(key))
    client.get("/")
    with django_assert_max_num_queries(6):
        assert client.get("/").status_code == 200


def test_each_role_gets_only_its_own_card(personas: Personas) -> None:
    page = _client(personas.chief).get("/").content.decode()
    assert reverse("demands:card_supervision") in page
    assert reverse("demands:card_triage") not in page
    page = _client(personas.liaison).get("/").content.decode()
    assert reverse("demands:card_liaison") in page
    assert reverse("demands:card_district") not in page
    assert 'data-testid="due-steps"' in page  # the liaison's next steps stay
