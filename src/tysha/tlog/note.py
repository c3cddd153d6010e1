"""Signed notes, checkpoints and cosignatures (C2SP signed-note, tlog-checkpoint, tlog-cosignature).

- C2SP signed-note v1 (§Format, §Signatures, §Ed25519 signatures): a note is UTF-8 text ending
  in a newline, a blank line, then one or more lines ``— <key name> base64(key ID || sig)``
  (U+2014 EM DASH). The key ID is ``SHA-256(name || 0x0A || type || public key)[:4]``; type
  ``0x01`` is Ed25519 over the note text. Verifier keys (vkeys) are
  ``<name>+<hex key ID>+base64(type || public key)``; the Go ``sumdb/note`` signer-key form
  is ``PRIVATE+KEY+<name>+<hex key ID>+base64(type || seed)``.
- C2SP tlog-checkpoint v1: the note text is the origin line, the tree size in decimal, the
  base64 root hash, then optional non-empty extension lines.
- C2SP tlog-cosignature v1 (§Format, §Ed25519 signed message): type ``0x04``; the signature is
  ``u64 timestamp (big-endian) || Ed25519 signature`` over
  ``"cosignature/v1\\ntime <timestamp>\\n" + checkpoint body``.

Nothing here reads a clock or draws randomness: keys are built from 32-byte seeds the caller
supplies, and cosignature timestamps are arguments. Parsers raise ProtocolError for malformed
input; signature checks raise VerificationError.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tysha.errors import ProtocolError, VerificationError

__all__ = [
    "ALG_COSIGNATURE_V1",
    "ALG_ED25519",
    "MAX_NOTE_SIGNATURES",
    "Checkpoint",
    "CosignatureSigner",
    "CosignatureVerifier",
    "NoteSignature",
    "NoteSigner",
    "NoteVerifier",
    "Verifier",
    "add_signatures",
    "generate_skey",
    "key_id",
    "open_checkpoint",
    "open_note",
    "parse_note",
    "parse_skey",
    "sign_checkpoint",
    "sign_note",
]

#: signed-note signature type for plain Ed25519 signatures.
ALG_ED25519 = 0x01
#: signed-note signature type for tlog-cosignature v1 (timestamped Ed25519).
ALG_COSIGNATURE_V1 = 0x04
#: The most signatures a note may carry (signed-note: accept at least 16).
MAX_NOTE_SIGNATURES = 64
#: The largest note accepted, in bytes (a checkpoint with its cosignatures is far smaller).
MAX_NOTE_SIZE = 1 << 20

_EM_DASH = "\u2014"
_SIG_PREFIX = _EM_DASH + " "
_MAX_TIMESTAMP = (1 << 63) - 1
# signed-note §Format: no ASCII control characters other than newline (DEL included here).
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f]")


# -- helpers -----------------------------------------------------------------------------------


def _b64decode(text: str, what: str) -> bytes:
    """Strict standard base64 (RFC 4648 §4): padding required, nothing non-canonical."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise ProtocolError(f"{what} is not valid base64") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise ProtocolError(f"{what} is not canonical base64")
    return raw


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _check_name(name: str) -> None:
    """signed-note: key names are non-empty, with no Unicode spaces and no '+'."""
    if not name:
        raise ProtocolError("a key name cannot be empty")
    if "+" in name:
        raise ProtocolError(f"key name {name!r} contains '+'")
    for ch in name:
        if ch.isspace() or ord(ch) < 0x20 or ch == "\x7f":
            raise ProtocolError(f"key name {name!r} contains a space or control character")


