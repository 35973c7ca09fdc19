"""The 工作台's queue cards: each role's page holds an htmx slot for its card from the demands app (the card
itself is tested there), no 待上线 placeholder, and the page stays within its query budget."""

import pytest
from django.urls import reverse

SLOTS = [
    ("jiangdd", "demands:card_supervision", "督办事项"),
    ("wangzh", "demands:card_triage", "待受理诉求"),
    ("chenjing", "demands:card_department", "本部门待办任务"),
    ("liming", "demands:card_liaison", "挂钩企业诉求"),
    ("zhoutao", "demands:card_district", "本地区待办诉求"),
    ("liuyang", "demands:card_enterprise", "我的诉求"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("username", "card", "title"), SLOTS)
def test_workbench_loads_the_roles_queue_card(client_as, username, card, title):
    client = client_as(username)
    page = client.get("/").content.decode()
    assert f'hx-get="{reverse(card)}"' in page
    assert 'data-testid="demands-card-slot"' in page
    assert title in page
    body = page.split('<div class="page-body">', 1)[1].split("</main>", 1)[0]
    assert "待上线" not in body  # the left menu may still mark areas to come; the page itself has none
    fragment = client.get(reverse(card), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert title in fragment.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("username", [u for u, _card, _title in SLOTS])
def test_workbench_query_budget_holds_with_the_cards(client_as, username, django_assert_max_num_queries):
    client = client_as(username)
    client.get("/")
    with django_assert_max_num_queries(6):
        assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_each_role_gets_only_its_own_card(client_as):
    page = client_as("jiangdd").get("/").content.decode()
    assert reverse("demands:card_triage") not in page
    page = client_as("liming").get("/").content.decode()
    assert reverse("demands:card_district") not in page
    assert 'data-testid="due-steps"' in page  # the liaison's next steps stay
