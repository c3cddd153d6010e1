"""Corroboration at the desk: suggestions a person reviews, never automatic merges (issue 12).

* **Exact duplicates**: the same attachment (SHA-256 of the original) in several reports.
* **Near-duplicate photos**: PDQ hashes (``pdqhash``) of each photo and of its canonical
  sub-windows (:data:`tysha.evidence.corroboration.WINDOWS`: cropped copies), all 8 dihedral
  transforms queried against a multi-index
  (:class:`tysha.evidence.corroboration.HashIndex`).
* **Video**: frames are sampled (one a second, or evenly over a long video, plus scene
  changes; at most :data:`MAX_FRAMES`), hashed with PDQ through the same path and indexed under
  their attachment with their time: a photo matching a frame ("frame at 00:12 of a video in
  report X matches a photo in report Y") or two videos sharing frames are suggested. Video is
  decoded by FFmpeg (PyAV) — a large parser facing hostile files — so it runs in a child
  process per video with CPU, memory and wall-clock limits and, where bubblewrap is
  installed, in the same kind of jail as the web desk's thumbnails (no network, no desk
  files); a file too large, unreadable, truncated or too slow gets a clear state
  (:attr:`MediaIndex.problems`) and the rest of the desk goes on.
* Hashing runs in a worker process pool (:func:`update_index`, called by ``desk fetch`` and
  ``desk corroborate`` on the CLI with a progress bar) — never on a web request: the web desk
  reads only the persisted result.
* **Clusters**: reports close in time and place sharing a category or a perpetrator unit.

The index (hashes, which photo or frame each is, the near-duplicate pairs found) is persisted
sealed in the desk folder (``corroboration.idx``): a PDQ hash could be tested against a known
photo, so it is as private as the photo.
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import multiprocessing
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from tysha.desk.cputime import TooSlow, cpu_deadline
from tysha.desk.store import DeskStore
from tysha.desk.views import report_views
from tysha.errors import StorageError, VerificationError
from tysha.evidence.corroboration import (
    PDQ_MATCH,
    PDQ_MIN_QUALITY,
    WINDOWS,
    Facts,
    HashIndex,
    clusters,
    window_box,
)

__all__ = [
    "MAX_FRAMES",
    "MediaIndex",
    "hash_media",
    "hash_photo",
    "hash_video",
    "load_index",
    "suggestions",
    "update_index",
]

INDEX_FILE = "corroboration.idx"
_MAGIC_V1 = b"TYCI1\x00"  # photos only, whole images (read, never written)
_MAGIC = b"TYCI2\x00"
_MAX_PIXELS = 60_000_000  # a larger "photo" is a decompression bomb, not evidence
# JPEG decodes at 1/2…1/8 scale to at least this size (draft mode): PDQ reduces to 64×64 anyway,
# and resampling again here was measured to cost rotation robustness (distances 30+ vs ≤ 22).
_DRAFT_SIDE = 192
_MAX_SIDE = 1024  # other formats (no draft mode) are reduced to this before hashing
_WINDOW_SIDE = 192  # sub-windows are cut from a copy this size
# CPU seconds one photo may take (a 60-megapixel JPEG decodes and hashes in under 1 s here): a
# progressive JPEG of thousands of tiny scans, each a pass over every pixel, takes minutes per
# megabyte and would hold ``desk fetch`` for hours (measured: 6 MB, 49 MP, 480 s).
_PHOTO_CPU_S = 20.0

# Video limits (hostile files): bytes handed to the decoder, frames kept, frames decoded,
# and the decoding child's CPU seconds, address space and wall-clock time.
MAX_VIDEO_BYTES = 256 * 1024 * 1024
_BATCH_BYTES = 512 * 1024 * 1024  # decrypted files held at once for the workers
MAX_FRAMES = 120
_MAX_DECODED = 30 * 60 * 20  # 20 minutes at 30 frames/s
_FRAME_SIDE = 256
_SCENE_CUT = 30.0  # mean absolute difference (0..255) of consecutive 32×32 grey frames
_VIDEO_CPU_S = 60
_VIDEO_AS = 2 * 1024 * 1024 * 1024
_VIDEO_WALL_S = 120
VIDEO_EXTENSIONS = (".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi", ".3gp", ".mpg", ".mpeg", ".ts")

Window = tuple[int, list[bytes], int]  # window number (0 = whole), its 8 dihedral hashes, quality
Frame = tuple[int, list[bytes], int]  # time in ms, its 8 dihedral hashes, quality
# Result of a worker: ("photo", windows) | ("video", state, frames) | ("none",)
Hashed = tuple[Any, ...]


def _pdq(arr: np.ndarray) -> tuple[list[bytes], int]:
    import pdqhash

    vectors, quality = pdqhash.compute_dihedral(np.ascontiguousarray(arr))
    return [np.packbits(np.asarray(v, dtype=np.uint8)).tobytes() for v in vectors], int(quality)


def _windows(img: Any) -> list[Window]:
    """Window 0 from the decoded image as it is (the whole-photo path, tuned for rotation
    robustness); the sub-windows from one copy reduced to :data:`_WINDOW_SIDE` (PDQ's cost
    grows with the pixels; measured: distances to the matching crop stay ≤ ~20)."""
    from PIL import Image

    out: list[Window] = [(0, *_pdq(np.asarray(img)))]
    if max(img.size) > _WINDOW_SIDE:
        f = _WINDOW_SIDE / max(img.size)
        size = (max(1, round(img.size[0] * f)), max(1, round(img.size[1] * f)))
        img = img.resize(size, Image.Resampling.BOX)
    arr = np.asarray(img)
    h, w = arr.shape[:2]
    for k in range(1, len(WINDOWS)):
        left, top, right, bottom = window_box(k, w, h)
        out.append((k, *_pdq(arr[top:bottom, left:right])))
    return out


def hash_photo(data: bytes) -> list[Window] | None:
    """The PDQ hashes of an image and of its canonical sub-windows: for each window (0 =
    the whole image, then :data:`WINDOWS` order) its 8 dihedral hashes (32 bytes each) and
    its quality; None if the bytes are not an image Pillow reads within the pixel limit.
    Runs in a worker process."""
    import warnings

    from PIL import Image

    Image.MAX_IMAGE_PIXELS = _MAX_PIXELS
    try:
        with cpu_deadline(_PHOTO_CPU_S), warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as src:
                src.draft("RGB", (_DRAFT_SIDE, _DRAFT_SIDE))  # JPEG: decode at reduced scale
                img = src.convert("RGB")
                if max(img.size) > _MAX_SIDE:
                    img.thumbnail((_MAX_SIDE, _MAX_SIDE))
                return _windows(img)
    except Exception:  # noqa: BLE001 — hostile bytes: any failure means "not a photo"
        return None
    except TooSlow:
        return None


# --- video: sampled in a confined child ------------------------------------------------------


def _sample_frames(data: bytes, emit: Callable[[Frame], None]) -> None:
    """Decode ``data`` and hand sampled frames to ``emit`` as they come: one per
    ``max(1 s, duration / MAX_FRAMES)`` and one at each scene change, at most
    :data:`MAX_FRAMES`, decoding at most :data:`_MAX_DECODED` frames. Raises on a file
    FFmpeg cannot open. Runs in the confined child."""
    import av

    kept = decoded = 0
    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.video[0]
        stream.thread_type = "SLICE"  # one process, few threads: the rlimits hold
        stream.thread_count = 1
        duration_s = (container.duration or 0) / 1_000_000
        step = max(1.0, duration_s / MAX_FRAMES) if duration_s > 0 else 1.0
        next_t, last_small = 0.0, None
        for frame in container.decode(stream):
            decoded += 1
            if decoded > _MAX_DECODED:
                break
            t = float(frame.time) if frame.time is not None else decoded / 25.0
            small = frame.to_ndarray(width=32, height=32, format="gray").astype(np.float32)
            cut = last_small is not None and float(np.abs(small - last_small).mean()) > _SCENE_CUT
            last_small = small
            if t + 1e-6 < next_t and not cut:
                continue
            scale = min(1.0, _FRAME_SIDE / max(frame.width, frame.height))
            rgb = frame.to_ndarray(
                width=max(1, round(frame.width * scale)),
                height=max(1, round(frame.height * scale)),
                format="rgb24",
            )
            hashes, quality = _pdq(rgb)
            emit((round(t * 1000), hashes, quality))
            kept += 1
            next_t = t + step
            if kept >= MAX_FRAMES:
                break


def _child_limits() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (_VIDEO_AS, _VIDEO_AS))
    resource.setrlimit(resource.RLIMIT_CPU, (_VIDEO_CPU_S, _VIDEO_CPU_S))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _jail(child: list[str]) -> list[str]:
    """``child`` in bubblewrap when installed: all namespaces unshared (no network), no
    capabilities, only system libraries and the Python installation mounted read-only (the
    same confinement as the web desk's thumbnails, tysha.desk.web.sanitize)."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return child
    cmd = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
           "--clearenv", "--setenv", "PATH", "/usr/bin:/bin",
           "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
           "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]  # fmt: skip
    for sys_dir in ("/usr", "/lib", "/lib64", "/bin", "/etc/alternatives", "/etc/ld.so.cache"):
        if os.path.exists(sys_dir):
            cmd += ["--ro-bind", sys_dir, sys_dir]
    roots = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path)
             if p and os.path.isdir(p)}  # fmt: skip
    for root in sorted(roots):
        if not root.startswith("/usr/"):
            cmd += ["--ro-bind", root, root]
    return [*cmd, "--", *child]


