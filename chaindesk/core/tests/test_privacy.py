"""Personal data in the history tab: a talent's phone is masked for readers other than its keeper and the
chain roles, like on its page and in the export.

On the fixed personas' world (chaindesk/testkit/personas.py): 测试甲链's team member `p_member` keeps the talent,
`p_liaison` (a liaison of 测试甲区) reads its history."""

import pytest
from django.test import Client

from chaindesk.core.privacy import mask_phone
from chaindesk.network.services import talent_create, talent_update


def test_mask_phone():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("1234") == "**34"
    assert mask_phone("") == ""


@pytest.mark.django_db
def test_talent_phone_is_masked_in_history_for_a_liaison(personas):
    keeper = personas.member
    talent = talent_create(
        actor=keeper,
        name="测试能人",
        city="上海",
        organisation="上海某研究院",
        keeper=keeper,
        phone="13900001111",
    )
    talent_update(talent=talent, actor=keeper, phone="13900002222")
    url = f"/system/history/network/talent/{talent.pk}/"
    client = Client()
    client.force_login(keeper)
    full = client.get(url).content.decode()
    assert "13900002222" in full and "13900001111" in full
    client.force_login(personas.liaison)
    masked = client.get(url).content.decode()
    assert "139****2222" in masked
    assert "13900002222" not in masked and "13900001111" not in masked
