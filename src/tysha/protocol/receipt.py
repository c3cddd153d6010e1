"""What the drop answers an accepted upload with: a receipt (DESIGN.md, step 5).

``{0: 1, 1: envelope digest (32 bytes), 2: leaf index, 3: checkpoint (signed note text),
4: inclusion proof (at most 64 hashes of 32 bytes)}`` in deterministic CBOR, or the same as
JSON (``to_json``/``from_json``) in a courier file and a court bundle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tysha.errors import ProtocolError, VerificationError
from tysha.protocol import _wire, cbor

__all__ = ["Receipt"]

_MAX_INDEX = (1 << 63) - 1
_MAX_CHECKPOINT = 16384


def _hex32(value: object) -> bytes:
    if type(value) is not str or len(value) != 64:
        raise ProtocolError("malformed receipt JSON: a hash is not 64 hex digits")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise ProtocolError("malformed receipt JSON: a hash is not 64 hex digits") from None


@dataclass(frozen=True)
class Receipt:
    """What the drop answers an accepted upload with (DESIGN.md, step 5).

    ``checkpoint`` is the signed note text of a C2SP checkpoint; ``proof`` the RFC 9162
    inclusion proof of the leaf ``SHA-256(0x00 || envelope_digest)`` at ``index`` in the tree
    that checkpoint commits to.
    """

    envelope_digest: bytes
    index: int
    checkpoint: str
    proof: tuple[bytes, ...]

    def to_obj(self) -> dict[int, object]:
        return {
            0: 1,
            1: self.envelope_digest,
            2: self.index,
            3: self.checkpoint,
            4: list(self.proof),
        }

    def to_bytes(self) -> bytes:
        return cbor.encode(self.to_obj())

    @classmethod
    def from_obj(cls, obj: object) -> Receipt:
        m = _wire.expect_map(obj, {0, 1, 2, 3, 4}, "receipt")
        digest = _wire.fixed_bytes(m[1], "envelope digest", 32)
        index = _wire.integer(m[2], "leaf index", 0, _MAX_INDEX)
        proof = _wire.typed(m[4], list, "inclusion proof")
        if len(proof) > 64:
            raise ProtocolError("malformed receipt")
        for h in proof:
            _wire.fixed_bytes(h, "inclusion proof hash", 32)
        checkpoint = _wire.text(m[3], "checkpoint", _MAX_CHECKPOINT)
        return cls(digest, index, checkpoint, tuple(proof))

    @classmethod
    def from_bytes(cls, data: bytes) -> Receipt:
        return cls.from_obj(cbor.decode(data, max_bytes=65536, max_items=128))

    def to_json(self) -> dict[str, object]:
        return {
            "envelope_digest": self.envelope_digest.hex(),
            "index": self.index,
            "checkpoint": self.checkpoint,
            "proof": [h.hex() for h in self.proof],
        }

    @classmethod
    def from_json(cls, obj: object) -> Receipt:
        """Parse the JSON form strictly (a ``ProtocolError`` for anything else)."""
        if not isinstance(obj, dict) or set(obj) != {"envelope_digest", "index", "checkpoint",
                                                     "proof"}:
            raise ProtocolError("malformed receipt JSON: wrong fields")
        proof = obj["proof"]
        if not isinstance(proof, list) or len(proof) > 64:
            raise ProtocolError("malformed receipt JSON: the proof is not a list of hashes")
        return cls(
            _hex32(obj["envelope_digest"]),
            _wire.integer(obj["index"], "receipt leaf index", 0, _MAX_INDEX),
            _wire.text(obj["checkpoint"], "receipt checkpoint", _MAX_CHECKPOINT),
            tuple(_hex32(h) for h in proof),
        )

    def verify(self, drop_vkey: str, expected_digest: bytes | None = None) -> Any:
        """Check the checkpoint's signature and the inclusion proof; return the Checkpoint.

        Raises ``VerificationError`` on any failure."""
        from tysha.tlog import NoteVerifier, open_checkpoint

        if expected_digest is not None and expected_digest != self.envelope_digest:
            raise VerificationError("receipt is for another envelope")
        cp = open_checkpoint(self.checkpoint, NoteVerifier.from_vkey(drop_vkey))
        self.check_inclusion(cp)
        return cp

    def check_inclusion(self, cp: Any) -> None:
        """That the proof leads from the envelope's leaf to the root of ``cp`` (a parsed
        checkpoint: its signature is the caller's to check, as :meth:`verify` does; a courier,
        who holds no drop key, checks only this). ``VerificationError`` otherwise."""
        from tysha.tlog import leaf_hash, verify_inclusion

        if self.index >= cp.size:
            raise VerificationError(
                f"receipt leaf index {self.index} is outside the checkpoint's tree "
                f"of size {cp.size}"
            )
        verify_inclusion(
            leaf_hash(self.envelope_digest), self.index, cp.size, list(self.proof), cp.root_hash
        )
