"""The 工作台's 项目建设 card: loaded after the page, scoped to the user, numbers from the projects' selectors."""

import pytest

from chaindesk.projects.models import Project


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["jiangdd", "liming", "zhoutao"])
def test_workbench_loads_the_projects_card_for_officials(client_as, username):
    client = client_as(username)
    assert 'data-testid="projects-card-slot"' in client.get("/").content.decode()
    page = client.get("/cards/projects/").content.decode()
    assert 'data-testid="projects-card"' in page
    assert "序时进度" in page


@pytest.mark.django_db
def test_card_counts_only_the_projects_the_user_may_see(client_as, persona):
    visible = Project.objects.visible_to(persona("liming")).count()
    page = client_as("liming").get("/cards/projects/").content.decode()
    assert f"共 {visible} 个项目" in page


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["liuyang", "chenjing", "sysadmin"])
def test_card_is_refused_to_other_roles(client_as, username):
    assert client_as(username).get("/cards/projects/").status_code == 403


@pytest.mark.django_db
def test_card_query_budget(client_as, django_assert_max_num_queries):
    client = client_as("jiangdd")
    client.get("/")
    with django_assert_max_num_queries(5):
        assert client.get("/cards/projects/").status_code == 200