def same_tysha(call: str) -> list[str]:
    """A child command: this interpreter, isolated (-I: no PYTHONPATH, no user site), running
    this same Tysha (the folder it was loaded from first on its path, not an installed one),
    then the Python statement ``call``."""
    root = str(Path(__file__).resolve().parents[2])
    return [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {root!r}); {call}"]


def start_group(cmd: list[str], **popen: Any) -> subprocess.Popen[bytes]:
    """Start a confined child (``cmd``, usually :func:`_jail`'s) in a process group of its
    own, to be ended with :func:`kill_group`."""
    return subprocess.Popen(cmd, start_new_session=True, **popen)


def _state(pid: int) -> str:
    """A process's state letter ("" when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0].decode()
    except (OSError, IndexError):
        return ""


def _children(pid: int) -> list[int]:
    out: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(c) for c in f.read().split()]
    return out


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """End a child started by :func:`start_group` and everything of its jail.

    Killing only the process ``Popen`` started is not enough: bubblewrap forks the jail's
    first process (pid 1 of its namespace), which makes a session of its own and asks to die
    with bubblewrap only a moment later; killed in that moment, bubblewrap left it behind for
    good, holding the child's pipes (a desk collected one per such timeout, and a reader of
    those pipes waited for ever). So bubblewrap is stopped first (it forks nothing more),
    then its children are killed - the namespace's first process takes everything inside
    with it - and then bubblewrap and its process group."""
    pid = proc.pid
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGSTOP)
        deadline = time.monotonic() + 2
        while _state(pid) not in ("T", "t", "Z", "X", "") and time.monotonic() < deadline:
            time.sleep(0.001)
    for child in _children(pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(child, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()


def run_confined(
    cmd: list[str], data: bytes, timeout: float, **popen: Any
) -> tuple[bytes, int | None]:
    """Run a confined child (started as :func:`start_group` does) on ``data``, its standard
    input: (its standard output, its exit code), or, when it took longer than ``timeout``
    seconds, (what it wrote before it was stopped, None) once it and everything of its jail
    are ended (:func:`kill_group`). Its pipes are closed and it is waited for however this
    ends (a stopped fetch too); ``OSError`` when it cannot be started."""
    proc = start_group(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, **popen
    )
    with proc:
        try:
            out, _err = proc.communicate(data, timeout=timeout)
            return out, proc.returncode
        except subprocess.TimeoutExpired:
            kill_group(proc)
            try:  # what it wrote before it was stopped
                out, _err = proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                out = b""
            return out, None
        finally:
            if proc.poll() is None:  # an exception while the child ran: all of it goes
                kill_group(proc)


def confinement() -> str:
    """'bwrap' when video is decoded in a bubblewrap jail, 'rlimits' when only limited."""
    return "bwrap" if shutil.which("bwrap") else "rlimits"


def hash_video(data: bytes) -> tuple[str, list[Frame]]:
    """Sampled frames of a video with their PDQ hashes, and a state: ``ok``, ``partial`` (the
    decoder failed or was stopped after some frames: truncated or hostile file),
    ``unreadable``, ``too large`` or ``timed out``. Decoding happens in a confined child
    process; this never raises on bad bytes. Runs in a worker process."""
    if len(data) > MAX_VIDEO_BYTES:
        return "too large", []
    child = same_tysha("from tysha.desk.corroborate import _child; sys.exit(_child())")
    try:
        out, code = run_confined(
            _jail(child),
            data,
            _VIDEO_WALL_S,
            preexec_fn=_child_limits,
            env={"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin:/bin"},
        )
    except OSError:
        return "unreadable", []
    frames: list[Frame] = []
    for line in out.split(b"\n"):
        try:
            ms, quality, hexes = json.loads(line)
            hashes = [bytes.fromhex(h) for h in hexes]
        except (ValueError, TypeError):
            continue  # an empty or cut line
        if len(hashes) == 8 and all(len(h) == 32 for h in hashes):
            frames.append((max(0, int(ms)), hashes, int(quality)))  # -1 means "a photo"
    if code is None:
        return ("partial" if frames else "timed out"), frames
    if code == 0:
        return ("ok" if frames else "unreadable"), frames
    return ("partial" if frames else "unreadable"), frames


def _child() -> int:  # pragma: no cover - exercised through hash_video()
    data = sys.stdin.buffer.read()

    def emit(f: Frame) -> None:
        sys.stdout.write(json.dumps([f[0], f[2], [h.hex() for h in f[1]]]) + "\n")
        sys.stdout.flush()

    try:
        _sample_frames(data, emit)
    except Exception:  # noqa: BLE001 — hostile bytes: the parent reads what was emitted
        return 3
    return 0


def hash_media(job: tuple[str, bytes]) -> Hashed:
    """A worker's job: ``("photo", bytes)`` or ``("video", bytes)``."""
    kind, data = job
    if kind == "video":
        state, frames = hash_video(data)
        return ("video", state, frames)
    windows = hash_photo(data)
    return ("photo", windows) if windows is not None else ("none",)


