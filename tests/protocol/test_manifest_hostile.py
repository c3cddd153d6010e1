"""Issue 9.1 / 9.14: every manifest and capture-claim field is checked where it is parsed.

A well-formed CBOR value of the wrong type must be a ``ProtocolError`` (never ``TypeError``,
``KeyError``, ``AttributeError``); an implausible but well-typed capture claim is dropped and
listed, and the rest of the report is kept.
"""

from __future__ import annotations

import hashlib
import math
import os
from fractions import Fraction
from typing import Any

import pytest

from tysha.errors import ProtocolError, VerificationError
from tysha.protocol import (
    Attachment,
    CaptureAttestation,
    Identity,
    Manifest,
    cbor_encode,
    check_claims,
    frame_content,
    gps_from_exif,
    read_report,
)
from tysha.protocol.capture import _ATTEST_DOMAIN
from tysha.protocol.manifest import _MANIFEST_DOMAIN

SRC = Identity.generate(os.urandom)
DATA = b"\xff\xd8 a tiny jpeg"
SHA = hashlib.sha256(DATA).digest()
BODY = {"categories": ["dep"], "text": "t", "when": "", "where": "", "created_at": "x"}


def raw_attestation(claims: dict[Any, Any]) -> dict[int, object]:
    """An attestation map signed over arbitrary (hostile) claims, as an attacker can make."""
    return {0: 1, 1: claims, 2: SRC.public().sign,
            3: SRC.sign(_ATTEST_DOMAIN, cbor_encode(claims))}


def raw_manifest(body: object = None, atts: object = None, kind: object = "report") -> bytes:
    """A correctly *signed* manifest with any field values: the attacker holds a source key."""
    fields = {0: 1, 1: kind, 2: SRC.public().to_obj(), 3: BODY if body is None else body,
              4: [] if atts is None else atts, 5: os.urandom(16)}
    fields[6] = SRC.sign(_MANIFEST_DOMAIN, cbor_encode(fields))
    return cbor_encode(fields)


def att_entry(claims: dict[Any, Any], **over: object) -> dict[int, object]:
    e: dict[int, object] = {0: "a.jpg", 1: "image/jpeg", 2: len(DATA), 3: SHA,
                            4: raw_attestation(claims)}
    e.update({int(k[1:]): v for k, v in over.items()})
    return e


GOOD_CLAIMS = {"sha256": SHA, "size": len(DATA), "media_type": "image/jpeg", "name": "a.jpg",
               "device_time": "2026-11-29T10:00:00Z", "exif_time": "2026:11:29 09:59:58",
               "exif_gps": [50450100, 30523400]}


def test_a_well_formed_manifest_parses() -> None:
    m = Manifest.from_bytes(raw_manifest(atts=[att_entry(GOOD_CLAIMS)]))
    assert m.body == BODY
    att = m.attachments[0].attestation
    assert att is not None and att.claims == GOOD_CLAIMS and att.implausible == ()


@pytest.mark.parametrize("cats", [None, 7, True, False, "dep", [], [None], [1], [b"dep"],
                                  ["DEP"], ["x" * 17], ["dep", "dep"], [["dep"]], {"dep": 1},
                                  ["d"] * 17])
def test_hostile_categories_are_a_protocol_error(cats: object) -> None:
    with pytest.raises(ProtocolError):
        Manifest.from_bytes(raw_manifest(body={**BODY, "categories": cats}))


@pytest.mark.parametrize("field,value", [
    ("text", None), ("text", 5), ("text", b"bytes"), ("text", ["a"]), ("text", "x" * 100_001),
    ("when", 1), ("when", "w" * 201), ("where", {"a": 1}), ("where", "p" * 1001),
    ("created_at", True), ("text", "a\x00b"), ("extra", "x"), ("in_reply_to", "abc"),
])
def test_hostile_body_fields_are_a_protocol_error(field: str, value: object) -> None:
    with pytest.raises(ProtocolError):
        Manifest.from_bytes(raw_manifest(body={**BODY, field: value}))


