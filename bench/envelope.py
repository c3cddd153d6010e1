"""Envelope seal + open against libsodium's sealed box (the X25519 suite's ceiling) and
against the sum of the X-Wing envelope's own primitives measured in the same run (its honest
ceiling: ``limit_primitives_per_s``, ``ratio_primitives``), and clue scanning.

python bench/envelope.py --json [--seconds S] [--payload BYTES] [--rounds N]

Rates are operations per second of this process's CPU time (``time.process_time``), not of
the wall clock: on a shared machine another process's load then slows a figure far less.
``ratio_primitives`` is measured in ``--rounds`` rounds, each timing the envelope and then
its primitives back to back; the median round's ratio is reported, with every round's.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import time
from collections.abc import Callable

import _common  # noqa: F401  (puts src/ on the path)
from _common import emit
from nacl.public import PrivateKey, SealedBox

from tysha.protocol import ClueRecord, Identity, Scanner, open_envelope, parse_header, seal_envelope
from tysha.protocol.kem import KEM_X25519, KEM_XWING, kem_for


def rate(fn: Callable[[], object], seconds: float, min_iter: int = 3) -> float:
    """Calls of ``fn`` per second of this process's CPU time, over about ``seconds`` of it."""
    fn()  # warm up
    n = 0
    start = time.process_time()
    while True:
        fn()
        n += 1
        el = time.process_time() - start
        if el >= seconds and n >= min_iter:
            return n / el


def primitives_floor(payload: bytes, per: float) -> dict[str, float]:
    """Microseconds of each primitive one X-Wing seal + open needs, and the rate of their
    sum: ML-KEM-768 encapsulation and decapsulation; the X25519 operations of X-Wing (an
    ephemeral key and a shared secret to seal, a shared secret to open) and of the clue (the
    same); ChaCha20-Poly1305 over the padded content, both ways; SHA-256 of the envelope."""
    from cryptography.hazmat.primitives.asymmetric import mlkem
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
    from nacl.bindings import crypto_scalarmult, crypto_scalarmult_base

    me = Identity.generate(os.urandom)
    env = seal_envelope(payload, [me.public()], os.urandom)
    padded = bytes(parse_header(env).body_length())
    dk = mlkem.MLKEM768PrivateKey.generate()
    ek = dk.public_key()
    _, ct = ek.encapsulate()
    x_sk, x_pk = os.urandom(32), crypto_scalarmult_base(os.urandom(32))
    aead, nonce = ChaCha20Poly1305(os.urandom(32)), os.urandom(12)
    sealed = aead.encrypt(nonce, padded, None)
    us = {
        "mlkem768_encap": 1e6 / rate(ek.encapsulate, per / 6),
        "mlkem768_decap": 1e6 / rate(lambda: dk.decapsulate(ct), per / 6),
        # 2 base-point multiplications (ephemeral keys) + 4 shared secrets (X-Wing, clue).
        "x25519_6_ops": 2e6 / rate(lambda: crypto_scalarmult_base(x_sk), per / 6)
        + 4e6 / rate(lambda: crypto_scalarmult(x_sk, x_pk), per / 6),
        "chacha20poly1305_seal_open": 1e6 / rate(
            lambda: aead.decrypt(nonce, aead.encrypt(nonce, padded, None), None), per / 6
        ),
        "sha256_envelope": 1e6 / rate(lambda: hashlib.sha256(env).digest(), per / 6),
    }
    del sealed
    us["per_s"] = 1e6 / sum(us.values())
    return us


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--payload", type=int, default=65536)
    ap.add_argument("--rounds", type=int, default=3, help="envelope-vs-primitives rounds")
    a = ap.parse_args()
    per = max(0.5, a.seconds / 6)
    payload = os.urandom(a.payload)

    def seal_open_rate(kem_id: int, seconds: float) -> float:
        me = Identity.generate(os.urandom, kem_id)
        pub = me.public()

        def once() -> None:
            env = seal_envelope(payload, [pub], os.urandom, kem_id)
            assert open_envelope(env, me).content == payload

        return rate(once, seconds)

    # The envelope and its own primitives, back to back in each round.
    rounds = []
    for _ in range(max(1, a.rounds)):
        env_rate = seal_open_rate(KEM_XWING, per)
        floor = primitives_floor(payload, per)
        rounds.append((env_rate / floor["per_s"], env_rate, floor))
    rounds.sort(key=lambda r: r[0])
    ratio_primitives, xwing, floor = rounds[len(rounds) // 2]

    sk = PrivateKey.generate()
    box_open, box_seal = SealedBox(sk), SealedBox(sk.public_key)

    def sealed_box() -> None:
        assert box_open.decrypt(box_seal.encrypt(payload)) == payload

    limit = rate(sealed_box, per)
    x25519 = seal_open_rate(KEM_X25519, per)
    limit2 = rate(sealed_box, per)  # measure the ceiling twice, around the figures
    limit = (limit + limit2) / 2

    me = Identity.generate(os.urandom)
    scanner = Scanner(me.clue_secret, me.public().clue)
    others = [Identity.generate(os.urandom).public() for _ in range(4)]
    records = []
    for i in range(256):
        h = parse_header(seal_envelope(b"x", [others[i % 4]], os.urandom))
        records.append(ClueRecord(i, h.clue_pub, h.clues))
    it = iter(range(1 << 62))

    def scan_one() -> None:
        assert scanner.match(records[next(it) % 256]) is None

    scan = rate(scan_one, per)

    kem = kem_for(KEM_XWING)
    kp = kem.derive_key_pair(os.urandom(32))
    ss_enc = kem.encap(kp.public, os.urandom(32))
    emit(
        {
            "payload_bytes": a.payload,
            "seal_open_per_s": round(xwing, 1),
            "scan_per_s": round(scan, 1),
            "limit_sealed_box_per_s": round(limit, 1),
            "ratio": round(xwing / limit, 3),
            "kem": "X-Wing (ML-KEM-768 + X25519)",
            "seal_open_x25519_per_s": round(x25519, 1),
            "ratio_x25519": round(x25519 / limit, 3),
            "xwing_encap_per_s": round(
                rate(lambda: kem.encap(kp.public, os.urandom(32)), per / 3), 1
            ),
            "xwing_decap_per_s": round(rate(lambda: kem.decap(ss_enc[1], kp.secret), per / 3), 1),
            # The X-Wing envelope's honest ceiling: its own primitives, measured in this run.
            "limit_primitives_per_s": round(floor["per_s"], 1),
            "ratio_primitives": round(ratio_primitives, 3),
            "ratio_primitives_rounds": [round(r[0], 3) for r in rounds],
            "rate_clock": "process CPU time",
            "target_ratio_primitives": 0.8,
            "primitives_us": {k: round(v, 1) for k, v in floor.items() if k != "per_s"},
            "target_ratio": 0.9,
            "target_scan_per_s": 20000,
        },
        a.json,
    )


if __name__ == "__main__":
    main()