# --- the persisted index ---------------------------------------------------------------------

# A row's place: for a photo its window number (0 = whole), for a video frame -1 with its time.
Item = tuple[str, int, int, int, int]  # report, attachment, quality, window, time ms
# A near-duplicate pair: older (report, attachment, time ms or -1), newer (same), distance,
# and "crop" when a sub-window made the match.
Pair = tuple[str, int, int, str, int, int, int, str]


class MediaIndex:
    """The persisted state: which attachments were looked at, their hashes, pairs found."""

    def __init__(self) -> None:
        self.seen: set[str] = set()  # "rid/n" looked at (hashed, skipped or unreadable)
        # Two indexes: whole images and video frames (every new hash is compared with these),
        # and photos' sub-windows (only a new *whole* image or frame is compared with these):
        # a new photo's 7 windows × 8 hashes then search 1/8 of the rows.
        self.items: list[Item] = []  # per row of ``index``
        self.witems: list[Item] = []  # per row of ``windex``
        self.pairs: list[Pair] = []
        self.problems: dict[str, str] = {}  # "rid/n" -> state of a video not fully read
        self.videos: dict[str, int] = {}  # "rid/n" -> frames indexed
        self.index = HashIndex()
        self.windex = HashIndex()

    def _hits(self, hashes: list[bytes], windows_too: bool) -> list[tuple[Item, int]]:
        out = [(self.items[p], d) for p, d in self.index.query_dihedral(hashes, PDQ_MATCH)]
        if windows_too:
            out += [(self.witems[p], d) for p, d in self.windex.query_dihedral(hashes, PDQ_MATCH)]
        return out

    def to_bytes(self) -> bytes:
        meta = json.dumps({"seen": sorted(self.seen), "items": self.items, "witems": self.witems,
                           "pairs": self.pairs, "problems": self.problems,
                           "videos": self.videos}).encode()  # fmt: skip
        rows = self.index.rows().tobytes() + self.windex.rows().tobytes()
        return _MAGIC + struct.pack(">Q", len(meta)) + meta + rows

    @classmethod
    def from_bytes(cls, raw: bytes) -> MediaIndex:
        magic = raw[: len(_MAGIC)]
        if magic not in (_MAGIC, _MAGIC_V1) or len(raw) < len(_MAGIC) + 8:
            raise StorageError("the corroboration index is damaged; delete it to rebuild")
        (n,) = struct.unpack(">Q", raw[len(_MAGIC) : len(_MAGIC) + 8])
        body = len(_MAGIC) + 8
        mi = cls()
        try:
            meta = json.loads(raw[body : body + n])
            rows = np.frombuffer(raw[body + n :], np.uint8).reshape(-1, 32)
            mi.seen = set(meta["seen"])
            if magic == _MAGIC_V1:  # whole photos only
                mi.items = [(str(r), int(a), int(q), 0, -1) for r, a, q in meta["items"]]
                mi.pairs = [(str(a), int(n_), -1, str(b), int(m), -1, int(d), "whole")
                            for a, n_, b, m, d in meta["pairs"]]  # fmt: skip
            else:
                mi.items = [(str(r), int(a), int(q), int(w), int(t))
                            for r, a, q, w, t in meta["items"]]  # fmt: skip
                mi.witems = [(str(r), int(a), int(q), int(w), int(t))
                             for r, a, q, w, t in meta["witems"]]  # fmt: skip
                mi.pairs = [(str(a), int(n_), int(at), str(b), int(m), int(bt), int(d), str(h))
                            for a, n_, at, b, m, bt, d, h in meta["pairs"]]  # fmt: skip
                mi.problems = {str(k): str(v) for k, v in meta["problems"].items()}
                mi.videos = {str(k): int(v) for k, v in meta["videos"].items()}
        except (ValueError, TypeError, KeyError, AttributeError):
            raise StorageError("the corroboration index is damaged; delete it to rebuild") from None
        if len(rows) != len(mi.items) + len(mi.witems):
            raise StorageError("the corroboration index is damaged; delete it to rebuild")
        mi.index = HashIndex(rows[: len(mi.items)].copy())
        mi.windex = HashIndex(rows[len(mi.items) :].copy())
        return mi

    def add_photo(self, rid: str, n: int, windows: list[Window]) -> None:
        """Query with every usable window's 8 hashes, record pairs (one side whole), index."""
        usable = [w for w in windows if w[2] >= PDQ_MIN_QUALITY]
        if not usable or usable[0][0] != 0:
            return  # the whole image too flat to compare: its windows are not looked at
        best: dict[tuple[str, int, int], tuple[int, str]] = {}
        for k, hashes, _q in usable:
            for (orid, on, _oq, ow, ot), dist in self._hits(hashes, windows_too=k == 0):
                if orid == rid:
                    continue
                how = "whole" if k == 0 and ow <= 0 else "crop"
                key = (orid, on, ot)
                if key not in best or (dist, how) < best[key]:
                    best[key] = (dist, how)
        for (orid, on, ot), (dist, how) in sorted(best.items()):
            self.pairs.append((orid, on, ot, rid, n, -1, dist, how))
        self.index.add(np.frombuffer(usable[0][1][0], np.uint8).reshape(1, 32))
        self.items.append((rid, n, usable[0][2], 0, -1))
        if len(usable) > 1:
            self.windex.add(np.array([np.frombuffer(h[0], np.uint8) for _k, h, _q in usable[1:]]))
            self.witems += [(rid, n, q, k, -1) for k, _h, q in usable[1:]]

    def add_video(self, rid: str, n: int, state: str, frames: list[Frame]) -> None:
        """Query with every usable frame, record pairs, index the frames under the attachment."""
        key = f"{rid}/{n}"
        if state != "ok":
            self.problems[key] = state
        usable = [f for f in frames if f[2] >= PDQ_MIN_QUALITY]
        self.videos[key] = len(usable)
        best: dict[tuple[str, int, int, int], tuple[int, str]] = {}
        for ms, hashes, _q in usable:
            for (orid, on, _oq, ow, ot), dist in self._hits(hashes, windows_too=True):
                if orid == rid:
                    continue
                k = (orid, on, ot, ms)
                how = "crop" if ow > 0 else "whole"
                if k not in best or (dist, how) < best[k]:
                    best[k] = (dist, how)
        for (orid, on, ot, ms), (dist, how) in sorted(best.items()):
            self.pairs.append((orid, on, ot, rid, n, ms, dist, how))
        if usable:
            self.index.add(np.array([np.frombuffer(f[1][0], np.uint8) for f in usable]))
            self.items += [(rid, n, q, -1, ms) for ms, _h, q in usable]


