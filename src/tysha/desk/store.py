"""The desk's local store: keys and reports encrypted at rest, in SQLite and a blob folder.

Why encrypted columns and blobs rather than SQLCipher: SQLCipher needs a system library or a
wheel that is not on every machine; per-item AEAD needs only libsodium, keeps each item bound
to its row (the row id is the associated data, so rows cannot be swapped) and lets big
attachments stream through a chunked AEAD instead of living inside the database.

The concerns live in their own modules; this one composes them:

* :mod:`~tysha.desk.keyfile` — ``desk.json``, the identity sealed under Argon2id;
* :mod:`~tysha.desk.atrest` — the one at-rest sealing construction (keyed BLAKE2b subkeys,
  XChaCha20-Poly1305 with the row as associated data);
* :mod:`~tysha.desk.table` — a generic sealed table of typed records
  (:mod:`~tysha.desk.models`);
* :mod:`~tysha.desk.blobs` — attachments as chunked AEAD streams;
* :mod:`~tysha.desk.sources` — pseudonyms and finding a source;
* custody (:mod:`tysha.evidence.custody`) — signed, hash-chained events.

Without the passphrase nothing in the desk folder is readable: not report text, not
attachment bytes, not source names, not queued replies. In clear: row ids (random), the
second a report arrived, opaque blob names, the SHA-256 of a source's signing key and of
an invitation's secret (lookup columns).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tysha.desk import sources as _sources
from tysha.desk.atrest import derive
from tysha.desk.blobs import BlobStore, BlobWriter
from tysha.desk.keyfile import (
    KeyFile,
    make_desk_folder,
    new_keyfile,
    read_keyfile,
    write_keyfile,
)
from tysha.desk.models import (
    STATUSES,
    DropState,
    Invitation,
    OutboxItem,
    QuarantineRecord,
    Report,
    Source,
    url_key,
)
from tysha.desk.table import SealedTable
from tysha.errors import (
    BadInput,
    NotAllowed,
    NotFound,
    ProtocolError,
    StorageError,
    VerificationError,
)
from tysha.evidence.incident import Incident
from tysha.protocol import Identity, PublicIdentity
from tysha.store.partfiles import fsync_path, write_replacing

__all__ = [
    "INVITATION_DAYS",
    "STATUSES",
    "BlobWriter",
    "DeskStore",
    "DropState",
    "Invitation",
    "Report",
    "Source",
    "backup_desk",
    "init_desk",
    "now_iso",
]

#: The schema this code writes. Version 1 desks lack ``outbox`` and ``quarantine``, version 2
#: desks ``incidents`` (issue 12); opening one adds them (tables are only ever added, so an
#: older desk opens as it was).
SCHEMA_VERSION = 3
_SCHEMA = """
    CREATE TABLE IF NOT EXISTS reports
        (id TEXT PRIMARY KEY, received TEXT, digest BLOB UNIQUE, enc BLOB);
    CREATE TABLE IF NOT EXISTS sources (id TEXT PRIMARY KEY, sign BLOB UNIQUE, enc BLOB);
    CREATE TABLE IF NOT EXISTS invitations (id TEXT PRIMARY KEY, secret_hash BLOB UNIQUE, enc BLOB);
    CREATE TABLE IF NOT EXISTS drops (url_hash BLOB PRIMARY KEY, enc BLOB);
    CREATE TABLE IF NOT EXISTS custody (seq INTEGER PRIMARY KEY, enc BLOB);
    CREATE TABLE IF NOT EXISTS custody_link (report TEXT PRIMARY KEY, seq INTEGER);
    CREATE TABLE IF NOT EXISTS custody_anchor (size INTEGER PRIMARY KEY, digest BLOB, enc BLOB);
    CREATE TABLE IF NOT EXISTS settings (k TEXT PRIMARY KEY, enc BLOB);
    CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, enc BLOB);
    CREATE TABLE IF NOT EXISTS quarantine (id TEXT PRIMARY KEY, enc BLOB);
    CREATE TABLE IF NOT EXISTS incidents (id TEXT PRIMARY KEY, enc BLOB);
