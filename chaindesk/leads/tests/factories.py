"""Lead test helpers on the fixed personas' world (chaindesk/testkit/personas.py), not on the demo city.

Everything here goes through the product's services with a persona as actor, the way personas.py builds its
world (a chair on our chain's team, a loader-only step, is personas.py's `add_chair`). Names and amounts are
constants, so a test knows what it set up.

What the world already holds that a lead test sees: our chain 测试甲链 (chief `p_chief`, member `p_member`)
has one open lead of its own, `personas.ours.lead` (owned by the chief, on `personas.ours.node`, aimed at
测试甲区, 2 亿元 estimated); `p_liaison` owns no lead until a test gives them one."""

from decimal import Decimal
from typing import Any

from chaindesk.enterprises.models import Enterprise
from chaindesk.leads import services
from chaindesk.leads.choices import LeadSource
from chaindesk.leads.models import Lead
from chaindesk.network import services as network_services
from chaindesk.network.models import Talent
from chaindesk.testkit.personas import Personas, add_enterprise

TITLE = "测试线索·医用膜材配套"
INVESTOR = "上海某医疗科技有限公司"
AMOUNT = Decimal("12000")  # 万元: shown as 1.20 亿元
TALENT = "顾振华"
OUTSIDE = "测试甲链乙区企业有限公司"  # on our chain, in their district, served by no liaison


def make_lead(personas: Personas, **fields: Any) -> Lead:
    """A lead on 测试甲链 aimed at 测试甲区, recorded by our chief and owned by `p_liaison` unless told otherwise."""
    values: dict[str, Any] = {
        "actor": personas.chief,
        "title": TITLE,
        "source": LeadSource.EXPO,
        "investor": INVESTOR,
        "chain": personas.ours.chain,
        "owner": personas.liaison,
        "region": personas.ours.region,
        "node": personas.ours.node,
        "estimated_investment": AMOUNT,
    }
    values.update(fields)
    return services.lead_create(**values)


def make_talent(personas: Personas) -> Talent:
    """A hometown talent (顾振华) of 测试甲区 tied to our chain, kept by our team member."""
    return network_services.talent_create(
        actor=personas.chief,
        name=TALENT,
        city="上海",
        organisation="上海某生物医药研究院",
        field="医用高分子",
        keeper=personas.member,
        hometown=personas.ours.region,
        chains=[personas.ours.chain],
    )


def outside_enterprise(personas: Personas) -> Enterprise:
    """An enterprise on our chain located in 测试乙区, with no liaison: outside `p_liaison`'s scope."""
    return add_enterprise(personas, OUTSIDE, region=personas.theirs.region)