@pytest.mark.parametrize("body", [None, 1, "x", [], {1: "a"}, {b"text": "a"}, {"text": "t"}])
def test_hostile_bodies(body: object) -> None:
    with pytest.raises(ProtocolError):
        Manifest.from_bytes(raw_manifest(body=body if body is not None else 0))


@pytest.mark.parametrize("entry", [
    None, 1, [], {0: "a"},
    {0: None, 1: "x", 2: 1, 3: SHA, 4: None}, {0: "", 1: "x", 2: 1, 3: SHA, 4: None},
    {0: "a", 1: 5, 2: 1, 3: SHA, 4: None}, {0: "a", 1: "x", 2: -1, 3: SHA, 4: None},
    {0: "a", 1: "x", 2: True, 3: SHA, 4: None}, {0: "a", 1: "x", 2: "1", 3: SHA, 4: None},
    {0: "a", 1: "x", 2: 1 << 41, 3: SHA, 4: None}, {0: "a", 1: "x", 2: 1, 3: b"short", 4: None},
    {0: "a", 1: "x", 2: 1, 3: "hex", 4: None}, {0: "a", 1: "x", 2: 1, 3: SHA, 4: "att"},
    {0: "a", 1: "x", 2: 1, 3: SHA, 4: {0: 1}}, {0: "a" * 256, 1: "x", 2: 1, 3: SHA, 4: None},
])
def test_hostile_attachment_entries(entry: object) -> None:
    with pytest.raises(ProtocolError):
        Manifest.from_bytes(raw_manifest(atts=[entry]))


@pytest.mark.parametrize("claims", [
    {**GOOD_CLAIMS, "exif_time": b"2026:11:29 09:59:58"},  # a claim holding a byte string
    {**GOOD_CLAIMS, "exif_gps": {b"lat": 1}},  # a map with a byte-string key
    {**GOOD_CLAIMS, b"exif_time": "x"},  # a claim named by bytes
    {**GOOD_CLAIMS, 5: "x"},
    {**GOOD_CLAIMS, "exif_gps": [1.5, 2] if False else [True, 2]},
    {**GOOD_CLAIMS, "exif_gps": [1]}, {**GOOD_CLAIMS, "exif_gps": "50.4,30.5"},
    {**GOOD_CLAIMS, "exif_gps": None}, {**GOOD_CLAIMS, "name": None}, {**GOOD_CLAIMS, "name": 3},
    {**GOOD_CLAIMS, "device_time": ["2026"]}, {**GOOD_CLAIMS, "media_type": {"a": "b"}},
    {**GOOD_CLAIMS, "sha256": b"short"}, {k: v for k, v in GOOD_CLAIMS.items() if k != "sha256"},
    {**GOOD_CLAIMS, "size": "12"}, {**GOOD_CLAIMS, "size": -1}, {**GOOD_CLAIMS, "size": False},
    {k: v for k, v in GOOD_CLAIMS.items() if k != "size"},
])
def test_wrongly_typed_claims_are_a_protocol_error(claims: dict[Any, Any]) -> None:
    with pytest.raises(ProtocolError):
        Manifest.from_bytes(raw_manifest(atts=[att_entry(claims)]))
    with pytest.raises(ProtocolError):
        check_claims(claims)


def test_claims_that_are_not_a_map() -> None:
    for claims in (None, 1, b"x", "x", [1, 2]):
        with pytest.raises(ProtocolError):
            Manifest.from_bytes(raw_manifest(atts=[att_entry({}, _4={0: 1, 1: claims, 2: bytes(32),
                                                                     3: bytes(64)})]))


