"""Envelopes and resumable uploads in an S3-compatible object store (``--blobs s3://BUCKET/PREFIX``).

Several drop processes, on one machine or many, share one bucket and one database; nothing
that must survive a process lives on its local disk (docs/drop-api.md, "Object store").

Layout under ``PREFIX``::

    blobs/ab/cdef…            one envelope, named by the hex of its SHA-256 digest
    up/<digest>/meta           an open upload: its announced length (created once, atomically)
    up/<digest>/len-<length>   the same length in a name, so the caps can be summed by listing
    up/<digest>/c-<offset>     one accepted chunk, named by the offset it starts at
    up/<digest>/taken          written once by the ``finish`` that takes the bytes

Concurrency comes from the store's conditional create (``If-None-Match: *``, RFC 9110 13.1.2,
which AWS S3, MinIO, Ceph RGW and SeaweedFS honour): of two chunks sent at one offset, from
any two processes, exactly one object ``c-<offset>`` is created and the other request learns
the new offset; of two ``finish`` calls exactly one creates ``taken``. The offset of an upload
is the end of the unbroken chain of chunks from 0.

A blob is written by a streaming upload (multipart beyond :data:`PART_SIZE`): at most a few
parts of one envelope are in memory at once, never the whole blob. A successful PUT is
durable by the store's own guarantee, so :meth:`S3BlobStore.sync` has nothing to do. The hour
of arrival travels as object metadata (``x-amz-meta-hour``): the store's own time stamp of
the write cannot be coarsened, which docs/drop-api.md points out to operators.

Every client error is translated into ``StorageError`` (or ``NotFound``) with a fixed text:
no bucket, key or driver message reaches a user or an HTTP body.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from tysha.errors import ConfigError, NotFound, ProtocolError, StorageError
from tysha.store.drop_store import Vanished
from tysha.store.uploads import OffsetMismatch, UploadExists, UploadState

__all__ = ["PART_SIZE", "S3BlobStore", "S3Location", "S3Uploads", "parse_s3_url", "s3_client"]

#: Multipart part size and threshold: bounds the memory one envelope upload may take.
PART_SIZE = 8 << 20
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # "" or ends with "/"


def parse_s3_url(url: str) -> S3Location:
    """``s3://BUCKET[/PREFIX]`` → location; anything else is a ``ConfigError``."""
    if not isinstance(url, str):
        raise ConfigError("--blobs takes an s3://BUCKET/PREFIX URL")
    parts = urlsplit(url)
    if parts.scheme != "s3" or parts.query or parts.fragment or "@" in parts.netloc:
        raise ConfigError("--blobs takes an s3://BUCKET/PREFIX URL")
    if not _BUCKET.match(parts.netloc):
        raise ConfigError("--blobs: the bucket name is not a valid S3 bucket name")
    prefix = parts.path.removeprefix("/").removesuffix("/")
    if any(seg in ("", ".", "..") for seg in prefix.split("/")) and prefix:
        raise ConfigError("--blobs: the prefix must not hold empty, '.' or '..' parts")
    return S3Location(parts.netloc, prefix + "/" if prefix else "")


def s3_client() -> Any:
    """A boto3 S3 client configured from the environment: ``AWS_ACCESS_KEY_ID``,
    ``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION``/``AWS_DEFAULT_REGION``, ``AWS_ENDPOINT_URL``
    (MinIO, Ceph RGW, SeaweedFS…), ``AWS_S3_ADDRESSING_STYLE`` (``path`` by default when an
    endpoint is given, as those servers expect; else ``virtual``)."""
    try:
        import boto3  # type: ignore[import-untyped]
        from botocore.config import Config  # type: ignore[import-untyped]
    except ImportError:
        raise ConfigError("--blobs s3:// needs boto3 (pip install boto3)") from None
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    style = os.environ.get("AWS_S3_ADDRESSING_STYLE") or ("path" if endpoint else "virtual")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    config = Config(
        region_name=region,
        s3={"addressing_style": style},
        retries={"max_attempts": 4, "mode": "standard"},
        connect_timeout=5,
        read_timeout=60,
        max_pool_connections=64,
    )
    global _SESSION
    try:
        with _SESSION_LOCK:  # a session's client creation is not thread-safe
            if _SESSION is None:
                _SESSION = boto3.session.Session()
            # Keys from the environment as it is now (the session would keep the first ones
            # it resolved); without them, the session's own chain (profile, instance role).
            return _SESSION.client(
                "s3",
                endpoint_url=endpoint or None,
                config=config,
                aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID") or None,
                aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
                aws_session_token=os.environ.get("AWS_SESSION_TOKEN") or None,
            )
    except Exception:  # botocore raises several unrelated types for a bad configuration
        raise ConfigError("cannot configure the S3 client; check the AWS_* variables") from None


