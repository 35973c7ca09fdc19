"""Every page, for every kind of visitor: anonymous, wrong role, in scope, out of scope.

On the fixed personas (chaindesk/testkit/personas.py): "ours" is in the in-scope personas' reach, "theirs" only
in the x_ personas'."""

import pytest
from django.test import Client

from chaindesk.accounts.models import User
from chaindesk.chains.models import Chain
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.enterprises.models import Enterprise
from chaindesk.testkit.personas import Personas, add_chair

PAGES = ["/", "/chains/", "/enterprises/", "/meetings/", "/system/", "/system/audit/"]


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_anonymous_is_sent_to_login(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("handler", "/chains/"),
        ("handler", "/enterprises/"),
        ("handler", "/meetings/"),
        ("ent_user", "/chains/"),
        ("ent_user", "/meetings/"),
        ("sysadmin", "/enterprises/"),
        ("auditor", "/chains/"),
        ("liaison", "/system/"),
        ("chief", "/system/audit/"),
    ],
)
def test_wrong_role_gets_403_and_the_denial_is_audited(personas, key, path):
    user = personas.user(key)
    before = AuditLog.objects.filter(action=AuditAction.PERMISSION_DENIED, actor_name=user.username).count()
    response = _as(user).get(path)
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()
    after = AuditLog.objects.filter(action=AuditAction.PERMISSION_DENIED, actor_name=user.username)
    assert after.count() == before + 1
    assert after.first().message == path


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("chief", "/chains/"),
        ("member", "/enterprises/"),
        ("liaison", "/enterprises/"),
        ("district", "/meetings/"),
        ("ent_user", "/enterprises/"),
        ("sysadmin", "/system/"),
    ],
)
def test_right_role_sees_the_page(personas, key, path):
    assert _as(personas.user(key)).get(path, follow=True).status_code == 200


@pytest.mark.django_db
def test_detail_pages_in_scope(personas: Personas):
    ours = personas.ours
    cases = [
        (personas.chief, f"/enterprises/{ours.enterprise.pk}/"),  # chain chief: enterprise in his chain
        (personas.liaison, f"/enterprises/{ours.enterprise.pk}/"),  # its liaison
        (personas.district, f"/enterprises/{ours.enterprise.pk}/"),  # 测试甲区 district admin
        (personas.ent_user, f"/enterprises/{ours.enterprise.pk}/"),  # its own enterprise user
        (personas.chief, f"/chains/{ours.chain.pk}/"),
        (personas.chief, f"/meetings/{ours.meeting.pk}/"),
        (personas.district, f"/meetings/{ours.meeting.pk}/"),  # held in 测试甲区
        (personas.liaison, f"/meetings/{ours.meeting.pk}/"),  # attended it
    ]
    for user, path in cases:
        response = _as(user).get(path)
        assert response.status_code == 200, (user.username, path)


@pytest.mark.django_db
def test_detail_pages_out_of_scope_answer_404_like_missing_ones(personas: Personas):
    ours, theirs = personas.ours, personas.theirs
    cases = [
        (personas.x_liaison, f"/enterprises/{ours.enterprise.pk}/"),  # 乙区 liaison, not his enterprise
        (personas.x_district, f"/enterprises/{ours.enterprise.pk}/"),  # 乙区 district admin
        (personas.ent_user, f"/enterprises/{theirs.enterprise.pk}/"),  # another enterprise
        (personas.ent_user, f"/enterprises/{personas.ent2.pk}/"),  # another enterprise, on the same chain
        (personas.x_chief, f"/enterprises/{ours.enterprise.pk}/"),  # chief of another chain
        (personas.chief, f"/chains/{theirs.chain.pk}/"),  # not on that team
        (personas.chief, f"/meetings/{theirs.meeting.pk}/"),
        (personas.x_district, f"/meetings/{ours.meeting.pk}/"),
    ]
    for user, path in cases:
        response = _as(user).get(path)
        assert response.status_code == 404, (user.username, path)
        assert "找不到" in response.content.decode()
    missing = _as(personas.chief).get("/enterprises/99999999/")
    assert missing.status_code == 404


@pytest.mark.django_db
def test_out_of_scope_lookup_is_audited_as_denial(personas: Personas):
    enterprise = personas.ours.enterprise
    _as(personas.x_liaison).get(f"/enterprises/{enterprise.pk}/")
    entry = AuditLog.objects.filter(action=AuditAction.PERMISSION_DENIED, actor=personas.x_liaison).first()
    assert entry is not None
    assert entry.object_id == str(enterprise.pk)


