"""Every page, for every kind of visitor: anonymous, wrong role, in scope, out of scope."""

import pytest
from django.test import Client

from chaindesk.chains.models import Chain
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.enterprises.models import Enterprise
from chaindesk.meetings.models import Meeting

BOSHEN = "江苏博生医用新材料股份有限公司"


def _ids():
    boshen = Enterprise.objects.get(name=BOSHEN)
    jingjiang = Enterprise.objects.filter(region__code="321282").first()
    biomed = Chain.objects.get(code="biomed")
    equip = Chain.objects.get(code="equip")
    seed_meeting = Meeting.objects.get(chain=biomed, held_on="2026-11-24")
    equip_meeting = Meeting.objects.filter(chain=equip).first()
    return boshen, jingjiang, biomed, equip, seed_meeting, equip_meeting


PAGES = ["/", "/chains/", "/enterprises/", "/meetings/", "/system/", "/system/audit/"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_anonymous_is_sent_to_login(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("chenjing", "/chains/"),
        ("chenjing", "/enterprises/"),
        ("chenjing", "/meetings/"),
        ("liuyang", "/chains/"),
        ("liuyang", "/meetings/"),
        ("sysadmin", "/enterprises/"),
        ("auditor", "/chains/"),
        ("liming", "/system/"),
        ("jiangdd", "/system/audit/"),
    ],
)
def test_wrong_role_gets_403_and_the_denial_is_audited(client_as, username, path):
    before = AuditLog.objects.filter(action=AuditAction.PERMISSION_DENIED, actor_name=username).count()
    response = client_as(username).get(path)
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()
    after = AuditLog.objects.filter(action=AuditAction.PERMISSION_DENIED, actor_name=username)
    assert after.count() == before + 1
    assert after.first().message == path


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("jiangdd", "/chains/"),
        ("wangzh", "/enterprises/"),
        ("liming", "/enterprises/"),
        ("zhoutao", "/meetings/"),
        ("liuyang", "/enterprises/"),
        ("sysadmin", "/system/"),
    ],
)
def test_right_role_sees_the_page(client_as, username, path):
    assert client_as(username).get(path, follow=True).status_code == 200


@pytest.mark.django_db
def test_detail_pages_in_scope(client_as):
    boshen, _, biomed, _, seed_meeting, _ = _ids()
    cases = [
        ("jiangdd", f"/enterprises/{boshen.pk}/"),  # chain chief: enterprise in his chain
        ("liming", f"/enterprises/{boshen.pk}/"),  # its liaison
        ("zhoutao", f"/enterprises/{boshen.pk}/"),  # 兴化市 district admin
        ("liuyang", f"/enterprises/{boshen.pk}/"),  # its own enterprise user
        ("jiangdd", f"/chains/{biomed.pk}/"),
        ("jiangdd", f"/meetings/{seed_meeting.pk}/"),
        ("zhoutao", f"/meetings/{seed_meeting.pk}/"),  # held in 兴化市
        ("liming", f"/meetings/{seed_meeting.pk}/"),  # attended it
    ]
    for username, path in cases:
        response = client_as(username).get(path)
        assert response.status_code == 200, (username, path)


@pytest.mark.django_db
def test_detail_pages_out_of_scope_answer_404_like_missing_ones(client_as):
    boshen, jingjiang, biomed, equip, seed_meeting, equip_meeting = _ids()
    cases = [
        ("lz_321282", f"/enterprises/{boshen.pk}/"),  # 靖江 liaison, not his enterprise
        ("da_321282", f"/enterprises/{boshen.pk}/"),  # 靖江 district admin
        ("liuyang", f"/enterprises/{jingjiang.pk}/"),  # another enterprise
        ("lead_equip", f"/enterprises/{boshen.pk}/"),  # chief of another chain
        ("jiangdd", f"/chains/{equip.pk}/"),  # not on that team
        ("jiangdd", f"/meetings/{equip_meeting.pk}/"),
        ("da_321282", f"/meetings/{seed_meeting.pk}/"),
    ]
    for username, path in cases:
        response = client_as(username).get(path)
        assert response.status_code == 404, (username, path)
        assert "找不到" in response.content.decode()
    missing = client_as("jiangdd").get("/enterprises/99999999/")
    assert missing.status_code == 404


