"""C2SP signed-note, tlog-checkpoint and tlog-cosignature: interop vectors and negative cases."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tysha.errors import ProtocolError, VerificationError
from tysha.tlog import (
    Checkpoint,
    CosignatureSigner,
    CosignatureVerifier,
    NoteSigner,
    NoteVerifier,
    add_signatures,
    generate_skey,
    key_id,
    open_checkpoint,
    open_note,
    parse_note,
    parse_skey,
    sign_checkpoint,
    sign_note,
)

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "tlog"
C2SP = json.loads((VECTORS / "c2sp.json").read_text(encoding="utf-8"))
GO = C2SP["signed_note"]
REAL = C2SP["real_checkpoint"]

SEED = bytes(range(32))
ROOT = bytes(range(100, 132))


def _log() -> NoteSigner:
    return NoteSigner("tysha.example/log", SEED)


# -- signed-note interop ------------------------------------------------------------------------


def test_go_sumdb_note_example_reproduced_byte_for_byte() -> None:
    signer = parse_skey(GO["skey"])
    assert signer.vkey == GO["vkey"]
    assert signer.skey == GO["skey"]
    assert sign_note(GO["text"], signer) == GO["note"]
    text, names = open_note(GO["note"], NoteVerifier.from_vkey(GO["vkey"]))
    assert text == GO["text"] and names == ["PeterNeumann"]
    assert open_note(GO["note"].encode(), [NoteVerifier.from_vkey(GO["vkey"])])[0] == GO["text"]


def test_real_checkpoint_with_witness_cosignatures() -> None:
    log = NoteVerifier.from_vkey(REAL["log_vkey"])
    cp = open_checkpoint(REAL["note"], log, origin=REAL["origin"])
    assert cp.size == REAL["size"] and cp.extensions == ()
    witnesses = [CosignatureVerifier.from_vkey(v) for v in REAL["cosigner_vkeys"]]
    for w in witnesses:
        assert w.verify_note(REAL["note"]) == REAL["cosignature_timestamp"]
    _, names = open_note(REAL["note"], witnesses)
    assert sorted(names) == sorted(v.split("+")[0] for v in REAL["cosigner_vkeys"])
    # Changing the body breaks both the log signature and every cosignature.
    forged = REAL["note"].replace(str(REAL["size"]), str(REAL["size"] + 1), 1)
    with pytest.raises(VerificationError):
        open_checkpoint(forged, log)
    for w in witnesses:
        with pytest.raises(VerificationError):
            w.verify_note(forged)


def test_c2sp_checkpoint_example_form() -> None:
    ex = C2SP["checkpoint_example"]
    text, sigs = parse_note(ex["note"])
    cp = Checkpoint.parse(text)
    assert cp.origin == ex["origin"] and cp.size == ex["size"]
    assert base64.b64encode(cp.root_hash).decode() == ex["root_b64"]
    assert cp.body() == text
    assert [s.name for s in sigs] == ["example.com/behind-the-sofa", "witness.example.com/w1"]
    # The cosignature's 8-byte timestamp is the one the spec's message example shows.
    assert int.from_bytes(sigs[1].signature[:8], "big") == 1679315147
    assert ex["cosignature_message_example"].endswith(cp.body())


def test_key_id_and_vkey_shape() -> None:
    signer = _log()
    name, kid, b64 = signer.vkey.split("+", 2)
    assert name == signer.name and bytes.fromhex(kid) == signer.key_id
    raw = base64.b64decode(b64)
    assert raw[0] == 0x01 and raw[1:] == signer.public_key
    assert signer.key_id == key_id(signer.name, 0x01, signer.public_key)
    assert parse_skey(generate_skey(signer.name, SEED)).vkey == signer.vkey
    assert "seed" not in repr(signer) and SEED.hex() not in repr(signer)


# -- signed-note negative cases -----------------------------------------------------------------


def test_wrong_key_and_wrong_name_rejected() -> None:
    note = sign_note("hello\n", _log())
    other = NoteSigner("tysha.example/log", b"\x01" * 32).verifier()
    renamed = NoteVerifier("tysha.example/other", _log().public_key)
    for verifier in (other, renamed):
        with pytest.raises(VerificationError, match="no signature by a known key"):
            open_note(note, verifier)
    with pytest.raises(VerificationError):
        open_note(note, [])


def test_bad_signature_by_known_key_rejects_note() -> None:
    signer = _log()
    note = sign_note("hello\n", signer)
    forged = note.replace("hello", "jello")
    with pytest.raises(VerificationError, match="does not verify"):
        open_note(forged, signer.verifier())
    # Even if another known key signed correctly, a failing known signature rejects the note.
    good = NoteSigner("tysha.example/b", b"\x02" * 32)
    line = good.signature_line("jello\n")
    with pytest.raises(VerificationError):
        open_note(forged + line, [signer.verifier(), good.verifier()])


def test_several_signatures_and_unknown_ones_ignored() -> None:
    a, b = _log(), NoteSigner("tysha.example/b", b"\x02" * 32)
    stranger = NoteSigner("stranger", b"\x03" * 32)
    note = sign_note("multi\nline\n", [a, stranger, b])
    text, names = open_note(note, [a.verifier(), b.verifier()])
    assert text == "multi\nline\n" and names == [a.name, b.name]
    assert open_note(note, b.verifier())[1] == [b.name]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda n: n[:-1],  # missing trailing newline
        lambda n: n.replace("\n\n", "\n", 1),  # no blank line
        lambda n: n.replace("\u2014", "-"),  # ASCII hyphen instead of em dash
        lambda n: n.replace("\u2014 ", "\u2014"),
        lambda n: n.replace("=\n", "\n"),  # unpadded base64
        lambda n: n.replace("log ", "log  "),
        lambda n: n + "\n",
        lambda n: n + "junk\n",
        lambda n: n.replace("hello", "hel\tlo"),
        lambda n: n.replace("hello", "hel\rlo"),
        lambda n: n.replace("tysha.example/log ", "tysha+example/log "),
        lambda n: n.split("\u2014")[0] + "\u2014 tysha.example/log AAAA\n",  # too short
    ],
)
def test_malformed_notes_are_protocol_errors(mangle: object) -> None:
    note = sign_note("hello\n", _log())
    bad = mangle(note)  # type: ignore[operator]
    with pytest.raises(ProtocolError):
        open_note(bad, _log().verifier())


def test_sign_note_rejects_text_without_newline() -> None:
    with pytest.raises(ProtocolError):
        sign_note("no newline", _log())
    with pytest.raises(ProtocolError):
        sign_note("", _log())


def test_invalid_utf8_and_limits() -> None:
    with pytest.raises(ProtocolError):
        open_note(b"\xff\xfe\n\n", _log().verifier())
    lines = "".join(_log().signature_line("x\n") for _ in range(65))
    with pytest.raises(ProtocolError):
        parse_note("x\n\n" + lines)


@pytest.mark.parametrize(
    "vkey",
    [
        "",
        "name",
        "name+c74f20a3",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong id
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # upper hex
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",  # bad b64
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy1",
        "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",  # type 0x04
    ],
)
def test_bad_vkeys(vkey: str) -> None:
    with pytest.raises(ProtocolError):
        NoteVerifier.from_vkey(vkey)


def test_bad_skeys_and_names() -> None:
    for skey in [
        "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXH",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ]:
        with pytest.raises(ProtocolError):
            parse_skey(skey)
    for name in ["", "a b", "a+b", "a\u00a0b", "a\nb"]:
        with pytest.raises(ProtocolError):
            NoteSigner(name, SEED)
    with pytest.raises(ProtocolError):
        NoteSigner("ok", b"short")
    with pytest.raises(ProtocolError):
        CosignatureVerifier.from_vkey(GO["vkey"])  # type 0x01 is not a cosigner key


@given(st.text(max_size=300))
@settings(max_examples=300)
def test_open_note_raises_only_tysha_families(text: str) -> None:
    verifiers = [_log().verifier(), NoteVerifier.from_vkey(GO["vkey"])]
    for candidate in (text, text + "\n\n\u2014 PeterNeumann " + text + "\n"):
        try:
            open_note(candidate, verifiers)
        except (ProtocolError, VerificationError):
            pass
        try:
            Checkpoint.parse(candidate)
        except ProtocolError:
            pass


@given(st.binary(max_size=200))
@settings(max_examples=200)
def test_open_note_bytes_raises_only_tysha_families(data: bytes) -> None:
    try:
        open_note(data, _log().verifier())
    except (ProtocolError, VerificationError):
        pass


# -- checkpoints --------------------------------------------------------------------------------


def test_checkpoint_round_trip_and_signing() -> None:
    cp = Checkpoint("tysha.example/log", 12345, ROOT, ("ext one", "ext two"))
    body = cp.body()
    assert body.splitlines()[:2] == ["tysha.example/log", "12345"]
    assert Checkpoint.parse(body) == cp
    note = sign_checkpoint(cp, _log())
    assert open_checkpoint(note, _log().verifier()) == cp
    assert open_checkpoint(note, [_log().verifier()], origin="tysha.example/log") == cp
    with pytest.raises(VerificationError, match="expected 'other'"):
        open_checkpoint(note, _log().verifier(), origin="other")
    modified = note.replace("12345", "12346")
    with pytest.raises(VerificationError):
        open_checkpoint(modified, _log().verifier())


@pytest.mark.parametrize(
    "body",
    [
        "origin\n1\n",
        "origin\n1\nAAAA\n",  # root of 3 bytes
        "origin\n01\n" + base64.b64encode(ROOT).decode() + "\n",
        "origin\n-1\n" + base64.b64encode(ROOT).decode() + "\n",
        "origin\n+1\n" + base64.b64encode(ROOT).decode() + "\n",
        "origin\n1 \n" + base64.b64encode(ROOT).decode() + "\n",
        "origin\n\u0661\n" + base64.b64encode(ROOT).decode() + "\n",
        "origin\n18446744073709551616\n" + base64.b64encode(ROOT).decode() + "\n",
        "origin\n1\n" + base64.b64encode(ROOT).decode(),  # missing trailing newline
        "origin\n1\n" + base64.b64encode(ROOT).decode() + "\n\n",  # empty extension
        "\n1\n" + base64.b64encode(ROOT).decode() + "\n",
        "origin\n1\n" + base64.b64encode(ROOT).decode().rstrip("=") + "\n",
        "origin\n1\n" + base64.urlsafe_b64encode(b"\xff" * 32).decode() + "\n",
    ],
)
def test_malformed_checkpoints(body: str) -> None:
    with pytest.raises(ProtocolError):
        Checkpoint.parse(body)


def test_checkpoint_constructor_checks() -> None:
    with pytest.raises(ProtocolError):
        Checkpoint("o", -1, ROOT)
    with pytest.raises(ProtocolError):
        Checkpoint("o", 1, b"x")
    with pytest.raises(ProtocolError):
        Checkpoint("o\nx", 1, ROOT)
    with pytest.raises(ProtocolError):
        Checkpoint("o", 1, ROOT, ("",))
    assert Checkpoint.parse(Checkpoint("o", (1 << 64) - 1, ROOT).body()).size == (1 << 64) - 1


# -- cosignatures -------------------------------------------------------------------------------


def test_cosignature_sign_and_verify() -> None:
    cp = Checkpoint("tysha.example/log", 7, ROOT)
    witness = CosignatureSigner("tysha.example/witness", b"\x09" * 32)
    line = witness.cosign(cp, 1_700_000_000)
    raw = base64.b64decode(line.split(" ")[2])
    assert raw[:4] == witness.key_id == key_id(witness.name, 0x04, witness.public_key)
    assert int.from_bytes(raw[4:12], "big") == 1_700_000_000 and len(raw) == 4 + 8 + 64
    verifier = CosignatureVerifier.from_vkey(witness.vkey)
    assert verifier.verify_line(cp, line) == 1_700_000_000
    note = add_signatures(sign_checkpoint(cp, _log()), [line])
    assert verifier.verify_note(note) == 1_700_000_000
    assert open_checkpoint(note, _log().verifier()) == cp
    assert open_note(note, [verifier, _log().verifier()])[1] == [_log().name, witness.name]
    # Other checkpoint, other time, other key: all rejected.
    with pytest.raises(VerificationError):
        verifier.verify_line(Checkpoint("tysha.example/log", 8, ROOT), line)
    forged_time = base64.b64encode(raw[:4] + (1_700_000_001).to_bytes(8, "big") + raw[12:])
    with pytest.raises(VerificationError):
        verifier.verify_line(cp, f"\u2014 {witness.name} {forged_time.decode()}\n")
    other = CosignatureSigner("tysha.example/witness", b"\x0a" * 32).verifier()
    with pytest.raises(VerificationError, match="no cosignature"):
        other.verify_line(cp, line)
    # A plain Ed25519 signer with the same seed and name is a different key id (0x01 vs 0x04).
    plain = NoteSigner("tysha.example/witness", b"\x09" * 32)
    assert plain.key_id != witness.key_id
    with pytest.raises(ValueError):
        witness.cosign(cp, -1)
