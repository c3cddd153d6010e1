"""Capture attestations: the first link of the chain of custody (DESIGN.md, step 2).

At capture the source signs the original's SHA-256 and what the device can say about it (the
*claims*), with Ed25519 over ``"tysha/v1 capture-attestation" || 0x00 || CBOR(claims)``.

Claims are a map with text keys. Two kinds of bad claim are told apart (issue 9.1 / 9.14):

* **wrong type** (a byte string where text belongs, a map with a byte-string key, a bool where
  a number belongs, a missing hash) — the attestation is malformed: ``ProtocolError``;
* **implausible but well typed** (latitude −1000°, a 30 kB ``exif_time``, a date in month 13,
  an unknown claim name) — that one claim is dropped and described in ``implausible``; the
  rest are kept. The signature still covers what the source signed (``signed_claims``), so a
  bundle re-verifies byte for byte; ``claims`` holds only what may be shown as a claim.

Known claims and their form:

=============  ============================================  ==============================
name           type                                          plausible when
=============  ============================================  ==============================
sha256         32-byte byte string (required)                —
size           unsigned integer (required)                   ≤ 2^40
media_type     text                                          ≤ 127 chars, ``type/subtype``
name           text                                          ≤ 255 chars
device_time    text, ISO 8601 ``YYYY-MM-DDTHH:MM:SS[.f]Z``   ≤ 40 chars, a real date
exif_time      text, EXIF ``YYYY:MM:DD HH:MM:SS``            ≤ 40 chars, a real date
exif_gps       [latitude, longitude], integer micro-degrees  lat ∈ [−90°, 90°], lon ∈ [−180°, 180°]
=============  ============================================  ==============================
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tysha.errors import ProtocolError, VerificationError
from tysha.protocol import _wire, cbor
from tysha.protocol.keys import Identity, verify_signature

__all__ = [
    "CaptureAttestation",
    "check_claims",
    "claims_for_display",
    "gps_from_exif",
]

_ATTEST_DOMAIN = b"tysha/v1 capture-attestation"
MAX_CLAIMS = 32
MAX_SIZE = 1 << 40
_TOKEN = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,62}"
_MEDIA_RE = re.compile(_TOKEN + "/" + _TOKEN)
_ISO_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?Z")
_EXIF_RE = re.compile(r"(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})")
_MICRO = 1_000_000


def _real_time(m: re.Match[str] | None) -> bool:
    if m is None:
        return False
    try:
        y, mo, d, h, mi, sec = (int(g) for g in m.groups()[:6])
        datetime(y, mo, d, h, mi, sec)
    except ValueError:
        return False
    return True


def _short(key: str) -> str:
    """A claim name as it may appear in a message: capped, control characters escaped."""
    return ascii(key[:40])


def check_claims(claims: object) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Validate claims: ``(plausible claims, descriptions of dropped ones)``.

    Raises ``ProtocolError`` (only) if the claims are not a map with text keys, if the hash or
    size is missing or malformed, or if a known claim has the wrong type."""
    if not isinstance(claims, dict):
        raise ProtocolError("capture claims are not a map")
    if len(claims) > MAX_CLAIMS:
        raise ProtocolError("too many capture claims")
    if not all(type(k) is str for k in claims):
        raise ProtocolError("capture claim names must be text")
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    kept["sha256"] = _wire.fixed_bytes(claims.get("sha256"), "the capture claim sha256", 32)
    size = claims.get("size")
    if type(size) is not int or size < 0:
        raise ProtocolError("capture claims need the original's size (a non-negative integer)")
    if size > MAX_SIZE:
        dropped.append(f"size: {size} bytes is implausible")
    else:
        kept["size"] = size
    for key, value in claims.items():
        if key in ("sha256", "size"):
            continue
        if key in ("media_type", "name", "device_time", "exif_time"):
            if type(value) is not str:
                raise ProtocolError(f"the capture claim {key} is not text")
            problem = _text_problem(key, value)
        elif key == "exif_gps":
            problem = _gps_problem(value)
        else:
            problem = "unknown claim"
        if problem is None:
            kept[key] = value
        else:
            dropped.append(f"{_short(key)}: {problem}")
    return kept, tuple(dropped)


def _text_problem(key: str, value: str) -> str | None:
    cap = {"media_type": 127, "name": 255, "device_time": 40, "exif_time": 40}[key]
    if len(value) > cap:
        return f"{len(value)} characters is longer than {cap}"
    if "\x00" in value:
        return "holds a NUL character"
    if key == "media_type" and not _MEDIA_RE.fullmatch(value):
        return "not a media type"
    if key == "device_time" and not _real_time(_ISO_RE.fullmatch(value)):
        return "not a UTC time of the form YYYY-MM-DDTHH:MM:SSZ"
    if key == "exif_time" and not _real_time(_EXIF_RE.fullmatch(value)):
        return "not an EXIF time of the form YYYY:MM:DD HH:MM:SS"
    return None