@pytest.mark.django_db
def test_out_of_scope_lookup_is_audited_as_denial(client_as, persona):
    boshen = Enterprise.objects.get(name=BOSHEN)
    client_as("lz_321282").get(f"/enterprises/{boshen.pk}/")
    entry = AuditLog.objects.filter(action=AuditAction.PERMISSION_DENIED, actor=persona("lz_321282")).first()
    assert entry is not None
    assert entry.object_id == str(boshen.pk)


@pytest.mark.django_db
def test_history_tab_follows_object_visibility(client_as):
    boshen = Enterprise.objects.get(name=BOSHEN)
    url = f"/system/history/enterprises/enterprise/{boshen.pk}/"
    ok = client_as("liming").get(url, headers={"HX-Request": "true"})
    assert ok.status_code == 200
    assert "新增" in ok.content.decode()  # the demo created it through the audited service
    assert client_as("lz_321282").get(url).status_code == 404
    assert client_as("liming").get("/system/history/core/auditlog/1/").status_code == 404
    assert client_as("liming").get("/system/history/nope/nothing/1/").status_code == 404


@pytest.mark.django_db
def test_enterprise_list_shows_only_visible_rows(client_as):
    page = client_as("liming").get("/enterprises/?q=").content.decode()
    assert BOSHEN in page
    visible_names = set(Enterprise.objects.filter(liaison__username="lz_321282").values_list("name", flat=True))
    mine = set(Enterprise.objects.filter(liaison__username="liming").values_list("name", flat=True))
    for name in visible_names - mine:
        assert name not in page


@pytest.mark.django_db
def test_list_pages_query_count_does_not_grow_with_rows(client_as, django_assert_max_num_queries):
    client = client_as("jiangdd")
    client.get("/")  # the first request of a session records its last-seen time
    for path in ["/enterprises/", "/enterprises/?q=泰州&sort=-founded", "/chains/", "/meetings/", "/"]:
        # session + user + count + rows + the two filter choices: BRIEF's budget of 6 for a list page
        with django_assert_max_num_queries(6):
            assert client.get(path).status_code == 200


@pytest.mark.django_db
def test_api_me_and_health(client_as):
    assert Client().get("/api/health").json() == {"status": "ok"}
    assert Client().get("/api/me").status_code == 401
    data = client_as("liming").get("/api/me").json()
    assert data["role"] == "liaison"
    assert data["scope"].startswith("兴化市")


@pytest.mark.django_db
def test_chain_counts_match_the_rows(client_as):
    biomed = Chain.objects.with_counts().get(code="biomed")
    assert biomed.n_enterprises == Enterprise.objects.filter(chains=biomed).count() > 0
    assert biomed.n_team == biomed.team.count() == 14
    page = client_as("jiangdd").get("/chains/").content.decode()
    assert f">{biomed.n_enterprises}<" in page


@pytest.mark.django_db
def test_chain_page_has_history_tab_scoped_like_the_chain(client_as):
    biomed = Chain.objects.get(code="biomed")
    page = client_as("jiangdd").get(f"/chains/{biomed.pk}/").content.decode()
    assert "历史记录" in page and "服务团队" in page
    url = f"/system/history/chains/chain/{biomed.pk}/"
    assert "新增" in client_as("jiangdd").get(url).content.decode()
    assert client_as("lead_equip").get(url).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username", ["jiangdd", "zhangkun", "wangzh", "lead_equip", "liming", "zhoutao", "liuyang", "chenjing", "auditor"]
)
def test_cheap_enterprise_count_equals_the_visible_set(persona, username):
    user = persona(username)
    assert Enterprise.objects.count_visible_to(user) == Enterprise.objects.visible_to(user).count()
