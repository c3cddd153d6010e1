"""Witnessing, pure: the C2SP tlog-witness wire format and a "k of these witnesses" policy.

- C2SP tlog-witness §add-checkpoint: the request body is ``old <size>\\n``, zero to 63 lines
  each one base64 hash of a RFC 6962 §2.1.2 consistency proof, an empty line, then the signed
  checkpoint note. A ``409 Conflict`` answer carries the witness's size as ``<size>\\n``
  (``text/x.tlog.size``); a ``200`` answer is one or more note signature lines.
- :func:`check_witnesses` applies a policy to a cosigned checkpoint (C2SP tlog-cosignature
  v1): the log's signature must verify, and at least ``k`` of the listed witness keys must
  have a valid cosignature on it. Every signature line is accounted for in the result —
  valid, invalid, or not ours — so a caller can say exactly what it checked; a listed
  witness whose cosignature does not verify fails the policy (a tampered note is never
  quietly accepted on the strength of the others).

No I/O, no clock: parsers raise ProtocolError, checks VerificationError.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tysha.errors import BadInput, ProtocolError, TyshaError, VerificationError
from tysha.tlog.merkle import HASH_SIZE
from tysha.tlog.note import (
    Checkpoint,
    CosignatureVerifier,
    Verifier,
    open_note,
    parse_note,
)

__all__ = [
    "MAX_ADD_CHECKPOINT_SIZE",
    "MAX_PROOF_LINES",
    "SIZE_CONTENT_TYPE",
    "AddCheckpoint",
    "CosignatureCheck",
    "WitnessPolicy",
    "WitnessPolicyResult",
    "check_witnesses",
    "pinned_policy",
    "format_add_checkpoint",
    "format_size_body",
    "parse_add_checkpoint",
    "parse_cosignature_lines",
    "parse_size_body",
]

#: tlog-witness: "The client MUST NOT send more than 63 consistency proof lines."
MAX_PROOF_LINES = 63
#: The largest add-checkpoint body accepted: 63 proof lines and a note with 64 signatures
#: fit in a small fraction of this.
MAX_ADD_CHECKPOINT_SIZE = 64 * 1024
#: The media type of a 409 Conflict body (tlog-witness §add-checkpoint).
SIZE_CONTENT_TYPE = "text/x.tlog.size"

_EM_DASH = "\u2014"


def _decimal(text: str, what: str) -> int:
    """An ASCII decimal with no leading zeroes (``0`` itself allowed), below 2**64."""
    if not text or not text.isascii() or not text.isdigit():
        raise ProtocolError(f"{what} is not a decimal number")
    if len(text) > 1 and text[0] == "0":
        raise ProtocolError(f"{what} has leading zeroes")
    if len(text) > 20 or int(text) >= 1 << 64:
        raise ProtocolError(f"{what} is out of range")
    return int(text)


def _hash_line(line: str, i: int) -> bytes:
    try:
        raw = base64.b64decode(line.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise ProtocolError(f"consistency proof line {i + 1} is not base64") from exc
    if len(raw) != HASH_SIZE or base64.b64encode(raw).decode("ascii") != line:
        raise ProtocolError(f"consistency proof line {i + 1} is not one canonical base64 hash")
    return raw


@dataclass(frozen=True)
class AddCheckpoint:
    """A parsed add-checkpoint request: the claimed old size, the proof and the signed note.

    ``checkpoint`` is the note's body parsed (its signatures are *not* verified here).
    """

    old_size: int
    proof: tuple[bytes, ...]
    note: str
    checkpoint: Checkpoint


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """Parse an add-checkpoint request body strictly; ProtocolError if it is malformed.

    Malformed covers: not UTF-8, larger than :data:`MAX_ADD_CHECKPOINT_SIZE`, a first line
    other than ``old <decimal>``, a proof line that is not one canonical base64 hash, more
    than 63 proof lines, no empty line, or a note or checkpoint body that does not parse.
    """
    if not isinstance(body, bytes | bytearray):
        raise ProtocolError("an add-checkpoint body is bytes")
    if len(body) > MAX_ADD_CHECKPOINT_SIZE:
        raise ProtocolError(f"the request is larger than {MAX_ADD_CHECKPOINT_SIZE} bytes")
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError("the request is not UTF-8") from exc
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise ProtocolError("the request has no empty line before the checkpoint")
    lines = head.split("\n")
    first = lines[0]
    if not first.startswith("old "):
        raise ProtocolError("the request does not start with an 'old <size>' line")
    old_size = _decimal(first[4:], "the old size")
    proof_lines = lines[1:]
    if len(proof_lines) > MAX_PROOF_LINES:
        raise ProtocolError(f"the request has more than {MAX_PROOF_LINES} proof lines")
    proof = tuple(_hash_line(line, i) for i, line in enumerate(proof_lines))
    note_text, _ = parse_note(note)
    checkpoint = Checkpoint.parse(note_text)
    return AddCheckpoint(old_size, proof, note, checkpoint)


def format_add_checkpoint(old_size: int, proof: Sequence[bytes], note: str) -> bytes:
    """The request body for add-checkpoint (checked by parsing it back)."""
    if not 0 <= old_size < 1 << 64:
        raise ProtocolError(f"old size {old_size} is out of range")
    lines = [f"old {old_size}"] + [base64.b64encode(h).decode("ascii") for h in proof]
    body = ("\n".join(lines) + "\n\n" + note).encode("utf-8")
    parse_add_checkpoint(body)
    return body


def format_size_body(size: int) -> bytes:
    """The 409 Conflict body: the witness's size in decimal and a newline."""
    return f"{size}\n".encode("ascii")


