"""The drop's storage: one interface, an embedded SQLite backend and a PostgreSQL backend.

What is stored (THREAT_MODEL "Drop"): envelope digests, sizes, the clue listing (ephemeral key
and clues), deletion hashes, the hour of arrival, the log's hash nodes and its latest
checkpoint. Never an address, a user agent, an exact time or a recipient.

Envelope bytes live in a :class:`BlobStore` (a content-addressed folder by default); a row is
only written after its blob is durable, and a blob without a row is invisible garbage that the
drop's debris collection removes, so a crash can never expose a half-written envelope. Blobs
of a batch are made durable together (:meth:`FolderBlobStore.put_many`: one ``syncfs`` before
and one after the renames on Linux, else fsyncs), and their modification and access times are
set to the hour of arrival. (The inode change time cannot be set from user space; it still
tells the minute a blob arrived to whoever reads the raw filesystem.)

Log integration is a single transaction per batch (group commit): the tree state is read inside
the transaction, under the database's write lock (SQLite ``BEGIN IMMEDIATE``; PostgreSQL
``pg_advisory_xact_lock``), so several drop processes over one PostgreSQL database serve one
consistent log with a single sequencer at a time.

Driver errors are translated by exception type (``sqlite3.Error``, ``psycopg.Error``) into
``StorageError``.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import io
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from tysha.errors import BadInput, NotFound, StorageError
from tysha.protocol import cbor_decode, cbor_encode
from tysha.protocol.cbor import encode_bytes_array
from tysha.store.partfiles import fsync_path
from tysha.tlog import CompactRange, leaf_hash

__all__ = [
    "BlobStore",
    "DropStore",
    "EnvelopeRow",
    "FolderBlobStore",
    "IntegrationItem",
    "MemoryBlobStore",
    "SCHEMA_VERSION",
    "PostgresDropStore",
    "SQLiteDropStore",
    "open_drop_store",
]


@dataclass(frozen=True)
class EnvelopeRow:
    index: int
    digest: bytes
    size: int
    clue_pub: bytes
    clues: tuple[bytes, ...]
    deletion_hashes: tuple[bytes, ...]
    deleted_mask: int
    hour: int
    gone: bool

    @property
    def every_slot_deleted(self) -> bool:
        """Every slot's deletion secret was shown (gone by deletion, not by expiry)."""
        return self.deleted_mask == (1 << len(self.deletion_hashes)) - 1

    def slot_of(self, secret: bytes) -> int | None:
        """The slot whose deletion hash is SHA-256 of ``secret`` (the first, should two
        share it), or None."""
        h = hashlib.sha256(secret).digest()
        return next((slot for slot, dh in enumerate(self.deletion_hashes) if dh == h), None)


@dataclass(frozen=True)
class IntegrationItem:
    digest: bytes
    size: int
    clue_pub: bytes
    clues: tuple[bytes, ...]
    deletion_hashes: tuple[bytes, ...]
    hour: int


class BlobStore(Protocol):
    """Where envelope bytes live, named by their SHA-256 digest. It moves bytes and never
    hands out a path: bytes come in as a body in memory (a one-shot envelope) or from the
    drop's staging files (a resumable upload; ``put_many`` takes them over) and go out as a
    stream (``open``). An S3-compatible store implements the same calls (``put_many`` is then
    a batch of PUTs, ``sync`` a no-op); the local default is the segment store
    (:mod:`tysha.store.segments`). :class:`MemoryBlobStore`, :class:`FolderBlobStore`, the
    segment store and the S3 store pass one contract test.

    ``delete`` is a source's deletion: the bytes go (a segment store overwrites them);
    ``delete_many`` is expiry, which may drop whole segments instead."""

    def put_many(
        self, moves: Sequence[tuple[bytes, Path | bytes]], mtime: float | None = None
    ) -> list[StorageError | None]: ...
    def sync(self, digests: Iterable[bytes]) -> None: ...
    def open(self, digest: bytes) -> BinaryIO: ...
    def mtime(self, digest: bytes) -> float | None: ...
    def exists(self, digest: bytes) -> bool: ...
    def delete(self, digest: bytes) -> None: ...
    def delete_many(self, digests: Iterable[bytes]) -> None: ...
    def digests(self) -> Iterator[bytes]: ...
    def close(self) -> None: ...


