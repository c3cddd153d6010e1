"""The source's vault: one fixed-size file that looks like random noise (THREAT_MODEL A1, A2, A12).

Layout of a vault of ``N`` bytes (nothing marks any boundary; every byte starts random)::

    [0, 16)                       salt for Argon2id
    [16, 16 + 8*80)               8 passphrase slots of 80 bytes
    [HEAD, HEAD + P)              compartment 0 ("primary"): two generations of P/2 bytes
    [HEAD + P, N)                 compartment 1 ("secondary", 1/16 of the space): two generations

* **Unlock** derives one 32-byte key ``K = Argon2id(passphrase, salt)`` (libsodium
  ``crypto_pwhash``, 64 MiB, 2 passes, RFC 9106) and then *always* tries all eight slots:
  slot ``i`` is ``nonce (24) || XChaCha20-Poly1305(K, nonce, aad = "tysha-vault-slot" || i)``
  of ``compartment key (32) || compartment number (1) || 7 zero bytes``. A right, a decoy and a
  wrong passphrase cost the same Argon2id and the same eight trial decryptions. Unused slots
  are random bytes, indistinguishable from used ones.
* **A compartment** is stored twice (two generations, for crash safety). A generation starts
  with ``nonce (24) || XChaCha20-Poly1305(Kh, nonce, aad = "tysha-vault-gen" || c || g)`` of
  ``sequence (8) || length (8)`` and is followed by ``nonce (24) || XChaCha20-Poly1305(Kb, …)``
  of the compartment's state (deterministic CBOR). ``Kh`` and ``Kb`` are BLAKE2b-derived from
  the compartment key (libsodium ``crypto_kdf``-style keyed hashing, RFC 7693). A save writes
  the *older* generation with ``sequence + 1`` and fsyncs; a power cut mid-write leaves that
  generation undecryptable and the other one intact, so opening always finds the old or the
  new state, never a corrupt one.
* **Purge** overwrites the compartment's slot and both generation headers with random bytes
  and fsyncs (instant), then overwrites the rest of its area with random bytes. The file keeps
  its size; the other compartment (the decoy) still opens.

Honest limits: this defends against one snapshot of the file. Someone who images the device
several times can see which regions changed; flash storage may keep old blocks after an
overwrite. Upload-then-delete is the real protection: what has left the device can't be read
back from it.
"""

from __future__ import annotations

import contextlib
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nacl.pwhash
from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
    crypto_generichash_blake2b_salt_personal,
)
from nacl.exceptions import CryptoError

from tysha.errors import ConfigError, StorageError
from tysha.protocol import cbor_decode, cbor_encode

__all__ = ["DEFAULT_SIZE", "MIN_SIZE", "Compartment", "Vault", "parse_size"]

DEFAULT_SIZE = 64 * 1024 * 1024
MIN_SIZE = 1024 * 1024
SALT = 16
SLOTS = 8
SLOT_SIZE = 80
HEAD = SALT + SLOTS * SLOT_SIZE
NONCE = 24
TAG = 16
GEN_HEADER = NONCE + 16 + TAG
KDF_MEM = 64 * 1024 * 1024
KDF_OPS = 2


def parse_size(text: str) -> int:
    t = text.strip().lower().replace(" ", "")
    units = {
        "kib": 1 << 10,
        "mib": 1 << 20,
        "gib": 1 << 30,
        "k": 1 << 10,
        "m": 1 << 20,
        "g": 1 << 30,
        "b": 1,
    }
    for u, m in sorted(units.items(), key=lambda kv: -len(kv[0])):
        if t.endswith(u):
            try:
                return int(float(t[: -len(u)]) * m)
            except ValueError:
                break
    try:
        return int(t)
    except ValueError:
        raise ConfigError(f"cannot read the size {text!r} (say e.g. 64MiB)") from None


def _derive(key: bytes, label: bytes) -> bytes:
    return bytes(
        crypto_generichash_blake2b_salt_personal(
            label, digest_size=32, key=key, person=b"tysha-vault-v1\x00\x00"
        )
    )


def _seal(key: bytes, aad: bytes, pt: bytes) -> bytes:
    nonce = os.urandom(NONCE)
    return nonce + bytes(crypto_aead_xchacha20poly1305_ietf_encrypt(pt, aad, nonce, key))


