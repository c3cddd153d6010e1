"""Wire objects other than envelopes: invitations, capture attestations, manifests, receipts.

All are deterministic CBOR maps with small integer keys and a version at key 0; an unknown
version, a missing or unknown field is a ``ProtocolError``; a bad signature or proof is a
``VerificationError``. Signatures are Ed25519 over ``domain || 0x00 || CBOR(fields)`` where the
domain names the object, so a signature of one kind can never be replayed as another.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from tysha.errors import ProtocolError, VerificationError
from tysha.protocol import cbor
from tysha.protocol.keys import Identity, PublicIdentity, verify_signature

__all__ = [
    "Attachment",
    "CaptureAttestation",
    "ContentSplitter",
    "Invitation",
    "Manifest",
    "Receipt",
    "frame_content",
]

_INVITE_PREFIX = "TYSHA1:"
_INVITE_QR_MAGIC = b"TY1"
_ATTEST_DOMAIN = b"tysha/v1 capture-attestation"
_MANIFEST_DOMAIN = b"tysha/v1 manifest"
MAX_MANIFEST = 1 << 20


def _expect_map(obj: object, keys: set[int], what: str) -> dict[Any, Any]:
    if not isinstance(obj, dict):
        raise ProtocolError(f"{what} is not a map")
    if obj.get(0) != 1:
        raise ProtocolError(f"unsupported {what} version {obj.get(0)!r}")
    if set(obj) != keys:
        raise ProtocolError(f"{what} has missing or unknown fields")
    return obj


def _typed(value: object, typ: type | tuple[type, ...], what: str) -> Any:
    if not isinstance(value, typ) or (isinstance(value, bool) and typ is int):
        raise ProtocolError(f"{what} has the wrong type")
    return value


# --- invitation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    """A one-time enrolment code made by a desk (DESIGN.md, data flow step 1)."""

    drops: tuple[str, ...]
    drop_vkey: str
    handler: PublicIdentity
    escrow: PublicIdentity | None
    secret: bytes

    def __post_init__(self) -> None:
        if not self.drops or len(self.drops) > 8:
            raise ProtocolError("an invitation names 1 to 8 drops")
        if len(self.secret) != 16:
            raise ProtocolError("the enrolment secret is 16 bytes")

    def to_bytes(self) -> bytes:
        return cbor.encode(
            {
                0: 1,
                1: list(self.drops),
                2: self.drop_vkey,
                3: self.handler.to_obj(),
                4: self.escrow.to_obj() if self.escrow else None,
                5: self.secret,
            }
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Invitation:
        obj = _expect_map(
            cbor.decode(data, max_bytes=8192, max_items=16), {0, 1, 2, 3, 4, 5}, "invitation"
        )
        drops = _typed(obj[1], list, "invitation drops")
        for d in drops:
            _typed(d, str, "drop address")
        escrow = None if obj[4] is None else PublicIdentity.from_obj(obj[4])
        return cls(
            tuple(drops),
            _typed(obj[2], str, "drop key"),
            PublicIdentity.from_obj(obj[3]),
            escrow,
            _typed(obj[5], bytes, "enrolment secret"),
        )

    def to_text(self) -> str:
        """Text form: ``TYSHA1:`` then unpadded base64url (copy and paste, or a file)."""
        return _INVITE_PREFIX + base64.urlsafe_b64encode(self.to_bytes()).rstrip(b"=").decode()

    @classmethod
    def from_text(cls, text: str) -> Invitation:
        text = "".join(text.split())
        if not text.startswith(_INVITE_PREFIX):
            raise ProtocolError(f"an invitation code starts with {_INVITE_PREFIX}")
        body = text[len(_INVITE_PREFIX) :]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except ValueError:
            raise ProtocolError("invitation code is not valid base64url") from None
        return cls.from_bytes(raw)

    def qr_payload(self) -> bytes:
        """Binary QR payload (byte mode): ``TY1`` then the CBOR; fits a version-40 code."""
        return _INVITE_QR_MAGIC + self.to_bytes()

    @classmethod
    def from_qr_payload(cls, data: bytes) -> Invitation:
        if not data.startswith(_INVITE_QR_MAGIC):
            raise ProtocolError("not a Tysha invitation QR payload")
        return cls.from_bytes(data[len(_INVITE_QR_MAGIC) :])

    def recipients(self) -> list[PublicIdentity]:
        return [self.handler] + ([self.escrow] if self.escrow else [])


# --- capture attestation -----------------------------------------------------------------


@dataclass(frozen=True)
class CaptureAttestation:
    """The first link of the chain of custody: the original's hash and capture claims,
    signed by the source key at capture (DESIGN.md, step 2).

    ``claims`` holds text keys: ``sha256`` (32 bytes), ``size`` (int), ``media_type``,
    ``name``, ``device_time`` (ISO 8601) and, where the file had them, ``exif_time`` and
    ``exif_gps`` ([latitude, longitude] in integer micro-degrees).
    """

    claims: dict[str, Any]
    signer: bytes
    signature: bytes

    @classmethod
    def create(cls, identity: Identity, claims: dict[str, Any]) -> CaptureAttestation:
        _check_claims(claims)
        pub = identity.public().sign
        return cls(dict(claims), pub, identity.sign(_ATTEST_DOMAIN, cbor.encode(claims)))

    @property
    def sha256(self) -> bytes:
        value: bytes = self.claims["sha256"]
        return value

    def verify(self, signer: bytes | None = None, original_sha256: bytes | None = None) -> None:
        """Check the signature (and, if given, the signer and the original's hash)."""
        if signer is not None and signer != self.signer:
            raise VerificationError("capture attestation is signed by another key")
        verify_signature(self.signer, _ATTEST_DOMAIN, cbor.encode(self.claims), self.signature)
        if original_sha256 is not None and original_sha256 != self.sha256:
            raise VerificationError(
                f"attachment SHA-256 {original_sha256.hex()} does not match the attested "
                f"{self.sha256.hex()}"
            )

    def to_obj(self) -> dict[int, object]:
        return {0: 1, 1: self.claims, 2: self.signer, 3: self.signature}

    @classmethod
    def from_obj(cls, obj: object) -> CaptureAttestation:
        m = _expect_map(obj, {0, 1, 2, 3}, "capture attestation")
        claims = _typed(m[1], dict, "capture claims")
        _check_claims(claims)
        return cls(
            claims, _typed(m[2], bytes, "attestation signer"), _typed(m[3], bytes, "signature")
        )

    def to_bytes(self) -> bytes:
        return cbor.encode(self.to_obj())

    @classmethod
    def from_bytes(cls, data: bytes) -> CaptureAttestation:
        return cls.from_obj(cbor.decode(data, max_items=64))


def _check_claims(claims: dict[Any, Any]) -> None:
    if not all(isinstance(k, str) for k in claims):
        raise ProtocolError("capture claim names must be text")
    sha = claims.get("sha256")
    if not isinstance(sha, bytes) or len(sha) != 32:
        raise ProtocolError("capture claims need the 32-byte sha256 of the original")
    size = claims.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ProtocolError("capture claims need the original's size")


# --- manifest and content framing ---------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    name: str
    media_type: str
    size: int
    sha256: bytes
    attestation: CaptureAttestation | None = None

    def to_obj(self) -> dict[int, object]:
        return {
            0: self.name,
            1: self.media_type,
            2: self.size,
            3: self.sha256,
            4: self.attestation.to_obj() if self.attestation else None,
        }

    @classmethod
    def from_obj(cls, obj: object) -> Attachment:
        if not isinstance(obj, dict) or set(obj) != {0, 1, 2, 3, 4}:
            raise ProtocolError("malformed attachment entry")
        size = _typed(obj[2], int, "attachment size")
        sha = _typed(obj[3], bytes, "attachment hash")
        if size < 0 or len(sha) != 32:
            raise ProtocolError("malformed attachment entry")
        att = None if obj[4] is None else CaptureAttestation.from_obj(obj[4])
        return cls(_typed(obj[0], str, "name"), _typed(obj[1], str, "media type"), size, sha, att)


@dataclass(frozen=True)
class Manifest:
    """What an envelope's content starts with: who sends what, signed by the sender.

    ``kind`` is ``"report"`` (source → desk) or ``"reply"`` (desk → source). ``body`` holds
    text keys: for a report ``categories`` (list), ``text``, ``when``, ``where``,
    ``created_at``; for a reply ``text``, ``in_reply_to``, ``created_at``. ``enrolment`` is
    the invitation's secret on a source's reports, so the desk can tie them to its invitation.
    """

    kind: str
    sender: PublicIdentity
    body: dict[str, Any]
    attachments: tuple[Attachment, ...] = ()
    enrolment: bytes | None = None
    signature: bytes = field(default=b"", compare=False)

    def _signed_fields(self) -> bytes:
        return cbor.encode(
            {
                0: 1,
                1: self.kind,
                2: self.sender.to_obj(),
                3: self.body,
                4: [a.to_obj() for a in self.attachments],
                5: self.enrolment,
            }
        )

    def signed(self, identity: Identity) -> Manifest:
        if identity.public() != self.sender:
            raise ProtocolError("a manifest is signed by its sender")
        sig = identity.sign(_MANIFEST_DOMAIN, self._signed_fields())
        return Manifest(self.kind, self.sender, self.body, self.attachments, self.enrolment, sig)

    def to_bytes(self) -> bytes:
        if not self.signature:
            raise ProtocolError("manifest is not signed")
        fields = cbor.decode(self._signed_fields(), max_bytes=MAX_MANIFEST, max_items=4096)
        assert isinstance(fields, dict)
        fields[6] = self.signature
        return cbor.encode(fields)

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        """Parse and verify the sender's signature."""
        obj = _expect_map(
            cbor.decode(data, max_bytes=MAX_MANIFEST, max_items=4096),
            {0, 1, 2, 3, 4, 5, 6},
            "manifest",
        )
        kind = _typed(obj[1], str, "manifest kind")
        if kind not in ("report", "reply"):
            raise ProtocolError(f"unknown manifest kind {kind!r}")
        body = _typed(obj[3], dict, "manifest body")
        if not all(isinstance(k, str) for k in body):
            raise ProtocolError("manifest body keys must be text")
        atts = tuple(Attachment.from_obj(a) for a in _typed(obj[4], list, "attachments"))
        enrol = obj[5]
        if enrol is not None:
            _typed(enrol, bytes, "enrolment secret")
        m = cls(
            kind,
            PublicIdentity.from_obj(obj[2]),
            body,
            atts,
            enrol,
            _typed(obj[6], bytes, "signature"),
        )
        m.sender.verify(_MANIFEST_DOMAIN, m._signed_fields(), m.signature)
        return m


def frame_content(manifest: bytes) -> bytes:
    """The content prefix: ``u32be(len(manifest)) || manifest``; attachments follow raw,
    in manifest order, each exactly its declared size."""
    if len(manifest) > MAX_MANIFEST:
        raise ProtocolError("manifest too large")
    return struct.pack(">I", len(manifest)) + manifest


class ContentSplitter:
    """Split a content stream into the manifest and the attachments' bytes, streaming.

    Feed pieces; ``events`` yields ``("manifest", Manifest)`` once, then
    ``("data", index, bytes)`` pieces and ``("end", index)`` after each attachment.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.manifest: Manifest | None = None
        self._sizes: list[int] = []
        self._index = 0
        self._left = 0

    def feed(self, piece: bytes) -> Iterator[tuple[Any, ...]]:
        if self.manifest is None:
            self._buf += piece
            if len(self._buf) < 4:
                return
            (mlen,) = struct.unpack(">I", self._buf[:4])
            if mlen > MAX_MANIFEST:
                raise ProtocolError("manifest too large")
            if len(self._buf) < 4 + mlen:
                return
            self.manifest = Manifest.from_bytes(bytes(self._buf[4 : 4 + mlen]))
            yield ("manifest", self.manifest)
            self._sizes = [a.size for a in self.manifest.attachments]
            piece = bytes(self._buf[4 + mlen :])
            self._buf.clear()
            yield from self._start_next()
        while piece:
            if self._index >= len(self._sizes):
                raise ProtocolError("content continues after the last attachment")
            take = min(self._left, len(piece))
            yield ("data", self._index, piece[:take])
            piece = piece[take:]
            self._left -= take
            if self._left == 0:
                yield ("end", self._index)
                self._index += 1
                yield from self._start_next()

    def _start_next(self) -> Iterator[tuple[Any, ...]]:
        while self._index < len(self._sizes) and self._sizes[self._index] == 0:
            yield ("end", self._index)
            self._index += 1
        if self._index < len(self._sizes):
            self._left = self._sizes[self._index]

    def finish(self) -> None:
        if self.manifest is None or self._index != len(self._sizes):
            raise ProtocolError("content ended before all attachments arrived")


# --- receipt ------------------------------------------------------------------------------


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
        m = _expect_map(obj, {0, 1, 2, 3, 4}, "receipt")
        digest = _typed(m[1], bytes, "envelope digest")
        index = _typed(m[2], int, "leaf index")
        proof = _typed(m[4], list, "inclusion proof")
        if len(digest) != 32 or index < 0 or len(proof) > 64:
            raise ProtocolError("malformed receipt")
        for h in proof:
            if not isinstance(h, bytes) or len(h) != 32:
                raise ProtocolError("malformed inclusion proof")
        return cls(digest, index, _typed(m[3], str, "checkpoint"), tuple(proof))

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
    def from_json(cls, obj: dict[str, Any]) -> Receipt:
        try:
            return cls(
                bytes.fromhex(obj["envelope_digest"]),
                int(obj["index"]),
                str(obj["checkpoint"]),
                tuple(bytes.fromhex(h) for h in obj["proof"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ProtocolError(f"malformed receipt JSON: {exc}") from None

    def verify(self, drop_vkey: str, expected_digest: bytes | None = None) -> Any:
        """Check the checkpoint's signature and the inclusion proof; return the Checkpoint.

        Raises ``VerificationError`` on any failure."""
        from tysha.tlog import NoteVerifier, leaf_hash, open_checkpoint, verify_inclusion

        if expected_digest is not None and expected_digest != self.envelope_digest:
            raise VerificationError("receipt is for another envelope")
        cp = open_checkpoint(self.checkpoint, NoteVerifier.from_vkey(drop_vkey))
        if self.index >= cp.size:
            raise VerificationError(
                f"receipt leaf index {self.index} is outside the checkpoint's tree "
                f"of size {cp.size}"
            )
        verify_inclusion(
            leaf_hash(self.envelope_digest), self.index, cp.size, list(self.proof), cp.root_hash
        )
        return cp


def attachments_total(atts: Sequence[Attachment]) -> int:
    return sum(a.size for a in atts)
