"""The source's vault: one fixed-size file that looks like random noise (THREAT_MODEL A1, A2, A12).

Layout of a vault of ``N`` bytes (nothing marks any boundary; every byte starts random)::

    [0, 16)                       salt for Argon2id
    [16, 16 + 8*80)               8 passphrase slots of 80 bytes
    [HEAD, HEAD + P)              compartment 0 ("primary"): two generations of P/2 bytes
    [HEAD + P, N)                 compartment 1 ("secondary", 1/16 of the space): two generations

* **Unlock** derives one 32-byte key ``K = Argon2id(passphrase, salt)`` (libsodium
  ``crypto_pwhash``, 64 MiB, 2 passes, RFC 9106) and then *always* tries all eight slots:
  slot ``i`` is ``nonce (24) || XChaCha20-Poly1305(K, nonce, aad = "tysha-vault-slot" || i)``
  of ``compartment key (32) || compartment number (1) || vault size (7, big-endian)`` (slots
  of the first format hold 7 zero bytes there: size unknown). A right, a decoy and a
  wrong passphrase cost the same Argon2id and the same eight trial decryptions. Unused slots
  are random bytes, indistinguishable from used ones.
* **A compartment** is stored twice (two generations, for crash safety). A generation starts
  with ``nonce (24) || XChaCha20-Poly1305(Kh, nonce, aad = "tysha-vault-gen" || c || g)`` of
  ``sequence (8) || length (8) || saved hour (8) || format (1) || reports made (7)`` and is
  followed by
  ``nonce (24) || XChaCha20-Poly1305(Kb, nonce, aad = "tysha-vault-body" || c || g ||
  sequence)`` of the compartment's state (deterministic CBOR). XChaCha20-Poly1305 is libsodium's
  (draft-irtf-cfrg-xchacha, over RFC 8439). ``Kh`` and ``Kb`` are BLAKE2b-derived from
  the compartment key (libsodium ``crypto_kdf``-style keyed hashing, RFC 7693). A save writes
  the *older* generation with ``sequence + 1`` and fsyncs; a power cut mid-write leaves that
  generation undecryptable and the other one intact, so opening always finds the old or the
  new state, never a corrupt one. A new compartment is saved twice, so both generations are
  always written and an unreadable one is never "not written yet".
* **Purge** overwrites the compartment's slot and both generation headers with random bytes
  and fsyncs (instant), then overwrites the rest of its area with random bytes. The file keeps
  its size; the other compartment (the decoy) still opens.
* **Creation** fills a part file beside the target (``.<name>.<random>.part``, mode 0600,
  made with ``O_EXCL``) with random bytes, writes the first compartment into it, fsyncs, and
  only then links it to the final name (``link``: never replaces an existing file). An
  interrupted ``create`` (Ctrl-C, SIGTERM, a full card) removes the part file, so nothing is
  left at the final name; a part file that a killed creation left (SIGKILL, a power cut; it
  holds only random bytes and ciphertext) is deleted by the next creation of that name.
* **Which compartments may be written.** What is live can't be read from the file (an unused
  slot is random, like a used one), so a compartment is added only where nothing live can be
  lost: into a vault this very object created (it knows what it made), or else only the
  secondary compartment (the decoy), and only by the holder of the unlocked *primary* one.
  Replacing the decoy first overwrites every slot but the primary's with random bytes, so each
  passphrase of the old decoy then opens nothing, the answer of any wrong passphrase, never
  "damaged". The decoy's holder can't tell whether a primary compartment is live (purged, or
  never shown to it), so from a decoy nothing is added: it gets :data:`NO_ROOM`, the same
  sentence every refusal to add gives, which says nothing about other compartments.

Honest limits: this defends against one snapshot of the file. Someone who images the device
several times can see which regions changed; flash storage may keep old blocks after an
overwrite. Upload-then-delete is the real protection: what has left the device can't be read
back from it.

* **Size.** A vault is a whole number of 64 KiB blocks, at least 1 MiB. The size it was
  created with is also sealed into each of its slots, so a file that was cut short or extended
  (a bad copy, a full card) is refused before anything is read or written, with a message that
  says so; nothing is "repaired" by guessing a layout.

Damage, and what can honestly be said about it (issue 10.3)
----------------------------------------------------------
The rule that must not break: to someone *without* the right passphrase, a vault with damage
and a wrong passphrase look the same, because every byte of the file is random to them.

* **The salt or the slot is damaged.** The Argon2id key then opens no slot, exactly as for a
  wrong passphrase. Telling these apart would need something recognisable in the file (a
  checksum or a second copy of the salt is a marker: a random file has neither), so by design
  they can't be told apart. The message says both possibilities, for every passphrase that
  opens nothing, so it reveals nothing about this file.
* **The slot opens** (the passphrase is right): from here on, everything is authenticated
  under a key only that passphrase reaches, so damage is *provable* and is reported:

  - both generations fail: "the passphrase is right but the contents are damaged";
  - the header of a generation authenticates with a *higher* sequence number than the
    generation that opens, but its body does not: the newest save is damaged. A power cut can
    never produce this (a save writes and fsyncs the body before the header), so it is damage.
    The header (sealed) also carries the hour of that save and the number of reports made by
    then, so the message can say "the previous save from <hour> was opened; N reports written
    since are lost";
  - a generation whose header does not authenticate at all: a power cut during that very
    header write or damage; which of the two was newer can't be known. The message says the
    other save (from <hour>) was opened and anything done after that hour may be missing;
  - an *older* generation (its header authenticates with a lower sequence number) whose body
    fails is what a power cut in the middle of a save leaves: nothing that was acknowledged is
    lost and the next save overwrites it, so nothing is said.

  Only a holder of the passphrase ever sees these messages; a decoy passphrase sees only its
  own compartment.

Headers of the first format (16 bytes of plaintext: sequence and length; 56 bytes on disk)
are still read; they carry no hour or count, so their messages say less.

Format
------
The byte after the saved hour is the save's format: :data:`FORMAT` (0) for every vault so far
(headers before it was named held the top byte of the count of reports there, always 0, so
they read as format 0, and the Tysha of before reads what this one writes). A later Tysha that
lays out or encodes a save differently keeps this header (its 72 bytes, its associated data,
the format in this byte) and writes a higher number; this one then refuses the vault in plain
words ("written by a newer Tysha", :func:`refuse_newer`), before its body is read and without
writing anything, instead of calling a body it can't decode damaged. A purge still destroys
it. The first format's 56-byte headers are format 0 too.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import struct
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tysha.errors import (
    BadInput,
    BadPassphrase,
    ConfigError,
    NotFound,
    ProtocolError,
    StorageError,
    TyshaError,
    VerificationError,
)
from tysha.protocol import atrest as _atrest
from tysha.protocol import cbor_decode, cbor_encode
from tysha.store.partfiles import fsync_path, link_new, remove_stale_parts

__all__ = [
    "BLOCK",
    "BUSY",
    "DEFAULT_SIZE",
    "FORMAT",
    "MIN_SIZE",
    "NO_ROOM",
    "PRIMARY",
    "SECONDARY",
    "STATE_VERSION",
    "Compartment",
    "Vault",
    "check_size",
    "no_room",
    "parse_size",
    "refuse_newer",
]

DEFAULT_SIZE = 64 * 1024 * 1024
MIN_SIZE = 1024 * 1024
BLOCK = 64 * 1024
SALT = 16
SLOTS = 8
SLOT_SIZE = 80
HEAD = SALT + SLOTS * SLOT_SIZE
NONCE = 24
TAG = 16
HEADER_PT = 32
GEN_HEADER = NONCE + HEADER_PT + TAG
OLD_GEN_HEADER = NONCE + 16 + TAG  # first format: sequence and length only

NOTHING_OPENS = (
    "this passphrase opens nothing in this vault: either it is not the passphrase of this "
    "vault, or the start of the file (where the keys are kept) is damaged; the two can't be "
    "told apart, by design"
)
NOTHING_OPENS_HINT = (
    "type it again carefully (TYSHA_PASSPHRASE for scripts); if you are sure of it, keep the "
    "file unchanged and tell your contact in person"
)
# Every refusal to add a passphrase says this and nothing else: asked from the decoy, the
# answer must not tell that another compartment may exist (THREAT_MODEL A12).
NO_ROOM = "this vault has no room for another passphrase; nothing was changed"
BUSY = (
    "another tysha command is using this vault right now (a send can take a while); "
    "nothing was changed"
)
PRIMARY, SECONDARY = 0, 1  # the compartment `source init` makes; the decoy's


#: The format of a compartment's state (its ``v``); a vault of a later one is refused.
STATE_VERSION = 1
#: The format of a save, in every save header (module docstring, Format); a later one is refused.
FORMAT = 0


def refuse_newer(comp: Compartment) -> None:
    """Refuse (``StorageError``) a compartment a newer Tysha wrote: a later format is never
    read, nor anything written into its vault, as this one's (purging it still works)."""
    version = comp.state.get("v", 1)
    if comp.format > FORMAT or (isinstance(version, int) and version > STATE_VERSION):
        raise StorageError(
            "this vault was written by a newer Tysha; nothing was read or changed",
            hint="open it with the Tysha that wrote it, or a later one",
        )


