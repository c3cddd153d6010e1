"""Generate tests/vectors/protocol/objects.json: invitations, manifests, capture attestations.

    python tests/vectors/protocol/generate_objects.py

Deterministic: identities from a SHA-256 counter DRBG with DHKEM(X25519) KEM keys (short), and
Ed25519 signatures are deterministic (RFC 8032). Positive vectors and negative ones: truncated,
bit-flipped, wrong key (forged), wrong version, and the hostile cases of issue 9.1 (categories
null/int/bool, a claim as bytes, a claim map with a byte-string key), each signed by the sender
so they reach the field checks. A test regenerates this file and compares it byte for byte.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from tysha.protocol import (
    Attachment,
    CaptureAttestation,
    Identity,
    Invitation,
    Manifest,
    cbor_decode,
    cbor_encode,
)
from tysha.protocol.capture import _ATTEST_DOMAIN
from tysha.protocol.invitation import INVITE_PREFIX, invitation_check
from tysha.protocol.kem import KEM_X25519
from tysha.protocol.manifest import _MANIFEST_DOMAIN

HERE = Path(__file__).parent
VKEY = "drop.example+01020304+AQ" + "A" * 42


# The shared deterministic byte source (tests/vectors/drbg.py), found from this file's place
# whether it runs as a script or is loaded by a test.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from drbg import DRBG  # noqa: E402


def _text_of(binary: bytes) -> str:
    body = base64.b32encode(binary).decode().rstrip("=")
    return INVITE_PREFIX + body + invitation_check(body)


def _flip(b: bytes, i: int) -> bytes:
    return b[:i] + bytes([b[i] ^ 1]) + b[i + 1 :]


def _resign_manifest(src: Identity, obj: dict[Any, Any]) -> bytes:
    fields = {k: v for k, v in obj.items() if k != 6}
    obj[6] = src.sign(_MANIFEST_DOMAIN, cbor_encode(fields))
    return cbor_encode(obj)


def _resign_attestation(src: Identity, claims: dict[Any, Any]) -> dict[int, object]:
    return {0: 1, 1: claims, 2: src.public().sign, 3: src.sign(_ATTEST_DOMAIN, cbor_encode(claims))}


def build() -> dict[str, object]:
    desk = Identity.generate(DRBG(b"tysha vector desk"), KEM_X25519)
    other = Identity.generate(DRBG(b"tysha vector impostor"), KEM_X25519)
    src = Identity.generate(DRBG(b"tysha vector source"), KEM_X25519)
    inv = Invitation.create(("http://127.0.0.1:8080",), VKEY, desk, None,
                            DRBG(b"tysha vector secret")(16))
    text, binary = inv.to_text(), inv.to_bytes()
    forged = cbor_decode(binary)
    assert isinstance(forged, dict)
    forged[3] = other.public().to_obj()
    v3 = dict(cbor_decode(binary))  # type: ignore[arg-type]
    v3[0] = 3
    v1 = Invitation(inv.drops, VKEY, inv.handler, None, inv.secret).to_bytes()
    sub = text[:60] + ("B" if text[60] != "B" else "C") + text[61:]
    swap_at = next(i for i in range(70, len(text) - 1) if text[i] != text[i + 1])
    invitation = {
        "desk_public": desk.public().to_text(),
        "fingerprint": desk.public().fingerprint(),
        "text": text, "binary": binary.hex(), "qr": inv.qr_payload().hex(),
        "negative": {
            "damaged_truncated": text[:-1],
            "damaged_substituted": sub,
            "damaged_swapped": text[:swap_at] + text[swap_at + 1] + text[swap_at] + text[swap_at + 2 :],
            "forged_text": _text_of(cbor_encode(forged)),
            "wrong_version_binary": cbor_encode(v3).hex(),
            "old_format_text": "TYSHA1:" + base64.urlsafe_b64encode(v1).rstrip(b"=").decode(),
            "bit_flipped_signature_binary": _flip(binary, len(binary) - 5).hex(),
        },
    }
    data = b"\xff\xd8\xff vector jpeg"
    claims = {"sha256": hashlib.sha256(data).digest(), "size": len(data),
              "media_type": "image/jpeg", "name": "a.jpg",
              "device_time": "2026-11-29T10:00:00Z", "exif_time": "2026:11:29 09:59:58",
              "exif_gps": [46635400, 32616800]}
    att = CaptureAttestation.create(src, claims)
    body = {"categories": ["dep"], "text": "Колона", "when": "", "where": "Kherson",
            "created_at": "2026-11-29T10:00:00Z"}
    m = Manifest("report", src.public(), body,
                 (Attachment("a.jpg", "image/jpeg", len(data), claims["sha256"], att),),
                 DRBG(b"tysha vector enrolment")(16)).signed(src)
    mb = m.to_bytes()

    def hostile(change: dict[str, Any] | None = None, claim: dict[Any, Any] | None = None) -> str:
        obj = cbor_decode(mb)
        assert isinstance(obj, dict)
        if change:
            obj[3] = {**obj[3], **change}
        if claim is not None:
            entry = dict(obj[4][0])
            entry[4] = _resign_attestation(src, {**claims, **claim})
            obj[4] = [entry]
        return _resign_manifest(src, obj).hex()

    wrong_version = cbor_decode(mb)
    assert isinstance(wrong_version, dict)
    wrong_version[0] = 2
    manifest = {
        "sender_public": src.public().to_text(),
        "manifest": mb.hex(),
        "attachment": data.hex(),
        "negative": {
            "truncated": mb[:-1].hex(),
            "bit_flipped": _flip(mb, len(mb) // 2).hex(),
            "wrong_key": _resign_manifest(other, cbor_decode(mb)).hex(),  # type: ignore[arg-type]
            "wrong_version": _resign_manifest(src, wrong_version).hex(),
        },
        "hostile_protocol_error": {
            "categories_null": hostile({"categories": None}),
            "categories_int": hostile({"categories": 7}),
            "categories_bool": hostile({"categories": True}),
            "claim_as_bytes": hostile(claim={"exif_time": b"2026:11:29 09:59:58"}),
            "claim_map_with_bytes_key": hostile(claim={"exif_gps": {b"lat": 1}}),
        },
        "implausible_kept": {
            "latitude_minus_1000": {"manifest": hostile(claim={"exif_gps": [-10**9, 5]}),
                                    "dropped": ["exif_gps"]},
            "exif_time_30kB": {"manifest": hostile(claim={"exif_time": "9" * 30000}),
                               "dropped": ["exif_time"]},
        },
    }
    return {
        "provenance": (
            "generated by tests/vectors/protocol/generate_objects.py (SHA-256 counter-mode "
            "DRBG identities with DHKEM(X25519) KEM keys; Ed25519 per RFC 8032 via "
            "pyca/cryptography; invitation check per tysha.protocol.invitation)"
        ),
        "invitation": invitation,
        "manifest": manifest,
    }


def render() -> str:
    return json.dumps(build(), indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    (HERE / "objects.json").write_text(render())
