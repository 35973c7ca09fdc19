"""`Idempotency-Key` on every POST of the API: a client may retry a POST safely.

`idempotent` wraps each API operation (installed once for the whole API: `api.add_decorator(idempotent,
mode="view")` in chaindesk/api/api.py, so every router's POST has it, whoever adds the router, and nothing
outside /api/ is touched). It wraps the operation's whole run: authentication, validation, the operation and
its error mapping, so what it keeps is exactly the answer the client got.

For a POST that carries the header, from a caller it can name (a usable API token, or a signed-in session
user; anyone else goes through and gets the operation's 401):

- the first request inserts its record (owner, key) *before* it runs, in its own committed statement: the
  unique pair is the lock, so of two simultaneous requests with the same key only one runs; the other gets
  409 problem+json 「相同 Idempotency-Key 的请求正在处理」 (with Retry-After);
- when it has answered, the answer (status, body, content type) is kept with the record; a later request with
  the same key, method, full path and body gets that answer again, with `Idempotent-Replayed: true`, and runs
  nothing;
- the same key with another method, path or body gets 422 problem+json 「该 Idempotency-Key 已用于另一请求」;
- an answer that says the request did not run is not kept (401, 403, 429, and 5xx: the operation's
  transaction rolled back), so a retry with the same key runs it;
- keys are per caller (each token and each user has its own), and kept 24 hours (`KEEP`): an older record is
  ignored at once and deleted by `purge_expired` (the `purge_idempotency_keys` task);
- a record left "in progress" by a worker that died is taken over after `ABANDONED` (longer than any request
  may run), so the key is not blocked for a day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from chaindesk.core import clock
from chaindesk.core.errors import Problem, problem_response

from . import auth
from .models import ApiToken, IdempotencyKey, IdempotencyState

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEEP = dt.timedelta(hours=24)
ABANDONED = dt.timedelta(minutes=10)
MAX_KEY_LENGTH = 255
NOT_KEPT = frozenset({401, 403, 429})  # the request did not run (5xx: it ran and rolled back)


@dataclasses.dataclass(frozen=True)
class Caller:
    owner: str  # "token:<pk>" or "user:<pk>"
    user: Any
    token: ApiToken | None = None


@dataclasses.dataclass(frozen=True)
class _TitledProblem(Problem):
    """A problem whose title is not the status's usual one (409 says 已被他人变更, which is not the case here)."""

    heading: str = ""

    @property
    def title(self) -> str:
        return self.heading or super().title


def caller_of(request: HttpRequest) -> Caller | None:
    """Whose keys the request uses: its usable token's, else its session user's; None for anyone else."""
    secret = auth.bearer_secret(request)
    if secret is not None:
        token = auth.find_token(request, secret).token
        return Caller(f"token:{token.pk}", token.user, token) if token is not None else None
    user = getattr(request, "user", None)
    return Caller(f"user:{user.pk}", user) if user is not None and user.is_authenticated else None


