import pytest
from django.test import Client


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_enterprise_page_links_to_the_assign_page_for_those_who_may_assign(personas):
    ours = personas.ours.enterprise
    url = f"/service/enterprises/{ours.pk}/assign/"
    chief = _client(personas.chief)
    page = chief.get(f"/enterprises/{ours.pk}/").content.decode()
    assert url in page
    assert chief.get(url).status_code == 200
    served = _client(personas.liaison).get(f"/enterprises/{ours.pk}/")  # the liaison reads the page, cannot assign
    assert served.status_code == 200 and url not in served.content.decode()