class Vanished(StorageError):
    """A staged upload's bytes were gone before they were stored, its digest not held: that
    upload's client starts again. Not a failure of the storage (the drop's outage notice,
    tysha.drop.service, leaves it out)."""

    def __init__(self) -> None:
        super().__init__("the uploaded bytes vanished before they were stored")


def check_blob_name(digest: bytes) -> None:
    if not isinstance(digest, bytes) or len(digest) != 32:
        raise StorageError("blob names are 32-byte digests")


class MemoryBlobStore:
    """Blobs in memory: for tests and in-process drops (nothing survives the process)."""

    def __init__(self) -> None:
        self._blobs: dict[bytes, tuple[bytes, float]] = {}
        self._lock = threading.Lock()

    def put_many(
        self, moves: Sequence[tuple[bytes, Path | bytes]], mtime: float | None = None
    ) -> list[StorageError | None]:
        out: list[StorageError | None] = []
        for digest, src in moves:
            check_blob_name(digest)
            if isinstance(src, bytes):
                with self._lock:
                    self._blobs[digest] = (src, mtime if mtime is not None else time.time())
                out.append(None)
                continue
            try:
                data = Path(src).read_bytes()
            except FileNotFoundError:
                out.append(None if self.exists(digest) else Vanished())
                continue
            except OSError:
                out.append(StorageError("cannot store envelope"))
                continue
            with self._lock:
                self._blobs[digest] = (data, mtime if mtime is not None else time.time())
            Path(src).unlink(missing_ok=True)  # taken over, as a rename would
            out.append(None)
        return out

    def sync(self, digests: Iterable[bytes]) -> None:
        return None

    def open(self, digest: bytes) -> BinaryIO:
        check_blob_name(digest)
        with self._lock:
            found = self._blobs.get(digest)
        if found is None:
            raise NotFound("no such blob")
        return io.BytesIO(found[0])

    def mtime(self, digest: bytes) -> float | None:
        check_blob_name(digest)
        with self._lock:
            found = self._blobs.get(digest)
        return None if found is None else found[1]

    def exists(self, digest: bytes) -> bool:
        check_blob_name(digest)
        with self._lock:
            return digest in self._blobs

    def delete(self, digest: bytes) -> None:
        check_blob_name(digest)
        with self._lock:
            self._blobs.pop(digest, None)

    def delete_many(self, digests: Iterable[bytes]) -> None:
        for d in digests:
            self.delete(d)

    def digests(self) -> Iterator[bytes]:
        with self._lock:
            names = list(self._blobs)
        yield from names

    def close(self) -> None:
        return None


