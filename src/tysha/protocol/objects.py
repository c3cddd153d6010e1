"""Wire objects other than envelopes, one module per object (kept as the historical import path).

* :mod:`tysha.protocol.invitation` — :class:`Invitation` (signed, checksummed enrolment code)
* :mod:`tysha.protocol.capture` — :class:`CaptureAttestation` and capture-claim checks
* :mod:`tysha.protocol.manifest` — :class:`Manifest`, :class:`Attachment`, content framing
* :mod:`tysha.protocol.receipt` — :class:`Receipt`
* :mod:`tysha.protocol.report` — the sealed-report recipe (:func:`read_report`)

All are deterministic CBOR maps with small integer keys and a version at key 0; an unknown
version, a missing or unknown field is a ``ProtocolError``; a bad signature or proof is a
``VerificationError``. Signatures are Ed25519 over ``domain || 0x00 || CBOR(fields)`` where the
domain names the object, so a signature of one kind can never be replayed as another.
"""

from __future__ import annotations

from tysha.protocol.capture import CaptureAttestation, check_claims, gps_from_exif
from tysha.protocol.invitation import Invitation
from tysha.protocol.manifest import (
    MAX_MANIFEST,
    Attachment,
    ContentSplitter,
    Manifest,
    attachments_total,
    frame_content,
)
from tysha.protocol.receipt import Receipt

__all__ = [
    "MAX_MANIFEST",
    "Attachment",
    "CaptureAttestation",
    "ContentSplitter",
    "Invitation",
    "Manifest",
    "Receipt",
    "attachments_total",
    "check_claims",
    "frame_content",
    "gps_from_exif",
]
