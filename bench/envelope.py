"""Envelope seal + open against libsodium's sealed box, and clue scanning.

python bench/envelope.py --json [--seconds S] [--payload BYTES]
"""

from __future__ import annotations

import argparse
import os

import _common  # noqa: F401  (puts src/ on the path)
from _common import emit, rate
from nacl.public import PrivateKey, SealedBox

from tysha.protocol import ClueRecord, Identity, Scanner, open_envelope, parse_header, seal_envelope
from tysha.protocol.kem import KEM_X25519, KEM_XWING, kem_for


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--payload", type=int, default=65536)
    a = ap.parse_args()
    per = max(0.5, a.seconds / 6)
    payload = os.urandom(a.payload)

    def seal_open(kem_id: int) -> float:
        me = Identity.generate(os.urandom, kem_id)
        pub = me.public()

        def once() -> None:
            env = seal_envelope(payload, [pub], os.urandom, kem_id)
            assert open_envelope(env, me).content == payload

        return rate(once, per)

    sk = PrivateKey.generate()
    box_open, box_seal = SealedBox(sk), SealedBox(sk.public_key)

    def sealed_box() -> None:
        assert box_open.decrypt(box_seal.encrypt(payload)) == payload

    limit = rate(sealed_box, per)
    xwing = seal_open(KEM_XWING)
    x25519 = seal_open(KEM_X25519)
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
            "target_ratio": 0.9,
            "target_scan_per_s": 20000,
        },
        a.json,
    )


if __name__ == "__main__":
    main()
