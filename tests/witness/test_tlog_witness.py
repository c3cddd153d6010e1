"""The pure part: tlog-witness wire format and the "k of these witnesses" policy."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tysha.errors import ProtocolError, TyshaError, VerificationError
from tysha.tlog import CosignatureSigner, NoteSigner, NoteVerifier, add_signatures
from tysha.tlog.witness import (
    MAX_PROOF_LINES,
    WitnessPolicy,
    check_witnesses,
    format_add_checkpoint,
    format_size_body,
    parse_add_checkpoint,
    parse_cosignature_lines,
    parse_size_body,
)
from tysha.witness.testing import MemoryLog

ORIGIN = "example.org/log"

# The example request body of C2SP tlog-witness §add-checkpoint (its signatures are
# placeholders there: this checks the form, not the keys).
SPEC_EXAMPLE = (
    "old 20852014\n"
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
    "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
    "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
    "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
    "\n"
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "\u2014 example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n"
).encode()


def test_spec_example_parses() -> None:
    req = parse_add_checkpoint(SPEC_EXAMPLE)
    assert req.old_size == 20852014
    assert len(req.proof) == 4 and all(len(h) == 32 for h in req.proof)
    assert req.checkpoint.origin == "example.com/behind-the-sofa"
    assert req.checkpoint.size == 20852163
    assert req.note.startswith("example.com/behind-the-sofa\n")


def test_format_round_trip_and_limits() -> None:
    log = MemoryLog(ORIGIN)
    log.append(*[bytes([i]) for i in range(10)])
    proof = log.proof(3, 10)
    body = format_add_checkpoint(3, proof, log.checkpoint())
    req = parse_add_checkpoint(body)
    assert (req.old_size, list(req.proof), req.note) == (3, proof, log.checkpoint())
    too_many = [b"\x00" * 32] * (MAX_PROOF_LINES + 1)
    with pytest.raises(ProtocolError):
        format_add_checkpoint(3, too_many, log.checkpoint())
    assert len(parse_add_checkpoint(format_add_checkpoint(3, too_many[:-1], log.checkpoint())).proof) == 63


@pytest.mark.parametrize("mutate", [
    lambda b: b[:-1],                        # truncated note
    lambda b: b.replace(b"old 3", b"old 03"),  # leading zero
    lambda b: b.replace(b"old 3", b"old  3"),
    lambda b: b.replace(b"old 3\n", b"old 3\r\n"),
    lambda b: b.replace(b"\n\n", b"\n", 1),    # no empty line before the note
    lambda b: b.replace(b"=\n", b"\n", 1),     # non-canonical base64 proof line
    lambda b: b[:6] + b"\x80" + b[6:],        # not UTF-8
])
def test_malformed_bodies_raise_protocol_error(mutate: object) -> None:
    log = MemoryLog(ORIGIN)
    log.append(*[bytes([i]) for i in range(10)])
    body = format_add_checkpoint(3, log.proof(3, 10), log.checkpoint())
    with pytest.raises(ProtocolError):
        parse_add_checkpoint(mutate(body))  # type: ignore[operator]


def test_size_body() -> None:
    assert parse_size_body(format_size_body(42)) == 42
    for bad in (b"", b"42", b"042\n", b"-1\n", b"4 2\n", b"1" * 30 + b"\n", b"\xff\n"):
        with pytest.raises(ProtocolError):
            parse_size_body(bad)


def test_cosignature_lines() -> None:
    w = CosignatureSigner("w1", b"\x01" * 32)
    log = MemoryLog(ORIGIN)
    line = w.cosign(log.checkpoint().split("\n\n")[0] + "\n", 5)
    assert parse_cosignature_lines(line.encode()) == [line]
    for bad in (b"", b"garbage\n", line.encode()[:-1], b"\xff\n"):
        with pytest.raises(ProtocolError):
            parse_cosignature_lines(bad)


# -- policy -------------------------------------------------------------------------------


def _cosigned(n_witnesses: int, sign: list[int]) -> tuple[MemoryLog, list[CosignatureSigner], str]:
    log = MemoryLog(ORIGIN, b"\x05" * 32)
    log.append(b"a", b"b", b"c")
    ws = [CosignatureSigner(f"w{i}.example", bytes([0x40 + i]) * 32) for i in range(n_witnesses)]
    note = log.checkpoint()
    body = note.split("\n\n")[0] + "\n"
    return log, ws, add_signatures(note, [ws[i].cosign(body, 1000 + i) for i in sign])


def test_k_of_n_accepted_and_says_what_was_checked() -> None:
    log, ws, note = _cosigned(3, [0, 2])
    policy = WitnessPolicy.from_vkeys([w.vkey for w in ws], 2)
    result = check_witnesses(note, NoteVerifier.from_vkey(log.vkey), policy)
    assert result.accepted
    got = {(c.name, c.status, c.timestamp) for c in result.checks}
    assert got == {("w0.example", "valid", 1000), ("w2.example", "valid", 1002),
                   ("w1.example", "missing", None)}
    result.require()
    assert "accepted: 2 of 2" in result.summary()


def test_fewer_than_k_is_refused_naming_the_missing() -> None:
    log, ws, note = _cosigned(3, [1])
    policy = WitnessPolicy.from_vkeys([w.vkey for w in ws], 2)
    result = check_witnesses(note, NoteVerifier.from_vkey(log.vkey), policy)
    assert not result.accepted
    with pytest.raises(VerificationError, match="w0.example: missing"):
        result.require()


def test_invalid_cosignature_is_reported_and_fails_even_when_k_is_met() -> None:
    log, ws, note = _cosigned(3, [0, 1, 2])
    text, sigs = note.split("\n\n")
    lines = sigs.splitlines()
    name, b64 = lines[2].rsplit(" ", 1)  # w1's line (after the log's and w0's)
    raw = bytearray(base64.b64decode(b64))
    raw[-1] ^= 0x80
    lines[2] = name + " " + base64.b64encode(bytes(raw)).decode()
    bad = text + "\n\n" + "\n".join(lines) + "\n"
    policy = WitnessPolicy.from_vkeys([w.vkey for w in ws], 2)
    result = check_witnesses(bad, NoteVerifier.from_vkey(log.vkey), policy)
    assert [c.name for c in result.valid] == ["w0.example", "w2.example"]
    assert [c.name for c in result.invalid] == ["w1.example"]
    assert not result.accepted
    with pytest.raises(VerificationError, match="w1.example: invalid"):
        result.require()


def test_cosignature_moved_from_another_checkpoint_is_invalid() -> None:
    log, ws, note = _cosigned(1, [0])
    other = MemoryLog(ORIGIN, b"\x05" * 32)
    other.append(b"a", b"b", b"c", b"d")
    moved = other.checkpoint() + note.split("\n\n")[1].splitlines(keepends=True)[1]
    policy = WitnessPolicy.from_vkeys([ws[0].vkey], 1)
    result = check_witnesses(moved, NoteVerifier.from_vkey(log.vkey), policy)
    assert [c.status for c in result.checks] == ["invalid"]
    assert not result.accepted


def test_unlisted_keys_are_listed_as_other_and_count_for_nothing() -> None:
    log, ws, note = _cosigned(2, [0, 1])
    policy = WitnessPolicy.from_vkeys([ws[0].vkey], 1)
    result = check_witnesses(note, NoteVerifier.from_vkey(log.vkey), policy)
    assert [(c.name, c.status) for c in result.checks] == [("w0.example", "valid"), ("w1.example", "other")]
    assert result.accepted


def test_log_signature_is_required_and_policy_shape_checked() -> None:
    log, ws, note = _cosigned(1, [0])
    policy = WitnessPolicy.from_vkeys([ws[0].vkey], 1)
    stranger = NoteSigner(ORIGIN, b"\x09" * 32).verifier()
    with pytest.raises(VerificationError):
        check_witnesses(note, stranger, policy)
    with pytest.raises(VerificationError):
        check_witnesses(note, NoteVerifier.from_vkey(log.vkey), policy, origin="other/log")
    with pytest.raises(ProtocolError):
        check_witnesses("garbage", NoteVerifier.from_vkey(log.vkey), policy)
    with pytest.raises(ProtocolError):
        WitnessPolicy.from_vkeys([ws[0].vkey], 2)
    with pytest.raises(ProtocolError):
        WitnessPolicy.from_vkeys([ws[0].vkey, ws[0].vkey], 1)
    with pytest.raises(ProtocolError):  # a plain note key (type 0x01) is not a witness key
        WitnessPolicy.from_vkeys([log.vkey], 1)
    assert check_witnesses(note, NoteVerifier.from_vkey(log.vkey), WitnessPolicy((), 0)).accepted


# -- parsers raise only their family --------------------------------------------------------


@given(st.binary(max_size=400))
def test_parse_add_checkpoint_raises_only_protocol_error(data: bytes) -> None:
    for body in (data, b"old 0\n\n" + data, b"old 3\n" + data):
        try:
            parse_add_checkpoint(body)
        except ProtocolError:
            pass


@given(st.text(max_size=300))
def test_policy_check_raises_only_tyshaerror(text: str) -> None:
    log, ws, note = _cosigned(1, [0])
    policy = WitnessPolicy.from_vkeys([ws[0].vkey], 1)
    for candidate in (text, note + text, note[: len(text) % len(note)] + text):
        try:
            check_witnesses(candidate, NoteVerifier.from_vkey(log.vkey), policy)
        except TyshaError:
            pass
