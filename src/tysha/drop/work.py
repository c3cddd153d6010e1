"""What an anonymous client pays for the drop's disk, CPU and everyone's listing.

The drop cannot tell clients apart (it must not: THREAT_MODEL "Drop"), so the only price it
can charge is work, and the price must follow the cost:

* **per byte announced.** The proof of work (:mod:`tysha.protocol.pow`, bound to the envelope's
  digest) needs ``base`` bits for up to one ``unit`` of bytes and one more bit each time the
  announced length doubles beyond it, so the expected work grows linearly with the bytes a
  client makes the drop hold (:func:`work_bits`). For a resumable upload the length is the one
  announced at creation; the digest binds it (a different length cannot match at ``finish``).
* **adapting to the intake rate.** :class:`WorkPolicy` keeps a decaying count of the bytes this
  process admitted (one ``unit`` at least per envelope, so empty uploads are not free). While it
  is above ``target`` bytes per minute, every doubling adds a bit, up to ``MAX_LOAD_BITS``: a
  flood slows itself down, and the price falls back within minutes once it stops.
* **anonymous tokens instead of work** (a seam, not yet a scheme): a client may present
  ``Authorization: PrivateToken token=<base64url>`` (the header of RFC 9577, Privacy Pass HTTP
  authentication). A :class:`TokenVerifier` that redeems it waives the work for that request.
  The default verifier redeems nothing; an issuer (for example blind RSA tokens, RFC 9578,
  issued to enrolled sources by their handler) plugs in here without an API change.

A client reads ``pow_bits``, ``pow_unit`` and ``pow_load_bits`` from ``GET /v1/info`` and
computes the same :func:`work_bits`; when the load rose meanwhile the drop answers 403 with
``{"error": "work", "pow_bits": N}`` and the client solves again for ``N``.
"""

from __future__ import annotations

import base64
import math
import threading
import time
from collections.abc import Callable
from typing import Protocol

from tysha.protocol.pow import work_bits

__all__ = [
    "MAX_LOAD_BITS",
    "NoTokens",
    "TokenVerifier",
    "WorkPolicy",
    "parse_private_token",
    "work_bits",
]

#: The most the intake rate can add to the difficulty (each bit doubles the price).
MAX_LOAD_BITS = 8


class TokenVerifier(Protocol):
    """Redeems an anonymous token (RFC 9577 ``PrivateToken``) for one envelope.

    ``redeem`` must be single-use (a spent token is refused) and must not learn who holds the
    token; it returns True when the token pays for ``length`` bytes of ``digest``."""

    def redeem(self, token: bytes, digest: bytes, length: int) -> bool: ...


class NoTokens:
    """The default: no token issuer is configured, so every client pays with work."""

    def redeem(self, token: bytes, digest: bytes, length: int) -> bool:
        return False


def parse_private_token(header: str | None) -> bytes | None:
    """The token of an ``Authorization: PrivateToken token=…`` header, or None."""
    if not header or len(header) > 4096:
        return None
    scheme, _, params = header.partition(" ")
    if scheme.lower() != "privatetoken":
        return None
    for part in params.split(","):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "token":
            value = value.strip().strip('"')
            try:
                return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            except ValueError:
                return None
    return None


class WorkPolicy:
    """The price of intake now: ``base`` bits, per byte announced, rising with the rate."""

    def __init__(
        self,
        base: int,
        unit: int,
        target_per_min: int,
        clock: Callable[[], float] = time.monotonic,
        tau_s: float = 60.0,
    ) -> None:
        self.base, self.unit, self.target = base, max(1, unit), max(1, target_per_min)
        self.clock, self.tau = clock, tau_s
        self._level = 0.0  # bytes admitted, decaying with time constant tau (≈ per minute)
        self._at = clock()
        self._lock = threading.Lock()

    def _decayed(self, now: float) -> float:
        return self._level * math.exp(-max(0.0, now - self._at) / self.tau)

    def load_bits(self) -> int:
        with self._lock:
            level = self._decayed(self.clock())
        if level <= self.target:
            return 0
        return min(MAX_LOAD_BITS, int(math.log2(level / self.target)) + 1)

    def required(self, length: int) -> int:
        return work_bits(length, self.base, self.unit, self.load_bits())

    def admitted(self, length: int) -> None:
        """Count an envelope (or an announced upload) against the rate."""
        with self._lock:
            now = self.clock()
            self._level = self._decayed(now) + max(length, self.unit)
            self._at = now
