"""The signed manifest an envelope's content starts with, and the content framing.

A manifest is deterministic CBOR ``{0: 1, 1: kind, 2: sender, 3: body, 4: attachments,
5: enrolment, 6: signature}``, signed with Ed25519 over ``"tysha/v1 manifest" || 0x00 ||
CBOR(fields 0..5)``. Anyone holding the desk's public key can send one, so
:meth:`Manifest.from_bytes` is *the* place every field is checked, for type and range, before
anything else looks at it (issue 9.1): a wrong type is a ``ProtocolError`` and never a
``TypeError``, ``KeyError`` or ``AttributeError``.

Report body (``kind == "report"``), all text keys, no others:

* ``categories``: 1 to 16 codes of the form ``[a-z][a-z0-9-]{1,15}`` (the form, not the
  current list, so a newer taxonomy still parses), no repeats;
* ``text``: up to 100 000 characters; ``when``: up to 200; ``where``: up to 1000;
  ``created_at``: up to 40 (optional, like ``when`` and ``where``);
* ``client`` (optional): which kind of source program sealed it, ``"browser"`` (the drop's
  source page) or ``"app"`` (``tysha source``); any other value is refused. It is signed with
  the rest, so the desk can say where a report came from; a manifest without it (made before
  the field existed) reads as ``"unknown"`` (:func:`client_of`).

Reply body (``kind == "reply"``): ``text`` (up to 100 000); optional ``in_reply_to`` (up to
128) and ``created_at`` (up to 40).

Share body (``kind == "share"``, handler desk → analyst desk, issue 12): like a report's
(``categories``; optional ``text`` — only what the handler approved —, ``when``, ``where``,
``created_at``) plus ``label`` (required, 64 hex characters: the per-analyst opaque source
label), ``shared_at`` (up to 40), ``checks`` (up to 200: what the handler desk verified,
e.g. ``"capture receipt"``) and ``flags`` (optional, up to 400: the handler desk's flags on the
report when it shared it, stable codes of ``tysha.desk.views`` such as ``"revoked-source"``,
separated by one space, at most 16, no repeats; each ``[a-z][a-z0-9-]{1,39}``, so a code a
newer desk adds still parses; absent or empty when the report had none, and absent in shares
made before the field existed), and ``to`` (optional: the fingerprint of the analyst desk it
was sealed for, so a share re-sealed to another desk is refused there; absent in shares made
before the field existed). A share carries no enrolment secret; its attachments' capture
attestations are the handler's re-attestations, signed by the manifest's sender.

Attachments: at most 1000 entries ``{0: name (1..255 chars), 1: media type (..127),
2: size (0..2^40), 3: SHA-256 (32 bytes), 4: capture attestation or null}``.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from tysha.errors import ProtocolError
from tysha.protocol import _wire, cbor
from tysha.protocol.capture import CaptureAttestation
from tysha.protocol.keys import Identity, PublicIdentity

__all__ = [
    "MAX_MANIFEST",
    "Attachment",
    "ContentSplitter",
    "Manifest",
    "CLIENTS",
    "attachments_total",
    "check_body",
    "addressed_to",
    "client_of",
    "frame_content",
]

_MANIFEST_DOMAIN = b"tysha/v1 manifest"
MAX_MANIFEST = 1 << 20
MAX_ATTACHMENTS = 1000
MAX_ATTACHMENT_SIZE = 1 << 40
_CATEGORY_RE = re.compile(r"[a-z][a-z0-9-]{1,15}")

#: kind -> {key: (max characters, required)}
_BODY_TEXT: dict[str, dict[str, tuple[int, bool]]] = {
    "report": {"text": (100_000, True), "when": (200, False), "where": (1000, False),
               "created_at": (40, False), "client": (16, False), "to": (35, False)},
    "reply": {"text": (100_000, True), "in_reply_to": (128, False), "created_at": (40, False)},
    "share": {"text": (100_000, False), "when": (200, False), "where": (1000, False),
              "created_at": (40, False), "label": (64, True), "shared_at": (40, False),
              "checks": (200, False), "flags": (400, False), "to": (35, False)},
}
_LABEL_RE = re.compile(r"[0-9a-f]{64}")
#: A share's ``flags``: flag codes separated by one space.
_FLAGS_RE = re.compile(r"(?:[a-z][a-z0-9-]{1,39}(?: [a-z][a-z0-9-]{1,39}){0,15})?")
_CATEGORIZED = ("report", "share")
#: The values a report's ``client`` may take: the browser source page, or the app (CLI).
CLIENTS = ("browser", "app")
#: A report's ``to``: the fingerprint of the handler desk the source enrolled with (the form
#: ``PublicIdentity.fingerprint`` prints), signed by the source, so that an escrow desk, which
#: opens both cells' reports, knows each report's cell without being told.
_FINGERPRINT_RE = re.compile(r"\d{5}(?: \d{5}){5}")


def addressed_to(body: Any) -> str | None:
    """The handler fingerprint a report names in ``to``, or None (older sources, shares)."""
    value = body.get("to") if isinstance(body, dict) else None
    return value if isinstance(value, str) and _FINGERPRINT_RE.fullmatch(value) else None


def client_of(body: Any) -> str:
    """Where a report came from: ``"browser"``, ``"app"``, or ``"unknown"`` for a body
    without the field (older sources) or anything that is not one of :data:`CLIENTS`."""
    value = body.get("client") if isinstance(body, dict) else None
    return value if isinstance(value, str) and value in CLIENTS else "unknown"


def check_body(kind: str, body: object) -> dict[str, Any]:
    """Check a manifest body for ``kind``; return it (a ``ProtocolError`` if malformed)."""
    if kind not in _BODY_TEXT:
        raise ProtocolError("unknown manifest kind")
    if not isinstance(body, dict):
        raise ProtocolError("manifest body is not a map")
    if not all(type(k) is str for k in body):
        raise ProtocolError("manifest body keys must be text")
    spec = _BODY_TEXT[kind]
    allowed = set(spec) | ({"categories"} if kind in _CATEGORIZED else set())
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ProtocolError(f"manifest body has an unknown field {ascii(unknown[0][:40])}")
    for key, (cap, required) in spec.items():
        if key in body:
            _wire.text(body[key], f"the report's {key}", cap)
        elif required:
            raise ProtocolError(f"manifest body lacks {key}")
    if "client" in body and body["client"] not in CLIENTS:
        raise ProtocolError("a report's client is neither \"browser\" nor \"app\"")
    if "to" in body and not _FINGERPRINT_RE.fullmatch(body["to"]):
        raise ProtocolError("a report's handler fingerprint is not six groups of five digits")
    if kind == "share" and not _LABEL_RE.fullmatch(body["label"]):
        raise ProtocolError("a share's source label is not 64 lower-case hex digits")
    if kind == "share" and "flags" in body:
        codes = body["flags"].split()
        if not _FLAGS_RE.fullmatch(body["flags"]) or len(set(codes)) != len(codes):
            raise ProtocolError("a share's flags are not up to 16 distinct flag codes")
    if kind in _CATEGORIZED:
        cats = body.get("categories")
        if not isinstance(cats, list) or not 1 <= len(cats) <= 16:
            raise ProtocolError("a report's categories are a list of 1 to 16 codes")
        for c in cats:
            if type(c) is not str or not _CATEGORY_RE.fullmatch(c):
                raise ProtocolError("a report category is not a short lower-case code")
        if len(set(cats)) != len(cats):
            raise ProtocolError("a report lists a category twice")
    return body


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
        name = _wire.text(obj[0], "attachment name", 255, empty=False)
        media = _wire.text(obj[1], "attachment media type", 127)
        size = _wire.integer(obj[2], "attachment size", 0, MAX_ATTACHMENT_SIZE)
        sha = _wire.fixed_bytes(obj[3], "attachment hash", 32)
        att = None if obj[4] is None else CaptureAttestation.from_obj(obj[4])
        return cls(name, media, size, sha, att)


@dataclass(frozen=True)
class Manifest:
    """What an envelope's content starts with: who sends what, signed by the sender.

    ``kind`` is ``"report"`` (source → desk), ``"reply"`` (desk → source) or ``"share"``
    (handler desk → analyst desk, de-identified); ``body`` is
    checked by :func:`check_body`. ``enrolment`` is the invitation's secret on a source's
    reports, so the desk can enrol the key by its invitation; ``tysha source`` leaves it out
    (None) once its handler's reply has shown the key enrolled (a desk knows the key then).
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
        check_body(self.kind, self.body)
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
        """Parse, check every field, and verify the sender's signature."""
        obj = _wire.expect_map(
            cbor.decode(data, max_bytes=MAX_MANIFEST, max_items=4096),
            {0, 1, 2, 3, 4, 5, 6},
            "manifest",
        )
        kind = _wire.typed(obj[1], str, "manifest kind")
        if kind not in _BODY_TEXT:
            raise ProtocolError(f"unknown manifest kind {ascii(kind[:20])}")
        body = check_body(kind, obj[3])
        raw_atts = _wire.typed(obj[4], list, "attachments")
        if len(raw_atts) > MAX_ATTACHMENTS:
            raise ProtocolError("too many attachments")
        if kind == "reply" and raw_atts:
            raise ProtocolError("a reply carries no attachments")
        if kind == "share" and obj[5] is not None:
            raise ProtocolError("a share carries no enrolment secret")
        atts = tuple(Attachment.from_obj(a) for a in raw_atts)
        enrol = obj[5]
        if enrol is not None:
            _wire.fixed_bytes(enrol, "enrolment secret", 16)
        m = cls(
            kind,
            PublicIdentity.from_obj(obj[2]),
            body,
            atts,
            enrol,
            _wire.fixed_bytes(obj[6], "manifest signature", 64),
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


def attachments_total(atts: Sequence[Attachment]) -> int:
    return sum(a.size for a in atts)
