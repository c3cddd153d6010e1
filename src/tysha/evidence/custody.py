"""The custody log: every action on an item is a signed, hash-chained event (DESIGN.md step 7).

An event is canonical JSON (RFC 8785 style: sorted keys, no insignificant white space, UTF-8)
of ``{seq, at, action, report, detail, prev}``; ``prev`` is the SHA-256 of the previous
event's canonical form (32 zero bytes for the first), and ``sig`` an Ed25519 signature by the
desk key over ``"tysha/v1 custody" || 0x00 || canonical``. Rewriting or dropping any event
breaks the chain at that point; :func:`verify_chain` says where.

Pure: no clock (``at`` is passed in), no I/O.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tysha.errors import ProtocolError, VerificationError
from tysha.protocol import Identity, verify_signature

__all__ = ["CustodyEvent", "canonical_json", "verify_chain"]

_DOMAIN = b"tysha/v1 custody"


def canonical_json(obj: Any) -> bytes:
    """Sorted keys, no white space, UTF-8: the subset of RFC 8785 our objects need
    (strings, integers, booleans, null, arrays, objects; no floats)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


@dataclass(frozen=True)
class CustodyEvent:
    seq: int
    at: str
    action: str
    report: str | None
    detail: dict[str, Any]
    prev: bytes
    signer: bytes = b""
    sig: bytes = field(default=b"", compare=False)

    def body(self) -> bytes:
        return canonical_json(
            {
                "seq": self.seq,
                "at": self.at,
                "action": self.action,
                "report": self.report,
                "detail": self.detail,
                "prev": self.prev.hex(),
                "signer": self.signer.hex(),
            }
        )

    def digest(self) -> bytes:
        return hashlib.sha256(self.body()).digest()

    def signed(self, identity: Identity) -> CustodyEvent:
        signer = identity.public().sign
        unsigned = CustodyEvent(
            self.seq, self.at, self.action, self.report, self.detail, self.prev, signer
        )
        return CustodyEvent(
            self.seq,
            self.at,
            self.action,
            self.report,
            self.detail,
            self.prev,
            signer,
            identity.sign(_DOMAIN, unsigned.body()),
        )

    def verify(self, signer: bytes | None = None) -> None:
        if signer is not None and signer != self.signer:
            raise VerificationError(f"custody event {self.seq} is signed by another key")
        verify_signature(self.signer, _DOMAIN, self.body(), self.sig)

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "action": self.action,
            "report": self.report,
            "detail": self.detail,
            "prev": self.prev.hex(),
            "signer": self.signer.hex(),
            "sig": self.sig.hex(),
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> CustodyEvent:
        try:
            return cls(
                int(obj["seq"]),
                str(obj["at"]),
                str(obj["action"]),
                obj.get("report"),
                dict(obj["detail"]),
                bytes.fromhex(obj["prev"]),
                bytes.fromhex(obj["signer"]),
                bytes.fromhex(obj["sig"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ProtocolError(f"malformed custody event: {exc}") from None


def verify_chain(events: Sequence[CustodyEvent], signer: bytes | None = None) -> bytes:
    """Check signatures and links; return the head digest."""
    prev = bytes(32)
    for i, ev in enumerate(events):
        if ev.seq != i:
            raise VerificationError(f"custody log: event {i} is missing or out of order")
        if ev.prev != prev:
            raise VerificationError(f"custody log: event {i} does not link to event {i - 1}")
        ev.verify(signer)
        prev = ev.digest()
    return prev
