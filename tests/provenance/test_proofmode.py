"""ProofMode proof bundles: made here with pgpy, imported into a desk, checked."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.cases.helpers import PASS, add_report, make_desk
from tests.provenance.helpers import (
    Bundle,
    pgp_fingerprint,
    pgp_key,
    photo,
    proof_csv,
    proof_fields,
    proofmode_bundle,
    sha,
)
from tysha.desk.service import Desk
from tysha.errors import BadInput, ProtocolError
from tysha.evidence.provenance import (
    ProvenanceRecord,
    parse_proof_csv,
    parse_proof_json,
    plan_proofmode,
    records_of,
)


@pytest.fixture(scope="module")
def key() -> Any:
    return pgp_key()


@pytest.fixture(scope="module")
def other_key() -> Any:
    return pgp_key("someone else")


def _desk(tmp_path: Path, media: bytes) -> tuple[Desk, str]:
    desk = make_desk(tmp_path)
    rid = add_report(desk, None, photos=(photo(7), media))
    return desk, rid


def _write(tmp_path: Path, b: Bundle | bytes, name: str = "proof.zip") -> Path:
    p = tmp_path / name
    p.write_bytes(b.zip() if isinstance(b, Bundle) else b)
    return p


def _state(desk: Desk, rid: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    r = desk.store.get_report(rid)
    return list(r.data.get("provenance", [])), desk.custody(rid)


def test_good_bundle_is_imported_with_custody(tmp_path: Path, key: Any) -> None:
    media = photo(1)
    desk, rid = _desk(tmp_path, media)
    recs = desk.import_proofmode(rid, _write(tmp_path, proofmode_bundle(media, key)))
    assert len(recs) == 1
    r = recs[0]
    assert r.state == "valid", r.errors
    assert r.kind == "proofmode" and r.signature_ok and not r.errors
    assert r.attachment == 1 and r.media_sha256 == sha(media)
    assert r.signer_fingerprint == pgp_fingerprint(key)
    assert r.signer == "ProofMode test device"
    assert r.highlights()["Location.Latitude"] == "46.6354"
    assert r.signed_at == "2026-11-28T14:31:05Z"
    stored, custody = _state(desk, rid)
    assert [x["state"] for x in stored] == ["valid"]
    ev = [e for e in custody if e["action"] == "provenance-imported"]
    assert len(ev) == 1 and ev[0]["detail"]["signer_fingerprint"] == r.signer_fingerprint
    # The view (what desk show and the web page render) carries it, under its attachment.
    v = desk.report(rid)
    assert [p.state for p in v.provenance_of(1)] == ["valid"] and v.provenance_of(0) == []
    assert v.to_json(full=True)["provenance"][0]["signer_fingerprint"] == r.signer_fingerprint
    # Importing the same bundle again replaces the record (and adds a custody event).
    desk.import_proofmode(rid, _write(tmp_path, proofmode_bundle(media, key)))
    stored, custody = _state(desk, rid)
    assert len(stored) == 1
    assert len([e for e in custody if e["action"] == "provenance-imported"]) == 2


def test_bundle_without_media_checks_the_proof_alone(tmp_path: Path, key: Any) -> None:
    media = photo(2)
    desk, rid = _desk(tmp_path, media)
    b = proofmode_bundle(media, key, include_media=False)
    [r] = desk.import_proofmode(rid, _write(tmp_path, b))
    assert r.state == "valid" and r.attachment == 1


def test_tampered_proof_is_invalid(tmp_path: Path, key: Any) -> None:
    media = photo(3)
    desk, rid = _desk(tmp_path, media)
    b = proofmode_bundle(media, key)
    name = f"{sha(media)}.proof.json"
    doc = json.loads(b.files[name])
    doc["Location.Latitude"] = "50.4501"  # moved to another city after signing
    b.files[name] = json.dumps(doc).encode()
    [r] = desk.import_proofmode(rid, _write(tmp_path, b))
    assert r.state == "invalid" and not r.signature_ok
    assert any("proof JSON: signature does not verify" in e for e in r.errors), r.errors
    # Kept as evidence of what arrived, with its state; custody says so.
    stored, custody = _state(desk, rid)
    assert stored[0]["state"] == "invalid"
    assert [e["detail"]["state"] for e in custody if e["action"] == "provenance-imported"] == [
        "invalid"
    ]


def test_tampered_media_is_invalid(tmp_path: Path, key: Any) -> None:
    media = photo(4)
    desk, rid = _desk(tmp_path, media)
    b = proofmode_bundle(media, key)
    b.files["IMG_0001.jpg"] = photo(5)  # other bytes than the proof names and the key signed
    [r] = desk.import_proofmode(rid, _write(tmp_path, b))
    assert r.state == "invalid"
    assert any("not the SHA-256 of the bundled media" in e for e in r.errors), r.errors


def test_media_signature_flipped_is_invalid(tmp_path: Path, key: Any) -> None:
    media = photo(6)
    desk, rid = _desk(tmp_path, media)
    b = proofmode_bundle(media, key)
    b.files["IMG_0001.jpg.asc"] = b.files[f"{sha(media)}.proof.csv.asc"]  # a signature of other data
    [r] = desk.import_proofmode(rid, _write(tmp_path, b))
    assert r.state == "invalid"
    assert any(e.startswith("the media: signature does not verify") for e in r.errors), r.errors


def test_wrong_signer_is_invalid(tmp_path: Path, key: Any, other_key: Any) -> None:
    media = photo(8)
    desk, rid = _desk(tmp_path, media)
    b = proofmode_bundle(media, key, signer=other_key)  # pubkey.asc is `key`, signed by another
    [r] = desk.import_proofmode(rid, _write(tmp_path, b))
    assert r.state == "invalid" and not r.signature_ok
    assert r.signer_fingerprint == pgp_fingerprint(key)
    assert any("made by another key" in e for e in r.errors), r.errors


def test_unsigned_proof_is_invalid(tmp_path: Path, key: Any) -> None:
    media = photo(9)
    desk, rid = _desk(tmp_path, media)
    b = proofmode_bundle(media, key)
    del b.files[f"{sha(media)}.proof.csv.asc"]
    [r] = desk.import_proofmode(rid, _write(tmp_path, b))
    assert r.state == "invalid" and any("not signed" in e for e in r.errors)


def _unchanged(desk: Desk, rid: str, before: int) -> None:
    stored, custody = _state(desk, rid)
    assert stored == [] and len(custody) == before


def test_truncated_zip_is_refused_and_changes_nothing(tmp_path: Path, key: Any) -> None:
    media = photo(10)
    desk, rid = _desk(tmp_path, media)
    before = len(desk.custody(rid))
    raw = proofmode_bundle(media, key).zip()
    for cut in (len(raw) // 2, len(raw) - 30, 10):
        with pytest.raises(ProtocolError, match="not a readable zip|damaged or truncated"):
            desk.import_proofmode(rid, _write(tmp_path, raw[:cut]))
    _unchanged(desk, rid, before)


def test_zip_bomb_is_refused_before_it_is_read(tmp_path: Path, key: Any) -> None:
    media = photo(11)
    desk, rid = _desk(tmp_path, media)
    before = len(desk.custody(rid))
    b = proofmode_bundle(media, key)
    b.files["IMG_0002.jpg"] = b"\x00" * (16 << 20)  # 16 MiB of zeros, ~16 KiB deflated
    with pytest.raises(ProtocolError, match="zip bomb"):
        desk.import_proofmode(rid, _write(tmp_path, b))
    _unchanged(desk, rid, before)


def test_not_a_proofmode_bundle_and_foreign_proof_are_refused(tmp_path: Path, key: Any) -> None:
    media = photo(12)
    desk, rid = _desk(tmp_path, media)
    before = len(desk.custody(rid))
    b = proofmode_bundle(media, key)
    del b.files["pubkey.asc"]
    with pytest.raises(ProtocolError, match="pubkey.asc"):
        desk.import_proofmode(rid, _write(tmp_path, b))
    with pytest.raises(ProtocolError, match="no <hash>.proof"):
        desk.import_proofmode(rid, _write(tmp_path, Bundle({"pubkey.asc": b"x", "a.jpg": media})))
    b = proofmode_bundle(media, key)
    b.files["pubkey.asc"] = b"-----BEGIN PGP PUBLIC KEY BLOCK-----\ngarbage\n"
    with pytest.raises(ProtocolError, match="not an OpenPGP public key"):
        desk.import_proofmode(rid, _write(tmp_path, b))
    # A good proof about a photo this report does not hold.
    with pytest.raises(BadInput, match="match none"):
        desk.import_proofmode(rid, _write(tmp_path, proofmode_bundle(photo(99), key)))
    _unchanged(desk, rid, before)


def test_cli_import_and_show(tmp_path: Path, key: Any, cli: Any) -> None:
    media = photo(13)
    desk, rid = _desk(tmp_path, media)
    desk.close()
    env = {"TYSHA_PASSPHRASE": PASS}
    zp = _write(tmp_path, proofmode_bundle(media, key))
    r = cli("desk", "import-proofmode", "--desk", str(tmp_path / "desk"), rid[:6], str(zp), env=env)
    assert "1 verified" in r.stdout and "ProofMode: VALID" in r.stdout
    shown = cli("desk", "show", "--desk", str(tmp_path / "desk"), rid, env=env).stdout
    assert f"ProofMode: VALID  signer key {pgp_fingerprint(key)}" in shown
    assert "Location.Latitude (as claimed): 46.6354" in shown
    assert "provenance-imported" in shown
    # A tampered bundle: kept, shown with its reason, and the command exits 1.
    b = proofmode_bundle(media, key)
    b.files[f"{sha(media)}.proof.csv"] = b.files[f"{sha(media)}.proof.csv"].replace(b"46.6354", b"46.6355")
    bad = cli("desk", "import-proofmode", "--desk", str(tmp_path / "desk"), rid, str(_write(tmp_path, b, "bad.zip")),
              env=env, check=False)
    assert bad.returncode == 1 and "do not verify" in bad.stderr + bad.stdout
    assert "Traceback" not in bad.stderr
    # --signer: the key expected for this source
    d = str(tmp_path / "desk")
    ok = cli("desk", "import-proofmode", "--desk", d, rid, str(zp), "--signer", pgp_fingerprint(key), env=env)
    assert "ProofMode: VALID" in ok.stdout
    other = cli("desk", "import-proofmode", "--desk", d, rid, str(zp), "--signer", "AB" * 20, env=env, check=False)
    assert other.returncode == 1 and "ProofMode: UNTRUSTED-SIGNER" in other.stdout
    assert "not the one pinned" in other.stdout and "--signer key" in other.stderr + other.stdout
    malformed = cli("desk", "import-proofmode", "--desk", d, rid, str(zp), "--signer", "xyz", env=env, check=False)
    assert malformed.returncode == 1 and "40 or 64 hex digits" in malformed.stderr + malformed.stdout
    missing = cli("desk", "import-proofmode", "--desk", str(tmp_path / "desk"), rid, str(tmp_path / "nope.zip"),
                  env=env, check=False)
    assert missing.returncode == 1 and "Traceback" not in missing.stderr


# --- the pure part ----------------------------------------------------------------------------


def test_proof_parsers() -> None:
    media = photo(20)
    fields = proof_fields(media)
    assert parse_proof_json(json.dumps(fields).encode())["File Hash SHA256"] == sha(media)
    assert parse_proof_csv(proof_csv(fields)) == fields
    upper = dict(fields, **{"File Hash SHA256": sha(media).upper()})
    assert parse_proof_json(json.dumps(upper).encode())["File Hash SHA256"] == sha(media)
    for bad in (b"", b"[]", b"{", b"\xff\xfe", json.dumps({"File Hash SHA256": "abc"}).encode(),
                json.dumps({"x": 1}).encode(), b"{" * 100000, b" " * (2 << 20)):
        with pytest.raises(ProtocolError):
            parse_proof_json(bad)
    for bad in (b"", b"File Hash SHA256\n", b"a,b\n1\n", b"File Hash SHA256\nnothex\n",
                proof_csv(fields) + proof_csv(proof_fields(photo(21))).split(b"\n", 1)[1]):
        with pytest.raises(ProtocolError):
            parse_proof_csv(bad)


def test_plan_groups_members() -> None:
    h1, h2 = "a" * 64, "B" * 64
    key, plans = plan_proofmode([f"{h1}.proof.json", f"{h1}.proof.json.asc", f"x/{h2}.proof.csv",
                                 "pubkey.asc", "IMG.jpg", "IMG.jpg.asc"])
    assert key == "pubkey.asc"
    assert [(p.sha256, p.json_name, p.csv_name) for p in plans] == [
        (h1, f"{h1}.proof.json", None), (h2.lower(), None, f"x/{h2}.proof.csv")]
    with pytest.raises(ProtocolError):
        plan_proofmode(["pubkey.asc", "a/pubkey.asc", f"{h1}.proof.json"])


def test_record_round_trip_and_refusals() -> None:
    r = ProvenanceRecord(kind="c2pa", state="invalid", media_sha256="ab" * 32, attachment=2,
                         claims={"title": "x"}, errors=("bad",))
    assert ProvenanceRecord.from_json(r.to_json()) == r
    for bad in ({}, {**r.to_json(), "v": 2}, {**r.to_json(), "state": "fine"},
                {**r.to_json(), "kind": "exif"}, {**r.to_json(), "attachment": -1},
                {**r.to_json(), "attachment": True}, {**r.to_json(), "claims": []}, "x"):
        with pytest.raises(ProtocolError):
            ProvenanceRecord.from_json(bad)
    # A report's reader skips what does not parse, keeps the rest.
    assert records_of({"provenance": [{"v": 9}, r.to_json()]}) == [r]
    assert records_of({"provenance": "nonsense"}) == []
    hostile = ProvenanceRecord.from_json({**r.to_json(), "signer": "a\x1b[2Jb\nc" + "x" * 5000})
    assert "\x1b" not in hostile.signer and "\n" not in hostile.signer and len(hostile.signer) == 1000


def test_zip_reader_reads_an_upload_stream(tmp_path: Path, key: Any) -> None:
    media = photo(22)
    desk, rid = _desk(tmp_path, media)
    buf = io.BytesIO(proofmode_bundle(media, key).zip())
    [r] = desk.import_proofmode(rid, buf, "upload.zip")
    assert r.state == "valid" and r.source_file == "upload.zip"
    assert zipfile.is_zipfile(io.BytesIO(proofmode_bundle(media, key).zip()))


def test_two_proofs_one_media_altered(tmp_path: Path, key: Any) -> None:
    a, b = photo(30), photo(31)
    desk = make_desk(tmp_path)
    rid = add_report(desk, None, photos=(a, b))
    one, two = proofmode_bundle(a, key, media_name="A.jpg"), proofmode_bundle(b, key, media_name="B.jpg")
    files = {**one.files, **two.files}
    files["B.jpg"] = photo(32)  # altered after signing
    recs = {r.attachment: r for r in desk.import_proofmode(rid, _write(tmp_path, Bundle(files)))}
    assert recs[0].state == "valid", recs[0].errors
    assert recs[1].state == "invalid"
    assert any("no proof names" in e or "not the SHA-256 of the bundled media" in e for e in recs[1].errors)


class _FakeKey:
    """A SignatureCheck that accepts exactly the signatures b"ok:" + data (pure-core test)."""

    fingerprint = "AB" * 20
    user_id = "fake"

    def verify(self, data: bytes, signature: bytes) -> str | None:
        return None if signature == b"ok:" + data else "bad signature"


def test_assess_rules_without_openpgp() -> None:
    from tysha.evidence.provenance import MediaMember, assess_proofmode

    media = photo(40)
    h = sha(media)
    pj = json.dumps(proof_fields(media)).encode()
    members = {f"{h}.proof.json": pj, f"{h}.proof.json.asc": b"ok:" + pj, "pubkey.asc": b"k"}
    names = [*members, "m.jpg", "m.jpg.asc"]
    good = {"m.jpg": MediaMember(h, True, None)}
    [r] = assess_proofmode(members, names, _FakeKey(), ["00" * 32, h], good)
    assert (r.state, r.attachment, r.signature_ok) == ("valid", 1, True)
    [r] = assess_proofmode(members, names, _FakeKey(), [h], good, pinned_fingerprint="CD" * 20)
    assert r.state == "untrusted-signer" and r.signature_ok
    [r] = assess_proofmode(members, names, _FakeKey(), [h], {"m.jpg": MediaMember(h, False)})
    assert r.state == "invalid" and "the bundled media is not signed (no .asc)" in r.errors
    [r] = assess_proofmode(members, names, _FakeKey(), [h], {"m.jpg": MediaMember(h, True, "bad")})
    assert r.state == "invalid" and not r.signature_ok
    # A proof whose name states another hash than its content.
    other = "cd" * 32
    renamed = {f"{other}.proof.json": pj, f"{other}.proof.json.asc": b"ok:" + pj, "pubkey.asc": b"k"}
    [r] = assess_proofmode(renamed, list(renamed), _FakeKey(), [h], {})
    assert r.state == "invalid" and any("file name states" in e for e in r.errors)
    # JSON and CSV about different files.
    pc = proof_csv(proof_fields(photo(41)))
    both = {**members, f"{h}.proof.csv": pc, f"{h}.proof.csv.asc": b"ok:" + pc}
    [r] = assess_proofmode(both, list(both), _FakeKey(), [h], {})
    assert r.state == "invalid" and "the proof JSON and CSV name different files" in r.errors


def test_signed_by_a_signing_subkey(tmp_path: Path) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pgpy imports Python's deprecated imghdr
        import pgpy
        from pgpy.constants import EllipticCurveOID, KeyFlags, PubKeyAlgorithm

        primary = pgp_key("device with a subkey")
        sub = pgpy.PGPKey.new(PubKeyAlgorithm.EdDSA, EllipticCurveOID.Ed25519)
        primary.add_subkey(sub, usage={KeyFlags.Sign})
    media = photo(50)
    desk, rid = _desk(tmp_path, media)
    b = proofmode_bundle(media, primary, signer=sub)
    b.files["pubkey.asc"] = str(primary.pubkey).encode()
    [r] = desk.import_proofmode(rid, _write(tmp_path, b))
    assert r.state == "valid", r.errors
    assert r.signer_fingerprint == pgp_fingerprint(primary)


@given(st.binary(max_size=2000))
def test_parsers_raise_only_protocol_error(raw: bytes) -> None:
    for parse in (parse_proof_json, parse_proof_csv):
        try:
            out = parse(raw)
        except ProtocolError:
            continue
        assert len(out["File Hash SHA256"]) == 64


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=12), c, max_size=6),
                    max_leaves=30))
def test_records_from_anything(obj: Any) -> None:
    try:
        ProvenanceRecord.from_json(obj)
    except ProtocolError:
        pass
    assert isinstance(records_of({"provenance": obj if isinstance(obj, list) else [obj]}), list)


def _packets(raw: bytes) -> list[bytes]:
    """OpenPGP packets (new-format headers, as pgpy writes them)."""
    out, i = [], 0
    while i < len(raw):
        first = raw[i + 1]
        if first < 192:
            length, head = first, 2
        elif first < 224:
            length, head = ((first - 192) << 8) + raw[i + 2] + 192, 3
        else:
            length, head = int.from_bytes(raw[i + 2 : i + 6], "big"), 6
        out.append(raw[i : i + head + length])
        i += head + length
    return out


def test_a_subkey_the_key_does_not_certify_signs_nothing(tmp_path: Path, key: Any) -> None:
    """The source's ProofMode public key is public (it is in every bundle it shares): a bundle
    that appends someone else's signing subkey to it (bound by their own key, not by this
    one) and signs with that subkey was 'valid, signed by' the source's key, even pinned."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgpy
        from pgpy.constants import EllipticCurveOID, KeyFlags, PubKeyAlgorithm

        forger = pgp_key("forger")
        sub = pgpy.PGPKey.new(PubKeyAlgorithm.EdDSA, EllipticCurveOID.Ed25519)
        forger.add_subkey(sub, usage={KeyFlags.Sign})
        theirs = _packets(bytes(forger.pubkey))
        assert [p[0] & 0x3F for p in theirs] == [6, 13, 2, 14, 2]
        grafted = bytes(key.pubkey) + theirs[3] + theirs[4]
        armored = str(pgpy.PGPKey.from_blob(grafted)[0]).encode()
    media = photo(51)
    desk, rid = _desk(tmp_path, media)
    b = proofmode_bundle(media, forger, signer=sub)
    b.files["pubkey.asc"] = armored
    [r] = desk.import_proofmode(rid, _write(tmp_path, b), signer=pgp_fingerprint(key))
    assert r.state == "invalid" and not r.signature_ok
    assert any("subkey" in e and "does not certify" in e for e in r.errors), r.errors
