"""The arithmetic of two-factor sign-in, with no database and no audit: TOTP codes (RFC 6238 through pyotp),
recovery codes and their digests, and the QR code of an authenticator's enrolment (drawn here as inline SVG
by segno: nothing is sent to another service, and the page needs no script).

The audited writes that use these are in chaindesk/accounts/services_2fa.py."""

import hashlib
import hmac
import re
import secrets

import pyotp
import segno

from chaindesk.core import clock

STEP_SECONDS = 30
DIGITS = 6
# A code of the step before or after the server's is accepted too: a phone's clock may be up to 30 s off.
DRIFT_STEPS = 1
RECOVERY_COUNT = 10
# Lower-case letters and digits without the look-alikes (0 o 1 l i): codes are read off paper and typed.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 10  # about 49 bits each; shown as two groups of five

_SPACES = re.compile(r"[\s\-]+")


def new_secret() -> str:
    """A fresh 160-bit shared key in base32 (what an authenticator app is given)."""
    return pyotp.random_base32(length=32)


def current_step() -> int:
    """The 30-second step of the current instant (by chaindesk.core.clock)."""
    return int(clock.now().timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    """The six-digit code of `step`."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def matching_step(secret: str, code: str) -> int | None:
    """The step (now, or one either side) whose code is `code`, the latest if several; None when none is.
    Every candidate is compared in constant time."""
    now = current_step()
    found = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(code_at(secret, step), code):
            found = step
    return found


def normalise(code: str) -> str:
    """What the user typed, without spaces and hyphens, lower-case (a recovery code may be typed either way)."""
    return _SPACES.sub("", code or "").lower()[:64]


def is_totp_code(code: str) -> bool:
    return len(code) == DIGITS and code.isascii() and code.isdigit()


def new_recovery_codes() -> list[str]:
    """Ten fresh recovery codes, as shown to the user (`abcde-fghjk`)."""
    codes = []
    for _ in range(RECOVERY_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def recovery_digest(code: str, salt: str) -> str:
    """The stored form of a recovery code: SHA-256 over its own random salt and the normalised code."""
    return hashlib.sha256(f"{salt}:{normalise(code)}".encode()).hexdigest()


def new_salt() -> str:
    return secrets.token_hex(16)


def provisioning_uri(*, secret: str, account: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str, *, title: str) -> str:
    """The QR code of `uri` as an inline <svg> element (black on white, a quiet zone of four modules; a viewBox and
    no fixed size, so the page's CSS sizes it), drawn on
    this server. Safe to insert into a page: segno writes only its own markup and escapes the title."""
    qr = segno.make(uri, error="m", micro=False)
    return str(
        qr.svg_inline(scale=5, border=4, dark="#000", light="#fff", title=title, svgclass="cd-qr", omitsize=True)
    )


def grouped(secret: str, per_line: int = 4) -> list[str]:
    """The secret in lines of four groups of four, for typing by hand: `["ABCD EFGH IJKL MNOP", …]`."""
    groups = [secret[i : i + 4] for i in range(0, len(secret), 4)]
    return [" ".join(groups[i : i + per_line]) for i in range(0, len(groups), per_line)]