"""


#: How long an invitation enrols the key of its first report, unless said (desk invite
#: --valid-days), and the longest it may: a code photographed or left on a phone is no way in
#: for ever.
INVITATION_DAYS = 14
MAX_INVITATION_DAYS = 366


def _second(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _day(value: object) -> str:
    """The date a stored time starts with (``YYYY-MM-DD``), or "" when it does not start with
    one (a reporter's "when" may be words: "вчора ввечері")."""
    day = value[:10] if isinstance(value, str) else ""
    try:
        return _dt.date.fromisoformat(day).isoformat() if len(day) == 10 else ""
    except ValueError:
        return ""


def now_iso() -> str:
    """Now, UTC, to the second, with its zone (every time the desk stores looks like this)."""
    return _second(time.time())


#: The database's name while init makes it: renamed to ``desk.db`` once the key file is on
#: disk, so a ``desk.db`` is always a desk's, and a ``desk.db.init`` never holds anything
#: that was handed out (SQLite's ``-wal`` and ``-shm`` files go with it).
_DB, _DB_INIT = "desk.db", "desk.db.init"
_DB_SUFFIXES = ("", "-wal", "-shm")


#: The desk setting: after a fetch, the custody head is anchored in a drop's log once this many
#: custody events are unanchored (0 or absent: only ``tysha desk anchor`` anchors). Off for a new
#: desk too (docs/CLI.md, ``desk anchor --every``): each anchor stays in the drop's log until its
#: retention ends it, and a fetch whose anchor fails exits 1; the handler switches it on.
ANCHOR_EVERY = "anchor_every"


def init_desk(
    desk_dir: Path, name: str, passphrase: str, role: str = "handler", escrow_key: str | None = None
) -> Identity:
    """Create a desk: keys sealed under ``passphrase`` and an empty store.

    A folder holds a desk once ``desk.json`` is there; the database is made under a name of
    its own first and given its name after the key file is on disk, so an init stopped at
    any point (Ctrl-C, a full disk, a power cut) leaves no desk, or one the next open
    finishes. A folder holding a desk's database is never made into a new desk."""
    desk_dir = Path(desk_dir)
    if (desk_dir / "desk.json").exists() or (desk_dir / "desk.json").is_symlink():
        raise NotAllowed(
            f"{desk_dir} already holds a desk",
            hint="nothing was changed; use that desk with --desk, or choose another folder for "
            "a new desk",
        )
    if (desk_dir / "log.key").exists():  # a drop's folder: the untrusted server's, not a desk's
        raise NotAllowed(
            f"{desk_dir} holds a drop; a desk needs a folder of its own",
            hint="nothing was changed; choose another folder",
        )
    # A write-ahead log left without its database is a desk's too (its last commits), and
    # SQLite would replay it into a new database of the same name.
    if any((desk_dir / (_DB + x)).exists() or (desk_dir / (_DB + x)).is_symlink()
           for x in ("", "-wal")):  # fmt: skip
        raise NotAllowed(
            f"{desk_dir} holds a desk's database (desk.db) without its key file (desk.json): "
            "restore desk.json from your backup; a new desk is never made over it"
        )
    kf, ident = new_keyfile(name, passphrase, role, escrow_key)
    make_desk_folder(desk_dir)
    try:
        for suffix in _DB_SUFFIXES:  # what an init stopped before its key file left
            (desk_dir / (_DB_INIT + suffix)).unlink(missing_ok=True)
    except OSError:
        raise StorageError(f"cannot create the desk folder {desk_dir.name}") from None
    store = DeskStore(desk_dir, kf, ident, db_name=_DB_INIT)
    try:
        store.custody("desk-created", None, {"name": name, "role": role})
        store.checkpoint()
    finally:
        store.close()
    write_keyfile(desk_dir, kf)
    _finish_init(desk_dir)
    return ident


def backup_desk(desk_dir: Path, to: Path) -> int:
    """Copy the desk in ``desk_dir`` into the new or empty folder ``to``, consistent at one
    moment even while the desk serves or fetches: the database through SQLite's backup
    (what its write-ahead log holds included), then the attachment blobs and sealed files
    (every blob the copied database names was on disk before it), the key file last - a
    folder is a desk once ``desk.json`` is in it, so a backup cut short is none. Nothing is
    decrypted: no passphrase is needed, and the copy is as sealed as the desk. Returns the
    number of files copied besides the database and the key file."""
    import shutil

    desk_dir, to = Path(desk_dir), Path(to)
    if not (desk_dir / "desk.json").is_file() or not (desk_dir / _DB).is_file():
        raise NotFound(f"{desk_dir} is not a desk folder (it lacks desk.json or desk.db)")
    try:
        taken = to.exists() and (not to.is_dir() or any(to.iterdir()))
    except OSError:
        taken = True
    if taken:
        raise NotAllowed(
            f"{to} is not empty; a backup is written into a new or empty folder",
            hint="nothing was changed; choose another folder",
        )
    make_desk_folder(to)
    part = to / (_DB + ".part")
    try:
        source = sqlite3.connect(
            (desk_dir / _DB).resolve().as_uri() + "?mode=rw", uri=True, timeout=30
        )
        try:
            copy = sqlite3.connect(part)
            try:
                source.backup(copy)  # in one step: one consistent moment
            finally:
                copy.close()
        finally:
            source.close()
        _fsync_file(part)
        os.replace(part, to / _DB)
        copied = 0
        names = [p for p in sorted(desk_dir.iterdir()) if p.is_file() and not
                 p.name.startswith((_DB, _DB_INIT)) and p.name != "desk.json"]  # fmt: skip
        blobs = desk_dir / "blobs"
        if blobs.is_dir():
            (to / "blobs").mkdir(mode=0o700, exist_ok=True)
            names += [p for p in sorted(blobs.iterdir()) if p.is_file()]
        for src in names:
            dst = to / src.relative_to(desk_dir)
            try:
                shutil.copyfile(src, dst)
            except FileNotFoundError:
                continue  # removed meanwhile (a fetch that failed): the copy never named it
            _fsync_file(dst)
            copied += 1
        if blobs.is_dir():
            fsync_path(to / "blobs")
        key = to / "desk.json"
        shutil.copyfile(desk_dir / "desk.json", key.with_suffix(".part"))
        os.chmod(key.with_suffix(".part"), 0o600)
        _fsync_file(key.with_suffix(".part"))
        os.replace(key.with_suffix(".part"), key)
        fsync_path(to)
    except (OSError, sqlite3.Error):
        raise StorageError(
            f"cannot write the backup in {to}",
            hint="check that folder's free space and permissions; a folder without desk.json"
            " is no backup",
        ) from None
    return copied


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _finish_init(desk_dir: Path) -> None:
    """Give the database init made its name (the key file is on disk)."""
    try:
        for suffix in reversed(_DB_SUFFIXES):  # the database itself last
            with contextlib.suppress(FileNotFoundError):
                os.rename(desk_dir / (_DB_INIT + suffix), desk_dir / (_DB + suffix))
        fsync_path(desk_dir)
    except OSError:
        raise StorageError(f"cannot create the desk folder {desk_dir.name}") from None


def _database_error(exc: sqlite3.Error) -> StorageError:
    """What a database error means to the handler, and what to do (never the library's
    names): SQLite's primary result code says which it is."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = None if code is None else code & 0xFF
    if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return StorageError(
            "the desk's database (desk.db) is damaged",
            hint="restore the desk folder from your backup",
        )
    if primary == sqlite3.SQLITE_FULL:
        return StorageError(
            "the disk holding the desk is full; nothing was changed",
            hint="free some disk space and try again",
        )
    if primary == sqlite3.SQLITE_READONLY:
        return StorageError(
            "the desk folder cannot be written (read-only); nothing was changed",
            hint="check the folder's permissions, or that its disk is mounted for writing",
        )
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return StorageError(
            "the desk is busy in another program; nothing was changed",
            hint="try again in a moment",
        )
    if primary in (sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN):
        return StorageError(
            "the desk's database (desk.db) could not be read or written",
            hint="check that the disk holding the desk is attached and not failing",
        )
    return StorageError(f"desk database error: {getattr(exc, 'sqlite_errorname', 'unknown')}")


def custody_damaged(seq: int) -> StorageError:
    """The custody log's last event (``seq``) does not decrypt: the hash chain cannot go on
    past it, so nothing that records an event is done until the desk is restored."""
    return StorageError(  # what to do is in the message: the web desk shows only that
        f"the desk's custody log is damaged: its last event (number {seq}) does not decrypt, "
        "and no change can be recorded after it; restore the desk folder from your backup"
    )


def custody_event_damaged(seqs: list[int]) -> StorageError:
    """Custody events ``seqs`` do not decrypt: what they recorded cannot be read (nor, for a
    report's view, whether they concern it)."""
    return StorageError(
        f"the desk's custody log is damaged: events {', '.join(map(str, seqs))} do not "
        "decrypt; restore the desk folder from your backup"
    )


class DeskStore:
    """An unlocked desk. Open with :meth:`open`; every method is safe to call from threads."""

    def __init__(
        self, desk_dir: Path, keyfile: KeyFile, identity: Identity, db_name: str = _DB
    ) -> None:
        self.dir = Path(desk_dir)
        # Only init makes a database (under its own name): an open never puts an empty desk
        # in place of a lost one, and finishes an init stopped after its key file.
        self._db_path, self._create = self.dir / db_name, db_name == _DB_INIT
        if not self._create and not self._db_path.is_file():
            if (self.dir / _DB_INIT).is_file():
                _finish_init(self.dir)
            else:
                raise StorageError(
                    "the desk's database (desk.db) is missing; nothing was changed: restore "
                    "the desk folder from your backup"
                )
        self.keyfile = keyfile
        self.identity = identity
        self.public = identity.public()
        self._key = derive(identity.sign_seed + identity.clue_secret, b"data")
        self._local = threading.local()
        self._lock = threading.RLock()
        try:
            self.blobs = BlobStore(self.dir / "blobs", self._key)
        except OSError:
            raise StorageError("cannot open the desk's blob folder") from None
        self.blob_dir = self.blobs.dir
        with self._db() as db:
            # The version first: a newer desk's schema is not this one's to add to.
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StorageError(
                    "this desk was written by a newer Tysha; upgrade first",
                    hint="open it with the Tysha that wrote it, or a later one",
                )
            db.executescript(_SCHEMA)
            if version < SCHEMA_VERSION:
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db_fn = self._db
        self._settings: SealedTable[Any] = SealedTable(
            db_fn, self._key, "settings", lambda _k, v: v, lambda v: v, id_column="k"
        )
        self._drops: SealedTable[DropState] = SealedTable(
            db_fn,
            self._key,
            "drops",
            lambda _k, v: DropState.from_json(v),
            DropState.to_json,
            id_column="url_hash",
            to_sql=bytes.fromhex,
            from_sql=lambda b: bytes(b).hex(),
        )
        self._invitations: SealedTable[Invitation] = SealedTable(
            db_fn, self._key, "invitations", lambda _k, v: Invitation.from_json(v),
            Invitation.to_json,
        )  # fmt: skip
        self._sources: SealedTable[Source] = SealedTable(
            db_fn, self._key, "sources", Source.from_json, Source.to_json
        )
        self._reports: SealedTable[dict[str, Any]] = SealedTable(
            db_fn, self._key, "reports", lambda _k, v: v, lambda v: v
        )
        self._outbox: SealedTable[OutboxItem] = SealedTable(
            db_fn, self._key, "outbox", lambda _k, v: OutboxItem.from_json(v), OutboxItem.to_json
        )
        self._quarantine: SealedTable[QuarantineRecord] = SealedTable(
            db_fn, self._key, "quarantine", lambda _k, v: QuarantineRecord.from_json(v),
            QuarantineRecord.to_json,
        )  # fmt: skip
        # Incidents (issue 12), protected victim details included: sealed like everything else.
        self._incidents: SealedTable[Incident] = SealedTable(
            db_fn, self._key, "incidents", lambda _k, v: Incident.from_json(v),
            lambda i: i.to_json(protected=True),
        )  # fmt: skip
        self._custody: SealedTable[dict[str, Any]] = SealedTable(
            db_fn, self._key, "custody", lambda _k, v: v, lambda v: v, id_column="seq",
            to_sql=int, from_sql=str,
        )  # fmt: skip

    # --- opening ------------------------------------------------------------------------------

    @classmethod
    def open(cls, desk_dir: Path, passphrase: str) -> DeskStore:
        kf = read_keyfile(Path(desk_dir))
        return cls(Path(desk_dir), kf, kf.unlock(passphrase))

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        conn = getattr(self._local, "conn", None)
        try:
            if conn is None:
                # mode=rw: a database gone since the desk opened is an error, not a new one.
                where = self._db_path.resolve().as_uri() + ("" if self._create else "?mode=rw")
                conn = sqlite3.connect(where, timeout=30, check_same_thread=False, uri=True)
                conn.execute("PRAGMA journal_mode=WAL")
                # Every commit synced, whatever the SQLite build's WAL default: a report is
                # committed before its copy on the drop is deleted (desk/fetch.py, step 8).
                conn.execute("PRAGMA synchronous=FULL")
                self._local.conn = conn
            if getattr(self._local, "tx", False):
                yield conn  # inside transaction(): committed or rolled back there, whole
                return
            with self._lock, conn:
                yield conn
        except sqlite3.Error as exc:
            raise _database_error(exc) from exc

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything this thread writes inside the block is committed together at its end,
        or not at all (an exception, a killed process): a report is never stored without
        its custody events."""
        if getattr(self._local, "tx", False):
            yield
            return
        with self._db() as db:
            if not db.in_transaction:
                db.execute("BEGIN IMMEDIATE")
            self._local.tx = True
            try:
                yield
            finally:
                self._local.tx = False

    def checkpoint(self) -> None:
        """Move the write-ahead log into the database file (init, before renaming it)."""
        with self._db() as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @property
    def name(self) -> str:
        return self.keyfile.name

    @property
    def role(self) -> str:
        return self.keyfile.role

    @property
    def escrow_key(self) -> PublicIdentity | None:
        k = self.keyfile.escrow_key
        return PublicIdentity.from_text(k) if k else None

    # --- settings --------------------------------------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        value = self._settings.get(key)
        return default if value is None else value

    def set_setting(self, key: str, value: Any) -> None:
        self._settings.put(key, value)

    def advance_counter(self, key: str, value: int) -> bool:
        """Store ``value`` under ``key`` only if it is above the stored one, atomically across
        threads and processes (a one-time code's time step is accepted once: issue 9.7)."""
        with self._db() as db:
            if not db.in_transaction:
                db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT enc FROM settings WHERE k = ?", (key,)).fetchone()
            last = self._settings.unseal(key, row[0]) if row is not None else None
            if isinstance(last, int) and value <= last:
                return False
            db.execute(
                "INSERT OR REPLACE INTO settings (k, enc) VALUES (?, ?)",
                (key, self._settings.seal(key, value)),
            )
            return True

    # --- drops -----------------------------------------------------------------------------------

    def drops(self, damaged: list[str] | None = None) -> list[DropState]:
        """The drops known; with ``damaged``, a drop whose record does not open is left out
        and the SHA-256 of its address (the row's clear key) added there."""
        return list(self._drops.all(damaged))

    def save_drop(self, drop: DropState) -> None:
        self._drops.put(url_key(drop.url), drop)

    def add_drop(self, url: str, vkey: str, mirrors: Sequence[str] = ()) -> DropState:
        """Know a drop without making an invitation (the escrow desk's way in).

        One log per verifier key: addresses of a log already known (by address or by key)
        are added to it as mirrors, never a second drop state, so it is fetched once."""
        with self._lock:
            addresses = list(dict.fromkeys((url, *mirrors)))
            # A damaged drop record never stops knowing another drop (a new invitation).
            known = next((d for d in self.drops([]) if d.vkey == vkey), None)
            # An address already read under another log's key is never moved to this one.
            free = [a for a in addresses if (o := self.drop(a)) is None or o.vkey == vkey]
            if known is None:
                if not free:  # every address belongs to another log: nothing to add
                    return self.drop(url) or DropState(url, vkey)
                state = DropState(free[0], vkey, mirrors=tuple(free[1:]))
                self.save_drop(state)
                return state
            extra = tuple(a for a in free if a not in known.addresses)
            if extra:
                known.mirrors = (*known.mirrors, *extra)
                self.save_drop(known)
            return known

    def drop(self, url: str) -> DropState | None:
        """The drop named ``url`` or having it among its mirrors."""
        found = self._drops.get(url_key(url))
        if found is None:
            found = next((d for d in self.drops([]) if url in d.mirrors), None)
        return found

    # --- invitations -----------------------------------------------------------------------------

    def add_invitation(
        self, secret: bytes, drop_url: str, drop_vkey: str, text: str, mirrors: Sequence[str] = (),
        valid_days: int = INVITATION_DAYS,
    ) -> str:
        """Record an invitation; a first report under it enrols its key until ``valid_days``
        from now (a leaked or photographed code is no way in for ever)."""
        if not isinstance(valid_days, int) or not 1 <= valid_days <= MAX_INVITATION_DAYS:
            raise BadInput(f"an invitation is valid for 1 to {MAX_INVITATION_DAYS} days")
        iid = os.urandom(8).hex()
        now = time.time()
        inv = Invitation(iid, _second(now), drop_url, drop_vkey, text, mirrors=tuple(mirrors),
                         expires_at=_second(now + valid_days * 86400))  # fmt: skip
        with self.transaction():  # never an invitation its custody did not record
            self._invitations.insert(iid, inv, secret_hash=hashlib.sha256(secret).digest())
            self.add_drop(drop_url, drop_vkey, mirrors)
            self.custody("invitation-created", None,
                         {"invitation": iid, "expires_at": inv.expires_at})  # fmt: skip
        return iid

    def get_invitation(self, iid: str) -> Invitation:
        inv = self._invitations.get(iid) if iid.isalnum() else None
        if inv is None:
            raise NotFound(
                f"no invitation {iid!r}", hint="check the id (`tysha desk invitations` lists them)"
            )
        return inv

    def cancel_invitation(self, iid: str) -> Invitation:
        """Close an unused invitation: a first report under it then enrols no one (it is kept,
        flagged). One commit with its custody event."""
        with self.transaction():
            inv = self.get_invitation(iid)  # read under the write lock (a fetch may enrol)
            state = inv.state(now_iso())
            if state == "used":
                raise NotAllowed(f"invitation {iid} already enrolled a source; revoke the "
                                 "source instead")  # fmt: skip
            if state == "cancelled":
                raise NotAllowed(
                    f"invitation {iid} is already cancelled",
                    hint="nothing to do: a first report under it enrols no one",
                )
            when = now_iso()
            self._invitations.update(iid, lambda i: _set(i, cancelled_at=when))
            self.custody("invitation-cancelled", None, {"invitation": iid})
        return self.get_invitation(iid)

    def invitation_for_secret(self, secret: bytes) -> Invitation | None:
        with self._db() as db:
            row = db.execute(
                "SELECT id FROM invitations WHERE secret_hash = ?",
                (hashlib.sha256(secret).digest(),),
            ).fetchone()
        return None if row is None else self._invitations.get(row[0])

    def _taken_by(self, sid: str, enrolment: bytes) -> None:
        """A source enrolled here presents another invitation of this desk (it enrolled again
        with a new code): that code is used by it, never left open to another key (a code
        photographed at hand-over). One whose record does not open is left as it is."""
        try:
            inv = self.invitation_for_secret(enrolment)
        except VerificationError:
            return
        if inv is None or inv.source or inv.state(now_iso()) != "open":
            return
        with self.transaction():
            self._invitations.update(inv.id, lambda i: _used(i, sid))
            self.custody("invitation-taken", None, {"invitation": inv.id, "source": sid})

    def list_invitations(self, damaged: list[str] | None = None) -> list[Invitation]:
        """The invitations in order; with ``damaged``, those whose record does not open are
        left out and named there (else they are an error)."""
        return sorted(self._invitations.all(damaged), key=lambda i: i.created_at)

    # --- sources ---------------------------------------------------------------------------------

    def source_for(self, public: PublicIdentity, enrolment: bytes | None) -> Source | None:
        """The source with this key; a new pseudonym if its enrolment secret is ours."""
        known = self.source_id_of(public)
        if known is not None:
            if enrolment:
                if self.role == "escrow":
                    self._escrow_taken(enrolment, known)
                else:
                    self._taken_by(known, enrolment)
            return self.get_source(known)
        if enrolment and self.role == "escrow" and self.escrow_enrolled(enrolment):
            # One invitation, one key (as at the handler desk that made it): a second key
            # presenting a code another key presented first (a photographed code, or keys
            # made up by whoever holds one) is not a source here either.
            self.custody("invitation-reused", None, {"source": self.escrow_enrolled(enrolment)})
            return None
        try:
            inv = self.invitation_for_secret(enrolment) if enrolment else None
        except VerificationError:
            # The invitation's record does not open: whether it was used, expired or
            # cancelled cannot be read, so no key is enrolled on it (fetch keeps the report,
            # flagged, and says why).
            return None
        if inv is not None and inv.source:
            # One-time: the invitation already enrolled another key. A second key presenting
            # it (a leaked or photographed code) is not a source of this cell.
            self.custody("invitation-reused", None, {"invitation": inv.id})
            return None
        if inv is not None and inv.state(now_iso()) != "open":
            # Expired or cancelled before its first use: a code found later on a seized
            # phone or a photograph is no way in. The report is kept, flagged (fetch).
            self.custody("invitation-refused", None,
                         {"invitation": inv.id, "why": inv.state(now_iso())})  # fmt: skip
            return None
        if inv is None and self.role != "escrow":
            return None  # not enrolled here: a handler trusts only its own cell
        # The escrow desk holds the organisation's key and enrols no one: every sender
        # whose reports it can open gets a pseudonym of its own.
        sid = os.urandom(8).hex()
        # One commit: a source is never enrolled while its invitation stays open to another
        # key (a disk full or a kill between them), nor without its custody event.
        with self.transaction(), self._db() as db:
            if inv is not None and self.get_invitation(inv.id).state(now_iso()) != "open":
                return None  # cancelled meanwhile (the web desk): fetch says why
            n = db.execute("SELECT COUNT(*) FROM sources").fetchone()[0] + 1
            src = Source(
                sid, _sources.pseudonym(n, public), now_iso(), False, public,
                invitation=inv.id if inv else None,
            )  # fmt: skip
            db.execute(
                "INSERT INTO sources (id, sign, enc) VALUES (?, ?, ?)",
                (sid, public.sign, self._sources.seal(sid, src.to_json())),
            )
            if inv is not None:
                self._invitations.update(inv.id, lambda i: _used(i, sid))
            if enrolment and self.role == "escrow":
                self._escrow_taken(enrolment, sid)
            self.custody("source-enrolled", None, {"source": sid})
        return self.get_source(sid)

    @staticmethod
    def _enrolment_tag(enrolment: bytes) -> str:
        return hashlib.sha256(b"tysha/v1 escrow enrolment\x00" + enrolment).hexdigest()

    def escrow_enrolled(self, enrolment: bytes) -> str | None:
        """On an escrow desk: the source whose key first presented this enrolment secret (an
        invitation's code, which the escrow desk sees in the reports but never made)."""
        seen = self.get_setting("escrow_enrolments") or {}
        sid = seen.get(self._enrolment_tag(enrolment)) if isinstance(seen, dict) else None
        return sid if isinstance(sid, str) else None

    def _escrow_taken(self, enrolment: bytes, sid: str) -> None:
        """Record (once) that source ``sid``'s key presented this enrolment secret first."""
        if self.escrow_enrolled(enrolment) is not None:
            return
        seen = self.get_setting("escrow_enrolments")
        seen = dict(seen) if isinstance(seen, dict) else {}
        seen[self._enrolment_tag(enrolment)] = sid
        self.set_setting("escrow_enrolments", seen)

    def source_id_of(self, public: PublicIdentity) -> str | None:
        """The id of the source with this key, from its clear lookup column (its sealed
        record need not open)."""
        with self._db() as db:
            row = db.execute("SELECT id FROM sources WHERE sign = ?", (public.sign,)).fetchone()
        return None if row is None else str(row[0])

    def get_source(self, sid: str) -> Source:
        s = self._sources.get(sid)
        if s is None:
            raise NotFound(f"no source {sid!r}")
        return s

    def list_sources(self, damaged: list[str] | None = None) -> list[Source]:
        """The sources in order; with ``damaged``, those whose record does not open are left
        out and named there (else they are an error)."""
        return sorted(self._sources.all(damaged), key=_sources.source_order)

    def find_source(self, ref: str) -> Source:
        """A source by id, full pseudonym, "Source 7" or "Amber Fox" (never a guess). A
        damaged source record never stops finding another (revoking a seized phone's key);
        while there is one, only an id, a full pseudonym or a number is taken, since the
        damaged one might fit the words too."""
        damaged: list[str] = []
        found = self.list_sources(damaged)
        if not damaged:
            return _sources.find(ref, found)
        if ref in damaged:
            raise StorageError(
                f"source {ref} is damaged in the desk: its stored record does not decrypt",
                hint="restore the desk folder from your backup",
            )
        try:
            return _sources.find(ref, found, words=False)
        except NotFound:
            raise StorageError(
                f"no source the desk can read matches {ref!r}; damaged source records: "
                f"{', '.join(sorted(damaged))}",
                hint="give the source's number or id; restore the desk folder from your backup",
            ) from None

    def revoke(self, ref: str, reason: str = "") -> Source:
        """Mark a source's key compromised; the reason goes into custody (issue 10.6)."""
        s = self.find_source(ref)
        if s.revoked:
            raise NotAllowed(f"{s.pseudonym} is already revoked")
        with self.transaction():  # a change and its custody event: one commit (as below)
            self._sources.update(s.id, lambda x: _set(x, revoked=True, revoked_at=now_iso(),
                                                      revoke_reason=reason))  # fmt: skip
            self.custody("source-revoked", None, {"source": s.id, "reason": reason})
        return self.get_source(s.id)

    def restore(self, ref: str, reason: str = "") -> Source:
        """Undo a revocation (the key was not compromised after all), recorded in custody."""
        s = self.find_source(ref)
        if not s.revoked:
            raise NotAllowed(f"{s.pseudonym} is not revoked")
        with self.transaction():
            self._sources.update(s.id, lambda x: _set(x, revoked=False, revoked_at=None,
                                                      revoke_reason=""))  # fmt: skip
            self.custody("source-restored", None, {"source": s.id, "reason": reason})
        return self.get_source(s.id)

    def set_real_name(self, sid: str, name: str) -> None:
        if self._sources.update(sid, lambda x: _set(x, real_name=name)) is None:
            raise NotFound(f"no source {sid!r}")

    # --- reports ---------------------------------------------------------------------------------

    def has_digest(self, digest: bytes) -> bool:
        with self._db() as db:
            row = db.execute("SELECT 1 FROM reports WHERE digest = ?", (digest,)).fetchone()
            # The desk's own custody anchors come back from the drop too: not reports.
            if row is None:
                row = db.execute(
                    "SELECT 1 FROM custody_anchor WHERE digest = ?", (digest,)
                ).fetchone()
        return row is not None

    def add_report(self, digest: bytes, data: dict[str, Any]) -> str:
        rid = os.urandom(6).hex()
        data = dict(data, id=rid)
        data.setdefault("status", "new")
        data.setdefault("qualifications", [])
        data.setdefault("notes", [])
        self._reports.insert(rid, data, received=data["received_at"], digest=digest)
        return rid

    def get_report(self, rid: str) -> Report:
        with self._db() as db:
            row = db.execute("SELECT received, enc FROM reports WHERE id = ?", (rid,)).fetchone()
        if row is None:
            raise NotFound(f"no report {rid!r}")
        return Report(rid, row[0], self._reports.unseal(rid, row[1]))

    def report_ids(self) -> list[str]:
        with self._db() as db:
            return [r[0] for r in db.execute("SELECT id FROM reports").fetchall()]

    def _update_report(self, rid: str, data: dict[str, Any]) -> None:
        with self._db() as db:
            db.execute(
                "UPDATE reports SET enc = ? WHERE id = ?", (self._reports.seal(rid, data), rid)
            )

    def list_reports(
        self,
        category: str | None = None,
        status: str | None = None,
        since: str | None = None,
        until: str | None = None,
        search: str | None = None,
        damaged: list[str] | None = None,
    ) -> list[Report]:
        """The reports that fit, newest first. With ``damaged``, a report whose stored record
        does not open (bit rot, a bad copy) is left out and its id added there, so one such
        record never hides the others; without it, it is an error naming the report."""
        with self._db() as db:
            rows = db.execute("SELECT id, received, enc FROM reports").fetchall()
        out = []
        needle = (search or "").strip().lower()
        for rid, received, enc in rows:
            try:
                d = self._reports.unseal(rid, enc)
            except (VerificationError, ValueError):
                if damaged is None:
                    raise VerificationError(
                        f"report {rid} is damaged in the desk: its stored record does not "
                        "decrypt",
                        hint="name the other reports to use them; restore the desk folder from "
                        "your backup",
                    ) from None
                damaged.append(rid)
                continue
            if category and category not in d.get("categories", []):
                continue
            if status and d.get("status") != status:
                continue
            day = _day(d.get("when")) or _day(d.get("received_at")) or received[:10]
            if since and day < since:
                continue
            if until and day > until:
                continue
            if needle:
                hay = " ".join(str(d.get(k, "")) for k in ("text", "where", "when")).lower()
                if needle not in hay:
                    continue
            out.append(Report(rid, received, d))
        out.sort(key=lambda r: (r.data.get("received_at", r.received_at), r.id), reverse=True)
        return out

    def set_status(self, rid: str, status: str, reviewer: str) -> None:
        if status not in STATUSES:
            raise BadInput(f"status must be one of {', '.join(STATUSES)}")
        r = self.get_report(rid)
        old = r.data.get("status")
        r.data["status"] = status
        with self.transaction():
            self._update_report(rid, r.data)
            self.custody("status", rid, {"from": old, "to": status, "reviewer": reviewer})

    def add_qualification(self, rid: str, code: str, confidence: str, reviewer: str) -> None:
        from tysha.evidence.taxonomy import qualification

        if qualification(code) is None:
            raise BadInput(f"unknown legal qualification {code!r}")
        if confidence not in ("low", "medium", "high"):
            raise BadInput("confidence is low, medium or high")
        r = self.get_report(rid)
        at = now_iso()
        q = {"code": code, "confidence": confidence, "reviewer": reviewer, "date": at[:10],
             "at": at}  # fmt: skip
        # Several qualifications per report; the same code again replaces its assessment.
        quals = [x for x in r.data.get("qualifications", []) if x.get("code") != code]
        r.data["qualifications"] = [*quals, q]
        with self.transaction():
            self._update_report(rid, r.data)
            self.custody("qualified", rid, q)

    def remove_qualification(self, rid: str, code: str, reviewer: str) -> None:
        r = self.get_report(rid)
        quals = r.data.get("qualifications", [])
        keep = [x for x in quals if x.get("code") != code]
        if len(keep) == len(quals):
            raise NotFound(f"report {rid} has no qualification {code!r}")
        r.data["qualifications"] = keep
        with self.transaction():
            self._update_report(rid, r.data)
            self.custody("unqualified", rid, {"code": code, "reviewer": reviewer})

    def add_note(self, rid: str, text: str, author: str) -> None:
        r = self.get_report(rid)
        r.data.setdefault("notes", []).append({"text": text, "author": author, "at": now_iso()})
        with self.transaction():
            self._update_report(rid, r.data)
            self.custody("annotated", rid, {"author": author})

    def add_provenance(self, rid: str, records: list[dict[str, Any]]) -> None:
        """Keep provenance records (evidence/provenance.py) in the sealed report; a record
        of the same kind, file, signer and source file replaces the earlier one. The caller
        writes the custody events (desk/provenance.py)."""

        def same(a: dict[str, Any]) -> tuple[Any, ...]:
            return tuple(a.get(k) for k in ("kind", "media_sha256", "signer_fingerprint",
                                            "source_file"))  # fmt: skip

        r = self.get_report(rid)
        new = {same(x) for x in records}
        kept = [x for x in r.data.get("provenance", []) if same(x) not in new]
        r.data["provenance"] = [*kept, *records]
        self._update_report(rid, r.data)

    # --- reply outbox (issue 10.5) ---------------------------------------------------------

    def queue_reply(self, rid: str, text: str, written_at: str, drop: str, envelope: bytes) -> str:
        """Keep a sealed reply (and its text) until the drop has logged it."""
        qid = os.urandom(8).hex()
        # One commit: a reply the handler is told failed is never queued to go out later.
        with self.transaction():
            self._outbox.insert(qid, OutboxItem(qid, rid, text, written_at, drop, envelope))
            r = self.get_report(rid)
            r.data.setdefault("replies", []).append(
                {"text": text, "at": written_at, "queued": qid, "sent_at": None, "index": None}
            )
            self._update_report(rid, r.data)
            self.custody("reply-queued", rid, {"queued": qid})
        return qid

    def outbox(self) -> list[OutboxItem]:
        return sorted(self._outbox.all(), key=lambda q: q.written_at)

    def queued_reply(self, qid: str) -> OutboxItem | None:
        return self._outbox.get(qid)

    def reply_failed(self, qid: str, error: str) -> None:
        def change(q: OutboxItem) -> None:
            q.attempts += 1
            q.last_error = error

        self._outbox.update(qid, change)

    def reply_forked(self, qid: str, checkpoint: dict[str, Any], error: str) -> None:
        """The drop answered reply ``qid`` with a receipt from another history than the one this
        desk verified: it stays queued (``error`` kept), and its record says so, with the
        receipt's checkpoint, wherever it is shown."""
        with self.transaction():
            q = self._mark_reply(qid, receipt_checkpoint=checkpoint, log_consistent=False)
            if q is not None:
                self.reply_failed(qid, error)

    def _mark_reply(self, qid: str, **fields: Any) -> Any:
        """In the caller's transaction: the queued reply ``qid`` (None when it is gone), its
        record on its report updated with ``fields``."""
        q = self.queued_reply(qid)
        if q is None:
            return None
        r = self.get_report(q.report)
        for rep in r.data.setdefault("replies", []):
            if rep.get("queued") == qid:
                rep.update(fields)
        self._update_report(q.report, r.data)
        return q

    def reply_sent(
        self, qid: str, index: Any, checkpoint: dict[str, Any] | None = None
    ) -> None:
        """``checkpoint``: the receipt's, checked consistent with the log this desk verified."""
        # One commit: never shown sent without "replied" in custody, nor left queued after.
        with self.transaction():
            checked = {} if checkpoint is None else {
                "receipt_checkpoint": checkpoint, "log_consistent": True}  # fmt: skip
            q = self._mark_reply(qid, sent_at=now_iso(), index=index, **checked)
            if q is None:
                return
            self._outbox.delete(qid)
            # What anyone can check against the drop's log, as "received" names it.
            digest = hashlib.sha256(q.envelope).hexdigest()
            detail = {"drop": q.drop, "envelope_index": index, "digest": digest}
            self.custody("replied", q.report, detail)

    # --- quarantine (issue 9.1): what could not be opened, without its content ----------------

    def quarantine(self, drop: str, index: int, digest: str, reason: str) -> str:
        qid = os.urandom(8).hex()
        self._quarantine.insert(qid, QuarantineRecord(qid, drop, index, digest, reason, now_iso()))
        detail = {"drop": drop, "index": index, "digest": digest, "reason": reason}
        self.custody("quarantined", None, detail)
        return qid

    def quarantined(self) -> list[QuarantineRecord]:
        return sorted(self._quarantine.all(), key=lambda q: q.at)

    # --- incidents (issue 12; the logic is desk/cases.py) -------------------------------------

    def incidents(self) -> list[Incident]:
        return sorted(self._incidents.all(), key=lambda i: (i.created_at, i.id))

    def get_incident(self, iid: str) -> Incident:
        inc = self._incidents.get(iid)
        if inc is None:
            raise NotFound(f"no incident {iid!r}")
        return inc

    def put_incident(self, inc: Incident) -> None:
        self._incidents.put(inc.id, inc)

    def write_sealed_file(self, name: str, data: bytes) -> None:
        """A derived file (the corroboration index) sealed in the desk folder, the file name
        as associated data; replaced atomically so a crash leaves the old one."""
        from tysha.desk.atrest import seal

        try:  # whole on disk before it takes the name, the name made durable
            write_replacing(self.dir / name, seal(self._key, f"file:{name}".encode(), data))
        except StorageError:
            raise StorageError(f"cannot write the desk's {name}") from None

    def read_sealed_file(self, name: str) -> bytes | None:
        from tysha.desk.atrest import open_sealed

        try:
            raw = (self.dir / name).read_bytes()
        except FileNotFoundError:
            return None
        except OSError:
            raise StorageError(f"cannot read the desk's {name}") from None
        return open_sealed(self._key, f"file:{name}".encode(), raw)

    # --- attachment blobs ------------------------------------------------------------------------

    def blob_writer(self) -> BlobWriter:
        return self.blobs.writer()

    def read_blob(self, name: str, size: int | None = None) -> Iterator[bytes]:
        """Decrypt a stored attachment chunk by chunk (``size``: the attachment's length)."""
        return self.blobs.read(name, size)

    def blob_bytes(self, name: str, size: int | None = None) -> bytes:
        return b"".join(self.read_blob(name, size))

    def delete_blob(self, name: str) -> None:
        self.blobs.delete(name)

    # --- custody log -----------------------------------------------------------------------------

    def custody(self, action: str, report: str | None, detail: dict[str, Any]) -> None:
        """Append a signed, hash-chained custody event (evidence/custody.py)."""
        from tysha.evidence.custody import CustodyEvent

        with self._db() as db:
            # Another process (the web desk while the CLI fetches) may append too: take the
            # write lock before reading the head, so two events never claim one place.
            if not db.in_transaction:
                db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT seq, enc FROM custody ORDER BY seq DESC LIMIT 1").fetchone()
            prev = bytes(32) if row is None else self._custody_head(row).prev_for_next(2)
            seq = 0 if row is None else row[0] + 1
            # Each report's events link to its previous one, so a bundle's custody segment
            # shows a removed event (evidence/custody.py).
            link = None
            if report is not None:
                last = db.execute(
                    "SELECT seq FROM custody_link WHERE report = ?", (report,)
                ).fetchone()
                link = -1 if last is None else int(last[0])
            ev = CustodyEvent(
                seq, now_iso(), action, report, detail, prev, report_prev=link, v=2
            ).signed(self.identity)
            db.execute(
                "INSERT INTO custody (seq, enc) VALUES (?, ?)",
                (seq, self._custody.seal(str(seq), ev.to_json())),
            )
            if report is not None:
                db.execute(
                    "INSERT OR REPLACE INTO custody_link (report, seq) VALUES (?, ?)",
                    (report, seq),
                )

    def _custody_head(self, row: Any) -> Any:
        """The custody event in ``row`` (seq, enc), the last one: the next links to it. A head
        that does not decrypt (bit rot, a bad copy) leaves nothing to chain to: said as the
        custody log's damage, and every change that needs an event is refused."""
        from tysha.evidence.custody import CustodyEvent

        try:
            return CustodyEvent.from_json(self._custody.unseal(str(row[0]), row[1]))
        except (VerificationError, ProtocolError, ValueError, KeyError, TypeError):
            raise custody_damaged(int(row[0])) from None

    def check_custody_head(self) -> None:
        """Raise :func:`custody_damaged` if the custody log's last event is damaged: nothing
        the desk does that records an event can be done (``desk fetch`` asks first, so no
        drop's copy is touched)."""
        with self._db() as db:
            row = db.execute("SELECT seq, enc FROM custody ORDER BY seq DESC LIMIT 1").fetchone()
        if row is not None:
            self._custody_head(row)

    def save_anchor(self, size: int, digest: bytes, record: dict[str, Any]) -> None:
        """Keep a custody anchor (desk/anchor.py); sealed like every other record."""
        with self._db() as db:
            db.execute(
                "INSERT OR REPLACE INTO custody_anchor (size, digest, enc) VALUES (?, ?, ?)",
                (size, digest, self._custody.seal(f"anchor-{size}", record)),
            )

    def latest_anchor(self, at_most: int) -> dict[str, Any] | None:
        """The anchor of the largest custody head no larger than ``at_most`` events."""
        with self._db() as db:
            row = db.execute(
                "SELECT size, enc FROM custody_anchor WHERE size >= 0 AND size <= ? "
                "ORDER BY size DESC LIMIT 1",
                (at_most,),
            ).fetchone()
        return None if row is None else self._custody.unseal(f"anchor-{row[0]}", row[1])

    def custody_events(
        self, report: str | None = None, damaged: list[int] | None = None
    ) -> list[dict[str, Any]]:
        """The custody events (of ``report``), in order. One that does not decrypt is named:
        with ``damaged``, its number is added there and the others returned (a view of a
        report); without, the log is refused as damaged (what needs the whole chain)."""
        with self._db() as db:
            rows = db.execute("SELECT seq, enc FROM custody ORDER BY seq").fetchall()
        evs = []
        for s, e in rows:
            try:
                evs.append(self._custody.unseal(str(s), e))
            except VerificationError:
                if damaged is None:
                    raise custody_event_damaged([int(s)]) from None
                damaged.append(int(s))
        return [e for e in evs if report is None or e.get("report") == report]


def _set(obj: Any, **changes: Any) -> None:
    for k, v in changes.items():
        setattr(obj, k, v)


def _used(inv: Invitation, sid: str) -> None:
    inv.used, inv.source = True, sid
