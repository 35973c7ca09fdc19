import pytest

from chaindesk.accounts.models import User
from chaindesk.enterprises.models import Enterprise


@pytest.mark.django_db
@pytest.mark.demo
def test_demo_city_is_loaded_for_tests():
    assert User.objects.filter(username="jiangdd").exists()
    assert Enterprise.objects.filter(name="江苏博生医用新材料股份有限公司").exists()


@pytest.mark.django_db
@pytest.mark.demo
def test_workbench_renders_for_every_demo_role(client_as):
    for role, username in [("city_leader", "jiangdd"), ("sys_admin", "sysadmin"), ("enterprise", "liuyang")]:
        response = client_as(username).get("/")
        assert response.status_code == 200
        assert f'data-role="{role}"' in response.content.decode()
