"""Generate tests/vectors/js/vectors.json: what the browser page's JavaScript must reproduce.

    python tests/vectors/js/generate.py

Every value here is computed by the Python code (tysha.protocol, tysha.tlog); node's test runner
(tests/js/) checks core.js against it, and tests/browser_js/test_vectors.py regenerates
the file and compares it byte for byte. Randomness comes from a SHA-256 counter DRBG with fixed
seeds; the JS tests run the same DRBG, so deterministic constructions (DHKEM envelopes,
manifests, capture attestations: Ed25519 is deterministic) must match byte for byte. X-Wing
encapsulation draws ML-KEM randomness inside pyca/cryptography, so X-Wing envelopes are checked
by opening (both directions) rather than by bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from tysha.errors import ProtocolError, VerificationError
from tysha.protocol import cbor
from tysha.protocol.capture import CaptureAttestation
from tysha.protocol.clues import ClueRecord, encode_clue_records
from tysha.protocol.codename import identity_from_codename, normalize_codename
from tysha.protocol.envelope import open_envelope, seal_envelope
from tysha.protocol.invitation import Invitation, check_handler_name, invitation_check
from tysha.protocol.kem import KEM_X25519, KEM_XWING
from tysha.protocol.keys import Identity
from tysha.protocol.listing import (
    DELETED,
    EXPIRED,
    LIVE,
    ListingRecord,
    audit_page,
    decode_listing,
    encode_listing,
)
from tysha.protocol.manifest import Attachment, Manifest, frame_content
from tysha.protocol.padding import padded_length
from tysha.protocol.pow import solve_pow
from tysha.tlog import (
    Checkpoint,
    NoteSigner,
    leaf_hash,
    node_hash,
    sign_checkpoint,
    verify_consistency,
    verify_inclusion,
)

HERE = Path(__file__).parent
#: Codename KDF cost for most vectors (the real cost is checked by one vector).
CHEAP = {"ops": 1, "mem": 8192 * 1024}


# The shared deterministic byte source (tests/vectors/drbg.py), found from this file's place
# whether it runs as a script or is loaded by a test.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from drbg import DRBG  # noqa: E402


def tagged(v: Any) -> Any:
    """A CBOR value as JSON the JS tests can rebuild exactly."""
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, int):
        return {"int": v}
    if isinstance(v, bytes):
        return {"bytes": v.hex()}
    if isinstance(v, str):
        return {"text": v}
    if isinstance(v, list):
        return {"array": [tagged(x) for x in v]}
    if isinstance(v, dict):
        return {"map": [[tagged(k), tagged(x)] for k, x in v.items()]}
    raise TypeError(type(v))


def _path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 6962 §2.1.1 PATH(m, D[n]) over leaf hashes (independent of tysha.tlog's code)."""
    n = len(leaves)
    if n == 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return _path(m, leaves[:k]) + [_mth(leaves[k:])]
    return _path(m - k, leaves[k:]) + [_mth(leaves[:k])]