def no_room() -> ConfigError:
    """The refusal to add a passphrase, always the same sentence and no hint."""
    return ConfigError(NO_ROOM, hint="")


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
        raise BadInput(f"cannot read the size {text!r} (say e.g. 64MiB)") from None


def check_size(size: int) -> None:
    """Refuse a size no vault can have (``BadInput``)."""
    if size < MIN_SIZE or size % BLOCK:
        raise BadInput(
            f"a vault is a whole number of 64 KiB blocks and at least {MIN_SIZE >> 20} MiB; "
            f"{size} bytes is not (say e.g. 64MiB)"
        )


def _hour(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:00 UTC")


# The at-rest construction is the pure core's (tysha.protocol.atrest: documented, with
# vectors); the vault only draws the nonce and treats "does not open" as "not this slot".
def _derive(key: bytes, label: bytes) -> bytes:
    return _atrest.derive_key(key, label, _atrest.VAULT_PERSON)


def _seal(key: bytes, aad: bytes, pt: bytes) -> bytes:
    return _atrest.seal(key, aad, pt, os.urandom(NONCE))


def _open(key: bytes, aad: bytes, blob: bytes) -> bytes | None:
    try:
        return _atrest.open_sealed(key, aad, blob)
    except (VerificationError, ProtocolError):
        return None


def _layout(size: int) -> list[tuple[int, int]]:
    """(offset, length) of compartments 0 and 1."""
    body = size - HEAD
    secondary = max(body // 16, 128 * 1024)
    primary = body - secondary
    return [(HEAD, primary), (HEAD + primary, secondary)]


@dataclass
class Compartment:
    """An unlocked compartment: its number, slot, key and state (a dict of CBOR values).

    ``damage`` is a sentence for the user when the newest save could not be read and an older
    one was opened (None when all is well); ``size`` is the vault size sealed in the slot (0
    for slots of the first format, which did not record it); ``format`` is its newest save's
    (above :data:`FORMAT`: a later Tysha's, whose ``state`` is not read and stays empty)."""

    number: int
    slot: int
    key: bytes
    state: dict[str, Any]
    seq: int
    generation: int
    damage: str | None = None
    size: int = 0
    format: int = FORMAT


@dataclass
class _Gen:
    """What one generation shows: its header (if it authenticates) and its state (if whole)."""

    base: int = 0
    hlen: int = GEN_HEADER
    blen: int = 0
    header_ok: bool = False
    seq: int = 0
    saved: int = 0
    made: int = -1
    format: int = FORMAT
    state: dict[str, Any] | None = None


def _made(state: dict[str, Any]) -> int:
    made = state.get("made", 0)
    return made if isinstance(made, int) and 0 <= made < 1 << 56 else 0  # 7 bytes


class Vault:
    """A vault file. Nothing but this one file is ever written."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self.clock = clock
        # compartment -> slot of what this object made in a vault it created (it then knows
        # everything live); None for a vault it opened, whose live compartments can't be known.
        self._made: dict[int, int] | None = None
        self._hold: int | None = None  # the descriptor that holds the lock (hold)

    # --- creation --------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: Path,
        size: int = DEFAULT_SIZE,
        passphrase: str | None = None,
        state: dict[str, Any] | None = None,
    ) -> Vault:
        """A new vault of ``size`` random bytes at ``path``, with the primary compartment behind
        ``passphrase`` (holding ``state``) when one is given. Nothing is at ``path`` until it
        is whole: it is made as a part file beside it and linked into place, and the part file
        is removed however this ends (an error, Ctrl-C, SIGTERM)."""
        path = Path(path)
        check_size(size)
        if path.exists():
            raise ConfigError(f"{path.name} already exists; refusing to overwrite it")
        prefix = f".{path.name}."
        remove_stale_parts(path.parent, prefix)
        try:
            fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".part", dir=path.parent)
        except OSError as exc:
            raise StorageError(f"cannot create the vault: {exc.strerror}") from None
        try:
            with os.fdopen(fd, "wb") as f:
                # Held until the part file is gone: a creation running in parallel leaves it.
                fcntl.flock(f, fcntl.LOCK_EX)
                left = size
                while left:
                    n = min(left, 1 << 20)
                    f.write(os.urandom(n))
                    left -= n
                f.flush()
                os.fsync(f.fileno())
                part = cls(Path(tmp))
                part._made = {}
                if passphrase is not None:
                    part.add_compartment(passphrase, PRIMARY, state or {})
                _place(Path(tmp), path)
        except OSError as exc:
            raise StorageError(f"cannot create the vault: {exc.strerror}") from None
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        made = cls(path)
        made._made = part._made
        return made

    # --- low-level I/O ---------------------------------------------------------------------

    def size(self) -> int:
        import stat

        try:
            st = self.path.stat()
        except FileNotFoundError:
            raise NotFound(
                f"the vault {self.path} does not exist",
                hint="check the path and its spelling; a new vault is made with "
                "`tysha source init`",
            ) from None
        except OSError:
            raise StorageError(f"cannot read the vault {self.path.name}") from None
        if stat.S_ISDIR(st.st_mode):
            raise BadInput(
                f"{self.path} is a folder, not a file",
                hint="give the path of the vault file itself (--vault FILE)",
            )
        return st.st_size

    def checked_size(self) -> int:
        """The file's size, refused (``StorageError``) when no vault can have it."""
        size = self.size()
        try:
            check_size(size)
        except BadInput:
            raise StorageError(
                f"the vault file has the wrong size ({size} bytes; a vault is a whole number "
                "of 64 KiB blocks): it was probably cut short or extended when copied or "
                "stored. Nothing was read or changed",
                hint="put back the copy you made before, or keep this file unchanged and tell "
                "your contact in person",
            ) from None
        return size

    @contextlib.contextmanager
    def _file(self, write: bool = False) -> Iterator[Any]:
        try:
            f = open(self.path, "r+b" if write else "rb")  # noqa: SIM115
        except OSError as exc:
            raise StorageError(f"cannot open the vault {self.path.name}: {exc.strerror}") from None
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

    # --- one command at a time -------------------------------------------------------------

    def hold(self) -> None:
        """Keep every other command out of this vault until :meth:`release` (or this process
        ends). A command reads the state, works (a send can take minutes) and saves what it
        read plus its own change: two at once and the later save wipes out what the earlier
        one saved (a report written during a send). Taken at once or refused with
        :data:`BUSY` (``StorageError``), never waited for. It is an advisory lock (``flock``)
        on the vault file itself, so nothing is written anywhere; storage that has no locks
        goes without."""
        if self._hold is not None:
            return
        self.size()  # NotFound / a folder, in the usual words
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError as exc:
            raise StorageError(f"cannot open the vault {self.path.name}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StorageError(
                BUSY, hint="run this again when the other command has ended"
            ) from None
        except OSError:
            pass  # no locks on this storage
        self._hold = fd

    def release(self) -> None:
        """Let other commands in again (:meth:`hold`)."""
        fd, self._hold = self._hold, None
        if fd is not None:
            os.close(fd)

    # --- unlock ----------------------------------------------------------------------------

    def _master(self, f: Any, passphrase: str) -> bytes:
        if not passphrase:
            raise BadPassphrase("an empty passphrase opens nothing")
        salt = self._read(f, 0, SALT)
        # Argon2id, 64 MiB and 2 passes: the same cost as the desk's key file.
        return _atrest.passphrase_key(passphrase, salt)

    def _slots(self, f: Any, master: bytes) -> list[tuple[int, bytes, int, int]]:
        """Try all eight slots; return every (slot, key, compartment, size) that opens."""
        table = self._read(f, SALT, SLOTS * SLOT_SIZE)
        found = []
        for i in range(SLOTS):
            blob = table[i * SLOT_SIZE : (i + 1) * SLOT_SIZE]
            pt = _open(master, b"tysha-vault-slot" + bytes((i,)), blob)
            if pt is not None and len(pt) == 40:
                found.append((i, pt[:32], pt[32], int.from_bytes(pt[33:40], "big")))
        return found

    def unlock(self, passphrase: str) -> Compartment:
        """Open the compartment of ``passphrase``.

        ``BadPassphrase`` if it opens no slot (wrong passphrase or damaged key area: these
        can't be told apart); ``StorageError`` if it opens a slot whose contents are damaged
        beyond use, or the file's size differs from the one sealed in the slot. When an older
        save had to be used, the compartment's ``damage`` says so."""
        size = self.checked_size()
        with self._file() as f:
            master = self._master(f, passphrase)
            found = self._slots(f, master)
            loaded = []
            for slot, key, number, recorded in found:
                if number not in (0, 1):
                    continue
                if recorded and recorded != size:
                    raise StorageError(
                        f"the vault file was {recorded} bytes when it was made and is now "
                        f"{size}: it was cut short or extended. Nothing was read or changed",
                        hint="put back the copy you made before, or keep this file "
                        "unchanged and tell your contact in person",
                    )
                loaded.append(self._load(f, size, slot, key, number, recorded))
        for c in loaded:
            if c is not None:
                return c
        if loaded:
            raise StorageError(
                "the passphrase is right, but both saves of this vault's contents are "
                "damaged and nothing in them can be read",
                hint="keep the file unchanged (a copy made before may still open) and tell "
                "your contact in person which reports you had not sent yet",
            )
        raise BadPassphrase(NOTHING_OPENS, hint=NOTHING_OPENS_HINT)

    def unlock_to_purge(self, passphrase: str) -> Compartment:
        """The compartment of ``passphrase``, for :meth:`purge` alone: its slot, key and number
        (state empty), whatever became of the rest of the file (both saves damaged, the size
        changed, a later format). The key opens what is left of the ciphertext for whoever is
        made to type the passphrase, so such a vault is destroyed as any other. The same work
        as :meth:`unlock` (Argon2id, all eight slots); ``BadPassphrase`` when no slot opens."""
        self.size()  # NotFound / a folder, in the usual words
        with self._file() as f:
            master = self._master(f, passphrase)
            found = [s for s in self._slots(f, master) if s[2] in (PRIMARY, SECONDARY)]
        if not found:
            raise BadPassphrase(NOTHING_OPENS, hint=NOTHING_OPENS_HINT)
        slot, key, number, recorded = found[0]
        return Compartment(number, slot, key, {}, 0, 0, size=recorded)

    def _header(self, f: Any, base: int, number: int, g: int, kh: bytes) -> _Gen:
        out = _Gen(base=base)
        raw = self._read(f, base, GEN_HEADER)
        aad = b"tysha-vault-gen" + bytes((number, g))
        head = _open(kh, aad, raw)
        out.hlen = GEN_HEADER
        if head is None:
            head, out.hlen = _open(kh, aad, raw[:OLD_GEN_HEADER]), OLD_GEN_HEADER
        if head is None:
            return out
        out.header_ok = True
        out.seq, out.blen = struct.unpack(">QQ", head[:16])
        if len(head) == HEADER_PT:
            (out.saved,) = struct.unpack(">Q", head[16:24])
            out.format, out.made = head[24], int.from_bytes(head[25:32], "big")
        return out

    def _body(
        self, f: Any, gen: _Gen, half: int, number: int, g: int, kb: bytes, size: int
    ) -> None:
        """Fill ``gen.state`` when its body is whole (authenticates and decodes to a map)."""
        if gen.blen > half - gen.hlen:
            return
        body = _open(
            kb,
            b"tysha-vault-body" + bytes((number, g)) + struct.pack(">Q", gen.seq),
            self._read(f, gen.base + gen.hlen, gen.blen),
        )
        if body is None:
            return
        try:
            state = cbor_decode(body, max_bytes=size, max_items=1 << 20, max_depth=12)
        except TyshaError:
            return
        if isinstance(state, dict):
            gen.state = {str(k): v for k, v in state.items()}

    def _load(
        self, f: Any, size: int, slot: int, key: bytes, number: int, recorded: int
    ) -> Compartment | None:
        offset, length = _layout(size)[number]
        half = length // 2
        kh, kb = _derive(key, b"header"), _derive(key, b"body")
        gens = [self._header(f, offset + g * half, number, g, kh) for g in (0, 1)]
        # Newest first; the older body is read only when the newer one is not whole (what
        # is said about an older generation needs its header alone).
        for g in sorted((g for g in (0, 1) if gens[g].header_ok), key=lambda g: -gens[g].seq):
            if gens[g].format > FORMAT:
                # A later Tysha's save: its body is not read as this one's (refuse_newer
                # refuses the compartment; a purge still destroys it).
                return Compartment(
                    number, slot, key, {}, gens[g].seq, g, size=recorded, format=gens[g].format
                )
            self._body(f, gens[g], half, number, g, kb, size)
            if gens[g].state is not None:
                break
        whole = [(gen.seq, g) for g, gen in enumerate(gens) if gen.state is not None]
        if not whole:
            return None
        seq, g = max(whole)
        good, other = gens[g], gens[1 - g]
        damage = None
        when = _hour(good.saved) if good.saved else "an earlier time"
        if other.state is None and other.header_ok and other.seq > seq:
            # A save fsyncs its body before writing its header: a header newer than every
            # readable body is damage, never a power cut.
            lost = other.made - good.made if other.made >= 0 and good.made >= 0 else None
            if lost is None:
                lost_txt = "whether reports were written since then can't be known"
            elif lost <= 0:
                lost_txt = "no report was written since then"
            else:
                lost_txt = f"{lost} report(s) written since then are lost (write them again)"
            newest = _hour(other.saved) if other.saved else "later"
            damage = (
                f"the newest save of this vault (from {newest}) is damaged; the previous one, "
                f"from {when}, was opened; {lost_txt}. "
                "Anything else done after that hour may be missing too"
            )
        elif not other.header_ok:
            damage = (
                f"one of the vault's two saves can't be read (damage, or a save cut short by a "
                f"power loss); the other one, from {when}, was opened. Anything done after "
                "that hour may be missing: check the outbox and write again what is not there"
            )
        return Compartment(
            number, slot, key, good.state or {}, seq, g, damage=damage, size=recorded
        )

    # --- writing ---------------------------------------------------------------------------

    def capacity(self, number: int) -> int:
        """Bytes of state a compartment can hold."""
        _, length = _layout(self.size())[number]
        return length // 2 - GEN_HEADER - NONCE - TAG

    def check_room(self, comp: Compartment, extra: int) -> None:
        """Refuse (``StorageError``, the vault is full) to add ``extra`` bytes to the state of
        ``comp``, before they are read: a video larger than the vault is said to be so at
        once, not after it was read and sealed in memory."""
        self._room(comp, len(cbor_encode(comp.state)) + extra)

    def _room(self, comp: Compartment, need: int) -> None:
        have = self.capacity(comp.number)
        if need > have:
            raise StorageError(
                f"the vault is full: this needs {need // 1024} KiB, the compartment "
                f"holds {have // 1024} KiB; send what waits, or make a larger vault",
                hint="nothing was changed",  # refused before a byte is written
            )

    def save(self, comp: Compartment) -> None:
        """Write the compartment's state into its older generation, then fsync."""
        if comp.format > FORMAT:  # never this Tysha's idea of a state over a later save
            refuse_newer(comp)
        size = self.checked_size()
        if comp.size and comp.size != size:
            raise StorageError(
                f"the vault file was {comp.size} bytes when it was made and is now {size}: "
                "refusing to write into it",
                hint="put back the copy you made before, or tell your contact in person",
            )
        body_pt = cbor_encode(comp.state)
        offset, length = _layout(size)[comp.number]
        half = length // 2
        self._room(comp, len(body_pt))
        g = 1 - comp.generation
        seq = comp.seq + 1
        kh, kb = _derive(comp.key, b"header"), _derive(comp.key, b"body")
        body = _seal(
            kb, b"tysha-vault-body" + bytes((comp.number, g)) + struct.pack(">Q", seq), body_pt
        )
        saved = int(self.clock()) // 3600 * 3600  # to the hour, like every time in the vault
        head = _seal(
            kh,
            b"tysha-vault-gen" + bytes((comp.number, g)),
            struct.pack(">QQQ", seq, len(body), saved)
            + bytes((FORMAT,))
            + _made(comp.state).to_bytes(7, "big"),
        )
        base = offset + g * half
        try:
            with self._file(write=True) as f:
                # Body first, header last: until the header lands, this generation stays
                # invalid and the other one is what opens.
                f.seek(base + GEN_HEADER)
                f.write(body)
                f.flush()
                os.fsync(f.fileno())
                f.seek(base)
                f.write(head)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:  # a full or failing card: the other generation still opens
            raise StorageError(
                f"the vault {self.path.name} could not be saved (the save before is kept): "
                f"{exc.strerror}",
                hint="free some space on this device, or copy the vault to other storage, "
                "and try again",
            ) from None
        comp.seq, comp.generation = seq, g
        comp.damage = None

    def add_compartment(
        self,
        passphrase: str,
        number: int,
        state: dict[str, Any],
        avoid_slots: set[int] = frozenset(),  # type: ignore[assignment]
        *,
        owner: Compartment | None = None,
    ) -> Compartment:
        """Create compartment ``number`` behind ``passphrase``, in a slot of no live passphrase.

        Allowed only where nothing live can be lost (module docstring): in a vault this object
        created, a compartment it has not made (``avoid_slots``: slots to keep as well); in any
        other vault, the secondary compartment only, for ``owner``, the unlocked primary one.
        Every slot that belongs to no compartment kept is first overwritten with random bytes,
        so the passphrases of a compartment being replaced then open nothing. Anything else is
        refused with :data:`NO_ROOM` (``ConfigError``), before anything is written."""
        size = self.checked_size()
        known = dict(self._made) if self._made is not None else None
        if owner is not None:
            if known is None and (owner.number != PRIMARY or not any(owner.key)):
                raise no_room()  # the primary compartment may be live
            known = {**(known or {}), owner.number: owner.slot}
        if known is None or number in known or number not in (PRIMARY, SECONDARY):
            raise no_room()
        keep = set(known.values()) | set(avoid_slots)
        free = [i for i in range(SLOTS) if i not in keep]
        if not free:
            raise no_room()
        with self._file() as f:
            master = self._master(f, passphrase)
            if any(found[0] in keep for found in self._slots(f, master)):
                raise ConfigError("that passphrase is already in use in this vault; choose another")
        slot = free[int.from_bytes(os.urandom(2), "big") % len(free)]
        key = os.urandom(32)
        blob = _seal(
            master,
            b"tysha-vault-slot" + bytes((slot,)),
            key + bytes((number,)) + size.to_bytes(7, "big"),
        )
        assert len(blob) == SLOT_SIZE
        with self._file(write=True) as f:
            # First the slots of what is replaced: from here on its passphrases open nothing
            # (not "damaged", which would tell a coercer the compartment was there).
            for i in free:
                f.seek(SALT + i * SLOT_SIZE)
                f.write(os.urandom(SLOT_SIZE))
            f.flush()
            os.fsync(f.fileno())
        comp = Compartment(number, slot, key, state, 0, 1, size=size)
        # Both generations are written (sequences 1 and 2), so from the start an unreadable
        # generation always means damage or a cut save, never "not written yet".
        self.save(comp)
        self.save(comp)
        with self._file(write=True) as f:
            f.seek(SALT + slot * SLOT_SIZE)
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        if self._made is not None:
            self._made[number] = slot
        return comp

    def purge(self, comp: Compartment) -> None:
        """Destroy a compartment in place: key material first (fsync), then its whole area.

        The area is where the vault was made to have it (the size sealed in the slot), also in
        a file cut short or extended since (:meth:`unlock_to_purge`): what of it the file holds
        is overwritten, and the file keeps the size it has."""
        size = self.size()
        offset, length = _layout(comp.size or size)[comp.number]
        half = length // 2
        try:
            with self._file(write=True) as f:
                f.seek(SALT + comp.slot * SLOT_SIZE)
                f.write(os.urandom(SLOT_SIZE))
                for g in (0, 1):
                    at = offset + g * half
                    if at < size:
                        f.seek(at)
                        f.write(os.urandom(min(GEN_HEADER, size - at)))
                f.flush()
                os.fsync(f.fileno())
                pos, end = offset, min(offset + length, size)
                while pos < end:
                    n = min(1 << 20, end - pos)
                    f.seek(pos)
                    f.write(os.urandom(n))
                    pos += n
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            # Whether the keys were already overwritten can't be known from here.
            raise StorageError(
                f"the purge of {self.path.name} did not finish: {exc.strerror}",
                hint="run it again: if the passphrase then opens nothing, the contents are "
                "already destroyed",
            ) from None
        comp.key = bytes(32)
        comp.state = {}
        if self._made is not None and self._made.get(comp.number) == comp.slot:
            del self._made[comp.number]


def _place(part: Path, path: Path) -> None:
    """Give the whole part file its final name without ever replacing a file there."""
    link_new(part, path)
    with contextlib.suppress(OSError):  # the new name itself made durable
        fsync_path(path.parent)
