import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chaindesk.chains import services
from chaindesk.chains.models import Chain, ChainNode
from chaindesk.core.models import AuditAction, AuditLog

from .factories import biomed, enterprise, small_tree

pytestmark = pytest.mark.django_db


def _lines(obj, action):
    return AuditLog.objects.for_object(obj).filter(action=action)


def test_add_appends_last_and_is_audited(persona):
    chain, jiang = biomed(), persona("jiangdd")
    t = small_tree(chain)
    new = services.node_add(chain=chain, parent=t["up"], name="  测试环节丙 ", actor=jiang)
    assert new.name == "测试环节丙" and new.parent == t["up"] and new.sort_order == 2
    line = _lines(new, AuditAction.CREATE).get()
    assert line.actor == jiang and line.after["name"] == "测试环节丙"


def test_add_refuses_duplicate_blank_and_foreign_parent(persona):
    chain, jiang = biomed(), persona("jiangdd")
    t = small_tree(chain)
    with pytest.raises(ValidationError, match="已有名为"):
        services.node_add(chain=chain, parent=t["up"], name="测试环节甲", actor=jiang)
    with pytest.raises(ValidationError, match="请填写"):
        services.node_add(chain=chain, parent=None, name="  ", actor=jiang)
    other = Chain.objects.exclude(pk=chain.pk).order_by("pk")[0]
    with pytest.raises(ValidationError, match="不属于本产业链"):
        services.node_add(chain=other, parent=t["up"], name="X", actor=persona(other.chief.username))
    assert not ChainNode.objects.filter(name__in=["X", ""]).exists()


@pytest.mark.parametrize("username", ["lead_equip", "liming", "chenjing", "zhoutao", "sysadmin"])
def test_only_the_chain_team_may_edit(persona, username):
    chain = biomed()
    t = small_tree(chain)
    before = AuditLog.objects.count()
    with pytest.raises(PermissionDenied):
        services.node_add(chain=chain, parent=None, name="越权", actor=persona(username))
    with pytest.raises(PermissionDenied):
        services.node_delete(node=t["mid"], actor=persona(username))
    assert AuditLog.objects.count() == before
    assert ChainNode.objects.filter(pk=t["mid"].pk).exists()


def test_team_member_may_edit(persona):
    node = services.node_add(chain=biomed(), parent=None, name="测试下游", actor=persona("wangzh"))
    assert node.pk


def test_rename_audits_before_and_after(persona):
    t = small_tree(biomed())
    services.node_rename(node=t["a"], name="测试环节甲改", actor=persona("jiangdd"))
    line = _lines(t["a"], AuditAction.UPDATE).get()
    assert line.before == {"name": "测试环节甲"} and line.after == {"name": "测试环节甲改"}
    with pytest.raises(ValidationError, match="已有名为"):
        services.node_rename(node=t["a"], name="测试环节乙", actor=persona("jiangdd"))


def test_move_and_its_refusals(persona):
    chain, jiang = biomed(), persona("jiangdd")
    t = small_tree(chain)
    services.node_move(node=t["b"], new_parent=t["mid"], actor=jiang)
    t["b"].refresh_from_db()
    assert t["b"].parent == t["mid"]
    line = _lines(t["b"], AuditAction.UPDATE).get()
    assert line.before["parent"] == t["up"].pk and line.after["parent"] == t["mid"].pk
    with pytest.raises(ValidationError, match="下级环节之下"):
        services.node_move(node=t["b"], new_parent=t["b1"], actor=jiang)
    with pytest.raises(ValidationError, match="下级环节之下"):
        services.node_move(node=t["b"], new_parent=t["b"], actor=jiang)
    other = Chain.objects.exclude(pk=chain.pk).order_by("pk")[0]
    foreign = ChainNode.objects.create(chain=other, name="外链环节")
    with pytest.raises(ValidationError, match="其他产业链"):
        services.node_move(node=t["b"], new_parent=foreign, actor=jiang)
    t["b"].refresh_from_db()
    assert t["b"].parent == t["mid"]
    services.node_move(node=t["b"], new_parent=None, actor=jiang)
    t["b"].refresh_from_db()
    assert t["b"].parent is None


def test_reorder_up_down_and_position(persona):
    chain, jiang = biomed(), persona("jiangdd")
    t = small_tree(chain)
    c = services.node_add(chain=chain, parent=t["up"], name="测试环节丙", actor=jiang)

    def order():
        return list(ChainNode.objects.filter(parent=t["up"]).order_by("sort_order").values_list("name", flat=True))

    services.node_reorder(node=c, direction="up", actor=jiang)
    assert order() == ["测试环节甲", "测试环节丙", "测试环节乙"]
    services.node_reorder(node=c, position=0, actor=jiang)
    assert order() == ["测试环节丙", "测试环节甲", "测试环节乙"]
    services.node_reorder(node=c, direction="up", actor=jiang)  # already first: nothing changes
    assert order() == ["测试环节丙", "测试环节甲", "测试环节乙"]
    services.node_reorder(node=t["b"], direction="down", actor=jiang)
    assert order()[-1] == "测试环节乙"
    assert _lines(c, AuditAction.UPDATE).exists()
    with pytest.raises(ValidationError):
        services.node_reorder(node=c, actor=jiang)


def test_delete_refused_when_in_use_then_allowed(persona):
    chain, jiang = biomed(), persona("jiangdd")
    t = small_tree(chain)
    with pytest.raises(ValidationError, match="1 个下级环节"):
        services.node_delete(node=t["b"], actor=jiang)
    enterprise(t["a"])
    enterprise(t["a"])
    with pytest.raises(ValidationError, match="该环节下有 2 家企业，不能删除"):
        services.node_delete(node=t["a"], actor=jiang)
    assert not AuditLog.objects.filter(action=AuditAction.DELETE, object_id=str(t["a"].pk)).exists()
    pk = t["b1"].pk
    services.node_delete(node=t["b1"], actor=jiang)
    assert not ChainNode.objects.filter(pk=pk).exists()
    line = AuditLog.objects.get(action=AuditAction.DELETE, object_id=str(pk))
    assert line.actor == jiang and line.before["name"] == "测试环节乙一"