def parse_size_body(body: bytes) -> int:
    """Read a 409 Conflict body (``<decimal>\\n``); ProtocolError if it is anything else."""
    if len(body) > 24 or not body.endswith(b"\n"):
        raise ProtocolError("the witness's size answer is not one decimal line")
    try:
        text = body[:-1].decode("ascii")
    except UnicodeDecodeError as exc:
        raise ProtocolError("the witness's size answer is not ASCII") from exc
    return _decimal(text, "the witness's size")


def parse_cosignature_lines(body: bytes | str) -> list[str]:
    """Split a 200 answer into note signature lines (each kept with its newline).

    ProtocolError unless it is one or more well-formed signature lines.
    """
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError("the witness's answer is not UTF-8") from exc
    if not body or not body.endswith("\n"):
        raise ProtocolError("the witness's answer is not signature lines")
    # Reuse the note parser on a dummy text: it checks every line's form and the count.
    parse_note("x\n\n" + body)
    return [line + "\n" for line in body[:-1].split("\n")]


# -- policy ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WitnessPolicy:
    """Accept a checkpoint when at least ``k`` of ``witnesses`` cosigned it."""

    witnesses: tuple[CosignatureVerifier, ...]
    k: int

    def __post_init__(self) -> None:
        keys = {(w.name, w.key_id) for w in self.witnesses}
        if len(keys) != len(self.witnesses):
            raise ProtocolError("a witness policy lists the same witness key twice")
        if not 0 <= self.k <= len(self.witnesses):
            raise ProtocolError(
                f"a policy of {self.k} of {len(self.witnesses)} witnesses can never be met"
            )

    @classmethod
    def from_vkeys(cls, vkeys: Sequence[str], k: int) -> WitnessPolicy:
        """Build from witness vkeys (type 0x04); ProtocolError if one is malformed."""
        return cls(tuple(CosignatureVerifier.from_vkey(v) for v in vkeys), k)


def pinned_policy(vkeys: Sequence[str], k: int | None) -> dict[str, Any] | None:
    """The form a desk or a source stores for "``k`` (default: all) of these witnesses", from
    what a person typed (``--witness VKEY …``, ``--witnesses-needed K``): ``None`` (no
    policy) for no keys, else ``{"witnesses": [vkey, …], "k": K}``. ``BadInput`` for a ``k``
    without keys, a ``k`` that cannot be met, or a key that is not a witness verifier key."""
    if not vkeys:
        if k is not None:
            raise BadInput("--witnesses-needed needs --witness keys")
        return None
    need = len(vkeys) if k is None else k
    if not 1 <= need <= len(vkeys):
        raise BadInput(f"--witnesses-needed must be between 1 and {len(vkeys)}")
    try:
        WitnessPolicy.from_vkeys(vkeys, need)
    except ProtocolError as exc:
        raise BadInput(f"a --witness key is not a witness verifier key: {exc.message}") from None
    return {"witnesses": list(vkeys), "k": need}


