"""Registry services: guards, USCC checks, duplicates, chain coverage and the audit lines they write.

On the personas' world: `ours.enterprise` (its enterprise user is ent_user) and `ent2` are on 测试甲链 in 测试甲区,
served by `personas.liaison`; `theirs` is on 测试乙链 in 测试乙区. New enterprises are registered here on 测试甲链
in 测试甲区 unless a test says otherwise."""

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn.uscc import calc_check_digit

from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.enterprises import services
from chaindesk.enterprises.models import Contact, Enterprise, Indicator
from chaindesk.enterprises.permissions import mask_phone
from chaindesk.enterprises.selectors import SimilarNames, name_core, similar_enterprises
from chaindesk.testkit.personas import make_uscc

from .factories import ALPHABET, flip_check_digit, ours_tree, qualification, valid_uscc

pytestmark = pytest.mark.django_db

NEW = "测试甲药业有限公司"


def _create(personas, actor, **extra):  # noqa: ANN001, ANN202
    fields: dict[str, Any] = {
        "name": NEW,
        "uscc": valid_uscc(),
        "region": personas.ours.region,
        "nodes": [personas.ours.node],
    }
    fields.update(extra)
    return services.enterprise_create(actor=actor, **fields)


def _lines(obj, action):  # noqa: ANN001, ANN202
    return AuditLog.objects.filter(object_id=str(obj.pk), action=action, content_type__model=obj._meta.model_name)


def test_create_normalises_the_code_places_on_chain_and_audits(personas):
    leader = personas.chief
    code = valid_uscc(1)
    spaced = " " + " ".join([code[:6], code[6:12], code[12:]]).lower() + " "
    tree = ours_tree(personas)
    enterprise = _create(personas, leader, uscc=spaced, nodes=[tree["chem"]], qualifications=[qualification()])
    assert enterprise.uscc == code
    assert set(enterprise.chains.all()) == {personas.ours.chain}
    assert list(enterprise.nodes.all()) == [tree["chem"]]
    assert list(enterprise.qualifications.all()) == [qualification()]
    line = _lines(enterprise, AuditAction.CREATE).get()
    assert line.actor == leader and line.after["uscc"] == code


def test_create_refuses_a_bad_checksum_in_chinese_and_writes_nothing(personas):
    before = Enterprise.objects.count()
    with pytest.raises(ValidationError) as info:
        _create(personas, personas.chief, uscc=flip_check_digit(valid_uscc(2)))
    assert "统一社会信用代码" in info.value.messages[0] and "校验位" in info.value.messages[0]
    assert Enterprise.objects.count() == before
    assert not Enterprise.objects.filter(name=NEW).exists()


def test_create_refuses_a_registered_code_naming_the_holder(personas):
    code = make_uscc("测试甲登记在先", personas.ours.region.code)
    _create(personas, personas.chief, name="测试甲登记在先有限公司", uscc=code)
    with pytest.raises(ValidationError) as info:
        _create(personas, personas.chief, uscc=code.lower())
    assert info.value.messages == ["该统一社会信用代码已登记：测试甲登记在先有限公司"]
    assert not Enterprise.objects.filter(name=NEW).exists()


