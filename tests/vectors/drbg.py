"""The deterministic byte source every vector generator uses (tests only; never a key source
outside vectors): SHA-256 in counter mode over ``seed || counter`` (8 bytes, big endian)."""

from __future__ import annotations

import hashlib


class DRBG:
    def __init__(self, seed: bytes) -> None:
        self.seed, self.counter = seed, 0

    def __call__(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += hashlib.sha256(self.seed + self.counter.to_bytes(8, "big")).digest()
            self.counter += 1
        return out[:n]