@dataclass(frozen=True)
class CosignatureCheck:
    """What was found for one signature line of the note, or for a listed witness.

    ``status`` is ``"valid"`` (``timestamp`` set), ``"invalid"`` (``reason`` says why),
    ``"missing"`` (a listed witness with no line) or ``"other"`` (a key not in the policy,
    the log's own signature excepted; not checked, and it counts for nothing).
    """

    name: str
    key_id: bytes
    status: str
    timestamp: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class WitnessPolicyResult:
    """The outcome of :func:`check_witnesses`; ``accepted`` is the verdict."""

    checkpoint: Checkpoint
    k: int
    checks: tuple[CosignatureCheck, ...] = field(default_factory=tuple)

    @property
    def valid(self) -> list[CosignatureCheck]:
        return [c for c in self.checks if c.status == "valid"]

    @property
    def invalid(self) -> list[CosignatureCheck]:
        return [c for c in self.checks if c.status == "invalid"]

    @property
    def accepted(self) -> bool:
        return len({(c.name, c.key_id) for c in self.valid}) >= self.k and not self.invalid

    def summary(self) -> str:
        """One line for a person: the verdict and each witness's state."""
        parts = [
            f"{c.name}: {c.status}" + (f" ({c.reason})" if c.reason else "")
            for c in self.checks
            if c.status != "other"
        ]
        verdict = "accepted" if self.accepted else "NOT accepted"
        distinct = len({(c.name, c.key_id) for c in self.valid})
        head = f"{verdict}: {distinct} of {self.k} required witness cosignatures valid"
        return head + ("; " + "; ".join(parts) if parts else "")

    def require(self) -> None:
        """Raise VerificationError (saying which cosignatures failed) unless accepted."""
        if not self.accepted:
            origin = self.checkpoint.origin
            raise VerificationError(f"witness policy for {origin}: {self.summary()}")


def check_witnesses(
    note: str | bytes,
    log: Verifier | Sequence[Verifier],
    policy: WitnessPolicy,
    *,
    origin: str | None = None,
) -> WitnessPolicyResult:
    """Verify a cosigned checkpoint against the log's key(s) and a witness policy.

    The log's signature must verify (VerificationError otherwise, ProtocolError if the note
    is malformed); then each listed witness's cosignature lines are checked one by one.
    The result lists every listed witness (valid, invalid or missing) and every other line
    (``other``); it is accepted when at least ``policy.k`` distinct witnesses are valid and
    none is invalid. Nothing is raised for a policy failure: call ``.require()`` for that.
    """
    text, _ = open_note(note, log)
    checkpoint = Checkpoint.parse(text)
    if origin is not None and checkpoint.origin != origin:
        raise VerificationError(f"checkpoint is for log {checkpoint.origin!r}, expected {origin!r}")
    _, sigs = parse_note(note)
    logs = list(log) if isinstance(log, Sequence) else [log]
    log_keys = {(v.name, v.key_id) for v in logs}
    listed = {(w.name, w.key_id): w for w in policy.witnesses}
    msg = text.encode("utf-8")
    checks: list[CosignatureCheck] = []
    seen: set[tuple[str, bytes]] = set()
    for sig in sigs:
        key = (sig.name, sig.key_id)
        witness = listed.get(key)
        if witness is None:
            if key not in log_keys:
                checks.append(CosignatureCheck(sig.name, sig.key_id, "other"))
            continue
        seen.add(key)
        try:
            witness.verify(msg, sig.signature)
            stamp = witness.timestamp_of(sig.signature)
        except TyshaError as exc:
            checks.append(CosignatureCheck(sig.name, sig.key_id, "invalid", reason=exc.message))
            continue
        checks.append(CosignatureCheck(sig.name, sig.key_id, "valid", timestamp=stamp))
    for key, witness in listed.items():
        if key not in seen:
            checks.append(CosignatureCheck(witness.name, witness.key_id, "missing"))
    return WitnessPolicyResult(checkpoint, policy.k, tuple(checks))