def _mth(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


def _receipts() -> dict[str, Any]:
    signer = NoteSigner("drop.example/log", DRBG(b"js drop key")(32))
    other = NoteSigner("drop.example/log", DRBG(b"js other key")(32))
    digests = [hashlib.sha256(b"envelope %d" % i).digest() for i in range(7)]
    leaves = [leaf_hash(d) for d in digests]
    cp = Checkpoint("drop.example/log", len(leaves), _mth(leaves))
    note = sign_checkpoint(cp, signer)
    good = []
    for i in (0, 3, 6):
        proof = _path(i, leaves)
        verify_inclusion(leaves[i], i, len(leaves), proof, cp.root_hash)
        good.append({"envelope_digest": digests[i].hex(), "index": i, "checkpoint": note,
                     "proof": [h.hex() for h in proof]})
    base = good[1]
    bad_sig = note.replace(note.split(" ")[-1][-6:-1], "AAAAA")
    return {
        "vkey": signer.verifier().vkey,
        "good": good,
        "bad": {
            "signature": {**base, "checkpoint": bad_sig},
            "other_key": {**base, "checkpoint": sign_checkpoint(cp, other)},
            "wrong_index": {**base, "index": 2},
            "wrong_proof": {**base, "proof": [good[0]["proof"][0]] + base["proof"][1:]},
            "short_proof": {**base, "proof": base["proof"][:-1]},
            "index_outside": {**base, "index": 7},
        },
    }


def _subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    """RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], b) over leaf hashes (independent of tysha.tlog)."""
    n = len(leaves)
    if m == n:
        return [] if whole else [_mth(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return _subproof(m, leaves[:k], whole) + [_mth(leaves[k:])]
    return _subproof(m - k, leaves[k:], False) + [_mth(leaves[:k])]


def _consistency() -> dict[str, Any]:
    """Consistency proofs between trees over the same leaves; the bad ones fail in Python."""
    leaves = [leaf_hash(hashlib.sha256(b"entry %d" % i).digest()) for i in range(13)]
    good, bad = [], []
    for old, new in ((1, 1), (1, 2), (1, 13), (2, 5), (3, 7), (4, 8), (4, 13), (6, 13),
                     (7, 8), (12, 13), (13, 13)):
        proof = _subproof(old, leaves[:new], True) if old < new else []
        case = {"old": old, "new": new, "old_root": _mth(leaves[:old]).hex(),
                "new_root": _mth(leaves[:new]).hex(), "proof": [h.hex() for h in proof]}
        verify_consistency(old, new, bytes.fromhex(case["old_root"]),
                           bytes.fromhex(case["new_root"]), proof)
        good.append(case)
    base = good[6]  # 4 -> 13
    other = _mth([leaf_hash(b"x" * 32)] + leaves[1:4]).hex()  # another history of 4 entries
    for case in (
        {**base, "old_root": other},
        {**base, "proof": base["proof"][:-1]},
        {**base, "proof": [*base["proof"], base["proof"][0]]},
        {**base, "proof": [("00" * 32)] + base["proof"][1:]},
        {**good[4], "new_root": good[5]["new_root"]},
        {**good[4], "old": 4},
        {**good[0], "new_root": base["new_root"]},
    ):
        try:
            verify_consistency(case["old"], case["new"], bytes.fromhex(case["old_root"]),
                               bytes.fromhex(case["new_root"]),
                               [bytes.fromhex(h) for h in case["proof"]])
        except VerificationError:
            bad.append(case)
            continue
        raise AssertionError(f"a bad consistency vector verifies: {case}")
    return {"good": good, "bad": bad}


def _listing() -> dict[str, Any]:
    """The verifiable listing (version 2) and what audit_page finds on it."""
    def rec(i: int, state: str = LIVE, hour: int | None = None) -> ListingRecord:
        return ListingRecord(i, DRBG(b"v2 clue pub %d" % i)(32),
                             tuple(DRBG(b"v2 clue %d" % i)(8) for _ in range(2 + i % 3)),
                             state, hour)

    now, retention = 493_000, 90 * 24
    records = [rec(3), rec(4, DELETED), rec(5, EXPIRED, now - retention - 1), rec(7),
               rec(8, EXPIRED, now - 5), rec(200), rec(70000, EXPIRED, 0)]
    after = 2
    audits = []
    for a, cursor, size in ((2, 8, 9), (2, 12, 300), (6, 7, 8)):
        page = [r for r in records if a < r.index <= cursor]
        out = audit_page(page, a, cursor, size, now, retention)
        audits.append({"after": a, "cursor": cursor, "size": size,
                       "records": [r.index for r in out.records],
                       "problems": [[i, why] for i, why in sorted(out.problems.items())]})
    refused = []
    for a, cursor, size in ((2, 9, 9), (8, 5, 9), (4, 5, 9)):
        try:
            audit_page([r for r in records if r.index <= 8], a, cursor, size, now, retention)
        except VerificationError:
            refused.append({"after": a, "cursor": cursor, "size": size})
            continue
        raise AssertionError("an unusable listing page was audited")
    bad = [bytes([0, 3]).hex() + "00" * 33,
           "0000" + "00" * 32 + "01" + "00" * 8,
           (bytes([0, 2]) + b"\0" * 32 + bytes([2]) + b"\0" * 16 + b"\x80").hex(),
           "8000" + "00" * 33]
    for b in bad:
        try:
            decode_listing(bytes.fromhex(b))
        except ProtocolError:
            continue
        raise AssertionError(f"a bad listing vector decodes: {b}")
    return {
        "after": after, "now_hour": now, "retention_hours": retention,
        "listing": encode_listing(records, after).hex(),
        "records": [{"index": r.index, "clue_pub": r.clue_pub.hex(),
                     "clues": [c.hex() for c in r.clues], "state": r.state, "hour": r.hour}
                    for r in records],
        "audits": audits, "refused": refused,
        # Malformed: an unknown state, a slot count of 1, a truncated hour, a non-minimal varint.
        "bad": bad,
    }


def build() -> dict[str, Any]:
    values: list[Any] = [
        0, 23, 24, 255, 256, 65535, 65536, 4294967295, 4294967296, -1, -24, -25, -256,
        b"", b"\x00\xff", "", "тиша", True, False, None, [1, [2, 3]],
        {0: 1, 1: "a", -1: b"x", "z": 2, "aa": 3, 10: [True]},
    ]
    noncanon = ["1817", "190017", "1a0000ffff", "5f41ff", "a20102010a", "a201020102",
                "f93c00", "c001", "62c328", "0000", "61"]

    handler = Identity.generate(DRBG(b"js handler"))
    escrow = Identity.generate(DRBG(b"js escrow"))
    dh_recipient = Identity.generate(DRBG(b"js dh recipient"), KEM_X25519)
    receipts = _receipts()

    inv = Invitation.create(("http://127.0.0.1:8000",), receipts["vkey"], handler,
                            escrow.public(), DRBG(b"js invite")(16))
    forged = Invitation(inv.drops, inv.drop_vkey, inv.handler, inv.escrow, inv.secret,
                        escrow.sign(b"tysha/v2 invitation", inv._signed_fields()))
    text = inv.to_text()
    # Issue 11: the handler's display name, signed (key 7); one that breaks the rule is refused.
    named = Invitation.create(("http://127.0.0.1:8000",), receipts["vkey"], handler,
                              escrow.public(), DRBG(b"js invite named")(16),
                              handler_name="Олена Коваль")
    bad_fields = named._fields(2)
    bad_fields[7] = "Олена\u202eКоваль"  # a right-to-left override: refused on both sides
    bad_fields[6] = handler.sign(b"tysha/v2 invitation",
                                 cbor.encode({k: v for k, v in bad_fields.items() if k != 6}))
    bad_body = base64.b32encode(cbor.encode(bad_fields)).decode().rstrip("=")
    name_cases = []
    for cp in (0x9, 0xA, 0x20, 0x85, 0xA0, 0xAD, 0x301, 0x34F, 0x5D0, 0x61C, 0x627, 0x1680,
               0x180E, *range(0x200B, 0x2010), 0x2028, 0x2029, *range(0x202A, 0x202F), 0x205F,
               *range(0x2060, 0x206A), 0x3000, 0xFEFF, 0xE000, 0x1F600, 0x1C5, 0xFB01):
        name = "a" + chr(cp) + "b"
        try:
            check_handler_name(name)
            name_cases.append([name, True])
        except ProtocolError:
            name_cases.append([name, False])
    name_cases += [["e\u0301", False], ["\u00e9", True], [" ab", False], ["a  b", False],
                   ["x" * 64, True], ["x" * 65, False], ["😀" * 64, True]]
    pos = len(text) // 2
    damaged = text[:pos] + ("A" if text[pos] != "A" else "B") + text[pos + 1:]

    envs = []
    for name, size in (("empty", 0), ("text", 300), ("two-chunks", 70000)):
        content = DRBG(b"content " + name.encode())(size)
        env = seal_envelope(content, [dh_recipient.public()], DRBG(b"seal " + name.encode()),
                            KEM_X25519)
        envs.append({"name": name, "content": content.hex(), "envelope": env.hex(),
                     "deletion_secrets": [d.hex() for d in
                                          open_envelope(env, dh_recipient).deletion_secrets]})

    codenames = []
    for words in ("тиша вітер  КАВУН", "Sun river ＯＲＡＮＧＥ", "Ёлка\tберёза\u00a0мёд",
                  "Çeşme ÖZEN qırlanğıç İş ñ"):  # crh letters fold (issue 11)
        ident = identity_from_codename(words, **CHEAP)
        codenames.append({"codename": words, "normalized": normalize_codename(words),
                          "ops": CHEAP["ops"], "mem_kib": CHEAP["mem"] // 1024,
                          "public": ident.public().to_bytes().hex(),
                          "fingerprint": ident.public().fingerprint()})
    real = identity_from_codename("тиша вітер кавун")
    codenames.append({"codename": "тиша вітер кавун", "normalized": "тиша вітер кавун",
                      "ops": 2, "mem_kib": 19456, "public": real.public().to_bytes().hex(),
                      "fingerprint": real.public().fingerprint()})
    source = identity_from_codename(codenames[0]["codename"], **CHEAP)

    # A report as the page builds it, signed by the codename's key.
    photo = DRBG(b"js photo")(1000)
    claims = {"sha256": hashlib.sha256(photo).digest(), "size": len(photo),
              "media_type": "image/jpeg", "name": "photo.jpg",
              "device_time": "2026-11-29T10:00:00Z", "exif_gps": [50450000, 30523333]}
    att = CaptureAttestation.create(source, claims)
    body = {"categories": ["detention"], "text": "Текст звіту", "where": "Мелітополь",
            "when": "вчора ввечері", "created_at": "2026-11-29T10:05:00Z", "client": "browser"}
    manifest = Manifest("report", source.public(), body,
                        (Attachment("photo.jpg", "image/jpeg", len(photo), claims["sha256"],
                                    att),), inv.secret).signed(source)
    report_content = frame_content(manifest.to_bytes()) + photo

    reply = Manifest("reply", handler.public(),
                     {"text": "Дякуємо. Ми отримали.", "created_at": "2026-11-29T12:00:00Z"}
                     ).signed(handler)
    reply_env = seal_envelope(frame_content(reply.to_bytes()),
                              [source.public()], DRBG(b"js reply"), KEM_XWING)
    stranger_reply = Manifest("reply", escrow.public(), {"text": "not the handler"}).signed(escrow)
    stranger_env = seal_envelope(frame_content(stranger_reply.to_bytes()),
                                 [source.public()], DRBG(b"js stranger reply"), KEM_XWING)

    recs = [ClueRecord(i, DRBG(b"clue pub %d" % i)(32),
                       tuple(DRBG(b"clue %d" % i)(8) for _ in range(2 + i % 3)))
            for i in (0, 1, 5, 200, 70000)]
    digest = hashlib.sha256(b"pow vector").digest()
    return {
        "provenance": "generated by tests/vectors/js/generate.py from tysha.protocol and "
                      "tysha.tlog (SHA-256 counter-mode DRBG with fixed seeds)",
        "cbor": [{"value": tagged(v), "hex": cbor.encode(v).hex()} for v in values],
        "cbor_bad": noncanon,
        "padding": [[n, padded_length(n)] for n in (0, 8, 8192, 8193, 10000, 70000,
                                                    1 << 20, 10 * (1 << 20) + 12345)],
        "identities": {
            "handler": handler.to_bytes().hex(), "escrow": escrow.to_bytes().hex(),
            "dh_recipient": dh_recipient.to_bytes().hex(),
            "handler_public": handler.public().to_bytes().hex(),
            "handler_fingerprint": handler.public().fingerprint(),
        },
        "envelopes_dhkem": envs,
        "codenames": codenames,
        "report": {"codename": codenames[0]["codename"], "photo": photo.hex(),
                   "claims": tagged(claims), "attestation": cbor.encode(att.to_obj()).hex(),
                   "body": tagged(body), "enrolment": inv.secret.hex(),
                   "manifest": manifest.to_bytes().hex(), "content": report_content.hex()},
        "reply": {"envelope": reply_env.hex(), "text": reply.body["text"],
                  "from_stranger": stranger_env.hex()},
        "clues": {"after": -1, "listing": encode_clue_records(recs).hex(),
                  "records": [{"index": r.index, "clue_pub": r.clue_pub.hex(),
                               "clues": [c.hex() for c in r.clues]} for r in recs]},
        "pow": {"digest": digest.hex(), "bits": 12, "nonce": solve_pow(digest, 12).hex()},
        "receipts": receipts,
        "consistency": _consistency(),
        "listing_v2": _listing(),
        "invitation": {"text": text, "lower_spaced": " ".join(text[i:i + 40].lower()
                                                               for i in range(0, len(text), 40)),
                       "qr": inv.qr_payload().hex(), "damaged": damaged,
                       "forged": forged.to_text(), "old": "TYSHA1:" + text[7:],
                       "fingerprint": handler.public().fingerprint(),
                       "drops": list(inv.drops), "secret": inv.secret.hex(),
                       "named": {"text": named.to_text(), "qr": named.qr_payload().hex(),
                                 "handler_name": named.handler_name,
                                 "bad_name": "TYSHA2:" + bad_body + invitation_check(bad_body)},
                       "handler_names": name_cases},
    }


def render() -> str:
    return json.dumps(build(), indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    (HERE / "vectors.json").write_text(render())