@pytest.mark.parametrize("key,value,why", [
    ("exif_gps", [-1000 * 10**6, 30523400], "latitude"),
    ("exif_gps", [50450100, 181 * 10**6], "longitude"),
    ("exif_gps", [90 * 10**6 + 1, 0], "latitude"),
    ("exif_time", "2026:11:29 09:59:58" + "9" * 30_000, "longer"),
    ("exif_time", "2026:13:29 09:59:58", "EXIF time"),
    ("exif_time", "yesterday", "EXIF time"),
    ("device_time", "2026-02-30T10:00:00Z", "UTC time"),
    ("device_time", "2026-11-29 10:00", "UTC time"),
    ("media_type", "image", "media type"),
    ("name", "n" * 300, "longer"),
    ("name", "a\x00b", "NUL"),
    ("camera_serial", "X123", "unknown claim"),
    ("size", 1 << 41, "implausible"),
])
def test_implausible_claims_are_dropped_and_listed(key: str, value: object, why: str) -> None:
    claims = {**GOOD_CLAIMS, key: value}
    m = Manifest.from_bytes(raw_manifest(atts=[att_entry(claims)]))
    att = m.attachments[0].attestation
    assert att is not None
    assert key not in att.claims
    assert len(att.implausible) == 1 and why in att.implausible[0]
    assert len(att.implausible[0]) < 200  # a 30 kB value is not copied into the flag
    # the rest is kept, and the source's signature still verifies over what it signed
    kept = {k: v for k, v in GOOD_CLAIMS.items() if k != key}
    assert att.claims == kept
    att.verify(signer=SRC.public().sign, original_sha256=SHA)
    assert att.to_obj()[1] == claims


def test_plausible_edges_are_kept() -> None:
    for gps in ([90 * 10**6, 180 * 10**6], [-90 * 10**6, -180 * 10**6], [0, 0]):
        kept, dropped = check_claims({**GOOD_CLAIMS, "exif_gps": gps})
        assert kept["exif_gps"] == gps and dropped == ()
    kept, dropped = check_claims({**GOOD_CLAIMS, "device_time": "2026-11-29T10:00:00.123Z"})
    assert dropped == ()


def test_create_refuses_wrong_types_and_never_signs_implausible_claims() -> None:
    with pytest.raises(ProtocolError):
        CaptureAttestation.create(SRC, {**GOOD_CLAIMS, "exif_time": b"x"})
    att = CaptureAttestation.create(SRC, {**GOOD_CLAIMS, "exif_gps": [-10**9, 0]})
    assert "exif_gps" not in att.signed_claims and att.implausible
    again = CaptureAttestation.from_bytes(att.to_bytes())
    assert again.implausible == () and again.claims == att.claims
    again.verify()


def test_forged_claims_do_not_verify() -> None:
    entry = att_entry(GOOD_CLAIMS)
    entry[4] = {**raw_attestation(GOOD_CLAIMS), 1: {**GOOD_CLAIMS, "exif_gps": [1, 2]}}
    m = Manifest.from_bytes(raw_manifest(atts=[entry]))
    att = m.attachments[0].attestation
    assert att is not None
    with pytest.raises(VerificationError):
        att.verify()


@pytest.mark.parametrize("lat,ref,lon,lref,expect", [
    ((50, 27, 0.36), "N", (30, 31, 24.24), "E", [50450100, 30523400]),
    ((50, 27, 0.36), b"S", (30, 31, 24.24), b"W", [-50450100, -30523400]),
    ((float("nan"), 0, 0), "N", (1, 0, 0), "E", None),
    ((float("inf"), 0, 0), "N", (1, 0, 0), "E", None),
    ((1, 0, 0), "N", (math.inf, 0, 0), "E", None),
    ((91, 0, 0), "N", (1, 0, 0), "E", None),
    ((1, 60, 0), "N", (1, 0, 0), "E", None),
    ((-1, 0, 0), "N", (1, 0, 0), "E", None),
    ((1, 0), "N", (1, 0, 0), "E", None),
    (("x", 0, 0), "N", (1, 0, 0), "E", None),
    (None, "N", (1, 0, 0), "E", None),
])
def test_gps_from_exif_refuses_nan_inf_and_impossible(lat: Any, ref: Any, lon: Any, lref: Any,
                                                      expect: Any) -> None:
    assert gps_from_exif(lat, ref, lon, lref) == expect


