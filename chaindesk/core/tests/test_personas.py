"""The personas fixture (chaindesk/testkit/personas.py): fast, and each persona's reach is what BRIEF.md says.

The facts asserted here are known from how the world is built, not recomputed with the code under test."""

import pytest
from stdnum.cn import uscc

from chaindesk.demands.models import Demand, Task
from chaindesk.enterprises.models import Enterprise
from chaindesk.projects.models import Project


@pytest.mark.django_db
def test_each_test_gets_fresh_instances_of_the_module_world(personas, request):
    world = request.getfixturevalue("_personas_world")
    assert personas.chief.username == world.chief.username == "p_chief"
    assert personas.ours.enterprise.pk == world.ours.enterprise.pk
    assert personas.ours.enterprise is not world.ours.enterprise  # a test may change its copy freely
    personas.ours.enterprise.name = "改过的名字"
    assert world.ours.enterprise.name != "改过的名字"


@pytest.mark.django_db
def test_what_a_test_writes_is_rolled_back_before_the_next(personas):
    Enterprise.objects.filter(pk=personas.ours.enterprise.pk).update(name="本测试改名")
    assert Enterprise.objects.get(pk=personas.ours.enterprise.pk).name == "本测试改名"


@pytest.mark.django_db
def test_what_the_previous_test_wrote_is_gone(personas):
    assert Enterprise.objects.get(pk=personas.ours.enterprise.pk).name == personas.ours.enterprise.name != "本测试改名"


@pytest.mark.django_db
def test_usccs_are_valid_and_names_are_distinct_from_the_demo(personas):
    for enterprise in (personas.ours.enterprise, personas.ent2, personas.theirs.enterprise):
        assert uscc.is_valid(enterprise.uscc)
        assert "测试" in enterprise.name
    assert all(user.username.startswith("p_") for user in personas.users().values())


@pytest.mark.django_db
def test_each_persona_sees_its_own_side_only(personas):
    ours, theirs = personas.ours, personas.theirs
    expected = {
        "chief": {ours.enterprise.pk, personas.ent2.pk},
        "member": {ours.enterprise.pk, personas.ent2.pk},
        "liaison": {ours.enterprise.pk, personas.ent2.pk},
        "district": {ours.enterprise.pk, personas.ent2.pk},
        "ent_user": {ours.enterprise.pk},
        "x_chief": {theirs.enterprise.pk},
        "x_liaison": {theirs.enterprise.pk},
        "x_district": {theirs.enterprise.pk},
        "x_ent_user": {theirs.enterprise.pk},
    }
    world = {ours.enterprise.pk, personas.ent2.pk, theirs.enterprise.pk}
    for key, pks in expected.items():
        seen = set(Enterprise.objects.visible_to(personas.user(key)).filter(pk__in=world).values_list("pk", flat=True))
        assert seen == pks, key


@pytest.mark.django_db
def test_department_handlers_see_their_departments_task(personas):
    tasks = {personas.ours.task.pk, personas.theirs.task.pk}
    mine = set(Task.objects.visible_to(personas.handler).filter(pk__in=tasks).values_list("pk", flat=True))
    theirs = set(Task.objects.visible_to(personas.x_handler).filter(pk__in=tasks).values_list("pk", flat=True))
    assert mine == {personas.ours.task.pk}
    assert theirs == {personas.theirs.task.pk}


@pytest.mark.django_db
def test_the_world_is_in_the_states_the_routes_need(personas):
    assert personas.ours.demand.status == "in_progress"
    assert personas.ours.project.stage == "signed"
    assert personas.ours.attachment is not None
    assert personas.ours.notification.recipient == personas.handler
    assert Demand.objects.filter(enterprise__name__startswith="测试").count() == 2
    assert Project.objects.filter(chain__code__startswith="p_").count() == 2