def libc_function(name: str, argtypes: list[Any]) -> Any | None:
    """A function of Linux's C library (``errno`` kept), or ``None`` elsewhere or if absent."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fn = getattr(libc, name)
    except (OSError, AttributeError):
        return None
    fn.argtypes = argtypes
    fn.restype = ctypes.c_int
    return fn


def _load_syncfs() -> Callable[[int], int] | None:
    """Linux ``syncfs(2)``: one call makes every file of the filesystem durable (the blob
    folder's group commit). ``None`` elsewhere; the folder store then fsyncs file by file."""
    fn: Callable[[int], int] | None = libc_function("syncfs", [ctypes.c_int])
    return fn


_SYNCFS = _load_syncfs()


class FolderBlobStore:
    """Content-addressed files ``ab/cdef…`` under one folder, with path containment: a name
    is always the hex of a 32-byte digest, so no request can reach outside the folder."""

    #: Below this many files a batch fsyncs each one; above, one ``syncfs`` is cheaper.
    SYNCFS_MIN = 8

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._dev = self.root.stat().st_dev
        # One long-lived descriptor: since Linux 5.8 syncfs reports every writeback error
        # that happened on the filesystem since the previous syncfs through it.
        self._fs_fd = os.open(self.root, os.O_RDONLY) if _SYNCFS is not None else -1

    def _syncfs(self) -> None:
        if _SYNCFS is None or _SYNCFS(self._fs_fd) != 0:
            err = ctypes.get_errno()
            raise StorageError(f"cannot make envelopes durable: {os.strerror(err)}")

    def exists(self, digest: bytes) -> bool:
        return self.path(digest).exists()

    def put_many(
        self, given: Sequence[tuple[bytes, Path | bytes]], mtime: float | None = None
    ) -> list[StorageError | None]:
        """Group commit of a batch of blobs: make every source's bytes durable, rename each
        into place, make the renames durable. One ``syncfs`` before and one after when the
        batch is large (Linux), else an fsync per file and per folder. A body given in
        memory is first written to a file of its own in the folder.

        ``mtime`` (the hour of arrival) replaces the files' exact modification times. A
        source that has vanished is fine when its digest is already in place (a twin upload
        placed it); otherwise that one move fails and the others go on."""
        out: list[StorageError | None] = [None] * len(given)
        if not given:
            return out
        moves: list[tuple[bytes, Path]] = []
        for digest, src in given:
            if isinstance(src, bytes):
                tmp = self.root / f".in-{os.urandom(8).hex()}"
                try:
                    tmp.write_bytes(src)
                except OSError as exc:
                    tmp.unlink(missing_ok=True)
                    raise StorageError(f"cannot store envelopes: {exc.strerror}") from exc
                src = tmp
            moves.append((digest, src))
        batch_sync = (
            _SYNCFS is not None
            and len(moves) >= self.SYNCFS_MIN
            and all(self._same_fs(src) for _, src in moves)
        )
        try:
            if batch_sync:
                self._syncfs()
            else:
                for _, src in moves:
                    fsync_path(src, missing_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot make envelopes durable: {exc.strerror}") from exc
        folders: set[Path] = set()
        for i, (digest, src) in enumerate(moves):
            dest = self.path(digest)
            try:
                if mtime is not None:
                    os.utime(src, (mtime, mtime))
                try:
                    os.replace(src, dest)
                except FileNotFoundError:  # a new folder (another batch may be making it)
                    dest.parent.mkdir(exist_ok=True)
                    folders.add(self.root)
                    os.replace(src, dest)
                folders.add(dest.parent)
            except FileNotFoundError:
                if not dest.exists():
                    out[i] = Vanished()
            except OSError as exc:
                err = StorageError(f"cannot store envelope: {exc.strerror}")
                err.__cause__ = exc  # a full disk is told to the operator (drop.service)
                out[i] = err
        try:
            if batch_sync:
                self._syncfs()
            else:
                for folder in folders:
                    fsync_path(folder)
        except OSError as exc:
            raise StorageError(f"cannot make envelopes durable: {exc.strerror}") from exc
        return out

    def _same_fs(self, path: Path) -> bool:
        try:
            return path.stat().st_dev == self._dev
        except OSError:
            return True  # a vanished source is handled per move

    def path(self, digest: bytes) -> Path:
        """Where a blob lives inside this folder (not part of :class:`BlobStore`: callers
        outside the store read through :meth:`open`)."""
        # Containment by construction: a name is the hex of exactly 32 bytes, so it has no
        # separator, no "..", nothing but [0-9a-f], and cannot reach outside the folder.
        check_blob_name(digest)
        h = digest.hex()
        return self.root / h[:2] / h[2:]

    def open(self, digest: bytes) -> BinaryIO:
        """A stream of the blob's bytes; a delete meanwhile cannot cut it short."""
        try:
            return open(self.path(digest), "rb")  # noqa: SIM115 - the caller closes it
        except FileNotFoundError:
            raise NotFound("no such blob") from None
        except OSError:
            raise StorageError("cannot read a stored envelope") from None

    def mtime(self, digest: bytes) -> float | None:
        try:
            return self.path(digest).stat().st_mtime
        except OSError:
            return None

    def put_file(self, digest: bytes, source: Path, durable: bool = True) -> None:
        """Move an fsynced file into place atomically. The rename itself becomes durable when
        its folder is fsynced: here (``durable``), or for a whole batch in :meth:`sync`."""
        dest = self.path(digest)
        try:
            dest.parent.mkdir(exist_ok=True)
            os.replace(source, dest)
        except OSError as exc:
            raise StorageError(f"cannot store envelope: {exc.strerror}") from exc
        if durable:
            self.sync([digest])

    def sync(self, digests: Iterable[bytes]) -> None:
        """fsync the folders holding these blobs (once per folder), making their renames
        durable; the drop calls this for a batch before committing it to the log."""
        try:
            for folder in {self.path(d).parent for d in digests} | {self.root}:
                fsync_path(folder)
        except OSError as exc:
            raise StorageError(f"cannot make envelopes durable: {exc.strerror}") from exc

    def delete(self, digest: bytes) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(digest).unlink()

    def delete_many(self, digests: Iterable[bytes]) -> None:
        for d in digests:
            self.delete(d)

    def digests(self) -> Iterator[bytes]:
        for sub in self.root.iterdir():
            if not sub.is_dir() or len(sub.name) != 2:
                continue
            for f in sub.iterdir():
                try:
                    d = bytes.fromhex(sub.name + f.name)
                except ValueError:
                    continue
                if len(d) == 32:
                    yield d

    def close(self) -> None:
        if self._fs_fd >= 0:
            os.close(self._fs_fd)
            self._fs_fd = -1


class DropStore:
    """The interface every backend implements (the contract tests run against each)."""

    def integrate(
        self,
        items: Sequence[IntegrationItem],
        sign: Callable[[int, bytes], str],
        nodes: dict[tuple[int, int], bytes] | None = None,
    ) -> tuple[list[int], int, str]:
        """Append new digests (existing ones keep their index) in one transaction; ``sign``
        makes the checkpoint note for ``(size, root)``. Returns (indices, size, checkpoint).

        ``nodes``, when given, receives every ``(level, index) -> hash`` an inclusion proof
        of a leaf appended here needs in the returned tree: the border of the tree before
        the batch and every node the batch completed (the left siblings of a new leaf's path
        are border nodes, the rest lie within the batch). The integrator proves its batch
        from them without reading the store back (docs/scale.md)."""
        raise NotImplementedError

    def checkpoint(self) -> tuple[int, str | None]:
        raise NotImplementedError

    def read_hashes(self, nodes: Sequence[tuple[int, int]]) -> list[bytes]:
        raise NotImplementedError

    def entries(self, start: int, end: int) -> list[bytes]:
        raise NotImplementedError

    def envelope(self, index: int) -> EnvelopeRow | None:
        raise NotImplementedError

    def index_of(self, digest: bytes) -> int | None:
        raise NotImplementedError

    def states(self, digests: Sequence[bytes]) -> dict[bytes, bool]:
        """For the digests already logged: whether their envelope is gone (deleted/expired)."""
        raise NotImplementedError

    def listing(self, after: int, limit: int) -> tuple[list[EnvelopeRow], int]:
        """Rows still held with index > after (at most ``limit``), and the next cursor."""
        raise NotImplementedError

    def listing_all(self, after: int, limit: int) -> tuple[list[EnvelopeRow], int]:
        """Every row with index > after (at most ``limit``), gone ones included, and the next
        cursor: the contiguous listing (version 2) accounts for every log index."""
        raise NotImplementedError

    def mark_deleted(self, index: int, slot: int) -> bool:
        """Mark a slot collected; returns True when every slot is (the blob may go)."""
        raise NotImplementedError

    def expire(self, before_hour: int) -> list[bytes]:
        """Mark rows older than ``before_hour`` gone; return their digests."""
        raise NotImplementedError

    def live_digests(self) -> set[bytes]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


def _runs(nodes: Sequence[tuple[int, int]]) -> Iterator[tuple[int, int, int]]:
    """Sorted (level, index) pairs as runs (level, first, last) of consecutive indices."""
    run: list[int] | None = None
    for level, idx in nodes:
        if run is not None and run[0] == level and run[2] + 1 == idx:
            run[2] = idx
            continue
        if run is not None:
            yield run[0], run[1], run[2]
        run = [level, idx, idx]
    if run is not None:
        yield run[0], run[1], run[2]


def _row(r: Sequence[Any]) -> EnvelopeRow:
    clues = cbor_decode(bytes(r[4]))
    dels = cbor_decode(bytes(r[5]))
    assert isinstance(clues, list) and isinstance(dels, list)
    return EnvelopeRow(
        int(r[0]),
        bytes(r[1]),
        int(r[2]),
        bytes(r[3]),
        tuple(bytes(c) for c in clues if isinstance(c, bytes)),
        tuple(bytes(d) for d in dels if isinstance(d, bytes)),
        int(r[6]),
        int(r[7]),
        bool(r[8]),
    )


_COLS = "idx, digest, size, clue_pub, clues, del_hashes, del_mask, hour, gone"


# A DB-API driver's error, by its standard class name, in a person's words (not the name).
_DB_REFUSED = "the database refused the operation"
_DB_ERRORS = {
    "OperationalError": "the database cannot be reached, or it refused the operation",
    "InterfaceError": "the connection to the database failed",
}


class _SqlDropStore(DropStore):
    """Shared SQL for both backends; subclasses provide connections and placeholders."""

    ph = "?"
    _driver_error: type[Exception] = Exception
    #: What to check when the driver fails (the file's store: its folder and disk).
    _error_hint = "check the drop folder: free disk space, permissions, and that drop.db is whole"

    @contextlib.contextmanager
    def _tx(self, write: bool = False) -> Iterator[Any]:
        raise NotImplementedError

    def _guard(self) -> contextlib.AbstractContextManager[None]:
        store = self

        @contextlib.contextmanager
        def guard() -> Iterator[None]:
            try:
                yield
            except store._driver_error as exc:
                raise StorageError(
                    f"database error: {_DB_ERRORS.get(type(exc).__name__, _DB_REFUSED)}",
                    hint=store._error_hint,
                ) from exc

        return guard()

    def _has_table(self, cur: Any, name: str) -> bool:
        raise NotImplementedError

    def _ddl(self, stmt: str) -> str:
        return stmt

    def schema_version(self) -> int:
        with self._guard(), self._tx() as cur:
            return self._version(cur)

    def _version(self, cur: Any) -> int:
        if not self._has_table(cur, "schema_version"):
            return 1 if self._has_table(cur, "envelopes") else 0
        cur.execute("SELECT version FROM schema_version")
        row = cur.fetchone()
        return int(row[0]) if row else 0

    def _migrate(self) -> None:
        """Bring the database to :data:`SCHEMA_VERSION`, or refuse a newer one."""
        with self._guard(), self._tx(write=True) as cur:
            version = self._version(cur)
            if version > SCHEMA_VERSION:
                raise StorageError(
                    f"the drop's database has schema version {version}, newer than this"
                    f" version of tysha understands ({SCHEMA_VERSION}); upgrade tysha",
                    hint="nothing was read or changed; run it with the Tysha that wrote it,"
                    " or a later one",
                )
            if version == SCHEMA_VERSION:
                return
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for stmt in _MIGRATIONS[step]:
                    cur.execute(self._ddl(stmt))
            cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            cur.execute("DELETE FROM schema_version")
            cur.execute(
                f"INSERT INTO schema_version (version) VALUES ({self.ph})", (SCHEMA_VERSION,)
            )

    def _state(self, cur: Any) -> tuple[int, list[bytes], str | None]:
        cur.execute("SELECT v FROM state WHERE k = 'tree'")
        row = cur.fetchone()
        if row is None:
            return 0, [], None
        obj = cbor_decode(bytes(row[0]), max_items=100)
        assert isinstance(obj, dict)
        size, border, cp = obj[0], obj[1], obj[2]
        assert isinstance(size, int) and isinstance(border, list)
        return (
            size,
            [bytes(b) for b in border if isinstance(b, bytes)],
            cp if isinstance(cp, str) else None,
        )

    def integrate(
        self,
        items: Sequence[IntegrationItem],
        sign: Callable[[int, bytes], str],
        nodes: dict[tuple[int, int], bytes] | None = None,
    ) -> tuple[list[int], int, str]:
        p = self.ph
        with self._guard(), self._tx(write=True) as cur:
            size, border, cp = self._state(cur)
            rng = CompactRange(size, border)
            proved = (
                dict(zip(rng.border_nodes(), rng.border(), strict=True))
                if nodes is not None
                else {}
            )
            known = {d: idx for d, idx, _ in self._known(cur, [it.digest for it in items])}
            indices: list[int] = []
            new_nodes: list[tuple[int, int, bytes]] = []
            rows: list[tuple[Any, ...]] = []
            for it in items:
                found = known.get(it.digest)
                if found is not None:
                    indices.append(found)
                    continue
                idx = rng.size
                new_nodes.extend(rng.append(leaf_hash(it.digest)))
                rows.append(
                    (
                        idx,
                        it.digest,
                        it.size,
                        it.clue_pub,
                        encode_bytes_array(it.clues),
                        encode_bytes_array(it.deletion_hashes),
                        0,
                        it.hour,
                        0,
                    )
                )
                known[it.digest] = idx
                indices.append(idx)
            if rows:
                cur.executemany(
                    f"INSERT INTO envelopes ({_COLS}) VALUES ({', '.join([p] * 9)})", rows
                )
                cur.executemany(
                    f"INSERT INTO nodes (level, idx, hash) VALUES ({p}, {p}, {p})", new_nodes
                )
                cp = sign(rng.size, rng.root())
                state = cbor_encode({0: rng.size, 1: rng.border(), 2: cp})
                self._put_state(cur, state)
            elif cp is None:
                cp = sign(0, rng.root())
                self._put_state(cur, cbor_encode({0: 0, 1: [], 2: cp}))
        if nodes is not None:  # once the transaction committed
            nodes.update(proved)
            nodes.update(((lv, ix), h) for lv, ix, h in new_nodes)
        return indices, rng.size, cp

    def _known(self, cur: Any, digests: Sequence[bytes]) -> list[tuple[bytes, int, bool]]:
        want = list(dict.fromkeys(digests))
        out: list[tuple[bytes, int, bool]] = []
        for i in range(0, len(want), 500):
            part = want[i : i + 500]
            marks = ", ".join([self.ph] * len(part))
            cur.execute(f"SELECT digest, idx, gone FROM envelopes WHERE digest IN ({marks})", part)
            out += [(bytes(d), int(ix), bool(g)) for d, ix, g in cur.fetchall()]
        return out

    def states(self, digests: Sequence[bytes]) -> dict[bytes, bool]:
        if not digests:
            return {}
        with self._guard(), self._tx() as cur:
            return {d: gone for d, _, gone in self._known(cur, digests)}

    def _put_state(self, cur: Any, state: bytes) -> None:
        p = self.ph
        cur.execute("DELETE FROM state WHERE k = 'tree'")
        cur.execute(f"INSERT INTO state (k, v) VALUES ('tree', {p})", (state,))

    def checkpoint(self) -> tuple[int, str | None]:
        with self._guard(), self._tx() as cur:
            size, _, cp = self._state(cur)
            return size, cp

    def read_hashes(self, nodes: Sequence[tuple[int, int]]) -> list[bytes]:
        if not nodes:
            return []
        p = self.ph
        found: dict[tuple[int, int], bytes] = {}
        with self._guard(), self._tx() as cur:
            # Runs of consecutive nodes on one level (a tile is one run of up to 256) are
            # read by range, one index scan each; PostgreSQL plans a long OR of pairs as
            # hundreds of scans (tiles were served 15x slower than from SQLite).
            singles: list[tuple[int, int]] = []
            for level, lo, hi in _runs(sorted(set(nodes))):
                if hi - lo < 8:
                    singles += [(level, x) for x in range(lo, hi + 1)]
                    continue
                cur.execute(
                    f"SELECT idx, hash FROM nodes WHERE level = {p} AND idx >= {p}"
                    f" AND idx <= {p}",
                    (level, lo, hi),
                )
                for ix, h in cur.fetchall():
                    found[(level, int(ix))] = bytes(h)
            want = singles
            for i in range(0, len(want), 200):
                part = want[i : i + 200]
                cond = " OR ".join([f"(level = {p} AND idx = {p})"] * len(part))
                args = [x for n in part for x in n]
                cur.execute(f"SELECT level, idx, hash FROM nodes WHERE {cond}", args)
                for lv, ix, h in cur.fetchall():
                    found[(int(lv), int(ix))] = bytes(h)
        try:
            return [found[n] for n in nodes]
        except KeyError as exc:
            raise StorageError(f"log node {exc.args[0]} is missing from the store") from None

    def entries(self, start: int, end: int) -> list[bytes]:
        p = self.ph
        with self._guard(), self._tx() as cur:
            cur.execute(
                f"SELECT digest FROM envelopes WHERE idx >= {p} AND idx < {p} ORDER BY idx",
                (start, end),
            )
            return [bytes(r[0]) for r in cur.fetchall()]

    def envelope(self, index: int) -> EnvelopeRow | None:
        with self._guard(), self._tx() as cur:
            cur.execute(f"SELECT {_COLS} FROM envelopes WHERE idx = {self.ph}", (index,))
            r = cur.fetchone()
            return None if r is None else _row(r)

    def index_of(self, digest: bytes) -> int | None:
        with self._guard(), self._tx() as cur:
            cur.execute(f"SELECT idx FROM envelopes WHERE digest = {self.ph}", (digest,))
            r = cur.fetchone()
            return None if r is None else int(r[0])

    def listing(self, after: int, limit: int) -> tuple[list[EnvelopeRow], int]:
        p = self.ph
        with self._guard(), self._tx() as cur:
            cur.execute(
                f"SELECT {_COLS} FROM envelopes WHERE idx > {p} ORDER BY idx LIMIT {p}",
                (after, limit),
            )
            raw = cur.fetchall()
        rows = [_row(r) for r in raw]
        cursor = rows[-1].index if rows else after
        return [r for r in rows if not r.gone], cursor

    def listing_all(self, after: int, limit: int) -> tuple[list[EnvelopeRow], int]:
        p = self.ph
        with self._guard(), self._tx() as cur:
            cur.execute(
                f"SELECT {_COLS} FROM envelopes WHERE idx > {p} ORDER BY idx LIMIT {p}",
                (after, limit),
            )
            rows = [_row(r) for r in cur.fetchall()]
        return rows, rows[-1].index if rows else after

    def mark_deleted(self, index: int, slot: int) -> bool:
        p = self.ph
        with self._guard(), self._tx(write=True) as cur:
            cur.execute(f"SELECT {_COLS} FROM envelopes WHERE idx = {p}", (index,))
            r = cur.fetchone()
            if r is None:
                raise StorageError("no such envelope")
            row = _row(r)
            mask = row.deleted_mask | (1 << slot)
            done = mask == (1 << len(row.deletion_hashes)) - 1
            cur.execute(
                f"UPDATE envelopes SET del_mask = {p}, gone = {p} WHERE idx = {p}",
                (mask, 1 if done else 0, index),
            )
            return done

    def expire(self, before_hour: int) -> list[bytes]:
        p = self.ph
        with self._guard(), self._tx(write=True) as cur:
            cur.execute(
                f"SELECT digest FROM envelopes WHERE gone = 0 AND hour < {p}", (before_hour,)
            )
            digests = [bytes(r[0]) for r in cur.fetchall()]
            cur.execute(
                f"UPDATE envelopes SET gone = 1 WHERE gone = 0 AND hour < {p}", (before_hour,)
            )
            return digests

    def live_digests(self) -> set[bytes]:
        with self._guard(), self._tx() as cur:
            cur.execute("SELECT digest FROM envelopes WHERE gone = 0")
            return {bytes(r[0]) for r in cur.fetchall()}


#: The schema this code reads and writes. ``_MIGRATIONS[v]`` takes a database from ``v - 1``
#: to ``v`` in one transaction under the write lock; the version is kept in the table
#: ``schema_version``. A database from before versioning (its tables, no version) is version
#: 1. A database newer than this code is refused, never written.
SCHEMA_VERSION = 2

_SCHEMA_V1 = [
    """CREATE TABLE IF NOT EXISTS envelopes (
        idx BIGINT PRIMARY KEY, digest BYTEA UNIQUE NOT NULL, size BIGINT NOT NULL,
        clue_pub BYTEA NOT NULL, clues BYTEA NOT NULL, del_hashes BYTEA NOT NULL,
        del_mask BIGINT NOT NULL, hour BIGINT NOT NULL, gone INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS nodes (
        level INTEGER NOT NULL, idx BIGINT NOT NULL, hash BYTEA NOT NULL,
        PRIMARY KEY (level, idx))""",
    "CREATE TABLE IF NOT EXISTS state (k TEXT PRIMARY KEY, v BYTEA NOT NULL)",
]

_MIGRATIONS: dict[int, list[str]] = {
    1: _SCHEMA_V1,
    # Expiry and the live-digest scan look rows up by (gone, hour): without an index every
    # maintenance pass read the whole table.
    2: ["CREATE INDEX IF NOT EXISTS envelopes_gone_hour ON envelopes (gone, hour)"],
}


class SQLiteDropStore(_SqlDropStore):
    """The embedded default: one SQLite file in WAL mode, ``synchronous=FULL``."""

    ph = "?"
    _driver_error = sqlite3.Error

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        try:
            self._migrate()
        except BaseException:
            self.close()  # a refused database leaves no connection behind
            raise

    def _ddl(self, stmt: str) -> str:
        return stmt.replace("BYTEA", "BLOB")

    def _has_table(self, cur: Any, name: str) -> bool:
        cur.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        return cur.fetchone() is not None

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            self._local.conn = conn
        return conn

    @contextlib.contextmanager
    def _tx(self, write: bool = False) -> Iterator[Any]:
        conn = self._conn()
        cur = conn.cursor()
        if write:
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")
        else:
            yield cur

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


class PostgresDropStore(_SqlDropStore):
    """PostgreSQL (psycopg 3): how a drop outgrows one machine. Integration takes a
    transaction-scoped advisory lock, so one sequencer at a time assigns indices."""

    _error_hint = (
        "check that the database runs and what --database names (server, user, password, "
        "database)"
    )

    ph = "%s"
    _LOCK_KEY = 0x7479736861  # "tysha"
    #: The sequencer lease. Integration holds the transaction-scoped advisory lock, so the
    #: lease is the transaction: PostgreSQL ends it (and frees the lock for the next
    #: process) when the holder's connection closes (a killed process: at once), when its
    #: host vanishes (TCP keepalives, ~11 s), or when it stalls inside the transaction
    #: (``idle_in_transaction_session_timeout``). Nothing of an unfinished batch is visible.
    _CONNECT: dict[str, Any] = dict(
        connect_timeout=5, keepalives=1, keepalives_idle=5, keepalives_interval=2,
        keepalives_count=3,
    )  # fmt: skip
    _SESSION = (
        "SET idle_in_transaction_session_timeout = '15s'",
        "SET tcp_keepalives_idle = 5",
        "SET tcp_keepalives_interval = 2",
        "SET tcp_keepalives_count = 3",
    )

    def __init__(self, url: str, schema: str | None = None) -> None:
        import psycopg

        self._psycopg = psycopg
        self._driver_error = psycopg.Error
        self.url = url
        self.schema = schema
        self._local = threading.local()
        # Every thread's connection, so close() ends them all (not only the caller's).
        self._all: list[Any] = []
        self._all_lock = threading.Lock()
        try:
            try:
                self._conn()
            except psycopg.Error:  # its text may name the host, user and database: not shown
                raise StorageError(
                    "cannot connect to the database given with --database",
                    hint="check that PostgreSQL answers at the URL's host and port, and that"
                    " the URL's database, user and password are right",
                ) from None
            self._migrate()
        except BaseException:
            self.close()  # a refused database leaves no connection behind
            raise

    def _has_table(self, cur: Any, name: str) -> bool:
        cur.execute(
            "SELECT 1 FROM information_schema.tables"
            " WHERE table_name = %s AND table_schema = current_schema()",
            (name,),
        )
        return cur.fetchone() is not None

    def _conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._psycopg.connect(
                self.url,
                autocommit=True,
                application_name=f"tysha-drop-{os.getpid()}",
                **self._CONNECT,
            )
            for stmt in self._SESSION:
                conn.execute(stmt)
            if self.schema:
                conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                conn.execute(f'SET search_path TO "{self.schema}"')
            self._local.conn = conn
            with self._all_lock:
                self._all = [c for c in self._all if not c.closed] + [conn]
        return conn

    @contextlib.contextmanager
    def _tx(self, write: bool = False) -> Iterator[Any]:
        conn = self._conn()
        with conn.transaction(), conn.cursor() as cur:
            if write:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (self._LOCK_KEY,))
            yield cur

    def close(self) -> None:
        with self._all_lock:
            conns, self._all = self._all, []
        for conn in conns:
            with contextlib.suppress(Exception):
                conn.close()
        self._local = threading.local()


def open_drop_store(data_dir: Path, database: str | None = None) -> DropStore:
    if database:
        if not database.startswith(("postgresql://", "postgres://")):
            raise BadInput(
                "--database takes a postgresql:// URL",
                hint="give one such as postgresql://USER@HOST:5432/DATABASE",
            )
        return PostgresDropStore(database)
    return SQLiteDropStore(Path(data_dir) / "drop.db")
