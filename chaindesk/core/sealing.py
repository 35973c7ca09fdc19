"""Secrets the server must read back, sealed at rest: an authenticator's TOTP key cannot be hashed like a password
(the server computes the codes from it), so the database keeps it encrypted (Fernet: AES-128-CBC with an
HMAC-SHA256, from the `cryptography` library) under keys that live in the settings, not in the database. A copy of
the database or a backup alone then yields no usable authenticator.

Keys: CHAINDESK_DATA_KEYS (the first seals, every one opens, for rotation), or one derived from SECRET_KEY and
one more from each of SECRET_KEY_FALLBACKS when none is set. A sealed value is text: `PREFIX` + the Fernet token.

    stored = seal("JBSWY3DPEHPK3PXP…")
    unseal(stored)       # the secret; SealError when no key opens it (keys changed without keeping the old one)
    reseal(stored)       # sealed again under the first key (after a rotation)
"""

import base64
import functools
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

PREFIX = "fernet:"


class SealError(Exception):
    """A sealed value no configured key opens, or a value that is not sealed."""


def _derived(secret: str | bytes) -> bytes:
    raw = secret.encode() if isinstance(secret, str) else secret
    return base64.urlsafe_b64encode(hashlib.sha256(b"chaindesk.core.sealing:" + raw).digest())


def keys() -> tuple[bytes, ...]:
    """The Fernet keys in use, the sealing one first."""
    configured = tuple(key.encode() for key in getattr(settings, "CHAINDESK_DATA_KEYS", ()) if key)
    if configured:
        return configured
    return tuple(_derived(secret) for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS))


@functools.lru_cache(maxsize=4)
def _fernet(key_set: tuple[bytes, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in key_set])


def seal(text: str) -> str:
    return PREFIX + _fernet(keys()).encrypt(text.encode()).decode("ascii")


def unseal(value: str) -> str:
    if not value.startswith(PREFIX):
        raise SealError("not a sealed value")
    try:
        return _fernet(keys()).decrypt(value.removeprefix(PREFIX).encode("ascii")).decode()
    except InvalidToken as exc:
        raise SealError("no configured key opens this value (CHAINDESK_DATA_KEYS or SECRET_KEY changed?)") from exc


def reseal(value: str) -> str:
    """`value` sealed under the first key (it must open with one of the keys)."""
    return seal(unseal(value))
