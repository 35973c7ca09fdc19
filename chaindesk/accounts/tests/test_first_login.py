"""Forced password change (issue 11, item 1): an account whose password the system administrator set (a new
account, a reset) changes it at its first sign-in before it can open anything else; the API refuses it with a
Chinese 403 problem+json. Accounts made by loaders (personas, the demo, the server command) sign in straight away."""

import json

import pytest
from django.test import Client

from chaindesk.accounts import services
from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import User
from chaindesk.core.actors import COMMAND
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.synth import users as synth_users

pytestmark = pytest.mark.django_db

FIRST = "Initial-Ledger-Qx7"  # what the administrator hands over
OWN = "Only-Mine-Ledger-Zq8"  # what the user chooses
CHANGE = "/accounts/password/"


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _new_account(personas) -> User:
    """An account the system administrator creates on the page, as an office does."""
    data = {
        "username": "zhaoxin",
        "display_name": "赵欣",
        "role": Role.LIAISON,
        "region": str(personas.ours.region.pk),
        "department": "",
        "title": "挂钩服务专员",
        "phone": "",
        "email": "",
        "password1": FIRST,
        "password2": FIRST,
    }
    assert _as(personas.sysadmin).post("/system/users/new/", data).status_code == 302
    return User.objects.get(username="zhaoxin")


def _signed_in(username: str, password: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def test_personas_demo_and_loaders_are_not_flagged(personas):
    # Every account of the test world (the personas and, unless CHAINDESK_TEST_NO_DEMO, the demo city) signs in
    # straight away; so does one the server command creates.
    assert personas.liaison.must_change_password is False
    assert not User.objects.filter(must_change_password=True).exists()
    made = services.user_create(actor=COMMAND, username="ops", display_name="运维", role=Role.SYS_ADMIN, password=OWN)
    assert made.must_change_password is False
    # The synthetic users are inserted raw: the column is written, not left to a default the table lacks.
    assert "must_change_password" in synth_users.COLUMNS
    assert _as(personas.liaison).get("/").status_code == 200


def test_a_new_account_must_change_its_password_before_anything_else(personas):
    user = _new_account(personas)
    assert user.must_change_password is True
    client = _signed_in("zhaoxin", FIRST)
    for url in ("/", "/enterprises/", "/system/users/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{CHANGE}?next=")
    page = client.get(CHANGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="password-forced"' in html and "请先设置只有您本人知道的新密码" in html
    assert 'data-testid="nav' not in html  # no navigation: nothing else is open
    posted = client.post("/demands/new/", {})
    assert posted.status_code == 302 and posted["Location"] == CHANGE  # a POST is not carried as `next`


def test_htmx_and_api_requests_are_refused_in_their_own_way(personas):
    _new_account(personas)
    client = _signed_in("zhaoxin", FIRST)
    fragment = client.get("/system/inbox/badge/", headers={"HX-Request": "true"})
    assert fragment.status_code == 204 and fragment["HX-Redirect"] == CHANGE
    api = client.get("/api/me")
    assert api.status_code == 403
    assert api["Content-Type"].startswith("application/problem+json")
    body = json.loads(api.content)
    assert body["status"] == 403 and "须先修改密码" in body["detail"]
    assert body["type"].endswith("password-change-required")


def test_logout_and_static_stay_open(personas):
    _new_account(personas)
    client = _signed_in("zhaoxin", FIRST)
    static = client.get("/static/chaindesk/app.css")
    assert not (static.status_code == 302 and static["Location"].startswith(CHANGE))
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").url.startswith("/accounts/login/")


def test_the_change_refuses_bad_input_and_changes_nothing(personas):
    _new_account(personas)
    client = _signed_in("zhaoxin", FIRST)
    cases = (
        ({"old_password": "wrong-one-Qx7", "new_password": OWN, "new_password2": OWN}, "当前密码不正确"),
        ({"old_password": FIRST, "new_password": OWN, "new_password2": OWN + "x"}, "两次输入的密码不一致"),
        ({"old_password": FIRST, "new_password": "1234567890", "new_password2": "1234567890"}, "密码只包含数字"),
        ({"old_password": FIRST, "new_password": FIRST, "new_password2": FIRST}, "新密码不能与当前密码相同"),
    )
    for data, message in cases:
        response = client.post(CHANGE, data)
        assert response.status_code == 400
        assert message in response.content.decode()
    user = User.objects.get(username="zhaoxin")
    assert user.must_change_password and user.check_password(FIRST)


def test_a_successful_change_clears_the_flag_keeps_the_session_and_is_audited(personas):
    _new_account(personas)
    client = _signed_in("zhaoxin", FIRST)
    data = {"old_password": FIRST, "new_password": OWN, "new_password2": OWN, "next": "/enterprises/"}
    response = client.post(CHANGE, data)
    assert response.status_code == 302 and response["Location"] == "/enterprises/"
    user = User.objects.get(username="zhaoxin")
    assert not user.must_change_password and user.check_password(OWN)
    assert client.get("/").status_code == 200  # still signed in: the session follows the new hash
    line = AuditLog.objects.for_object(user).filter(message="own password changed").get()
    assert line.action == AuditAction.UPDATE and line.actor == user
    assert OWN not in json.dumps([line.before, line.after, line.message], ensure_ascii=False)


def test_next_is_only_followed_to_our_own_pages(personas):
    _new_account(personas)
    client = _signed_in("zhaoxin", FIRST)
    data = {"old_password": FIRST, "new_password": OWN, "new_password2": OWN, "next": "https://evil.example/"}
    assert client.post(CHANGE, data)["Location"] == "/"


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "http://testserver/enterprises/", "https:///evil.example/"],
)
def test_over_https_next_is_refused_off_site_and_on_plain_http(personas, next_url):
    # As Django's own views (require_https=request.is_secure()): over HTTPS, an http:// address is refused even
    # on our own host; the page itself offers no such `next` either.
    _new_account(personas)
    client = _signed_in("zhaoxin", FIRST)
    assert f'value="{next_url}"' not in client.get(CHANGE, {"next": next_url}, secure=True).content.decode()
    data = {"old_password": FIRST, "new_password": OWN, "new_password2": OWN, "next": next_url}
    response = client.post(CHANGE, data, secure=True)
    assert response.status_code == 302 and response["Location"] == "/"
    assert User.objects.get(username="zhaoxin").check_password(OWN)


