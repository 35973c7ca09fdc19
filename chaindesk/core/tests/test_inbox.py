"""The in-app inbox behind the bell: own notifications only, mark read, the lazy-loaded unread badge.

On the fixed personas (chaindesk/testkit/personas.py): the handler reads the messages the test sends them."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chaindesk.accounts.models import User
from chaindesk.core.models import Notification
from chaindesk.core.resources_audit import NOTIFICATIONS
from chaindesk.testkit.personas import Personas


def notify(user: User, key: str, *, title: str = "【预警】用地指标", url: str = "/demands/1/") -> Notification:
    return Notification.objects.create(
        recipient=user, kind="task_warned", title=title, body="主办部门 测试市测试甲局", url=url, dedupe_key=key
    )


def _as(user: User | None) -> Client:
    assert user is not None
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def inbox(personas: Personas) -> dict[str, Notification]:
    # the world's own messages (the handler's task notice among them) count as read here
    Notification.objects.filter(recipient__in=personas.users().values()).update(read_at=timezone.now())
    return {
        "mine": notify(personas.handler, "inbox:1", title="【临期提醒】用电增容"),
        "mine_too": notify(personas.handler, "inbox:2", title="【预警】环评批复"),
        "other": notify(personas.chief, "inbox:3", title="【督办】他人的督办"),
    }


@pytest.mark.django_db
def test_anonymous_goes_to_login(client: Client, inbox: dict[str, Notification]) -> None:
    for url in (reverse("core:inbox"), reverse("core:inbox_badge")):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]
    response = client.post(reverse("core:inbox_read", args=[inbox["mine"].pk]))
    assert response.status_code == 302 and "/login" in response["Location"]
    inbox["mine"].refresh_from_db()
    assert inbox["mine"].read_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["chief", "handler", "ent_user", "liaison", "sysadmin", "auditor"])
def test_every_role_reads_only_its_own_inbox(personas: Personas, inbox: dict[str, Notification], key: str) -> None:
    response = _as(personas.user(key)).get(reverse("core:inbox"))
    assert response.status_code == 200
    html = response.content.decode()
    assert ("用电增容" in html) == (key == "handler")
    assert ("他人的督办" in html) == (key == "chief")
    assert 'href="/system/inbox/"' in html  # the bell in the top bar
    assert reverse("core:inbox_badge") in html


@pytest.mark.django_db
def test_mark_one_read_then_all(personas: Personas, inbox: dict[str, Notification]) -> None:
    client = _as(personas.handler)
    page = client.get(reverse("core:inbox") + "?unread=1").content.decode()
    assert "用电增容" in page and "环评批复" in page
    response = client.post(reverse("core:inbox_read", args=[inbox["mine"].pk]), {"next": "/system/inbox/?unread=1"})
    assert response.status_code == 302 and response["Location"] == "/system/inbox/?unread=1"
    inbox["mine"].refresh_from_db()
    assert inbox["mine"].read_at is not None
    page = client.get(reverse("core:inbox") + "?unread=1").content.decode()
    assert "用电增容" not in page and "环评批复" in page
    response = client.post(reverse("core:inbox_read_all"), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("core:inbox")  # no open redirect
    assert Notification.objects.filter(recipient=personas.handler, read_at=None).count() == 0
    inbox["mine_too"].refresh_from_db()
    assert inbox["mine_too"].read_at is not None
    inbox["other"].refresh_from_db()
    assert inbox["other"].read_at is None  # another user's message is untouched


@pytest.mark.django_db
def test_open_marks_read_and_follows_only_local_links(personas: Personas, inbox: dict[str, Notification]) -> None:
    client = _as(personas.handler)
    response = client.post(reverse("core:inbox_read", args=[inbox["mine"].pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/demands/1/"
    inbox["mine"].refresh_from_db()
    assert inbox["mine"].read_at is not None
    outside = notify(personas.handler, "inbox:4", url="https://evil.example/phish")
    response = client.post(reverse("core:inbox_read", args=[outside.pk]), {"open": "1"})
    assert response["Location"] == reverse("core:inbox")


@pytest.mark.django_db
def test_another_users_notification_is_404_and_unchanged(personas: Personas, inbox: dict[str, Notification]) -> None:
    client = _as(personas.handler)
    assert client.post(reverse("core:inbox_read", args=[inbox["other"].pk]), {"open": "1"}).status_code == 404
    assert client.post(reverse("core:inbox_read", args=[999999999])).status_code == 404
    assert client.get(reverse("core:inbox_read", args=[inbox["mine"].pk])).status_code == 405
    inbox["other"].refresh_from_db()
    inbox["mine"].refresh_from_db()
    assert inbox["other"].read_at is None and inbox["mine"].read_at is None


@pytest.mark.django_db
def test_badge_counts_own_unread(personas: Personas, inbox: dict[str, Notification]) -> None:
    client = _as(personas.handler)
    html = client.get(reverse("core:inbox_badge")).content.decode()
    assert 'badge-notification">2<' in html
    Notification.objects.filter(recipient=personas.handler).update(read_at=timezone.now())
    html = client.get(reverse("core:inbox_badge")).content.decode()
    assert "badge-notification" not in html


@pytest.mark.django_db
def test_inbox_query_count_does_not_grow(personas: Personas, django_assert_max_num_queries) -> None:  # noqa: ANN001
    user = personas.handler
    Notification.objects.bulk_create(
        Notification(recipient=user, kind="task_warned", title=f"【预警】第{i}项", dedupe_key=f"inbox:many:{i}")
        for i in range(70)
    )
    client = _as(user)
    client.get(reverse("core:inbox"))  # warm-up
    with django_assert_max_num_queries(6):
        response = client.get(reverse("core:inbox"))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="inbox-item"') == 50
    with django_assert_max_num_queries(3):
        client.get(reverse("core:inbox_badge"))


@pytest.mark.django_db
def test_inbox_page_shows_the_declared_columns(personas: Personas, inbox: dict[str, Notification]) -> None:
    html = _as(personas.handler).get(reverse("core:inbox")).content.decode()
    head = html.split('data-testid="inbox-table"', 1)[1].split("</thead>", 1)[0]
    headers = [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<th[^>]*>(.*?)</th>", head)]
    assert headers == [re.sub(r"<[^>]+>", "", str(c.page_label)) for c in NOTIFICATIONS.page_columns()]
    assert headers == ["状态", "通知", "时间", "操作"]
    first = html.split('data-testid="inbox-item"', 1)[1].split("</tr>", 1)[0]
    assert first.startswith(' class="bg-azure-lt">')  # unread rows stand out
    assert '<div class="fw-bold">【预警】环评批复</div>' in first
    assert 'data-testid="inbox-mark-read"' in first and ">查看</button>" in first
    tabs = html.split('data-testid="inbox-tabs"', 1)[1].split("</ul>", 1)[0]
    assert 'href="/system/inbox/?unread=1"' in tabs and 'data-testid="inbox-unread-total">2<' in tabs


@pytest.mark.django_db
def test_inbox_filter_is_read_by_its_declaration(personas: Personas, inbox: dict[str, Notification]) -> None:
    assert NOTIFICATIONS.parse({"unread": "1"}) == {"unread": "1"}
    assert NOTIFICATIONS.parse({"unread": "yes"}) == {"unread": None}
    # the handler's messages: the world's task notice (read), then the two the test sent (unread)
    world_notice = personas.ours.notification
    world_notice.refresh_from_db()
    assert world_notice.recipient == personas.handler and world_notice.read_at is not None
    client = _as(personas.handler)
    unread = client.get(reverse("core:inbox") + "?unread=1").context["page_obj"]
    assert {n.pk for n in unread.object_list} == {inbox["mine"].pk, inbox["mine_too"].pk}
    response = client.get(reverse("core:inbox") + "?unread=yes")  # a value out of shape: all, never a 500
    assert response.status_code == 200
    everything = response.context["page_obj"]
    assert {inbox["mine"].pk, inbox["mine_too"].pk, world_notice.pk} <= {n.pk for n in everything.object_list}
    assert everything.paginator.count == Notification.objects.filter(recipient=personas.handler).count() > 2
    Notification.objects.filter(recipient=personas.handler).update(read_at=timezone.now())
    html = client.get(reverse("core:inbox") + "?unread=1").content.decode()
    assert "没有未读通知。" in html and 'data-testid="inbox-read-all"' not in html
