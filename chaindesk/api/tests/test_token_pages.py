"""系统 → 接口令牌 (chaindesk/api/views.py): only the system administrator opens it; the token is issued through the
form, its secret shown once (never cached) with a copy button, and revoked after a confirmation."""

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chaindesk.accounts.choices import Role
from chaindesk.api import services
from chaindesk.api.models import ApiToken, hash_secret
from chaindesk.core import clock
from chaindesk.core.models import AuditAction, AuditLog
from chaindesk.core.navigation import items_for
from chaindesk.testkit.personas import KEYS, Personas

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # the expiry is counted from today

LIST = "/system/api-tokens/"
NEW = "/system/api-tokens/new/"


def _as(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _form(p: Personas, **change: Any) -> dict[str, Any]:
    data = {
        "name": "12345热线平台",
        "user": p.chief.pk,
        "expires_on": f"{clock.today() + dt.timedelta(days=90):%Y-%m-%d}",
        "access_demands": "write",
        "access_enterprises": "read",
    }
    return {**data, **change}


@pytest.mark.parametrize("key", KEYS)
def test_the_pages_answer_only_the_system_administrator(personas: Personas, key: str) -> None:
    token, _secret = services.token_create(
        actor=personas.sysadmin,
        user=personas.chief,
        name="统计局",
        scopes={"*": "read"},
        expires_at=clock.now() + dt.timedelta(days=5),
    )
    client = _as(personas.user(key))
    answers = [client.get(LIST), client.get(NEW), client.post(NEW, _form(personas))]
    answers.append(client.post(f"/system/api-tokens/{token.pk}/revoke/"))
    if key == "sysadmin":
        assert [r.status_code for r in answers] == [200, 200, 200, 302]
        return
    expected = 302 if key == "anon" else 403
    assert [r.status_code for r in answers] == [expected] * 4, key
    if key == "anon":
        assert all("/accounts/login/" in r["Location"] for r in answers)
    assert ApiToken.objects.count() == 1 and ApiToken.objects.get().revoked_at is None


def test_the_menu_offers_the_page_to_the_system_administrator_only(personas: Personas) -> None:
    for role in Role.values:
        entries = {item["key"]: item for item in items_for(role, "")}
        assert ("api_tokens" in entries) == (role == Role.SYS_ADMIN), role
    assert LIST in [item["url"] for item in items_for(Role.SYS_ADMIN, "")]
    menu = _as(personas.sysadmin).get(LIST).content.decode().split('aria-label="主导航"', 1)[1].split("</aside>", 1)[0]
    assert "接口令牌" in menu and f'href="{LIST}"' in menu


def test_issuing_shows_the_secret_once_and_stores_its_hash(personas: Personas) -> None:
    client = _as(personas.sysadmin)
    form = client.get(NEW).content.decode()
    assert 'name="access_all"' in form and 'name="access_projects"' in form
    assert f'value="{personas.sysadmin.pk}"' not in form and f'value="{personas.auditor.pk}"' not in form
    response = client.post(NEW, _form(personas))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    found = re.search(r'id="token-secret" value="(cd_[A-Za-z0-9_-]{43})"', body)
    assert found, body
    token = ApiToken.objects.get()
    assert token.secret_hash == hash_secret(found.group(1))
    assert token.scopes == {"demands": "write", "enterprises": "read"}
    assert token.user == personas.chief and token.created_by == personas.sysadmin and token.name == "12345热线平台"
    assert 'data-copy="token-secret"' in body and "api/copy.js" in body and "只显示这一次" in body
    # valid through the chosen day: until its last second in Beijing
    expiry = timezone.localtime(token.expires_at)
    assert (expiry.date(), expiry.time()) == (clock.today() + dt.timedelta(days=90), dt.time(23, 59, 59))
    listing = client.get(LIST).content.decode()
    assert found.group(1) not in listing and f"{token.prefix}…" in listing and "12345热线平台" in listing
    assert "诉求（demands）：读写" in listing and "企业（enterprises）：只读" in listing


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"access_demands": "", "access_enterprises": ""}, "请至少为一个接口选择"),
        ({"expires_on": "2020-01-01"}, "有效期不能早于今天"),
        ({"expires_on": "2099-01-01"}, "有效期最长一年"),
        ({"name": ""}, "这个字段是必填项"),
        ({"access_demands": "admin"}, "选择一个有效的选项"),
    ],
)
def test_a_bad_form_is_refused_and_writes_nothing(personas: Personas, change: dict[str, Any], message: str) -> None:
    response = _as(personas.sysadmin).post(NEW, _form(personas, **change))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_form_refuses_an_administrator_as_the_tokens_user(personas: Personas) -> None:
    response = _as(personas.sysadmin).post(NEW, _form(personas, user=personas.auditor.pk))
    assert response.status_code == 400 and not ApiToken.objects.exists()


def test_the_expiry_accepts_a_chinese_date(personas: Personas) -> None:
    day = clock.today() + dt.timedelta(days=10)
    response = _as(personas.sysadmin).post(NEW, _form(personas, expires_on=f"{day.year}年{day.month}月{day.day}日"))
    assert response.status_code == 200
    assert timezone.localtime(ApiToken.objects.get().expires_at).date() == day


def test_revoking_through_the_page(personas: Personas) -> None:
    token, secret = services.token_create(
        actor=personas.sysadmin,
        user=personas.chief,
        name="统计局",
        scopes={"*": "read"},
        expires_at=clock.now() + dt.timedelta(days=5),
    )
    client = _as(personas.sysadmin)
    listing = client.get(LIST).content.decode()
    assert "data-confirm=" in listing and f'data-testid="token-revoke-{token.pk}"' in listing and "即将过期" in listing
    assert client.get(f"/system/api-tokens/{token.pk}/revoke/").status_code == 405
    response = client.post(f"/system/api-tokens/{token.pk}/revoke/", follow=True)
    assert "已吊销“统计局”的接口令牌" in response.content.decode()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert AuditLog.objects.for_object(token).filter(action=AuditAction.UPDATE).count() == 1
    listing = client.get(LIST).content.decode()
    assert "已吊销" in listing and f'data-testid="token-revoke-{token.pk}"' not in listing
    again = client.post(f"/system/api-tokens/{token.pk}/revoke/", follow=True)
    assert "该令牌已被吊销" in again.content.decode()
    assert Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/me").status_code == 401
    assert client.post("/system/api-tokens/987654/revoke/").status_code == 404


def test_an_empty_list_says_why_and_what_to_do(personas: Personas) -> None:
    body = _as(personas.sysadmin).get(LIST).content.decode()
    assert "暂无接口令牌" in body and NEW in body


def test_the_list_costs_the_same_queries_whatever_the_number_of_tokens(personas: Personas) -> None:
    client = _as(personas.sysadmin)
    client.get(LIST)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        return len(queries)

    services.token_create(
        actor=personas.sysadmin,
        user=personas.chief,
        name="甲",
        scopes={"*": "read"},
        expires_at=clock.now() + dt.timedelta(9),
    )
    one = count()
    for name, user in (("乙", personas.member), ("丙", personas.liaison), ("丁", personas.ent_user)):
        services.token_create(
            actor=personas.sysadmin,
            user=user,
            name=name,
            scopes={"leads": "write"},
            expires_at=clock.now() + dt.timedelta(9),
        )
    assert count() == one <= 6
