"""Envelope bytes in append-only segment files: no file per envelope (issue 13).

A folder drop used to keep one file per envelope (``blobs/ab/cdef…``). Creating that file,
renaming it into place and making both durable cost the drop far more than the bytes (a
quarter of its CPU went to ``open(tmp, "wb")`` alone). :class:`SegmentBlobStore` appends a
batch's bodies to one open segment file instead, as Tessera, Kafka and SQLite's WAL do:

- **One write per batch, one ``fdatasync`` per batch.** ``put_many`` gathers the batch's
  self-describing records (a 44-byte head and the body each) in one page-aligned buffer,
  writes it at a page-aligned offset of the segment -- with ``O_DIRECT`` where the file
  system takes it, so the bytes go from that buffer to the device without the page cache
  (on this project's machines the page cache cost the kernel ~100 us of CPU per 64 KiB
  envelope, direct writes ~3 us) -- and makes the whole batch durable with a single
  ``fdatasync``; only then are the records entered in the index and ``put_many`` returns
  (the drop commits its log rows after that). A batch that does not end on a page boundary
  ends with a filler record: an erased record (below) of zeros, which every scan steps over.
  Where ``O_DIRECT`` is refused (tmpfs, some network file systems) the same aligned writes go
  through the page cache.
- **Records describe themselves**: ``magic "TYS1" | body length (u64, big-endian) | SHA-256 of
  the body | body``. A segment can always be rescanned, and a rescan keeps exactly the records
  that verify: a record whose body hashes to its digest, or an erased record (digest and body
  all zeros).
- **A damaged record loses no other.** A record that does not verify (a flipped bit in its
  head or body, a page a crash left unwritten) is skipped, never indexed nor served; the scan
  finds the next record boundary by looking for the next ``"TYS1"`` head whose body hashes to
  its digest (erased and filler records are all zeros, so no record is stepped over; only a
  body crafted to hold a whole valid record could mislead it, and only where the disk has
  already damaged the record around it) and goes on from there, so every intact record after
  the damage -- acknowledged envelopes of that batch and of later ones -- is kept. The skipped
  record is told to the operator once, at the rescan that finds it (``tysha.drop`` log: the
  segment, the byte, the envelope's digest when its head still names it; an erasure that a
  crash cut short is stepped over without naming the deleted envelope). Bytes after the last
  record that verifies are a torn tail -- the last, unacknowledged batch of a crashed process
  -- and are cut off the file as before. The format is unchanged: older segments scan alike.
- **Segments roll by hour and by size**: a segment holds envelopes of one hour of arrival
  (the drop's coarse time) and at most :attr:`SegmentBlobStore.SEGMENT_MAX` bytes; its name is
  ``<hour>-<writer>-<n>.seg``. Every process (``workers`` in drop.json) writes its own
  segments, locked with ``flock`` while it appends to them, so processes never interleave
  records in one file. Expiry of 90-day-old envelopes empties whole segments, which are then
  unlinked (:meth:`SegmentBlobStore.delete_many`).
- **The index** ``digest -> (segment, offset, length, hour)`` is a small SQLite file
  (``segments/index.db``, WAL) on disk, not in Python memory: a million envelopes cost the
  drop no resident memory here. Its commits are not fsynced (``synchronous=NORMAL``): it is
  rebuildable from the segments. The table ``segs`` records, per segment, the end offset up to
  which the index is known complete; at open, every segment that is longer than that and not
  locked by a live writer has its tail rescanned: whole records are (re)indexed, a damaged
  one is skipped and a torn tail is truncated away, never served (above). Deleting
  ``index.db`` rebuilds the index: every segment is rescanned from its start, alike. The drop
  starts without reading its segments (only the unindexed tails, normally none).
- **Deleting one envelope really erases its bytes** (a source's deletion secret): its record
  is overwritten in place -- the head becomes ``"TYSD"`` (an erased record, skipped by a
  rescan; its length is kept so the scan can step over it) with the digest zeroed, the body
  is overwritten with zeros, the interior pages are deallocated with ``fallocate(PUNCH_HOLE)``
  where the file system supports it -- and then ``fdatasync``. (Copies the file system or the
  device may hold elsewhere, e.g. SSD remapping, are beyond any file API; THREAT_MODEL.) A
  segment left without live records is unlinked (by the next open, if the process that
  emptied it was stopped first: an expiry unlinks segments one after another). An open
  stream of the record (a download under way in this process) is not cut short: the erasure
  waits until the last one closes.
  A record waiting for its erasure is written in the index (table ``erasing``) in the same
  transaction that takes it out, and struck off once the erasure is durable: a process
  stopped before that (a download held open, a restart, a kill) leaves it to the next open,
  which erases it -- never on disk for good, unindexed and forgotten.
- **Reading** (:meth:`SegmentBlobStore.open`) returns a bounded view of the record's bytes
  (``pread`` within the record), never the whole segment; the head is checked first, so an
  erased or overwritten record is never served as an envelope. The bytes are hashed as they
  are read: a record damaged on disk after it was indexed breaks off before its last bytes
  (a download of it is cut, never complete with wrong bytes), leaves the index (so later
  downloads answer gone at once and a resubmission stores it afresh) and is told to the
  operator once.
- **Older drops**: blobs of the per-digest folder (``blobs/ab/cdef…``) are still read,
  listed and deleted (:class:`~tysha.store.drop_store.FolderBlobStore` under the same
  folder); new envelopes go to segments.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import hashlib
import io
import itertools
import logging
import mmap
import os
import random
import sqlite3
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from tysha.errors import NotFound, StorageError
from tysha.store.drop_store import (
    FolderBlobStore,
    Vanished,
    check_blob_name,
    libc_function,
)
from tysha.store.partfiles import fsync_path

__all__ = ["SegmentBlobStore"]

_log = logging.getLogger("tysha.drop")

MAGIC = b"TYS1"
ERASED = b"TYSD"
HEAD = struct.Struct(">4sQ32s")  # magic, body length, SHA-256 of the body
_COPY = 1 << 20


def _load_punch_hole() -> Callable[[int, int, int], None] | None:
    """``fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len)`` on Linux."""
    fn = libc_function(
        "fallocate", [ctypes.c_int, ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong]
    )
    if fn is None:
        return None

    def punch(fd: int, off: int, length: int) -> None:
        fn(fd, 0x02 | 0x01, off, length)  # best effort: the zeros are already written

    return punch


_PUNCH = _load_punch_hole()
_PAGE = 4096
#: The batch buffer: records are gathered here and written a page-aligned piece at a time
#: (a multiple of the page size).
_BUFFER = 8 << 20
_DIRECT = getattr(os, "O_DIRECT", 0)


class _RecordView(io.RawIOBase):
    """The bytes of one record, read with ``pread`` from the segment: a bounded view. They
    are hashed as they are read; when they do not hash to the record's digest (damaged on
    disk since they were indexed), the read that would return the last of them raises
    instead (``on_damaged`` is called first): no reader ever holds the whole of wrong bytes
    as the envelope."""

    def __init__(
        self,
        fd: int,
        start: int,
        length: int,
        digest: bytes,
        on_close: Callable[[], None],
        on_damaged: Callable[[], None],
    ) -> None:
        self._fd = fd
        self._start = start
        self._length = length
        self._pos = 0
        self._digest = digest
        self._hash = hashlib.sha256()
        self._on_close: Callable[[], None] | None = on_close
        self._on_damaged = on_damaged

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        want = min(len(buffer), self._length - self._pos)
        if want <= 0:
            return 0
        data = os.pread(self._fd, want, self._start + self._pos)
        if not data:
            raise StorageError("a stored envelope is shorter than its record")
        self._hash.update(data)
        if self._pos + len(data) == self._length and self._hash.digest() != self._digest:
            self._on_damaged()
            raise StorageError("a stored envelope is damaged (its bytes do not hash to it)")
        memoryview(buffer)[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
            done, self._on_close = self._on_close, None
            if done is not None:
                done()
        super().close()


class _Writer:
    """This process's open segment for one hour (appended to under the store's lock).
    ``end`` is where the next batch starts: always a multiple of the page size."""

    def __init__(self, name: str, fd: int, hour: int, end: int) -> None:
        self.name = name
        self.fd = fd
        self.hour = hour
        self.end = end


class _Batch:
    """One batch's records gathered in a page-aligned buffer (``buf``, an anonymous ``mmap``:
    page-aligned as ``O_DIRECT`` requires) and written to the segment at page-aligned offsets:
    whole pages while the batch lasts, then the tail padded to a page boundary with a filler
    record. A write error leaves the segment to be cut back to ``w.end`` by the caller."""

    def __init__(self, w: _Writer, buf: mmap.mmap) -> None:
        self.w = w
        self.buf = buf
        self.view = memoryview(buf)
        self.used = 0  # bytes gathered in the buffer, not yet written
        self.at = w.end  # file offset of the buffer's first byte

    def offset(self) -> int:
        """The file offset the next byte added will have."""
        return self.at + self.used

    def _room(self) -> int:
        """Free bytes in the buffer; a full buffer (whole pages: its size is a multiple of
        the page) is written first."""
        if self.used == len(self.buf):
            self._write(self.used)
        return len(self.buf) - self.used

    def add(self, data: bytes | memoryview) -> None:
        data = memoryview(data).cast("B")
        while data:
            n = min(self._room(), len(data))
            self.view[self.used : self.used + n] = data[:n]
            self.used += n
            data = data[n:]

    def add_file(self, f: BinaryIO, length: int) -> int:
        """Up to ``length`` bytes read from ``f`` straight into the buffer; bytes copied."""
        copied = 0
        while copied < length:
            want = min(self._room(), length - copied)
            got = f.readinto(self.view[self.used : self.used + want])  # type: ignore[attr-defined]
            if not got:
                break
            self.used += got
            copied += got
        return copied

    def finish(self) -> int:
        """Pad to a page boundary with a filler record and write the rest; the new end."""
        if self.used:
            gap = -self.used % _PAGE
            if gap and gap < HEAD.size:
                gap += _PAGE
            if gap:
                self.add(HEAD.pack(ERASED, gap - HEAD.size, bytes(32)))
                self.add(bytes(gap - HEAD.size))
            self._write(self.used)
        return self.at

    def _write(self, n: int) -> None:
        """Write the buffer's first ``n`` bytes (a multiple of the page size) at ``at``."""
        done = 0
        while done < n:
            try:
                done += os.pwrite(self.w.fd, self.view[done:n], self.at + done)
            except OSError as exc:
                if exc.errno != errno.EINVAL or not _direct(self.w.fd):
                    raise
                # The file system took O_DIRECT at open but not this write: page cache.
                flags = fcntl.fcntl(self.w.fd, fcntl.F_GETFL)
                fcntl.fcntl(self.w.fd, fcntl.F_SETFL, flags & ~_DIRECT)
        rest = self.used - n
        self.view[:rest] = self.view[n : self.used]
        self.used = rest
        self.at += n