@pytest.mark.django_db
def test_history_tab_follows_object_visibility(personas: Personas):
    enterprise = personas.ours.enterprise
    url = f"/system/history/enterprises/enterprise/{enterprise.pk}/"
    liaison = _as(personas.liaison)
    ok = liaison.get(url, headers={"HX-Request": "true"})
    assert ok.status_code == 200
    assert "新增" in ok.content.decode()  # the world created it through the audited service
    assert _as(personas.x_liaison).get(url).status_code == 404
    line = personas.audit_line()  # an audit line exists, but the audit log has no history tab of its own
    assert liaison.get(f"/system/history/core/auditlog/{line.pk}/").status_code == 404
    assert liaison.get("/system/history/nope/nothing/1/").status_code == 404


@pytest.mark.django_db
def test_enterprise_list_shows_only_visible_rows(personas: Personas):
    response = _as(personas.liaison).get("/enterprises/?q=")
    page = response.content.decode()
    # the liaison serves exactly the two enterprises of 测试甲区; the one of 测试乙区 is not theirs
    assert personas.ours.enterprise.name in page
    assert personas.ent2.name in page
    assert personas.theirs.enterprise.name not in page
    assert response.context["page_obj"].paginator.count == 2


@pytest.mark.django_db
def test_list_pages_query_count_does_not_grow_with_rows(personas, django_assert_max_num_queries):
    client = _as(personas.chief)
    client.get("/")  # the first request of a session records its last-seen time
    for path in ["/enterprises/", "/enterprises/?q=测试&sort=-founded", "/chains/", "/meetings/", "/"]:
        # session + user + count + rows + the two filter choices: BRIEF's budget of 6 for a list page
        with django_assert_max_num_queries(6):
            assert client.get(path).status_code == 200


@pytest.mark.django_db
def test_api_me_and_health(personas: Personas):
    assert Client().get("/api/health").json() == {"status": "ok"}
    assert Client().get("/api/me").status_code == 401
    data = _as(personas.liaison).get("/api/me").json()
    assert data["role"] == "liaison"
    assert data["scope"].startswith("测试甲区")


@pytest.mark.django_db
def test_chain_counts_match_the_rows(personas: Personas):
    chain = Chain.objects.with_counts().get(pk=personas.ours.chain.pk)
    # the world puts two enterprises (ent, ent2) and a team of two (chief, member) on 测试甲链
    assert chain.n_enterprises == 2
    assert chain.n_team == 2
    response = _as(personas.chief).get("/chains/")
    [row] = [c for c in response.context["page_obj"].object_list if c.pk == chain.pk]
    assert (row.n_enterprises, row.n_team) == (2, 2)
    page = response.content.decode()
    chain_row = page.split(chain.name, 1)[1].split("</tr>", 1)[0]
    assert ">2<" in chain_row


@pytest.mark.django_db
def test_chain_page_has_history_tab_scoped_like_the_chain(personas: Personas):
    chain = personas.ours.chain
    chief = _as(personas.chief)
    page = chief.get(f"/chains/{chain.pk}/").content.decode()
    assert "历史记录" in page and "服务团队" in page
    url = f"/system/history/chains/chain/{chain.pk}/"
    assert "新增" in chief.get(url).content.decode()
    assert _as(personas.x_chief).get(url).status_code == 404


@pytest.fixture
def chair(personas: Personas) -> User:
    """A second city leader on 测试甲链's team as its 召集人 (the world has only a chief there)."""
    return add_chair(personas)


# How many enterprises each persona sees, known from the world: ours has two on 测试甲链 in 测试甲区 (ent and ent2,
# both served by the liaison), theirs one on 测试乙链 in 测试乙区; each enterprise user sees their own.
KNOWN_VISIBLE = {
    "chief": 2,
    "chair": 2,
    "member": 2,
    "x_chief": 1,
    "liaison": 2,
    "x_liaison": 1,
    "district": 2,
    "x_district": 1,
    "ent_user": 1,
    "x_ent_user": 1,
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key",
    [
        "chief",
        "chair",
        "member",
        "x_chief",
        "liaison",
        "x_liaison",
        "district",
        "x_district",
        "ent_user",
        "x_ent_user",
        "handler",
        "auditor",
    ],
)
def test_cheap_enterprise_count_equals_the_visible_set(personas, chair, key):
    user = chair if key == "chair" else personas.user(key)
    assert Enterprise.objects.count_visible_to(user) == Enterprise.objects.visible_to(user).count()
    if key in KNOWN_VISIBLE:
        assert Enterprise.objects.count_visible_to(user) == KNOWN_VISIBLE[key]