def _gps_problem(value: object) -> str | None:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(type(v) is int for v in value)
    ):
        raise ProtocolError("the capture claim exif_gps is not two integers")
    lat, lon = value
    if not -90 * _MICRO <= lat <= 90 * _MICRO:
        return "latitude outside [-90, 90] degrees"
    if not -180 * _MICRO <= lon <= 180 * _MICRO:
        return "longitude outside [-180, 180] degrees"
    return None


def gps_from_exif(
    lat: Sequence[object], lat_ref: object, lon: Sequence[object], lon_ref: object
) -> list[int] | None:
    """EXIF GPS (degrees, minutes, seconds as rationals or numbers, with ``N``/``S`` and
    ``E``/``W`` references) to the ``exif_gps`` claim in micro-degrees, or ``None`` when the
    values are unusable: NaN or infinite rationals (a zero denominator), negative parts,
    minutes or seconds ≥ 60, or a position outside the globe. Never raises."""
    try:
        parts = [[float(x) for x in dms] for dms in (lat, lon)]  # type: ignore[arg-type]
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    out = []
    for dms, ref, neg, limit in ((parts[0], lat_ref, "S", 90), (parts[1], lon_ref, "W", 180)):
        if len(dms) != 3 or not all(math.isfinite(x) and x >= 0 for x in dms):
            return None
        d, m, s = dms
        if m >= 60 or s >= 60:
            return None
        val = d + m / 60 + s / 3600
        if val > limit:
            return None
        if isinstance(ref, bytes):
            ref = ref.decode("ascii", "replace")
        out.append(int(round((-val if ref == neg else val) * _MICRO)))
    return out


def claims_for_display(claims: dict[str, Any]) -> dict[str, Any]:
    """Checked claims as JSON-safe values (byte strings as hex)."""
    return {k: (v.hex() if isinstance(v, bytes) else v) for k, v in claims.items()}


@dataclass(frozen=True)
class CaptureAttestation:
    """The original's hash and capture claims, signed by the source key at capture.

    ``claims``: the plausible claims (see the module docstring); ``implausible``: one line per
    dropped claim, for the caller to show as a flag; ``signed_claims``: exactly what was
    signed (kept so the signature and a re-export stay byte-identical)."""

    claims: dict[str, Any]
    signer: bytes
    signature: bytes
    implausible: tuple[str, ...] = ()
    signed_claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.signed_claims:
            object.__setattr__(self, "signed_claims", dict(self.claims))

    @classmethod
    def create(cls, identity: Identity, claims: dict[str, Any]) -> CaptureAttestation:
        """Sign ``claims``. Wrong types are a ``ProtocolError``; implausible claims are left
        out before signing (listed in ``implausible``), so the source never signs them."""
        kept, dropped = check_claims(claims)
        pub = identity.public().sign
        sig = identity.sign(_ATTEST_DOMAIN, cbor.encode(kept))
        return cls(kept, pub, sig, dropped, dict(kept))

    @property
    def sha256(self) -> bytes:
        value: bytes = self.claims["sha256"]
        return value

    def verify(self, signer: bytes | None = None, original_sha256: bytes | None = None) -> None:
        """Check the signature (and, if given, the signer and the original's hash)."""
        if signer is not None and signer != self.signer:
            raise VerificationError("capture attestation is signed by another key")
        verify_signature(
            self.signer, _ATTEST_DOMAIN, cbor.encode(self.signed_claims), self.signature
        )
        if original_sha256 is not None and original_sha256 != self.sha256:
            raise VerificationError(
                f"attachment SHA-256 {original_sha256.hex()} does not match the attested "
                f"{self.sha256.hex()}"
            )

    def to_obj(self) -> dict[int, object]:
        return {0: 1, 1: self.signed_claims, 2: self.signer, 3: self.signature}

    @classmethod
    def from_obj(cls, obj: object) -> CaptureAttestation:
        m = _wire.expect_map(obj, {0, 1, 2, 3}, "capture attestation")
        kept, dropped = check_claims(m[1])
        return cls(
            kept,
            _wire.fixed_bytes(m[2], "attestation signer", 32),
            _wire.fixed_bytes(m[3], "attestation signature", 64),
            dropped,
            dict(m[1]),
        )

    def to_bytes(self) -> bytes:
        return cbor.encode(self.to_obj())

    @classmethod
    def from_bytes(cls, data: bytes) -> CaptureAttestation:
        return cls.from_obj(cbor.decode(data, max_bytes=65536, max_items=64))