def key_id(name: str, alg: int, public_key: bytes) -> bytes:
    """signed-note key ID: ``SHA-256(name || 0x0A || alg || public key)[:4]``."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([alg]) + public_key).digest()[:4]


def _public_bytes(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _private_from_seed(seed: bytes) -> Ed25519PrivateKey:
    if len(seed) != 32:
        raise ProtocolError(f"an Ed25519 seed is 32 bytes, got {len(seed)}")
    return Ed25519PrivateKey.from_private_bytes(bytes(seed))


def _parse_vkey(vkey: str) -> tuple[str, bytes, int, bytes]:
    """Split ``name+hexid+base64(alg||key)``; check form and key ID. Return name, id, alg, key."""
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        raise ProtocolError("a verifier key has the form <name>+<key id>+<base64 key>")
    name, hex_id, b64_key = parts
    _check_name(name)
    if len(hex_id) != 8 or any(c not in "0123456789abcdef" for c in hex_id):
        raise ProtocolError(f"verifier key id {hex_id!r} is not 8 lowercase hex digits")
    raw = _b64decode(b64_key, "the verifier key")
    if len(raw) < 2:
        raise ProtocolError("the verifier key is too short")
    alg, public = raw[0], raw[1:]
    want = bytes.fromhex(hex_id)
    if key_id(name, alg, public) != want:
        raise ProtocolError(f"verifier key id {hex_id} does not match the key {name!r}")
    return name, want, alg, public


def _load_public(public: bytes) -> Ed25519PublicKey:
    if len(public) != 32:
        raise ProtocolError(f"an Ed25519 public key is 32 bytes, got {len(public)}")
    try:
        return Ed25519PublicKey.from_public_bytes(public)
    except ValueError as exc:  # pragma: no cover - any 32 bytes load today
        raise ProtocolError("not an Ed25519 public key") from exc


# -- signers and verifiers ---------------------------------------------------------------------


class Verifier(Protocol):
    """What :func:`open_note` needs of a key: its name, its key ID and a check."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> bytes: ...

    def verify(self, text: bytes, signature: bytes) -> None:
        """Raise VerificationError unless ``signature`` signs the note text ``text``."""
        ...


class _KeyNames:
    """Name, key ID, public key and ``vkey`` text form (``<name>+<hex key id>+base64(type ||
    public key)``), shared by every signer and verifier here; ``_ALG`` is the type byte."""

    __slots__ = ()
    _ALG = ALG_ED25519
    _name: str
    _key_id: bytes
    _public: bytes

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_id(self) -> bytes:
        return self._key_id

    @property
    def public_key(self) -> bytes:
        return self._public

    @property
    def vkey(self) -> str:
        return f"{self._name}+{self._key_id.hex()}+{_b64(bytes([self._ALG]) + self._public)}"


class NoteSigner(_KeyNames):
    """An Ed25519 note signer (signed-note type 0x01) built from a 32-byte seed."""

    __slots__ = ("_key", "_key_id", "_name", "_public", "_seed")
    _ALG = ALG_ED25519

    def __init__(self, name: str, seed: bytes) -> None:
        _check_name(name)
        self._name = name
        self._seed = bytes(seed)
        self._key = _private_from_seed(self._seed)
        self._public = _public_bytes(self._key)
        self._key_id = key_id(name, ALG_ED25519, self._public)

    @property
    def skey(self) -> str:
        """``PRIVATE+KEY+<name>+<hex key id>+base64(0x01 || seed)``: keep it secret."""
        return generate_skey(self._name, self._seed)

    def verifier(self) -> NoteVerifier:
        return NoteVerifier(self._name, self._public)

    def sign(self, text: bytes) -> bytes:
        """The raw Ed25519 signature of the note text (without key ID)."""
        return self._key.sign(text)

    def signature_line(self, text: str) -> str:
        """``— <name> base64(key id || signature)\\n`` for the note text ``text``."""
        sig = self.sign(text.encode("utf-8"))
        return f"{_SIG_PREFIX}{self._name} {_b64(self._key_id + sig)}\n"

    def __repr__(self) -> str:  # never show the seed
        return f"NoteSigner({self._name!r}, key_id={self._key_id.hex()})"


class _Ed25519KeyHolder(_KeyNames):
    """A verifier: built from a name and an Ed25519 public key, or parsed from a ``vkey``."""

    __slots__ = ("_key", "_key_id", "_name", "_public")
    _ALG = ALG_ED25519

    def __init__(self, name: str, public_key: bytes) -> None:
        _check_name(name)
        self._name = name
        self._public = bytes(public_key)
        self._key = _load_public(self._public)
        self._key_id = key_id(name, self._ALG, self._public)

    @classmethod
    def _from_vkey(cls, vkey: str) -> tuple[str, bytes]:
        name, _, alg, public = _parse_vkey(vkey)
        if alg != cls._ALG:
            raise ProtocolError(
                f"verifier key {name!r} has type {alg:#04x}, expected {cls._ALG:#04x}"
            )
        return name, public