#: One boto3 session per process: each new one loads botocore's service models again (tens of
#: milliseconds of JSON per client); clients made from it are independent.
_SESSION: Any = None
_SESSION_LOCK = threading.Lock()


def _errors() -> tuple[type[BaseException], ...]:
    from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

    return (BotoCoreError, ClientError)


def _code(exc: BaseException) -> str:
    resp = getattr(exc, "response", None)
    if isinstance(resp, dict):
        return str(resp.get("Error", {}).get("Code", ""))
    return ""


def _missing(exc: BaseException) -> bool:
    return _code(exc) in ("404", "NoSuchKey", "NotFound")


def _precondition(exc: BaseException) -> bool:
    return _code(exc) in ("412", "PreconditionFailed", "ConditionalRequestConflict")


def _check_name(digest: bytes) -> None:
    if not isinstance(digest, bytes) or len(digest) != 32:
        raise StorageError("blob names are 32-byte digests")


class _BodyReader(io.RawIOBase):
    """A ``GetObject`` body as a binary file: read as it arrives, closed with the response."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        try:
            data = self._body.read(len(buf))
        except Exception:  # urllib3 / botocore read errors: the stream is cut
            raise StorageError("cannot read a stored envelope") from None
        n = len(data)
        buf[:n] = data
        return n

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._body.close()
        super().close()


class S3BlobStore:
    """:class:`~tysha.store.drop_store.BlobStore` over an S3-compatible bucket."""

    def __init__(self, location: S3Location, client: Any | None = None, parallel: int = 16) -> None:
        self.loc = location
        self.client = client if client is not None else s3_client()
        self._errors = _errors()
        self._pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="drop-s3")

    def check(self) -> None:
        """Fail early (``ConfigError``) when the bucket cannot be reached with these settings."""
        try:
            self.client.head_bucket(Bucket=self.loc.bucket)
        except self._errors:
            raise ConfigError(
                "cannot reach the --blobs bucket (check AWS_ENDPOINT_URL, the credentials"
                " and that the bucket exists)"
            ) from None

    def key(self, digest: bytes) -> str:
        _check_name(digest)
        h = digest.hex()
        return f"{self.loc.prefix}blobs/{h[:2]}/{h[2:]}"

    def _put_one(self, digest: bytes, src: Path | bytes, hour: int | None) -> StorageError | None:
        key = self.key(digest)
        meta = {"hour": str(hour)} if hour is not None else {}
        if isinstance(src, bytes):
            try:
                self.client.put_object(Bucket=self.loc.bucket, Key=key, Body=src, Metadata=meta)
            except self._errors:
                return StorageError("cannot store envelope")
            return None
        try:
            with open(src, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                if size <= PART_SIZE:
                    self.client.put_object(Bucket=self.loc.bucket, Key=key, Body=f, Metadata=meta)
                else:
                    self._multipart(key, f, meta)
        except FileNotFoundError:
            if self.exists(digest):  # a twin upload placed it
                return None
            return Vanished()
        except OSError:
            return StorageError("cannot store envelope")
        except self._errors:
            return StorageError("cannot store envelope")
        Path(src).unlink(missing_ok=True)  # taken over, as a rename would
        return None

    def _multipart(self, key: str, f: BinaryIO, meta: dict[str, str]) -> None:
        """One part in memory at a time: a large envelope never is, whole. The object
        appears only at ``complete``; a failure aborts the upload (no half-visible blob)."""
        bucket = self.loc.bucket
        up = self.client.create_multipart_upload(Bucket=bucket, Key=key, Metadata=meta)
        uid = up["UploadId"]
        try:
            parts = []
            number = 1
            while piece := f.read(PART_SIZE):
                r = self.client.upload_part(
                    Bucket=bucket, Key=key, UploadId=uid, PartNumber=number, Body=piece
                )
                parts.append({"PartNumber": number, "ETag": r["ETag"]})
                number += 1
                del piece
            self.client.complete_multipart_upload(
                Bucket=bucket, Key=key, UploadId=uid, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            with contextlib.suppress(Exception):
                self.client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=uid)
            raise

    def put_many(
        self, moves: Sequence[tuple[bytes, Path | bytes]], mtime: float | None = None
    ) -> list[StorageError | None]:
        """Upload a batch in parallel; each PUT is durable when it returns. A source is a
        staging file (taken over) or the body in memory (one PUT of those bytes)."""
        for digest, _ in moves:
            _check_name(digest)
        hour = None if mtime is None else int(mtime) // 3600
        futures = [self._pool.submit(self._put_one, d, src, hour) for d, src in moves]
        return [f.result() for f in futures]

    def put_bytes(self, digest: bytes, data: bytes, mtime: float | None = None) -> None:
        """Store small bytes directly (bulk loading in benchmarks)."""
        extra: dict[str, Any] = {}
        if mtime is not None:
            extra["Metadata"] = {"hour": str(int(mtime) // 3600)}
        try:
            self.client.put_object(Bucket=self.loc.bucket, Key=self.key(digest), Body=data, **extra)
        except self._errors:
            raise StorageError("cannot store envelope") from None

    def sync(self, digests: Iterable[bytes]) -> None:
        return None  # a PUT that succeeded is durable

    def open(self, digest: bytes) -> BinaryIO:
        try:
            resp = self.client.get_object(Bucket=self.loc.bucket, Key=self.key(digest))
        except self._errors as exc:
            if _missing(exc):
                raise NotFound("no such blob") from None
            raise StorageError("cannot read a stored envelope") from None
        return io.BufferedReader(_BodyReader(resp["Body"]), buffer_size=1 << 18)

    def _head(self, digest: bytes) -> dict[str, Any] | None:
        try:
            resp: dict[str, Any] = self.client.head_object(
                Bucket=self.loc.bucket, Key=self.key(digest)
            )
        except self._errors as exc:
            if _missing(exc):
                return None
            raise StorageError("cannot reach the envelope store") from None
        return resp

    def mtime(self, digest: bytes) -> float | None:
        head = self._head(digest)
        if head is None:
            return None
        hour = head.get("Metadata", {}).get("hour")
        if isinstance(hour, str) and hour.isdigit():
            return float(int(hour) * 3600)
        when = head.get("LastModified")
        return float(when.timestamp()) if when is not None else None

    def exists(self, digest: bytes) -> bool:
        return self._head(digest) is not None

    def delete(self, digest: bytes) -> None:
        try:
            self.client.delete_object(Bucket=self.loc.bucket, Key=self.key(digest))
        except self._errors as exc:
            if not _missing(exc):
                raise StorageError("cannot delete a stored envelope") from None

    def delete_many(self, digests: Iterable[bytes]) -> None:
        for d in digests:
            self.delete(d)

    def digests(self) -> Iterator[bytes]:
        base = f"{self.loc.prefix}blobs/"
        for obj in _list(self.client, self.loc.bucket, base, self._errors):
            name = obj["Key"][len(base) :].replace("/", "")
            if _HEX64.match(name):
                yield bytes.fromhex(name)

    # --- the log, published (tysha.drop.publish) -----------------------------------------

    def _log_key(self, path: str) -> str:
        return f"{self.loc.prefix}log/{path}"

    def publish(self, path: str, data: bytes, cache_control: str) -> None:
        try:
            self.client.put_object(
                Bucket=self.loc.bucket,
                Key=self._log_key(path),
                Body=data,
                CacheControl=cache_control,
                ContentType="application/octet-stream",
            )
        except self._errors:
            raise StorageError("cannot publish the log") from None

    def published_size(self) -> int:
        """The tree size of the published checkpoint (0 when none is)."""
        try:
            body = self.client.get_object(
                Bucket=self.loc.bucket, Key=self._log_key("checkpoint")
            )["Body"]
            lines = body.read(4096).split(b"\n")
        except self._errors as exc:
            if _missing(exc):
                return 0
            raise StorageError("cannot read the published log") from None
        try:
            return int(lines[1])
        except (IndexError, ValueError):
            return 0

    def publish_checkpoint(self, size: int, note: str, cache: str = "public, max-age=2") -> None:
        """Publish the checkpoint (short-lived cache: the drop's publisher passes its policy)."""
        if size > self.published_size():  # never replace a larger one
            self.publish("checkpoint", note.encode(), cache)

    def close(self) -> None:
        self._pool.shutdown(wait=False)


def _list(
    client: Any, bucket: str, prefix: str, errors: tuple[type[BaseException], ...]
) -> Iterator[dict[str, Any]]:
    try:
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for page in pages:
            yield from page.get("Contents", [])
    except errors:
        raise StorageError("cannot list the envelope store") from None


class S3Uploads:
    """:class:`~tysha.drop.uploads.Uploads` kept in the bucket: any drop process can
    continue or finish any upload (see the module docstring for the layout and the races)."""

    #: A ``finish`` that took an upload's bytes and then died leaves its marker; after this
    #: long the upload can be finished again.
    TAKE_STALE_S = 600.0

    def __init__(self, blobs: S3BlobStore) -> None:
        self.blobs = blobs
        self.client = blobs.client
        self.bucket = blobs.loc.bucket
        self.base = f"{blobs.loc.prefix}up/"
        self._errors = blobs._errors

    def _dir(self, upload: str) -> str:
        if not isinstance(upload, str) or not _HEX64.match(upload):
            raise NotFound("no such upload")
        return f"{self.base}{upload}/"

    def _objects(self, upload: str) -> list[dict[str, Any]]:
        return list(_list(self.client, self.bucket, self._dir(upload), self._errors))

    def _read_state(self, upload: str) -> tuple[int, list[tuple[int, int, str]], bool]:
        """(announced length or -1, the chain of chunks as (offset, size, key), taken).

        A ``taken`` marker older than :attr:`TAKE_STALE_S` is ignored: the process that
        took the bytes died before it removed the upload, and the client must be able to
        finish again (a second take stages the same bytes; the log keeps one entry)."""
        prefix = self._dir(upload)
        length, taken = -1, False
        chunks: dict[int, tuple[int, str]] = {}
        for obj in self._objects(upload):
            name = obj["Key"][len(prefix) :]
            if name.startswith("len-") and name[4:].isdigit():
                length = int(name[4:])
            elif name == "taken":
                stamp = obj.get("LastModified")
                taken = stamp is None or stamp.timestamp() > time.time() - self.TAKE_STALE_S
            elif name.startswith("c-") and name[2:].isdigit():
                chunks[int(name[2:])] = (int(obj["Size"]), obj["Key"])
        chain: list[tuple[int, int, str]] = []
        at = 0
        while at in chunks:
            size, key = chunks[at]
            if size == 0:
                break
            chain.append((at, size, key))
            at += size
        return length, chain, taken

    def _meta_length(self, upload: str) -> int:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._dir(upload) + "meta")[
                "Body"
            ]
            raw = body.read(32)
        except self._errors as exc:
            if _missing(exc):
                return -1
            raise StorageError("cannot reach the upload store") from None
        try:
            return int(raw)
        except ValueError:
            return -1

    def _state(self, upload: str) -> tuple[int, list[tuple[int, int, str]]]:
        length, chain, taken = self._read_state(upload)
        if length < 0:
            length = self._meta_length(upload)
        if length < 0 or taken:
            raise NotFound("no such upload (finished, discarded or never made)")
        return length, chain

    def _create_once(self, key: str, body: bytes) -> bool:
        """Create ``key`` unless it exists; True when this call created it."""
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=body, IfNoneMatch="*")
        except self._errors as exc:
            if _precondition(exc):
                return False
            raise StorageError("cannot reach the upload store") from None
        return True

    def create(self, upload: str, length: int) -> UploadState:
        d = self._dir(upload)
        if self._create_once(d + "meta", str(length).encode()):
            self._create_once(d + f"len-{length}", b"")
            return UploadState(upload, 0, length)
        known, chain = self._state(upload)
        if known != length:
            raise UploadExists("an upload of this digest with another length exists")
        return UploadState(upload, _end(chain), length)

    def status(self, upload: str) -> UploadState:
        length, chain = self._state(upload)
        return UploadState(upload, _end(chain), length)

    def append(self, upload: str, offset: int, data: bytes) -> UploadState:
        length, chain = self._state(upload)
        current = _end(chain)
        if offset != current:
            raise OffsetMismatch(current)
        if current + len(data) > length:
            raise ProtocolError("chunk goes past the announced length")
        if not data:
            return UploadState(upload, current, length)
        if not self._create_once(self._dir(upload) + f"c-{offset:020d}", data):
            # Another request (any process) took this offset first.
            raise OffsetMismatch(self.status(upload).offset)
        return UploadState(upload, current + len(data), length)

    def _chunks(
        self, chain: list[tuple[int, int, str]], limit: int | None = None
    ) -> Iterator[bytes]:
        taken = 0
        for _, _, key in chain:
            if limit is not None and taken >= limit:
                return
            try:
                body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
                while piece := body.read(1 << 20):
                    taken += len(piece)
                    yield piece
            except self._errors:
                raise StorageError("cannot read an upload") from None

    def head(self, upload: str, n: int) -> bytes:
        try:
            _, chain = self._state(upload)
        except NotFound:
            return b""
        out = bytearray()
        for piece in self._chunks(chain, n):
            out += piece
            if len(out) >= n:
                break
        return bytes(out[:n])

    def take(self, upload: str, staging: Path) -> tuple[int, bytes]:
        """Exactly one ``finish`` creates ``taken``; it streams the chunks into ``staging``
        (hashing as it goes) and removes the upload."""
        length, chain = self._state(upload)
        size = _end(chain)
        if size != length:
            raise OffsetMismatch(size)
        marker = self._dir(upload) + "taken"
        if not self._create_once(marker, b""):
            # _state saw no live marker, so this one is stale (its taker died): replace it.
            self._delete_key(marker)
            if not self._create_once(marker, b""):
                raise NotFound("no such upload (finished, discarded or never made)")
        h = hashlib.sha256()
        try:
            with open(staging, "wb") as f:
                for piece in self._chunks(chain):
                    h.update(piece)
                    f.write(piece)
        except OSError:
            Path(staging).unlink(missing_ok=True)
            self._delete_key(self._dir(upload) + "taken")  # the client may finish again
            raise StorageError("cannot stage an upload") from None
        except StorageError:
            Path(staging).unlink(missing_ok=True)
            self._delete_key(self._dir(upload) + "taken")
            raise
        digest = h.digest()
        self.discard(upload)
        if digest.hex() != upload:
            Path(staging).unlink(missing_ok=True)
            raise ProtocolError("uploaded bytes do not match the announced digest")
        return size, digest

    def _delete_key(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except self._errors as exc:
            if not _missing(exc):
                raise StorageError("cannot reach the upload store") from None

    def discard(self, upload: str) -> None:
        for obj in self._objects(upload):
            # "meta" last: until it goes, the upload's name stays taken.
            if not obj["Key"].endswith("/meta"):
                self._delete_key(obj["Key"])
        self._delete_key(self._dir(upload) + "meta")

    def _all(self) -> dict[str, tuple[int, float]]:
        """upload → (announced length or -1, time of its newest object)."""
        out: dict[str, tuple[int, float]] = {}
        for obj in _list(self.client, self.bucket, self.base, self._errors):
            rest = obj["Key"][len(self.base) :]
            upload, _, name = rest.partition("/")
            length, when = out.get(upload, (-1, 0.0))
            if name.startswith("len-") and name[4:].isdigit():
                length = int(name[4:])
            stamp = obj.get("LastModified")
            when = max(when, stamp.timestamp() if stamp is not None else 0.0)
            out[upload] = (length, when)
        return out

    def totals(self) -> tuple[int, int]:
        every = self._all()
        return len(every), sum(max(0, length) for length, _ in every.values())

    def expire(self, idle_s: float, now: float | None = None) -> int:
        now = time.time() if now is None else now
        gone = 0
        for upload, (_, when) in self._all().items():
            if when < now - idle_s and _HEX64.match(upload):
                self.discard(upload)
                gone += 1
        return gone


def _end(chain: list[tuple[int, int, str]]) -> int:
    return chain[-1][0] + chain[-1][1] if chain else 0
