"""The drop's intake logic, independent of HTTP: accept, integrate (group commit), prove.

An upload is acknowledged only when (1) its bytes are durable in the blob store (appended to
a segment and ``fdatasync``-ed, :mod:`tysha.store.segments`; or PUT to the object store),
(2) its digest is committed in the log's database transaction and (3) a checkpoint covering
it is signed and stored in that same transaction.

Integration is a group commit (as Tessera does): a one-shot request only checks and hashes its
envelope and queues the body it holds in memory (a resumable upload queues its staging file);
one integrator per process takes up to ``batch_max`` entries (or whatever arrived within
``batch_ms`` of the oldest one) and, in one worker-thread call, appends all their bytes to the
open segment (one write each) and makes them durable with one ``fdatasync``, commits the
batch's rows, hash nodes and signed checkpoint in one transaction and builds every inclusion
proof from one read of the stored nodes. One fsync, one commit and one signature serve the
whole batch; no envelope costs a file of its own. The bodies waiting in the queue are bounded
by the requests in flight (``max_connections``, each at most ``MAX_ONESHOT`` bytes). Several
processes over one store (``workers`` in drop.json behind one port, or drops on several
machines over one PostgreSQL database) stay one log: each batch re-reads the tree under the
database's write lock.

Small one-shot envelopes are hashed and written on the event loop (:meth:`DropService.accept`):
handing 70 KB to a worker thread costs the process more than the work itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import itertools
import json
import logging
import os
import shutil
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from tysha.drop.uploads import FolderUploads, Uploads
from tysha.drop.work import NoTokens, TokenVerifier, WorkPolicy
from tysha.errors import (
    ConfigError,
    NotFound,
    ProtocolError,
    StorageError,
    TyshaError,
    VerificationError,
)
from tysha.protocol import Receipt, check_pow, parse_header
from tysha.protocol.envelope import MAX_HEADER_SIZE, EnvelopeHeader
from tysha.store.drop_store import (
    BlobStore,
    DropStore,
    IntegrationItem,
    Vanished,
    open_drop_store,
)
from tysha.store.uploads import UploadState
from tysha.tlog import (
    Checkpoint,
    HashReader,
    NoteSigner,
    consistency_proof,
    generate_skey,
    inclusion_proof,
    inclusion_proof_nodes,
    parse_skey,
    sign_checkpoint,
)

__all__ = ["DropConfig", "DropService", "InsufficientStorage", "WorkRequired", "init_drop"]


class WorkRequired(VerificationError):
    """The proof of work is missing or too weak; ``bits`` is what the drop asks now."""

    def __init__(self, message: str, bits: int) -> None:
        super().__init__(message)
        self.bits = bits


class InsufficientStorage(StorageError):
    """The drop is (nearly) out of disk or out of room for open uploads: HTTP 507."""


class Busy(StorageError):
    """A transient failure of the drop's own storage: HTTP 503, nothing was acknowledged.

    Its message is fixed and says nothing about the machine (paths, driver text)."""

    def __init__(self) -> None:
        super().__init__("the drop could not store this now; nothing was acknowledged")


def storage_full(exc: BaseException) -> bool:
    """Whether ``exc``, or an error it came from, is a full disk or quota: ENOSPC or EDQUOT,
    SQLite's SQLITE_FULL, PostgreSQL's disk_full (SQLSTATE 53100)."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            break
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if getattr(seen, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            return True
        if getattr(seen, "sqlstate", None) == "53100":
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class _Outage:
    """Intake failing for its storage, told to the operator once when it begins and once
    when it ends, with how many submissions were refused meanwhile: never a line per request
    or batch, which a full disk would spend its last space on. Its text names no envelope,
    path or driver message (type names at most). On the event loop only."""

    def __init__(self) -> None:
        self.refused = 0  # > 0 while an outage lasts

    def failed(self, exc: BaseException, count: int) -> None:
        if not self.refused:
            if storage_full(exc):
                _log.error(
                    "the drop's disk is full: intake answers 503 and acknowledges nothing"
                    " until space is freed where it keeps its data"
                )
            else:
                # A TyshaError's words are the drop's own (no driver text, no path).
                why = exc.message if isinstance(exc, TyshaError) else type(exc).__name__
                _log.error(
                    "the drop cannot store envelopes (%s): intake answers 503 and"
                    " acknowledges nothing until its storage works again",
                    why,
                )
        self.refused += count

    def stored(self) -> None:
        if self.refused:
            _log.warning(
                "the drop stores envelopes again; %d submission(s) were refused meanwhile",
                self.refused,
            )
            self.refused = 0


_log = logging.getLogger("tysha.drop")

MAX_ONESHOT = 1 << 20
CHUNK_MAX = 4 << 20


@dataclass
class DropConfig:
    """``drop.json``: every key typed and range-checked; an unknown key is an error naming it
    (a typo must not silently leave a protection at its default)."""

    origin: str
    #: Proof-of-work bits for an envelope of one ``pow_unit``; 0 switches work off (tests,
    #: private drops). See :mod:`tysha.drop.work`: +1 bit per doubling of the bytes announced.
    pow_bits: int = 8
    pow_unit: int = 64 << 10
    #: Intake (bytes per minute, this process) above which the difficulty starts to rise.
    pow_target_per_min: int = 256 << 20
    retention_days: int = 90
    batch_max: int = 512
    batch_ms: float = 5.0
    #: Batches committing at once per process: while one waits for the disk, the next one's
    #: blobs are already being made durable (the database lock still orders the commits).
    batch_depth: int = 1
    #: How often expiry and debris collection run besides at startup.
    maintenance_s: float = 600.0
    #: Server processes behind the one port (``tysha drop serve``); each has its own
    #: integrator, and the database's write lock keeps them one log. Two per core is the
    #: fast setting: a process keeps about one core busy at most, and while its batch waits
    #: for the disk the other process's requests use the core (docs/scale.md, tenth stop).
    workers: int = 1
    #: A resumable upload untouched for this long is discarded (its client starts over).
    upload_expiry_hours: float = 24.0
    #: Open resumable uploads, and the bytes they announce, over the whole drop.
    max_open_uploads: int = 1000
    max_open_upload_bytes: int = 8 << 30
    #: Below this much free space in the data folder, intake answers 507 (reads go on).
    min_free_bytes: int = 256 << 20
    #: A request body must keep arriving: at most ``body_idle_s`` between pieces and
    #: ``body_deadline_s`` in all, or the request is cut off (slow-body attacks); an answer
    #: the client stops reading for ``body_idle_s`` ends its connection (slow readers).
    body_idle_s: float = 30.0
    body_deadline_s: float = 600.0
    #: uvicorn: idle keep-alive connections are closed after this; at most
    #: ``max_connections`` connections and requests at once (more get 503 at once).
    keep_alive_s: float = 5.0
    max_connections: int = 512

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            kind = {"str": str, "int": int, "float": float}[str(f.type)]
            allowed = (int, float) if kind is float else kind
            if isinstance(value, bool) or not isinstance(value, allowed):
                raise ConfigError(f"drop.json: {f.name} must be of type {kind.__name__}")
            if isinstance(value, (int, float)) and (
                value <= 0 if f.name in _POSITIVE else value < 0
            ):
                raise ConfigError(f"drop.json: {f.name} is out of range")
        if not self.origin or any(c.isspace() for c in self.origin) or "+" in self.origin:
            raise ConfigError("drop.json: origin must be a non-empty name without spaces or '+'")
        if self.pow_bits > 24:
            raise ConfigError("drop.json: pow_bits is out of range (0 to 24)")

    @classmethod
    def from_dict(cls, obj: object) -> DropConfig:
        if not isinstance(obj, dict):
            raise ConfigError("drop.json must hold a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(k) for k in obj if k not in known)
        if unknown:
            raise ConfigError(f"drop.json: unknown setting(s): {', '.join(unknown)}")
        if "origin" not in obj:
            raise ConfigError("drop.json: origin is missing")
        return cls(**obj)

    @classmethod
    def load(cls, data_dir: Path) -> DropConfig:
        path = Path(data_dir) / "drop.json"
        try:
            obj = json.loads(path.read_text())
        except FileNotFoundError:
            raise NotFound(
                f"{data_dir} is not a drop folder; run `tysha drop init` first"
            ) from None
        except (OSError, ValueError):
            raise ConfigError(f"{path.name} in {data_dir} cannot be read as JSON") from None
        return cls.from_dict(obj)

    def save(self, data_dir: Path) -> None:
        (Path(data_dir) / "drop.json").write_text(json.dumps(asdict(self), indent=1) + "\n")


_POSITIVE = {
    "pow_unit",
    "pow_target_per_min",
    "retention_days",
    "batch_max",
    "batch_depth",
    "maintenance_s",
    "workers",
    "upload_expiry_hours",
    "max_open_uploads",
    "max_open_upload_bytes",
    "body_idle_s",
    "body_deadline_s",
    "keep_alive_s",
    "max_connections",
}


def init_drop(data_dir: Path, origin: str | None = None, pow_bits: int = 8) -> str:
    """Create the log key and storage; return the verifier key (C2SP vkey)."""
    data_dir = Path(data_dir)
    key_path = data_dir / "log.key"
    if (data_dir / "desk.json").exists():  # the trusted desk's folder: never the server's too
        raise ConfigError(
            f"{data_dir} holds a desk; a drop needs a folder of its own",
            hint="nothing was changed; choose another folder",
        )
    if key_path.exists():
        raise ConfigError(
            f"{data_dir} already holds a drop; refusing to overwrite its log key",
            hint="nothing was changed; run that drop with `tysha drop serve --data`, or choose "
            "another folder for a new drop",
        )
    origin = origin or f"tysha.drop/{os.urandom(6).hex()}"
    if not origin or any(c.isspace() for c in origin) or "+" in origin:
        raise ConfigError("the origin must be a non-empty name without spaces or '+'")
    config = DropConfig(origin=origin, pow_bits=pow_bits)  # checked before anything is made
    data_dir.mkdir(parents=True, exist_ok=True)
    skey = generate_skey(origin, os.urandom(32))
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(skey + "\n")
    config.save(data_dir)
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
    #: The bytes still to store: the body (one-shot) or a staging file (a resumable upload,
    #: taken over by the blob store); None: already stored.
    temp: Path | bytes | None
    future: asyncio.Future[Receipt]
    queued: float = field(default_factory=time.monotonic)


def _elapsed() -> float:
    """Seconds the machine has run, time suspended included (CLOCK_BOOTTIME where there is
    one): a laptop or VM that slept is not a clock that was set."""
    boot = getattr(time, "CLOCK_BOOTTIME", None)
    return time.clock_gettime(boot) if boot is not None else time.monotonic()


def hour_now(clock: Any = time.time) -> int:
    """Stored times are coarsened to the hour (THREAT_MODEL "Drop")."""
    return int(clock()) // 3600


class _SharedLock:
    """Many holders of ``shared`` at once, or one of ``exclusive`` (threads)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._shared = 0
        self._exclusive = False

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._exclusive)
            self._shared += 1
        try:
            yield
        finally:
            with self._cond:
                self._shared -= 1
                self._cond.notify_all()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._exclusive)
            self._exclusive = True  # no new shared holder from here on
            self._cond.wait_for(lambda: self._shared == 0)
        try:
            yield
        finally:
            with self._cond:
                self._exclusive = False
                self._cond.notify_all()


class _Prefetched:
    """A HashReader over nodes read in one query for a whole batch of proofs."""

    def __init__(self, hashes: dict[tuple[int, int], bytes]) -> None:
        self.hashes = hashes

    def read_hashes(self, nodes: Sequence[tuple[int, int]]) -> list[bytes]:
        try:
            return [self.hashes[n] for n in nodes]
        except KeyError as exc:
            raise StorageError(f"log node {exc.args[0]} is missing from the store") from None


def inclusion_proofs(
    indices: Sequence[int],
    size: int,
    reader: HashReader,
    nodes: dict[tuple[int, int], bytes] | None = None,
) -> dict[int, list[bytes]]:
    """The inclusion proofs of several leaves in one tree, from one ``read_hashes`` call.

    With ``nodes`` (what ``DropStore.integrate`` gave for the batch that made ``size``), the
    leaves that batch appended are proved from memory, without reading the store: the
    integrator's case, at about a tenth of the CPU (docs/scale.md). A leaf logged earlier
    (a digest submitted again) needs nodes outside them: then every proof is read."""
    wanted = sorted(set(indices))
    if nodes:
        held = _Prefetched(nodes)
        with contextlib.suppress(StorageError):  # a node outside the batch's: read them all
            return {i: inclusion_proof(i, size, held) for i in wanted}
    layouts = [inclusion_proof_nodes(i, size) for i in wanted]
    flat = list(dict.fromkeys(n for lay in layouts for el in lay for n in el))
    pre = _Prefetched(dict(zip(flat, reader.read_hashes(flat), strict=True)))
    return {i: inclusion_proof(i, size, pre) for i in wanted}


class DropService:
    """One drop process: storage, the log signer and the integrator task."""

    def __init__(
        self,
        data_dir: Path,
        database: str | None = None,
        clock: Any = time.time,
        blobs: str | None = None,
        steady: Any = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.config = DropConfig.load(self.data_dir)
        try:
            self.signer: NoteSigner = parse_skey((self.data_dir / "log.key").read_text().strip())
        except OSError as exc:
            raise ConfigError(f"cannot read the drop's log key: {exc.strerror}") from None
        # The database first: it refuses one a newer Tysha wrote before anything else in
        # the folder is opened for writing (the segments' recovery cuts off tails it cannot
        # read; a newer format's records are such tails).
        self.store: DropStore = open_drop_store(self.data_dir, database)
        try:
            self._open_blobs(blobs)
        except BaseException:
            self.store.close()
            raise
        self.clock = clock
        # The machine's elapsed time (suspended time included), which no one sets: what the
        # wall clock is checked against between maintenance passes (see _expiry_hour). An
        # injected clock (tests) is its own, unless they inject both.
        if steady is None:
            steady = _elapsed if clock is time.time else clock
        self.steady = steady
        c = self.config
        self.work = WorkPolicy(c.pow_bits, c.pow_unit, c.pow_target_per_min)
        #: Proofs of work that opened a resumable upload, newest last (see check_work).
        self._spent_work: OrderedDict[bytes, None] = OrderedDict()
        #: One upload opened at a time in this process: the cap's check and the creation are
        #: one step (two threads could each see room for one more).
        self._upload_room = threading.Lock()
        #: Redeems anonymous tokens instead of work (:mod:`tysha.drop.work`); none by default.
        self.tokens: TokenVerifier = NoTokens()
        #: Free bytes where envelopes are written; a test injects a probe.
        self.free_space = lambda: shutil.disk_usage(self.data_dir).free
        # Witnesses named in witnesses.json cosign each new checkpoint in a background thread:
        # receipts never wait for them (issue 14; tysha.drop.witnessing).
        from tysha.drop.witnessing import Witnessing, load_witnesses

        configured = load_witnesses(self.data_dir)
        self.witnessing: Witnessing | None = (
            Witnessing(
                configured,
                self.checkpoint,
                self.proof_consistency,
                self.data_dir / "checkpoint.cosigned",
            )
            if configured
            else None
        )
        self._queue: asyncio.Queue[_Pending] | None = None
        #: Log publication to the object store (None: not yet read from the store).
        self._publish_wanted: asyncio.Event | None = None
        self._published: int | None = None
        self._tasks: list[asyncio.Task[None]] = []
        # Batches hold it shared from their first rename to their commit, debris collection
        # exclusively: a blob between the two is never mistaken for debris by this process.
        self._batch_lock = _SharedLock()
        self._outage = _Outage()
        #: Where integration time goes (seconds, summed over batches): benchmarks read it.
        self.stats: dict[str, float] = dict.fromkeys(
            ("batches", "entries", "blobs_s", "commit_s", "proofs_s", "blobs_cpu_s",
             "commit_cpu_s", "proofs_cpu_s"),
            0.0,
        )
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
        try:
            await asyncio.to_thread(self.maintenance)
        except Exception as exc:  # said by `tysha drop serve` as one line (drop.server)
            self.start_failed = exc
            raise
        self._tasks = [
            asyncio.create_task(self._integrator()),
            asyncio.create_task(self._maintainer()),
        ]
        if self.witnessing is not None:
            self.witnessing.start()
        if hasattr(self.blobs, "publish_checkpoint"):
            self._publish_wanted = asyncio.Event()
            self._publish_wanted.set()  # what earlier processes committed, too
            self._tasks.append(asyncio.create_task(self._publisher()))

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []  # no longer accepting, from now on
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.witnessing is not None:
            self.witnessing.stop()
        self.store.close()
        self.blobs.close()

    async def _publisher(self) -> None:
        """Publish the log to the object store after batches (coalesced: one pass covers
        every batch that committed while the previous pass ran)."""
        assert self._publish_wanted is not None
        failing = False  # told once per outage, not every second of it
        while True:
            await self._publish_wanted.wait()
            self._publish_wanted.clear()
            try:
                await asyncio.to_thread(self.publish_log)
            except Exception as exc:  # tried again after the next batch, or in a second
                if not failing:
                    failing = True
                    _log.error(
                        "publishing the log to the object store failed (%s); retrying every"
                        " second",
                        type(exc).__name__,
                    )
                await asyncio.sleep(1)
                self._publish_wanted.set()
            else:
                if failing:
                    failing = False
                    _log.warning("publishing the log to the object store works again")

    def publish_log(self) -> None:
        """Tiles and entry bundles the log grew by since the last publication, then the
        checkpoint (:mod:`tysha.drop.publish`)."""
        from tysha.drop.publish import TILE_CACHE, changed_log_files

        pub: Any = self.blobs
        size, note = self.checkpoint()
        if self._published is None:
            self._published = pub.published_size()
        old = min(self._published, size)
        if size <= old:
            return
        for path, data in changed_log_files(old, size, self.store):
            pub.publish(path, data, TILE_CACHE)
        pub.publish_checkpoint(size, note)
        self._published = size

    async def _maintainer(self) -> None:
        """Expiry and debris collection, periodically (and once at startup, in ``start``)."""
        while True:
            await asyncio.sleep(self.config.maintenance_s)
            try:
                await asyncio.to_thread(self.maintenance)
            except Exception as exc:  # tried again next period; the loop must not die
                logging.getLogger("tysha.drop").warning(
                    "maintenance failed: %s", type(exc).__name__
                )

    def maintenance(self) -> None:
        """Expire old envelopes and remove blobs that no live row points to (crash debris
        older than an hour: a younger one may belong to an upload being integrated)."""
        if not self._floor_read:  # at startup: the newest hour the log holds
            size, _ = self.store.checkpoint()
            newest = self.store.envelope(size - 1) if size else None
            self._hour_floor = max(self._hour_floor or 0, newest.hour if newest else 0)
            self._floor_read = True
        cutoff = self._expiry_hour() - self.config.retention_days * 24
        self.blobs.delete_many(self.store.expire(cutoff))
        with self._batch_lock.exclusive():
            self._collect_debris()

    def _open_blobs(self, blobs: str | None) -> None:
        self.uploads_dir = self.data_dir / "uploads"
        self.uploads_dir.mkdir(exist_ok=True)
        self.blobs: BlobStore
        self.uploads: Uploads
        if blobs:
            # Envelopes and open uploads in the object store: this process keeps nothing
            # on its disk but staging files of the batch it is committing.
            from tysha.store.s3 import S3BlobStore, S3Uploads, parse_s3_url

            s3 = S3BlobStore(parse_s3_url(blobs))
            s3.check()
            self.blobs, self.uploads = s3, S3Uploads(s3)
        else:
            from tysha.store.segments import SegmentBlobStore

            self.blobs = SegmentBlobStore(self.data_dir / "blobs")
            self.uploads = FolderUploads(self.uploads_dir)

    #: A wall clock that moved this much more (or less) than the machine's elapsed time
    #: between two maintenance passes was set, not run: expiry does not follow the jump.
    CLOCK_JUMP_S = 3600.0
    #: How far the wall clock was set ahead while this process ran (0: it was not).
    _clock_ahead = 0.0
    _clock_seen: tuple[float, float] | None = None

    def _expiry_hour(self) -> int:
        """The hour expiry counts from: the wall clock's, less how far it was set ahead
        while this process ran. A clock set a hundred days ahead would otherwise erase at
        once every envelope no desk had fetched yet, reports whose sources had already
        deleted their own copies; set right again, expiry follows it again. (A jump while
        the drop was stopped cannot be told from the time it was stopped.)"""
        wall, steady = float(self.clock()), float(self.steady())
        seen, self._clock_seen = self._clock_seen, (wall, steady)
        if seen is not None:
            jump = (wall - seen[0]) - (steady - seen[1])
            if abs(jump) > self.CLOCK_JUMP_S:
                was = self._clock_ahead
                self._clock_ahead = max(0.0, was + jump)
                if self._clock_ahead and not was:
                    _log.error(
                        "the system clock was set about %d hours ahead while the drop ran:"
                        " envelopes expire by the clock as it ran before, so none is erased"
                        " early; check the machine's clock (a restart takes it as it is)",
                        round(self._clock_ahead / 3600),
                    )
                elif was and not self._clock_ahead:
                    _log.warning("the system clock was set back: expiry follows it again")
        return int(wall - self._clock_ahead) // 3600

    #: Why :meth:`start` failed, if it did.
    start_failed: Exception | None = None

    #: Blob names checked against the database per query during debris collection.
    DEBRIS_SLICE = 1000

    def _collect_debris(self) -> None:
        now = time.time()
        # An upload untouched for upload_expiry_hours is abandoned (its client starts over).
        self.uploads.expire(self.config.upload_expiry_hours * 3600, now)
        for f in self.uploads_dir.iterdir():
            # A staged one-shot or finished file older than an hour is debris from a crash.
            if f.name.startswith("up-"):
                continue
            try:
                if f.stat().st_mtime < now - 3600:
                    f.unlink()
            except OSError:
                continue
        # Blob times are coarsened to the hour, so "older than two hours" really means older
        # than one: no other drop process over the same folder is still committing it.
        grace = now - 7200
        # In slices, never the whole set of live digests: a million envelopes would cost the
        # process a hundred megabytes here.
        names = self.blobs.digests()
        while chunk := list(itertools.islice(names, self.DEBRIS_SLICE)):
            states = self.store.states(chunk)  # digest -> gone, for the logged ones
            for d in chunk:
                if states.get(d) is False:
                    continue  # a live envelope
                when = self.blobs.mtime(d)
                if when is None or when > grace:
                    continue
                self.blobs.delete(d)

    # --- intake ------------------------------------------------------------------------

    def check_form(self, head: bytes, total: int, digest: bytes = b"") -> IntegrationItem:
        """Form only: version, structure, size bucket, exact length (so chunk sizes)."""
        return self._item(self._form(head, total), total, digest)

    def _form(self, head: bytes | memoryview, total: int) -> EnvelopeHeader:
        header = parse_header(head)
        if header.envelope_length() != total:
            raise ProtocolError(
                f"envelope is {total} bytes but its header announces {header.envelope_length()}"
            )
        return header

    def _item(self, header: EnvelopeHeader, total: int, digest: bytes) -> IntegrationItem:
        return IntegrationItem(
            digest,
            total,
            header.clue_pub,
            header.clues,
            header.deletion_hashes,
            self._stamp_hour(),
        )

    #: The newest hour this process stamped or found in the log (see _stamp_hour); read
    #: from the log at startup (maintenance).
    _hour_floor: int | None = None
    _floor_read = False
    _behind_told = False

    def _stamp_hour(self) -> int:
        """The hour an envelope arriving now is stored with: the clock's, but never before
        the newest one in the log. A clock behind (a dead clock battery, a time server not
        reached yet) would stamp envelopes into the past, and once it is set right expiry
        would find them old and erase them at once, unfetched. A clock seen set ahead while
        the drop runs (_expiry_hour) does not move the stamps either."""
        hour = int(self.clock() - self._clock_ahead) // 3600
        floor = self._hour_floor or 0
        if hour >= floor:
            self._hour_floor = hour
            return hour
        if not self._behind_told:
            self._behind_told = True
            _log.error(
                "the system clock is about %d hours behind the newest envelope in the log:"
                " envelopes are stored with that envelope's hour until it catches up; check"
                " the machine's clock",
                floor - hour,
            )
        return floor

    #: How many spent upload proofs each process remembers (~100 bytes each).
    SPENT_WORK_KEPT = 32_768

    def check_work(
        self,
        digest: bytes,
        pow_hex: str | None,
        length: int,
        token: bytes | None = None,
        once: bool = False,
    ) -> None:
        """Charge for ``length`` bytes (:mod:`tysha.drop.work`): a redeemed anonymous token,
        or a proof of work of the difficulty asked now. Counts the bytes against the rate.

        ``once`` (opening a resumable upload): the proof is spent. A one-shot envelope's
        digest is its own bytes', so sending it again stores nothing new; an upload's digest
        is only a claim until it finishes, and an upload whose bytes do not match is thrown
        away - without this, one proof reopened it forever, each round written, synced and
        hashed. Each process remembers the last ``SPENT_WORK_KEPT`` proofs, so with N
        processes a proof opens at most N uploads."""
        if token is not None and self.tokens.redeem(token, digest, length):
            self.work.admitted(length)
            return
        bits = self.work.required(length)
        if bits > 0:
            if not pow_hex:
                raise WorkRequired(f"this drop asks for a proof of work of {bits} bits", bits)
            if not isinstance(pow_hex, str) or len(pow_hex) != 16:
                raise ProtocolError("proof of work must be 16 hex characters")
            try:
                nonce = bytes.fromhex(pow_hex)
            except ValueError:
                raise ProtocolError("proof of work must be 16 hex characters") from None
            try:
                check_pow(digest, nonce, bits)
            except VerificationError:
                raise WorkRequired(f"proof of work does not reach {bits} bits", bits) from None
            if once:
                key = digest + nonce
                if key in self._spent_work:
                    raise WorkRequired("that proof of work was spent already; solve anew", bits)
                self._spent_work[key] = None
                if len(self._spent_work) > self.SPENT_WORK_KEPT:
                    self._spent_work.popitem(last=False)
        self.work.admitted(length)

    @property
    def free_space(self) -> Callable[[], int]:
        return self._free_space

    @free_space.setter
    def free_space(self, probe: Callable[[], int]) -> None:
        self._free_space = probe
        self._free_seen: tuple[int, float] | None = None  # (free bytes, when read)
        self._free_spent = 0  # bytes accepted since

    #: How long a reading of the free space serves intake (less the bytes accepted since)
    #: while it stays well above ``min_free_bytes``: a ``statvfs`` per envelope cost the
    #: drop more than its proof of work check.
    FREE_READING_S = 0.25
    #: The operator was told intake is refused for want of space (and is told when it ends).
    _low_told = False
    FREE_MARGIN = 1 << 30

    def check_space(self, incoming: int) -> None:
        """507 rather than a full disk: keep ``min_free_bytes`` free after ``incoming``."""
        now = time.monotonic()
        seen = self._free_seen
        low = self.config.min_free_bytes
        if (
            seen is None
            or now - seen[1] > self.FREE_READING_S
            or seen[0] - self._free_spent - incoming < low + self.FREE_MARGIN
        ):
            try:
                seen = self._free_seen = (int(self.free_space()), now)
            except OSError:
                raise Busy() from None
            self._free_spent = 0
            # A quarter more than the floor: envelopes near it, some refused and some not,
            # must not say "back" and "out" in turn.
            if self._low_told and seen[0] - incoming >= low + low // 4:
                self._low_told = False
                _log.warning("free space is back above min_free_bytes: intake accepts again")
        if seen[0] - self._free_spent - incoming < low:
            if not self._low_told:  # once, not per request: the operator has one thing to do
                self._low_told = True
                _log.error(
                    "less than min_free_bytes (%d MiB) is free where the drop keeps its data:"
                    " intake answers 507 until space is freed",
                    low >> 20,
                )
            raise InsufficientStorage("the drop is out of storage; try again later")
        self._free_spent += incoming

    def out_of_storage(self) -> bool:
        """Whether intake refuses every envelope now for want of space (below
        ``min_free_bytes``): ``GET /v1/info`` says so, for a client to learn before it solves
        a proof of work or sends a byte. An unreadable free space is not "out": intake says."""
        try:
            self.check_space(0)
        except InsufficientStorage:
            return True
        except Busy:
            return False
        return False

    def check_upload_room(self, length: int) -> None:
        """Open resumable uploads are capped in number and in bytes announced."""
        count, total = self.uploads.totals()
        c = self.config
        if count >= c.max_open_uploads or total + length > c.max_open_upload_bytes:
            raise InsufficientStorage("too many uploads are open; try again later")
        self.check_space(length)

    def open_upload(
        self, digest_hex: str, length: int, pay: Callable[[], None] | None = None
    ) -> UploadState:
        """A new resumable upload if there is room for it (the check and the creation under
        one lock: concurrent requests cannot each take the last place). ``pay`` (the work,
        :meth:`check_work`) is called once there is room, before the upload is made: a
        request refused for room spends no proof and counts nothing against the rate."""
        with self._upload_room:
            self.check_upload_room(length)
            if pay is not None:
                pay()
            return self.uploads.create(digest_hex, length)

    #: One-shot envelopes up to this size are hashed and written on the event loop: the
    #: hand-off to a worker thread would cost the process more than it saves.
    INLINE_MAX = 256 << 10

    async def accept(self, body: bytes, pow_hex: str | None, token: bytes | None = None) -> Receipt:
        """One-shot intake of a whole envelope: form, work, bytes, group commit, receipt."""
        return await self.accept_soon(body, pow_hex, token)

    def accept_soon(
        self, body: bytes, pow_hex: str | None, token: bytes | None = None
    ) -> asyncio.Future[Receipt]:
        """:meth:`accept` without a coroutine (the HTTP protocol's intake path answers from
        the future's callback): the future of the receipt. An envelope up to
        :attr:`INLINE_MAX` is checked here and queued (what ``stage`` refuses is raised at
        once); a larger one is hashed on a worker thread by a task."""
        if len(body) > self.INLINE_MAX:
            return asyncio.get_running_loop().create_task(self._accept_large(body, pow_hex, token))
        # The body itself goes to the integrator: no staging file per envelope.
        return self.enqueue(self.stage(body, pow_hex, token), bytes(body))

    async def _accept_large(self, body: bytes, pow_hex: str | None, token: bytes | None) -> Receipt:
        item = await asyncio.to_thread(self.stage, body, pow_hex, token)
        return await self.submit(item, temp=bytes(body))

    def stage(
        self, body: bytes, pow_hex: str | None, token: bytes | None = None
    ) -> IntegrationItem:
        """Check a one-shot envelope's form, hash it and check its proof of work and the
        free space (its bytes are stored by the integrator, a batch at a time)."""
        header = self._form(memoryview(body)[: 4 + MAX_HEADER_SIZE], len(body))  # no copy
        digest = hashlib.sha256(body).digest()
        self.check_work(digest, pow_hex, len(body), token)
        self.check_space(len(body))
        return self._item(header, len(body), digest)

    async def submit(self, item: IntegrationItem, temp: Path | bytes | None = None) -> Receipt:
        """Queue an item and wait for its receipt. ``temp`` holds its bytes (the body, or a
        staging file the blob store takes over); without it the blob is already stored
        (a digest already stored)."""
        return await self.enqueue(item, temp)

    @property
    def accepting(self) -> bool:
        """Started and not stopped: :meth:`enqueue` takes items."""
        return self._queue is not None and bool(self._tasks)

    def enqueue(
        self, item: IntegrationItem, temp: Path | bytes | None = None
    ) -> asyncio.Future[Receipt]:
        """:meth:`submit` without a coroutine (the HTTP protocol's intake path, which
        answers from the future's callback): the future of the item's receipt. On the
        service's event loop only; ``Busy`` when the service is not running."""
        if not self.accepting:
            raise Busy()
        assert self._queue is not None
        fut: asyncio.Future[Receipt] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(item, temp, fut))  # unbounded: never full
        return fut

    async def _integrator(self) -> None:
        assert self._queue is not None
        q = self._queue
        slots = asyncio.Semaphore(max(1, self.config.batch_depth))
        running: set[asyncio.Task[None]] = set()
        try:
            while True:
                # A free slot first: while every slot is busy the next batch keeps growing.
                await slots.acquire()
                batch = [await q.get()]
                # Up to batch_max entries, or what arrived within batch_ms of the oldest:
                # under load the queue filled while earlier batches committed, so no waiting.
                deadline = batch[0].queued + self.config.batch_ms / 1000
                while len(batch) < self.config.batch_max:
                    if not q.empty():
                        batch.append(q.get_nowait())
                        continue
                    timeout = deadline - time.monotonic()
                    if timeout <= 0:
                        break
                    try:
                        batch.append(await asyncio.wait_for(q.get(), timeout))
                    except TimeoutError:
                        break
                task = asyncio.create_task(self._run_batch(batch))
                running.add(task)
                task.add_done_callback(running.discard)
                task.add_done_callback(lambda _: slots.release())
        finally:
            for task in running:
                task.cancel()

    async def _run_batch(self, batch: list[_Pending]) -> None:
        try:
            results = await asyncio.to_thread(self._commit_batch, batch)
        except Exception as exc:  # every waiter learns of the failure
            # Its text (driver messages, paths) stays here: waiters get a fixed message, the
            # operator one line for the whole outage.
            self._outage.failed(exc, len(batch))
            err = Busy()
            for p in batch:
                if not p.future.done():
                    p.future.set_exception(err)
            return
        failures = [r for r in results if isinstance(r, Exception) and not isinstance(r, Vanished)]
        if failures:
            self._outage.failed(failures[0], len(failures))
        else:
            self._outage.stored()
        if self._publish_wanted is not None:
            self._publish_wanted.set()
        if self.witnessing is not None:
            self.witnessing.notify()  # sets a flag; the cosigning happens off this path
        for p, r in zip(batch, results, strict=True):
            if p.future.done():
                continue
            if isinstance(r, Exception):
                p.future.set_exception(Busy())
            else:
                p.future.set_result(r)

    def _commit_batch(self, batch: Sequence[_Pending]) -> list[Receipt | StorageError]:
        """Blobs durable and in place, then one transaction, then the proofs (one thread)."""
        out: list[Receipt | StorageError | None] = [None] * len(batch)
        t0, c0 = time.perf_counter(), time.thread_time()
        with self._batch_lock.shared():
            known = self.store.states([p.item.digest for p in batch])
            moves: list[tuple[bytes, Path | bytes]] = []
            where: list[int] = []
            placing: set[bytes] = set()
            legacy: list[bytes] = []
            for i, p in enumerate(batch):
                d = p.item.digest
                if p.temp is None:
                    legacy.append(d)
                elif d in placing or (d in known and (known[d] or self.blobs.exists(d))):
                    # Already held (or deleted: never resurrect it), or a twin in this batch.
                    if isinstance(p.temp, Path):
                        p.temp.unlink(missing_ok=True)
                else:
                    placing.add(d)
                    moves.append((d, p.temp))
                    where.append(i)
            hour = min(p.item.hour for p in batch)
            for i, err in zip(where, self.blobs.put_many(moves, mtime=hour * 3600), strict=True):
                out[i] = err
            if legacy:
                self.blobs.sync(legacy)
            t1, c1 = time.perf_counter(), time.thread_time()
            live = [i for i in range(len(batch)) if out[i] is None]
            nodes: dict[tuple[int, int], bytes] = {}
            indices, size, cp = self.store.integrate(
                [batch[i].item for i in live], self._sign, nodes
            )
        t2, c2 = time.perf_counter(), time.thread_time()
        proofs = inclusion_proofs(indices, size, self.store, nodes) if indices else {}
        for i, idx in zip(live, indices, strict=True):
            out[i] = Receipt(batch[i].item.digest, idx, cp, tuple(proofs[idx]))
        done = [r for r in out if r is not None]
        assert len(done) == len(batch)
        st = self.stats
        st["batches"] += 1
        st["entries"] += len(batch)
        st["blobs_s"] += t1 - t0
        st["commit_s"] += t2 - t1
        st["proofs_s"] += time.perf_counter() - t2
        st["blobs_cpu_s"] += c1 - c0
        st["commit_cpu_s"] += c2 - c1
        st["proofs_cpu_s"] += time.thread_time() - c2
        return done

    # --- upload files ------------------------------------------------------------------

    def temp_path(self, name: str) -> Path:
        return self.uploads_dir / name

    def store_blob(self, digest: bytes, path: Path) -> None:
        """Move a staged file into the blob store now (bulk loading, e.g. bench/fetch.py; the
        intake path lets the integrator do it for a whole batch)."""
        errors = self.blobs.put_many([(digest, path)], mtime=self._stamp_hour() * 3600)
        self.blobs.sync([digest])
        if errors[0] is not None:
            raise errors[0]

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

    def receipt_for(self, digest: bytes) -> Receipt | None:
        """The receipt of a digest already in the log (a repeated ``finish``), else None."""
        index = self.store.index_of(digest)
        if index is None:
            return None
        size, cp = self.checkpoint()
        if index >= size:
            return None
        return Receipt(digest, index, cp, tuple(inclusion_proof(index, size, self.store)))

    def delete_slot(self, index: int, secret: bytes) -> bool:
        row = self.store.envelope(index)
        if row is None or row.gone:
            raise ProtocolError("no such envelope (expired or deleted)")
        slot = row.slot_of(secret)
        if slot is None:
            raise VerificationError("this deletion secret does not open any slot of that envelope")
        done = self.store.mark_deleted(index, slot)
        if done:
            self.blobs.delete(row.digest)
        return done