class NoteVerifier(_Ed25519KeyHolder):
    """An Ed25519 note verifier (signed-note type 0x01)."""

    __slots__ = ()
    _ALG = ALG_ED25519

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        """Parse a verifier key; ProtocolError if malformed, of another type or mismatched."""
        return cls(*cls._from_vkey(vkey))

    def verify(self, text: bytes, signature: bytes) -> None:
        try:
            self._key.verify(signature, text)
        except InvalidSignature:
            raise VerificationError(
                f"the signature by {self._name} ({self._key_id.hex()}) does not verify"
            ) from None

    def __repr__(self) -> str:
        return f"NoteVerifier({self.vkey!r})"


def generate_skey(name: str, seed: bytes) -> str:
    """The signer-key string ``PRIVATE+KEY+<name>+<hex id>+base64(0x01 || seed)``.

    The caller draws the seed (``os.urandom(32)``): nothing here is random. The matching
    verifier key is ``NoteSigner(name, seed).vkey``.
    """
    _check_name(name)
    private = _private_from_seed(seed)
    kid = key_id(name, ALG_ED25519, _public_bytes(private))
    return f"PRIVATE+KEY+{name}+{kid.hex()}+{_b64(bytes([ALG_ED25519]) + bytes(seed))}"


def parse_skey(skey: str) -> NoteSigner:
    """Parse ``PRIVATE+KEY+<name>+<hex id>+base64(0x01 || seed)``; check the key ID."""
    prefix = "PRIVATE+KEY+"
    if not skey.startswith(prefix):
        raise ProtocolError("a signer key starts with PRIVATE+KEY+")
    parts = skey[len(prefix) :].split("+", 2)
    if len(parts) != 3:
        raise ProtocolError("a signer key has the form PRIVATE+KEY+<name>+<key id>+<base64>")
    name, hex_id, b64_key = parts
    _check_name(name)
    if len(hex_id) != 8 or any(c not in "0123456789abcdef" for c in hex_id):
        raise ProtocolError(f"signer key id {hex_id!r} is not 8 lowercase hex digits")
    raw = _b64decode(b64_key, "the signer key")
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise ProtocolError("the signer key is not an Ed25519 (type 0x01) seed")
    signer = NoteSigner(name, raw[1:])
    if signer.key_id.hex() != hex_id:
        raise ProtocolError(f"signer key id {hex_id} does not match the key {name!r}")
    return signer