def load_index(store: DeskStore) -> MediaIndex:
    try:
        raw = store.read_sealed_file(INDEX_FILE)
    except VerificationError:
        raise StorageError(
            "the corroboration index does not decrypt; delete it to rebuild"
        ) from None
    return MediaIndex() if raw is None else MediaIndex.from_bytes(raw)


def is_video(attachment: dict[str, Any]) -> bool:
    """A video by its declared type or name (the decoder, confined, decides the rest)."""
    media_type = str(attachment.get("media_type", "")).lower()
    name = str(attachment.get("name", "")).lower()
    return media_type.startswith("video/") or name.endswith(VIDEO_EXTENSIONS)


def _pending(store: DeskStore, mi: MediaIndex) -> list[tuple[str, int, str, int, str]]:
    out = []
    for rid in sorted(store.report_ids()):
        for n, a in enumerate(store.get_report(rid).data.get("attachments", [])):
            key = f"{rid}/{n}"
            if key in mi.seen:
                continue
            if not a.get("blob"):
                mi.seen.add(key)
            elif str(a.get("media_type", "")).startswith("image/"):
                out.append((rid, n, str(a["blob"]), int(a.get("size") or 0), "photo"))
            elif is_video(a):
                out.append((rid, n, str(a["blob"]), int(a.get("size") or 0), "video"))
            else:
                mi.seen.add(key)  # neither a photo nor a video
    return out


