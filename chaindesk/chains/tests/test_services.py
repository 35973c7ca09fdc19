import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chaindesk.chains import services
from chaindesk.chains.models import ChainNode
from chaindesk.core.models import AuditAction, AuditLog

from .factories import ours_enterprise, ours_small_tree

pytestmark = pytest.mark.django_db


def _lines(obj, action):
    return AuditLog.objects.for_object(obj).filter(action=action)


def test_add_appends_last_and_is_audited(personas):
    chain, chief = personas.ours.chain, personas.chief
    t = ours_small_tree(personas)
    new = services.node_add(chain=chain, parent=t["up"], name="  测试环节丙 ", actor=chief)
    assert new.name == "测试环节丙" and new.parent == t["up"] and new.sort_order == 2
    line = _lines(new, AuditAction.CREATE).get()
    assert line.actor == chief and line.after["name"] == "测试环节丙"


def test_add_refuses_duplicate_blank_and_foreign_parent(personas):
    chain, chief = personas.ours.chain, personas.chief
    t = ours_small_tree(personas)
    with pytest.raises(ValidationError, match="已有名为"):
        services.node_add(chain=chain, parent=t["up"], name="测试环节甲", actor=chief)
    with pytest.raises(ValidationError, match="请填写"):
        services.node_add(chain=chain, parent=None, name="  ", actor=chief)
    other = personas.theirs.chain
    with pytest.raises(ValidationError, match="不属于本产业链"):
        services.node_add(chain=other, parent=t["up"], name="X", actor=personas.x_chief)
    assert not ChainNode.objects.filter(name__in=["X", ""]).exists()


@pytest.mark.parametrize("key", ["x_chief", "liaison", "handler", "district", "sysadmin"])
def test_only_the_chain_team_may_edit(personas, key):
    t = ours_small_tree(personas)
    actor = personas.user(key)
    before = AuditLog.objects.count()
    with pytest.raises(PermissionDenied):
        services.node_add(chain=personas.ours.chain, parent=None, name="越权", actor=actor)
    with pytest.raises(PermissionDenied):
        services.node_delete(node=t["mid"], actor=actor)
    assert AuditLog.objects.count() == before
    assert ChainNode.objects.filter(pk=t["mid"].pk).exists()
    assert not ChainNode.objects.filter(name="越权").exists()


def test_team_member_may_edit(personas):
    node = services.node_add(chain=personas.ours.chain, parent=None, name="测试下游", actor=personas.member)
    assert node.pk
    assert _lines(node, AuditAction.CREATE).get().actor == personas.member


def test_rename_audits_before_and_after(personas):
    t = ours_small_tree(personas)
    services.node_rename(node=t["a"], name="测试环节甲改", actor=personas.chief)
    line = _lines(t["a"], AuditAction.UPDATE).get()
    assert line.before == {"name": "测试环节甲"} and line.after == {"name": "测试环节甲改"}
    with pytest.raises(ValidationError, match="已有名为"):
        services.node_rename(node=t["a"], name="测试环节乙", actor=personas.chief)


def test_move_and_its_refusals(personas):
    chief = personas.chief
    t = ours_small_tree(personas)
    services.node_move(node=t["b"], new_parent=t["mid"], actor=chief)
    t["b"].refresh_from_db()
    assert t["b"].parent == t["mid"]
    line = _lines(t["b"], AuditAction.UPDATE).get()
    assert line.before["parent"] == t["up"].pk and line.after["parent"] == t["mid"].pk
    with pytest.raises(ValidationError, match="下级环节之下"):
        services.node_move(node=t["b"], new_parent=t["b1"], actor=chief)
    with pytest.raises(ValidationError, match="下级环节之下"):
        services.node_move(node=t["b"], new_parent=t["b"], actor=chief)
    foreign = personas.theirs.node  # a node of 测试乙链
    with pytest.raises(ValidationError, match="其他产业链"):
        services.node_move(node=t["b"], new_parent=foreign, actor=chief)
    t["b"].refresh_from_db()
    assert t["b"].parent == t["mid"]
    services.node_move(node=t["b"], new_parent=None, actor=chief)
    t["b"].refresh_from_db()
    assert t["b"].parent is None


def test_reorder_up_down_and_position(personas):
    chain, chief = personas.ours.chain, personas.chief
    t = ours_small_tree(personas)
    c = services.node_add(chain=chain, parent=t["up"], name="测试环节丙", actor=chief)

    def order():
        return list(ChainNode.objects.filter(parent=t["up"]).order_by("sort_order").values_list("name", flat=True))

    services.node_reorder(node=c, direction="up", actor=chief)
    assert order() == ["测试环节甲", "测试环节丙", "测试环节乙"]
    services.node_reorder(node=c, position=0, actor=chief)
    assert order() == ["测试环节丙", "测试环节甲", "测试环节乙"]
    services.node_reorder(node=c, direction="up", actor=chief)  # already first: nothing changes
    assert order() == ["测试环节丙", "测试环节甲", "测试环节乙"]
    services.node_reorder(node=t["b"], direction="down", actor=chief)
    assert order()[-1] == "测试环节乙"
    assert _lines(c, AuditAction.UPDATE).exists()
    with pytest.raises(ValidationError):
        services.node_reorder(node=c, actor=chief)


def test_delete_refused_when_in_use_then_allowed(personas):
    chief = personas.chief
    t = ours_small_tree(personas)
    with pytest.raises(ValidationError, match="1 个下级环节"):
        services.node_delete(node=t["b"], actor=chief)
    ours_enterprise(personas, t["a"])
    ours_enterprise(personas, t["a"])
    with pytest.raises(ValidationError, match="该环节下有 2 家企业，不能删除"):
        services.node_delete(node=t["a"], actor=chief)
    assert not AuditLog.objects.filter(action=AuditAction.DELETE, object_id=str(t["a"].pk)).exists()
    pk = t["b1"].pk
    services.node_delete(node=t["b1"], actor=chief)
    assert not ChainNode.objects.filter(pk=pk).exists()
    line = AuditLog.objects.get(action=AuditAction.DELETE, object_id=str(pk))
    assert line.actor == chief and line.before["name"] == "测试环节乙一"