def fingerprint(request: HttpRequest) -> str:
    """SHA-256 of the method, the full path (with its query) and the body; an upload's files by their content,
    read in chunks (a multipart body may be too large to read whole)."""
    digest = hashlib.sha256(f"{request.method}\0{request.get_full_path()}\0".encode())
    if request.content_type == "multipart/form-data":
        for name in sorted(request.POST):
            for value in request.POST.getlist(name):
                digest.update(f"{name}={value}\0".encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest.update(f"{name}:{upload.name}\0".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _problem(status: int, detail: str, kind: str, heading: str = "", **headers: str) -> HttpResponse:
    return problem_response(_TitledProblem(status, detail, kind, heading=heading), **headers)


def _replay(record: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status_code or 200, content_type=record.content_type)
    response[REPLAYED] = "true"
    return response


def _claim(request: HttpRequest, caller: Caller, key: str) -> IdempotencyKey | HttpResponse:
    """Insert the request's record (it may run), or the answer for a key already used."""
    print_ = fingerprint(request)
    for _attempt in range(3):
        now = clock.now()
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(
                    owner=caller.owner,
                    user=caller.user,
                    key=key,
                    method=request.method or "",
                    path=request.get_full_path()[:500],
                    fingerprint=print_,
                    created_at=now,
                )
        except IntegrityError:
            pass
        found = IdempotencyKey.objects.filter(owner=caller.owner, key=key).first()
        if found is None:
            continue  # purged in between: insert again
        if found.created_at <= now - KEEP:
            IdempotencyKey.objects.filter(pk=found.pk, created_at=found.created_at).delete()
            continue  # expired, not purged yet: the key is free again
        if found.fingerprint != print_:
            detail = _(
                "该 Idempotency-Key 已用于另一请求（方法、地址或请求体不同）。新的请求请使用新的 Idempotency-Key。"
            )
            return _problem(422, detail, "idempotency-key-reused")
        if found.state == IdempotencyState.DONE:
            return _replay(found)
        if found.created_at <= now - ABANDONED and _take_over(found, now):
            return found
        break
    detail = _("相同 Idempotency-Key 的请求正在处理，请稍后重试。")
    return _problem(409, detail, "idempotency-in-progress", _("请求正在处理"), **{"Retry-After": "1"})


def _take_over(found: IdempotencyKey, now: dt.datetime) -> bool:
    """Claim a record whose worker died (compare-and-set: of two retries, one takes it)."""
    same = IdempotencyKey.objects.filter(pk=found.pk, state=IdempotencyState.IN_PROGRESS, created_at=found.created_at)
    return same.update(created_at=now) == 1


def _settle(record: IdempotencyKey, response: HttpResponse) -> None:
    """Keep the answer for the retries, or free the key when the request did not run."""
    status = response.status_code
    if response.streaming or status >= 500 or status in NOT_KEPT:
        IdempotencyKey.objects.filter(pk=record.pk).delete()
        return
    IdempotencyKey.objects.filter(pk=record.pk).update(
        state=IdempotencyState.DONE,
        status_code=status,
        content_type=response.get("Content-Type", ""),
        body=response.content,
    )


def idempotent(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """django-ninja "view" decorator: wraps an operation's run (see the module docstring)."""

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = request.headers.get(HEADER)
        caller = caller_of(request) if request.method == "POST" and key is not None else None
        if key is None or caller is None:
            return run(request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            detail = _("Idempotency-Key 须为 1–%(max)s 个字符。") % {"max": MAX_KEY_LENGTH}
            return _problem(422, detail, "idempotency-key-invalid")
        claimed = _claim(request, caller, key)
        if isinstance(claimed, HttpResponse):
            if claimed.has_header(REPLAYED) and caller.token is not None:
                auth.record_use(request, caller.token)  # a replay is a use of the token too
            return claimed
        try:
            response = run(request, *args, **kwargs)
        except BaseException:
            IdempotencyKey.objects.filter(pk=claimed.pk).delete()
            raise
        _settle(claimed, response)
        return response

    return wrapper


def document(schema: Any) -> Any:
    """The OpenAPI schema with the optional Idempotency-Key header on every POST operation."""
    parameter = {
        "in": "header",
        "name": HEADER,
        "required": False,
        "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": "^[!-~]+$"},
        "description": (
            "幂等键（如 UUID）：24 小时内以同一键重发相同请求，返回首次的响应（响应头 Idempotent-Replayed: true）；"
            "同一键用于不同请求返回 422；首次请求尚在处理时返回 409。"
        ),
    }
    for operations in schema.get("paths", {}).values():
        post = operations.get("post")
        if post is not None:
            post.setdefault("parameters", []).append(parameter)
    return schema


def purge_expired() -> int:
    """Delete the records older than `KEEP`; idempotent. Returns how many went."""
    deleted, _counts = IdempotencyKey.objects.filter(created_at__lte=clock.now() - KEEP).delete()
    return deleted