def hashing_pool(workers: int) -> ProcessPoolExecutor:
    """The worker processes that decode a source's photos and videos (hostile input, decoded
    by Pillow and the video reader outside any jail). Each starts as a fresh interpreter (the
    ``spawn`` start method), never forked from this process: a fork would carry a copy of the
    unlocked desk - its keys and opened reports - into the one process a crafted file
    attacks. (Not ``forkserver``: its Unix socket lives under TMPDIR, and a long TMPDIR makes
    that path too long to bind.)"""
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def update_index(
    store: DeskStore,
    progress: Callable[[str, int, int], None] | None = None,
    workers: int | None = None,
) -> int:
    """Hash the photos and videos not yet indexed (in a process pool) and record
    near-duplicate pairs; returns how many attachments were hashed. Safe to interrupt: the
    index is written every 64 batches and at the end, each time whole (atomically replaced)."""
    try:
        mi = load_index(store)
    except StorageError:
        # Derived from the reports, so rebuilt from them: a damaged index (a power cut while
        # it was replaced, a bad copy) never stops the fetch that calls this.
        mi = MediaIndex()
    todo = _pending(store, mi)
    label = "hashing photos" if all(t[4] == "photo" for t in todo) else "hashing photos and videos"
    done = 0
    if todo:
        workers = workers or os.cpu_count() or 1
        with hashing_pool(workers) as pool:
            # Decrypt here (the key never goes to a worker); hash there, a bounded batch at a
            # time so memory holds a few files per worker, not the whole desk.
            batch = max(1, workers * 4)
            parts: list[list[tuple[str, int, str, int, str]]] = [[]]
            held = 0
            for t in todo:  # a few files per worker, and never more than _BATCH_BYTES at once
                size = t[3] if t[3] <= MAX_VIDEO_BYTES else 0
                if parts[-1] and (len(parts[-1]) >= batch or held + size > _BATCH_BYTES):
                    parts.append([])
                    held = 0
                parts[-1].append(t)
                held += size
            # Two batches in flight: the workers hash one while this process decrypts the
            # next and files the results of the last (no idle core between batches).
            in_flight: collections.deque[tuple[list[tuple[str, int, str, int, str]], Any]] = (
                collections.deque()
            )

            def file_results(part: list[tuple[str, int, str, int, str]], results: Any) -> None:
                nonlocal done
                for (rid, n, _b, size, kind), res in zip(part, results, strict=True):
                    mi.seen.add(f"{rid}/{n}")
                    done += 1
                    if progress:
                        progress(label, done, len(todo))
                    if kind == "video" and size > MAX_VIDEO_BYTES:
                        mi.add_video(rid, n, "too large", [])
                    elif res[0] == "photo":
                        mi.add_photo(rid, n, res[1])
                    elif res[0] == "video":
                        mi.add_video(rid, n, res[1], res[2])

            for number, part in enumerate(parts):
                jobs = []
                for _rid, _n, blob, size, kind in part:
                    if kind == "video" and size > MAX_VIDEO_BYTES:
                        jobs.append((kind, b""))  # not read: too large to sample
                    else:
                        jobs.append((kind, store.blob_bytes(blob, size)))
                in_flight.append((part, pool.map(hash_media, jobs)))
                del jobs
                if len(in_flight) > 1:
                    file_results(*in_flight.popleft())
                if number % 64 == 63:
                    # A checkpoint now and then: an interrupted first run over a big desk
                    # keeps most of its work.
                    store.write_sealed_file(INDEX_FILE, mi.to_bytes())
            while in_flight:
                file_results(*in_flight.popleft())
    store.write_sealed_file(INDEX_FILE, mi.to_bytes())
    return done