def test_gps_from_exif_with_zero_denominator_rationals() -> None:
    class Rational:  # what Pillow's IFDRational does with a zero denominator
        def __float__(self) -> float:
            return float("nan")

    assert gps_from_exif((Rational(), 0, 0), "N", (1, 0, 0), "E") is None
    assert gps_from_exif((Fraction(101, 2), 0, 0), "N", (1, 0, 0), "E") == [50500000, 1000000]


def test_sealed_report_recipe_flags_implausible_claims_and_keeps_the_report() -> None:
    claims = {**GOOD_CLAIMS, "exif_gps": [-1000 * 10**6, 5]}
    content = frame_content(raw_manifest(atts=[att_entry(claims)])) + DATA
    opened, files = read_report([content[:10], content[10:]])
    assert files == [DATA]
    assert opened.capture_verified and opened.capture_problems == ()
    assert opened.implausible_claims == ("a.jpg: 'exif_gps': latitude outside [-90, 90] degrees",)
    check = opened.attachments[0]
    assert check.claims["sha256"] == SHA.hex() and "exif_gps" not in check.claims


def test_sealed_report_recipe_flags_a_wrong_file_or_attestation() -> None:
    other = Identity.generate(os.urandom)
    wrong_signer = {0: 1, 1: GOOD_CLAIMS, 2: other.public().sign,
                    3: other.sign(_ATTEST_DOMAIN, cbor_encode(GOOD_CLAIMS))}
    atts = [att_entry(GOOD_CLAIMS), att_entry(GOOD_CLAIMS, _4=wrong_signer),
            att_entry(GOOD_CLAIMS, _4=None), att_entry(GOOD_CLAIMS)]
    body = DATA + DATA + DATA + DATA[:-1] + b"X"
    opened, files = read_report([frame_content(raw_manifest(atts=atts)) + body])
    assert [c.capture_verified for c in opened.attachments] == [True, False, False, False]
    assert not opened.capture_verified and len(opened.capture_problems) == 3
    assert "another key" in (opened.attachments[1].problem or "")
    assert opened.attachments[2].problem == "no capture attestation"


def test_sealed_report_recipe_refuses_a_reply_or_truncated_content() -> None:
    reply = raw_manifest(body={"text": "hi", "in_reply_to": "ab" * 32}, kind="reply")
    with pytest.raises(ProtocolError):
        read_report([frame_content(reply)])
    opened, _ = read_report([frame_content(reply)], kind="reply")
    assert opened.manifest.kind == "reply"
    with pytest.raises(ProtocolError):
        read_report([frame_content(raw_manifest(atts=[att_entry(GOOD_CLAIMS)])) + DATA[:-1]])


def test_sealed_report_reader_streams_into_sinks_and_aborts() -> None:
    from tysha.protocol import ReportReader

    class Sink:
        def __init__(self) -> None:
            self.data, self.closed, self.aborted = b"", False, False

        def write(self, b: bytes) -> None:
            self.data += b

        def close(self) -> None:
            self.closed = True

        def abort(self) -> None:
            self.aborted = True

    sinks: list[Sink] = []

    def make(i: int) -> Sink:
        sinks.append(Sink())
        return sinks[-1]

    content = frame_content(raw_manifest(atts=[att_entry(GOOD_CLAIMS)] * 2)) + DATA + DATA
    r = ReportReader(sink=make)
    for i in range(0, len(content), 7):
        r.feed(content[i : i + 7])
    opened = r.finish()
    assert opened.capture_verified and [s.data for s in sinks] == [DATA, DATA]
    assert all(s.closed for s in sinks)
    r2 = ReportReader(sink=make)
    r2.feed(content[:-3])
    with pytest.raises(ProtocolError):
        r2.finish()
    r2.abort()
    assert sinks[-1].aborted and not sinks[0].aborted


def test_signed_manifest_body_is_checked_on_signing_too() -> None:
    with pytest.raises(ProtocolError):
        Manifest("report", SRC.public(), {"categories": None, "text": "t"}).signed(SRC)
    Manifest("report", SRC.public(), BODY, (Attachment("a", "x/y", 1, SHA),)).signed(SRC)
