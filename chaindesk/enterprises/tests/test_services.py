"""Registry services: guards, USCC checks, duplicates, chain coverage and the audit lines they write."""

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn.uscc import calc_check_digit

from chaindesk.accounts.models import Region
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.enterprises import services
from chaindesk.enterprises.models import Contact, Enterprise, Indicator
from chaindesk.enterprises.permissions import mask_phone
from chaindesk.enterprises.selectors import name_core, similar_enterprises

from .factories import ALPHABET, biomed_tree, flip_check_digit, qualification, valid_uscc

pytestmark = pytest.mark.django_db

BOSHEN = "江苏博生医用新材料股份有限公司"


def xinghua() -> Region:
    return Region.objects.get(code="321281")


def _create(actor, **extra):
    fields: dict[str, Any] = {
        "name": "兴化测试药业有限公司",
        "uscc": valid_uscc(),
        "region": xinghua(),
        "nodes": [biomed_tree()["chem"]],
    }
    fields.update(extra)
    return services.enterprise_create(actor=actor, **fields)


def _lines(obj, action):
    return AuditLog.objects.filter(object_id=str(obj.pk), action=action, content_type__model=obj._meta.model_name)


def test_create_normalises_the_code_places_on_chain_and_audits(persona):
    leader = persona("jiangdd")
    code = valid_uscc(1)
    spaced = " " + " ".join([code[:6], code[6:12], code[12:]]).lower() + " "
    tree = biomed_tree()
    enterprise = _create(leader, uscc=spaced, qualifications=[qualification()])
    assert enterprise.uscc == code
    assert set(enterprise.chains.all()) == {tree["chem"].chain}
    assert list(enterprise.nodes.all()) == [tree["chem"]]
    line = _lines(enterprise, AuditAction.CREATE).get()
    assert line.actor == leader and line.after["uscc"] == code


def test_create_refuses_a_bad_checksum_in_chinese_and_writes_nothing(persona):
    before = Enterprise.objects.count()
    with pytest.raises(ValidationError) as info:
        _create(persona("jiangdd"), uscc=flip_check_digit(valid_uscc(2)))
    assert "统一社会信用代码" in info.value.messages[0] and "校验位" in info.value.messages[0]
    assert Enterprise.objects.count() == before


def test_create_refuses_a_registered_code_naming_the_holder(persona):
    boshen = Enterprise.objects.get(name=BOSHEN)
    with pytest.raises(ValidationError) as info:
        _create(persona("jiangdd"), uscc=boshen.uscc.lower())
    assert info.value.messages == [f"该统一社会信用代码已登记：{BOSHEN}"]


ALNUM = st.text(alphabet=ALPHABET, min_size=9, max_size=9)
DIGITS = st.text(alphabet="0123456789", min_size=8, max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(digits=DIGITS, rest=ALNUM)
def test_hypothesis_valid_codes_are_accepted_and_flipped_ones_refused(persona, digits, rest):
    body = digits + rest
    code = body + calc_check_digit(body)
    leader = persona("jiangdd")
    with pytest.raises(ValidationError) as info:
        _create(leader, uscc=flip_check_digit(code), name="假想码企业")
    assert "校验位" in info.value.messages[0]
    if Enterprise.objects.filter(uscc=code).exists():  # an earlier example drew the same code
        return
    created = _create(leader, uscc=code, name="假想码企业")
    assert created.uscc == code


def test_create_guards(persona):
    tree = biomed_tree()
    with pytest.raises(PermissionDenied):
        _create(persona("liming"))  # liaisons do not create
    with pytest.raises(PermissionDenied):
        _create(persona("liuyang"))
    with pytest.raises(PermissionDenied):
        _create(persona("jiangdd"), nodes=[tree["other"]])  # not a chain he serves on
    with pytest.raises(PermissionDenied):
        _create(persona("zhoutao"), region=Region.objects.get(code="321282"))  # outside 兴化市
    assert _create(persona("zhoutao"), nodes=[]).region == xinghua()


def test_update_keeps_manual_chains_and_audits_node_change(persona):
    tree = biomed_tree()
    leader = persona("jiangdd")
    enterprise = _create(leader)
    manual = tree["other"].chain
    enterprise.chains.add(manual)
    services.enterprise_update(actor=leader, enterprise=enterprise, nodes=[tree["down"]], address="兴化市戴南镇")
    assert set(enterprise.chains.all()) == {tree["down"].chain, manual}
    lines = _lines(enterprise, AuditAction.UPDATE)
    assert any(line.after.get("address") == "兴化市戴南镇" for line in lines)
    assert any(line.after.get("nodes") == [tree["down"].pk] for line in lines)


def test_update_guards(persona):
    boshen = Enterprise.objects.get(name=BOSHEN)
    services.enterprise_update(actor=persona("liming"), enterprise=boshen, honours="省级专精特新")  # its liaison
    for outsider in ("lz_321282", "da_321282", "liuyang", "chenjing"):
        with pytest.raises(PermissionDenied):
            services.enterprise_update(actor=persona(outsider), enterprise=boshen, honours="x")
    other = Enterprise.objects.exclude(pk=boshen.pk).filter(region=boshen.region).first()
    with pytest.raises(ValidationError):
        services.enterprise_update(actor=persona("liming"), enterprise=boshen, uscc=other.uscc if other else "X")


def test_indicator_upsert_and_enterprise_user_may_report(persona):
    boshen = Enterprise.objects.get(name=BOSHEN)
    first = services.indicator_set(actor=persona("liuyang"), enterprise=boshen, year=2030, revenue=Decimal("52000"))
    again = services.indicator_set(
        actor=persona("liming"), enterprise=boshen, year=2030, revenue=Decimal("53000"), tax=Decimal("1200")
    )
    assert first.pk == again.pk and Indicator.objects.filter(enterprise=boshen, year=2030).count() == 1
    assert _lines(first, AuditAction.CREATE).count() == 1
    assert _lines(first, AuditAction.UPDATE).get().after == {"revenue": "53000", "tax": "1200"}
    with pytest.raises(PermissionDenied):
        services.indicator_set(actor=persona("lz_321282"), enterprise=boshen, year=2030)


def test_contacts_add_update_remove_audited(persona):
    boshen = Enterprise.objects.get(name=BOSHEN)
    me = persona("liuyang")
    contact = services.contact_add(actor=me, enterprise=boshen, name="王经理", phone="13812341234", is_primary=True)
    services.contact_update(actor=me, contact=contact, title="总经理")
    pk = contact.pk
    services.contact_remove(actor=me, contact=contact)
    assert not Contact.objects.filter(pk=pk).exists()
    actions = set(
        AuditLog.objects.filter(content_type__model="contact", object_id=str(pk)).values_list("action", flat=True)
    )
    assert actions == {AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE}
    with pytest.raises(PermissionDenied):
        services.contact_add(actor=persona("da_321282"), enterprise=boshen, name="x")


def test_similar_names_are_flagged():
    assert name_core("江苏博生医用新材料股份有限公司") == "博生医用新材料"
    assert [e.name for e in similar_enterprises("博生医用新材料有限公司")] == [BOSHEN]
    assert [e.name for e in similar_enterprises("江苏博生医用新材料科技有限公司")] == [BOSHEN]
    assert similar_enterprises("兴化市完全不同的机械厂") == []
    boshen = Enterprise.objects.get(name=BOSHEN)
    assert similar_enterprises(BOSHEN, exclude_pk=boshen.pk) == []


def test_mask_phone():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("0523-8888") == "052****8888"
    assert mask_phone("12") == "12"
    assert mask_phone("") == ""