def _clock(ms: int) -> str:
    s = max(0, ms) // 1000
    return (
        f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
        if s >= 3600
        else f"{s // 60:02d}:{s % 60:02d}"
    )


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _seconds(text: str) -> int | None:
    """A report's time as the source gave it (ISO day or time) in seconds, or None."""
    text = text.strip()
    try:
        if _DAY.fullmatch(text):
            t = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
        else:
            t = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if t.tzinfo is None:
                t = t.replace(tzinfo=UTC)
    except ValueError:
        return None
    return int(t.timestamp())


def _facts(rid: str, d: dict[str, Any], units: set[str]) -> Facts:
    given = str(d.get("when") or "").strip()
    when = _seconds(given)
    span = 86400 if when is not None and _DAY.fullmatch(given) else 0  # a day: all of it
    lat = lon = None
    for a in d.get("attachments", []):
        claims = a.get("claims") or {}
        gps = claims.get("exif_gps")
        if lat is None and isinstance(gps, list) and len(gps) == 2:
            if all(type(x) is int for x in gps):  # the intake checked it; a desk file may lie
                lat, lon = gps[0], gps[1]
        if when is None and isinstance(claims.get("device_time"), str):
            when = _seconds(claims["device_time"])
    return Facts(
        rid, when, lat, lon, " ".join(str(d.get("where") or "").lower().split()),
        frozenset(str(c).lower() for c in d.get("categories", [])), frozenset(units), span,
    )  # fmt: skip