ALNUM = st.text(alphabet=ALPHABET, min_size=9, max_size=9)
DIGITS = st.text(alphabet="0123456789", min_size=8, max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(digits=DIGITS, rest=ALNUM)
def test_hypothesis_valid_codes_are_accepted_and_flipped_ones_refused(personas, digits, rest):
    body = digits + rest
    code = body + calc_check_digit(body)
    leader = personas.chief
    with pytest.raises(ValidationError) as info:
        _create(personas, leader, uscc=flip_check_digit(code), name="假想码企业")
    assert "校验位" in info.value.messages[0]
    if Enterprise.objects.filter(uscc=code).exists():  # an earlier example drew the same code
        return
    created = _create(personas, leader, uscc=code, name="假想码企业")
    assert created.uscc == code


def test_create_guards(personas):
    with pytest.raises(PermissionDenied):
        _create(personas, personas.liaison)  # liaisons do not create
    with pytest.raises(PermissionDenied):
        _create(personas, personas.ent_user)
    with pytest.raises(PermissionDenied):
        _create(personas, personas.chief, nodes=[personas.theirs.node])  # not a chain he serves on
    with pytest.raises(PermissionDenied):
        _create(personas, personas.district, region=personas.theirs.region)  # outside 测试甲区
    assert not Enterprise.objects.filter(name=NEW).exists()
    assert _create(personas, personas.district, nodes=[]).region == personas.ours.region


def test_update_keeps_manual_chains_and_audits_node_change(personas):
    tree = ours_tree(personas)
    leader = personas.chief
    enterprise = _create(personas, leader, nodes=[tree["chem"]])
    manual = personas.theirs.chain
    enterprise.chains.add(manual)
    services.enterprise_update(actor=leader, enterprise=enterprise, nodes=[tree["down"]], address="测试甲区测试路2号")
    assert set(enterprise.chains.all()) == {personas.ours.chain, manual}
    assert list(enterprise.nodes.all()) == [tree["down"]]
    lines = _lines(enterprise, AuditAction.UPDATE)
    assert any(line.after.get("address") == "测试甲区测试路2号" for line in lines)
    assert any(line.after.get("nodes") == [tree["down"].pk] for line in lines)


def test_update_guards(personas):
    ours = personas.ours.enterprise
    services.enterprise_update(actor=personas.liaison, enterprise=ours, honours="省级专精特新")  # its liaison
    ours.refresh_from_db()
    assert ours.honours == "省级专精特新"
    for outsider in (personas.x_liaison, personas.x_district, personas.ent_user, personas.handler):
        with pytest.raises(PermissionDenied):
            services.enterprise_update(actor=outsider, enterprise=ours, honours="x")
    ours.refresh_from_db()
    assert ours.honours == "省级专精特新"
    with pytest.raises(ValidationError) as info:
        services.enterprise_update(actor=personas.liaison, enterprise=ours, uscc=personas.ent2.uscc)
    assert info.value.messages == ["该统一社会信用代码已登记：测试甲二号企业有限公司"]


def test_indicator_upsert_and_enterprise_user_may_report(personas):
    ours = personas.ours.enterprise
    first = services.indicator_set(actor=personas.ent_user, enterprise=ours, year=2030, revenue=Decimal("52000"))
    again = services.indicator_set(
        actor=personas.liaison, enterprise=ours, year=2030, revenue=Decimal("53000"), tax=Decimal("1200")
    )
    assert first.pk == again.pk and Indicator.objects.filter(enterprise=ours, year=2030).count() == 1
    assert _lines(first, AuditAction.CREATE).count() == 1
    assert _lines(first, AuditAction.UPDATE).get().after == {"revenue": "53000", "tax": "1200"}
    with pytest.raises(PermissionDenied):
        services.indicator_set(actor=personas.x_liaison, enterprise=ours, year=2030)


def test_contacts_add_update_remove_audited(personas):
    ours = personas.ours.enterprise
    me = personas.ent_user
    contact = services.contact_add(actor=me, enterprise=ours, name="王经理", phone="13812341234", is_primary=True)
    services.contact_update(actor=me, contact=contact, title="总经理")
    pk = contact.pk
    services.contact_remove(actor=me, contact=contact)
    assert not Contact.objects.filter(pk=pk).exists()
    actions = set(
        AuditLog.objects.filter(content_type__model="contact", object_id=str(pk)).values_list("action", flat=True)
    )
    assert actions == {AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE}
    with pytest.raises(PermissionDenied):
        services.contact_add(actor=personas.x_district, enterprise=ours, name="x")
    assert not Contact.objects.filter(enterprise=ours, name="x").exists()


def test_similar_names_are_flagged(personas):
    assert name_core("江苏博生医用新材料股份有限公司") == "博生医用新材料"
    name = "江苏测甲卓越膜材股份有限公司"
    registered = _create(personas, personas.chief, name=name)
    assert name_core(name) == "测甲卓越膜材"
    assert [e.name for e in similar_enterprises("测甲卓越膜材有限公司")] == [name]
    assert [e.name for e in similar_enterprises("江苏测甲卓越膜材科技有限公司")] == [name]
    assert similar_enterprises("测试甲区完全不同的机械厂") == []
    assert similar_enterprises(name, exclude_pk=registered.pk) == []


def test_similar_names_read_once_give_what_the_query_a_name_gives(personas):
    """SimilarNames (an import's many names, one query) picks the candidates as similar_enterprises' LIKE does:
    in the registry's order, at most CANDIDATES of them, ASCII letters case-blind on SQLite only."""
    region = personas.ours.region
    names = [f"测试乙{number:03d}号膜材科技有限公司" for number in range(260)]  # more than CANDIDATES share 膜材
    names += ["泰州ABC测试膜材有限公司", "泰州ABD测试膜材有限公司", "测试丙同名企业有限公司", "测试丙同名企业有限公司"]
    names += ["测试丁(泰州)生物医药有限公司", "江苏测甲卓越膜材股份有限公司"]
    Enterprise.objects.bulk_create(
        Enterprise(name=name, uscc=make_uscc(f"{name}{n}", region.code), region=region) for n, name in enumerate(names)
    )
    registry = SimilarNames()
    asked = [
        "测试乙007号膜材科技有限公司",
        "测试乙250号膜材有限公司",
        "泰州abc测试膜材有限公司",
        "泰州ABC测试膜材有限公司",
        "测试丁（泰州）生物医药有限公司",
        "测甲卓越膜材有限公司",
        "测试丙同名企业有限公司",
        "完全不同的机械厂",
        "有限公司",
    ]
    for name in asked:
        assert [e.pk for e in registry.similar(name)] == [e.pk for e in similar_enterprises(name)], name
        assert [e.pk for e in registry.similar(name, limit=2)] == [e.pk for e in similar_enterprises(name, limit=2)]
    assert registry.similar("测试乙007号膜材科技有限公司")  # the test is not of empty answers only
    twins = registry.named("测试丙同名企业有限公司")
    assert [e.pk for e in twins] == sorted(
        Enterprise.objects.filter(name="测试丙同名企业有限公司").values_list("pk", flat=True)
    )
    assert len(twins) == 2 and all(e.uscc for e in twins)
    assert registry.named("不存在的企业") == []


def test_mask_phone():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("0523-8888") == "052****8888"
    assert mask_phone("12") == "12"
    assert mask_phone("") == ""