# -- notes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteSignature:
    """One signature line of a note: key name, key ID and the signature bytes after it."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        return f"{_SIG_PREFIX}{self.name} {_b64(self.key_id + self.signature)}\n"


def _check_text(text: str) -> None:
    if not text or not text.endswith("\n"):
        raise ProtocolError("note text must be non-empty and end with a newline")
    if _CONTROL.search(text):
        raise ProtocolError("note text contains a control character")


def _decode_note(note: str | bytes) -> str:
    if isinstance(note, bytes):
        if len(note) > MAX_NOTE_SIZE:
            raise ProtocolError(f"note is larger than {MAX_NOTE_SIZE} bytes")
        try:
            return note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError("note is not valid UTF-8") from exc
    if len(note) > MAX_NOTE_SIZE:
        raise ProtocolError(f"note is larger than {MAX_NOTE_SIZE} characters")
    try:
        note.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ProtocolError("note is not valid Unicode text") from exc
    return note


def parse_note(note: str | bytes) -> tuple[str, list[NoteSignature]]:
    """Split a signed note into its text and signature lines, checking only the form.

    Nothing is verified: use :func:`open_note`. ProtocolError if the note is malformed.
    """
    s = _decode_note(note)
    if _CONTROL.search(s):
        raise ProtocolError("note contains a control character other than newline")
    split = s.rfind("\n\n")
    if split < 0:
        raise ProtocolError("note has no blank line before its signatures")
    text = s[: split + 1]
    block = s[split + 2 :]
    if not block.endswith("\n"):
        raise ProtocolError("note signatures must end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_NOTE_SIGNATURES:
        raise ProtocolError(f"note has more than {MAX_NOTE_SIGNATURES} signatures")
    sigs: list[NoteSignature] = []
    for line in lines:
        if not line.startswith(_SIG_PREFIX):
            raise ProtocolError("note signature line does not start with an em dash and space")
        rest = line[len(_SIG_PREFIX) :]
        name, sep, b64_sig = rest.partition(" ")
        if not sep:
            raise ProtocolError("note signature line has no signature after the key name")
        _check_name(name)
        raw = _b64decode(b64_sig, "note signature")
        if len(raw) < 5:
            raise ProtocolError("note signature is too short")
        sigs.append(NoteSignature(name, raw[:4], raw[4:]))
    return text, sigs


def sign_note(text: str, signers: NoteSigner | Sequence[NoteSigner]) -> str:
    """Sign ``text`` (non-empty, ending in a newline) with each signer; return the note."""
    if isinstance(signers, NoteSigner):
        signers = [signers]
    _check_text(text)
    if not signers:
        raise ValueError("sign_note needs at least one signer")
    return text + "\n" + "".join(s.signature_line(text) for s in signers)


def add_signatures(note: str, lines: Iterable[str]) -> str:
    """Append signature lines (e.g. cosignatures) to a signed note, checking the result parses."""
    out = note + "".join(lines)
    parse_note(out)
    return out


def open_note(note: str | bytes, verifiers: Verifier | Sequence[Verifier]) -> tuple[str, list[str]]:
    """Verify a signed note; return its text and the names of the keys that verified.

    C2SP signed-note §Signatures: lines from unknown keys (no verifier with the same name
    *and* key ID) are ignored but must be well-formed; a known key whose signature fails
    rejects the whole note (VerificationError); at least one known key must verify.
    """
    candidates = list(verifiers) if isinstance(verifiers, Sequence) else [verifiers]
    text, sigs = parse_note(note)
    known = {(v.name, v.key_id): v for v in candidates}
    msg = text.encode("utf-8")
    verified: list[str] = []
    for sig in sigs:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        verifier.verify(msg, sig.signature)
        if sig.name not in verified:
            verified.append(sig.name)
    if not verified:
        wanted = ", ".join(sorted(f"{n}+{k.hex()}" for n, k in known)) or "none"
        found = ", ".join(f"{s.name}+{s.key_id.hex()}" for s in sigs)
        raise VerificationError(
            f"the note has no signature by a known key: expected one of {wanted}, found {found}"
        )
    return text, verified


# -- checkpoints -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A log's signed tree head as a C2SP tlog-checkpoint body (not yet signed)."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise ProtocolError("checkpoint origin must be one non-empty line")
        for ch in self.origin:
            if ord(ch) < 0x20 or ch == "\x7f":
                raise ProtocolError("checkpoint origin contains a control character")
        if not 0 <= self.size < 1 << 64:
            raise ProtocolError(f"checkpoint size {self.size} is out of range")
        if len(self.root_hash) != 32:
            raise ProtocolError(f"checkpoint root hash is {len(self.root_hash)} bytes, not 32")
        for ext in self.extensions:
            if not ext or "\n" in ext:
                raise ProtocolError("checkpoint extension lines must be non-empty single lines")
            for ch in ext:
                if ord(ch) < 0x20 or ch == "\x7f":
                    raise ProtocolError("checkpoint extension contains a control character")

    def body(self) -> str:
        """``origin\\nsize\\nbase64(root)\\n`` followed by each extension line."""
        lines = [self.origin, str(self.size), _b64(self.root_hash), *self.extensions]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, body: str) -> Checkpoint:
        """Parse a checkpoint body strictly (tlog-checkpoint); ProtocolError if malformed."""
        if not isinstance(body, str) or not body.endswith("\n"):
            raise ProtocolError("checkpoint body must end with a newline")
        lines = body[:-1].split("\n")
        if len(lines) < 3:
            raise ProtocolError("checkpoint body needs origin, size and root hash lines")
        origin, size_text, root_text, *extensions = lines
        if not size_text or not size_text.isascii() or not size_text.isdigit():
            raise ProtocolError("checkpoint size is not a decimal number")
        if len(size_text) > 1 and size_text[0] == "0":
            raise ProtocolError("checkpoint size has leading zeros")
        if len(size_text) > 20:
            raise ProtocolError("checkpoint size is out of range")
        root = _b64decode(root_text, "checkpoint root hash")
        return cls(origin, int(size_text), root, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signer: NoteSigner | Sequence[NoteSigner]) -> str:
    """The checkpoint as a signed note."""
    return sign_note(checkpoint.body(), signer)


def open_checkpoint(
    note: str | bytes,
    verifier: Verifier | Sequence[Verifier],
    *,
    origin: str | None = None,
) -> Checkpoint:
    """Verify a signed checkpoint and parse its body.

    VerificationError unless a known key signed it (and, when ``origin`` is given, unless the
    checkpoint names that origin); ProtocolError if it is malformed.
    """
    text, _ = open_note(note, verifier)
    checkpoint = Checkpoint.parse(text)
    if origin is not None and checkpoint.origin != origin:
        raise VerificationError(f"checkpoint is for log {checkpoint.origin!r}, expected {origin!r}")
    return checkpoint


# -- cosignatures (tlog-cosignature v1, Ed25519) -----------------------------------------------


def _cosigned_message(body: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


class CosignatureSigner(_KeyNames):
    """A witness key making tlog-cosignature v1 Ed25519 cosignatures (type 0x04)."""

    __slots__ = ("_key", "_key_id", "_name", "_public")
    _ALG = ALG_COSIGNATURE_V1

    def __init__(self, name: str, seed: bytes) -> None:
        _check_name(name)
        self._name = name
        self._key = _private_from_seed(seed)
        self._public = _public_bytes(self._key)
        self._key_id = key_id(name, ALG_COSIGNATURE_V1, self._public)

    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier(self._name, self._public)

    def cosign(self, checkpoint: Checkpoint | str, timestamp: int) -> str:
        """The note signature line ``— <name> base64(key id || u64 time || sig)\\n``.

        ``timestamp`` is POSIX seconds the caller read from its clock.
        """
        if not 0 <= timestamp <= _MAX_TIMESTAMP:
            raise ValueError("cosignature timestamp must be between 0 and 2**63 - 1")
        body = checkpoint.body() if isinstance(checkpoint, Checkpoint) else checkpoint
        sig = self._key.sign(_cosigned_message(body, timestamp))
        raw = self._key_id + struct.pack(">Q", timestamp) + sig
        return f"{_SIG_PREFIX}{self._name} {_b64(raw)}\n"

    def __repr__(self) -> str:
        return f"CosignatureSigner({self._name!r}, key_id={self._key_id.hex()})"


class CosignatureVerifier(_Ed25519KeyHolder):
    """Checks tlog-cosignature v1 Ed25519 cosignatures; usable with :func:`open_note`."""

    __slots__ = ()
    _ALG = ALG_COSIGNATURE_V1

    @classmethod
    def from_vkey(cls, vkey: str) -> CosignatureVerifier:
        return cls(*cls._from_vkey(vkey))

    def timestamp_of(self, signature: bytes) -> int:
        """The timestamp of a cosignature (``u64 time || Ed25519 sig``), without checking it."""
        if len(signature) != 8 + 64:
            raise VerificationError(
                f"a cosignature is 72 bytes after the key id, found {len(signature)}"
            )
        (timestamp,) = struct.unpack(">Q", signature[:8])
        if timestamp > _MAX_TIMESTAMP:
            raise VerificationError("cosignature timestamp is above 2**63 - 1")
        return int(timestamp)

    def verify(self, text: bytes, signature: bytes) -> None:
        """Verifier protocol: ``text`` is the checkpoint body the note carries."""
        timestamp = self.timestamp_of(signature)
        try:
            body = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise VerificationError("cosigned text is not UTF-8") from exc
        try:
            self._key.verify(signature[8:], _cosigned_message(body, timestamp))
        except InvalidSignature:
            raise VerificationError(
                f"the cosignature by {self._name} ({self._key_id.hex()}) does not verify"
            ) from None

    def verify_note(self, note: str | bytes) -> int:
        """Find this cosigner's line in a signed checkpoint, verify it, return its timestamp.

        VerificationError if the note has no line by this key or the line does not verify.
        """
        text, sigs = parse_note(note)
        for sig in sigs:
            if sig.name == self._name and sig.key_id == self._key_id:
                self.verify(text.encode("utf-8"), sig.signature)
                return self.timestamp_of(sig.signature)
        raise VerificationError(
            f"the note has no cosignature by {self._name} ({self._key_id.hex()})"
        )

    def verify_line(self, checkpoint: Checkpoint | str, line: str) -> int:
        """Verify one cosignature line against a checkpoint; return its timestamp."""
        body = checkpoint.body() if isinstance(checkpoint, Checkpoint) else checkpoint
        line = line if line.endswith("\n") else line + "\n"
        return self.verify_note(body + "\n" + line)

    def __repr__(self) -> str:
        return f"CosignatureVerifier({self.vkey!r})"
