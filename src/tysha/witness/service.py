"""The witness's state and the add-checkpoint decision (C2SP tlog-witness, tlog-cosignature).

For each log it follows (origin and the log's verifier keys, given at start), the witness keeps
the last checkpoint it cosigned in SQLite (``witness.db``, WAL, ``synchronous=FULL``). A new
checkpoint is cosigned only when it extends that one by a valid consistency proof, and the
new state is committed to disk *before* the cosignature is made, inside one write transaction
(``BEGIN IMMEDIATE``) that re-reads the state: so neither two concurrent requests nor a kill -9
at any moment can make it cosign two checkpoints that are inconsistent with each other.

Requests that carry the log's valid signature but fail the consistency check (a forked log,
or a proof that does not verify) are kept in ``refused`` as evidence of misbehaviour
(tlog-witness allows it); nothing about the client (no address) is recorded.

Files in the data folder: ``witness.json`` (name), ``witness.key`` (base64 Ed25519 seed, mode
0600) and ``witness.db``. A witness whose database is lost must not be restarted with a fresh
one: it would cosign any history again. ``serve`` refuses to start without it.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tysha.errors import (
    BadInput,
    ConfigError,
    NotFound,
    ProtocolError,
    StorageError,
    VerificationError,
)
from tysha.store.partfiles import fsync_path
from tysha.tlog import CosignatureSigner, NoteVerifier, empty_root, open_note, verify_consistency
from tysha.tlog.witness import (
    SIZE_CONTENT_TYPE,
    AddCheckpoint,
    format_size_body,
    parse_add_checkpoint,
)

__all__ = [
    "Answer",
    "WitnessService",
    "init_witness",
    "parse_log_option",
]

CONFIG_FILE = "witness.json"
KEY_FILE = "witness.key"
DB_FILE = "witness.db"
#: The witness folder's format this code reads and writes ("version" in witness.json).
WITNESS_VERSION = 1
#: Kept evidence of refused, log-signed requests (the oldest are dropped beyond this).
MAX_REFUSED = 1_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS logs (
    origin TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    root BLOB NOT NULL,
    note TEXT NOT NULL,
    cosigned_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS refused (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    origin TEXT NOT NULL,
    at INTEGER NOT NULL,
    status INTEGER NOT NULL,
    reason TEXT NOT NULL,
    request BLOB NOT NULL
);
"""

TEXT = "text/plain; charset=utf-8"

# What an operator sees: refusals of log-signed checkpoints (no client address, ever).
_log = logging.getLogger("tysha.witness")


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, media type and body (never internal text)."""

    status: int
    content_type: str
    body: bytes

    @classmethod
    def text(cls, status: int, message: str) -> Answer:
        return cls(status, TEXT, (message + "\n").encode("utf-8"))


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    db.execute("PRAGMA journal_mode=WAL")
    # FULL: the WAL is fsynced at every commit, so a committed state survives power loss.
    db.execute("PRAGMA synchronous=FULL")
    return db


def init_witness(data_dir: Path, name: str | None = None) -> str:
    """Create the witness's cosigning key and empty state; return its vkey (type 0x04)."""
    data_dir = Path(data_dir)
    if (data_dir / KEY_FILE).exists() or (data_dir / DB_FILE).exists():
        raise ConfigError(
            f"{data_dir} already holds a witness; refusing to overwrite its key",
            hint="nothing was changed; run that witness with `tysha witness serve --data`, or "
            "choose another folder for a new witness",
        )
    name = name or f"tysha.witness/{os.urandom(6).hex()}"
    seed = os.urandom(32)
    try:
        signer = CosignatureSigner(name, seed)
    except ProtocolError as exc:
        raise BadInput(f"witness name: {exc.message}") from None
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(data_dir / KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(base64.b64encode(seed).decode("ascii") + "\n")
            f.flush()
            os.fsync(f.fileno())
        tmp = data_dir / (CONFIG_FILE + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"version": WITNESS_VERSION, "name": name}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, data_dir / CONFIG_FILE)
        db = _connect(data_dir / DB_FILE)
        db.executescript(_SCHEMA)
        # Ties the state to this key: serve refuses an empty or foreign database, which
        # would otherwise make it cosign any history again.
        db.execute("INSERT INTO meta (key, value) VALUES ('vkey', ?)", (signer.vkey,))
        db.close()
        fsync_path(data_dir)
    except OSError:
        raise StorageError(f"cannot create the witness in {data_dir}") from None
    return signer.vkey


