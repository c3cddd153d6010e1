"""Invitations, attestations, manifests, receipts, content framing, proof of work, fingerprints."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tysha.errors import ProtocolError, VerificationError
from tysha.protocol import (
    Attachment,
    CaptureAttestation,
    ContentSplitter,
    Identity,
    Invitation,
    Manifest,
    PublicIdentity,
    Receipt,
    check_pow,
    decode_clue_records,
    frame_content,
    parse_header,
    solve_pow,
)
from tysha.protocol.objects import MAX_MANIFEST
from tysha.tlog import (
    Checkpoint,
    CompactRange,
    MemoryHashStore,
    NoteSigner,
    inclusion_proof,
    leaf_hash,
    sign_checkpoint,
)


@pytest.fixture(scope="module")
def ids() -> dict[str, Identity]:
    return {n: Identity.generate(os.urandom) for n in ("src", "handler", "escrow")}


def test_invitation_round_trip_and_qr_size(ids: dict[str, Identity]) -> None:
    inv = Invitation.create(("http://127.0.0.1:8080",), "drop+01020304+AQ" + "A" * 42,
                            ids["handler"], ids["escrow"].public(), os.urandom(16))
    assert Invitation.from_text(inv.to_text()) == inv
    assert Invitation.from_text(inv.to_text()[:30] + "\n " + inv.to_text()[30:]) == inv
    assert Invitation.from_qr_payload(inv.qr_payload()) == inv
    assert len(inv.qr_payload()) <= 2953  # QR version 40-L byte-mode capacity
    with pytest.raises(ProtocolError):
        Invitation.from_text(inv.to_text()[:-10])
    with pytest.raises(ProtocolError):
        Invitation.from_text("TYSHA3:" + inv.to_text()[7:])


def test_attestation(ids: dict[str, Identity]) -> None:
    sha = os.urandom(32)
    att = CaptureAttestation.create(ids["src"], {"sha256": sha, "size": 10, "name": "a.jpg",
                                                 "exif_gps": [50450100, 30523400]})
    back = CaptureAttestation.from_bytes(att.to_bytes())
    back.verify(signer=ids["src"].public().sign, original_sha256=sha)
    with pytest.raises(VerificationError):
        back.verify(original_sha256=os.urandom(32))
    with pytest.raises(VerificationError):
        back.verify(signer=ids["handler"].public().sign)
    forged = CaptureAttestation(dict(att.claims, size=11), att.signer, att.signature)
    with pytest.raises(VerificationError):
        forged.verify()


def test_manifest_signature_binds_every_field(ids: dict[str, Identity]) -> None:
    src = ids["src"]
    m = Manifest("report", src.public(), {"text": "t", "categories": ["dep"]},
                 (Attachment("a", "image/jpeg", 3, os.urandom(32)),), os.urandom(16)).signed(src)
    data = m.to_bytes()
    assert Manifest.from_bytes(data).body == {"text": "t", "categories": ["dep"]}
    for variant in (
        Manifest("reply", m.sender, m.body, m.attachments, m.enrolment, m.signature),
        Manifest("report", m.sender, {"text": "u", "categories": ["dep"]}, m.attachments, m.enrolment, m.signature),
        Manifest("report", m.sender, m.body, (), m.enrolment, m.signature),
        Manifest("report", m.sender, m.body, m.attachments, None, m.signature),
    ):
        # a reply's body has other fields, so that variant is malformed before it is forged
        with pytest.raises(VerificationError if variant.kind == "report" else ProtocolError):
            Manifest.from_bytes(variant.to_bytes())
    with pytest.raises(ProtocolError):
        Manifest("report", ids["handler"].public(), {}).signed(src)


def test_content_splitter_byte_by_byte(ids: dict[str, Identity]) -> None:
    src = ids["src"]
    blobs = [b"hello", b"", os.urandom(1000)]
    atts = tuple(Attachment(f"f{i}", "x", len(b), os.urandom(32)) for i, b in enumerate(blobs))
    m = Manifest("report", src.public(), {"text": "x", "categories": ["dep"]}, atts).signed(src)
    content = frame_content(m.to_bytes()) + b"".join(blobs)
    s = ContentSplitter()
    got: dict[int, bytes] = {}
    ends = []
    for i in range(len(content)):
        for ev in s.feed(content[i:i + 1]):
            if ev[0] == "data":
                got[ev[1]] = got.get(ev[1], b"") + ev[2]
            elif ev[0] == "end":
                ends.append(ev[1])
    s.finish()
    assert ends == [0, 1, 2] and got.get(0) == b"hello" and got.get(2) == blobs[2] and 1 not in got
    s2 = ContentSplitter()
    list(s2.feed(content[:-1]))
    with pytest.raises(ProtocolError):
        s2.finish()
    with pytest.raises(ProtocolError):
        list(ContentSplitter().feed((MAX_MANIFEST + 1).to_bytes(4, "big")))


def test_receipt_verify() -> None:
    signer = NoteSigner("drop.example/test", os.urandom(32))
    store = MemoryHashStore()
    rng = CompactRange()
    digests = [os.urandom(32) for _ in range(13)]
    for d in digests:
        store.add(rng.append(leaf_hash(d)))
    note = sign_checkpoint(Checkpoint("drop.example/test", rng.size, rng.root()), signer)
    r = Receipt(digests[5], 5, note, tuple(inclusion_proof(5, 13, store)))
    assert Receipt.from_bytes(r.to_bytes()) == r
    assert Receipt.from_json(r.to_json()) == r
    assert r.verify(signer.vkey, digests[5]).size == 13
    with pytest.raises(VerificationError):
        r.verify(signer.vkey, digests[6])
    with pytest.raises(VerificationError):
        Receipt(digests[6], 5, note, r.proof).verify(signer.vkey)
    with pytest.raises(VerificationError):
        Receipt(digests[5], 5, note, r.proof[:-1]).verify(signer.vkey)
    with pytest.raises(VerificationError):
        r.verify(NoteSigner("drop.example/test", os.urandom(32)).vkey)  # another drop key
    with pytest.raises(VerificationError):
        Receipt(digests[5], 20, note, r.proof).verify(signer.vkey)


def test_pow() -> None:
    d = os.urandom(32)
    nonce = solve_pow(d, 10)
    check_pow(d, nonce, 10)
    with pytest.raises(VerificationError):
        check_pow(os.urandom(32), nonce, 16)
    with pytest.raises(ProtocolError):
        check_pow(d, nonce[:4], 10)


def test_fingerprint_format_and_text_form(ids: dict[str, Identity]) -> None:
    pub = ids["src"].public()
    fp = pub.fingerprint()
    groups = fp.split(" ")
    assert len(groups) == 6 and all(len(g) == 5 and g.isdigit() for g in groups)
    assert fp != ids["handler"].public().fingerprint()
    assert PublicIdentity.from_text(pub.to_text()) == pub
    fixed = Identity(bytes(32), 0x0020, bytes(range(32)), bytes(range(1, 33))).public()
    assert fixed.fingerprint() == Identity(bytes(32), 0x0020, bytes(range(32)), bytes(range(1, 33))).public().fingerprint()


PARSERS = [
    lambda b: parse_header(b),
    lambda b: Invitation.from_bytes(b),
    lambda b: Manifest.from_bytes(b),
    lambda b: Receipt.from_bytes(b),
    lambda b: CaptureAttestation.from_bytes(b),
    lambda b: decode_clue_records(b),
    lambda b: PublicIdentity.from_bytes(b),
    lambda b: Identity.from_bytes(b),
    lambda b: Invitation.from_text(b.decode("latin-1")),
]


@pytest.mark.parametrize("parse", PARSERS)
@given(data=st.binary(max_size=300))
@settings(max_examples=300, deadline=None)
def test_parsers_raise_only_their_family(parse, data: bytes) -> None:  # type: ignore[no-untyped-def]
    try:
        parse(data)
    except (ProtocolError, VerificationError):
        pass
