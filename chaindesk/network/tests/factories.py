"""Network records for the tests on the fixed personas (chaindesk/testkit/personas.py), made through the network
services with a persona as actor, the way the personas' own world is built.

Defaults: a talent is registered by `personas.chief`, kept by `personas.liaison`, from 测试甲区 and on 测试甲链;
a partner is registered by `personas.chief`; a cooperation is recorded by the enterprise's liaison
(`personas.liaison` for ours and ent2, `personas.x_liaison` for theirs)."""

import datetime as dt
import itertools
from typing import Any

from chaindesk.accounts.models import User
from chaindesk.enterprises.models import Enterprise
from chaindesk.network import services
from chaindesk.network.models import CooperationStatus, PartnerKind, RdCooperation, RdPartner, Talent
from chaindesk.testkit.personas import Personas

PHONE = "13912345678"
MASKED = "139****5678"
COOPERATION_SUBJECT = "医用膜材联合研发"
COOPERATION_START = dt.date(2025, 3, 1)

_seq = itertools.count(1)


def talent(personas: Personas, *, actor: User | None = None, **fields: Any) -> Talent:
    """A talent kept by the liaison, from 测试甲区, on 测试甲链 unless `fields` say otherwise."""
    values: dict[str, Any] = {
        "name": f"测能人{next(_seq)}",
        "city": "上海",
        "organisation": "上海测试研究院",
        "field": "医用高分子材料",
        "hometown": personas.ours.region,
        "phone": PHONE,
        "keeper": personas.liaison,
        "chains": [personas.ours.chain],
    }
    values.update(fields)
    return services.talent_create(actor=actor or personas.chief, **values)


def partner(personas: Personas, **fields: Any) -> RdPartner:
    """An R&D partner (a university in 上海 unless told otherwise), registered by the chief."""
    values: dict[str, Any] = {"name": f"测试研发机构{next(_seq)}", "city": "上海", "kind": PartnerKind.UNIVERSITY}
    values.update(fields)
    return services.partner_create(actor=personas.chief, **values)


def cooperation(
    personas: Personas,
    enterprise: Enterprise,
    partner: RdPartner,
    status: str = CooperationStatus.ACTIVE,
    ended_on: dt.date | None = None,
) -> RdCooperation:
    """A cooperation of `enterprise` with `partner` (COOPERATION_SUBJECT, since COOPERATION_START, until
    `ended_on`: a done one needs it), recorded by the enterprise's liaison."""
    recorder = personas.x_liaison if enterprise.pk == personas.theirs.enterprise.pk else personas.liaison
    return services.cooperation_create(
        actor=recorder,
        enterprise=enterprise,
        partner=partner,
        subject=COOPERATION_SUBJECT,
        started_on=COOPERATION_START,
        ended_on=ended_on,
        status=status,
    )
