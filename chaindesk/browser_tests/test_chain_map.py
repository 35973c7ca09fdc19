"""The chain map (产业链图谱): open it as the chain chief, add a node from the edit page, see it on the map."""

import pytest

from chaindesk.accounts.models import User
from chaindesk.chains import services
from chaindesk.chains.models import Chain
from chaindesk.enterprises.models import Enterprise

pytestmark = pytest.mark.browser

# Used only when the demo city has not drawn the 生物医药 tree itself.
TREE = {
    "上游": {"原料药": {}, "药用辅料": {}, "药包材": {"医用膜材": {}, "输液包材": {}}},
    "中游": {"化学药": {}, "生物药": {}, "中药": {}, "医疗器械": {"耗材": {}, "设备": {}}},
    "下游": {"研发外包": {}, "医药流通": {}},
}
PLACES = {"江苏博生医用新材料股份有限公司": "医用膜材", "江苏金扬子包装科技有限公司": "输液包材"}


def _ensure_tree(chain: Chain) -> None:
    if chain.nodes.exists():
        return
    actor = User.objects.get(username="jiangdd")
    made = {}

    def add(children: dict, parent=None) -> None:  # noqa: ANN001
        for name, below in children.items():
            made[name] = services.node_add(chain=chain, parent=parent, name=name, actor=actor)
            add(below, made[name])

    add(TREE)
    for enterprise_name, node_name in PLACES.items():
        enterprise = Enterprise.objects.filter(name=enterprise_name).first()
        if enterprise is not None:
            enterprise.nodes.add(made[node_name])


def test_chain_map_add_node(page, login, shot):
    chain = Chain.objects.get(code="biomed")
    _ensure_tree(chain)
    login(page, "jiangdd")
    page.goto(f"{page.base_url}/chains/{chain.pk}/")
    page.click('[data-testid="chain-map-link"]')
    page.wait_for_selector('[data-testid="chain-map"] canvas')
    assert "评级规则" in page.locator('[data-testid="rating-rules"]').inner_text()

    page.click('[data-testid="edit-nodes"]')
    form = page.locator('[data-testid="add-node-form"]')
    form.locator("select[name=parent]").select_option(label="下游")
    form.locator("input[name=name]").fill("医疗服务")
    form.locator('[data-testid="add-node"]').click()
    page.wait_for_selector(".alert-success")
    assert "已新增环节“医疗服务”" in page.locator(".alert-success").inner_text()
    assert chain.nodes.filter(name="医疗服务", parent__name="下游").exists()
    shot(page, "chain-map-edit")

    page.goto(f"{page.base_url}/chains/{chain.pk}/map/")
    page.wait_for_selector('[data-testid="chain-map"] canvas')
    row = page.locator('[data-testid="node-table"] tr', has_text="医疗服务")
    assert "缺" in row.inner_text()
    # Clicking a node of the chart loads its enterprises into the panel (chains/map.js, htmx).
    point = page.evaluate(
        """() => {
            const el = document.querySelector('[data-testid="chain-map"]');
            const data = echarts.getInstanceByDom(el).getModel().getSeriesByIndex(0).getData();
            for (let i = 0; i < data.count(); i++) {
                if (data.getName(i) === "医用膜材") {
                    const t = data.getItemGraphicEl(i).transform, box = el.getBoundingClientRect();
                    return {x: box.left + t[4], y: box.top + t[5]};
                }
            }
            return null;
        }"""
    )
    assert point is not None
    page.mouse.click(point["x"], point["y"])
    page.wait_for_selector('[data-testid="node-panel-content"]:has-text("医用膜材")')
    # The table's link loads the node's enterprises into the panel (htmx), without leaving the page.
    page.locator('[data-testid="node-table"] tr', has_text="药包材").locator('[data-testid="node-link"]').click()
    page.wait_for_selector('[data-testid="node-panel-content"]')
    # One viewport as tall as the page, so the full-page shot keeps the left menu at the top.
    page.set_viewport_size({"width": 1366, "height": page.evaluate("document.documentElement.scrollHeight")})
    shot(page, "chain-map")


def test_chain_map_at_phone_width(phone_page, login, shot):
    chain = Chain.objects.get(code="biomed")
    _ensure_tree(chain)
    login(phone_page, "wangzh")
    phone_page.goto(f"{phone_page.base_url}/chains/{chain.pk}/map/")
    phone_page.wait_for_selector('[data-testid="chain-map"] canvas')
    # The tree scrolls sideways inside its card; the page itself does not.
    overflow = phone_page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    shot(phone_page, "chain-map-mobile", full_page=False)
