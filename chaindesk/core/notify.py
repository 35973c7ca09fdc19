"""Delivery of in-app notifications by e-mail and to a WeCom/DingTalk group robot.

Generic: it knows only `Notification` (its recipient, title, body and link). The apps that write
notifications (the demands' escalation job, their services) say what to tell whom; this module sends it.

Each notification is claimed with a compare-and-set UPDATE (`SET emailed_at = now WHERE pk = … AND
emailed_at IS NULL`) before anything is sent, so two senders running at once never send the same one twice.
A failed send gives the claim back (the stamp returns to NULL) and is logged: the next run retries it.

E-mail uses django.core.mail with the EMAIL_* settings (the console backend unless configured) and goes to
recipients with an address. The robot gets a text message {"msgtype": "text", "text": {"content": …}} posted
to CHAINDESK_WEBHOOK_URL when that setting is not empty; several notifications share one message (group robots
accept about 20 messages a minute), at most WEBHOOK_BATCH each and WEBHOOK_MAX_BYTES bytes of UTF-8."""

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from . import clock
from .models import Notification

log = logging.getLogger(__name__)

WEBHOOK_TIMEOUT = 10  # seconds
WEBHOOK_BATCH = 10
WEBHOOK_MAX_BYTES = 2000  # WeCom limits a text message's content to 2048 bytes of UTF-8; DingTalk is more lenient


class WebhookError(Exception):
    pass


def _claim(pk: int, field: str, now: datetime) -> bool:
    """Compare-and-set: True when this sender stamped the row (nobody had)."""
    return Notification.objects.filter(pk=pk, **{field: None}).update(**{field: now}) == 1


def _release(pks: list[int], field: str, now: datetime) -> None:
    """Give back claims made by this sender (identified by its stamp) so a later run retries them."""
    Notification.objects.filter(pk__in=pks, **{field: now}).update(**{field: None})


def _absolute(url: str) -> str:
    base = str(getattr(settings, "CHAINDESK_SITE_URL", "")).rstrip("/")
    return f"{base}{url}" if url and base else url


def deliver_email(*, limit: int = 500, now: datetime | None = None) -> int:
    """E-mail the notifications not yet e-mailed to recipients with an address; returns how many were sent."""
    now = now or clock.now()
    pending = list(
        Notification.objects.filter(emailed_at=None, recipient__is_active=True)
        .exclude(recipient__email="")
        .order_by("pk")
        .values_list("pk", "recipient__email", "title", "body", "url")[:limit]
    )
    if not pending:
        return 0
    sent = 0
    connection = get_connection(fail_silently=False)
    try:
        for pk, email, title, body, url in pending:
            if not _claim(pk, "emailed_at", now):
                continue  # another sender has it
            text = "\n\n".join(part for part in (body, _absolute(url)) if part)
            message = EmailMessage(subject=title, body=text, to=[email], connection=connection)
            try:
                message.send()
            except Exception:  # noqa: BLE001 - any SMTP failure: give the claim back and retry next run
                log.exception("e-mail for notification %s to %s failed; will retry", pk, email)
                _release([pk], "emailed_at", now)
                continue
            sent += 1
    finally:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - closing a broken SMTP connection must not hide the result
            log.warning("closing the e-mail connection failed", exc_info=True)
    return sent


def _post_webhook(url: str, content: str) -> None:
    payload = json.dumps({"msgtype": "text", "text": {"content": content}}, ensure_ascii=False).encode("utf-8")
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise WebhookError(f"CHAINDESK_WEBHOOK_URL must be an http(s) URL, not {url!r}")
    headers = {"Content-Type": "application/json; charset=utf-8"}
    request = urllib.request.Request(url, data=payload, method="POST", headers=headers)  # noqa: S310 - checked above
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310 - scheme checked above
            raw = response.read()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise WebhookError(str(exc)) from exc
    try:
        answer: Any = json.loads(raw or b"{}")
    except ValueError:
        return  # a 2xx without JSON: accepted
    if isinstance(answer, dict) and answer.get("errcode", 0) not in (0, "0"):
        raise WebhookError(f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")


def _line(display_name: str, username: str, title: str, body: str, url: str) -> str:
    who = display_name or username
    text = f"{title}（{who}）"
    if body:
        text += f"\n{body}"
    if url:
        text += f"\n{_absolute(url)}"
    return text


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _fit(text: str) -> str:
    """Cut one line to the robot's limit (on a character boundary)."""
    if _size(text) <= WEBHOOK_MAX_BYTES:
        return text
    return text.encode("utf-8")[: WEBHOOK_MAX_BYTES - 3].decode("utf-8", errors="ignore") + "…"


def deliver_webhook(*, limit: int = 500, now: datetime | None = None) -> int:
    """Push the notifications not yet pushed to the robot webhook; returns how many were pushed."""
    url = str(getattr(settings, "CHAINDESK_WEBHOOK_URL", "") or "")
    if not url:
        return 0
    now = now or clock.now()
    pending = list(
        Notification.objects.filter(pushed_at=None)
        .order_by("pk")
        .values_list("pk", "recipient__display_name", "recipient__username", "title", "body", "url")[:limit]
    )
    pushed = 0
    batch: list[int] = []
    lines: list[str] = []

    def flush() -> bool:
        nonlocal pushed
        claimed, content = list(batch), "\n\n".join(lines)
        batch.clear()
        lines.clear()
        if not claimed:
            return True
        try:
            _post_webhook(url, content)
        except WebhookError:
            log.exception("robot webhook failed for notifications %s; will retry", claimed)
            _release(claimed, "pushed_at", now)
            return False
        pushed += len(claimed)
        return True

    for pk, display_name, username, title, body, link in pending:
        line = _fit(_line(display_name, username, title, body, link))
        size = sum(_size(x) + 2 for x in lines) + _size(line)
        if batch and (len(batch) >= WEBHOOK_BATCH or size > WEBHOOK_MAX_BYTES):
            if not flush():
                break  # the robot is down: stop and leave the rest for the next run
        if not _claim(pk, "pushed_at", now):
            continue
        batch.append(pk)
        lines.append(line)
    else:
        flush()
    # A `break` above left nothing claimed: the failed batch was released and the rest never claimed.
    return pushed


def deliver_pending(*, limit: int = 500) -> dict[str, int]:
    """Send what has not been sent yet: e-mail, then the robot webhook. Safe to run from several workers."""
    now = clock.now()
    return {"emailed": deliver_email(limit=limit, now=now), "pushed": deliver_webhook(limit=limit, now=now)}
