"""The inbox in the JSON API (chaindesk/core/api.py, and the list of chaindesk/api/lists.py): each user reads and marks
only their own notifications (404 for anyone else's, unchanged), as on the inbox page; every signed-in role has an
inbox, a visitor gets 401; a read-only token reads but cannot mark.

On the fixed personas (chaindesk/testkit/personas.py): the handler reads the messages the test sends them."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from chaindesk.accounts.models import User
from chaindesk.api import services as api_services
from chaindesk.api.tests.test_problem_json import assert_problem
from chaindesk.core import clock
from chaindesk.core.models import AuditLog, Notification
from chaindesk.testkit.personas import Personas

pytestmark = pytest.mark.django_db


def notify(user: User, key: str, title: str) -> Notification:
    return Notification.objects.create(
        recipient=user,
        kind="task_warned",
        title=title,
        body="主办部门 测试市测试甲局",
        url="/demands/1/",
        dedupe_key=key,
    )


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, path: str) -> object:
    return client.post(path, data="{}", content_type="application/json")


@pytest.fixture
def inbox(personas: Personas) -> dict[str, Notification]:
    # the world's own messages count as read here
    Notification.objects.filter(recipient__in=personas.users().values()).update(read_at=timezone.now())
    return {
        "mine": notify(personas.handler, "api-inbox:1", "【临期提醒】用电增容"),
        "mine_too": notify(personas.handler, "api-inbox:2", "【预警】环评批复"),
        "other": notify(personas.chief, "api-inbox:3", "【督办】他人的督办"),
    }


def test_the_list_is_the_readers_own_with_the_unread_filter(personas: Personas, inbox: dict[str, Notification]) -> None:
    client = _as(personas.handler)
    titles = {row["title"] for row in client.get("/api/notifications/?limit=200").json()["items"]}
    assert {"【临期提醒】用电增容", "【预警】环评批复"} <= titles and "【督办】他人的督办" not in titles
    unread = client.get("/api/notifications/?unread=1").json()
    assert unread["count"] == 2


def test_one_notification_and_mark_it_read(personas: Personas, inbox: dict[str, Notification]) -> None:
    client = _as(personas.handler)
    mine = inbox["mine"]
    body = client.get(f"/api/notifications/{mine.pk}").json()
    assert (body["title"], body["body"], body["url"], body["read_at"]) == (mine.title, mine.body, mine.url, None)
    audit_lines = AuditLog.objects.count()
    response = _post(client, f"/api/notifications/{mine.pk}/read")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    mine.refresh_from_db()
    assert mine.read_at is not None and Notification.objects.get(pk=inbox["mine_too"].pk).read_at is None
    first = mine.read_at
    assert _post(client, f"/api/notifications/{mine.pk}/read").status_code == 200  # again: left as it was
    assert Notification.objects.get(pk=mine.pk).read_at == first
    assert AuditLog.objects.count() == audit_lines  # the reader's own bookkeeping, as on the inbox page


def test_read_all_marks_only_the_readers_own(personas: Personas, inbox: dict[str, Notification]) -> None:
    response = _post(_as(personas.handler), "/api/notifications/read-all")
    assert response.status_code == 200 and response.json() == {"marked": 2}
    assert not Notification.objects.filter(recipient=personas.handler, read_at=None).exists()
    assert Notification.objects.get(pk=inbox["other"].pk).read_at is None
    assert _post(_as(personas.handler), "/api/notifications/read-all").json() == {"marked": 0}


def test_another_users_notification_is_404_and_unchanged(personas: Personas, inbox: dict[str, Notification]) -> None:
    other = inbox["other"]
    for user in (personas.handler, personas.x_chief, personas.ent_user):
        assert_problem(_as(user).get(f"/api/notifications/{other.pk}"), 404)
        assert_problem(_post(_as(user), f"/api/notifications/{other.pk}/read"), 404)
    assert_problem(_as(personas.handler).get("/api/notifications/987654321"), 404)
    assert_problem(_post(_as(personas.handler), "/api/notifications/bogus/read"), 404)
    assert Notification.objects.get(pk=other.pk).read_at is None
    assert_problem(Client().get(f"/api/notifications/{other.pk}"), 401)
    assert_problem(_post(Client(), "/api/notifications/read-all"), 401)


def test_a_read_token_reads_but_cannot_mark(personas: Personas, inbox: dict[str, Notification]) -> None:
    _token, secret = api_services.token_create(
        actor=personas.sysadmin,
        user=personas.handler,
        name="部门办公系统",
        scopes={"notifications": "read"},
        expires_at=clock.now() + dt.timedelta(days=30),
    )
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {secret}"})
    assert client.get(f"/api/notifications/{inbox['mine'].pk}").json()["title"] == "【临期提醒】用电增容"
    body = assert_problem(client.post("/api/notifications/read-all", data="{}", content_type="application/json"), 403)
    assert "仅有只读权限" in body["detail"]
    assert json.loads(client.get("/api/notifications/?unread=1").content)["count"] == 3  # the token's own notice too
    assert Notification.objects.filter(recipient=personas.handler, read_at=None).count() == 3
