"""Delivery: e-mail through Django's locmem outbox, the robot webhook against a local fake server, claims that
make a second run (or a second sender) send nothing, and failures left for a retry."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from chaindesk.accounts.choices import Role
from chaindesk.accounts.models import User
from chaindesk.core import notify
from chaindesk.core.models import Notification


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        raise OSError("SMTP server unreachable")


class FakeRobot:
    """A WeCom-like robot on 127.0.0.1: records each JSON body and answers with `answer`."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.answer: dict[str, Any] = {"errcode": 0, "errmsg": "ok"}
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                robot.received.append(json.loads(body.decode("utf-8")))
                reply = json.dumps(robot.answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet test output
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cgi-bin/webhook/send?key=test"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeRobot":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def robot(settings) -> Iterator[FakeRobot]:  # noqa: ANN001
    with FakeRobot() as fake:
        settings.CHAINDESK_WEBHOOK_URL = fake.url
        yield fake


@pytest.fixture
def people(db) -> dict[str, User]:  # noqa: ANN001
    # Whatever the demo holds counts as sent: these tests watch only their own notifications.
    Notification.objects.update(emailed_at=timezone.now(), pushed_at=timezone.now())
    return {
        "mailed": User.objects.create(
            username="notify_a", display_name="王明", role=Role.TEAM_MEMBER, email="wangming@example.gov.cn"
        ),
        "no_mail": User.objects.create(username="notify_b", display_name="李华", role=Role.TEAM_MEMBER, email=""),
    }


def note(user: User, key: str, title: str = "【预警】用地指标") -> Notification:
    return Notification.objects.create(
        recipient=user,
        kind="task_warned",
        title=title,
        body="「用地指标」主办部门 市自然资源和规划局，办结期限 2025-10-09。",
        url="/demands/1/",
        dedupe_key=key,
    )


@pytest.mark.django_db
def test_email_goes_once_to_recipients_with_an_address(people: dict[str, User]) -> None:
    sent = note(people["mailed"], "t:1")
    unmailed = note(people["no_mail"], "t:2")
    assert notify.deliver_pending() == {"emailed": 1, "pushed": 0}  # no webhook URL configured: nothing pushed
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["wangming@example.gov.cn"]
    assert message.subject == "【预警】用地指标"
    assert "市自然资源和规划局" in message.body and "/demands/1/" in message.body
    sent.refresh_from_db()
    unmailed.refresh_from_db()
    assert sent.emailed_at is not None and unmailed.emailed_at is None
    assert sent.pushed_at is None  # the robot was not configured
    assert notify.deliver_pending() == {"emailed": 0, "pushed": 0}
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_failed_email_is_left_for_the_next_run(people: dict[str, User], settings, caplog) -> None:  # noqa: ANN001
    pending = note(people["mailed"], "t:3")
    settings.EMAIL_BACKEND = "chaindesk.core.tests.test_notify.FailingBackend"
    assert notify.deliver_email() == 0
    pending.refresh_from_db()
    assert pending.emailed_at is None
    assert "SMTP server unreachable" in caplog.text
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notify.deliver_email() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_claimed_notification_is_not_sent_by_a_second_sender(people: dict[str, User]) -> None:
    pending = note(people["mailed"], "t:4")
    now = timezone.now()
    assert notify._claim(pending.pk, "emailed_at", now) is True
    assert notify._claim(pending.pk, "emailed_at", now) is False
    assert notify.deliver_email() == 0  # the other sender holds it
    assert mail.outbox == []


@pytest.mark.django_db
def test_webhook_posts_a_text_message_once(people: dict[str, User], robot: FakeRobot) -> None:
    first = note(people["mailed"], "t:5")
    second = note(people["no_mail"], "t:6", title="【督办】用电增容")
    assert notify.deliver_pending() == {"emailed": 1, "pushed": 2}
    assert len(robot.received) == 1
    message = robot.received[0]
    assert message["msgtype"] == "text"
    assert set(message) == {"msgtype", "text"}
    content = message["text"]["content"]
    assert "【预警】用地指标（王明）" in content and "【督办】用电增容（李华）" in content
    assert "办结期限 2025-10-09" in content
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.pushed_at and second.pushed_at
    assert notify.deliver_pending() == {"emailed": 0, "pushed": 0}
    assert len(robot.received) == 1


@pytest.mark.django_db
def test_webhook_batches_within_the_robot_limits(people: dict[str, User], robot: FakeRobot) -> None:
    for i in range(23):
        note(people["no_mail"], f"t:batch:{i}", title=f"【预警】第{i}项" + "诉求" * 60)
    assert notify.deliver_webhook() == 23
    assert len(robot.received) >= 3
    for message in robot.received:
        assert len(message["text"]["content"].encode("utf-8")) <= notify.WEBHOOK_MAX_BYTES
    assert sum(message["text"]["content"].count("【预警】") for message in robot.received) == 23
    assert notify.deliver_webhook() == 0


@pytest.mark.django_db
def test_webhook_refusal_or_network_error_leaves_rows_for_retry(
    people: dict[str, User],
    robot: FakeRobot,
    settings,  # noqa: ANN001
    caplog,  # noqa: ANN001
) -> None:
    pending = note(people["no_mail"], "t:7")
    robot.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    assert notify.deliver_webhook() == 0
    pending.refresh_from_db()
    assert pending.pushed_at is None
    assert "93000" in caplog.text

    url = robot.url
    settings.CHAINDESK_WEBHOOK_URL = "http://127.0.0.1:9/unreachable"  # discard port: connection refused
    assert notify.deliver_webhook() == 0
    pending.refresh_from_db()
    assert pending.pushed_at is None

    settings.CHAINDESK_WEBHOOK_URL = url
    robot.answer = {"errcode": 0, "errmsg": "ok"}
    assert notify.deliver_webhook() == 1
    pending.refresh_from_db()
    assert pending.pushed_at is not None