def test_over_https_next_on_our_own_site_is_followed(personas):
    _new_account(personas)
    client = _signed_in("zhaoxin", FIRST)
    data = {"old_password": FIRST, "new_password": OWN, "new_password2": OWN, "next": "https://testserver/enterprises/"}
    assert client.post(CHANGE, data, secure=True)["Location"] == "https://testserver/enterprises/"


def test_an_administrator_reset_sets_the_flag_but_not_on_their_own_password(personas):
    target = personas.liaison
    client = _as(personas.sysadmin)
    url = f"/system/users/{target.pk}/password/"
    assert client.post(url, {"password1": FIRST, "password2": FIRST}).status_code == 302
    assert User.objects.get(pk=target.pk).must_change_password is True
    assert _signed_in("p_liaison", FIRST).get("/")["Location"].startswith(CHANGE)
    listed = client.get("/system/users/?q=p_liaison").content.decode()
    assert 'data-testid="must-change-badge"' in listed
    admin = User.objects.get(pk=personas.sysadmin.pk)
    services.user_set_password(actor=admin, user=admin, password=OWN)
    assert User.objects.get(pk=admin.pk).must_change_password is False


def test_anyone_may_change_their_own_password_without_being_forced(personas):
    page = _as(personas.member).get(CHANGE)
    assert page.status_code == 200
    assert 'data-testid="password-forced"' not in page.content.decode()
    assert Client().get(CHANGE).url.startswith("/accounts/login/")
