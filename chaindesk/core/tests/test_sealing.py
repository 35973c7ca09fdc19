"""Secrets sealed at rest (chaindesk.core.sealing): a round trip, keys from the settings, rotation, refusals."""

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings

from chaindesk.core import sealing

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_a_sealed_value_is_opaque_and_opens_again():
    stored = sealing.seal(SECRET)
    assert stored.startswith(sealing.PREFIX) and SECRET not in stored
    assert sealing.seal(SECRET) != stored  # a fresh IV each time: equal secrets are not visible as equal
    assert sealing.unseal(stored) == SECRET


def test_without_configured_keys_the_key_comes_from_secret_key_and_its_fallbacks():
    with override_settings(CHAINDESK_DATA_KEYS=[], SECRET_KEY="old-" + "k" * 50):
        stored = sealing.seal(SECRET)
    with override_settings(CHAINDESK_DATA_KEYS=[], SECRET_KEY="new-" + "k" * 50, SECRET_KEY_FALLBACKS=[]):
        with pytest.raises(sealing.SealError, match="no configured key"):
            sealing.unseal(stored)
    with override_settings(
        CHAINDESK_DATA_KEYS=[], SECRET_KEY="new-" + "k" * 50, SECRET_KEY_FALLBACKS=["old-" + "k" * 50]
    ):
        assert sealing.unseal(stored) == SECRET


def test_rotation_the_first_key_seals_every_key_opens():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(CHAINDESK_DATA_KEYS=[old]):
        stored = sealing.seal(SECRET)
    with override_settings(CHAINDESK_DATA_KEYS=[new, old]):
        assert sealing.unseal(stored) == SECRET
        moved = sealing.reseal(stored)
    with override_settings(CHAINDESK_DATA_KEYS=[new]):
        assert sealing.unseal(moved) == SECRET
        with pytest.raises(sealing.SealError):
            sealing.unseal(stored)


def test_a_plain_value_is_refused():
    with pytest.raises(sealing.SealError, match="not a sealed value"):
        sealing.unseal(SECRET)
