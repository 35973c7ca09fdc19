"""The 工作台's 企业 card counts what the reader may see: its one-query count (cheap for a team of one chain)
equals the visible set's count, for every persona and for a team on several chains whose chains share an
enterprise (counted once)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chaindesk.enterprises.models import Enterprise
from chaindesk.enterprises.workbench import enterprises_card, visible_count
from chaindesk.testkit.personas import IN_SCOPE, OUT_OF_SCOPE, Personas, add_chair, join_team

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("key", [*IN_SCOPE, *OUT_OF_SCOPE])
def test_count_equals_the_visible_set(personas: Personas, key: str) -> None:
    user = personas.user(key)
    assert visible_count(user) == Enterprise.objects.visible_to(user).count()
    assert visible_count(user) == Enterprise.objects.count_visible_to(user)


def test_chair_counts_the_chain(personas: Personas) -> None:
    chair = add_chair(personas)
    assert visible_count(chair) == Enterprise.objects.visible_to(chair).count() == 2


def test_a_team_on_two_chains_counts_a_shared_enterprise_once(personas: Personas) -> None:
    member = personas.member
    join_team(member, personas.theirs.chain)
    personas.ent2.chains.add(personas.theirs.chain)  # ent2 now sits on both of the member's chains
    member.__dict__.pop("_chaindesk_scope", None)
    expected = Enterprise.objects.visible_to(member).count()
    assert expected == 3  # ours: enterprise and ent2; theirs: its enterprise (and ent2 again)
    assert visible_count(member) == expected == Enterprise.objects.count_visible_to(member)


def test_the_card_reads_in_two_queries(personas: Personas) -> None:
    with CaptureQueriesContext(connection) as queries:
        card = enterprises_card(personas.chief)
    assert len(queries) == 2
    assert card["enterprise_count"] == 2


def test_the_count_names_the_models_tables() -> None:
    from chaindesk.chains.models import TeamMember
    from chaindesk.enterprises.workbench import _TEAM_COUNT

    assert TeamMember._meta.db_table in _TEAM_COUNT
    assert Enterprise.chains.through._meta.db_table in _TEAM_COUNT