def _near_duplicates(
    mi: MediaIndex, reports: dict[str, Any], reviewed: Callable[[set[str]], bool]
) -> list[dict[str, Any]]:
    """Pairs of attachments, one suggestion each: photo-photo ("photo"), or involving a video
    ("video": the best frame named by its time, and how many frames matched)."""
    by_att: dict[tuple[str, int, str, int], list[tuple[int, int, int, str]]] = {}
    for a, n, at, b, m, bt, dist, how in mi.pairs:
        if a not in reports or b not in reports or reviewed({a, b}):
            continue
        by_att.setdefault((a, n, b, m), []).append((dist, at, bt, how))
    out: list[dict[str, Any]] = []
    for (a, n, b, m), hits in by_att.items():
        dist, at, bt, how = min(hits)
        crop = how == "crop"
        item: dict[str, Any] = {
            "reports": sorted([a, b]), "attachments": [[a, n], [b, m]], "distance": dist,
            "crop": crop,
        }  # fmt: skip
        if at < 0 and bt < 0:
            item["kind"] = "photo"
            item["why"] = (
                f"near-duplicate photos{', one a cropped copy' if crop else ''} "
                f"(PDQ distance {dist} of 256)"
            )
        else:
            item["kind"] = "video"
            item["frames"] = len({(x[1], x[2]) for x in hits})
            item["times"] = [None if at < 0 else _clock(at), None if bt < 0 else _clock(bt)]
            if at >= 0 and bt >= 0:
                item["why"] = (
                    f"videos in reports {a} and {b} share {item['frames']} frames "
                    f"(frame at {_clock(at)} matches frame at {_clock(bt)}, PDQ distance {dist})"
                )
            else:
                vid, ms, photo = (a, at, b) if at >= 0 else (b, bt, a)
                item["why"] = (
                    f"frame at {_clock(ms)} of the video in report {vid} matches "
                    f"the photo in report {photo} (PDQ distance {dist})"
                )
        out.append(item)
    return out