def parse_log_option(value: str) -> tuple[str, NoteVerifier]:
    """``ORIGIN=VKEY`` (the first ``=`` splits: base64 keys end in ``=``); BadInput if wrong."""
    origin, sep, vkey = value.partition("=")
    if not sep or not origin or not vkey:
        raise BadInput("--log takes ORIGIN=VKEY (the log's origin and its verifier key)")
    if origin != origin.strip() or any(ord(c) < 0x20 or c == "\x7f" for c in origin):
        raise BadInput("--log: the origin has spaces around it or a control character")
    try:
        return origin, NoteVerifier.from_vkey(vkey)
    except ProtocolError as exc:
        raise BadInput(f"--log {origin}: {exc.message}") from None


class WitnessService:
    """One witness: its key, the logs it follows, and its durable state."""

    def __init__(
        self,
        data_dir: Path,
        logs: Mapping[str, Sequence[NoteVerifier]],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.data_dir = Path(data_dir)
        for needed in (CONFIG_FILE, KEY_FILE, DB_FILE):
            if not (self.data_dir / needed).exists():
                raise NotFound(
                    f"{self.data_dir} is not a witness folder (no {needed}); run "
                    "'tysha witness init' — a witness whose state was lost must get a new key"
                )
        try:
            config = json.loads((self.data_dir / CONFIG_FILE).read_text("utf-8"))
            key_text = (self.data_dir / KEY_FILE).read_text("ascii").strip()
            seed = base64.b64decode(key_text, validate=True)
            self.signer = CosignatureSigner(str(config["name"]), seed)
        except (OSError, ValueError, KeyError, TypeError, binascii.Error, ProtocolError):
            raise ConfigError(
                f"the witness key or settings in {self.data_dir} are unreadable"
            ) from None
        version = config.get("version", WITNESS_VERSION)
        if not isinstance(version, int) or version > WITNESS_VERSION:
            # A later format's state is not this code's to read or to cosign from; its
            # database is not even opened (opening it may write to it).
            raise StorageError(
                "this witness was written by a newer Tysha; upgrade first",
                hint="nothing was read or changed; run it with the Tysha that wrote it,"
                " or a later one",
            )
        if not logs:
            raise BadInput("a witness needs at least one --log ORIGIN=VKEY to follow")
        self.logs: dict[str, tuple[NoteVerifier, ...]] = {o: tuple(v) for o, v in logs.items()}
        self.clock = clock
        self._lock = threading.Lock()
        db: sqlite3.Connection | None = None
        try:
            db = _connect(self.data_dir / DB_FILE)
            row = db.execute("SELECT value FROM meta WHERE key = 'vkey'").fetchone()
        except sqlite3.Error:
            row = None
        if db is None or row is None or row[0] != self.signer.vkey:
            if db is not None:
                db.close()
            raise ConfigError(
                f"the witness state in {self.data_dir} is missing, empty or not this key's: "
                "refusing to start (a witness that lost its state must get a new key)"
            )
        self._db = db

    @property
    def name(self) -> str:
        return self.signer.name

    @property
    def vkey(self) -> str:
        return self.signer.vkey

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- state -------------------------------------------------------------------------------

    def state(self, origin: str) -> tuple[int, bytes]:
        """The size and root of the last checkpoint cosigned for ``origin`` (0 and the empty
        root if none)."""
        with self._lock:
            row = self._db.execute(
                "SELECT size, root FROM logs WHERE origin = ?", (origin,)
            ).fetchone()
        return (0, empty_root()) if row is None else (int(row[0]), bytes(row[1]))

    def latest(self, origin: str) -> str | None:
        """The last log-signed checkpoint note this witness cosigned for ``origin``."""
        with self._lock:
            row = self._db.execute("SELECT note FROM logs WHERE origin = ?", (origin,)).fetchone()
        return None if row is None else str(row[0])

    def refused(self, origin: str | None = None) -> list[tuple[str, int, str, bytes]]:
        """Kept evidence: (origin, HTTP status, reason, request body), oldest first."""
        sql = "SELECT origin, status, reason, request FROM refused"
        args: tuple[str, ...] = ()
        if origin is not None:
            sql += " WHERE origin = ?"
            args = (origin,)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY id", args).fetchall()
        return [(str(o), int(s), str(r), bytes(b)) for o, s, r, b in rows]

    # -- add-checkpoint ----------------------------------------------------------------------

    def add_checkpoint(self, body: bytes) -> Answer:
        """Decide one add-checkpoint request (tlog-witness §add-checkpoint), in spec order.

        400 malformed (or old size above the checkpoint's), 404 unknown origin, 403 no valid
        signature by the log's key, 409 old size is not ours (body: our size, as
        ``text/x.tlog.size``) or same size with another root, 422 the consistency proof
        does not verify, 200 one cosignature line. StorageError if the state cannot be
        committed (then nothing is cosigned).
        """
        try:
            req = parse_add_checkpoint(body)
        except ProtocolError as exc:
            return Answer.text(400, f"malformed request: {exc.message}")
        cp = req.checkpoint
        keys = self.logs.get(cp.origin)
        if keys is None:
            return Answer.text(404, "unknown log origin")
        try:
            open_note(req.note, keys)
        except (VerificationError, ProtocolError):
            return Answer.text(403, "no valid signature by a known key of this log")
        if req.old_size > cp.size:
            return Answer.text(400, "the old size is larger than the checkpoint size")
        with self._lock:
            try:
                answer = self._decide(req, bytes(body))
            except StorageError:
                if not self._failing:  # once, not per request: drops retry every few seconds
                    self._failing = True
                    _log.error(
                        "the witness cannot commit its state (is its disk full?): it answers"
                        " 503 and cosigns nothing until it can"
                    )
                raise
            if self._failing and answer.status == 200:
                self._failing = False
                _log.warning("the witness commits its state again and cosigns")
            return answer

    #: The operator was told the witness cannot commit (and is told when it can again).
    _failing = False

    def _decide(self, req: AddCheckpoint, body: bytes) -> Answer:
        cp = req.checkpoint
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute(
                    "SELECT size, root FROM logs WHERE origin = ?", (cp.origin,)
                ).fetchone()
                size, root = (0, empty_root()) if row is None else (int(row[0]), bytes(row[1]))
                if req.old_size != size:
                    db.execute("ROLLBACK")
                    return Answer(409, SIZE_CONTENT_TYPE, format_size_body(size))
                refusal = self._refusal(req, size, root)
                if refusal is not None:
                    self._keep_refused(cp.origin, refusal, body)
                    _log.warning(
                        "refused size %d of %s: not consistent with size %d it cosigned "
                        "(kept as evidence)",
                        cp.size,
                        cp.origin,
                        size,
                    )
                    db.execute("COMMIT")
                    return refusal
                now = int(self.clock())
                db.execute(
                    "INSERT INTO logs (origin, size, root, note, cosigned_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (origin) DO UPDATE SET "
                    "size = excluded.size, root = excluded.root, note = excluded.note, "
                    "cosigned_at = excluded.cosigned_at",
                    (cp.origin, cp.size, cp.root_hash, req.note, now),
                )
                # Durable before the cosignature exists (synchronous=FULL fsyncs the WAL).
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        except sqlite3.Error:
            raise StorageError(
                "the witness cannot commit its state; nothing was cosigned"
            ) from None
        line = self.signer.cosign(cp, now)
        return Answer(200, TEXT, line.encode("utf-8"))

    @staticmethod
    def _refusal(req: AddCheckpoint, size: int, root: bytes) -> Answer | None:
        cp = req.checkpoint
        if req.old_size == cp.size:  # == size, checked by the caller
            if cp.root_hash != root:
                # Same size, another root (for size 0: not the empty tree's): a fork.
                return Answer(409, SIZE_CONTENT_TYPE, format_size_body(size))
            if req.proof:
                return Answer.text(422, "the consistency proof must be empty for equal sizes")
            return None
        try:
            verify_consistency(size, cp.size, root, cp.root_hash, req.proof)
        except VerificationError:
            return Answer.text(422, "the consistency proof does not verify")
        return None

    def _keep_refused(self, origin: str, answer: Answer, body: bytes) -> None:
        reason = answer.body.decode("utf-8").strip() if answer.status != 409 else "fork"
        self._db.execute(
            "INSERT INTO refused (origin, at, status, reason, request) VALUES (?, ?, ?, ?, ?)",
            (origin, int(self.clock()), answer.status, reason, body),
        )
        self._db.execute(
            "DELETE FROM refused WHERE id <= (SELECT MAX(id) FROM refused) - ?", (MAX_REFUSED,)
        )
