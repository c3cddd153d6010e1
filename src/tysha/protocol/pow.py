"""Proof of work bound to an envelope's digest: the drop's first defence against flooding,
with no identity and no IP address (carrier NAT puts whole towns behind one address).

``work = SHA-256("tysha/v1 pow" || 0x00 || digest || nonce)`` must start with ``bits`` zero
bits; ``nonce`` is 8 bytes. The drop advertises ``bits`` (adjustable); a sender searches
about ``2**bits`` nonces. Because the work names the digest, it cannot be reused for another
envelope. The upload API carries it in a field that anonymous tokens (blind-signed at
enrolment, RFC 9474) can fill instead later: the drop checks either.
"""

from __future__ import annotations

import hashlib

from tysha.errors import ProtocolError, VerificationError

__all__ = ["MAX_TOTAL_BITS", "check_pow", "solve_pow", "work_bits"]

_DOMAIN = b"tysha/v1 pow\x00"
MAX_BITS = 32
#: Never ask more than this of a client (a phone must still send a large report).
MAX_TOTAL_BITS = 30


def work_bits(length: int, base: int, unit: int, load: int = 0) -> int:
    """The price of an envelope of ``length`` bytes, per byte announced: ``base`` bits for one
    ``unit``, +1 per doubling beyond it (the expected work grows linearly with the bytes the
    drop must hold), plus ``load`` bits while the drop's intake is high; 0 when ``base`` is 0.
    Drop and client compute the same figure (see :mod:`tysha.drop.work`)."""
    if base <= 0:
        return 0
    units = max(1, -(-max(0, length) // max(1, unit)))
    return min(MAX_TOTAL_BITS, base + (units - 1).bit_length() + max(0, load))


def _leading_zero_bits(h: bytes) -> int:
    value = int.from_bytes(h, "big")
    return 256 - value.bit_length()


def check_pow(digest: bytes, nonce: bytes, bits: int) -> None:
    """Raise ``VerificationError`` unless ``nonce`` is valid work for ``digest``."""
    if len(digest) != 32 or len(nonce) != 8:
        raise ProtocolError("proof of work needs a 32-byte digest and an 8-byte nonce")
    if bits <= 0:
        return
    if _leading_zero_bits(hashlib.sha256(_DOMAIN + digest + nonce).digest()) < bits:
        raise VerificationError(f"proof of work does not reach {bits} bits")


def solve_pow(digest: bytes, bits: int, start: int = 0) -> bytes:
    """Find a nonce (deterministically, from ``start``)."""
    if not 0 <= bits <= MAX_BITS:
        raise ProtocolError(f"proof-of-work difficulty must be 0 to {MAX_BITS} bits")
    if len(digest) != 32:
        raise ProtocolError("proof of work needs a 32-byte digest")
    prefix = hashlib.sha256(_DOMAIN + digest)
    target = 1 << (256 - bits)
    n = start
    while True:
        nonce = n.to_bytes(8, "big")
        h = prefix.copy()
        h.update(nonce)
        if int.from_bytes(h.digest(), "big") < target:
            return nonce
        n += 1
