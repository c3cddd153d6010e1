"""Resumable uploads (``/v1/uploads``), behind one seam so another backing store can plug in.

An upload is named by the SHA-256 digest its client announces, and holds the announced length
and the bytes received so far. Every step on one upload is serialised across threads *and*
processes (several ``workers`` share the folder) by an exclusive ``flock`` on its record, so of
two chunks sent at one offset exactly one is appended, and of two ``finish`` calls exactly one
takes the bytes. The hand-off to the log is :meth:`FolderUploads.take`: the finished bytes move
(one rename) to a staging file the integrator then moves into the blob store; an object-store
backend would do that step as a server-side copy.

What stays on disk per upload: ``up-<digest>.meta`` (the length) and ``up-<digest>.part``.
Neither holds anything but what the client sent; times are those of the last chunk (they are
what expiry looks at, and are gone with the upload).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from tysha.errors import NotFound, ProtocolError, StorageError
from tysha.store.uploads import OffsetMismatch, UploadExists, UploadState

__all__ = ["FolderUploads", "OffsetMismatch", "UploadExists", "UploadState", "Uploads"]

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class Uploads(Protocol):
    """The seam: what the HTTP face needs from a store of resumable uploads."""

    def create(self, upload: str, length: int) -> UploadState: ...
    def status(self, upload: str) -> UploadState: ...
    def append(self, upload: str, offset: int, data: bytes) -> UploadState: ...
    def head(self, upload: str, n: int) -> bytes: ...
    def take(self, upload: str, staging: Path) -> tuple[int, bytes]: ...
    def totals(self) -> tuple[int, int]: ...
    def expire(self, idle_s: float, now: float | None = None) -> int: ...


class FolderUploads:
    """Uploads as files in one folder (the drop's ``uploads/``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def _names(self, upload: str) -> tuple[Path, Path]:
        if not isinstance(upload, str) or not _HEX64.match(upload):
            raise NotFound("no such upload")
        return self.folder / f"up-{upload}.part", self.folder / f"up-{upload}.meta"

    @contextlib.contextmanager
    def _locked(self, upload: str, create: bool = False) -> Iterator[tuple[Path, int]]:
        """Hold the upload's record exclusively; yields (part path, announced length)."""
        part, meta = self._names(upload)
        try:
            fd = os.open(meta, os.O_RDWR | (os.O_CREAT if create else 0), 0o600)
        except FileNotFoundError:
            raise NotFound("no such upload (finished, discarded or never made)") from None
        except OSError as exc:
            raise StorageError(f"cannot open an upload record ({exc.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            # Finished or discarded while we waited for the lock: the name now points elsewhere.
            if not _same_file(fd, meta):
                raise NotFound("no such upload (finished, discarded or never made)")
            raw = os.pread(fd, 32, 0)
            try:
                length = int(raw) if raw else -1
            except ValueError:
                length = -1
            if length < 0 and not create:  # a record whose creation never completed
                raise NotFound("no such upload (finished, discarded or never made)")
            yield part, length
        finally:
            os.close(fd)  # releases the lock

    def create(self, upload: str, length: int) -> UploadState:
        with self._locked(upload, create=True) as (part, known):
            _, meta = self._names(upload)
            if known >= 0 and known != length:
                raise UploadExists("an upload of this digest with another length exists")
            if known < 0:
                try:
                    part.touch()
                    with open(meta, "r+b") as f:
                        f.write(str(length).encode())
                        f.flush()
                        os.fsync(f.fileno())
                except OSError as exc:  # a full disk: 503, the record stays unfinished
                    with contextlib.suppress(OSError):
                        os.truncate(meta, 0)
                    raise StorageError(f"cannot open an upload: {exc.strerror}") from exc
            return UploadState(upload, _size(part), length)

    def status(self, upload: str) -> UploadState:
        with self._locked(upload) as (part, length):
            return UploadState(upload, _size(part), length)

    def append(self, upload: str, offset: int, data: bytes) -> UploadState:
        with self._locked(upload) as (part, length):
            current = _size(part)
            if offset != current:
                raise OffsetMismatch(current)
            if current + len(data) > length:
                raise ProtocolError("chunk goes past the announced length")
            try:
                with open(part, "ab") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
            except OSError as exc:
                # A full disk mid-chunk: what was written is not acknowledged, so it must not
                # count in the offset either (503: the client sends the chunk again later).
                with contextlib.suppress(OSError):
                    os.truncate(part, current)
                raise StorageError(f"cannot store a chunk: {exc.strerror}") from exc
            return UploadState(upload, current + len(data), length)

    def head(self, upload: str, n: int) -> bytes:
        part, _ = self._names(upload)
        try:
            with open(part, "rb") as f:
                return f.read(n)
        except FileNotFoundError:
            return b""

    def take(self, upload: str, staging: Path) -> tuple[int, bytes]:
        """Close a complete upload: check its digest, move its bytes to ``staging``, forget
        it. Returns (size, digest). A wrong digest discards the upload (ProtocolError)."""
        with self._locked(upload) as (part, length):
            _, meta = self._names(upload)
            size = _size(part)
            if size != length:
                raise OffsetMismatch(size)
            h = hashlib.sha256()
            with open(part, "rb") as f:
                while piece := f.read(1 << 20):
                    h.update(piece)
            digest = h.digest()
            if digest.hex() != upload:
                part.unlink(missing_ok=True)
                meta.unlink(missing_ok=True)
                raise ProtocolError("uploaded bytes do not match the announced digest")
            os.replace(part, staging)
            meta.unlink(missing_ok=True)
            return size, digest

    def discard(self, upload: str) -> None:
        part, meta = self._names(upload)
        part.unlink(missing_ok=True)
        meta.unlink(missing_ok=True)

    def totals(self) -> tuple[int, int]:
        """(open uploads, bytes they announce)."""
        count = total = 0
        for meta in self.folder.glob("up-*.meta"):
            try:
                total += int(meta.read_bytes()[:32] or b"0")
            except (OSError, ValueError):
                continue
            count += 1
        return count, total

    def expire(self, idle_s: float, now: float | None = None) -> int:
        """Discard uploads (and stray parts of either file) untouched for ``idle_s``
        seconds; return how many uploads went."""
        now = time.time() if now is None else now
        last: dict[str, float] = {}
        for f in self.folder.glob("up-*"):
            name = f.name[3:].rsplit(".", 1)[0]
            try:
                last[name] = max(last.get(name, 0.0), f.stat().st_mtime)
            except OSError:
                continue
        gone = 0
        for name, when in last.items():
            if when < now - idle_s:
                for suffix in (".part", ".meta"):
                    (self.folder / f"up-{name}{suffix}").unlink(missing_ok=True)
                gone += 1
        return gone


def _size(part: Path) -> int:
    try:
        return part.stat().st_size
    except FileNotFoundError:  # lost to a crash: the client starts over
        part.touch()
        return 0


def _same_file(fd: int, path: Path) -> bool:
    try:
        a, b = os.fstat(fd), path.stat()
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)
