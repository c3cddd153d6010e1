"""Encrypted attachment blobs: a folder of opaque names, each a chunked AEAD stream.

Each blob has its own key, derived from the desk's data key and the blob's random name
(:func:`tysha.desk.atrest.derive`), and is sealed with the streaming AEAD of
:mod:`tysha.protocol.stream` in ``CHUNK_SIZE`` pieces, so attachments of any size stream in
and out without being held whole in memory. An empty attachment is stored as one chunk
holding a one-byte marker (the stream needs one final chunk); readers trim by the size the
report records. Names are checked (32 hex-ish alphanumerics) before any path is made.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from tysha.desk.atrest import derive
from tysha.errors import StorageError
from tysha.protocol.stream import CHUNK_SIZE, TAG_SIZE, StreamOpener, StreamSealer
from tysha.store.partfiles import fsync_path

__all__ = ["BlobStore", "BlobWriter"]


class BlobStore:
    def __init__(self, folder: Path, data_key: bytes) -> None:
        self.dir = Path(folder)
        self._key = data_key
        self.dir.mkdir(exist_ok=True)

    def key_for(self, name: str) -> bytes:
        return derive(self._key, b"blob:" + name.encode())

    def path(self, name: str) -> Path:
        if not name.isalnum() or len(name) != 32:
            raise StorageError("bad blob name")
        return self.dir / name

    def writer(self) -> BlobWriter:
        return BlobWriter(self)

    def read(self, name: str, size: int | None = None) -> Iterator[bytes]:
        """Decrypt a blob chunk by chunk; ``size`` trims the empty-attachment marker."""
        left = size
        for piece in self._chunks(name):
            if left is not None:
                piece = piece[:left]
                left -= len(piece)
            if piece:
                yield piece

    def _chunks(self, name: str) -> Iterator[bytes]:
        path = self.path(name)
        opener = StreamOpener(self.key_for(name))
        try:
            total = path.stat().st_size
        except OSError:
            raise StorageError("an attachment of this report is missing from the desk") from None
        done = 0
        with open(path, "rb") as f:
            while done < total:
                chunk = f.read(CHUNK_SIZE + TAG_SIZE)
                done += len(chunk)
                yield opener.open(chunk, done >= total)
        opener.finish()

    def delete(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(name).unlink()

    def sync(self) -> None:
        """fsync the folder: the names of the blobs written so far survive a power cut (each
        blob's bytes are synced when it is closed)."""
        fsync_path(self.dir)


class BlobWriter:
    """Encrypt an attachment into the blob folder as it streams in."""

    def __init__(self, blobs: BlobStore) -> None:
        self.name = os.urandom(16).hex()
        self._sealer = StreamSealer(blobs.key_for(self.name))
        self._path = blobs.path(self.name)
        self._f = open(self._path, "wb")  # noqa: SIM115 - closed by close() or abort()
        self._buf = bytearray()
        self._h = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self._h.update(data)
        self.size += len(data)
        self._buf += data
        while len(self._buf) > CHUNK_SIZE:
            self._f.write(self._sealer.seal(bytes(self._buf[:CHUNK_SIZE]), False))
            del self._buf[:CHUNK_SIZE]

    def close(self) -> bytes:
        self._f.write(self._sealer.seal(bytes(self._buf) or b"\x00", True))
        self._f.flush()
        os.fsync(self._f.fileno())
        self._f.close()
        return self._h.digest()

    def abort(self) -> None:
        """Remove the blob (also after close): a failed intake leaves nothing behind."""
        with contextlib.suppress(OSError):
            self._f.close()
        with contextlib.suppress(OSError):
            self._path.unlink()