def suggestions(store: DeskStore) -> dict[str, Any]:
    """Everything the desk suggests, from what is stored (no hashing here: the web face
    calls this on a request)."""
    stored = [store.get_report(rid) for rid in store.report_ids()]
    reports = {r.id: r.data for r in stored}
    # Each suggestion names its flagged reports' flag codes (the inbox's flags, computed now).
    flags = {v.id: v.flag_codes for v in report_views(store, stored) if v.flags}

    def flagged(ids: list[str]) -> dict[str, list[str]]:
        return {r: flags[r] for r in ids if r in flags}

    incidents = store.incidents()
    grouped = [set(i.reports) for i in incidents]
    units: dict[str, set[str]] = {}
    for inc in incidents:
        for act in inc.acts:
            for rid in act.reports:
                units.setdefault(rid, set()).update(
                    p.unit.strip().lower() for p in act.perpetrators if p.unit.strip()
                )

    def reviewed(ids: set[str]) -> bool:
        return any(ids <= g for g in grouped)  # already one incident: nothing to suggest

    by_sha: dict[str, set[str]] = {}
    for rid, d in reports.items():
        for a in d.get("attachments", []):
            if a.get("sha256"):
                by_sha.setdefault(str(a["sha256"]), set()).add(rid)
    exact = [
        {"kind": "exact", "sha256": sha, "reports": sorted(ids),
         "why": f"the same file (SHA-256) in {len(ids)} reports"}
        for sha, ids in sorted(by_sha.items()) if len(ids) > 1 and not reviewed(ids)
    ]  # fmt: skip
    mi = load_index(store)
    near = _near_duplicates(mi, reports, reviewed)
    facts = [_facts(rid, d, units.get(rid, set())) for rid, d in reports.items()]
    groups = [
        {"kind": "cluster", "reports": sorted(c.reports), "reasons": list(c.reasons),
         "why": c.summary}
        for c in clusters(facts) if not reviewed(set(c.reports))
    ]  # fmt: skip
    for item in exact + near + groups:
        item["flags"] = flagged(item["reports"])
    return {
        "exact": exact,
        "near_duplicates": near,
        "clusters": groups,
        "index": {
            "photos": sum(1 for it in mi.items if it[3] == 0),
            "looked_at": len(mi.seen),
            "videos": len(mi.videos),
            "frames": sum(mi.videos.values()),
            "unreadable": [
                {"report": k.split("/")[0], "attachment": int(k.split("/")[1]), "state": v,
                 "flags": flags.get(k.split("/")[0], [])}
                for k, v in sorted(mi.problems.items())
                if k.split("/")[0] in reports
            ],
        },
    }


if __name__ == "__main__":  # pragma: no cover - the confined video child
    sys.exit(_child())