def _direct(fd: int) -> bool:
    return bool(_DIRECT) and bool(fcntl.fcntl(fd, fcntl.F_GETFL) & _DIRECT)


class SegmentBlobStore:
    """Envelope bytes in append-only segments with an on-disk index (module docstring)."""

    #: A segment is closed for writing past this size (and at the next hour).
    SEGMENT_MAX = 256 << 20

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.legacy = FolderBlobStore(self.root)  # per-digest files of older drops
        self.dir = self.root / "segments"
        self.dir.mkdir(exist_ok=True)
        self._writer_id = os.urandom(4).hex()
        self._serial = 0
        self._writer: _Writer | None = None
        self._buffer: mmap.mmap | None = None  # the batch buffer, made at the first write
        self._wlock = threading.Lock()  # appends to the open segment
        self._ilock = threading.Lock()  # the index connection
        self._readers: dict[tuple[str, int], int] = {}
        self._erase_later: dict[tuple[str, int], int] = {}
        self._told: set[tuple[str, int]] = set()  # records found damaged while read
        self._rlock = threading.Lock()
        self._db = sqlite3.connect(
            self.dir / "index.db", isolation_level=None, check_same_thread=False, timeout=30
        )
        # Several drop processes open one folder at once. SQLite answers "locked" at once,
        # without waiting for its busy timeout, to a connection that switches to WAL or
        # creates the tables while another does the same: retry those steps for a while.
        deadline = time.monotonic() + 30
        while True:
            try:
                self._create_index()
                self._recover()
                break
            except sqlite3.OperationalError as exc:
                busy = "locked" in str(exc) or "busy" in str(exc)
                if busy and time.monotonic() < deadline:
                    time.sleep(0.02 + random.random() * 0.05)
                    continue
                self._db.close()
                raise StorageError(f"cannot open the envelope index: {exc}") from None
            except sqlite3.Error as exc:
                self._db.close()
                if getattr(exc, "sqlite_errorname", "") in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
                    # Only an index: every envelope is in the segments.
                    path = self.dir / "index.db"
                    raise StorageError(
                        f"the drop's envelope index {path} is damaged: stop the drop, delete"
                        " that file and start it again (it is rebuilt from the segments, which"
                        " hold every envelope)"
                    ) from None
                raise StorageError(f"cannot open the envelope index: {exc}") from None

    def _create_index(self) -> None:
        self._db.execute("PRAGMA journal_mode=WAL")
        # Not fsynced: a lost commit is recovered from the segments at the next open.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            # One row per record: a digest stored twice (two drop processes took the
            # same envelope at once) has two, and a deletion erases both.
            "CREATE TABLE IF NOT EXISTS blobs (digest BLOB NOT NULL, seg TEXT NOT NULL,"
            " off INTEGER NOT NULL, len INTEGER NOT NULL, hour INTEGER NOT NULL,"
            " PRIMARY KEY (digest, seg, off)) WITHOUT ROWID"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS blobs_seg ON blobs (seg)")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS segs (name TEXT PRIMARY KEY, hour INTEGER NOT NULL,"
            " indexed INTEGER NOT NULL)"
        )
        # Records deleted from the index whose bytes are not yet erased (a download under
        # way, or a process stopped first): entered in the deleting transaction, removed
        # once the erasure is durable, done at the next open if it never was.
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS erasing (seg TEXT NOT NULL, off INTEGER NOT NULL,"
            " len INTEGER NOT NULL, PRIMARY KEY (seg, off)) WITHOUT ROWID"
        )

    # --- recovery ------------------------------------------------------------------------

    def _recover(self) -> None:
        """Index the whole records past each idle segment's indexed end; cut a torn tail.
        A segment indexed to its end without a live record is unlinked: a deletion or an
        expiry that emptied it was stopped (the process killed) between its index commit
        and the unlink, and nothing else would ever look at it again."""
        known = dict(self._db.execute("SELECT name, indexed FROM segs").fetchall())
        for path in sorted(self.dir.glob("*.seg")):
            indexed = int(known.get(path.name, 0))
            try:
                if path.stat().st_size <= indexed:
                    # Only a segment with a row in segs: a new one (no batch indexed yet)
                    # may be a writer's that it has created and not yet locked.
                    if path.name in known:
                        with contextlib.suppress(OSError):  # tried again at the next open
                            self._drop_if_empty(path.name)
                    continue
                fd = os.open(path, os.O_RDWR)
            except OSError:
                continue
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # a live writer (another drop process) is appending to it
                self._rescan(path.name, fd, indexed)
            finally:
                os.close(fd)
        self._finish_erasures()

    def _finish_erasures(self) -> None:
        """Erase the records a deletion took out of the index whose erasure never became
        durable: it waited for a download and the process was stopped first, or it was
        stopped in the middle. (A download under way in another drop process meanwhile is
        cut short: the envelope is deleted.)"""
        bysegment: dict[str, list[tuple[int, int]]] = {}
        for seg, off, length in self._db.execute("SELECT seg, off, len FROM erasing"):
            bysegment.setdefault(str(seg), []).append((int(off), int(length)))
        for seg, records in bysegment.items():
            with contextlib.suppress(StorageError, OSError):  # tried again at the next open
                self._erase_many(seg, records)
                self._drop_if_empty(seg)

    def _rescan(self, name: str, fd: int, off: int) -> None:
        """Index the whole records from ``off`` (a record boundary) to the end of the
        segment: a damaged record is skipped (and told once), the records after it that
        verify are kept, and bytes after the last whole record (a torn tail) are cut."""
        size = os.fstat(fd).st_size
        rows: list[tuple[bytes, str, int, int, int]] = []
        damaged: list[tuple[int, bytes | None]] = []
        hour = _segment_hour(name)
        end = off  # the end of the last whole record: the segment is cut there
        while off + HEAD.size <= size:
            found = _record(fd, off, size)
            if found is None:
                after = _next_record(fd, off + 1, size)
                if after is None:
                    break  # torn: what it and anything after it hold was never acknowledged
                lost = _damaged_envelope(fd, off, after)
                if lost is not None:
                    damaged.append((off, lost or None))
                off = after
                continue
            magic, length, digest = found
            if magic == MAGIC:
                rows.append((digest, name, off + HEAD.size, length, hour))
            off = end = off + HEAD.size + length
        if end < size:
            os.ftruncate(fd, end)
            os.fsync(fd)
        with self._ilock:
            self._index(rows, name, hour, end, rescanned=True)
        for at, named in damaged:  # after the index commit: told once, not at every start
            if named is None:
                _log.error(
                    "segment %s: a damaged record at byte %d was skipped (a bad disk block,"
                    " or a write cut short by a crash); which envelope it held cannot be read;"
                    " the records after it are kept",
                    name,
                    at,
                )
            else:
                _log.error(
                    "segment %s: a damaged record at byte %d was skipped (a bad disk block,"
                    " or a write cut short by a crash): envelope %s is not served; if the drop"
                    " acknowledged it, the desk gets 410 for it; the records after it are kept",
                    name,
                    at,
                    named.hex(),
                )

    # --- writing -------------------------------------------------------------------------

    def _open_writer(self, hour: int) -> _Writer:
        """The segment to append to now (called under ``_wlock``)."""
        w = self._writer
        if w is not None and w.hour == hour and w.end < self.SEGMENT_MAX:
            return w
        self._serial += 1
        name = f"{hour:010d}-{self._writer_id}-{self._serial:06d}.seg"
        path = self.dir / name
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        try:
            fd = os.open(path, flags | _DIRECT, 0o600)
        except OSError as exc:
            if exc.errno != errno.EINVAL or not _DIRECT:
                raise
            path.unlink(missing_ok=True)  # created before O_DIRECT was refused
            fd = os.open(path, flags, 0o600)  # the page cache, aligned all the same
        fcntl.flock(fd, fcntl.LOCK_EX)  # ours while we append; a restart rescans it after
        fsync_path(self.dir)  # the new name is durable before any record in it is acknowledged
        if w is not None:
            os.close(w.fd)
        self._writer = _Writer(name, fd, hour, 0)
        return self._writer

    def put_many(
        self, moves: Sequence[tuple[bytes, Path | bytes]], mtime: float | None = None
    ) -> list[StorageError | None]:
        """Append a batch, make it durable with one ``fdatasync``, then index it. A source is
        a staging file (taken over: removed once stored) or the body itself. A digest already
        held is not written twice; a vanished staging file is fine when its digest is held."""
        out: list[StorageError | None] = [None] * len(moves)
        if not moves:
            return out
        for digest, _ in moves:
            check_blob_name(digest)
        hour = int(mtime if mtime is not None else time.time()) // 3600
        rows: list[tuple[bytes, str, int, int, int]] = []
        taken: list[Path] = []
        fresh: set[bytes] = set()  # stored by this batch
        spare: list[Path] = []  # staging copies of a digest this batch stores
        with self._wlock:
            held = self._held([d for d, _ in moves])
            try:
                w = self._open_writer(hour)
            except OSError as exc:
                raise StorageError(f"cannot store envelopes: {exc.strerror}") from None
            if self._buffer is None:
                self._buffer = mmap.mmap(-1, _BUFFER)
            batch = _Batch(w, self._buffer)
            appended: list[int] = []
            again: list[int] = []
            try:
                for i, (digest, src) in enumerate(moves):
                    if digest in held:
                        if digest in fresh:
                            again.append(i)  # stored by this batch: shares its fate
                        if isinstance(src, Path):  # a spare copy, once its digest is stored
                            (spare if digest in fresh else taken).append(src)
                        continue
                    try:
                        start, length = self._append(batch, digest, src)
                    except FileNotFoundError:
                        out[i] = Vanished()
                        continue
                    held.add(digest)
                    fresh.add(digest)
                    appended.append(i)
                    rows.append((digest, w.name, start + HEAD.size, length, hour))
                w.end = batch.finish()
            except OSError as exc:
                # The whole batch fails: its staging files stay for the uploads to retry.
                with contextlib.suppress(OSError):
                    os.ftruncate(w.fd, w.end)  # no partial record stays behind
                full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
                err = StorageError(
                    "the drop is out of storage" if full else "cannot store envelope"
                )
                err.__cause__ = exc  # a full disk is told to the operator (drop.service)
                for i in appended + again:
                    out[i] = err
                rows = []
            else:
                taken += [src for i in appended if isinstance(src := moves[i][1], Path)]
                taken += spare
            end = w.end
            name = w.name
            sync_fd = os.dup(w.fd) if rows else -1  # the writer may roll; this stays valid
        if rows:
            try:
                self._sync_and_index(sync_fd, name, hour, end, rows)
            finally:
                # Closed only now: the duplicate shares the writer's flock, so the segment
                # cannot be taken for empty and unlinked before its records are indexed.
                os.close(sync_fd)
        for src in taken:
            src.unlink(missing_ok=True)
        return out

    def _sync_and_index(
        self, fd: int, name: str, hour: int, end: int, rows: list[tuple[bytes, str, int, int, int]]
    ) -> None:
        try:
            h = float(hour * 3600)
            os.utime(fd, (h, h))  # the segment's times tell the hour, no more
            os.fdatasync(fd)  # the batch's one durability point
        except OSError as exc:
            self._abandon(name)
            raise StorageError(f"cannot make envelopes durable: {exc.strerror}") from None
        with self._ilock:
            try:
                self._index(rows, name, hour, end, rescanned=False)
            except sqlite3.Error:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                failed = True
            else:
                failed = False
        if failed:
            self._abandon(name)
            raise StorageError("cannot index stored envelopes")

    def _index(self, rows: list[tuple[bytes, str, int, int, int]], name: str, hour: int,
               end: int, rescanned: bool) -> None:
        """One index transaction (under ``_ilock``): the records, and how far the segment is
        indexed - exactly ``end`` after a rescan (which may have cut a torn tail), else never
        less than before (batches of several processes' views may commit out of order)."""
        indexed = "excluded.indexed" if rescanned else "max(indexed, excluded.indexed)"
        self._db.execute("BEGIN IMMEDIATE")
        self._db.executemany("INSERT OR IGNORE INTO blobs VALUES (?, ?, ?, ?, ?)", rows)
        self._db.execute(
            "INSERT INTO segs VALUES (?, ?, ?) ON CONFLICT (name)"
            f" DO UPDATE SET indexed = {indexed}",
            (name, hour, end),
        )
        self._db.execute("COMMIT")

    def _abandon(self, name: str) -> None:
        """After a failed batch, append no more to its segment: its unindexed records stay
        past the indexed end, where the next open rescans them (and debris collection then
        removes what the log never took). After a failed ``fdatasync`` the page cache may
        have dropped their bytes: nothing later may be acknowledged from that file."""
        with self._wlock:
            w = self._writer
            if w is not None and w.name == name:
                os.close(w.fd)
                self._writer = None

    def _append(self, batch: _Batch, digest: bytes, src: Path | bytes) -> tuple[int, int]:
        """One record added to the batch: the body in memory, or a staging file (a resumable
        upload) read in pieces. Returns where the record starts and the body's length."""
        start = batch.offset()
        if isinstance(src, Path):
            with open(src, "rb") as f:
                length = os.fstat(f.fileno()).st_size
                batch.add(HEAD.pack(MAGIC, length, digest))
                if batch.add_file(f, length) != length or f.read(1):
                    raise OSError(errno.EIO, "a staging file changed while it was stored")
        else:
            length = len(src)
            batch.add(HEAD.pack(MAGIC, length, digest))
            batch.add(src)
        return start, length

    def sync(self, digests: Iterable[bytes]) -> None:
        """Nothing to do: ``put_many`` returns only after its records are durable."""
        return None

    # --- reading -------------------------------------------------------------------------

    def _where(self, digest: bytes) -> tuple[str, int, int, int] | None:
        check_blob_name(digest)
        with self._ilock:
            row = self._db.execute(
                "SELECT seg, off, len, hour FROM blobs WHERE digest = ? LIMIT 1", (digest,)
            ).fetchone()
        return None if row is None else (str(row[0]), int(row[1]), int(row[2]), int(row[3]))

    def _held(self, digests: Sequence[bytes]) -> set[bytes]:
        want = list(dict.fromkeys(digests))
        found: set[bytes] = set()
        with self._ilock:
            for i in range(0, len(want), 500):
                part = want[i : i + 500]
                marks = ", ".join("?" * len(part))
                found.update(
                    bytes(r[0])
                    for r in self._db.execute(
                        f"SELECT digest FROM blobs WHERE digest IN ({marks})", part
                    )
                )
        return found

    def exists(self, digest: bytes) -> bool:
        return self._where(digest) is not None or self.legacy.exists(digest)

    def mtime(self, digest: bytes) -> float | None:
        found = self._where(digest)
        if found is None:
            return self.legacy.mtime(digest)
        return float(found[3] * 3600)

    def open(self, digest: bytes) -> BinaryIO:
        """A stream of the record's bytes (``pread`` within the record, never the segment);
        a delete meanwhile waits for it to close before erasing."""
        found = self._where(digest)
        if found is None:
            return self.legacy.open(digest)
        seg, off, length, _ = found
        key = (seg, off)
        with self._rlock:
            self._readers[key] = self._readers.get(key, 0) + 1
        try:
            fd = os.open(self.dir / seg, os.O_RDONLY)
        except FileNotFoundError:
            self._release(key)
            raise NotFound("no such blob") from None
        except OSError:
            self._release(key)
            raise StorageError("cannot read a stored envelope") from None
        try:
            head = os.pread(fd, HEAD.size, off - HEAD.size)
        except OSError:
            head = b""
        if head != HEAD.pack(MAGIC, length, digest):  # erased (or lost) meanwhile
            os.close(fd)
            self._release(key)
            raise NotFound("no such blob")
        view = _RecordView(
            fd, off, length, digest, lambda: self._release(key), lambda: self._damaged(fd, key)
        )
        return io.BufferedReader(view, buffer_size=1 << 18)

    def _damaged(self, fd: int, key: tuple[str, int]) -> None:
        """A record read whole did not hash to its digest (unless it was erased meanwhile,
        by another drop process, whose erasure does not wait for this one's downloads): it
        leaves the index -- later downloads answer gone at once rather than break off again,
        which would hold a desk's fetch at this entry for ever, and a resubmission of the
        envelope stores it afresh -- and the operator is told (once). Its bytes stay where
        they are, unread, until their segment goes."""
        seg, off = key
        try:
            head = os.pread(fd, HEAD.size, off - HEAD.size)
        except OSError:
            head = b""
        magic, _, digest = HEAD.unpack(head) if len(head) == HEAD.size else (b"", 0, b"")
        if magic != MAGIC:
            return
        with self._ilock:
            try:
                gone = self._db.execute(
                    "DELETE FROM blobs WHERE digest = ? AND seg = ? AND off = ? RETURNING 1",
                    (digest, seg, off),
                ).fetchall()
            except sqlite3.Error:
                gone = []  # told all the same; the next read finds it again
        with self._rlock:
            if not gone and key in self._told:
                return
            self._told.add(key)
        _log.error(
            "segment %s: envelope %s at byte %d is damaged on disk (its bytes no longer hash"
            " to it): it is never served; its download was broken off and now answers 410;"
            " if its source sends it again, it is stored afresh",
            seg,
            digest.hex(),
            off - HEAD.size,
        )

    def _release(self, key: tuple[str, int]) -> None:
        with self._rlock:
            n = self._readers.pop(key, 1) - 1
            if n > 0:
                self._readers[key] = n
                return
            length = self._erase_later.pop(key, None)
        if length is not None:
            with contextlib.suppress(StorageError):
                self._erase(key[0], key[1], length)
                self._drop_if_empty(key[0])

    def digests(self) -> Iterator[bytes]:
        """Every digest held, read from the index a slice at a time (then older files)."""
        last = b""
        while True:
            with self._ilock:
                part = [
                    bytes(r[0])
                    for r in self._db.execute(
                        "SELECT DISTINCT digest FROM blobs WHERE digest > ? ORDER BY digest"
                        " LIMIT 1000",
                        (last,),
                    )
                ]
            if not part:
                break
            yield from part
            last = part[-1]
        yield from self.legacy.digests()

    # --- deleting ------------------------------------------------------------------------

    def delete(self, digest: bytes) -> None:
        """Erase one envelope's bytes in place (module docstring); idempotent."""
        self.delete_many([digest], erase=True)

    def delete_many(self, digests: Iterable[bytes], erase: bool = False) -> None:
        """Delete several envelopes (expiry). A segment left without a live record is
        unlinked whole (no record-by-record erasure of a 90-day-old hour, as the per-digest
        folder unlinked its files); the records of a segment that stays are erased in place,
        one ``fdatasync`` per segment. ``erase``: overwrite every record first (deletion)."""
        bysegment: dict[str, list[tuple[int, int]]] = {}
        todo = iter(digests)
        while part := list(itertools.islice(todo, 500)):
            for digest in part:
                check_blob_name(digest)
            with self._ilock:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    found = [
                        self._db.execute(
                            "DELETE FROM blobs WHERE digest = ? RETURNING seg, off, len",
                            (digest,),
                        ).fetchall()
                        for digest in part
                    ]
                    # Erased below (or the segment unlinked), or at the next open if this
                    # process is stopped before that is durable.
                    self._db.executemany(
                        "INSERT OR IGNORE INTO erasing VALUES (?, ?, ?)",
                        [row for rows in found for row in rows],
                    )
                    self._db.execute("COMMIT")
                except sqlite3.Error:
                    self._db.execute("ROLLBACK")
                    raise StorageError("cannot update the envelope index") from None
            for digest, rows in zip(part, found, strict=True):
                if not rows:
                    self.legacy.delete(digest)
                for seg, off, length in rows:
                    bysegment.setdefault(str(seg), []).append((int(off), int(length)))
        for seg, records in bysegment.items():
            if not erase and self._drop_if_empty(seg):
                continue
            now: list[tuple[int, int]] = []
            with self._rlock:
                for off, length in records:
                    if self._readers.get((seg, off)):
                        self._erase_later[(seg, off)] = length
                    else:
                        now.append((off, length))
            if now:
                self._erase_many(seg, now)
            self._drop_if_empty(seg)

    def _erase(self, seg: str, off: int, length: int) -> None:
        self._erase_many(seg, [(off, length)])

    def _erase_many(self, seg: str, records: Sequence[tuple[int, int]]) -> None:
        try:
            fd = os.open(self.dir / seg, os.O_WRONLY)
        except FileNotFoundError:
            self._erased(seg, records)  # its segment is gone: nothing left to erase
            return
        except OSError:
            raise StorageError("cannot erase a stored envelope") from None
        try:
            for off, length in records:
                os.pwrite(fd, HEAD.pack(ERASED, length, bytes(32)), off - HEAD.size)
                pos, end = off, off + length
                zeros = bytes(min(_COPY, length))
                while pos < end:
                    pos += os.pwrite(fd, zeros[: end - pos], pos)
                if _PUNCH is not None:
                    lo = -(-off // _PAGE) * _PAGE
                    hi = end // _PAGE * _PAGE
                    if hi > lo:
                        _PUNCH(fd, lo, hi - lo)
            os.fdatasync(fd)
        except OSError:
            raise StorageError("cannot erase a stored envelope") from None
        finally:
            os.close(fd)
        self._erased(seg, records)

    def _erased(self, seg: str, records: Sequence[tuple[int, int]]) -> None:
        """The records' erasure is durable: no longer waiting (a failure here only means
        they are erased once more at the next open)."""
        with self._ilock, contextlib.suppress(sqlite3.Error):
            self._db.executemany(
                "DELETE FROM erasing WHERE seg = ? AND off = ?", [(seg, off) for off, _ in records]
            )

    def _drop_if_empty(self, seg: str) -> bool:
        """Unlink a segment without live records that no process is appending to."""
        with self._ilock:
            if self._db.execute("SELECT 1 FROM blobs WHERE seg = ? LIMIT 1", (seg,)).fetchone():
                return False
        with self._rlock:
            if any(k[0] == seg for k in self._erase_later):
                return False  # a download of one of its records is still under way
        path = self.dir / seg
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # still being appended to (here or by another process)
        finally:
            os.close(fd)
        with self._ilock:
            self._db.execute("DELETE FROM segs WHERE name = ?", (seg,))
            self._db.execute("DELETE FROM erasing WHERE seg = ?", (seg,))
        path.unlink(missing_ok=True)
        return True

    def close(self) -> None:
        with self._rlock:  # erasures that waited for a reader this process never closed
            pending, self._erase_later = self._erase_later, {}
        for (seg, off), length in pending.items():
            with contextlib.suppress(StorageError):
                self._erase(seg, off, length)
        with self._wlock:
            if self._writer is not None:
                os.close(self._writer.fd)
                self._writer = None
            self._buffer = None
        with self._ilock:
            self._db.close()
        self.legacy.close()


def _segment_hour(name: str) -> int:
    try:
        return int(name.split("-", 1)[0])
    except ValueError:
        return 0


def _zeros(fd: int, start: int, end: int) -> bool:
    """Whether the bytes ``[start, end)`` of the file are all zeros."""
    while start < end:
        piece = os.pread(fd, min(_COPY, end - start), start)
        if not piece or piece.count(0) != len(piece):
            return False
        start += len(piece)
    return True


def _record(fd: int, off: int, size: int) -> tuple[bytes, int, bytes] | None:
    """The whole, intact record at ``off`` (magic, body length, digest), or None: a record
    whose body hashes to its digest, or an erased record (digest and body all zeros)."""
    head = os.pread(fd, HEAD.size, off)
    if len(head) < HEAD.size:
        return None
    magic, length, digest = HEAD.unpack(head)
    body_at = off + HEAD.size
    if magic not in (MAGIC, ERASED) or body_at + length > size:
        return None
    if magic == ERASED:
        if digest != bytes(32) or not _zeros(fd, body_at, body_at + length):
            return None
        return magic, length, digest
    h = hashlib.sha256()
    pos = body_at
    while pos < body_at + length:
        piece = os.pread(fd, min(_COPY, body_at + length - pos), pos)
        if not piece:
            return None
        h.update(piece)
        pos += len(piece)
    return (magic, length, digest) if h.digest() == digest else None


def _next_record(fd: int, start: int, size: int) -> int | None:
    """Where the first intact record at or after ``start`` begins (resynchronising after a
    damaged one): the next ``"TYS1"`` head whose body hashes to its digest. Erased and
    filler records between are all zeros, so no head is missed by looking for that one."""
    pos = start
    while pos + HEAD.size <= size:
        chunk = os.pread(fd, min(_COPY, size - pos), pos)
        if len(chunk) < len(MAGIC):
            return None
        at = chunk.find(MAGIC)
        while at >= 0:
            if _record(fd, pos + at, size) is not None:
                return pos + at
            at = chunk.find(MAGIC, at + 1)
        pos += len(chunk) - (len(MAGIC) - 1)  # a head may straddle two chunks
    return None


def _damaged_envelope(fd: int, off: int, after: int) -> bytes | None:
    """What a damaged record at ``off`` (the next intact one at ``after``) held, to be told:
    its digest if its magic is intact, ``b""`` if that cannot be read, None for what was
    no envelope any more (an erasure a crash interrupted: an erased head, or a body already
    all zeros - a deleted envelope's name is not written to the log)."""
    magic, length, digest = HEAD.unpack(os.pread(fd, HEAD.size, off))
    if magic == ERASED:
        return None
    body_at = off + HEAD.size
    if body_at < after and _zeros(fd, body_at, min(after, body_at + length)):
        return None
    return digest if magic == MAGIC else b""