def _open(key: bytes, aad: bytes, blob: bytes) -> bytes | None:
    try:
        return bytes(
            crypto_aead_xchacha20poly1305_ietf_decrypt(blob[NONCE:], aad, blob[:NONCE], key)
        )
    except CryptoError:
        return None


def _layout(size: int) -> list[tuple[int, int]]:
    """(offset, length) of compartments 0 and 1."""
    body = size - HEAD
    secondary = max(body // 16, 128 * 1024)
    primary = body - secondary
    return [(HEAD, primary), (HEAD + primary, secondary)]


@dataclass
class Compartment:
    """An unlocked compartment: its number, slot, key and state (a dict of CBOR values)."""

    number: int
    slot: int
    key: bytes
    state: dict[str, Any]
    seq: int
    generation: int


class Vault:
    """A vault file. Nothing but this one file is ever written."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    # --- creation --------------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path, size: int = DEFAULT_SIZE) -> Vault:
        path = Path(path)
        if size < MIN_SIZE:
            raise ConfigError(f"a vault needs at least {MIN_SIZE // (1 << 20)} MiB")
        if path.exists():
            raise ConfigError(f"{path} already exists; refusing to overwrite it")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                left = size
                while left:
                    n = min(left, 1 << 20)
                    f.write(os.urandom(n))
                    left -= n
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            raise StorageError(f"cannot create the vault: {exc.strerror}") from None
        return cls(path)

    # --- low-level I/O ---------------------------------------------------------------------

    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            raise StorageError(f"cannot read the vault {self.path}") from None

    @contextlib.contextmanager
    def _file(self, write: bool = False) -> Iterator[Any]:
        try:
            f = open(self.path, "r+b" if write else "rb")  # noqa: SIM115
        except OSError as exc:
            raise StorageError(f"cannot open the vault {self.path}: {exc.strerror}") from None
        try:
            yield f
        finally:
            f.close()

    def _read(self, f: Any, offset: int, n: int) -> bytes:
        f.seek(offset)
        data: bytes = f.read(n)
        if len(data) != n:
            raise StorageError("the vault file is truncated")
        return data

    # --- unlock ----------------------------------------------------------------------------

    def _master(self, f: Any, passphrase: str) -> bytes:
        if not passphrase:
            raise ConfigError("an empty passphrase opens nothing")
        salt = self._read(f, 0, SALT)
        return bytes(
            nacl.pwhash.argon2id.kdf(
                32, passphrase.encode("utf-8"), salt, opslimit=KDF_OPS, memlimit=KDF_MEM
            )
        )

    def _slots(self, f: Any, master: bytes) -> list[tuple[int, bytes, int]]:
        """Try all eight slots; return every (slot, key, compartment) that opens."""
        table = self._read(f, SALT, SLOTS * SLOT_SIZE)
        found = []
        for i in range(SLOTS):
            blob = table[i * SLOT_SIZE : (i + 1) * SLOT_SIZE]
            pt = _open(master, b"tysha-vault-slot" + bytes((i,)), blob)
            if pt is not None and len(pt) == 40:
                found.append((i, pt[:32], pt[32]))
        return found

    def unlock(self, passphrase: str) -> Compartment:
        """Open the compartment of ``passphrase``; ``ConfigError`` if it opens nothing."""
        with self._file() as f:
            master = self._master(f, passphrase)
            found = self._slots(f, master)
            size = self.size()
            comps = [self._load(f, size, slot, key, number) for slot, key, number in found]
        for c in comps:
            if c is not None:
                return c
        raise ConfigError("this passphrase opens nothing in this vault")

    def _load(self, f: Any, size: int, slot: int, key: bytes, number: int) -> Compartment | None:
        if number not in (0, 1):
            return None
        offset, length = _layout(size)[number]
        half = length // 2
        kh, kb = _derive(key, b"header"), _derive(key, b"body")
        best: tuple[int, int, bytes] | None = None
        for g in (0, 1):
            base = offset + g * half
            head = _open(
                kh, b"tysha-vault-gen" + bytes((number, g)), self._read(f, base, GEN_HEADER)
            )
            if head is None:
                continue
            seq, blen = struct.unpack(">QQ", head)
            if blen > half - GEN_HEADER:
                continue
            body = _open(
                kb,
                b"tysha-vault-body" + bytes((number, g)) + struct.pack(">Q", seq),
                self._read(f, base + GEN_HEADER, blen),
            )
            if body is None:
                continue
            if best is None or seq > best[0]:
                best = (seq, g, body)
        if best is None:
            return None
        state = cbor_decode(best[2], max_bytes=size, max_items=1 << 20, max_depth=12)
        if not isinstance(state, dict):
            return None
        return Compartment(
            number, slot, key, {str(k): v for k, v in state.items()}, best[0], best[1]
        )

    # --- writing ---------------------------------------------------------------------------

    def capacity(self, number: int) -> int:
        """Bytes of state a compartment can hold."""
        _, length = _layout(self.size())[number]
        return length // 2 - GEN_HEADER - NONCE - TAG

    def save(self, comp: Compartment) -> None:
        """Write the compartment's state into its older generation, then fsync."""
        body_pt = cbor_encode(comp.state)
        size = self.size()
        offset, length = _layout(size)[comp.number]
        half = length // 2
        if len(body_pt) > self.capacity(comp.number):
            raise StorageError(
                f"the vault is full: this needs {len(body_pt) // 1024} KiB, the compartment "
                f"holds {self.capacity(comp.number) // 1024} KiB; send what waits, or make a "
                "larger vault"
            )
        g = 1 - comp.generation
        seq = comp.seq + 1
        kh, kb = _derive(comp.key, b"header"), _derive(comp.key, b"body")
        body = _seal(
            kb, b"tysha-vault-body" + bytes((comp.number, g)) + struct.pack(">Q", seq), body_pt
        )
        head = _seal(
            kh, b"tysha-vault-gen" + bytes((comp.number, g)), struct.pack(">QQ", seq, len(body))
        )
        base = offset + g * half
        with self._file(write=True) as f:
            # Body first, header last: until the header lands, this generation stays invalid
            # and the other one is what opens.
            f.seek(base + GEN_HEADER)
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
            f.seek(base)
            f.write(head)
            f.flush()
            os.fsync(f.fileno())
        comp.seq, comp.generation = seq, g

    def add_compartment(
        self,
        passphrase: str,
        number: int,
        state: dict[str, Any],
        avoid_slots: set[int] = frozenset(),
    ) -> Compartment:  # type: ignore[assignment]
        """Create compartment ``number`` behind ``passphrase`` in a slot not in ``avoid_slots``."""
        with self._file() as f:
            master = self._master(f, passphrase)
            if self._slots(f, master):
                raise ConfigError("that passphrase is already in use in this vault; choose another")
        free = [i for i in range(SLOTS) if i not in avoid_slots]
        slot = free[int.from_bytes(os.urandom(2), "big") % len(free)]
        key = os.urandom(32)
        blob = _seal(
            master, b"tysha-vault-slot" + bytes((slot,)), key + bytes((number,)) + bytes(7)
        )
        assert len(blob) == SLOT_SIZE
        comp = Compartment(number, slot, key, state, 0, 1)
        self.save(comp)  # writes generation 0 with sequence 1
        with self._file(write=True) as f:
            f.seek(SALT + slot * SLOT_SIZE)
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        return comp

    def purge(self, comp: Compartment) -> None:
        """Destroy a compartment in place: key material first (fsync), then its whole area."""
        offset, length = _layout(self.size())[comp.number]
        half = length // 2
        with self._file(write=True) as f:
            f.seek(SALT + comp.slot * SLOT_SIZE)
            f.write(os.urandom(SLOT_SIZE))
            for g in (0, 1):
                f.seek(offset + g * half)
                f.write(os.urandom(GEN_HEADER))
            f.flush()
            os.fsync(f.fileno())
            pos, end = offset, offset + length
            while pos < end:
                n = min(1 << 20, end - pos)
                f.seek(pos)
                f.write(os.urandom(n))
                pos += n
            f.flush()
            os.fsync(f.fileno())
        comp.key = bytes(32)
        comp.state = {}
