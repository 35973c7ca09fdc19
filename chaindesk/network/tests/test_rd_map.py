"""The R&D map ("研发在北上广、落地在兴化") on hand-built data: counted statuses, distinct enterprises per city,
the city × chain table, and only the cooperations of enterprises the user may see.

On the personas' world: our enterprise and ent2 (测试甲链, 测试甲区, served by `personas.liaison`; ent_user is
our enterprise's user) and theirs (测试乙链, 测试乙区) each already work with 测试大学 in 北京 (active)."""

import json

import pytest
from django.test import Client

from chaindesk.chains.models import Chain
from chaindesk.core.actors import FIXTURES
from chaindesk.core.services import audited_create
from chaindesk.enterprises.models import Enterprise
from chaindesk.network import selectors, services
from chaindesk.network.models import CooperationStatus

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas):  # noqa: ANN001, ANN201
    """Ours and ent2 (测试甲链; ent2 also on 测试丙链) work with two Shanghai partners and with 测试大学 in 北京;
    theirs, on 测试乙链 only, works with 测试大学 too (the world's own cooperations)."""
    ours, ent2, theirs = personas.ours.enterprise, personas.ent2, personas.theirs.enterprise
    # A third chain whose team nobody is on (scope follows team membership): a second column for ent2 only.
    third = audited_create(
        model=Chain,
        actor=FIXTURES,
        code="p_third",
        name="测试丙链",
        chief=personas.chief,
        lead_department=personas.ours.department,
    )
    ent2.chains.add(third)
    sh1 = factories.partner(personas, name="测上海甲", city="上海")
    sh2 = factories.partner(personas, name="测上海乙", city="上海")
    bj = personas.partner  # 测试大学, 北京: ours and theirs already work with it (active)
    factories.cooperation(personas, ours, sh1, CooperationStatus.ACTIVE)
    factories.cooperation(personas, ours, sh2, CooperationStatus.TALKING)
    factories.cooperation(personas, ent2, sh1, CooperationStatus.DONE, ended_on=personas.today)
    factories.cooperation(personas, ent2, bj, CooperationStatus.STOPPED)  # not counted
    visible = Enterprise.objects.visible_to(personas.x_chief)
    assert not visible.filter(pk__in=[ours.pk, ent2.pk]).exists() and visible.filter(pk=theirs.pk).exists()
    return {"ours": personas.ours.chain, "third": third, "theirs": personas.theirs.chain}


def _cities(data):  # noqa: ANN001, ANN202
    return [(c.city, c.cooperations, c.enterprises) for c in data.cities]


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def test_numbers_for_the_chain_chief(world, personas):
    data = selectors.rd_map(personas.chief)
    assert (data.cooperations, data.enterprises) == (4, 2)
    assert _cities(data) == [("上海", 3, 2), ("北京", 1, 1)]
    assert data.chains == [(world["ours"].pk, "测试甲链"), (world["third"].pk, "测试丙链")]
    shanghai, beijing = data.cities
    assert [(c.cooperations, c.enterprises) for c in shanghai.cells] == [(3, 2), (1, 1)]
    assert [(c.cooperations, c.enterprises) for c in beijing.cells] == [(1, 1), (0, 0)]
    assert [(c.cooperations, c.enterprises) for c in data.chain_totals] == [(4, 2), (1, 1)]


def test_numbers_follow_visibility(world, personas):
    other = selectors.rd_map(personas.x_chief)
    assert _cities(other) == [("北京", 1, 1)] and other.chains == [(world["theirs"].pk, "测试乙链")]
    liaison = selectors.rd_map(personas.liaison)  # serves ours and ent2 (测试甲区)
    assert _cities(liaison) == [("上海", 3, 2), ("北京", 1, 1)]
    own = selectors.rd_map(personas.ent_user)  # the enterprise user of ours: its own cooperations only
    assert _cities(own) == [("上海", 2, 1), ("北京", 1, 1)]


def test_page_states_the_rule_and_shows_chart_and_table(world, personas):
    response = _client(personas.chief).get("/network/rd-map/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "共 4 项合作，涉及 2 家企业" in page and "不计“已终止”的" in page
    assert 'data-chart="rd-map-data"' in page and "network/rd_map.js" in page and "echarts.min.js" in page
    option = json.loads(page.split('<script id="rd-map-data" type="application/json">')[1].split("</script>")[0])
    assert option["xAxis"]["data"] == ["上海", "北京"]
    assert [p["value"] for p in option["series"][0]["data"]] == [3, 1]
    assert [p["value"] for p in option["series"][1]["data"]] == [2, 1]
    assert option["series"][0]["data"][0]["url"] == "/network/partners/?city=%E4%B8%8A%E6%B5%B7"
    table = page.split('data-testid="rd-map-table"')[1]
    assert "测试甲链" in table and "测试丙链" in table and 'data-city="上海"' in table


def test_empty_map(personas):
    # The chief's only counted cooperation (ours with 测试大学) ends: nothing left to count.
    assert (selectors.rd_map(personas.chief).cooperations, selectors.rd_map(personas.chief).enterprises) == (1, 1)
    services.cooperation_update(
        actor=personas.liaison, cooperation=personas.ours.cooperation, status=CooperationStatus.STOPPED
    )
    page = _client(personas.chief).get("/network/rd-map/").content.decode()
    assert "暂无研发合作。" in page and "共 0 项合作" in page and "rd_map.js" not in page


@pytest.mark.parametrize(("key", "status"), [("ent_user", 403), ("handler", 403), ("district", 200)])
def test_map_access(personas, key, status):
    assert _client(personas.user(key)).get("/network/rd-map/").status_code == status
