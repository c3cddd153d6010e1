"""A look-alike slot's deletion secret is derived from the content key, so the envelope's real
recipient can delete it with its own slot (protocol/envelope.py, **Deletion**)."""

from __future__ import annotations

import hashlib
import os

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tysha.errors import ProtocolError
from tysha.protocol import Identity, open_envelope, seal_envelope
from tysha.protocol import envelope as envelope_module
from tysha.protocol.envelope import deletion_secrets, lookalike_deletion_secret, unwrap_slot
from tysha.protocol.kem import KEM_X25519, KEM_XWING


def sha(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def test_lookalike_secret_is_rfc5869_hkdf() -> None:
    key = bytes(range(32))
    for k in (0, 1, 15):
        want = HKDF(hashes.SHA256(), 32, None, b"tysha/v1 look-alike deletion" + bytes([k]))
        assert lookalike_deletion_secret(key, k) == want.derive(key)
    assert lookalike_deletion_secret(key, 0) != lookalike_deletion_secret(key, 1)
    assert lookalike_deletion_secret(key, 0) != lookalike_deletion_secret(bytes(32), 0)
    for bad in (-1, 16):
        with pytest.raises(ProtocolError):
            lookalike_deletion_secret(key, bad)


@pytest.mark.parametrize("kem_id", [KEM_XWING, KEM_X25519])
def test_one_recipient_can_show_every_slot(kem_id: int) -> None:
    me = Identity.generate(os.urandom, kem_id)
    opened = open_envelope(seal_envelope(b"r", [me.public()], os.urandom, kem_id), me)
    secrets = opened.deletion_secrets
    assert secrets[0] == opened.key.deletion_secret and len(secrets) == 2
    assert sorted(sha(s) for s in secrets) == sorted(opened.header.deletion_hashes)


def test_several_recipients_each_show_their_own_only() -> None:
    people = [Identity.generate(os.urandom) for _ in range(3)]
    env = seal_envelope(b"r", [p.public() for p in people], os.urandom)
    shown = [open_envelope(env, p).deletion_secrets for p in people]
    assert all(len(s) == 1 for s in shown)
    assert sorted(sha(s[0]) for s in shown) == sorted(open_envelope(env, people[0]).header.deletion_hashes)


def test_an_envelope_sealed_with_random_lookalike_secrets_gives_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As envelopes sealed before the look-alike secrets were derived: nothing matches."""
    me = Identity.generate(os.urandom)
    monkeypatch.setattr(envelope_module, "lookalike_deletion_secret", lambda key, k: os.urandom(32))
    env = seal_envelope(b"r", [me.public()], os.urandom)
    monkeypatch.undo()
    opened = open_envelope(env, me)
    assert opened.deletion_secrets == [opened.key.deletion_secret]
    assert deletion_secrets(opened.header, unwrap_slot(opened.header, me)) == [
        opened.key.deletion_secret
    ]
