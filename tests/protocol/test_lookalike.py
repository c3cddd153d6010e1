"""Look-alike slots cannot be told from real ones by whoever holds the envelope.

The two tells of a slot made of random bytes (docs/scale.md, the seventh and eighth stops),
checked on the slots an envelope carries: an X25519 key that is not a point of the curve
(half of all 32-byte strings, and half of those with their top bit set), and ML-KEM-768's
10-bit compressed coefficients, which an encryption gives in proportion to their preimages mod
3329 (257 values have four, 767 three) where random bytes give each value alike. Each check
is shown to single out random bytes, so that its passing on look-alikes means something.
"""

from __future__ import annotations

import hashlib
import os

import pytest

from tysha.errors import ProtocolError
from tysha.protocol import Identity, open_envelope, parse_header, seal_envelope
from tysha.protocol.envelope import clue_for
from tysha.protocol.kem import KEM_X25519, KEM_XWING, kem_for, x25519_public, x25519_shared

P = 2**255 - 19
Q = 3329
FOUR = {v for v in range(1024) if sum(1 for x in range(Q) if (x * 1024 + Q // 2) // Q % 1024 == v) == 4}
#: The share of coefficients with four preimages in an encryption (uniform mod q underneath),
#: and in random bytes.
SHARE_REAL = 4 * len(FOUR) / Q
SHARE_RANDOM = len(FOUR) / 1024


def on_curve(u_bytes: bytes) -> bool:
    """An X25519 public key as libsodium makes one: top bit clear, u below p, and
    u^3 + 486662 u^2 + u a square mod p (a point of Curve25519, not of its twist)."""
    u = int.from_bytes(u_bytes, "little")
    if u >> 255 or u >= P:
        return False
    rhs = (u * u * u + 486662 * u * u + u) % P
    return rhs == 0 or pow(rhs, (P - 1) // 2, P) == 1


def four_share(ct_m: bytes) -> float:
    """The share of ``ct_m``'s 768 ten-bit coefficients (its first 960 bytes) in FOUR."""
    n = 0
    for i in range(0, 960, 5):
        word = int.from_bytes(ct_m[i : i + 5], "little")
        n += sum(1 for k in range(4) if (word >> (10 * k)) & 1023 in FOUR)
    return n / 768


def slots_of(env: bytes, me: Identity) -> tuple[bytes, list[bytes]]:
    """The recipient's own slot's ``enc`` and the look-alikes' (found by the clues)."""
    h = parse_header(env)
    mine = clue_for(x25519_shared(me.clue_secret, h.clue_pub), h.clue_pub, me.public().clue)
    n_enc = kem_for(h.kem_id).n_enc
    real = [s[:n_enc] for c, s in zip(h.clues, h.slots, strict=True) if c == mine]
    others = [s[:n_enc] for c, s in zip(h.clues, h.slots, strict=True) if c != mine]
    assert len(real) == 1 and len(others) == len(h.slots) - 1
    return real[0], others


def test_the_checks_single_out_random_bytes() -> None:
    assert len(FOUR) == 257 and SHARE_REAL - SHARE_RANDOM > 0.05
    keys = [os.urandom(32) for _ in range(64)]
    assert sum(on_curve(k) for k in keys) < 48  # about 16 of 64 (top bit, then the twist)
    assert all(on_curve(x25519_public(k)) for k in keys)
    noise = sum(four_share(os.urandom(1088)) for _ in range(40)) / 40
    assert abs(noise - SHARE_RANDOM) < 0.015 and abs(noise - SHARE_REAL) > 0.04


def test_xwing_lookalikes_look_like_encryptions() -> None:
    me = Identity.generate(os.urandom, KEM_XWING)
    real_shares, fake_shares = [], []
    for _ in range(40):
        env = seal_envelope(b"report", [me.public()], os.urandom, KEM_XWING)
        assert open_envelope(env, me).content == b"report"
        real, fakes = slots_of(env, me)
        (fake,) = fakes
        assert on_curve(real[1088:]) and on_curve(fake[1088:])
        real_shares.append(four_share(real[:1088]))
        fake_shares.append(four_share(fake[:1088]))
    for shares in (real_shares, fake_shares):
        mean = sum(shares) / len(shares)
        assert abs(mean - SHARE_REAL) < 0.015, mean  # 5 standard deviations; random: 0.058 off


def test_x25519_suite_lookalikes_are_curve_points() -> None:
    me = Identity.generate(os.urandom, KEM_X25519)
    for _ in range(64):
        env = seal_envelope(b"r", [me.public()], os.urandom, KEM_X25519)
        real, (fake,) = slots_of(env, me)
        assert on_curve(real) and on_curve(fake)


def test_lookalike_enc_is_an_encapsulation_to_a_key_made_from_rand() -> None:
    dh = kem_for(KEM_X25519)
    r = os.urandom(32)
    anyone = Identity.generate(os.urandom, KEM_X25519).public().kem
    assert dh.lookalike_enc(r) == dh.encap(anyone, r)[1]  # the enc a real one gives
    xw = kem_for(KEM_XWING)
    enc = xw.lookalike_enc(r)
    expanded = hashlib.shake_256(r).digest(96)
    assert len(enc) == xw.n_enc and enc[1088:] == x25519_public(expanded[64:96])
    assert xw.lookalike_enc(r)[:1088] != enc[:1088]  # ML-KEM's message is drawn each time
    for kem in (dh, xw):
        for bad in (b"", os.urandom(31), os.urandom(33)):
            with pytest.raises(ProtocolError):
                kem.lookalike_enc(bad)
