import pytest

from chaindesk.enterprises.models import Enterprise


@pytest.mark.django_db
def test_enterprise_page_links_to_the_assign_page_for_those_who_may_assign(client_as):
    boshen = Enterprise.objects.get(name="江苏博生医用新材料股份有限公司")
    url = f"/service/enterprises/{boshen.pk}/assign/"
    page = client_as("jiangdd").get(f"/enterprises/{boshen.pk}/").content.decode()
    assert url in page
    assert client_as("jiangdd").get(url).status_code == 200
    assert url not in client_as("liming").get(f"/enterprises/{boshen.pk}/").content.decode()
