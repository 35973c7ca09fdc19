"""The R&D map ("研发在北上广、落地在兴化") on hand-built data: counted statuses, distinct enterprises per city,
the city × chain table, and only the cooperations of enterprises the user may see."""

import json

import pytest

from chaindesk.chains.models import Chain
from chaindesk.enterprises.models import Enterprise
from chaindesk.network import selectors
from chaindesk.network.models import CooperationStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(no_cooperations, boshen, jinyangzi, make_partner, make_cooperation, persona):  # noqa: ANN001, ANN201
    """Boshen and 金扬子 (生物医药; 金扬子 also on 化工及新材料) work with two Shanghai partners and one in Beijing;
    a 高端装备 firm outside 生物医药 works with Beijing too."""
    biomed, chem, equip = (Chain.objects.get(code=c) for c in ("biomed", "chem", "equip"))
    boshen.chains.set([biomed])
    jinyangzi.chains.set([biomed, chem])
    outsider = Enterprise.objects.filter(chains=equip).exclude(chains=biomed).first()
    assert outsider is not None
    outsider.chains.set([equip])
    sh1, sh2 = make_partner(name="测上海甲", city="上海"), make_partner(name="测上海乙", city="上海")
    bj = make_partner(name="测北京", city="北京")
    make_cooperation(boshen, sh1, CooperationStatus.ACTIVE)
    make_cooperation(boshen, sh2, CooperationStatus.TALKING)
    make_cooperation(jinyangzi, sh1, CooperationStatus.DONE)
    make_cooperation(jinyangzi, bj, CooperationStatus.STOPPED)  # not counted
    make_cooperation(boshen, bj, CooperationStatus.ACTIVE)
    make_cooperation(outsider, bj, CooperationStatus.ACTIVE)  # not visible to the 生物医药 team
    visible = Enterprise.objects.visible_to(persona("lead_equip"))
    assert not visible.filter(pk__in=[boshen.pk, jinyangzi.pk]).exists()
    return {"biomed": biomed, "chem": chem, "equip": equip, "outsider": outsider}


def _cities(data):  # noqa: ANN001, ANN202
    return [(c.city, c.cooperations, c.enterprises) for c in data.cities]


def test_numbers_for_the_biomed_chief(world, persona):
    data = selectors.rd_map(persona("jiangdd"))
    assert (data.cooperations, data.enterprises) == (4, 2)
    assert _cities(data) == [("上海", 3, 2), ("北京", 1, 1)]
    assert data.chains == [(world["biomed"].pk, "生物医药"), (world["chem"].pk, "化工及新材料")]
    shanghai, beijing = data.cities
    assert [(c.cooperations, c.enterprises) for c in shanghai.cells] == [(3, 2), (1, 1)]
    assert [(c.cooperations, c.enterprises) for c in beijing.cells] == [(1, 1), (0, 0)]
    assert [(c.cooperations, c.enterprises) for c in data.chain_totals] == [(4, 2), (1, 1)]


def test_numbers_follow_visibility(world, persona):
    equip = selectors.rd_map(persona("lead_equip"))
    assert _cities(equip) == [("北京", 1, 1)] and equip.chains == [(world["equip"].pk, "高端装备")]
    liaison = selectors.rd_map(persona("liming"))  # serves Boshen and 金扬子 (兴化市)
    assert _cities(liaison) == [("上海", 3, 2), ("北京", 1, 1)]
    own = selectors.rd_map(persona("liuyang"))  # the enterprise user of Boshen: its own cooperations only
    assert _cities(own) == [("上海", 2, 1), ("北京", 1, 1)]


def test_page_states_the_rule_and_shows_chart_and_table(world, client_as):
    response = client_as("jiangdd").get("/network/rd-map/")
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
    assert "生物医药" in table and "化工及新材料" in table and 'data-city="上海"' in table


def test_empty_map(no_cooperations, client_as):
    page = client_as("jiangdd").get("/network/rd-map/").content.decode()
    assert "暂无研发合作。" in page and "共 0 项合作" in page and "rd_map.js" not in page


@pytest.mark.parametrize(("username", "status"), [("liuyang", 403), ("chenjing", 403), ("zhoutao", 200)])
def test_map_access(client_as, username, status):
    assert client_as(username).get("/network/rd-map/").status_code == status
