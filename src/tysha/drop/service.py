"""The drop's intake logic, independent of HTTP: accept, integrate (group commit), prove.

An upload is acknowledged only when (1) its bytes are fsynced and renamed into the blob
folder, (2) its digest is committed in the log's database transaction and (3) a checkpoint
covering it is signed and stored in that same transaction. Integration batches concurrent
uploads (up to ``batch_max`` entries or ``batch_ms`` milliseconds, as Tessera does), so one
fsync and one signature serve many submissions.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tysha.errors import ConfigError, ProtocolError, StorageError, VerificationError
from tysha.protocol import Receipt, check_pow, parse_header
from tysha.store.drop_store import DropStore, FolderBlobStore, IntegrationItem, open_drop_store
from tysha.tlog import (
    Checkpoint,
    NoteSigner,
    consistency_proof,
    generate_skey,
    inclusion_proof,
    parse_skey,
    sign_checkpoint,
)

__all__ = ["DropConfig", "DropService", "init_drop"]

MAX_ONESHOT = 1 << 20
CHUNK_MAX = 4 << 20


@dataclass
class DropConfig:
    origin: str
    pow_bits: int = 8
    retention_days: int = 90
    batch_max: int = 256
    batch_ms: float = 5.0

    @classmethod
    def load(cls, data_dir: Path) -> DropConfig:
        path = Path(data_dir) / "drop.json"
        try:
            obj = json.loads(path.read_text())
        except FileNotFoundError:
            raise ConfigError(
                f"{data_dir} is not a drop folder; run `tysha drop init` first"
            ) from None
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from None
        return cls(**{k: obj[k] for k in obj if k in cls.__dataclass_fields__})

    def save(self, data_dir: Path) -> None:
        (Path(data_dir) / "drop.json").write_text(json.dumps(self.__dict__, indent=1) + "\n")


def init_drop(data_dir: Path, origin: str | None = None, pow_bits: int = 8) -> str:
    """Create the log key and storage; return the verifier key (C2SP vkey)."""
    data_dir = Path(data_dir)
    key_path = data_dir / "log.key"
    if key_path.exists():
        raise ConfigError(f"{data_dir} already holds a drop; refusing to overwrite its log key")
    data_dir.mkdir(parents=True, exist_ok=True)
    origin = origin or f"tysha.drop/{os.urandom(6).hex()}"
    if not origin or any(c.isspace() for c in origin) or "+" in origin:
        raise ConfigError("the origin must be a non-empty name without spaces or '+'")
    skey = generate_skey(origin, os.urandom(32))
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(skey + "\n")
    DropConfig(origin=origin, pow_bits=pow_bits).save(data_dir)
    (data_dir / "blobs").mkdir(exist_ok=True)
    (data_dir / "uploads").mkdir(exist_ok=True)
    store = open_drop_store(data_dir)
    signer = parse_skey(skey)
    store.integrate([], lambda size, root: sign_checkpoint(Checkpoint(origin, size, root), signer))
    store.close()
    return signer.vkey


@dataclass
class _Pending:
    item: IntegrationItem
    future: asyncio.Future[tuple[int, int, str]]


def hour_now(clock: Any = time.time) -> int:
    """Stored times are coarsened to the hour (THREAT_MODEL "Drop")."""
    return int(clock()) // 3600


class DropService:
    """One drop process: storage, the log signer and the integrator task."""

    def __init__(
        self,
        data_dir: Path,
        database: str | None = None,
        clock: Any = time.time,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.config = DropConfig.load(self.data_dir)
        try:
            self.signer: NoteSigner = parse_skey((self.data_dir / "log.key").read_text().strip())
        except OSError as exc:
            raise ConfigError(f"cannot read the drop's log key: {exc.strerror}") from None
        self.store: DropStore = open_drop_store(self.data_dir, database)
        self.blobs = FolderBlobStore(self.data_dir / "blobs")
        self.uploads_dir = self.data_dir / "uploads"
        self.uploads_dir.mkdir(exist_ok=True)
        self.clock = clock
        self._queue: asyncio.Queue[_Pending] | None = None
        self._task: asyncio.Task[None] | None = None
        self.store.integrate([], self._sign)  # make sure a checkpoint exists

    @property
    def vkey(self) -> str:
        return self.signer.vkey

    def _sign(self, size: int, root: bytes) -> str:
        return sign_checkpoint(Checkpoint(self.config.origin, size, root), self.signer)

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        # Blob writes and fsyncs wait on the disk, not the CPU: let many overlap.
        from concurrent.futures import ThreadPoolExecutor

        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=64, thread_name_prefix="drop-io")
        )
        self._queue = asyncio.Queue()
        self._task = asyncio.create_task(self._integrator())
        await asyncio.to_thread(self.maintenance)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.store.close()

    def maintenance(self) -> None:
        """Expire old envelopes and remove blobs that no live row points to (crash debris
        older than an hour: a younger one may belong to an upload being integrated)."""
        cutoff = hour_now(self.clock) - self.config.retention_days * 24
        for d in self.store.expire(cutoff):
            self.blobs.delete(d)
        now = time.time()
        for f in self.uploads_dir.iterdir():
            # A resumable upload may wait for weeks of broken connectivity, but not forever;
            # a one-shot temp file older than an hour is debris from a crash.
            keep = self.config.retention_days * 86400 if f.name.startswith("up-") else 3600
            try:
                if f.stat().st_mtime < now - keep:
                    f.unlink()
            except OSError:
                continue
        live = self.store.live_digests()
        grace = now - 3600  # an upload between blob and commit is never collected
        for d in list(self.blobs.digests()):
            if d not in live:
                try:
                    if self.blobs.path(d).stat().st_mtime > grace:
                        continue
                except OSError:
                    continue
                self.blobs.delete(d)

    # --- intake ------------------------------------------------------------------------

    def check_form(self, head: bytes, total: int) -> IntegrationItem:
        """Form only: version, structure, size bucket, exact length (so chunk sizes)."""
        header = parse_header(head)
        if header.envelope_length() != total:
            raise ProtocolError(
                f"envelope is {total} bytes but its header announces {header.envelope_length()}"
            )
        return IntegrationItem(
            b"", total, header.clue_pub, header.clues, header.deletion_hashes, hour_now(self.clock)
        )

    def check_work(self, digest: bytes, pow_hex: str | None) -> None:
        bits = self.config.pow_bits
        if bits <= 0:
            return
        if not pow_hex:
            raise VerificationError(f"this drop asks for a proof of work of {bits} bits")
        try:
            nonce = bytes.fromhex(pow_hex)
        except ValueError:
            raise ProtocolError("proof of work must be 16 hex characters") from None
        check_pow(digest, nonce, bits)

    async def submit(self, item: IntegrationItem) -> Receipt:
        """Queue an item whose blob is already durable; wait for its receipt."""
        assert self._queue is not None, "service not started"
        fut: asyncio.Future[tuple[int, int, str]] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Pending(item, fut))
        index, size, cp = await fut
        proof = await asyncio.to_thread(inclusion_proof, index, size, self.store)
        return Receipt(item.digest, index, cp, tuple(proof))

    async def _integrator(self) -> None:
        assert self._queue is not None
        q = self._queue
        while True:
            first = await q.get()
            batch = [first]
            deadline = time.monotonic() + self.config.batch_ms / 1000
            while len(batch) < self.config.batch_max:
                timeout = deadline - time.monotonic()
                if timeout <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(q.get(), timeout))
                except TimeoutError:
                    break
            try:
                # Group commit: one folder fsync per batch makes every blob's rename durable
                # before any of them enters the log.
                await asyncio.to_thread(self.blobs.sync, [p.item.digest for p in batch])
                indices, size, cp = await asyncio.to_thread(
                    self.store.integrate, [p.item for p in batch], self._sign
                )
            except Exception as exc:  # every waiter learns of the failure
                for p in batch:
                    if not p.future.done():
                        p.future.set_exception(
                            exc if isinstance(exc, StorageError) else StorageError(str(exc))
                        )
                continue
            for p, idx in zip(batch, indices, strict=True):
                if not p.future.done():
                    p.future.set_result((idx, size, cp))

    # --- upload files ------------------------------------------------------------------

    def temp_path(self, name: str) -> Path:
        return self.uploads_dir / name

    def store_blob(self, digest: bytes, path: Path) -> None:
        """fsync ``path`` and move it into the blob folder."""
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        self.blobs.put_file(digest, path, durable=False)

    # --- reading -----------------------------------------------------------------------

    def checkpoint(self) -> tuple[int, str]:
        size, cp = self.store.checkpoint()
        if cp is None:
            raise StorageError("the log has no checkpoint yet")
        return size, cp

    def proof_inclusion(self, index: int, size: int) -> list[bytes]:
        tree, _ = self.checkpoint()
        if not 0 <= index < size <= tree:
            raise ProtocolError("inclusion proof asked outside the tree")
        return inclusion_proof(index, size, self.store)

    def proof_consistency(self, old: int, new: int) -> list[bytes]:
        tree, _ = self.checkpoint()
        if not 0 <= old <= new <= tree:
            raise ProtocolError("consistency proof asked outside the tree")
        return consistency_proof(old, new, self.store)

    def delete_slot(self, index: int, secret: bytes) -> bool:
        import hashlib

        row = self.store.envelope(index)
        if row is None or row.gone:
            raise ProtocolError("no such envelope (expired or deleted)")
        h = hashlib.sha256(secret).digest()
        for slot, dh in enumerate(row.deletion_hashes):
            if dh == h:
                done = self.store.mark_deleted(index, slot)
                if done:
                    self.blobs.delete(row.digest)
                return done
        raise VerificationError("this deletion secret does not open any slot of that envelope")
